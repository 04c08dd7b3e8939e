import json

import numpy as np
import pytest

from scimlkit import __version__
from scimlkit.cli import main


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_unknown_command_is_one_line_exit_2(capsys):
    assert main(["no-such-command"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid choice" in err


def test_input_error_is_one_line_and_debug_shows_traceback(capsys):
    assert main(["demo", "--only", "nothing"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("scimlkit: error:") and err.count("\n") == 1
    # --debug shows the traceback and keeps the status
    assert main(["demo", "--only", "nothing", "--debug"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Traceback") and "InputError" in err


def test_emit_json_and_table(capsys):
    from scimlkit.cli import emit

    emit({"a": 1.5, "b": float("nan")}, "json")
    assert json.loads(capsys.readouterr().out) == {"a": 1.5, "b": None}
    emit({"a": 1.5}, "table", title="T")
    assert "1.5" in capsys.readouterr().out


def test_warnings_are_one_line_without_source(capsys, monkeypatch):
    import warnings

    from scimlkit import cli

    def noisy(args):
        warnings.warn("first line\n   second line", UserWarning, stacklevel=1)

    monkeypatch.setattr(cli, "_demo", noisy)
    assert main(["demo"]) == 0
    assert capsys.readouterr().err == "scimlkit: warning: first line second line\n"


def test_demo_checks_its_options_before_running(tmp_path, capsys):
    taken = tmp_path / "report.html"
    taken.write_text("not a folder")
    for args, match in ((["--out", str(taken)], "existing file"), (["--seed", "-1"], "--seed"),
                        (["--out", str(taken / "sub")], "cannot create")):
        assert main(["demo", "--only", "curves", "--quick", *args]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and match in err and "chapter" not in err


def test_json_writes_nan_and_infinity_as_null_and_the_help_says_so(capsys):
    from scimlkit.cli import emit

    emit({"low": float("-inf"), "high": float("inf"), "p": float("nan")}, "json")
    assert json.loads(capsys.readouterr().out) == {"low": None, "high": None, "p": None}
    with pytest.raises(SystemExit):
        main(["calibrate", "threshold", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "written as null" in help_text
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "'-' reads one from standard input" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_reader_that_stops_early_is_not_an_error(fmt):
    # `scimlkit ... | head -1`: the pipe closes before the output is written; rich alone would end
    # the program with status 1
    import os
    import subprocess
    import sys

    # without PYTHONUNBUFFERED, Python's own buffer holds the output until the program ends
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["SCIMLKIT_PROGRESS"] = "0"
    child = subprocess.Popen([sys.executable, "-m", "scimlkit", "experiment", "size", "--baseline", "0.05",
                              "--mde", "0.1", "--relative", "--format", fmt],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    child.stdout.close()  # before the child has imported anything, let alone written
    err = child.stderr.read().decode()
    assert child.wait(timeout=120) == 0 and err == ""



def test_a_broken_pipe_that_is_not_standard_output_is_an_internal_error(monkeypatch, capsys):
    # a command whose pipe to another process breaks has failed; its output has not ended
    import argparse

    def handler(args):
        raise BrokenPipeError(32, "Broken pipe")

    parse = argparse.ArgumentParser.parse_args

    def parse_args(self, *a, **k):
        return argparse.Namespace(**{**vars(parse(self, *a, **k)), "func": handler})

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_args)
    assert main(["experiment", "size", "--baseline", "0.05", "--mde", "0.1"]) == 3
    assert "internal error: BrokenPipeError" in capsys.readouterr().err


def _failing_handler(monkeypatch, exc):
    import argparse

    def handler(args):
        raise exc

    parse = argparse.ArgumentParser.parse_args

    def parse_args(self, *a, **k):
        return argparse.Namespace(**{**vars(parse(self, *a, **k)), "func": handler})

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_args)


def test_an_internal_error_has_its_own_exit_status_apart_from_an_alert(monkeypatch, capsys):
    # status 1 is an alert that was asked for; a bug exits 3, so that a script can tell them apart
    assert main(["experiment", "srm", "a=5000,b=6000", "--fail-on-mismatch"]) == 1
    capsys.readouterr()
    _failing_handler(monkeypatch, ZeroDivisionError("division by zero"))
    assert main(["experiment", "srm", "a=5000,b=6000", "--fail-on-mismatch"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("scimlkit: internal error: ZeroDivisionError") and err.count("\n") == 1
    # --debug shows the traceback and keeps the status
    assert main(["experiment", "srm", "a=5000,b=6000", "--fail-on-mismatch", "--debug"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("Traceback") and "ZeroDivisionError: division by zero" in err


def test_the_exit_statuses_are_documented_in_the_help(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "1 an alert asked for" in text and "2 bad input" in text and "3 an internal error" in text


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_brackets_in_names_and_values_are_shown_as_written(tmp_path, capsys, fmt):
    # rich read "[/]" as markup (an internal error) and hid "[eu]" or "[b]": a column name or a
    # category value is text, shown as written
    import pandas as pd

    from scimlkit.cli import emit

    rows = ["[/]"] * 20 + ["[b]new"] * 20
    pd.DataFrame({"arm": rows, "m": np.arange(40.0)}).to_csv(tmp_path / "t.csv", index=False)
    assert main(["experiment", "analyze", str(tmp_path / "t.csv"), "--group", "arm", "--metric", "m",
                 "--control", "[/]", "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert "[b]new" in out and "[/]" in out
    emit(pd.DataFrame({"region [eu]": ["[bold]x[/bold]"]}), "table", title="by [red]region")
    emit({"name [unit]": "[i]value"}, "table")
    emit("plain [/] text", "table")
    out = capsys.readouterr().out
    for text in ("region [eu]", "[bold]x[/bold]", "by [red]region", "name [unit]", "[i]value", "plain [/] text"):
        assert text in out


def test_a_closed_pipe_counts_as_the_end_of_output_where_it_cannot_be_asked(monkeypatch):
    # without select.poll (Windows) the pipe cannot be asked whether its reader has gone: a
    # BrokenPipeError is then taken as the end of the output, as before the pipe was asked
    import os
    import select
    import sys

    from scimlkit.cli import _stdout_broken

    read, write = os.pipe()
    os.close(read)
    with open(write, "w") as stdout:
        monkeypatch.setattr(sys, "stdout", stdout)
        monkeypatch.delattr(select, "poll", raising=False)
        assert _stdout_broken()


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_closed_standard_output_is_left_alone_when_called_from_python(monkeypatch, fmt):
    # the output ends quietly, but the caller's standard output is not pointed elsewhere
    import os
    import sys

    read, write = os.pipe()
    os.close(read)
    stdout = open(write, "w")
    dup2 = []
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(os, "dup2", lambda *a: dup2.append(a))
    try:
        rc = main(["experiment", "size", "--baseline", "0.05", "--mde", "0.1", "--format", fmt])
    finally:
        monkeypatch.undo()
        try:
            stdout.close()
        except BrokenPipeError:
            pass
    assert rc == 0 and dup2 == []


def _regions(tmp_path):
    path = tmp_path / "users.csv"
    path.write_text("region,y\n" + "".join(f"{r},{i % 2}\n" for i, r in enumerate(["NA", "EU"] * 30)))
    return ["experiment", "analyze", str(path), "--group", "region", "--metric", "y"]


def test_na_values_lists_exactly_the_missing_text(tmp_path, capsys):
    command = _regions(tmp_path)
    # by default pandas' own gaps: a region NA is missing
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing" in err
    for option in (["--na-values", ""], ["--na-values=-"], ["--na-values", " - , null "]):
        assert main([*option, *command, "--format", "json"]) == 0, option
        assert '"NA"' in capsys.readouterr().out
    for option in (["--na-values", "NA"], ["--na-values=NA,-"]):
        assert main([*command, *option]) == 2, option
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "missing" in err
    assert main([*command, "--na-values"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_na_values_drops_the_spaces_around_each_text(tmp_path, capsys):
    command = _regions(tmp_path)
    assert main(["--na-values", "x, EU ", *command]) == 2  # " EU " is EU
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing" in err


def test_na_values_does_not_take_the_next_option_as_its_value(tmp_path, capsys):
    command = _regions(tmp_path)
    assert main(["--na-values", "--format", "json", *command]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--na-values=--format" in err
    assert main(["--na-values", "-", *command, "--format", "json"]) == 0  # a value may start with one dash
    json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("option", ["--na", "--na-value", "--na-val=NA"])
def test_an_abbreviated_option_before_the_command_is_refused(tmp_path, capsys, option):
    command = _regions(tmp_path)
    argv = [option, *command] if "=" in option else [option, "", *command]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--na-values" in err
    assert main(["--deb", *command]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_standard_output_is_refused_for_a_report(tmp_path, capsys, monkeypatch):
    import pandas as pd

    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    pd.DataFrame({"s": rng.random(100), "y": rng.integers(0, 2, 100)}).to_csv("s.csv", index=False)
    assert main(["calibrate", "threshold", "s.csv", "--score", "s", "--label", "y", "--report", "-"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--report" in err and "standard output" in err
    assert main(["demo", "--only", "calibrate", "--quick", "--out", "-"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--out" in err
    assert not (tmp_path / "-").exists()


def test_a_table_written_to_standard_output_keeps_it_to_itself(tmp_path, capsys):
    import io

    import pandas as pd

    rng = np.random.default_rng(0)
    path = tmp_path / "s.csv"
    pd.DataFrame({"s": rng.random(200), "y": rng.integers(0, 2, 200)}).to_csv(path, index=False)
    model = tmp_path / "cal.joblib"
    assert main(["calibrate", "fit", str(path), "--score", "s", "--label", "y", "--out", str(model)]) == 0
    capsys.readouterr()
    for fmt in ("table", "json"):
        assert main(["calibrate", "apply", str(model), str(path), "--score", "s", "--out", "-", "--format", fmt]) == 0
        out, err = capsys.readouterr()
        back = pd.read_csv(io.StringIO(out))
        assert list(back.columns) == ["s", "y", "s_calibrated"] and len(back) == 200
        assert "beta" in err or "method" in err
    # the next command prints to standard output again
    from scimlkit.cli import emit

    emit({"a": 1}, "json")
    assert json.loads(capsys.readouterr().out) == {"a": 1}


def test_a_table_written_to_standard_output_from_python_leaves_the_next_command_alone(tmp_path, capsys):
    import pandas as pd

    from scimlkit._io import write_table
    from scimlkit.cli import emit

    write_table(pd.DataFrame({"a": [1]}), "-")
    emit({"x": 1}, "json")
    out, err = capsys.readouterr()
    assert out.startswith("a\n1\n") and json.loads(out[4:]) == {"x": 1} and err == ""


def test_a_missing_value_in_a_table_reads_as_a_dash_not_none(capsys):
    import pandas as pd

    from scimlkit.cli import emit

    emit({"sd": None, "when": pd.NaT, "count": pd.NA, "alpha": 0.05}, "table", title="T")
    out = capsys.readouterr().out
    assert "None" not in out and "NaT" not in out and "<NA>" not in out
    assert [line.split("│")[2].strip() for line in out.splitlines() if "│" in line][:3] == ["-", "-", "-"]
    emit(pd.DataFrame({"x": ["a", None]}), "table")
    assert "None" not in capsys.readouterr().out


def test_refuse_overwrite_compares_files_not_names(tmp_path, monkeypatch):
    from scimlkit._errors import InputError
    from scimlkit.cli import refuse_overwrite

    data = tmp_path / "data.csv"
    data.write_text("a\n1\n")
    link = tmp_path / "link.csv"
    link.symlink_to(data)
    monkeypatch.chdir(tmp_path)
    for out in (str(data), str(link), "./sub/../data.csv", "data.csv"):  # one file under other names
        with pytest.raises(InputError, match=r"^--out '.*' is the same file as FILE '.*data\.csv'"):
            refuse_overwrite(out, "--out", {"FILE": str(data)})
    with pytest.raises(InputError, match="same file as MODEL"):  # neither exists yet: the same absolute path
        refuse_overwrite("new.db", "--store", {"FILE": None, "MODEL": str(tmp_path / "new.db")})
    refuse_overwrite("-", "--out", {"FILE": "-"})  # standard input and output are no file
    refuse_overwrite(None, "--out", {"FILE": str(data)})
    refuse_overwrite("other.csv", "--out", {"FILE": str(data)})
    with pytest.raises(InputError, match="--report '.*index.html' is the same file"):  # a report folder's page
        refuse_overwrite(tmp_path, "--report", {"FILE": str(tmp_path / "index.html")}, report=True)


def test_refuse_overwrite_of_a_report_folder_and_through_a_link_loop(tmp_path, monkeypatch):
    from scimlkit._errors import InputError
    from scimlkit.cli import refuse_overwrite

    monkeypatch.chdir(tmp_path)
    # a report folder named as a file the command writes: that file would be written first and
    # the report then failed (a study or history row stored, exit 2)
    for report in ("fresh.db", "fresh.db/x.html", "fresh.db/sub"):
        with pytest.raises(InputError, match="would be written inside --storage 'fresh.db', which is a file"):
            refuse_overwrite(report, "--report", {"--storage": "fresh.db"}, report=True)
    refuse_overwrite("fresh_report", "--report", {"--storage": "fresh.db"}, report=True)
    # a folder given as an input is left to the command's own message ("is a directory")
    refuse_overwrite("rq", "--report", {"FILE": "."}, report=True)
    refuse_overwrite(tmp_path / "dd", "--out", {"--store": str(tmp_path)}, report=True)
    # a link loop was an internal error (RuntimeError from Path.resolve): compared as written
    (tmp_path / "loop.csv").symlink_to("loop.csv")
    refuse_overwrite("loop.csv", "--out", {"FILE": "data.csv"})
    with pytest.raises(InputError, match="same file as FILE"):
        refuse_overwrite("loop.csv", "--out", {"FILE": "./loop.csv"})


def test_calibrate_fit_report_may_not_overwrite_the_calibrator(tmp_path, capsys):
    import pandas as pd

    rng = np.random.default_rng(0)
    score = rng.normal(size=300)
    path = tmp_path / "s.csv"
    pd.DataFrame({"score": score, "label": (rng.random(300) < 1 / (1 + np.exp(-score))).astype(int)}).to_csv(
        path, index=False)
    for out, report in (("m.html", "m.html"), ("mm.joblib", "mm.joblib")):
        rc = main(["calibrate", "fit", str(path), "--score", "score", "--label", "label",
                   "--out", str(tmp_path / out), "--report", str(tmp_path / report)])
        err = capsys.readouterr().err
        assert rc == 2 and len(err.strip().splitlines()) == 1 and "--out" in err, err
        assert not (tmp_path / out).exists()  # nothing written


def _modules_imported_by(argv):
    import subprocess
    import sys

    code = ("import sys\nfrom scimlkit.cli import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            "print('loaded:' + ','.join(m for m in ('experiment', 'tune', 'drift', 'calibrate', 'curves') "
            "if 'scimlkit.' + m in sys.modules) + (',sklearn' if 'sklearn' in sys.modules else ''))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={"SCIMLKIT_PROGRESS": "0", "PATH": ""})
    assert done.returncode == 0, done.stderr
    return done.stdout.split("loaded:")[-1].strip()


@pytest.mark.parametrize(("argv", "loaded"), [(["--help"], ""), (["--version"], ""),
                                               (["curves", "fit", "--help"], "curves")])
def test_a_command_imports_only_its_own_module(argv, loaded):
    # scikit-learn too is imported only by the commands that need it
    assert _modules_imported_by(argv) == loaded


def test_not_fitted_error_is_made_once_and_pickles():
    import pickle

    from sklearn.exceptions import NotFittedError as SklearnNotFittedError

    from scimlkit import NotFittedError
    from scimlkit._errors import NotFittedError as same

    error = NotFittedError("call fit first")
    assert same is NotFittedError and isinstance(error, SklearnNotFittedError | AttributeError | ValueError)
    assert type(pickle.loads(pickle.dumps(error))) is NotFittedError


def test_the_group_lines_of_the_help_are_the_modules_own():
    import argparse

    from scimlkit.cli import GROUP_HELP, build_parser

    def group_help(parser):
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return {choice.dest: choice.help for choice in action._choices_actions}

    full, placeholders = group_help(build_parser()), group_help(build_parser("demo"))
    assert {name: full[name] for name in GROUP_HELP} == GROUP_HELP
    assert placeholders == full


def test_the_help_ends_with_examples_that_parse(capsys):
    import shlex

    from scimlkit.cli import build_parser

    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    examples = out.split("examples:\n")[1].splitlines()
    assert len(examples) >= 6 and "--fail-\non" not in out
    for line in examples:
        args = build_parser().parse_args(shlex.split(line.split("#")[0])[1:])
        assert callable(args.func)


def test_a_usage_error_says_where_the_options_are_shown(capsys):
    assert main(["drift", "check"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "PROFILE" in err and "(`scimlkit drift check --help` shows the options)" in err
    assert main([]) == 2
    assert "(`scimlkit --help` shows the options)" in capsys.readouterr().err
