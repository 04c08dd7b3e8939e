"""The ``scimlkit`` command line.

Each module registers its subcommands from its own ``_cli.py`` through ``register(subparsers)``.
Every command takes ``--format table|json``. Exit statuses: 0 success, 1 an alert a command was
asked to signal (``drift check --fail-on-drift``, ``experiment srm --fail-on-mismatch``), 2 bad
input (one line on stderr), 3 an internal error (one line on stderr), 130 interrupted;
``--debug`` (anywhere on the line) shows the traceback instead. ``--na-values`` (also
anywhere on the line) lists exactly the text that means a missing value in the tables a command
reads, instead of pandas' own words (see :func:`scimlkit._io.read_table`).
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import MODULES, __version__
from ._errors import InputError, OptionalDependencyError, StorageError
from ._results import Result, jsonable

__all__ = ["main", "add_command", "add_report_option", "report_target", "refuse_stdout", "refuse_overwrite", "emit",
           "print_line", "binary_labels"]

EXIT_OK, EXIT_ALERT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors become one line and exit status 2."""

    def error(self, message: str):  # noqa: D401 - argparse API
        command = self.prog.split(" ", 1)[1] if " " in self.prog else ""
        message = f"{message} (`{self.prog} --help` shows the options)"
        raise _UsageError(f"{command}: {message}" if command else message)


def add_command(subparsers, name: str, handler: Callable[[argparse.Namespace], int | None], *,
                help: str, description: str | None = None) -> argparse.ArgumentParser:
    """Add a leaf command with the shared ``--format`` option; returns its parser."""
    parser = subparsers.add_parser(name, help=help, description=description or help)
    parser.add_argument("--format", choices=("table", "json"), default="table",
                        help="output as a table (default) or as JSON for scripts (JSON has no NaN or "
                             "infinity: such values are written as null)")
    parser.set_defaults(func=handler)
    return parser


def add_report_option(parser: argparse.ArgumentParser, what: str) -> None:
    """Add ``--report OUT``: write an HTML report of ``what`` to a folder or a ``.html`` file."""
    parser.add_argument("--report", default=None, metavar="OUT",
                        help=f"also write an HTML report of {what} (a folder, or a file name ending in .html)")


def refuse_stdout(path, option: str, what: str) -> None:
    """Raise ``InputError`` when an output that is not a table (``what``: "the calibrator", "the
    report") is given as ``-``, which means standard output for tables only."""
    if isinstance(path, str) and path.strip() == "-":
        raise InputError(f"{option}: '-' (standard output) is for output tables only; "
                         f"give a file name for {what}")


def _same_file(a, b) -> bool:
    """Whether the paths ``a`` and ``b`` name one file: the same file when both exist (links
    included), else the same absolute path once the links of its existing part are followed.
    ``-`` (standard input or output) is no file."""
    if any(isinstance(p, str) and p == "-" for p in (a, b)):
        return False
    a, b = os.path.expanduser(a), os.path.expanduser(b)
    try:
        if os.path.exists(a) and os.path.exists(b):
            return os.path.samefile(a, b)
        # not strict: a path through a link loop is compared as written, never an error
        return os.path.realpath(os.path.abspath(a)) == os.path.realpath(os.path.abspath(b))
    except (OSError, RuntimeError, ValueError):
        return False


def refuse_overwrite(path, option: str, inputs: dict, *, report: bool = False) -> None:
    """Raise ``InputError`` when the output ``path`` of ``option`` is the same file as one of the
    command's ``inputs`` (``{name: path}``; None entries are skipped: the files it reads, and
    the other files it writes), which writing it would destroy. With ``report``, ``path`` is a
    report output: a folder stands for the ``index.html`` written inside it, and neither that
    folder nor any folder above the page may be one of ``inputs`` (it could not be created).
    Call it before anything is read or written."""
    if path is None:
        return
    page = Path(path) if not report or Path(path).suffix.lower() == ".html" else Path(path) / "index.html"
    for name, source in inputs.items():
        if source is None:
            continue
        if _same_file(page, source):
            raise InputError(f"{option} '{page}' is the same file as {name} '{source}'; writing there would "
                             "overwrite it: give another file name")
        if (report and not os.path.isdir(os.path.expanduser(source))
                and any(_same_file(folder, source) for folder in page.parents)):
            raise InputError(f"{option} '{page}' would be written inside {name} '{source}', which is a file: "
                             "give another folder")


def report_target(args: argparse.Namespace, inputs: dict | None = None):
    """The ``--report`` output checked before any work is done (None without ``--report``); the
    file it would write must not be one of the command's ``inputs`` (see :func:`refuse_overwrite`)."""
    if args.report is None:
        return None
    refuse_stdout(args.report, "--report", "the report (a folder, or a file name ending in .html)")
    from ._report import check_report_path

    target = check_report_path(args.report)
    refuse_overwrite(target, "--report", inputs or {}, report=True)
    return target


def seed_arg(text: str) -> int:
    """An argparse type for ``--seed``: an integer in [0, 2**32 - 1]."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
    if not 0 <= value <= 2**32 - 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 2**32 - 1], got {value}")
    return value


def _out():
    """Where a command prints: standard output, or standard error once a table was written there."""
    from ._io import table_on_stdout

    return sys.stderr if table_on_stdout() else sys.stdout


def print_line(text: str = "") -> None:
    print(text, file=_out())


def _text(value: Any):
    """``value`` as rich text shown as written: brackets in a column name or a category
    (``[eu]``, ``[/]``) are not read as rich markup, which would hide them or fail."""
    from rich.text import Text

    return None if value is None else Text(str(value))


#: How a boolean label may be named with --pos-label, besides its own "True" and "False".
_BOOLEAN_NAMES = {"true": True, "t": True, "yes": True, "1": True, "false": False, "f": False, "no": False, "0": False}


def binary_labels(column, name: str, pos_label: str | None):
    """0/1 labels of a label column (``name`` in messages): 0/1 (or boolean) values, or, with
    ``--pos-label``, any two labels of which ``pos_label`` (text, as typed) is the positive one."""
    import numpy as np

    from ._validation import check_binary

    if pos_label is None:
        try:
            return check_binary(column, name)
        except InputError as exc:
            distinct = sorted({str(v) for v in column.dropna().tolist()})
            if "only 0 and 1" not in str(exc) or len(distinct) != 2:
                raise
            import shlex

            raise InputError(f"{exc}; name the positive class with --pos-label {shlex.quote(distinct[0])} "
                             f"or --pos-label {shlex.quote(distinct[1])}") from None
    gaps = int(column.isna().sum())
    if gaps:
        raise InputError(f"{name} contains {gaps} missing value(s)")
    values = column.to_numpy()
    text = np.array([str(v) for v in values], dtype=object)
    positive = text == pos_label
    if not positive.any() and column.dtype.kind in "iuf":  # --pos-label 2 on 2.0, 2 on 2
        try:
            positive = values == float(pos_label)
        except ValueError:
            pass
    if not positive.any() and column.dtype.kind == "b":  # --pos-label true, TRUE or 1 on True
        spelled = _BOOLEAN_NAMES.get(pos_label.strip().lower())
        if spelled is not None:
            positive = np.asarray(values == spelled, dtype=bool)
    distinct = np.unique(text).tolist()
    if len(distinct) != 2:
        raise InputError(f"{name} must hold exactly two labels with --pos-label, got {len(distinct)}: "
                         f"{distinct[:5]}")
    if not positive.any():
        raise InputError(f"--pos-label {pos_label!r} is not a label of {name}; its labels are {distinct}")
    return positive.astype(np.int8)


def _frame_table(frame, title: str | None = None):
    from rich.table import Table

    table = Table(title=_text(title), show_lines=False, header_style="bold")
    for column in frame.columns:
        table.add_column(_text(column), justify="right" if frame[column].dtype.kind in "iufb" else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*(_text(_fmt(v)) for v in row))
    return table


def _fmt(value: Any) -> str:
    """A cell of a table as text; a missing value (None, pandas' NA or NaT) is shown as '-'."""
    import numpy as np
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return "-"
    if isinstance(value, float | np.floating):
        if value != value:
            return "nan"
        return f"{value:.6g}"
    return str(value)


def _console(**options):
    """A rich Console whose output to a pipe that was closed (``| head``) raises BrokenPipeError,
    which :func:`main` treats as the end of the output, rather than ending the program itself
    with status 1 as rich does."""
    from rich.console import Console

    class PipeConsole(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return PipeConsole(**options)


def emit(data: Any, fmt: str, *, title: str | None = None) -> None:
    """Print a result, DataFrame, dict or list as a rich table or as JSON (on standard error once
    a table was written to standard output)."""
    import pandas as pd

    stream = _out()
    if fmt == "json":
        print(json.dumps(jsonable(data), indent=2, allow_nan=False), file=stream)
        return
    from rich.table import Table

    console = _console(file=stream, soft_wrap=True, width=None if stream.isatty() else 160)
    if isinstance(data, Result):
        frame = data.to_frame()
        if len(frame) == 1 and frame.shape[1] > 6:
            data = frame.iloc[0].to_dict()
        else:
            console.print(_frame_table(frame, title or type(data).__name__))
            return
    if isinstance(data, pd.DataFrame):
        console.print(_frame_table(data, title))
    elif isinstance(data, dict):
        table = Table(title=_text(title), show_header=False)
        table.add_column(style="bold")
        table.add_column(justify="right")
        for key, value in data.items():
            table.add_row(_text(key), _text(_fmt(value)))
        console.print(table)
    elif isinstance(data, list):
        console.print(_frame_table(pd.DataFrame(data), title))
    else:
        console.print(_text(data))


def _demo(args: argparse.Namespace) -> int:
    from ._demo import run_demo

    refuse_stdout(args.out, "--out", "the report folder")
    only = [m.strip() for m in args.only.split(",")] if args.only else None
    stream = sys.stderr if args.format == "json" else sys.stdout
    summary = run_demo(args.out, only=only, quick=args.quick, seed=args.seed, stream=stream)
    if args.format == "json":
        emit(summary, "json")
    return EXIT_OK


#: The one-line help of each module's command group, shown by ``scimlkit --help`` without importing
#: the modules (a test keeps each equal to the help its module registers).
GROUP_HELP = {
    "experiment": "A/B tests, sample sizes, model comparison",
    "tune": "black-box hyperparameter search (run a spec, show a study)",
    "drift": "data-drift monitoring of model inputs",
    "calibrate": "calibrate scores, pick exact decision thresholds",
    "curves": "learning curves: fit, extrapolate, samples needed",
}

#: Shown at the end of ``scimlkit --help``; every line is a command that parses (a test checks).
EXAMPLES = """\
examples:
  scimlkit demo                                      # guided tour -> scimlkit-report/index.html
  scimlkit experiment size --baseline 0.05 --mde 0.10 --relative
  scimlkit experiment analyze users.csv --group arm --metric converted
  scimlkit tune run spec.toml --report study.html
  scimlkit drift fit train.parquet --out profile.npz
  scimlkit drift check profile.npz today.parquet --fail-on-drift
  scimlkit calibrate threshold scores.csv --score score --label y --objective f1
  scimlkit curves fit curve.csv --size n --score accuracy --target 0.95"""


def _command_word(argv: Sequence[str]) -> str | None:
    """The command of a command line (its first word not starting with '-'), or None."""
    for arg in argv:
        if arg == "--":
            return None
        if not arg.startswith("-"):
            return arg
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``scimlkit`` parser. With ``command`` (the command word of the line to parse), only that
    module's commands are imported and built; the other groups are one-line placeholders, so that
    start-up does not pay for every module."""
    import textwrap

    # no abbreviations: an option before the command spelled short (`--na NA`) is refused, not ignored
    parser = _Parser(prog="scimlkit", description="The ML engineer's scientific toolkit.", allow_abbrev=False,
                     formatter_class=argparse.RawDescriptionHelpFormatter,
                     epilog="Tables are read from CSV (.csv) or TSV (.tsv) files, also compressed (.csv.gz, "
                            ".csv.bz2, .csv.xz, .csv.zip), Parquet, Feather or .npy files; '-' reads one from "
                            "standard input, and an output table named '-' is written to standard output as CSV (the rest of the output then goes to standard "
                            "error; models, profiles and reports need a file name). Missing values are pandas' "
                            "own: empty cells and words such as NA, null or None, in every column; "
                            "--na-values NA,- makes exactly these texts and empty cells missing (--na-values '' "
                            "only empty cells, so that a region called NA stays a value). Exit status: 0 success; "
                            "1 an alert asked for (--fail-on-drift, --fail-on-mismatch); 2 bad input, with one "
                            "line on stderr; 3 an internal error (a bug), with one line on stderr (--debug shows "
                            "the traceback); 130 interrupted. "
                            "`scimlkit COMMAND --help` shows a command's options.")
    parser.epilog = textwrap.fill(parser.epilog, 80, break_on_hyphens=False) + "\n\n" + EXAMPLES
    parser.add_argument("--version", action="version", version=f"scimlkit {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the traceback on errors")
    parser.add_argument("--na-values", metavar="TEXT[,TEXT]", default=None,
                        help="exactly the text that means a missing value, besides empty cells, in every column "
                             "of the tables read, separated by commas (so a text cannot hold a comma; spaces "
                             "around each are dropped), e.g. NA,- or '' for empty cells only; without it, "
                             "pandas' own words (NA, null, None, NaN, ...) are missing too. In Parquet and "
                             "Feather files it marks equal text, categories and numbers (-999) missing. May be "
                             "given after the command too")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    demo = add_command(sub, "demo", _demo, help="guided end-to-end run on bundled data; writes an HTML report")
    demo.add_argument("--out", default="scimlkit-report", help="report folder (default: scimlkit-report)")
    demo.add_argument("--only", default=None, help=f"comma-separated chapters among {', '.join(MODULES)}")
    demo.add_argument("--quick", action="store_true", help="smaller runs (for tests)")
    demo.add_argument("--seed", type=seed_arg, default=0, help="random seed (default 0)")
    for name in MODULES:
        if command is not None and name != command and name in GROUP_HELP:
            sub.add_parser(name, help=GROUP_HELP[name], description=GROUP_HELP[name])
            continue
        try:
            module = importlib.import_module(f"scimlkit.{name}._cli")
        except ModuleNotFoundError as exc:
            if exc.name in (f"scimlkit.{name}", f"scimlkit.{name}._cli"):
                continue  # module not built yet
            raise
        module.register(sub)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings on the command line: one line each, without the source location."""
    text = " ".join(str(message).split())
    print(f"scimlkit: warning: {text}", file=sys.stderr if file is None else file)


def _stdout_broken() -> bool:
    """Whether standard output can no longer be written (the reader of its pipe has gone)."""
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ConnectionResetError):
        return True
    except (OSError, ValueError, AttributeError):
        return False
    try:
        fileno = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):  # not a real file
        return False
    import select

    if not hasattr(select, "poll"):  # (Windows) no way to ask the pipe: take the error as ours
        return True
    try:  # nothing left to flush: ask the pipe itself whether its reader is still there
        poller = select.poll()
        poller.register(fileno, 0)
        return any(event & (select.POLLERR | select.POLLHUP) for _, event in poller.poll(0))
    except (OSError, ValueError):
        return False


def _drop_stdout() -> None:
    """Point standard output at the null device, so that flushing it at exit raises nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):  # not a real file
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (``sys.argv[1:]`` when None, as the ``scimlkit`` program does)
    and return its exit status.

    When standard output is a pipe whose reader has gone (``scimlkit ... | head -1``), the output
    simply ends there (status 0); run as the program (``argv`` None), standard output is then
    pointed at the null device so that Python's final flush reports nothing.
    """
    entry = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    try:
        argv, na_values = _na_values(argv)
    except _UsageError as exc:
        print(f"scimlkit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from ._io import table_options

    with warnings.catch_warnings(), table_options(na_values):
        if not debug:
            warnings.showwarning = _show_warning
        return _main(argv, debug, entry)


def _na_values(argv: list[str]) -> tuple[list[str], list[str] | None]:
    """``argv`` without its ``--na-values TEXT`` options (anywhere before ``--``), and their texts
    (None without the option; empty texts dropped, as empty cells are always missing)."""
    rest, found, i = [], None, 0
    command = False  # whether the command was reached (the first word not starting with '-')
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        option = arg.split("=", 1)[0]
        if not command and option != "--na-values" and len(option) > 3 and "--na-values".startswith(option):
            raise _UsageError(f"unrecognized option {option!r} (options are not abbreviated: write --na-values)")
        command = command or not arg.startswith("-")
        if arg == "--na-values" or arg.startswith("--na-values="):
            if "=" in arg:
                text = arg.split("=", 1)[1]
            elif i + 1 < len(argv):
                text, i = argv[i + 1], i + 1
                if text.startswith("--"):  # the next option, not a value (--na-values --format json)
                    raise _UsageError(f"argument --na-values: expected a value, got the option {text!r} "
                                      f"(write --na-values={text} if that text is meant)")
            else:
                raise _UsageError("argument --na-values: expected one argument")
            found = [*(found or []), *(t.strip() for t in text.split(",") if t.strip())]
        else:
            rest.append(arg)
        i += 1
    return rest, found


def _main(argv: list[str], debug: bool, entry: bool = False) -> int:
    try:
        args = build_parser(_command_word(argv) or "").parse_args(argv)
        rc = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not in Python's flush at exit
        return EXIT_OK if rc is None else int(rc)
    except _UsageError as exc:
        print(f"scimlkit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (InputError, StorageError, OptionalDependencyError) as exc:
        if debug:  # the traceback, and the same status
            traceback.print_exc()
            return EXIT_USAGE
        message = " ".join(str(exc).split())
        print(f"scimlkit: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("scimlkit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError as exc:
        if not _stdout_broken():  # another pipe (one to a child process): an internal error
            return _internal_error(exc, debug)
        if entry:  # the reader of our output has gone (`| head`): the output simply ends there
            _drop_stdout()
        return EXIT_OK
    except Exception as exc:  # an internal error: one line, unless --debug
        return _internal_error(exc, debug)


def _internal_error(exc: Exception, debug: bool) -> int:
    """Report an unexpected error in one line (its traceback with ``--debug``); status 3, so that
    a script can tell it from an alert (status 1)."""
    if debug:
        traceback.print_exception(exc)
        return EXIT_INTERNAL
    print(f"scimlkit: internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
          file=sys.stderr)
    return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
