"""pandas inputs: labelled Series read by label, pd.NA as missing, object labels, mixed arm labels."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import accuracy_score, f1_score

from scimlkit._errors import InputError
from scimlkit.experiment import (
    analyze,
    analyze_metrics,
    compare_binary,
    compare_many_means,
    compare_many_proportions,
    corrected_ttest,
    cuped,
    delong_test,
    mcnemar_test,
    paired_bootstrap_test,
    srm_test,
)

# -- sample-ratio mismatch: a Series is a mapping from its index to its values -------------------


def _arms_frame(n_a=3981, n_b=6019, seed=3):
    rng = np.random.default_rng(seed)
    arm = np.array(["A"] * n_a + ["B"] * n_b)
    rng.shuffle(arm)
    return pd.DataFrame({"arm": arm, "m": rng.random(arm.size) < 0.1}).astype({"m": int})


def test_srm_reads_value_counts_by_arm_name():
    df = _arms_frame()
    vc = df["arm"].value_counts()
    assert list(vc.index) == ["B", "A"]  # sorted by size, not by name
    # scipy.stats.chisquare([3981, 6019], f_exp=10000 * np.array([0.4, 0.6]))
    ref = stats.chisquare([3981, 6019], f_exp=10_000 * np.array([0.4, 0.6]))
    for allocation in (pd.Series({"A": 0.4, "B": 0.6}), {"A": 0.4, "B": 0.6}, pd.Series({"B": 6, "A": 4})):
        res = srm_test(vc, allocation)
        assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-9) and not res.mismatch
        assert dict(zip(res.arms, res.expected_fraction)) == pytest.approx({"A": 0.4, "B": 0.6})
    assert srm_test(vc.to_dict(), {"A": 0.4, "B": 0.6}).pvalue == pytest.approx(ref.pvalue, rel=1e-9)


def test_srm_takes_groupby_size_with_a_mapping():
    df = _arms_frame(5000, 5100)
    sizes = df.groupby("arm").size()
    # scipy.stats.chisquare([5000, 5100])
    assert srm_test(sizes, {"A": 0.5, "B": 0.5}).pvalue == pytest.approx(stats.chisquare([5000, 5100]).pvalue)
    assert srm_test(sizes).arms == ["A", "B"]


def test_analyze_reads_an_allocation_series_by_arm_name():
    df = _arms_frame()
    res = analyze(df, group="arm", metric="m", allocation=pd.Series({"B": 0.6, "A": 0.4}))
    assert res.srm.pvalue == pytest.approx(stats.chisquare([3981, 6019], f_exp=[4000, 6000]).pvalue)
    assert not res.srm.mismatch
    # integer arms are matched by their text: allocation {0: .4, 1: .6} for arms 0 and 1
    df["code"] = (df["arm"] == "B").astype(int)
    res = analyze(df, group="code", metric="m", allocation=pd.Series({1: 0.6, 0: 0.4}))
    assert res.srm.expected_fraction == pytest.approx([0.4, 0.6]) and not res.srm.mismatch


def test_srm_series_with_range_index_is_labelled_by_it():
    res = srm_test(pd.Series([500, 520]), pd.Series([1.0, 1.0]))
    assert res.arms == ["0", "1"]
    with pytest.raises(InputError, match="by arm name"):
        srm_test([500, 520], pd.Series([1.0, 1.0]))
    assert srm_test([500, 520], pd.Series([1.0, 1.0]).to_numpy()).arms == ["arm0", "arm1"]


@pytest.mark.parametrize(("counts", "allocation", "match"), [
    (pd.Series([10, 12, 11], index=["A", "B", "A"]), None, "names arm 'A' twice"),
    (pd.Series({"A": 10, "B": 12}), pd.Series([1, 2, 3], index=["A", "B", "B"]), "names arm 'B' twice"),
    (pd.Series([10, 12], index=pd.Index([0, "0"], dtype=object)), None, r"0 \(int\) and '0' \(str\)"),
    ({0: 10, "0": 12}, None, "same arm '0'"),
    (pd.Series({"B": 6019, "A": 3981}), [0.4, 0.6], "by arm name"),   # positional weights, size order
    (pd.Series({"A": 10, "B": 12}), {"A": 1, "C": 1}, "same arms"),
    (pd.DataFrame({"n": [10, 12]}), None, "DataFrame"),
])
def test_srm_refuses_ambiguous_labels(counts, allocation, match):
    with pytest.raises(InputError, match=match):
        srm_test(counts, allocation)


def test_srm_series_with_equal_positional_weights_is_fine():
    # equal weights do not depend on the order of the arms
    assert srm_test(pd.Series({"B": 600, "A": 400}), [1, 1]).mismatch


# -- many metrics: a per-metric Series names its metrics ----------------------------------------


def test_compare_many_proportions_names_metrics_by_series_index():
    xc = pd.Series({"signup": 100, "share": 40, "click": 300})
    xt = pd.Series({"signup": 130, "share": 42, "click": 390})
    res = compare_many_proportions(xc, 2000, xt, 2000)
    assert res.to_frame()["metric"].tolist() == ["signup", "share", "click"]
    plain = compare_many_proportions(xc.to_numpy(), 2000, xt.to_numpy(), 2000)
    np.testing.assert_allclose(res.table["pvalue"], plain.table["pvalue"], rtol=0, atol=0)
    assert compare_many_proportions(xc, 2000, xt, 2000, names=list("abc")).table["metric"].tolist() == list("abc")
    # a RangeIndex (columns of a table) is not used for names
    assert compare_many_proportions(xc.reset_index(drop=True), 2000, xt.reset_index(drop=True),
                                    2000).table["metric"].tolist() == ["metric0", "metric1", "metric2"]


def test_compare_many_refuses_series_with_different_indexes():
    xc = pd.Series({"signup": 100, "share": 40, "click": 300})
    xt = pd.Series({"click": 390, "signup": 130, "share": 42})    # same metrics, another order
    with pytest.raises(InputError, match="in a different order"):
        compare_many_proportions(xc, 2000, xt, 2000)
    with pytest.raises(InputError, match="names metric 'a' twice"):
        compare_many_proportions(pd.Series([1, 2], index=["a", "a"]), 100, pd.Series([3, 4], index=["a", "a"]), 100)
    stats_ = {"mean_control": pd.Series({"x": 5.0, "y": 30.0}), "sd_control": 2.0, "n_control": 1000,
              "mean_treatment": pd.Series({"y": 30.1, "x": 5.4}), "sd_treatment": 2.0, "n_treatment": 1000}
    with pytest.raises(InputError, match="`mean_treatment` and `mean_control`"):
        compare_many_means(**stats_)
    # metrics named at different rows, even where the two indexes do not hold the same names
    with pytest.raises(InputError, match="name metric 'ctr' at different rows"):
        compare_many_proportions(pd.Series([100, 500, 40], index=["ctr", "rev", "aov"]), 1000,
                                 pd.Series([520, 105, 45], index=["rev", "ctr", "conv"]), 1000)
    stats_["mean_treatment"] = stats_["mean_treatment"].reindex(["x", "y"])
    assert compare_many_means(**stats_).table["metric"].tolist() == ["x", "y"]


def test_compare_many_pairs_the_arms_of_a_long_table_by_position():
    long = pd.DataFrame({"metric": ["signup", "signup", "click", "click"], "arm": ["c", "t"] * 2,
                         "successes": [100, 130, 300, 390], "trials": 2000})
    c, t = long[long.arm == "c"], long[long.arm == "t"]  # indexes [0, 2] and [1, 3]
    res = compare_many_proportions(c.successes, c.trials, t.successes, t.trials, names=c.metric)
    plain = compare_many_proportions([100, 300], 2000, [130, 390], 2000, names=["signup", "click"])
    pd.testing.assert_frame_equal(res.to_frame(), plain.to_frame())
    # without names= the integer row labels are no metric names
    assert compare_many_proportions(c.successes, c.trials, t.successes, t.trials).table["metric"].tolist() == [
        "metric0", "metric1"]


def test_analyze_metrics_takes_names_from_the_index():
    table = pd.DataFrame({"metric": ["a", "b"], "successes_control": [50, 80], "trials_control": 1000,
                          "successes_treatment": [75, 81], "trials_treatment": 1000}).set_index("metric")
    assert analyze_metrics(table).table["metric"].tolist() == ["a", "b"]
    # a table sorted by a column keeps integer row labels, which are not names
    wide = table.reset_index(drop=True).sort_values("successes_treatment", ascending=False)
    assert analyze_metrics(wide).table["metric"].tolist() == ["metric0", "metric1"]


# -- pd.NA is a missing value ---------------------------------------------------------------------


def _text(values):
    return pd.Series(list(values), dtype="string")


def test_mcnemar_and_bootstrap_refuse_pd_na_labels():
    y = pd.Series(["a", "b", None, "a"], dtype="string")
    a, b = _text("abaa"), _text("aaab")
    with pytest.raises(InputError, match="`y_true` contains 1 missing value"):
        mcnemar_test(y, a, b)
    with pytest.raises(InputError, match="`y_true` contains 1 missing value"):
        paired_bootstrap_test(y, a, b, accuracy_score)
    with pytest.raises(InputError, match="`pred_b` contains 1 missing value"):
        paired_bootstrap_test(a, b, pd.Series(["a", pd.NA, "a", "b"], dtype="string"), accuracy_score)
    yb = pd.Series([True, False, None, True], dtype="boolean")
    with pytest.raises(InputError, match="`y_true` contains 1 missing value"):
        mcnemar_test(yb, [True, False, True, True], [True, True, True, False])
    with pytest.raises(InputError, match="`pred_a` contains 1 missing value"):
        mcnemar_test([True, False, True, True], yb, [True, True, True, False])


def test_nullable_labels_without_gaps_work():
    # the same data as plain arrays and as nullable pandas dtypes give the same answer
    y, a, b = list("abbaabab"), list("abbbabaa"), list("abbaabbb")
    ref = mcnemar_test(np.array(y), np.array(a), np.array(b))
    res = mcnemar_test(_text(y), _text(a), _text(b))
    assert (res.only_a_correct, res.only_b_correct, res.pvalue) == (ref.only_a_correct, ref.only_b_correct,
                                                                     ref.pvalue)
    yb = pd.Series([True, False, True, True, False], dtype="boolean")
    res = mcnemar_test(yb, [1, 0, 0, 1, 0], [1, 1, 1, 1, 0])
    assert (res.accuracy_a, res.accuracy_b) == (0.8, 0.8)


def test_delong_and_compare_binary_name_pd_na_as_missing():
    y = pd.Series([True, False, None, True, False, True], dtype="boolean")
    with pytest.raises(InputError, match="`y_true` contains 1 missing value"):
        delong_test(y, np.arange(6.0), np.arange(6.0))
    with pytest.raises(InputError, match="`control` contains 1 missing value"):
        compare_binary(y, [1, 0, 1])


# -- object labels reach the metric with a proper dtype -------------------------------------------


def test_paired_bootstrap_converts_object_int_labels():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 200)
    a = np.where(rng.random(200) < 0.7, y, 1 - y)
    b = np.where(rng.random(200) < 0.8, y, 1 - y)
    ref = paired_bootstrap_test(y, a, b, f1_score, n_resamples=100, rng=5)
    res = paired_bootstrap_test(y.astype(object), a.astype(object), pd.Series(b, dtype=object), f1_score,
                                n_resamples=100, rng=5)
    assert res.metric_a == pytest.approx(f1_score(y, a)) and res.metric_b == pytest.approx(f1_score(y, b))
    np.testing.assert_array_equal(res.distribution, ref.distribution)
    # object booleans and object floats too
    res = paired_bootstrap_test(y.astype(bool).astype(object), a.astype(bool), b.astype(bool), f1_score,
                                n_resamples=100, rng=5)
    assert res.metric_a == pytest.approx(f1_score(y, a))
    res = paired_bootstrap_test(y.astype(float).astype(object), a.astype(float), b.astype(float).astype(object),
                                f1_score, n_resamples=100, rng=5)
    np.testing.assert_array_equal(res.distribution, ref.distribution)


def test_labels_beyond_2_53_stay_distinct():
    big = 2**53
    y = np.array([big + 1, big, 2.5] * 20, dtype=object)  # ints and a float: not one float column
    b = np.array([big, big, 2.5] * 20, dtype=object)
    res = mcnemar_test(y, y, b)  # B mistakes every big + 1 for big: they must not merge as floats
    assert res.accuracy_a == 1.0 and res.accuracy_b == pytest.approx(2 / 3) and res.pvalue < 1e-4


def test_paired_bootstrap_names_mixed_label_types():
    y = np.array([0, 1, "1", 0, 1, "0"] * 10, dtype=object)
    p = np.array([0, 1, 1, 0, 1, 0] * 10)
    with pytest.raises(InputError, match=r"full evaluation set.*`y_true` holds values of several types \(int, str\)"
                       ) as info:
        paired_bootstrap_test(y, p, p, f1_score, n_resamples=100)
    assert "stratify" not in str(info.value)


def test_paired_bootstrap_stratifies_text_labels():
    rng = np.random.default_rng(4)
    y = np.array(["cat", "dog", "eel"], dtype=object)[rng.integers(0, 3, 150)]
    a = np.where(rng.random(150) < 0.7, y, "cat")
    res = paired_bootstrap_test(pd.Series(y, dtype="string"), a, y, accuracy_score, n_resamples=100,
                                stratify=True, rng=0)
    assert res.metric_b == 1.0 and res.metric_a == pytest.approx(accuracy_score(y, a))


# -- analyze: labels that read the same are not merged into one arm ------------------------------


def test_analyze_refuses_labels_that_read_the_same():
    old = pd.DataFrame({"arm": [0, 1] * 50, "m": np.arange(100.0) % 7})
    new = pd.DataFrame({"arm": ["0", "1"] * 50, "m": np.arange(100.0) % 5})
    both = pd.concat([old, new], ignore_index=True)
    with pytest.raises(InputError, match=r"labels 0 \(int\) and '0' \(str\), which would be merged"):
        analyze(both, group="arm", metric="m")
    flags = pd.DataFrame({"arm": pd.Series([True, 1, 0, False] * 25, dtype=object), "m": np.arange(100.0) % 3})
    with pytest.raises(InputError, match=r"True \(bool\) and 1 \(int\)"):
        analyze(flags, group="arm", metric="m")
    # once made one type, the two sources are two arms
    both["arm"] = both["arm"].astype(str)
    assert analyze(both, group="arm", metric="m").to_frame()["n_treatment"].tolist() == [100]


def test_analyze_names_date_and_float32_arms_as_their_column_writes_them():
    days = pd.to_datetime(["2024-03-01", "2024-03-02"] * 50)
    df = pd.DataFrame({"day": days, "rate": np.array([0.6, 0.7] * 50, dtype=np.float32), "m": np.arange(100.0) % 3})
    res = analyze(df, group="day", metric="m", control="2024-03-02", allocation={"2024-03-01": 1, "2024-03-02": 1})
    assert sorted(res.arms) == ["2024-03-01", "2024-03-02"] and res.control == "2024-03-02"
    assert analyze(df, group="rate", metric="m", control="0.6").arms == ["0.6", "0.7"]
    # a control given as a value of the column's type names the arm as written
    assert analyze(df, group="day", metric="m", control=pd.Timestamp("2024-03-02")).control == "2024-03-02"
    df["wait"] = pd.to_timedelta(df["day"] - days.min())
    assert analyze(df, group="wait", metric="m", control=pd.Timedelta(days=1)).control == "1 days"


def test_analyze_keeps_equal_numbers_as_one_arm():
    # 1 and 1.0 are the same arm (an int source concatenated with a float one)
    arm = pd.Series([0, 1, 0.0, 1.0] * 30, dtype=object)
    res = analyze(pd.DataFrame({"arm": arm, "m": np.arange(120.0) % 4}), group="arm", metric="m")
    assert res.arms == ["0", "1"] and res.to_frame()["n_treatment"].tolist() == [60]


# -- paired inputs: Series holding the same rows in another order are refused --------------------


def test_paired_inputs_in_a_different_index_order_are_refused():
    rng = np.random.default_rng(6)
    index = rng.permutation(60)
    y = pd.Series(rng.integers(0, 2, 60), index=index)
    score = pd.Series(y + rng.normal(0, 1, 60), index=index)
    shuffled = score.sort_index()
    with pytest.raises(InputError, match="`score_b` and `y_true` have indexes with the same labels"):
        delong_test(y, score, shuffled)
    pred = (score > 0.5).astype(int)
    with pytest.raises(InputError, match="same labels in a different order"):
        mcnemar_test(y, pred, pred.sort_index())
    with pytest.raises(InputError, match="same labels in a different order"):
        paired_bootstrap_test(y.sort_index(), pred, pred, accuracy_score)
    with pytest.raises(InputError, match="`control_covariate` and `control`"):
        cuped(score, score, score.sort_index(), score)
    with pytest.raises(InputError, match="`scores_b` and `scores_a`"):
        corrected_ttest(pd.Series([0.8, 0.7, 0.9], index=["f2", "f0", "f1"]),
                        pd.Series([0.75, 0.9, 0.8], index=["f0", "f1", "f2"]), n_train=100, n_test=50)
    # a fresh RangeIndex next to a test split's index is paired by position, as NumPy arrays are
    ref = delong_test(y.to_numpy(), score.to_numpy(), shuffled.to_numpy())
    res = delong_test(y, score.reset_index(drop=True), shuffled.to_numpy())
    assert res.pvalue == ref.pvalue


def test_compare_models_cli_names_missing_labels(tmp_path, capsys):
    from scimlkit.cli import main

    frame = pd.DataFrame({"y": pd.Series([1, 0, None, 1, 0, 1], dtype="boolean"),
                          "a": [0.9, 0.2, 0.4, 0.7, 0.3, 0.6], "b": [0.8, 0.1, 0.5, 0.9, 0.2, 0.7]})
    path = tmp_path / "scores.parquet"
    frame.to_parquet(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rc = main(["experiment", "compare-models", str(path), "--label", "y", "--score-a", "a", "--score-b", "b"])
    err = capsys.readouterr().err
    assert rc == 2 and "contains 1 missing value" in err and len(err.strip().splitlines()) == 1


def test_srm_refuses_the_missing_arm_of_value_counts():
    arms = pd.Series(["A"] * 500 + ["B"] * 520 + [None] * 7)
    with pytest.raises(InputError, match="missing arm label"):
        srm_test(arms.value_counts(dropna=False))
    assert srm_test(arms.value_counts()).observed == [520, 500]
    # a float index next to an integer-keyed allocation, and labels 1 and 1.0 as two arms
    codes = pd.Series([1.0] * 500 + [2.0] * 520 + [np.nan] * 7)
    res = srm_test(codes.value_counts(), pd.Series({1: 1, 2: 1}))
    assert res.pvalue == pytest.approx(stats.chisquare([520, 500]).pvalue, rel=1e-9)
    with pytest.raises(InputError, match="same arm '1'"):
        srm_test(pd.Series([10, 12], index=pd.Index([1, 1.0], dtype=object)))


def test_analyze_matches_an_integer_allocation_to_a_float_group_column():
    df = pd.DataFrame({"g": [1.0] * 50 + [2.0] * 150, "m": np.tile([0.0, 1.0], 100)})
    res = analyze(df, group="g", metric="m", allocation={1: 0.25, 2: 0.75})
    assert res.srm.expected_fraction == pytest.approx([0.25, 0.75]) and not res.srm.mismatch


def test_analyze_keeps_distinct_strings_as_distinct_arms():
    # a text group column with the arms "2" and "2.0": two names, two arms
    df = pd.DataFrame({"g": ["2"] * 60 + ["2.0"] * 140, "m": np.tile([0.0, 1.0], 100)})
    res = analyze(df, group="g", metric="m")
    assert res.arms == ["2", "2.0"] and res.srm.arms == ["2", "2.0"] and res.srm.observed == [60, 140]
    res = analyze(df, group="g", metric="m", allocation={"2.0": 0.7, "2": 0.3})
    assert res.srm.expected_fraction == pytest.approx([0.3, 0.7]) and not res.srm.mismatch
    # an allocation that does not name the arms says so in terms of the column, not of `counts`
    with pytest.raises(InputError, match="the groups of column 'g'") as info:
        analyze(df, group="g", metric="m", allocation={2: 0.3, "x": 0.7})
    assert "`counts`" not in str(info.value)


def test_analyze_control_given_as_text_names_a_numeric_arm():
    # `control="0"` (as a command line gives it) names the arm 0.0 of a float column, as the
    # allocation {"0": 1, "1": 1} does; it names no string arm written another way
    df = pd.DataFrame({"g": [0.0] * 50 + [1.0] * 150, "m": np.tile([0.0, 1.0], 100)})
    for control in ("0", "0.0", 0, np.int64(0)):
        res = analyze(df, group="g", metric="m", control=control, allocation={"0": 1, "1": 3})
        assert res.control == "0.0" and res.srm.expected_fraction == pytest.approx([0.25, 0.75])
    assert analyze(df, group="g", metric="m", control="1").control == "1.0"
    text = pd.DataFrame({"g": ["0.0"] * 50 + ["x"] * 50, "m": np.tile([0.0, 1.0], 50)})
    with pytest.raises(InputError, match="`control` '0' is not a group"):
        analyze(text, group="g", metric="m", control="0")
