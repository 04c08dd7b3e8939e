"""`scimlkit calibrate ...` subcommands (thin: parse, call the API, print)."""

from __future__ import annotations

import math
from pathlib import Path

from .._errors import InputError
from .._io import read_table
from .._validation import check_array
from ..cli import binary_labels


def _read_scores(frame, column: str):
    scores = check_array(frame[column], f"column '{column}'", dtype=None)
    if scores.dtype.kind == "O":  # Python objects: Parquet DECIMAL values, or numbers with None
        import pandas as pd

        from .._validation import real_number_check

        state, example = real_number_check(scores)
        if state == "other":
            raise InputError(f"column '{column}' must be numeric, got {type(example).__name__} "
                             f"values such as {example!r}")
        scores = pd.to_numeric(pd.Series(scores, dtype=object)).to_numpy(dtype=float, na_value=float("nan"))
    elif scores.dtype.kind not in "biuf":
        raise InputError(f"column '{column}' must be numeric, got dtype {scores.dtype}")
    return check_array(scores, f"column '{column}'", dtype=float)


def _read(args, group=None):
    """Scores, 0/1 labels, the sample weights (``--weight``, else None) and (with ``group``)
    the group column's values, else None."""
    weight = getattr(args, "weight", None)
    columns = [args.score, args.label] + [c for c in (weight, group) if c is not None]
    frame = read_table(args.file, columns=list(dict.fromkeys(columns)), name="FILE")
    scores = _read_scores(frame, args.score)
    labels = binary_labels(frame[args.label], f"column '{args.label}'", getattr(args, "pos_label", None))
    weights = None if weight is None else _read_scores(frame, weight)
    if group is None:
        return scores, labels, weights, None
    gaps = int(frame[group].isna().sum())
    if gaps:
        raise InputError(f"column '{group}' (--group) has {gaps} missing value(s)")
    return scores, labels, weights, frame[group].to_numpy()


def _weights(weights, labels):
    """The ``--weight`` column checked as sample weights (both classes need positive weight),
    or None."""
    from ._base import check_weights

    try:
        return check_weights(weights, labels.shape[0], labels)
    except InputError as exc:
        raise InputError(f"--weight: {exc}") from None


def _fit(args) -> int:
    from ..cli import emit, print_line, refuse_overwrite, refuse_stdout, report_target
    from ._auto import ScoreCalibrator
    from ._base import to_probability
    from ._report import metrics_rows, report_chapter, report_data

    target = report_target(args, {"FILE": args.file, "--out": args.out})
    refuse_stdout(args.out, "--out", "the calibrator (a .joblib file)")
    refuse_overwrite(args.out, "--out", {"FILE": args.file})
    scores, labels, weights, groups = _read(args, args.group)
    weights = _weights(weights, labels)
    cal = ScoreCalibrator(args.method, score_kind=args.score_kind, cv=args.cv, random_state=args.seed)
    cal.fit(scores, labels, sample_weight=weights, groups=groups)
    before = scores if cal.score_kind_ == "probability" else to_probability(scores)
    rows = metrics_rows(labels, before, cal.transform(scores), score_kind=cal.score_kind_,
                        method=cal.method_, in_sample=True, sample_weight=weights)
    chapter = None
    if target is not None:  # computed before anything is written
        data = report_data(labels, scores, calibrator=cal, in_sample=True, objective=None, rng=args.seed,
                           sample_weight=weights)
        chapter = report_chapter(data)
    saved = report = None
    if args.out:
        import joblib

        out = Path(args.out).expanduser()
        try:
            joblib.dump(cal, out)
        except OSError as exc:
            raise InputError(f"could not write the calibrator to '{args.out}': {exc}") from None
        saved = str(out)
    if chapter is not None:
        from .._report import save_report

        report = str(save_report([chapter], target, title="scimlkit calibration report"))
    if args.format == "json":
        table = cal.method_scores_
        emit({"method": cal.method_, "score_kind": cal.score_kind_, "n": int(labels.size),
              "cv_folds": cal.cv_folds_, "pos_label": args.pos_label, "weight": args.weight,
              "metrics": rows, "method_scores": None if table is None else table.to_dict("records"),
              "model": saved, "report": report}, "json")
        return 0
    import pandas as pd

    kind = {"probability": "probabilities", "logit": "logits"}.get(cal.score_kind_, cal.score_kind_)
    print_line(f"method: {cal.method_} (scores read as {kind}, n = {labels.size})")
    # two ECEs: the table's is top-label (as calibration_error), the candidates' the positive
    # class's (what the selection uses); their titles say which
    emit(pd.DataFrame(rows), "table", title="calibration metrics (ece, mce: top-label, 15 equal-width bins)")
    if cal.method_scores_ is not None:
        emit(cal.method_scores_, "table", title=f"{cal.cv_folds_}-fold cross-validated candidates "
                                                "(ece: positive class, 15 equal-width bins)")
    if saved:
        print_line(f"calibrator saved to {saved} (a joblib pickle: load it only from a trusted source)")
    if report:
        print_line(f"report written to {report}")
    return 0


def _load_calibrator(path):
    """A calibrator saved by `calibrate fit --out` (a joblib pickle), with clear errors."""

    import joblib

    from ._auto import ScoreCalibrator

    model = Path(path).expanduser()
    if not model.is_file():
        raise InputError(f"MODEL '{model}' does not exist or is not a file")
    try:
        cal = joblib.load(model)
    except Exception as exc:  # a corrupt or foreign file: pickle, EOF, import or value errors
        raise InputError(f"MODEL '{model}' is not a saved calibrator ({type(exc).__name__}: {exc})") from None
    if not isinstance(cal, ScoreCalibrator):
        raise InputError(f"MODEL '{model}' holds a {type(cal).__name__}, not a calibrator saved by "
                         "`scimlkit calibrate fit --out`")
    if not hasattr(cal, "calibrator_"):
        raise InputError(f"MODEL '{model}' holds an unfitted calibrator; save one with `scimlkit calibrate fit --out`")
    return cal


def _apply(args) -> int:
    from ..cli import emit, print_line, refuse_overwrite

    refuse_overwrite(args.out, "--out", {"MODEL": args.model, "FILE": args.file})
    cal = _load_calibrator(args.model)
    frame = read_table(args.file, columns=[args.score], name="FILE")
    scores = _read_scores(frame, args.score)
    probs = cal.transform(scores)
    column = args.column or f"{args.score}_calibrated"
    if column in frame.columns and column != args.score:
        raise InputError(f"column '{column}' already exists in FILE; pick another with --column")
    out = None
    if args.out:
        from .._io import write_table

        frame = frame.copy()
        frame[column] = probs
        out = str(write_table(frame, args.out))
    summary = {"method": cal.method_, "n": int(probs.size), "mean_probability": float(probs.mean()),
               "min_probability": float(probs.min()), "max_probability": float(probs.max()), "out": out}
    if args.format == "json":
        emit({**summary, "probabilities": None if out else probs.tolist()}, "json")
        return 0
    emit(summary, "table", title=f"calibrated with {cal.method_}")
    if not out:
        print_line("(pass --out FILE.csv or FILE.parquet to save the probabilities next to the input columns)")
    return 0


def _threshold(args) -> int:
    from ..cli import emit, report_target
    from ._threshold import best_threshold

    target = report_target(args, {"FILE": args.file})
    scores, labels, weights, _ = _read(args)
    weights = _weights(weights, labels)
    params = {"beta": args.beta, "min_recall": args.min_recall, "min_precision": args.min_precision,
              "cost_fp": args.cost_fp, "cost_fn": args.cost_fn, "cost_tp": args.cost_tp, "cost_tn": args.cost_tn,
              "gain_tp": args.gain_tp, "gain_tn": args.gain_tn}
    res = best_threshold(labels, scores, args.objective, placement=args.placement, sample_weight=weights,
                         **params)
    summary = res.summary()
    summary["placement"] = res.placement
    # JSON has no infinity: the threshold of the cut that predicts nothing positive (+inf) is
    # written as null, so say which it is
    summary["predicts_none"] = bool(math.isinf(res.threshold))
    if args.format == "json":
        summary.update(pos_label=args.pos_label, weight=args.weight)
    if target is not None:
        from .._report import save_report
        from ._auto import resolve_score_kind
        from ._report import report_chapter, report_data

        # the curve, and the reliability of the scores when they are probabilities (bootstrap
        # bands seeded with --seed)
        probabilities = resolve_score_kind(scores, "auto") == "probability"
        data = report_data(labels, scores, objective=args.objective, objective_params=res.params,
                           placement=args.placement, raw_reliability=probabilities, rng=args.seed,
                           sample_weight=weights)
        summary["report"] = str(save_report([report_chapter(data)], target,
                                            title="scimlkit decision-threshold report"))
    emit(summary, args.format, title=f"best threshold ({res.objective})")
    return 0


def _label_options(parser) -> None:
    parser.add_argument("--pos-label", default=None, metavar="LABEL",
                        help="the positive class of --label, the one higher scores point to (e.g. spam): "
                             "its rows are 1, the other label's 0")
    parser.add_argument("--weight", default=None, metavar="COL",
                        help="sample-weight column: weights the fit, the metrics, the threshold and the report")


def register(subparsers) -> None:
    from ..cli import add_command, add_report_option, seed_arg
    from ._auto import METHODS
    from ._threshold import OBJECTIVES

    parser = subparsers.add_parser("calibrate", help="calibrate scores, pick exact decision thresholds",
                                   description="Calibrate classifier scores and pick exact decision thresholds.")
    sub = parser.add_subparsers(dest="calibrate_command", metavar="COMMAND")
    sub.required = True

    fit = add_command(sub, "fit", _fit,
                      help="fit a calibrator on held-out scores; print metrics before and after")
    fit.add_argument("file", metavar="FILE",
                     help="table with a score column and a label column (0/1, or two labels with --pos-label)")
    fit.add_argument("--score", required=True, help="score column (probabilities or decision values)")
    fit.add_argument("--label", required=True, help="label column: 0/1, or two labels with --pos-label")
    _label_options(fit)
    fit.add_argument("--method", default="auto", choices=("auto", *METHODS),
                     help="calibration method; auto picks by cross-validated log-loss (default)")
    fit.add_argument("--score-kind", default="auto", choices=("auto", "logit", "probability"),
                     help="what the scores are (default: probabilities if all in [0, 1])")
    fit.add_argument("--cv", type=int, default=5, help="folds for --method auto (default 5; fewer if a class has fewer samples)")
    fit.add_argument("--group", default=None, metavar="COL",
                     help="group column: the folds of --method auto keep each group (user, patient, ...) whole")
    fit.add_argument("--seed", type=seed_arg, default=0, help="seed of the fold shuffling (default 0)")
    fit.add_argument("--out", default=None, metavar="MODEL",
                     help="save the fitted calibrator here (a joblib pickle)")
    add_report_option(fit, "the calibration (reliability before and after, metrics, candidate methods)")

    app = add_command(sub, "apply", _apply, help="calibrate new scores with a calibrator saved by `fit --out`")
    app.add_argument("model", metavar="MODEL", help="calibrator file written by `scimlkit calibrate fit --out`")
    app.add_argument("file", metavar="FILE", help="table with the score column")
    app.add_argument("--score", required=True, help="score column (the same kind of scores the calibrator saw)")
    app.add_argument("--out", default=None, metavar="FILE",
                     help="write the table with a column of calibrated probabilities (.csv or .parquet; "
                          "'-' writes CSV to standard output, the summary then going to standard error)")
    app.add_argument("--column", default=None,
                     help="name of the probability column (default: SCORE_calibrated)")

    thr = add_command(sub, "threshold", _threshold,
                      help="the exact optimal decision threshold (score >= t predicts 1)",
                      description="The exact optimal decision threshold (score >= t predicts 1). 'predicts_none' "
                                  "is true when the best cut predicts nothing positive: its threshold is +inf "
                                  "(written as null with --format json).")
    thr.add_argument("file", metavar="FILE",
                     help="table with a score column and a label column (0/1, or two labels with --pos-label)")
    thr.add_argument("--score", required=True, help="score column")
    thr.add_argument("--label", required=True, help="label column: 0/1, or two labels with --pos-label")
    _label_options(thr)
    thr.add_argument("--objective", default="f1", choices=tuple(OBJECTIVES), help="objective (default f1)")
    thr.add_argument("--beta", type=float, default=None, help="beta of --objective fbeta")
    thr.add_argument("--min-recall", type=float, default=None, help="floor of precision_at_recall")
    thr.add_argument("--min-precision", type=float, default=None, help="floor of recall_at_precision")
    thr.add_argument("--cost-fp", type=float, default=None, help="cost of a false positive (cost, profit)")
    thr.add_argument("--cost-fn", type=float, default=None, help="cost of a false negative (cost, profit)")
    thr.add_argument("--cost-tp", type=float, default=None, help="cost of a true positive (cost)")
    thr.add_argument("--cost-tn", type=float, default=None, help="cost of a true negative (cost)")
    thr.add_argument("--gain-tp", type=float, default=None, help="gain of a true positive (profit, default 1)")
    thr.add_argument("--gain-tn", type=float, default=None, help="gain of a true negative (profit, default 0)")
    thr.add_argument("--placement", default="midpoint", choices=("midpoint", "score"),
                     help="threshold at the optimal score or midway to the next lower one")
    thr.add_argument("--seed", type=seed_arg, default=0,
                     help="seed of the report's bootstrap bands of reliability (default 0)")
    add_report_option(thr, "the objective against the threshold (and the reliability of probability scores)")


