"""Demo chapter of the experiment module."""

from __future__ import annotations

from .._report import Chapter

# -- an A/B analysis on bundled data ---------------------------------------------


def _analysis_part(chapter: Chapter, rng, quick: bool) -> None:
    import numpy as np
    import pandas as pd
    from sklearn.datasets import load_diabetes

    from ._analyze import analyze
    from ._bootstrap import bootstrap_difference
    from ._multi import compare_many_proportions
    from ._report import comparison_table, lift_forest

    data = load_diabetes(scaled=False, as_frame=True).frame
    n = len(data)
    arms = np.array(["control", "B", "C"])[rng.integers(0, 3, n)]  # Bernoulli assignment
    effect = 0.12  # arm B multiplies the outcome by 1.12; arm C changes nothing
    outcome = data["target"].to_numpy() * np.where(arms == "B", 1.0 + effect, 1.0)
    # a pre-period covariate measured before assignment: a fixed-weight baseline risk score
    risk = ((data["bmi"] - data["bmi"].mean()) / data["bmi"].std()
            + (data["s5"] - data["s5"].mean()) / data["s5"].std()).to_numpy()
    frame = pd.DataFrame({"arm": arms, "progression": outcome,
                          "progressed": (outcome > 140).astype(int), "baseline_risk": risk})

    plain = analyze(frame, group="arm", metric=["progression", "progressed"], adjust="holm")
    adjusted = analyze(frame, group="arm", metric="progression", covariate="baseline_risk", adjust="holm")
    guard_cols = ["age", "sex", "bp", "s1", "s2", "s3", "s4", "s6"]
    guard = analyze(pd.concat([frame[["arm"]], data[guard_cols]], axis=1), group="arm", metric=guard_cols,
                    adjust="holm")
    b_c = frame["arm"] == "control"
    b_t = frame["arm"] == "B"
    boot = bootstrap_difference(frame.loc[b_c, "progression"], frame.loc[b_t, "progression"],
                                statistic="median", relative=True, n_resamples=1000 if quick else 4000,
                                rng=rng)

    # many metrics: simulated A/A metrics (no true effect) show why the adjustment matters
    m = 2000 if quick else 10_000
    base = rng.uniform(0.01, 0.3, m)
    users = rng.integers(2_000, 50_000, m)
    aa = compare_many_proportions(rng.binomial(users, base), users, rng.binomial(users, base), users,
                                  adjust="holm")
    raw_hits = int((aa.table["pvalue"] <= 0.05).sum())

    row_plain = plain.comparisons.query("metric == 'progression' and treatment == 'B'").iloc[0]
    row_cuped = adjusted.comparisons.query("treatment == 'B'").iloc[0]
    width_plain = row_plain["lift_high"] - row_plain["lift_low"]
    width_cuped = row_cuped["lift_high"] - row_cuped["lift_low"]

    chapter.heading("A/B/C test on the diabetes data")
    chapter.paragraph(
        f"The {n} patients of scikit-learn's diabetes data are randomly assigned to three arms. Arm B "
        f"multiplies the one-year disease progression by {1 + effect:.2f} (a true lift of "
        f"{effect:+.0%}); arm C is an exact copy of control. 'progressed' is the binary metric "
        "progression > 140. The pre-period covariate for CUPED is a fixed-weight baseline risk score "
        "(standardised BMI plus standardised serum triglycerides), known before assignment."
    )
    chapter.metrics({
        "users": n, "SRM p-value": plain.srm.pvalue,
        "B lift (t-test)": row_plain["relative_lift"], "B lift (CUPED)": row_cuped["relative_lift"],
        "CUPED variance reduction": row_cuped["variance_reduction"],
        "interval width ratio": width_cuped / width_plain,
    })
    table = pd.concat([plain.comparisons, adjusted.comparisons], ignore_index=True)
    chapter.table(comparison_table(table, extra=("variance_reduction",)),
                  caption="Each treatment arm against control (Holm adjustment within each analysis)")
    labels = [f"{r.metric} {r.treatment} ({r.method})" for r in table.itertuples()]
    fig = lift_forest(table, alpha=plain.alpha, labels=labels)
    chapter.figure(fig, caption="Relative lifts with intervals; red rows are significant after adjustment. "
                                "CUPED narrows the interval of the same comparison.")
    chapter.paragraph(
        f"Balance check: {len(guard_cols)} baseline variables compared across arms (Holm) flag "
        f"{int(guard.comparisons['significant'].sum())} difference(s), as randomisation should give. "
        f"A bootstrap BCa interval for the relative lift in median progression of B is "
        f"[{boot.low:+.1%}, {boot.high:+.1%}] (estimate {boot.estimate:+.1%})."
    )
    chapter.paragraph(
        f"Many metrics: {m:,} simulated A/A conversion metrics (no true effect) analysed in one call: "
        f"{raw_hits} have p <= 0.05 before adjustment, {aa.n_significant} after Holm."
    )
    chapter.note(f"A/B/C on {n} diabetes patients: sample ratio {'MISMATCH' if plain.srm.mismatch else 'ok'} "
                 f"(p = {plain.srm.pvalue:.2f})")
    chapter.note(f"arm B progression lift {row_plain['relative_lift']:+.1%} "
                 f"[{row_plain['lift_low']:+.1%}, {row_plain['lift_high']:+.1%}], p = {row_plain['pvalue']:.3g} "
                 f"(true {effect:+.0%})")
    chapter.note(f"with CUPED: {row_cuped['relative_lift']:+.1%} [{row_cuped['lift_low']:+.1%}, "
                 f"{row_cuped['lift_high']:+.1%}], p = {row_cuped['pvalue']:.3g}; variance "
                 f"-{row_cuped['variance_reduction']:.0%}, interval {1 - width_cuped / width_plain:.0%} narrower")
    chapter.note(f"{m:,} A/A metrics in one call: {raw_hits} false positives at p <= 0.05, "
                 f"{aa.n_significant} after Holm")


# -- sizing the next experiment, comparing two models ----------------------------


def _design_part(chapter: Chapter, rng, quick: bool) -> None:
    _sizing_part(chapter, rng)
    _sequential_part(chapter, rng)
    _models_part(chapter, rng, quick)


def _sizing_part(chapter: Chapter, rng) -> None:
    import pandas as pd

    from ._power import power_curve, power_proportions
    from ._report import size_curve_figure

    baseline, lift = 0.05, 0.10
    chapter.heading("Sizing the next experiment")
    design = power_proportions(baseline, mde=lift, relative=True, alpha=0.05, power=0.8)
    chapter.paragraph(
        f"To detect a {lift:.0%} relative lift on a {baseline:.0%} conversion rate with a two-sided "
        f"test at alpha 0.05 and 80% power (pooled-variance z-test), each arm needs "
        f"{design.n_control_required:,} users. The curve shows how power grows with the arm size.")
    chapter.metrics({"users per arm": design.n_control_required,
                     "users in all": design.n_total_required,
                     "absolute MDE": design.mde, "Cohen's h": design.effect_size})
    rows = []
    for rel in (0.02, 0.05, 0.10, 0.20):
        d = power_proportions(baseline, mde=rel, relative=True, power=0.8)
        a = power_proportions(baseline, mde=rel, relative=True, power=0.8, method="arcsine")
        rows.append({"relative MDE": f"{rel:.0%}", "per arm (pooled z)": d.n_control_required,
                     "per arm (arcsine)": a.n_control_required,
                     "per arm, 2:1 split (control)": power_proportions(
                         baseline, mde=rel, relative=True, power=0.8, ratio=2).n_control_required})
    chapter.table(pd.DataFrame(rows), caption=f"Users needed at baseline {baseline:.0%}, alpha 0.05, power 80%")
    curve = power_curve(design, over="n", num=60)
    chapter.figure(size_curve_figure(curve, title=f"Power to detect +{lift:.0%} on {baseline:.0%}"),
                   caption="Power against users per arm; dashed: the 80% target, dotted: the design.")
    chapter.note(f"sizing: +{lift:.0%} relative on a {baseline:.0%} baseline needs "
                 f"{design.n_control_required:,} users per arm (alpha 0.05, power 80%)")


def _sequential_part(chapter: Chapter, rng) -> None:
    import numpy as np

    from ._power import power_proportions
    from ._sequential import sequential_boundaries, sequential_decision

    chapter.heading("Looking early without inflating false positives")
    looks = 5
    obf = sequential_boundaries(looks, alpha=0.05, sides=2, spending="obrien-fleming")
    pocock = sequential_boundaries(looks, alpha=0.05, sides=2, spending="pocock")
    table = obf.to_frame().rename(columns={"boundary": "O'Brien-Fleming |z| >=",
                                           "nominal_alpha": "O'Brien-Fleming p <"})
    table["Pocock |z| >="] = pocock.boundaries
    table["Pocock p <"] = pocock.nominal_alpha
    inflation = obf.inflation_factor(0.8)
    fixed = power_proportions(0.05, mde=0.10, relative=True, power=0.8).n_control
    chapter.paragraph(
        f"Planning {looks} equally spaced looks with Lan-DeMets alpha spending keeps the overall "
        f"false-positive rate at 5%. O'Brien-Fleming-type spending keeps early looks strict and costs "
        f"only {100 * (inflation - 1):.1f}% more users at most ({int(np.ceil(fixed * inflation)):,} per arm); "
        f"Pocock-type spending stops earlier more often but needs "
        f"{100 * (pocock.inflation_factor(0.8) - 1):.0f}% more.")
    chapter.table(table.drop(columns=["cumulative_alpha"]), caption="Group-sequential boundaries, two-sided alpha 0.05")
    # one simulated experiment with the planned lift: the z statistic follows a Brownian motion
    from scipy.special import ndtri

    # the mean of the final z when the maximum sample size gives 80% power to the planned lift
    drift = float(np.sqrt(inflation) * (ndtri(0.975) + ndtri(0.8)))
    t = np.arange(1, looks + 1) / looks
    path = np.cumsum(rng.normal(0.0, np.sqrt(np.diff(np.concatenate([[0.0], t])))))
    z = (path + drift * t) / np.sqrt(t)
    decision = sequential_decision(z, information=t, alpha=0.05, sides=2)
    shown = decision.to_frame()
    chapter.table(shown, caption="One simulated experiment with the planned lift, look by look")
    where = (f"stopped at look {decision.stopped_at} of {looks} "
             f"({decision.decisions[decision.stopped_at - 1].removeprefix('stop: ')})"
             if decision.stopped_at else "ran to the final look without a significant result")
    chapter.note(f"sequential plan: {looks} O'Brien-Fleming looks, boundaries "
                 f"{', '.join(f'{b:.2f}' for b in obf.boundaries)}; a simulated run {where}")


def _models_part(chapter: Chapter, rng, quick: bool) -> None:
    import numpy as np
    import pandas as pd
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import RepeatedStratifiedKFold, train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ._models import corrected_ttest, delong_test, mcnemar_test
    from ._report import model_comparison_figure, model_comparison_table

    chapter.heading("Is the new model really better?")
    X, y = load_breast_cancer(return_X_y=True)
    seed = int(rng.integers(0, 2**31 - 1))
    n_trees = 30 if quick else 100

    def model_a():
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))

    def model_b():
        return GradientBoostingClassifier(n_estimators=n_trees, max_depth=2, random_state=seed)

    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.5, stratify=y, random_state=seed)
    score_a = model_a().fit(X_tr, y_tr).predict_proba(X_te)[:, 1]
    score_b = model_b().fit(X_tr, y_tr).predict_proba(X_te)[:, 1]
    delong = delong_test(y_te, score_a, score_b)
    mcn = mcnemar_test(y_te, (score_a >= 0.5).astype(int), (score_b >= 0.5).astype(int))
    chapter.paragraph(
        "Model A is a logistic regression, model B a gradient-boosted tree ensemble, both trained on "
        f"half of the breast-cancer data ({len(y_tr)} tumours) and scored on the other half. DeLong's "
        "test compares the two AUROCs on the same examples; McNemar's test compares accuracies at "
        "threshold 0.5 from the examples only one model gets right.")
    chapter.metrics({"AUROC A (logistic)": delong.auc_a, "AUROC B (boosting)": delong.auc_b,
                     "B - A": delong.difference, "DeLong p": delong.pvalue,
                     "accuracy A": mcn.accuracy_a, "accuracy B": mcn.accuracy_b, "McNemar p": mcn.pvalue})
    chapter.table(model_comparison_table(delong, mcn), caption=f"Held-out comparison on {len(y_te)} tumours")
    chapter.figure(model_comparison_figure(delong, mcn),
                   caption="Held-out AUROC of each model with its DeLong interval, and each difference "
                           "B - A with its 95% interval (dashed: no difference).")

    splits, repeats = (3, 1) if quick else (5, 2)
    cv = RepeatedStratifiedKFold(n_splits=splits, n_repeats=repeats, random_state=seed)
    folds = []
    for train, test in cv.split(X, y):
        pa = model_a().fit(X[train], y[train]).predict_proba(X[test])[:, 1]
        pb = model_b().fit(X[train], y[train]).predict_proba(X[test])[:, 1]
        folds.append((len(train), len(test), delong_test(y[test], pa, pb)))
    n_train = int(np.mean([f[0] for f in folds]))
    n_test = int(np.mean([f[1] for f in folds]))
    auc_a = np.array([f[2].auc_a for f in folds])
    auc_b = np.array([f[2].auc_b for f in folds])
    nb = corrected_ttest(auc_a, auc_b, n_train=n_train, n_test=n_test)
    from scipy import stats

    naive = stats.ttest_rel(auc_b, auc_a)
    chapter.paragraph(
        f"Across {nb.n_folds} cross-validation folds ({splits}-fold, {repeats} repeat(s)) the mean AUROC "
        f"difference is {nb.mean_difference:+.4f}. The corrected resampled t-test (Nadeau-Bengio) "
        f"gives p = {nb.pvalue:.3g}; the naive paired t-test, which ignores that training sets overlap, "
        f"would give p = {naive.pvalue:.3g}.")
    chapter.table(pd.DataFrame({"fold": np.arange(1, len(folds) + 1), "AUROC A": auc_a, "AUROC B": auc_b,
                                "B - A": auc_b - auc_a}), caption="AUROC per cross-validation fold")
    verdict = "B better" if delong.pvalue < 0.05 and delong.difference > 0 else (
        "A better" if delong.pvalue < 0.05 else "no significant difference")
    chapter.note(f"model comparison on breast_cancer: AUROC A {delong.auc_a:.3f} vs B {delong.auc_b:.3f} "
                 f"(DeLong p = {delong.pvalue:.3g}, {verdict}); McNemar p = {mcn.pvalue:.3g}; "
                 f"CV corrected t p = {nb.pvalue:.3g}")


def run(*, rng, quick: bool = False) -> Chapter:
    chapter = Chapter("experiment", "Experiments: A/B tests, power, model comparison")
    _analysis_part(chapter, rng, quick)
    _design_part(chapter, rng, quick)
    return chapter
