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

    target = report_target(args, {"FILE": args.file})
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

    def num(v):
        return "n/a" if pd.isna(v) else f"{v:+.4g}" if np.isfinite(v) else ("+inf" if v > 0 else "-inf")

    rows = result.comparisons
    shown = pd.DataFrame({
        "metric": rows["metric"], "arm": rows["treatment"],
        "n": rows["n_treatment"],
        "mean": [f"{t:.4g}" for t in rows["mean_treatment"]],
        # the difference is always defined; the lift is not when the control mean is <= 0
        "difference [interval]": [f"{num(v)} [{num(lo)}, {num(hi)}]"
                                  for v, lo, hi in zip(rows["difference"], rows["low"], rows["high"])],
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
    return None if text is None else _per_arm(text, "--allocation", "weight")


def _per_arm(text, option: str, what: str):
    """One number per arm: ``a=1,b=2`` (a mapping by arm) or ``1,2`` (a list by arm order).
    Weights must be positive; counts are checked by the function that takes them."""
    import math

    from .._errors import InputError

    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) < 2:
        raise InputError(f"`{option}` must give a {what} per arm, like control=5,treatment=5; got {text!r}")
    named = ["=" in p for p in parts]
    if any(named) and not all(named):
        raise InputError(f"`{option}` must name every arm (arm={what}) or none; got {text!r}")
    arms, values = [], []
    for part in parts:
        if part.count("=") > 1:
            raise InputError(f"`{option}` entry {part!r} has more than one '='; write each arm as arm={what}")
        arm, _, value = part.rpartition("=")
        if all(named) and not arm.strip():
            raise InputError(f"`{option}` entry {part!r} has an empty arm name; write each arm as arm={what}")
        try:
            number = float(value)
        except ValueError:
            raise InputError(f"`{option}` {what} {value.strip()!r} is not a number") from None
        if what == "weight" and (not math.isfinite(number) or number <= 0):
            raise InputError(f"`{option}` weights must be positive numbers, got {value.strip()!r}")
        if all(named) and arm.strip() in arms:
            raise InputError(f"`{option}` names arm {arm.strip()!r} twice")
        arms.append(arm.strip())
        values.append(number)
    return dict(zip(arms, values)) if all(named) else values


def _numbers(tokens, option: str):
    """Numbers given as separate arguments and/or separated by commas."""
    from .._errors import InputError

    out = []
    for part in (p.strip() for token in tokens for p in token.split(",")):
        if not part:
            continue
        try:
            out.append(float(part))
        except ValueError:
            raise InputError(f"`{option}` value {part!r} is not a number") from None
    if not out:
        raise InputError(f"`{option}` needs at least one number")
    return out


def _srm_command(args) -> int:
    from ._srm import srm_test

    result = srm_test(_per_arm(args.counts, "COUNTS", "count"), _allocation(args.allocation), alpha=args.alpha)
    if args.format == "json":
        emit(result, "json")
    else:
        emit(result, "table", title="sample-ratio check: users per arm against the planned split")
        verdict = "MISMATCH: check assignment and logging" if result.mismatch else "ok"
        print_line(f"sample ratio: {verdict} (chi2 = {result.statistic:.4g}, df = {result.df}, "
                   f"p = {result.pvalue:.3g}, flagged below {result.alpha:g})")
    return 1 if args.fail_on_mismatch and result.mismatch else 0


def _sequential_command(args) -> int:
    import math

    from .._errors import InputError
    from .._validation import check_int
    from ._sequential import (
        _check_fractions,
        _check_last_at_one,
        _check_plan_end,
        sequential_boundaries,
        sequential_decision,
    )

    target = report_target(args)
    if args.looks is not None and args.information is not None:
        raise InputError("give either `--looks` or `--information`, not both")
    if args.looks is not None:
        check_int(args.looks, "--looks", low=1, high=100)
    information = None
    if args.information is not None:  # checked here so that messages name the option given
        information = _check_fractions(_numbers(args.information, "--information"), "--information")
        _check_last_at_one(information, "--information")
    options = dict(alpha=args.alpha, sides=args.sides, spending=args.spending)
    if args.z is None:
        if args.df is not None:
            raise InputError("`--df` applies to decisions (with `--z` holding t statistics), not to a plan")
        looks = 5 if args.looks is None else args.looks
        if information is not None:
            _check_plan_end(information, "--information")
            if args.power is not None and not math.isclose(float(information[-1]), 1.0):
                raise InputError("`--power` compares the maximum sample size with a single look, which needs a "
                                 f"plan ending at information 1; `--information` ends at {information[-1]:.12g}")
        plan = sequential_boundaries(information if information is not None else looks, **options)
        ends_at_one = math.isclose(float(plan.information[-1]), 1.0)
        power = (0.8 if args.power is None else args.power) if ends_at_one else None
        factor = plan.inflation_factor(power) if ends_at_one else None
        written = _sequential_report(plan, target)
        if args.format == "json":
            extra = {} if written is None else {"report": written}
            emit({**plan.to_dict(), "inflation_factor": factor, "inflation_power": power, **extra}, "json")
            return 0
        emit(plan, "table", title=f"group-sequential boundaries ({plan.spending} spending, alpha {plan.alpha:g}, "
                                  f"{plan.sides}-sided)")
        if factor is not None:
            print_line(f"maximum sample size: {factor:.4g} x that of a single-look test with the same alpha "
                       f"and {power:.0%} power")
        if written is not None:
            print_line(f"report: {written}")
        return 0
    if information is None and args.looks is None:
        raise InputError("`--z` needs `--looks` (the planned number of equally spaced looks) or "
                         "`--information` (the fraction reached at each look)")
    if args.power is not None:
        raise InputError("`--power` applies to a plan (no `--z`): it sets the power at which the plan's "
                         "maximum sample size is compared with a single look")
    z = _numbers(args.z, "--z")
    df = None
    if args.df is not None:
        df = _numbers(args.df, "--df")
        if len(df) not in (1, len(z)):
            raise InputError(f"`--df` must give one number or one per look: `--z` has {len(z)}, `--df` has "
                             f"{len(df)}")
        bad = [v for v in df if not v > 0]  # NaN included
        if bad:
            raise InputError(f"`--df` must be positive degrees of freedom, got {bad[0]:g}")
        df = df[0] if len(df) == 1 else df
    if information is not None and len(information) != len(z):
        raise InputError(f"`--z` and `--information` must give one value per look: `--z` has {len(z)}, "
                         f"`--information` has {len(information)}")
    if information is None and len(z) > args.looks:
        raise InputError(f"`--z` has {len(z)} looks but `--looks` plans only {args.looks}")
    result = sequential_decision(z, information=information, looks=args.looks, df=df, **options)
    written = _sequential_report(result, target)
    if args.format == "json":
        emit(result if written is None else {**result.to_dict(), "report": written}, "json")
        return 0
    converted = "" if result.df is None else (
        f"; z from t statistics on {', '.join(f'{d:g}' for d in dict.fromkeys(result.df.tolist()))} "
        "degrees of freedom")
    emit(result, "table", title=f"group-sequential decision ({result.spending} spending, alpha {result.alpha:g}, "
                                f"{result.sides}-sided{converted})")
    last = result.decisions[-1] if result.stopped_at is None else result.decisions[result.stopped_at - 1]
    print_line(f"decision: {last}" + (f" at look {result.stopped_at}" if result.stopped_at else ""))
    if written is not None:
        print_line(f"report: {written}")
    return 0


def _sequential_report(result, target):
    if target is None:
        return None
    from ._report import sequential_chapter

    return _save([sequential_chapter(result)], target)


def _number(text):
    """An argparse type: a float, or argparse's own one-line error."""
    import argparse

    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number: {text!r}") from None


def _register_analysis(sub) -> None:
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
    parser.add_argument("--alpha", type=_number, default=0.05, help="significance level (default 0.05)")
    parser.add_argument("--kind", choices=("auto", "binary", "continuous"), default="auto",
                        help="metric kind (default: auto-detect 0/1 columns as binary)")
    parser.add_argument("--alternative", choices=("two-sided", "larger", "smaller"), default="two-sided",
                        help="alternative hypothesis (default two-sided)")
    parser.add_argument("--adjust", choices=("holm", "bonferroni", "bh", "by", "sidak", "holm-sidak", "hochberg",
                                             "hommel", "none"), default="holm",
                        help="multiple-testing adjustment over comparisons (default holm)")
    parser.add_argument("--srm-alpha", type=_number, default=0.001,
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
    solve_alpha = args.mde is not None and args.n is not None and args.power is not None
    if solve_alpha and args.alpha is not None:
        raise InputError("give at most two of `--mde`, `--n` and `--power` (the third is solved for), or all "
                         "three without `--alpha` to solve the significance level")
    power = args.power
    if power is None and not (args.mde is not None and args.n is not None):
        power = 0.8
    alpha = None if solve_alpha else 0.05 if args.alpha is None else args.alpha
    common = dict(mde=args.mde, n=args.n, power=power, alpha=alpha, ratio=args.ratio,
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
    from .._validation import check_array, check_scalar
    from ..cli import binary_labels
    from ._models import delong_test, mcnemar_test

    threshold = check_scalar(args.threshold, "--threshold")
    target = report_target(args, {"FILE": args.file})
    columns = [args.label, args.score_a, args.score_b]
    frame = read_table(args.file, columns=columns, name="FILE")
    y = binary_labels(frame[args.label], f"column '{args.label}'", args.pos_label)
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
                                   "--n), the minimum detectable effect (give --n) or the significance "
                                   "level (give --mde, --n and --power, no --alpha) of a two-arm "
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
    size.add_argument("--alpha", type=float, default=None,
                      help="significance level (default 0.05; solved for when --mde, --n and --power are given)")
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
    cmp.add_argument("--label", required=True,
                     help="column of labels: 0/1 (or true/false), or any two labels with --pos-label")
    cmp.add_argument("--pos-label", default=None,
                     help="the label of the positive class when the labels are not 0/1 (e.g. churned)")
    cmp.add_argument("--score-a", required=True, help="column of model A's scores")
    cmp.add_argument("--score-b", required=True, help="column of model B's scores")
    cmp.add_argument("--threshold", type=float, default=0.5,
                     help="score threshold for predicting 1, used by McNemar (default 0.5)")
    add_report_option(cmp, "the comparison (AUROCs, accuracies, differences with intervals)")


def _register_checks(sub) -> None:
    srm = add_command(sub, "srm", _srm_command,
                      help="sample-ratio-mismatch check of the users per arm",
                      description="Chi-squared test of the users per arm against the planned allocation "
                                  "(a mismatch points to broken assignment or logging).")
    srm.add_argument("counts", metavar="COUNTS",
                     help="users per arm, by name (control=50000,treatment=50600) or in order (50000,50600)")
    srm.add_argument("--allocation", default=None, metavar="WEIGHTS",
                     help="planned split, named like COUNTS (control=0.9,treatment=0.1) or in the order of "
                          "COUNTS (90,10); default: equal split")
    srm.add_argument("--alpha", type=_number, default=0.001, help="flag a mismatch below this p-value (default 0.001)")
    srm.add_argument("--fail-on-mismatch", action="store_true", help="exit with status 1 when a mismatch is flagged")

    seq = add_command(sub, "sequential", _sequential_command,
                      help="group-sequential boundaries, or the decision at each look so far",
                      description="Lan-DeMets alpha-spending boundaries for interim looks; with --z, the "
                                  "decision (continue or stop) at each look taken so far.")
    seq.add_argument("--looks", type=int, default=None,
                     help="planned number of equally spaced looks (default 5 for the boundaries)")
    seq.add_argument("--information", nargs="+", action="extend", default=None, metavar="T",
                     help="information fraction of each look (e.g. 0.3,0.6,1 or 0.3 0.6 1); a plan ends at 1")
    seq.add_argument("--z", nargs="+", action="extend", default=None, metavar="Z",
                     help="z statistic observed at each look so far (e.g. 1.2 2.9; --z=-1.2,2.9)")
    seq.add_argument("--df", nargs="+", action="extend", default=None, metavar="DF",
                     help="with --z holding t statistics: their degrees of freedom (one number or one per "
                          "look); each t is converted to the normal score of its tail probability")
    seq.add_argument("--alpha", type=_number, default=0.05, help="overall significance level (default 0.05)")
    seq.add_argument("--sides", type=int, choices=(1, 2), default=2, help="one- or two-sided plan (default 2)")
    seq.add_argument("--spending", choices=("obrien-fleming", "pocock"), default="obrien-fleming",
                     help="alpha-spending function (default obrien-fleming)")
    seq.add_argument("--power", type=_number, default=None,
                     help="plans only: power at which the maximum sample size is compared with a single look "
                          "(default 0.8)")
    add_report_option(seq, "the plan or the decisions (boundaries against the information, one row per look)")


def register(subparsers) -> None:
    parser = subparsers.add_parser("experiment", help="A/B tests, sample sizes, model comparison",
                                   description="A/B tests, sample sizes, model comparison")
    sub = parser.add_subparsers(dest="experiment_command", metavar="COMMAND")
    sub.required = True
    _register_analysis(sub)
    _register_design(sub)
    _register_checks(sub)
