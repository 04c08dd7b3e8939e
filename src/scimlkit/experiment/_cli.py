"""`scimlkit experiment ...` subcommands (thin: parse, call the API, print)."""

from __future__ import annotations

from ..cli import add_command, add_report_option, emit, print_line, report_target

_REPORT_TITLE = "scimlkit experiment report"


def _save(chapters, target) -> str:
    from .._report import save_report

    return str(save_report(chapters, target, title=_REPORT_TITLE))

# -- analyze ---------------------------------------------------------------------


def _analyze_command(args) -> int:
    from .._io import read_table
    from ._analyze import analyze

    target = report_target(args)
    metrics = [m.strip() for m in args.metric.split(",") if m.strip()]
    needed = [args.group, *metrics] + ([args.covariate] if args.covariate else [])
    frame = read_table(args.file, columns=needed, name="FILE")
    result = analyze(frame, group=args.group, metric=metrics, covariate=args.covariate,
                     control=args.control, alpha=args.alpha, kind=args.kind,
                     alternative=args.alternative, adjust=args.adjust, srm_alpha=args.srm_alpha,
                     allocation=_allocation(args.allocation))
    written = None
    if target is not None:
        from ._report import analysis_chapter

        written = _save([analysis_chapter(result)], target)
    if args.format == "json":
        emit(result if written is None else {**result.to_dict(), "report": written}, "json")
        return 0
    import numpy as np
    import pandas as pd

    def pct(v):  # the open end of a one-sided interval is +inf / -inf
        return "n/a" if pd.isna(v) else f"{v:+.2%}" if np.isfinite(v) else ("+inf" if v > 0 else "-inf")

    rows = result.comparisons
    shown = pd.DataFrame({
        "metric": rows["metric"], "arm": rows["treatment"],
        "n": rows["n_treatment"],
        "mean": [f"{t:.4g}" for t in rows["mean_treatment"]],
        "lift [interval]": [f"{pct(v)} [{pct(lo)}, {pct(hi)}]"
                            for v, lo, hi in zip(rows["relative_lift"], rows["lift_low"], rows["lift_high"])],
        "p": [f"{v:.3g}" for v in rows["pvalue"]], "p adj.": [f"{v:.3g}" for v in rows["pvalue_adjusted"]],
        "sig.": ["yes" if s else "no" for s in rows["significant"]],
    })
    control = result.control
    n_control = int(rows["n_control"].iloc[0])
    emit(shown, "table", title=f"treatment arms vs control '{control}' (n = {n_control}; alpha "
                               f"{result.alpha:g}, {result.adjust} adjustment)")
    srm = result.srm
    verdict = "MISMATCH: check assignment and logging" if srm.mismatch else "ok"
    print(f"sample ratio: {verdict} (chi2 = {srm.statistic:.4g}, df = {srm.df}, p = {srm.pvalue:.3g}; "
          f"arms {', '.join(f'{a}={n}' for a, n in zip(srm.arms, srm.observed))})")
    if written is not None:
        print_line(f"report: {written}")
    return 0


def _allocation(text):
    """``control=0.9,treatment=0.1`` (weights by arm, normalised) or ``90,10`` (by arm order:
    control first, then the other arms sorted)."""
    import math

    from .._errors import InputError

    if text is None:
        return None
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) < 2:
        raise InputError(f"`--allocation` must give a weight per arm, like control=0.5,treatment=0.5; got {text!r}")
    named = ["=" in p for p in parts]
    if any(named) and not all(named):
        raise InputError(f"`--allocation` must name every arm (arm=weight) or none; got {text!r}")
    arms, weights = [], []
    for part in parts:
        arm, _, value = part.rpartition("=")
        try:
            weight = float(value)
        except ValueError:
            raise InputError(f"`--allocation` weight {value.strip()!r} is not a number") from None
        if not math.isfinite(weight) or weight <= 0:
            raise InputError(f"`--allocation` weights must be positive numbers, got {value.strip()!r}")
        if all(named) and arm.strip() in arms:
            raise InputError(f"`--allocation` names arm {arm.strip()!r} twice")
        arms.append(arm.strip())
        weights.append(weight)
    return dict(zip(arms, weights)) if all(named) else weights


def _register_analysis(sub) -> None:
    import argparse

    def alpha_value(text):
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid number: {text!r}") from None

    parser = add_command(sub, "analyze", _analyze_command,
                         help="analyse an A/B(/n) test from one row per user",
                         description="Compare every treatment arm with control for each metric "
                                     "(binary or continuous, optional CUPED covariate), with "
                                     "adjusted p-values and a sample-ratio-mismatch check.")
    parser.add_argument("file", metavar="FILE", help="CSV / TSV / Parquet / Feather file, one row per user")
    parser.add_argument("--group", required=True, help="column naming the arm of each user")
    parser.add_argument("--metric", required=True, help="metric column (comma-separated for several)")
    parser.add_argument("--covariate", default=None, help="pre-period covariate column for CUPED")
    parser.add_argument("--control", default=None,
                        help="control arm (default: 'control' if present, else the first in sorted order)")
    parser.add_argument("--alpha", type=alpha_value, default=0.05, help="significance level (default 0.05)")
    parser.add_argument("--kind", choices=("auto", "binary", "continuous"), default="auto",
                        help="metric kind (default: auto-detect 0/1 columns as binary)")
    parser.add_argument("--alternative", choices=("two-sided", "larger", "smaller"), default="two-sided",
                        help="alternative hypothesis (default two-sided)")
    parser.add_argument("--adjust", choices=("holm", "bonferroni", "bh", "by", "none"), default="holm",
                        help="multiple-testing adjustment over comparisons (default holm)")
    parser.add_argument("--srm-alpha", type=alpha_value, default=0.001,
                        help="threshold of the sample-ratio-mismatch check (default 0.001)")
    parser.add_argument("--allocation", default=None, metavar="WEIGHTS",
                        help="planned split for the sample-ratio check, by arm (control=0.9,treatment=0.1) "
                             "or in arm order, control first, then the others sorted (90,10); "
                             "default: equal split")
    add_report_option(parser, "the analysis (effects, adjusted p-values, sample-ratio check)")


# -- size, compare-models --------------------------------------------------------


def _size_command(args) -> int:
    from .._errors import InputError
    from ._power import power_means, power_proportions

    target = report_target(args)
    if args.mde is None and args.n is None:
        raise InputError("give `--mde` (to solve the sample size or, with `--n`, the power) "
                         "or `--n` (to solve the minimum detectable effect)")
    if args.mde is not None and args.n is not None and args.power is not None:
        raise InputError("give at most two of `--mde`, `--n` and `--power`; the third is solved for")
    power = args.power
    if power is None and not (args.mde is not None and args.n is not None):
        power = 0.8
    common = dict(mde=args.mde, n=args.n, power=power, alpha=args.alpha, ratio=args.ratio,
                  sides=args.sides)
    if args.metric == "mean":
        if args.baseline is not None or args.relative or args.method is not None:
            raise InputError("`--baseline`, `--relative` and `--method` apply to proportions; "
                             "for `--metric mean` give `--sd`")
        result = power_means(sd=1.0 if args.sd is None else args.sd, **common)
    else:
        if args.baseline is None:
            raise InputError("`--baseline` (the control proportion) is required for proportions")
        if args.sd is not None:
            raise InputError("`--sd` applies to `--metric mean` only")
        result = power_proportions(args.baseline, relative=args.relative,
                                   method=args.method or "pooled", **common)
    if target is None:
        emit(result, args.format, title=f"experiment design: {result.test}")
        return 0
    from ._report import report_chapters

    written = _save(report_chapters([result]), target)
    shown = result.to_dict() if args.format == "json" else result.to_frame().iloc[0].to_dict()
    emit({**shown, "report": written}, args.format, title=f"experiment design: {result.test}")
    return 0


def _compare_models_command(args) -> int:
    from .._io import read_table
    from .._validation import check_array, check_binary, check_scalar
    from ._models import delong_test, mcnemar_test

    threshold = check_scalar(args.threshold, "--threshold")
    target = report_target(args)
    columns = [args.label, args.score_a, args.score_b]
    frame = read_table(args.file, columns=columns, name="FILE")
    y = check_binary(frame[args.label], args.label)
    a = check_array(frame[args.score_a], args.score_a)
    b = check_array(frame[args.score_b], args.score_b)
    delong = delong_test(y, a, b)
    mcnemar = mcnemar_test(y, (a >= threshold).astype(int), (b >= threshold).astype(int))
    lo, hi = delong.confidence_interval(0.95)
    written = None
    if target is not None:
        from ._report import models_chapter

        written = _save([models_chapter(delong, mcnemar, threshold=threshold)], target)
    if args.format == "json":
        out = {"delong": {**delong.to_dict(), "ci95_low": lo, "ci95_high": hi},
               "mcnemar": {**mcnemar.to_dict(), "threshold": threshold}}
        if written is not None:
            out["report"] = written
        emit(out, "json")
        return 0
    emit({"AUROC A": delong.auc_a, "AUROC B": delong.auc_b, "difference (B - A)": delong.difference,
          "95% CI low": lo, "95% CI high": hi, "z": delong.statistic, "p-value": delong.pvalue,
          "positives": delong.n_positive, "negatives": delong.n_negative},
         "table", title="DeLong test of AUROCs")
    emit({"threshold": threshold, "accuracy A": mcnemar.accuracy_a,
          "accuracy B": mcnemar.accuracy_b, "difference (B - A)": mcnemar.difference,
          "only A correct": mcnemar.only_a_correct, "only B correct": mcnemar.only_b_correct,
          "statistic": mcnemar.statistic, "p-value": mcnemar.pvalue, "method": mcnemar.method},
         "table", title="McNemar test of accuracy")
    if written is not None:
        print_line(f"report: {written}")
    return 0


def _register_design(sub) -> None:
    size = add_command(sub, "size", _size_command,
                       help="sample size, power or minimum detectable effect of a two-arm test",
                       description="Solve the sample size (give --mde), the power (give --mde and "
                                   "--n) or the minimum detectable effect (give --n) of a two-arm "
                                   "experiment on a proportion or a mean.")
    size.add_argument("--metric", choices=("proportion", "mean"), default="proportion",
                      help="kind of metric (default proportion)")
    size.add_argument("--baseline", type=float, default=None,
                      help="control proportion, e.g. 0.05 (proportions)")
    size.add_argument("--sd", type=float, default=None, help="standard deviation of the metric (means; default 1)")
    size.add_argument("--mde", type=float, default=None,
                      help="minimum detectable effect: absolute difference, or relative with --relative")
    size.add_argument("--relative", action="store_true", help="--mde is relative to --baseline (0.10 = +10%%)")
    size.add_argument("--n", type=float, default=None, help="control-arm size (treatment has ratio * n)")
    size.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    size.add_argument("--power", type=float, default=None, help="power (default 0.8 when solved from it)")
    size.add_argument("--ratio", type=float, default=1.0, help="treatment size / control size (default 1)")
    size.add_argument("--sides", type=int, choices=(1, 2), default=2, help="one- or two-sided test (default 2)")
    size.add_argument("--method", choices=("pooled", "arcsine"), default=None,
                      help="proportions: pooled-variance z-test or arcsine/Cohen's h (default pooled)")
    add_report_option(size, "the design (power curves against the size and the effect)")

    cmp = add_command(sub, "compare-models", _compare_models_command,
                      help="is model B really better than model A? (DeLong AUROC, McNemar accuracy)",
                      description="Compare two models' scores on the same labelled examples: "
                                  "DeLong's test of AUROCs and McNemar's test of accuracy at a threshold.")
    cmp.add_argument("file", metavar="FILE", help="CSV / TSV / Parquet / Feather file, one row per example")
    cmp.add_argument("--label", required=True, help="column of 0/1 labels")
    cmp.add_argument("--score-a", required=True, help="column of model A's scores")
    cmp.add_argument("--score-b", required=True, help="column of model B's scores")
    cmp.add_argument("--threshold", type=float, default=0.5,
                     help="score threshold for predicting 1, used by McNemar (default 0.5)")
    add_report_option(cmp, "the comparison (AUROCs, accuracies, differences with intervals)")


def register(subparsers) -> None:
    parser = subparsers.add_parser("experiment", help="A/B tests, sample sizes, model comparison",
                                   description="A/B tests, sample sizes, model comparison")
    sub = parser.add_subparsers(dest="experiment_command", metavar="COMMAND")
    sub.required = True
    _register_analysis(sub)
    _register_design(sub)
