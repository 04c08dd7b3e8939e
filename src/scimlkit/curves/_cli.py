"""`scimlkit curves ...` subcommands (thin: parse, call the API, print)."""

from __future__ import annotations

import argparse
import math
import sys
import warnings

import numpy as np

from .._errors import InputError
from ..cli import add_command, add_report_option, emit, print_line, report_target, seed_arg

__all__ = ["register"]


def _label(value) -> str:
    """A fold id as written in the table (a NumPy scalar as its plain value)."""
    return str(value.item() if isinstance(value, np.generic) else value)


def _by_fold(sizes, scores, folds, fold_col: str):
    """The score matrix (sizes x folds, both sorted) of a table whose column ``fold_col`` names
    the fold of each row: every fold needs exactly one row at every size (its score may be NaN,
    a failed fit)."""
    import pandas as pd

    where = f"column '{fold_col}' (--fold)"
    if folds.isna().any():
        raise InputError(f"{where} has {int(folds.isna().sum())} missing value(s)")
    table = pd.DataFrame({"size": sizes, "fold": folds, "score": scores, "row": 1.0})
    repeated = table[table.duplicated(["size", "fold"], keep=False)]
    if len(repeated):
        size, fold = repeated["size"].iloc[0], repeated["fold"].iloc[0]
        count = int(((repeated["size"] == size) & (repeated["fold"] == fold)).sum())
        raise InputError(f"{where}: fold {_label(fold)} has {count} rows at size {size:g}; give one row per fold "
                         "and size")
    ids = list(pd.unique(table["fold"]))
    try:
        ids = sorted(ids)
    except TypeError:  # fold ids of mixed kinds
        ids = sorted(ids, key=str)
    present = table.pivot(index="size", columns="fold", values="row").sort_index().reindex(columns=ids)
    matrix = table.pivot(index="size", columns="fold", values="score").sort_index().reindex(columns=ids)
    if present.isna().any().any():
        size, fold = present.isna().stack().idxmax()
        raise InputError(f"{where}: fold {_label(fold)} has no row at size {size:g}; every fold needs a row at "
                         "every size (leave the score of a failed fit empty or NaN)")
    values = matrix.to_numpy(dtype=float)
    return matrix.index.to_numpy(dtype=float), (values if values.shape[1] > 1 else values[:, 0])


def _anchors(frame, size_col: str, score_col: str, fold_col: str | None = None):
    """Sizes, scores, a warning and a note from a table; repeated sizes are folds. With
    ``fold_col`` the rows are paired across sizes by that column (a 2-D score matrix, one column
    per fold). Without it the k-th row of each size is taken as fold k (a 2-D score matrix when
    every size has the same number of rows, with a note that the pairing follows the row order;
    their means otherwise, with a warning naming the sizes whose row count differs: the fit then
    cannot use the spread of the folds). A missing or NaN score (a failed fit) stays NaN, so
    that :func:`fit_curve` leaves its anchor out with a warning, as in Python; a score that is
    text other than a number, or scores that are all missing, are refused."""
    import pandas as pd

    sizes = pd.to_numeric(frame[size_col], errors="coerce")
    scores = pd.to_numeric(frame[score_col], errors="coerce")
    if sizes.isna().any():
        raise InputError(f"column '{size_col}' must hold numbers; found {int(sizes.isna().sum())} "
                         "missing or non-numeric value(s)")
    blank = frame[score_col].astype(str).str.strip().str.lower().isin(["", "nan", "na", "n/a", "null", "none"])
    text = scores.isna() & frame[score_col].notna() & ~blank
    if text.any():
        raise InputError(f"column '{score_col}' must hold numbers; found {int(text.sum())} non-numeric value(s), "
                         f"the first {frame[score_col][text].iloc[0]!r} (leave a failed fit's score empty or NaN)")
    if scores.isna().all():
        raise InputError(f"column '{score_col}' has no score: all {len(scores)} value(s) are missing or NaN")
    if fold_col is not None:
        return (*_by_fold(sizes, scores, frame[fold_col], fold_col), None, None)
    groups = pd.DataFrame({"size": sizes, "score": scores}).groupby("size", sort=True)["score"]
    counts = groups.size()
    uniq = counts.index.to_numpy(dtype=float)
    if len(uniq) and counts.min() == counts.max() and counts.iloc[0] > 1:
        matrix = np.vstack([g.to_numpy(dtype=float) for _, g in groups])
        named = [c for c in frame.columns if str(c).lower() in ("fold", "split")]
        hint = f"--fold {named[0]}" if named else "--fold COL"
        note = (f"the folds are paired across sizes by row order (the k-th row of each size is taken as fold k); "
                f"pass {hint} to pair them by a fold column")
        return uniq, matrix, None, note
    if counts.max() > 1:
        usual = int(counts.mode().max())
        odd = [f"{size:g} ({int(c)} rows)" for size, c in counts.items() if c != usual]
        shown = ", ".join(odd[:5]) + (f" and {len(odd) - 5} more" if len(odd) > 5 else "")
        note = (f"the sizes do not all have the same number of rows (most have {usual}; size {shown}): "
                "fitting the mean score of each size, without the spread of the folds (weighted least "
                "squares and the fold bootstrap need one row per fold at every size)")
        return uniq, _means(groups), note, None
    return uniq, _means(groups), None, None


def _named(message: str, column: str, size_column: str | None = None) -> str:
    """A message of :func:`fit_curve` with its argument `scores` (or `sizes`) named as the column."""
    if size_column is not None and message.startswith("`sizes`"):
        return size_column + message[len("`sizes`"):]
    return column + message[len("`scores`"):] if message.startswith("`scores`") else message


def _means(groups) -> np.ndarray:
    """The mean score of each size, NaN where one of its rows is NaN (as ``fit_curve`` leaves
    out an anchor with a failed fold)."""
    return np.array([g.to_numpy(dtype=float).mean() for _, g in groups])


def _fit(args: argparse.Namespace) -> int:
    from .._io import read_table
    from ._fit import fit_curve

    report = report_target(args, {"FILE": args.file})
    columns = [args.size, args.score] + ([args.fold] if args.fold is not None else [])
    frame = read_table(args.file, columns=columns, name="FILE")
    sizes, scores, note, pairing = _anchors(frame, args.size, args.score, args.fold)
    families = "all"
    if args.family:
        families = [f.strip() for item in args.family for f in item.split(",") if f.strip()]
        if any(f.lower() == "all" for f in families):  # "all" (the default) may be named too
            families = "all"
    higher = None if args.orientation is None else args.orientation == "higher"
    # the scores are a column here: fit_curve's messages name its argument `scores`
    column = f"the scores of column '{args.score}' (--score)"
    failure = None
    with warnings.catch_warnings(record=True) as caught:
        try:
            result = fit_curve(sizes, scores, families=families, select=args.select, higher_is_better=higher,
                               best_possible=args.best_possible, n_bootstrap=args.n_bootstrap, rng=args.seed)
        except InputError as exc:
            failure = exc
    for w in caught:
        warnings.warn(_named(str(w.message), column), w.category, stacklevel=1)
    if failure is not None:
        raise InputError(_named(str(failure), column, f"column '{args.size}' (--size)")) from failure
    if note is not None:  # once the anchors are known to be usable
        print(f"scimlkit: warning: {note}", file=sys.stderr)
    if pairing is not None:
        print(f"scimlkit: note: {pairing}", file=sys.stderr)
    summary = {
        "family": result.family,
        "asymptote": result.asymptote,
        "higher_is_better": result.higher_is_better,
        "best_possible": result.best_possible,
        "anchors": len(result.sizes),
        "largest_size": float(result.sizes.max()),
        "last_score": float(result.scores[-1]),
    }
    prediction = needed = None
    if args.at:
        prediction = result.predict(args.at, level=args.level)
    if args.target is not None:
        needed = result.samples_needed(args.target, level=args.level)
    if report is not None:
        from pathlib import Path

        from ._report import write_report

        written = write_report(result, report, target=args.target, at=args.at, level=args.level,
                               score_name=args.score, title=f"scimlkit learning-curve report: {Path(args.file).name}")
        summary["report"] = str(written)
    if args.format == "json":
        payload = {**summary, "members": list(result.members), "weights": result.weights, "params": result.params,
                   "ranking": result.ranking, "level": args.level}
        if prediction is not None:
            payload["predictions"] = [{"size": float(n), "score": float(score), "low": float(low), "high": float(high)}
                                      for n, score, low, high in zip(prediction.sizes, prediction.score,
                                                                     prediction.low, prediction.high)]
            if len(payload["predictions"]) == 1:  # the shape of a single --at, kept as it was
                payload["prediction"] = payload["predictions"][0]
        if needed is not None:
            # JSON has no infinity: an unbounded side of the interval is written as null like a
            # missing interval, so say which it is
            has = needed.low is not None and needed.high is not None
            payload["samples_needed"] = {
                **needed.to_dict(), "has_interval": has,
                "low_unbounded": bool(has and math.isinf(needed.low)),
                "high_unbounded": bool(has and math.isinf(needed.high))}
        emit(payload, "json")
        return 0
    emit(summary, "table", title="learning-curve fit")
    emit(result.ranking, "table", title="families (best extrapolation first)")
    if prediction is not None:
        emit(prediction.to_frame().rename(columns={"low": f"low ({args.level:g})", "high": f"high ({args.level:g})"}),
             "table", title="forecast")
    if needed is not None:
        emit({"target": needed.target, "reachable": needed.reachable, "already reached": needed.already_reached,
              "samples needed": needed.n if needed.n is not None else "-",
              f"low ({args.level:g})": needed.low if needed.low is not None else "-",
              f"high ({args.level:g})": needed.high if needed.high is not None else "-"},
             "table", title="samples needed")
        print_line(needed.message)
    return 0


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None


def _positive(text: str) -> float:
    value = _number(text)
    if not value > 0 or not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def _sizes(text: str) -> list[float]:
    """One positive size or several, comma-separated."""
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise argparse.ArgumentTypeError(f"must be a positive number or several, comma-separated, got {text!r}")
    return [_positive(item) for item in items]


class _Once(argparse.Action):
    """Store an option's value, refusing the option when it is given again."""

    def __call__(self, parser, namespace, values, option_string=None):
        if getattr(namespace, self.dest) is not None:
            raise argparse.ArgumentError(self, "given more than once; give one target score (run again for "
                                               "another)")
        setattr(namespace, self.dest, values)


def _finite(text: str) -> float:
    value = _number(text)
    if not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def _level(text: str) -> float:
    value = _positive(text)
    if not value < 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1), got {text!r}")
    return value


def register(subparsers) -> None:
    parser = subparsers.add_parser("curves", help="learning curves: fit, extrapolate, samples needed",
                                   description="learning curves: fit, extrapolate, samples needed")
    sub = parser.add_subparsers(dest="curves_command", metavar="COMMAND")
    sub.required = True
    fit = add_command(sub, "fit", _fit, help="fit learning-curve families to measured (size, score) rows",
                      description="Fit parametric learning-curve families to a table of training-set sizes "
                                  "and scores (repeated sizes are cross-validation folds), weight them by how well they "
                                  "extrapolate, forecast sizes and the samples needed for a target. "
                                  "With folds, name the fold (split) column with --fold so that the rows are "
                                  "paired across sizes by it; without --fold the k-th row of each size is "
                                  "taken as fold k, so the rows must come in the same fold order within every "
                                  "size (a note on stderr says so). A NaN or empty score (a failed fit) leaves "
                                  "its size out of the fit, with a warning on stderr, as fit_curve does; a "
                                  "non-numeric score is refused. "
                                  "With --format json, 'samples_needed' holds 'n' (the size needed; null "
                                  "when the target is not reachable), 'low' and 'high' (the interval of the "
                                  "size needed; null when that side is unbounded or when there is no interval), "
                                  "'has_interval' (false when there is no interval: with --n-bootstrap 0, and "
                                  "when a measured score already reaches the target and the fitted curve is "
                                  "past the target at the smallest size or never reaches it, so that 'n' is the "
                                  "smallest or the largest measured size), 'low_unbounded' / 'high_unbounded' (true when "
                                  "that bound is infinite: that edge of the forecast band does not reach the "
                                  "target) and 'prob_reachable' (the share of bootstrap refits, widened like the "
                                  "band, that reach the target; null with --n-bootstrap 0). 'predictions' (with "
                                  "--at) lists 'size', 'score', 'low' and 'high' for each size in the order "
                                  "given, 'low' and 'high' null with --n-bootstrap 0; with a single --at size "
                                  "'prediction' holds that one entry as well.")
    fit.add_argument("file", metavar="FILE", help="CSV / TSV / Parquet / Feather table")
    fit.add_argument("--size", required=True, help="column of training-set sizes")
    fit.add_argument("--score", required=True, help="column of scores (numbers; a size with a NaN or empty score is left out, with a warning)")
    fit.add_argument("--fold", default=None, metavar="COL",
                     help="column naming the fold (split) of each row: the folds are paired across sizes by "
                          "it (every fold needs one row at every size); without it the rows of each size must "
                          "come in the same fold order")
    fit.add_argument("--target", type=_finite, default=None, action=_Once,
                     help="score to reach: report the samples needed (once; run again for another target)")
    fit.add_argument("--at", type=_sizes, action="extend", default=None, metavar="SIZE",
                     help="forecast the score at this size (repeat or comma-separate for several)")
    fit.add_argument("--family", action="append", default=None,
                     help="family to try (repeat or comma-separate; default all): all, last, pow2, pow3, pow4, "
                          "log2, ilog2, exp3, exp4, mmf4, wbl4, janoschek")
    fit.add_argument("--select", choices=("weighted", "extrapolation", "average"), default="weighted",
                     help="weight the families by how well they extrapolate (default), pick the best "
                          "one, or average the best three")
    group = fit.add_mutually_exclusive_group()
    group.add_argument("--higher-is-better", dest="orientation", action="store_const", const="higher",
                       help="scores such as accuracy (default: detected from the trend; without a clear "
                            "trend, scores in [0, 1], or in (1, 100] as a percentage, count as higher-is-better; "
                            "mean scores of which some are negative and none above 1, such as "
                            "neg_mean_squared_error, count as higher-is-better and mean scores all above 100 as a "
                            "loss, also against a clear trend whose spread is at most 5%% of the scores' distance "
                            "from the perfect score)")
    group.add_argument("--lower-is-better", dest="orientation", action="store_const", const="lower",
                       help="scores such as error rates or losses (say so for a loss on a plateau)")
    fit.set_defaults(orientation=None)
    fit.add_argument("--best-possible", type=float, default=None,
                     help="the perfect score (default 1 if higher is better, else 0; 100 for "
                          "higher-is-better scores that all lie in (1, 100], a percentage, with a warning; 0 as "
                          "well for higher-is-better scores that are all <= 0, such as neg_log_loss, with a "
                          "warning; pass 1 for an R² that is negative at every size)")
    fit.add_argument("--level", type=_level, default=0.95, help="interval level (default 0.95)")
    fit.add_argument("--n-bootstrap", type=int, default=200, help="bootstrap refits (default 200)")
    fit.add_argument("--seed", type=seed_arg, default=0, help="random seed of the bootstrap (default 0)")
    add_report_option(fit, "the fit (anchors, forecast with its band, rivals, forecast at --at, samples needed "
                           "for --target, family ranking)")
