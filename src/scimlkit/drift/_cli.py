"""`scimlkit drift ...` subcommands (thin: parse, call the API, print)."""

from __future__ import annotations

from pathlib import Path

from ..cli import (
    EXIT_ALERT,
    add_command,
    emit,
    print_line,
    refuse_overwrite,
    refuse_stdout,
    seed_arg,
)

_TABLE = ["column", "kind", "status", "statistic", "pvalue_adj", "js_distance", "effect", "wasserstein", "psi",
          "missing_cur", "unseen", "alert"]


def _names(text):
    return [t.strip() for t in text.split(",") if t.strip()] if text else []


def _columns_named(names, columns) -> list[str]:
    """``names`` (from a comma-separated option, stripped) as the table's ``columns``: a name
    that is no column but is, spaces aside, exactly one column names that column (a CSV header
    ``id, price`` makes the column ' price')."""
    columns = [str(c) for c in columns]
    padded: dict[str, list[str]] = {}
    for c in columns:
        padded.setdefault(c.strip(), []).append(c)
    return [n if n in columns or len(padded.get(n, [])) != 1 else padded[n][0] for n in names]


def _few(report, shown: int = 5) -> list[str]:
    """Each column's ``unseen`` cell for the table: the first few unseen categories (most
    frequent first) and how many more (the JSON output and the report name twenty)."""
    from ._tests import format_unseen

    return [format_unseen(report.unseen_names.get(c, []), n, shown)
            for c, n in zip(report.table["column"], report.table["n_unseen"])]


def _fit(args) -> int:
    from .._errors import InputError
    from .._io import read_table
    from ._monitor import DriftMonitor

    refuse_stdout(args.out, "--out", "the profile")
    refuse_overwrite(args.out, "--out", {"REFERENCE": args.reference})

    both = [c for c in _names(args.numeric) if c in _names(args.categorical)]
    if both:
        raise InputError(f"column(s) {', '.join(both)} named in both --numeric and --categorical; name each in one")
    frame = read_table(args.reference, name="REFERENCE")
    types = {c: "categorical" for c in _columns_named(_names(args.categorical), frame.columns)}
    types.update({c: "numeric" for c in _columns_named(_names(args.numeric), frame.columns)})
    monitor = DriftMonitor(method=args.method, correction=args.correction, alpha=args.alpha,
                           min_effect=args.min_effect, column_types=types or None,
                           sample_size=args.sample_size, name=args.name, rng=args.seed)
    monitor.fit(frame, exclude=_columns_named(_names(args.exclude), frame.columns) or None)
    path = monitor.save(args.out)
    kinds = list(monitor.kinds_.values())
    ids = monitor.profile_.identifier_columns()
    emit({"profile": str(path), **({} if args.name is None else {"name": args.name}),
          "rows": int(monitor.profile_.n_rows), "columns": len(kinds),
          "numeric": kinds.count("numeric"), "categorical": kinds.count("categorical"),
          # datetimes are profiled but not tested: the table says so, JSON keeps a plain key
          ("datetime" if args.format == "json" else "datetime (not tested)"): kinds.count("datetime"),
          "bytes": Path(path).stat().st_size,
          "identifier_columns": ids if args.format == "json" else (", ".join(ids) or "none")},
         args.format, title="drift profile")
    return 0


def _load(args):
    from .._io import read_table
    from ._monitor import DriftMonitor

    overrides = {k: getattr(args, k) for k in ("method", "correction", "alpha", "min_effect")
                 if getattr(args, k, None) is not None}
    monitor = DriftMonitor.load(args.profile, **overrides)
    current = read_table(args.current, name="CURRENT")
    return monitor, current


def _check(args) -> int:
    refuse_overwrite(args.store, "--store", {"PROFILE": args.profile, "CURRENT": args.current})
    monitor, current = _load(args)
    report = monitor.check(current, batch=args.batch, multivariate=args.multivariate or None,
                           store=args.store)
    if args.format == "json":
        emit(report, "json")
    else:
        from ._report import data_state_column

        table = data_state_column(report.table[_TABLE].assign(unseen=_few(report)))  # status titled "data"
        emit(table, "table", title=f"drift check{f' {args.batch}' if args.batch else ''}")
        print_line(report.summary())
    return EXIT_ALERT if (args.fail_on_drift and report.alert) else 0


def _history(args) -> int:
    from .._errors import InputError
    from .._io import write_table
    from .._store import check_existing_store
    from .._validation import check_int
    from ._history import DriftHistory

    refuse_overwrite(args.out, "--out", {"DB": args.store})
    store = DriftHistory(check_existing_store(args.store, "history"))
    frame = (store.history(monitor=args.monitor) if args.column is None
             else store.columns(args.column, monitor=args.monitor))
    if args.monitor is not None and frame.empty and store.history(monitor=args.monitor).empty:
        raise InputError(f"history '{args.store}' has no checks of monitor '{args.monitor}'")
    if args.column is not None and frame.empty:
        raise InputError(f"history '{args.store}' has no rows for column '{args.column}'")
    if args.last is not None:  # a long history: its latest checks only
        frame = frame.tail(check_int(args.last, "--last", low=1))
    written = None if args.out is None else str(write_table(frame, args.out))
    frame = frame.assign(created=frame["created"].map(lambda t: t.isoformat(timespec="microseconds")))  # as the check's timestamp
    if args.format == "table":
        keep = ["id", "monitor", "batch", "created", "n_rows", "n_alerts", "alert", "health", "mv_auroc"]
        if args.column is not None:
            keep = ["check_id", "monitor", "batch", "created", "status", "statistic", "pvalue_adj", "js_distance", "effect",
                    "alert"]
        if frame["monitor"].isna().all():  # no named monitor: no column for it
            keep.remove("monitor")
        frame = frame[keep]
        if args.column is not None:
            from ._report import data_state_column

            frame = data_state_column(frame)  # status titled "data"
        # a missing label or value (a test not run) shows blank, not as "nan" / "None"
        gaps = [c for c in frame.columns if frame[c].isna().any()]
        frame = frame.assign(**{c: frame[c].astype(object).where(frame[c].notna(), "") for c in gaps})
    emit(frame, args.format, title=f"drift history ({args.store})")
    if written is not None and args.format == "table":
        print_line(f"{len(frame)} rows written to {'standard output' if str(written) == '-' else written}")
    return 0


def _report(args) -> int:
    from .._report import check_report_path
    from ._history import DriftHistory
    from ._report import write_report

    refuse_stdout(args.out, "--out", "the report (a folder, or a file name ending in .html)")
    target = check_report_path(args.out)
    inputs = {"PROFILE": args.profile, "CURRENT": args.current}
    refuse_overwrite(args.store, "--store", inputs)
    refuse_overwrite(target, "--out", {**inputs, "--store": args.store}, report=True)
    monitor, current = _load(args)
    store = DriftHistory(args.store) if args.store else None
    report = monitor.check(current, batch=args.batch, multivariate=args.multivariate or None, store=store)
    path = write_report(report, target, reference=monitor, current=current, history=store)
    emit({"report": str(path), "health": report.health, "alerts": report.n_alerts}, args.format,
         title="drift report")
    return EXIT_ALERT if (args.fail_on_drift and report.alert) else 0


def _check_options(parser, *, defaults: bool) -> None:
    parser.add_argument("--method", choices=("ks", "cvm", "anderson"), default="ks" if defaults else None,
                        help="numeric test (default ks)")
    parser.add_argument("--correction", choices=("holm", "bonferroni", "bh"), default="holm" if defaults else None,
                        help="multiple-testing correction (default holm)")
    parser.add_argument("--alpha", type=float, default=0.05 if defaults else None,
                        help="family-wise level (default 0.05)")
    parser.add_argument("--min-effect", dest="min_effect", type=float, default=0.025 if defaults else None,
                        help="effect-size gate on the Jensen-Shannon distance less its sampling bias "
                             "(the effect column; default 0.025)")


def register(subparsers) -> None:
    parser = subparsers.add_parser("drift", help="data-drift monitoring of model inputs",
                                   description="Data-drift monitoring: fit a reference profile, check batches, "
                                               "keep a history, write HTML reports.")
    sub = parser.add_subparsers(dest="drift_command", metavar="COMMAND")
    sub.required = True

    fit = add_command(sub, "fit", _fit, help="profile a reference table into one file",
                      description="Profile a reference table into one file. Columns that look like "
                                  "identifiers (row numbers, order numbers, UUIDs: new values in every "
                                  "batch, so they alert on every check) are named in a warning and in "
                                  "the output's identifier_columns; leave them out with --exclude.")
    fit.add_argument("reference", metavar="REFERENCE", help="reference table (CSV, Parquet, ...)")
    fit.add_argument("--out", required=True, metavar="PROFILE", help="profile file to write")
    fit.add_argument("--categorical", default=None, help="comma-separated columns to treat as categorical")
    fit.add_argument("--numeric", default=None, help="comma-separated columns to treat as numeric")
    fit.add_argument("--exclude", default=None, metavar="COLS",
                     help="comma-separated columns to leave out of the profile (identifiers, targets); "
                          "batches may still hold them (ignored by check)")
    fit.add_argument("--sample-size", dest="sample_size", type=int, default=5000,
                     help="reference rows kept for the multivariate test (default 5000)")
    fit.add_argument("--name", default=None, metavar="NAME",
                     help="the monitor's name, recorded with each of its checks in a history "
                          "(several monitors can share one history file)")
    fit.add_argument("--seed", type=seed_arg, default=0, help="random seed (default 0)")
    _check_options(fit, defaults=True)

    check = add_command(sub, "check", _check, help="check a batch against a profile")
    check.add_argument("profile", metavar="PROFILE")
    check.add_argument("current", metavar="CURRENT", help="batch table (CSV, Parquet, ...)")
    check.add_argument("--store", default=None, metavar="DB", help="record the check in this SQLite history")
    check.add_argument("--batch", default=None, metavar="ID", help="batch label (e.g. a date)")
    check.add_argument("--fail-on-drift", dest="fail_on_drift", action="store_true",
                       help="exit with status 1 when any column drifted")
    check.add_argument("--multivariate", action="store_true", help="also run the domain-classifier test")
    _check_options(check, defaults=False)

    history = add_command(sub, "history", _history, help="show the recorded checks")
    history.add_argument("store", metavar="DB")
    history.add_argument("--column", default=None, help="show one column's rows instead")
    history.add_argument("--monitor", default=None, metavar="NAME",
                         help="show only the checks of the monitor of this name (drift fit --name)")
    history.add_argument("--last", type=int, default=None, metavar="N",
                         help="show only the N latest checks (with --column: that column's N latest rows)")
    history.add_argument("--out", default=None, metavar="FILE",
                         help="also write every field of the rows shown to a table (.csv, .parquet, .feather, ...)")

    report = add_command(sub, "report", _report, help="check a batch and write an HTML report")
    report.add_argument("profile", metavar="PROFILE")
    report.add_argument("current", metavar="CURRENT")
    report.add_argument("--store", default=None, metavar="DB",
                        help="record the check here and plot the health score over time")
    report.add_argument("--batch", default=None, metavar="ID")
    report.add_argument("--out", "--report", dest="out", required=True, metavar="DIR",
                        help="report folder (or .html file); --report, as other commands spell it, is the same")
    report.add_argument("--fail-on-drift", dest="fail_on_drift", action="store_true")
    report.add_argument("--multivariate", action="store_true")
    _check_options(report, defaults=False)
