"""Many metrics: p-value adjustments against statsmodels, vectorised tables, bad input."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from scimlkit._errors import InputError
from scimlkit.experiment import (
    adjust_pvalues,
    analyze_metrics,
    compare_many_means,
    compare_many_proportions,
)


@pytest.mark.parametrize(("method", "sm_method"), [("bonferroni", "bonferroni"), ("holm", "holm"),
                                                   ("bh", "fdr_bh"), ("fdr_bh", "fdr_bh"), ("by", "fdr_by"),
                                                   ("sidak", "sidak"), ("holm-sidak", "holm-sidak"),
                                                   ("hochberg", "simes-hochberg"),
                                                   ("simes-hochberg", "simes-hochberg"), ("hommel", "hommel")])
def test_adjust_matches_multipletests(method, sm_method):
    rng = np.random.default_rng(1)
    p = np.concatenate([rng.random(300) ** 4, [0.0, 1.0, 0.5, 0.5]])  # ties and the ends
    # statsmodels.stats.multitest.multipletests(p, method=sm_method)[1]
    with np.errstate(divide="ignore"):
        ref = multipletests(p, method=sm_method)[1]
    np.testing.assert_allclose(adjust_pvalues(p, method), ref, rtol=1e-6, atol=1e-15)
    # a small family with ties, tiny p-values and both ends, where the methods differ the most
    small = np.array([1e-12, 0.004, 0.004, 0.012, 0.03, 0.041, 0.2, 1.0, 0.0])
    with np.errstate(divide="ignore"):  # statsmodels' Sidak forms take log(1 - p) at p = 1
        ref = multipletests(small, method=sm_method)[1]
    np.testing.assert_allclose(adjust_pvalues(small, method), ref, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("short", ["b", "bonf", "s", "hs", "h", "sh", "ho", "fdr_i", "fdr_p", "fdr_n", "fdrcorr",
                                   "HS"])
def test_adjust_takes_the_short_names_of_multipletests(short):
    # multipletests(p, method=short)[1] for statsmodels' own short names
    p = np.array([1e-6, 0.004, 0.004, 0.012, 0.03, 0.041, 0.2, 0.9])
    np.testing.assert_allclose(adjust_pvalues(p, short), multipletests(p, method=short)[1], rtol=1e-9)


def test_adjust_shapes_and_edge_cases():
    p = np.array([[0.01, 0.04], [0.03, 0.2]])
    out = adjust_pvalues(p, "holm")
    assert out.shape == (2, 2)
    np.testing.assert_allclose(out.ravel(), multipletests(p.ravel(), method="holm")[1])
    assert adjust_pvalues([0.3], "bh").tolist() == [0.3]
    assert adjust_pvalues([], "holm").size == 0
    assert adjust_pvalues([0.2, 0.01], "none").tolist() == [0.2, 0.01]
    # adjusted p-values never fall below the raw ones and keep the order
    rng = np.random.default_rng(2)
    raw = rng.random(1000)
    for method in ("bonferroni", "holm", "bh", "by", "sidak", "holm-sidak", "hochberg", "hommel"):
        adj = adjust_pvalues(raw, method)
        assert np.all(adj >= raw - 1e-15)
        order = np.argsort(raw)
        assert np.all(np.diff(adj[order]) >= -1e-15)


@pytest.mark.parametrize(("value", "match"), [([0.1, np.nan], "NaN"), ([0.1, 1.2], r"\[0, 1\]"),
                                              ([-0.1], r"\[0, 1\]")])
def test_adjust_bad_input(value, match):
    with pytest.raises(InputError, match=match):
        adjust_pvalues(value, "holm")
    # the parameter is named as the function names it
    with pytest.raises(InputError, match="`method` must be one of"):
        adjust_pvalues([0.1], "sidak-magic")


def test_many_means_match_scipy_from_stats():
    rng = np.random.default_rng(9)
    m = 50
    mc, mt = rng.normal(10, 1, m), rng.normal(10.2, 1, m)
    sc, st = rng.uniform(1, 3, m), rng.uniform(1, 3, m)
    nc, nt = rng.integers(20, 500, m), rng.integers(20, 500, m)
    tab = compare_many_means(mc, sc, nc, mt, st, nt, adjust="bh").to_frame()
    # scipy.stats.ttest_ind_from_stats(mt, st, nt, mc, sc, nc, equal_var=False), vectorised
    ref = stats.ttest_ind_from_stats(mt, st, nt, mc, sc, nc, equal_var=False)
    np.testing.assert_allclose(tab["statistic"], ref.statistic, rtol=1e-6)
    np.testing.assert_allclose(tab["pvalue"], ref.pvalue, rtol=1e-6)
    np.testing.assert_allclose(tab["pvalue_adjusted"], multipletests(ref.pvalue, method="fdr_bh")[1], rtol=1e-6)


def test_many_proportions_columns_and_significance():
    res = compare_many_proportions([100, 40, 300], 2000, [130, 42, 390], 2000, names=["a", "b", "c"],
                                   adjust="bonferroni", alpha=0.01)
    tab = res.to_frame()
    assert tab["metric"].tolist() == ["a", "b", "c"]
    assert np.array_equal(tab["significant"], tab["pvalue_adjusted"] <= 0.01)
    assert res.n_significant == int(tab["significant"].sum()) and res.kind == "binary"
    copy = res.to_frame()
    copy.loc[0, "metric"] = "changed"
    assert res.table.loc[0, "metric"] == "a"  # to_frame returns a copy


def test_analyze_metrics_detects_columns():
    binary = pd.DataFrame({"metric": ["x", "y"], "successes_control": [5, 8], "trials_control": [100, 100],
                           "successes_treatment": [9, 8], "trials_treatment": [100, 100]})
    cont = pd.DataFrame({"mean_control": [1.0], "sd_control": [1.0], "n_control": [50],
                         "mean_treatment": [1.2], "sd_treatment": [1.0], "n_treatment": [50]})
    assert analyze_metrics(binary).kind == "binary"
    assert analyze_metrics(binary).table["metric"].tolist() == ["x", "y"]
    assert analyze_metrics(cont).kind == "continuous"
    with pytest.raises(InputError, match="binary columns"):
        analyze_metrics(pd.DataFrame({"a": [1]}))
    with pytest.raises(InputError, match="DataFrame"):
        analyze_metrics([1, 2, 3])


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (([1, -2], 10, [1, 2], 10), {}, "successes_control"),
        (([1, 2], 10, [1, 2, 3], 10), {}, "matching lengths"),
        (([1, 2], [10, 0], [1, 2], 10), {}, "trials_control"),
        (([1, 2], 10, [1, 12], 10), {}, "must not exceed"),
        (([1, 2], 10, [1, 2], 10), {"names": ["only one"]}, "names"),
        (([1, 2], 10, [1, 2], 10), {"adjust": "magic"}, "adjust"),
        (([1, 2], 10, [1, 2], 10), {"alpha": -1}, "alpha"),
    ],
)
def test_many_proportions_bad_input(args, kwargs, match):
    with pytest.raises(InputError, match=match):
        compare_many_proportions(*args, **kwargs)


def test_many_means_bad_input():
    with pytest.raises(InputError, match="sd_treatment"):
        compare_many_means(1.0, 1.0, 10, 1.0, -1.0, 10)
    with pytest.raises(InputError, match="n_control"):
        compare_many_means(1.0, 1.0, 1, 1.0, 1.0, 10)
    with pytest.raises(InputError, match="NaN"):
        compare_many_means([1.0, np.nan], 1.0, 10, 1.0, 1.0, 10)
