"""analyze(): arms, metric kinds, CUPED, SRM, adjustment, and bad input."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scimlkit._errors import InputError, SmallSampleWarning
from scimlkit.experiment import (
    adjust_pvalues,
    analyze,
    compare_means,
    compare_proportions,
    cuped,
    srm_test,
)


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(7)
    n = 6000
    arm = rng.choice(["control", "B", "C"], size=n)
    pre = rng.normal(10, 3, n)
    revenue = pre + rng.normal(0, 2, n) + np.where(arm == "B", 0.3, 0.0)
    converted = (rng.random(n) < np.where(arm == "B", 0.12, 0.10)).astype(int)
    return pd.DataFrame({"arm": arm, "converted": converted, "revenue": revenue, "pre": pre})


def test_rows_match_single_functions(frame):
    res = analyze(frame, group="arm", metric=["converted", "revenue"])
    tab = res.to_frame()
    assert res.control == "control" and res.arms == ["control", "B", "C"]
    assert tab[["metric", "treatment", "kind", "method"]].values.tolist() == [
        ["converted", "B", "binary", "z-test"], ["converted", "C", "binary", "z-test"],
        ["revenue", "B", "continuous", "welch-t"], ["revenue", "C", "continuous", "welch-t"]]
    ctrl = frame[frame.arm == "control"]
    for row in tab.itertuples():
        arm = frame[frame.arm == row.treatment]
        if row.kind == "binary":
            ref = compare_proportions(ctrl.converted.sum(), len(ctrl), arm.converted.sum(), len(arm))
        else:
            ref = compare_means(ctrl.revenue, arm.revenue)
        for col in ("difference", "low", "high", "relative_lift", "lift_low", "lift_high", "statistic", "pvalue"):
            assert getattr(row, col) == pytest.approx(getattr(ref, col), rel=1e-12)
    np.testing.assert_allclose(tab["pvalue_adjusted"], adjust_pvalues(tab["pvalue"], "holm"))
    assert np.array_equal(tab["significant"], tab["pvalue_adjusted"] <= 0.05)
    assert tab["variance_reduction"].isna().all()
    sizes = frame.arm.value_counts()
    ref_srm = srm_test({a: int(sizes[a]) for a in ["control", "B", "C"]})
    assert res.srm.pvalue == pytest.approx(ref_srm.pvalue, rel=1e-12)
    json.dumps(res.to_dict(), allow_nan=False)
    assert any("sample ratio" in line for line in res.summary())


def test_cuped_rows(frame):
    res = analyze(frame, group="arm", metric="revenue", covariate="pre", control="control")
    row = res.to_frame().query("treatment == 'B'").iloc[0]
    c, b = frame[frame.arm == "control"], frame[frame.arm == "B"]
    ref = cuped(c.revenue, b.revenue, c.pre, b.pre)
    assert row["method"] == "cuped-welch"
    assert row["pvalue"] == pytest.approx(ref.pvalue, rel=1e-12)
    assert row["variance_reduction"] == pytest.approx(ref.variance_reduction, rel=1e-12)
    assert row["variance_reduction"] > 0.5
    # the mean columns are the adjusted means the difference and the lift are made of
    assert row["mean_control"] == pytest.approx(ref.adjusted_mean_control, rel=1e-12)
    assert row["mean_treatment"] == pytest.approx(ref.adjusted_mean_treatment, rel=1e-12)
    assert row["difference"] == pytest.approx(row["mean_treatment"] - row["mean_control"], rel=1e-9)
    assert row["relative_lift"] == pytest.approx(row["mean_treatment"] / row["mean_control"] - 1, rel=1e-9)


def test_numeric_group_labels_sort_as_numbers():
    gen = np.random.default_rng(3)
    df = pd.DataFrame({"v": np.repeat([2, 10], 500), "y": (gen.random(1000) < np.repeat([0.1, 0.2], 500))})
    res = analyze(df.assign(y=df.y.astype(int)), group="v", metric="y")
    row = res.to_frame().iloc[0]
    assert res.control == "2" and row["treatment"] == "10" and row["relative_lift"] > 0  # not "10" < "2"
    floats = pd.DataFrame({"arm": [0.0, 1.0] * 50, "y": np.arange(100.0)})
    assert analyze(floats, group="arm", metric="y", control=0).control == "0.0"
    assert analyze(floats, group="arm", metric="y", control=1).control == "1.0"
    mixed = pd.DataFrame({"arm": [1, "b"] * 20, "y": np.arange(40.0)})
    assert analyze(mixed, group="arm", metric="y").arms == ["1", "b"]


def test_control_choice_and_numeric_groups():
    df = pd.DataFrame({"g": [0, 1] * 20, "y": np.arange(40.0) % 7})
    res = analyze(df, group="g", metric="y")
    assert res.control == "0" and res.to_frame()["treatment"].tolist() == ["1"]
    res = analyze(df, group="g", metric="y", control=1)
    assert res.control == "1"
    df2 = pd.DataFrame({"g": ["Treat", "CONTROL"] * 20, "y": [0, 1, 1, 0] * 10})
    res = analyze(df2, group="g", metric="y")
    assert res.control == "CONTROL" and res.to_frame()["kind"].tolist() == ["binary"]
    res = analyze(df2, group="g", metric="y", kind="continuous")
    assert res.to_frame()["method"].tolist() == ["welch-t"]


def test_srm_flag_with_planned_allocation():
    df = pd.DataFrame({"g": ["control"] * 6000 + ["B"] * 4000, "y": np.tile([0.0, 1.0], 5000)})
    assert analyze(df, group="g", metric="y").srm.mismatch
    assert not analyze(df, group="g", metric="y", allocation={"control": 0.6, "B": 0.4}).srm.mismatch


@pytest.mark.parametrize(
    ("data", "kwargs", "match"),
    [
        ({"g": ["a", "b"], "y": [1.0, 2.0]}, {"metric": "nope"}, "column 'nope' not found"),
        ({"g": ["a", "b"], "y": [1.0, 2.0]}, {"metric": "y", "covariate": "pre"}, "column 'pre' not found"),
        ({"g": ["a", "a", "a"], "y": [1.0, 2.0, 3.0]}, {"metric": "y"}, "single group"),
        ({"g": ["a", "b", "a", "b"], "y": [1.0, np.nan, 3.0, 4.0]}, {"metric": "y"}, "missing"),
        ({"g": ["a", None, "a", "b"], "y": [1.0, 2.0, 3.0, 4.0]}, {"metric": "y"}, "column 'g'"),
        ({"g": ["a", "b", "a", "b"], "y": ["x", "1", "2", "3"]}, {"metric": "y"}, "numeric"),
        ({"g": ["a", "b", "a"], "y": [1.0, 2.0, 3.0]}, {"metric": "y"}, "at least 2 per arm"),
        ({"g": ["a", "b", "a", "b"], "y": [1.0, 2.0, 3.0, 4.0]}, {"metric": "y", "control": "z"}, "control"),
        ({"g": ["a", "b", "a", "b"], "y": [1.0, 2.0, 3.0, 4.0]}, {"metric": "y", "alpha": 1.5}, "alpha"),
        ({"g": ["a", "b", "a", "b"], "y": [1.0, 2.0, 3.0, 4.0]}, {"metric": "y", "kind": "binary"}, "0 and 1"),
        ({"g": ["a", "b", "a", "b"], "y": [1.0, 2.0, 3.0, 4.0]}, {"metric": []}, "at least one"),
        ({"g": [], "y": []}, {"metric": "y"}, "at least 1 row"),
    ],
)
def test_bad_input(data, kwargs, match):
    with pytest.raises(InputError, match=match):
        analyze(pd.DataFrame(data), group="g", **kwargs)


def test_column_names_of_any_hashable_type():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"g": np.tile(["control", "B"], 50), 5: rng.normal(10, 1, 100), 7: rng.normal(10, 1, 100)})
    res = analyze(df, group="g", metric=5)
    assert res.metrics == [5] and res.to_frame()["metric"].tolist() == [5]
    assert res.to_frame()["pvalue"].iloc[0] == pytest.approx(
        compare_means(df.loc[df.g == "control", 5], df.loc[df.g == "B", 5]).pvalue, rel=1e-12)
    assert analyze(df, group="g", metric=[5, 7]).metrics == [5, 7]
    assert analyze(df, group="g", metric=5, covariate=7).to_frame()["method"].tolist() == ["cuped-welch"]
    with pytest.raises(InputError, match="column '6' not found"):
        analyze(df, group="g", metric=6)


CASE = {"g": ["a", "b"] * 4, "y": [1.0, 2.0, 3.0, 5.0, 2.0, 4.0, 1.5, 2.5], "x": np.arange(8.0)}


@pytest.mark.parametrize(
    ("column", "kwargs", "match"),
    [
        (None, {"metric": "y", "group": ["g"]}, "`group` must be a column name"),
        (None, {"metric": [["y"]]}, "`metric` must be a column name"),
        (None, {"metric": "g"}, "column 'g' is the `group` column"),
        (None, {"metric": "y", "covariate": "g"}, "column 'g' is the `group` column"),
        (None, {"metric": "y", "covariate": "y"}, "both a metric and the `covariate`"),
        (None, {"metric": ["y", "y"]}, "names column 'y' 2 times"),
        (None, {"metric": "y", "equal_var": "x"}, "`equal_var` must be True or False"),
        (np.array([1 + 2j, 3.0] * 4), {"metric": "y"}, "column 'y' must hold real numbers"),
        (np.array([1 + 2j, 3.0] * 4, dtype=object), {"metric": "y"}, "column 'y' must hold real numbers"),
        (pd.date_range("2024-01-01", periods=8), {"metric": "y"}, "column 'y' must be numeric, got datetime"),
        (pd.to_timedelta(np.arange(8), unit="s"), {"metric": "y"}, "column 'y' must be numeric, got timedelta"),
        (pd.period_range("2024-01", periods=8, freq="M"), {"metric": "y"}, "column 'y' must be numeric"),
    ],
)
def test_bad_columns_and_options(column, kwargs, match):
    df = pd.DataFrame(CASE)
    if column is not None:
        df["y"] = column
    kwargs = {"group": "g", **kwargs}
    with pytest.raises(InputError, match=match):
        analyze(df, **kwargs)


@pytest.mark.parametrize("dup", ["g", "y", "x"])
def test_duplicate_column_names_involved_are_refused(dup):
    df = pd.DataFrame(CASE)
    df = pd.concat([df, df[[dup]]], axis=1)
    with pytest.raises(InputError, match=f"column '{dup}' appears 2 times"):
        analyze(df, group="g", metric="y", covariate="x")
    if dup == "x":  # a duplicate the analysis does not use is fine
        assert np.isfinite(analyze(df, group="g", metric="y").to_frame()["pvalue"]).all()


@pytest.mark.parametrize("factor", [2.0**1015, 2.0**-1000, 1e300, 1e-300])
@pytest.mark.parametrize("covariate", [None, "pre"])
def test_huge_and_tiny_metrics_keep_their_moments(frame, factor, covariate):
    # the moments of values near 1e307 overflow (and those of values near 1e-300 underflow)
    base = analyze(frame, group="arm", metric="revenue", covariate=covariate).to_frame()
    scaled = frame.assign(revenue=frame.revenue * factor, pre=frame.pre * factor)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = analyze(scaled, group="arm", metric="revenue", covariate=covariate).to_frame()
    for col in ("mean_control", "mean_treatment", "difference", "low", "high"):
        np.testing.assert_allclose(res[col], base[col] * factor, rtol=1e-9)
    for col in ("relative_lift", "lift_low", "lift_high", "statistic", "pvalue", "variance_reduction"):
        np.testing.assert_allclose(res[col], base[col], rtol=1e-9)


@pytest.mark.filterwarnings("ignore::scimlkit._errors.DegenerateDataWarning")
def test_a_difference_beyond_float64_is_refused():
    df = pd.DataFrame({"g": ["a", "a", "b", "b"], "y": [-1.7e308, -1.6e308, 1.6e308, 1.7e308]})
    with pytest.raises(InputError, match="column 'y' has values so large"):
        analyze(df, group="g", metric="y")


def test_compare_means_keeps_the_moments_of_huge_and_tiny_values():
    from scimlkit.experiment import compare_means

    gen = np.random.default_rng(0)
    a, b = gen.normal(10, 2, 300), gen.normal(10.5, 2, 300)
    ref = compare_means(a, b)
    for k in (1e300, 1e-300):
        res = compare_means(a * k, b * k)
        assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
        assert res.difference == pytest.approx(ref.difference * k, rel=1e-9)
        assert res.low == pytest.approx(ref.low * k, rel=1e-9) and res.sd_control == pytest.approx(ref.sd_control * k)


def test_cuped_keeps_the_moments_of_huge_and_tiny_values():
    from scimlkit.experiment import cuped

    gen = np.random.default_rng(1)
    xc, xt = gen.normal(5, 1, 400), gen.normal(5, 1, 400)
    yc, yt = xc + gen.normal(0, 1, 400), xt + 0.3 + gen.normal(0, 1, 400)
    ref = cuped(yc, yt, xc, xt)
    for ky, kx in ((1e300, 1e150), (1e-300, 1.0), (1.0, 1e-300)):
        res = cuped(yc * ky, yt * ky, xc * kx, xt * kx)
        assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
        assert res.variance_reduction == pytest.approx(ref.variance_reduction, rel=1e-9)
        assert res.difference == pytest.approx(ref.difference * ky, rel=1e-9)
        assert res.theta == pytest.approx(ref.theta * ky / kx, rel=1e-9)


def test_constant_metric_is_not_significant():
    # a metric logged as 0.1 for every user: the arm means differ by round-off only, which used
    # to read as p ~ 1e-224; zero variance in both arms leaves the test undefined (NaN)
    from scimlkit._errors import DegenerateDataWarning

    rng = np.random.default_rng(2)
    arm = ["control"] * 1477 + ["B"] * 700 + ["C"] * 50  # sizes whose means of 0.1 differ in the last bit
    df = pd.DataFrame({"arm": arm, "fee": 0.1, "pre": rng.normal(size=len(arm))})
    with pytest.warns(DegenerateDataWarning, match="zero variance"):
        res = analyze(df, group="arm", metric="fee")
    assert res.comparisons["pvalue"].isna().all() and not res.comparisons["significant"].any()
    with pytest.warns(DegenerateDataWarning, match="zero variance"):
        res = analyze(df, group="arm", metric="fee", covariate="pre")
    assert res.comparisons["pvalue"].isna().all() and not res.comparisons["significant"].any()


def test_planned_arm_without_rows_is_a_sample_ratio_mismatch():
    gen = np.random.default_rng(5)
    df = pd.DataFrame({"arm": gen.choice(["control", "B"], 900), "y": gen.normal(size=900)})
    res = analyze(df, group="arm", metric="y", allocation={"control": 1, "B": 1, "C": 1})
    counts = df["arm"].value_counts()
    ref = stats.chisquare([counts["control"], counts["B"], 0])  # scipy.stats.chisquare
    assert res.srm.arms == ["control", "B", "C"] and res.srm.observed[-1] == 0
    assert res.srm.pvalue == pytest.approx(ref.pvalue, rel=1e-9) and res.srm.mismatch
    assert res.arms == ["control", "B"] and res.to_frame()["treatment"].tolist() == ["B"]


def test_an_arm_of_a_few_users_warns_on_a_binary_metric():
    # a stray label (one QA user) is an arm of one: the z-test there is not to be trusted
    gen = np.random.default_rng(2)
    df = pd.DataFrame({"arm": [*gen.choice(["control", "B"], 2000), "qa"],
                       "converted": [*(gen.random(2000) < 0.1).astype(int), 1]})
    with pytest.warns(SmallSampleWarning, match="1 comparison.* of the binary metric.* 'converted'"):
        res = analyze(df, group="arm", metric="converted")
    assert res.to_frame()["treatment"].tolist() == ["B", "qa"]


def test_a_column_of_one_row_per_group_is_not_the_arm_column():
    # a user id or a metric passed as `group`: every row its own arm
    gen = np.random.default_rng(4)
    df = pd.DataFrame({"user": np.arange(500), "arm": gen.choice(["control", "B"], 500),
                       "converted": (gen.random(500) < 0.1).astype(int)})
    with pytest.raises(InputError, match="column 'user' has 500 groups in 500 rows"):
        analyze(df, group="user", metric="converted")
    # stray labels next to real arms are analysed (the sample-ratio check flags them), however
    # many groups they make: most rows belong to the real arms
    df.loc[:2, "arm"] = ["qa", "debug", "test"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = analyze(df, group="arm", metric="converted")
    assert any(issubclass(w.category, SmallSampleWarning) for w in caught)
    assert res.srm.mismatch and len(res.to_frame()) == 4


@pytest.mark.parametrize("order", [["revenue", "rare"], ["rare", "revenue"]])
def test_a_rare_binary_metric_beside_a_continuous_one_warns_in_either_order(order):
    gen = np.random.default_rng(0)
    df = pd.DataFrame({"arm": gen.choice(["control", "B"], 2000), "revenue": gen.normal(10, 2, 2000),
                       "rare": (gen.random(2000) < 0.002).astype(int)})
    with pytest.warns(SmallSampleWarning, match="1 comparison.* of the binary metric.* 'rare'"):
        res = analyze(df, group="arm", metric=order)
    assert sorted(res.to_frame()["metric"]) == ["rare", "revenue"]


def test_rare_binary_metrics_warn_once_for_all_metrics():
    gen = np.random.default_rng(6)
    df = pd.DataFrame({"arm": gen.choice(["control", "B"], 2000),
                       **{f"m{i}": (gen.random(2000) < 0.002).astype(int) for i in range(8)}})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        analyze(df, group="arm", metric=[f"m{i}" for i in range(8)])
    small = [w for w in caught if issubclass(w.category, SmallSampleWarning)]
    assert len(small) == 1
    # and so do the metrics' other warnings (zero successes in an arm): one line each, not one per metric
    zero = [w for w in caught if "zero successes in an arm" in str(w.message)]
    assert len(zero) == 1 and "of the binary metric(s) 'm" in str(zero[0].message)
    assert "8 comparison(s) of the binary metric(s) 'm0', 'm1', 'm2', 'm3', 'm4' and 3 more" in str(small[0].message)


def test_boolean_arms_take_an_allocation_by_number():
    # a boolean group column: {1: ..., 0: ...} names True and False, as in a Python dict;
    # reference: scipy.stats.chisquare(observed, f_exp=total * [0.4, 0.6])
    from scipy import stats

    rng = np.random.default_rng(5)
    df = pd.DataFrame({"arm": rng.random(2000) < 0.45, "converted": (rng.random(2000) < 0.1).astype(int)})
    sizes = df["arm"].value_counts()
    ref = stats.chisquare([sizes[False], sizes[True]], f_exp=[0.6 * 2000, 0.4 * 2000])
    res = analyze(df, group="arm", metric="converted", allocation={1: 0.4, 0: 0.6})
    assert res.srm.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
    assert dict(zip(res.srm.arms, res.srm.expected_fraction)) == pytest.approx({"True": 0.4, "False": 0.6})


@pytest.mark.parametrize("control", [0, False, "0", "0.0", "False", "false", "FALSE"])
def test_boolean_arms_take_a_control_named_as_the_allocation_names_them(control):
    # a boolean arm is named 1/0 or True/False (any case) in `control` as in `allocation`
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"arm": rng.random(400) < 0.45, "y": rng.normal(10, 2, 400)})
    res = analyze(df, group="arm", metric="y", control=control,
                  allocation={"true": 0.4, "FALSE": 0.6})
    assert res.control == "False"
    assert dict(zip(res.srm.arms, res.srm.expected_fraction)) == pytest.approx({"True": 0.4, "False": 0.6})
    with pytest.raises(InputError, match="`control` '2' is not a group"):
        analyze(df, group="arm", metric="y", control="2")
