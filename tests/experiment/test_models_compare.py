"""Model comparison: DeLong against the O(n^2) definition, McNemar against statsmodels,
the corrected resampled t-test against its closed form, the paired bootstrap, and bad input."""

import json
import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score, roc_curve
from statsmodels.stats.contingency_tables import mcnemar

from scimlkit._errors import DegenerateDataWarning, InputError
from scimlkit.experiment import corrected_ttest, delong_test, mcnemar_test, paired_bootstrap_test


def _delong_quadratic(y, a, b):
    """DeLong et al. (1988) computed directly: the Mann-Whitney kernel on every
    (positive, negative) pair and its structural components, O(n^2)."""
    y = np.asarray(y)
    out = []
    comps = []
    for s in (a, b):
        x, w = s[y == 1], s[y == 0]
        psi = (x[:, None] > w[None, :]) + 0.5 * (x[:, None] == w[None, :])
        out.append(psi.mean())
        comps.append((psi.mean(axis=1), psi.mean(axis=0)))  # V10 (per positive), V01 (per negative)
    m, n = (y == 1).sum(), (y == 0).sum()
    s10 = np.cov(np.vstack([comps[0][0], comps[1][0]]))
    s01 = np.cov(np.vstack([comps[0][1], comps[1][1]]))
    cov = s10 / m + s01 / n
    var = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    return out[0], out[1], var, cov


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_delong_matches_quadratic_definition_with_ties(seed):
    rng = np.random.default_rng(seed)
    n = 300
    y = rng.integers(0, 2, n)
    # rounded scores: many ties within and across classes
    a = np.round(y * 0.8 + rng.normal(0, 1, n), 1)
    b = np.round(0.5 * a + y * 0.6 + rng.normal(0, 0.8, n), 1)
    res = delong_test(y, a, b)
    auc_a, auc_b, var, cov = _delong_quadratic(y, a, b)
    assert res.auc_a == pytest.approx(auc_a, rel=1e-12)
    assert res.auc_b == pytest.approx(auc_b, rel=1e-12)
    # sklearn.metrics.roc_auc_score(y, a) is the same area (ties counted one half)
    assert res.auc_a == pytest.approx(roc_auc_score(y, a), rel=1e-12)
    assert res.se == pytest.approx(np.sqrt(var), rel=1e-10)
    assert res.se_a == pytest.approx(np.sqrt(cov[0, 0]), rel=1e-10)
    assert res.correlation == pytest.approx(cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1]), rel=1e-10)
    z = (auc_b - auc_a) / np.sqrt(var)
    assert res.statistic == pytest.approx(z, rel=1e-10)
    assert res.pvalue == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-10)
    lo, hi = res.confidence_interval(0.9)
    assert (lo + hi) / 2 == pytest.approx(res.difference)
    assert hi - lo == pytest.approx(2 * stats.norm.isf(0.05) * np.sqrt(var), rel=1e-10)
    ints = res.auc_intervals()
    assert ints["a"][0] < res.auc_a < ints["a"][1] <= 1.0


def test_delong_roc_curves_match_scikit_learn_with_ties():
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 400)
    a = np.round(y * 0.8 + rng.normal(0, 1, 400), 1)   # ties within and across classes
    b = np.round(y * 1.2 + rng.normal(0, 1, 400), 1)
    res = delong_test(y, a, b)
    for curve, score, auc in ((res.roc_a, a, res.auc_a), (res.roc_b, b, res.auc_b)):
        # sklearn.metrics.roc_curve(y, score, drop_intermediate=False): one vertex per distinct score
        fpr, tpr, _ = roc_curve(y, score, drop_intermediate=False)
        xy = np.asarray(curve)
        assert len(xy) <= 257  # small enough to be kept whole
        np.testing.assert_allclose(xy[:, 0], fpr, atol=1e-15)
        np.testing.assert_allclose(xy[:, 1], tpr, atol=1e-15)
        assert np.trapezoid(xy[:, 1], xy[:, 0]) == pytest.approx(auc, rel=1e-12)
    assert json.loads(json.dumps(res.to_dict()))["roc_a"][-1] == [1.0, 1.0]


def test_delong_roc_curves_thinned_on_large_input_stay_on_the_curve():
    rng = np.random.default_rng(8)
    n = 50_000
    y = rng.integers(0, 2, n)
    a = y + rng.normal(0, 1.5, n)
    res = delong_test(y, a, y + rng.normal(0, 1.0, n))
    fpr, tpr, _ = roc_curve(y, a, drop_intermediate=False)
    xy = np.asarray(res.roc_a)
    assert 100 < len(xy) <= 258 and tuple(xy[0]) == (0.0, 0.0) and tuple(xy[-1]) == (1.0, 1.0)
    # every kept vertex is a vertex of the full curve
    full = set(zip(fpr.tolist(), tpr.tolist(), strict=True))
    assert all(tuple(v) in full for v in xy.tolist())
    # every dropped vertex lies within 1/128 (L1) of the kept vertex before it
    idx = np.searchsorted(xy[:, 0] + xy[:, 1], fpr + tpr, side="right") - 1
    assert np.max(np.abs(fpr - xy[idx, 0]) + np.abs(tpr - xy[idx, 1])) <= 1 / 128 + 1e-12
    assert np.trapezoid(xy[:, 1], xy[:, 0]) == pytest.approx(res.auc_a, abs=1 / 128)


def test_delong_fast_on_large_input():
    rng = np.random.default_rng(3)
    n = 200_000
    y = rng.integers(0, 2, n)
    a = y + rng.normal(0, 2, n)
    b = y + rng.normal(0, 1.9, n)
    res = delong_test(y, a, b)
    assert res.n_positive + res.n_negative == n
    assert res.auc_b == pytest.approx(roc_auc_score(y, b), rel=1e-12)


def test_delong_type_one_error_by_simulation():
    # Two exchangeable models (same signal, independent noise): under H0 the rejection rate at
    # alpha = 0.05 over 1000 seeded datasets must lie within 4 binomial standard errors of 0.05
    # (sd = sqrt(0.05 * 0.95 / 1000) = 0.0069, so 0.022 .. 0.078).
    rng = np.random.default_rng(11)
    reps, n, rejections = 1000, 200, 0
    for _ in range(reps):
        y = rng.integers(0, 2, n)
        signal = y * 1.0
        a = signal + rng.normal(0, 1, n)
        b = signal + rng.normal(0, 1, n)
        if min(y.sum(), n - y.sum()) < 2:
            continue
        rejections += delong_test(y, a, b).pvalue < 0.05
    rate = rejections / reps
    assert abs(rate - 0.05) < 4 * np.sqrt(0.05 * 0.95 / reps)


def test_delong_identical_scores_warns():
    y = np.array([0, 1, 0, 1, 1, 0])
    s = np.array([0.1, 0.7, 0.3, 0.8, 0.4, 0.2])
    with pytest.warns(DegenerateDataWarning):
        res = delong_test(y, s, s)
    assert res.pvalue == 1.0 and res.difference == 0.0


@pytest.mark.parametrize("b,c", [(3, 9), (12, 30), (7, 7), (0, 5)])
@pytest.mark.parametrize("method", ["exact", "chi2"])
def test_mcnemar_matches_statsmodels(b, c, method):
    rng = np.random.default_rng(b * 100 + c)
    both, neither = 40, 15
    # build paired predictions with the given discordant counts: b = only A right, c = only B right
    y = rng.integers(0, 3, both + neither + b + c)  # three classes: correctness is what counts
    wrong = (y + 1) % 3
    right_a = np.r_[np.ones(both), np.zeros(neither), np.ones(b), np.zeros(c)].astype(bool)
    right_b = np.r_[np.ones(both), np.zeros(neither), np.zeros(b), np.ones(c)].astype(bool)
    pa, pb = np.where(right_a, y, wrong), np.where(right_b, y, wrong)
    res = mcnemar_test(y, pa, pb, method=method)
    table = [[both, b], [c, neither]]
    # statsmodels.stats.contingency_tables.mcnemar(table, exact=..., correction=True)
    ref = mcnemar(table, exact=(method == "exact"), correction=True)
    assert (res.only_a_correct, res.only_b_correct) == (b, c)
    if method == "chi2" and b == c:
        # statsmodels applies (|b - c| - 1)^2 even when b == c (statistic 1 / (b + c)); the
        # correction here never moves the statistic past 0, as scipy's chi2_contingency does
        assert res.statistic == 0.0 and res.pvalue == 1.0
        return
    assert res.statistic == pytest.approx(ref.statistic, rel=1e-9)
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
    assert res.accuracy_b - res.accuracy_a == pytest.approx((c - b) / len(y))
    lo, hi = res.confidence_interval()
    assert lo < res.difference < hi


def test_mcnemar_without_correction_and_auto():
    y = np.ones(100, dtype=int)
    pa = np.r_[np.zeros(30), np.ones(70)].astype(int)
    pb = np.r_[np.ones(20), np.zeros(10), np.ones(60), np.zeros(10)].astype(int)
    res = mcnemar_test(y, pa, pb, method="chi2", correction=False)
    # mcnemar([[60, 10], [20, 10]], exact=False, correction=False)
    ref = mcnemar([[60, 10], [20, 10]], exact=False, correction=False)
    assert res.statistic == pytest.approx(ref.statistic) and res.pvalue == pytest.approx(ref.pvalue)
    assert mcnemar_test(y, pa, pb).method == "chi2"        # 30 discordant pairs
    assert mcnemar_test(y[:20], pa[:20], pb[:20]).method == "exact"


def test_mcnemar_no_discordant_pairs_warns():
    with pytest.warns(DegenerateDataWarning):
        res = mcnemar_test([0, 1, 1], [0, 1, 0], [0, 1, 0])
    assert res.pvalue == 1.0


def test_corrected_ttest_closed_form_and_plain_t_limit():
    rng = np.random.default_rng(5)
    a = 0.8 + rng.normal(0, 0.02, 10)
    b = a + 0.01 + rng.normal(0, 0.01, 10)
    res = corrected_ttest(a, b, n_train=900, n_test=100)
    d = b - a
    se = np.sqrt((1 / 10 + 100 / 900) * d.var(ddof=1))
    assert res.statistic == pytest.approx(d.mean() / se, rel=1e-12)
    assert res.pvalue == pytest.approx(2 * stats.t.sf(abs(d.mean() / se), 9), rel=1e-10)
    assert res.df == 9
    # the correction only inflates the variance: statistic * sqrt(1 + J * n_test / n_train) is
    # the plain paired t statistic, scipy.stats.ttest_rel(b, a)
    plain = stats.ttest_rel(b, a)
    assert res.statistic * np.sqrt(1 + 10 * 100 / 900) == pytest.approx(plain.statistic, rel=1e-10)
    lo, hi = res.confidence_interval(0.95)
    assert hi - lo == pytest.approx(2 * stats.t.ppf(0.975, 9) * se, rel=1e-10)


def test_corrected_ttest_degenerate_warns():
    with pytest.warns(DegenerateDataWarning):
        res = corrected_ttest([0.8, 0.8, 0.8], [0.8, 0.8, 0.8], n_train=90, n_test=10)
    assert res.pvalue == 1.0


def _accuracy(y, p):
    return float(np.mean(y == p))


def test_paired_bootstrap_reproducible_and_sensible():
    rng = np.random.default_rng(8)
    n = 500
    y = rng.integers(0, 2, n)
    a = np.where(rng.random(n) < 0.78, y, 1 - y)
    b = np.where(rng.random(n) < 0.86, y, 1 - y)
    r1 = paired_bootstrap_test(y, a, b, _accuracy, n_resamples=1000, rng=42)
    r2 = paired_bootstrap_test(y, a, b, _accuracy, n_resamples=1000, rng=np.random.default_rng(42))
    np.testing.assert_array_equal(r1.distribution, r2.distribution)
    assert r1.difference == pytest.approx(_accuracy(y, b) - _accuracy(y, a))
    lo, hi = r1.confidence_interval(0.95)
    assert lo < r1.difference < hi
    np.testing.assert_allclose((lo, hi), np.quantile(r1.distribution, [0.025, 0.975]), rtol=1e-12)
    # the bootstrap standard error is close to the paired (McNemar) Wald one
    mc = mcnemar_test(y, a, b)
    wald = (mc.confidence_interval()[1] - mc.confidence_interval()[0]) / (2 * 1.959964)
    assert r1.distribution.std() == pytest.approx(wald, rel=0.15)
    assert r1.pvalue < 0.05
    data = json.loads(json.dumps(r1.to_dict()))
    assert "distribution" not in data and data["ci95_low"] == pytest.approx(lo)


def _auc(y, s):
    # the Mann-Whitney form of the AUROC, equal to sklearn.metrics.roc_auc_score(y, s)
    ranks = stats.rankdata(s)
    m = int(np.sum(y == 1))
    return (ranks[y == 1].sum() - m * (m + 1) / 2) / (m * (len(y) - m))


def test_paired_bootstrap_auc_stratified_and_null_pvalue():
    rng = np.random.default_rng(9)
    n = 120
    y = np.r_[np.ones(10), np.zeros(n - 10)].astype(int)
    a = y + rng.normal(0, 1, n)
    b = a + rng.normal(0, 0.01, n)  # practically the same model
    res = paired_bootstrap_test(y, a, b, _auc, n_resamples=500, stratify=True, rng=1)
    assert res.pvalue > 0.05
    assert res.metric_a == pytest.approx(roc_auc_score(y, a))


def test_paired_bootstrap_refuses_to_stratify_a_continuous_target():
    rng = np.random.default_rng(4)
    y = rng.normal(size=300)

    def mae(t, p):
        return float(np.mean(np.abs(t - p)))

    with pytest.raises(InputError, match="300 of its 300 distinct values occur only once"):
        paired_bootstrap_test(y, y + rng.normal(size=300), y + rng.normal(size=300), mae, stratify=True)


def test_paired_bootstrap_metric_failure_is_input_error():
    y = np.r_[1, np.zeros(60)].astype(int)
    s = np.linspace(0, 1, 61)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn warns before returning NaN
        with pytest.raises(InputError, match="stratify"):
            paired_bootstrap_test(y, s, s[::-1], roc_auc_score, n_resamples=200, rng=0)


@pytest.mark.parametrize("call,match", [
    (lambda: delong_test([0, 1, 0, 1], [0.1, 0.2, 0.3], [0.1, 0.2, 0.3, 0.4]), "same length"),
    (lambda: delong_test([1, 1, 1, 1], [0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4]), "single class"),
    (lambda: delong_test([0, 1, 0, 1], [0.1, np.nan, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4]), "`score_a`"),
    (lambda: delong_test([0, 1, 2, 1], [0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4]), "`y_true`"),
    (lambda: delong_test([0, 1, 0, 0], [0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4]), "at least 2"),
    (lambda: mcnemar_test([0, 1], [0, 1, 1], [0, 1]), "same length"),
    (lambda: mcnemar_test([0, 1.0], [0, np.nan], [0, 1]), "`pred_a`"),
    (lambda: mcnemar_test([0, 1], [0, 1], [0, 1], method="mid-p"), "`method`"),
    (lambda: corrected_ttest([0.8], [0.9], n_train=10, n_test=2), "`scores_a`"),
    (lambda: corrected_ttest([0.8, 0.7], [0.9, 0.8], n_train=0, n_test=2), "`n_train`"),
    (lambda: corrected_ttest([0.8, 0.7], [0.9, 0.8], n_train=10, n_test=-1), "`n_test`"),
    (lambda: corrected_ttest([0.8, 0.7], [0.9, 0.8, 0.7], n_train=10, n_test=2), "same length"),
    (lambda: corrected_ttest([0.8, np.nan], [0.9, 0.8], n_train=10, n_test=2), "NaN"),
    (lambda: paired_bootstrap_test([0, 1], [0, 1], [0, 1], "accuracy"), "`metric`"),
    (lambda: paired_bootstrap_test([0, 1], [0, 1], [0, 1], _accuracy, n_resamples=10), "`n_resamples`"),
    (lambda: paired_bootstrap_test([0, 1], [0, 1], [0, 1], _accuracy, rng="x"), "`rng`"),
    (lambda: paired_bootstrap_test([0, 1, 1], [0, 1], [0, 1], _accuracy), "same length"),
])
def test_bad_input(call, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(InputError, match=match):
            call()


@pytest.mark.parametrize(("pred_a", "pred_b", "name", "match"), [
    ([0.1, 0.9, 0.7, 0.2, 1.0], [0, 1, 1, 0, 1], "pred_a", "0 and 1"),   # probabilities
    ([0, 1, 1, 0, 1], [0, 2, 1, 0, 1], "pred_b", "0 and 1"),             # a label 0/1 data cannot have
    (["0", "1", "1", "0", "1"], [0, 1, 1, 0, 1], "pred_a", "same kind"),  # text against numbers
])
def test_mcnemar_refuses_predictions_that_are_not_labels(pred_a, pred_b, name, match):
    with pytest.raises(InputError, match=f"`{name}`.*{match}"):
        mcnemar_test([0, 1, 1, 0, 1], pred_a, pred_b)


def test_mcnemar_label_checks_keep_valid_predictions():
    with pytest.raises(InputError, match="`pred_a`.*whole-number"):
        mcnemar_test([0, 1, 2, 2], [0, 1, 2, 2.5], [0, 1, 1, 2])
    with pytest.raises(InputError, match="`pred_b`.*same kind"):
        mcnemar_test(["a", "b", "a"], ["a", "b", "b"], [0, 1, 0])
    # booleans for 0/1 labels, a class absent from y_true, and text labels are all fine
    assert mcnemar_test([0, 1, 1, 0], [False, True, True, False], [0, 1, 0, 0]).accuracy_a == 1.0
    assert mcnemar_test([0, 1, 2, 2], [0, 1, 2, 3], [0, 1, 1, 2]).accuracy_a == 0.75
    assert mcnemar_test(["cat", "cat"], ["dog", "cat"], ["cat", "cat"]).accuracy_b == 1.0


def test_corrected_ttest_round_off_differences_are_degenerate():
    # b = a + 0.2 in floating point: the fold differences are 0.2 up to round-off (variance
    # ~1e-33), not a variance estimate; a t statistic of 8e15 would be noise
    a = np.array([0.1, 0.2, 0.3, 0.7])
    b = a + 0.2
    assert np.var(b - a, ddof=1) > 0
    with pytest.warns(DegenerateDataWarning, match="round-off"):
        res = corrected_ttest(a, b, n_train=800, n_test=200)
    assert res.se == 0.0 and res.mean_difference == pytest.approx(0.2)
    # a real spread of the differences, however small next to the scores, is kept
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = corrected_ttest(a, b + np.array([0.0, 1e-9, 0.0, -1e-9]), n_train=800, n_test=200)
    assert res.se > 0 and np.isfinite(res.statistic)


def test_corrected_ttest_round_off_mean_difference_is_no_difference():
    # the same fold scores computed by two routes differ by a few units in the last place, both
    # in spread and in mean: that is no difference (statistic 0, p-value 1), not an infinite t
    a = np.array([0.1, 0.2, 0.3, 0.7, 0.9])
    b = (a + 0.2) - 0.2
    assert (b != a).any()
    with pytest.warns(DegenerateDataWarning, match="round-off"):
        res = corrected_ttest(a, b, n_train=800, n_test=200)
    assert (res.mean_difference, res.se, res.statistic, res.pvalue) == (0.0, 0.0, 0.0, 1.0)
    # accuracies as a mean of hits and as a weighted sum: differences of about -2e-15 per fold
    rng = np.random.default_rng(1)
    folds = [rng.random(200) < 0.8 for _ in range(10)]
    acc_a = np.array([f.mean() for f in folds])
    acc_b = np.array([sum(f * 0.1) / (0.1 * f.size) for f in folds])
    assert (acc_b != acc_a).all()
    with pytest.warns(DegenerateDataWarning, match="round-off"):
        res = corrected_ttest(acc_a, acc_b, n_train=1800, n_test=200)
    assert (res.statistic, res.pvalue) == (0.0, 1.0)
