"""``scimlkit tune``: run a tuning job from a SPEC.toml, show a stored study."""

from __future__ import annotations

import sys

from ..cli import add_command, add_report_option, emit, refuse_overwrite, report_target, seed_arg

__all__ = ["register"]


def register(subparsers) -> None:
    from ._pruning import PRUNER_NAMES

    group = subparsers.add_parser("tune", help="black-box hyperparameter search (run a spec, show a study)",
                                  description="Black-box hyperparameter search.")
    sub = group.add_subparsers(dest="tune_command", metavar="COMMAND")
    sub.required = True
    run = add_command(sub, "run", _run, help="tune an estimator as described by a SPEC.toml",
                      description="Tune a scikit-learn estimator by cross-validation as described by SPEC.toml. "
                                  "Its `estimator` is the import path of an estimator class, or of a function "
                                  "that takes no arguments and returns an estimator (a pipeline, say); [params] "
                                  "are then set on what it returns. A module of your own (models.py) may sit "
                                  "beside the spec. TOML has no null: the string \"None\" stands for Python's "
                                  "None in [params], in choices and in `when` values (so the text 'None' itself "
                                  "cannot be given). [data] groups = \"column\" keeps each group's rows in one "
                                  "fold (GroupKFold).")
    run.add_argument("spec", metavar="SPEC.toml", help="the job description (estimator, space, data, ...)")
    run.add_argument("--n-trials", type=int, default=None, help="override the spec's n_trials")
    run.add_argument("--n-workers", type=int, default=None, help="override the spec's n_workers")
    run.add_argument("--method", default=None, help="override the spec's method")
    run.add_argument("--storage", default=None, help="override the spec's storage file")
    run.add_argument("--study", default=None, help="override the spec's study name")
    run.add_argument("--seed", type=seed_arg, default=None, help="override the spec's seed")
    run.add_argument("--pruner", type=str.lower, choices=list(PRUNER_NAMES), default=None,
                     help="override the spec's pruner (median: stop a trial whose first folds score below the "
                          "median of the complete trials on the same folds; halving: successive halving)")
    run.add_argument("--patience", type=_patience, default=None,
                     help="override the spec's patience: stop when the best score has not improved for this many "
                          "trials")
    run.add_argument("--known", default=None, metavar="FILE",
                     help="override the spec's known: evaluations made before to start from (a table with a "
                          "column per parameter and mean_test_score or score, e.g. a grid search's cv_results_, "
                          "or loss; or an earlier study's .db file; '-' reads the table from standard input)")
    add_report_option(run, "the study (convergence, parameter relevance, slices, best trials)")
    show = add_command(sub, "show", _show, help="show the trials of a stored study",
                       description="Show a study stored in a SQLite file: trials, best, counts.")
    show.add_argument("db", metavar="DB", help="the study storage file")
    show.add_argument("--study", default=None, help="the study name (needed when the file holds several)")
    show.add_argument("--out", default=None, metavar="FILE",
                      help="also write every trial with all its fields to a table (.csv, .parquet, .feather, ...)")
    show.add_argument("--top", type=int, default=None, metavar="N",
                      help="show only the N best complete trials in the table, best first (JSON and --out keep all)")
    add_report_option(show, "the study (convergence, parameter relevance, slices, best trials)")


def _patience(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _run(args) -> int:
    import dataclasses
    from pathlib import Path

    from ._spec import CVObjective, load_spec
    from ._stopping import StopWhenStalled
    from ._study import _minimize

    spec = load_spec(args.spec)
    report = report_target(args)
    overrides = {"n_trials": args.n_trials, "n_workers": args.n_workers, "method": args.method,
                 "study": args.study, "seed": args.seed, "pruner": args.pruner, "patience": args.patience,
                 "storage": None if args.storage is None else Path(args.storage),
                 "known": None if args.known is None else args.known if args.known == "-" else Path(args.known).expanduser()}
    if args.method is not None:
        overrides["method"] = args.method.strip().lower()
    spec = dataclasses.replace(spec, **{k: v for k, v in overrides.items() if v is not None})
    inputs = {"SPEC.toml": spec.source, "the data": spec.data}
    # the storage may hold the known evaluations on purpose (one study started from another)
    refuse_overwrite(spec.storage, "--storage" if args.storage is not None else "storage", inputs)
    refuse_overwrite(report, "--report", {**inputs, "the known evaluations": spec.known,
                                          "the storage": spec.storage}, report=True)
    estimator = spec.build_estimator()
    X, y = spec.load_data()
    known = spec.load_known()
    groups = spec.load_groups()
    objective = CVObjective(estimator, X, y, cv=spec.cv, scoring=spec.scoring, groups=groups)
    label_now, earlier = spec.objective_label(X, y, estimator, groups)
    label = spec.scoring or "score"
    result = _minimize(objective, spec.space, method=spec.method, n_trials=spec.n_trials, n_workers=spec.n_workers,
                       storage=spec.storage, study=spec.study, timeout=None, rng=spec.seed, executor=None,
                       show_progress=None, options={}, show_best=lambda loss: f"best {label} {-loss:.4g}",
                       pruner=spec.pruner, known=known, known_columns=spec.known_columns,
                       callbacks=None if spec.patience is None else [StopWhenStalled(spec.patience)],
                       objective_label=label_now, earlier_labels=earlier)
    summary = {
        "study": result.study,
        "estimator": spec.estimator,
        "scoring": label,
        "best_score": None if result.best_params is None else -result.best_value,
        "best_params": result.best_params,
        "best_trial": result.best_trial,
        "n_trials": len(result.trials),
        "n_complete": result.n_complete,
        "n_failed": result.n_failed,
        "n_pruned": result.n_pruned,
        "n_added": result.n_added,
        "method": result.method,
        "method_used": result.method_used,
        "storage": result.storage,
        "message": result.message,
    }
    if report is not None and result.n_complete:
        summary["report"] = _write_report(result, report)
    if args.format == "json":
        emit(summary, "json")
    else:
        table = {k: v for k, v in summary.items() if k != "best_params" and v is not None
                 and not (k == "n_added" and v == 0)}
        for name, value in (result.best_params or {}).items():
            table[f"best {name}"] = _shown(value)
        emit(table, "table", title=f"tune run: {spec.source.name}")
    if result.best_params is None:
        # every trial failed: almost always the data or the spec (a text column, too few rows
        # of a class, a parameter the estimator rejects), so it counts as bad input
        message = " ".join(str(result.message).split())
        print(f"scimlkit: error: {message}", file=sys.stderr)
        return 2
    return 0


def _shown(value):
    """A parameter's value in a table: ``None`` (a choice) as text, and a parameter that did not
    apply (NaN) as "-", the way tables show a missing value."""
    if value is None:
        return "None"
    return "-" if isinstance(value, float) and value != value else value


def _write_report(result, target) -> str:
    from ._report import write_report

    return str(write_report(result, target))


def _show(args) -> int:
    from .._io import write_table
    from .._validation import check_int
    from ._study import read_study

    top = None if args.top is None else check_int(args.top, "--top", low=1)
    report = report_target(args, {"DB": args.db, "--out": args.out})
    refuse_overwrite(args.out, "--out", {"DB": args.db})
    result = read_study(args.db, args.study)
    table = None if args.out is None else str(write_table(result.to_frame(), args.out))
    written = None if report is None else _write_report(result, report)
    if args.format == "json":
        data = result.to_dict()
        data.pop("convergence", None)
        if written is not None:
            data["report"] = written
        if table is not None:
            data["out"] = table
        emit(data, "json")
        return 0
    frame = result.to_frame().drop(columns=["started", "finished"])
    if (frame["attempts"] == 1).all():  # kept when a trial was re-run (2+) or added from elsewhere (0)
        frame = frame.drop(columns=["attempts"])
    if frame["last_step"].isna().all():
        frame = frame.drop(columns=["last_step"])
    frame["error"] = frame["error"].fillna("")
    for column in frame.columns:  # a choice of None is shown as such, "-" a parameter that did not apply
        if column.startswith("param_") and (frame[column].dtype == object or frame[column].isna().any()):
            frame[column] = frame[column].astype(object).map(_shown)
    title = f"study '{result.study}' ({result.method})"
    if top is not None:  # a long study: its best trials, best first
        complete = frame[frame["state"] == "COMPLETE"]
        frame = complete.sort_values("value", kind="stable").head(top)
        title += f": the {len(frame)} best of {len(complete)} complete trials"
    emit(frame, "table", title=title)
    emit({"best value": result.best_value if result.best_params is not None else "none",
          **{f"best {k}": _shown(v) for k, v in (result.best_params or {}).items()},
          "best trial": result.best_trial, "complete": result.n_complete, "failed": result.n_failed,
          **({"pruned": result.n_pruned} if result.n_pruned else {}),
          **({"added (evaluated elsewhere)": result.n_added} if result.n_added else {}),
          "queued or running": result.n_pending,
          **({"stopped early": result.stop_reason} if result.stop_reason else {}),
          **({"trials written to": "standard output" if str(table) == "-" else table} if table is not None else {}),
          **({"report": written} if written is not None else {})}, "table")
    return 0
