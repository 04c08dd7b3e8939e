"""Sample-ratio mismatch: scipy.stats.chisquare references and bad input."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scimlkit._errors import InputError
from scimlkit.experiment import srm_test


@pytest.mark.parametrize(
    ("counts", "allocation"),
    [([50_000, 50_600], None), ([10_000, 10_500, 9_400], [1, 1, 1]), ([20_100, 9_800], [2, 1]),
     ([5000, 2600, 2400, 10], [0.5, 0.25, 0.25, 0.001])],
)
def test_matches_scipy_chisquare(counts, allocation):
    counts = np.array(counts)
    frac = np.ones(counts.size) if allocation is None else np.asarray(allocation, float)
    frac = frac / frac.sum()
    # scipy.stats.chisquare(counts, f_exp=counts.sum() * frac)
    ref = stats.chisquare(counts, f_exp=counts.sum() * frac)
    res = srm_test(counts, allocation)
    assert res.statistic == pytest.approx(ref.statistic, rel=1e-6)
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-6)
    assert res.df == counts.size - 1
    assert res.mismatch == (ref.pvalue < 0.001)


def test_named_arms_and_frame():
    res = srm_test({"control": 1000, "B": 1300}, {"control": 1, "B": 1})
    assert res.arms == ["control", "B"] and res.mismatch
    frame = res.to_frame()
    assert list(frame["expected"]) == [1150.0, 1150.0]
    assert srm_test({"control": 1000, "B": 1300}, {"B": 1.3, "control": 1.0}).pvalue > 0.5


def test_type_one_error_simulation():
    # 4,000 seeded assignments of 10,000 users to a planned 50/30/20 split: the mismatch rate
    # at alpha = 0.05 within 3.5 binomial SDs (3.5 * sqrt(0.05 * 0.95 / 4000) = 0.012) of 0.05
    rng = np.random.default_rng(8)
    k = 4000
    draws = rng.multinomial(10_000, [0.5, 0.3, 0.2], size=k)
    rate = np.mean([srm_test(row, [5, 3, 2], alpha=0.05).mismatch for row in draws])
    assert abs(rate - 0.05) < 3.5 * np.sqrt(0.05 * 0.95 / k)


@pytest.mark.parametrize(
    ("counts", "allocation", "kwargs", "match"),
    [
        ([100], None, {}, "at least 2 arms"),
        ([0, 0], None, {}, "all zero"),
        ([-1, 5], None, {}, "counts"),
        ([1.5, 5], None, {}, "whole-number"),
        ([10, 12], [1, 1, 1], {}, "one weight per arm"),
        ([10, 12], [1, 0], {}, "> 0"),
        ([10, 12], [1, np.nan], {}, "NaN"),
        ({"a": 10, "b": 12}, {"a": 1, "c": 1}, {}, "same arms"),
        ([10, 12], {"a": 1}, {}, "mapping"),
        ([10, 12], None, {"alpha": 0}, "alpha"),
    ],
)
def test_bad_input(counts, allocation, kwargs, match):
    with pytest.raises(InputError, match=match):
        srm_test(counts, allocation, **kwargs)


def test_whole_number_arms_match_whatever_their_type():
    # a float index (a group column with missing values reads as float) against an allocation
    # given with integers, and the other way round: both name the arms 1 and 2
    ref = stats.chisquare([500, 520], f_exp=[255.0, 765.0])
    for counts, allocation in [({1.0: 500, 2.0: 520}, {1: 1, 2: 3}), ({1: 500, 2: 520}, {1.0: 1, 2.0: 3}),
                               ({np.float64(1): 500, np.int64(2): 520}, {"1": 1, "2.0": 3})]:
        res = srm_test(counts, allocation)
        assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
        assert res.expected_fraction == pytest.approx([0.25, 0.75])
    # zero-padded codes are text, not numbers, and distinct strings are distinct arms
    with pytest.raises(InputError, match="same arms"):
        srm_test({"01": 500, "02": 520}, {1: 1, 2: 3})
    with pytest.raises(InputError, match="same arms"):
        srm_test({"1.0": 500, "2.0": 520}, {"1": 1, "2": 3})


def test_distinct_strings_are_distinct_arms():
    # "2" and "2.0" are two arm names (a whole number written two ways is one arm only as a number)
    res = srm_test({"2": 500, "2.0": 520}, {"2.0": 3, "2": 1})
    assert res.arms == ["2", "2.0"] and res.expected_fraction == pytest.approx([0.25, 0.75])
    assert res.pvalue == pytest.approx(stats.chisquare([500, 520], f_exp=[255.0, 765.0]).pvalue, rel=1e-9)
    # a number in the allocation does not name a string arm written another way
    with pytest.raises(InputError, match=r"missing \['2.0'\], unknown \['2'\]"):
        srm_test({"2.0": 500, "x": 520}, {2: 1, "x": 1})
    # numbers equal in value still name one arm, and the same text twice is refused
    with pytest.raises(InputError, match="same arm '2'"):
        srm_test(pd.Series([10, 12], index=pd.Index([2, np.float32(2.0)], dtype=object)))
    with pytest.raises(InputError, match="same arm '2.0'"):
        srm_test(pd.Series([10, 12], index=pd.Index([2.0, "2.0"], dtype=object)))


@pytest.mark.parametrize("label", [np.nan, None, float("nan")])
def test_missing_arm_label_is_refused(label):
    with pytest.raises(InputError, match="missing arm label"):
        srm_test({"A": 500, "B": 520, label: 7})
    with pytest.raises(InputError, match="missing arm label"):
        srm_test({"A": 500, "B": 520}, {"A": 1, "B": 1, label: 1})


def test_boolean_arms_are_the_numbers_they_equal():
    # True == 1 and False == 0 (one key in a Python dict, one value in pandas), so an allocation
    # by number names the arms of a boolean column, as 1.0 names the arm 1;
    # reference: scipy.stats.chisquare([1435, 1565], f_exp=[1200, 1800])
    ref = stats.chisquare([1435, 1565], f_exp=[1200.0, 1800.0])
    counts = pd.Series([True] * 1435 + [False] * 1565).value_counts()
    for allocation in ({1: 0.4, 0: 0.6}, {1.0: 0.4, 0.0: 0.6}, {"1": 0.4, "0": 0.6}, {"True": 0.4, "False": 0.6}):
        res = srm_test(counts, allocation)
        assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
        assert dict(zip(res.arms, res.expected_fraction)) == pytest.approx({"True": 0.4, "False": 0.6})
    res = srm_test({1: 1435, 0: 1565}, {True: 0.4, False: 0.6})
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
    # and a boolean next to its number names one arm twice
    with pytest.raises(InputError, match="same arm '1'"):
        srm_test(pd.Series([10, 12], index=pd.Index([True, 1], dtype=object)))
    with pytest.raises(InputError, match="same arm '0'"):
        srm_test(pd.Series([10, 12], index=pd.Index([np.bool_(False), 0.0], dtype=object)))


def test_planned_arm_without_users_is_counted_as_zero():
    # value_counts() leaves out an arm nobody reached; the allocation still plans it
    sizes = pd.Series(["control"] * 500 + ["B"] * 480).value_counts()
    res = srm_test(sizes, {"control": 1, "B": 1, "C": 1})
    ref = stats.chisquare([500, 480, 0])  # scipy.stats.chisquare, equal expected shares
    assert res.arms == ["control", "B", "C"] and res.observed == [500, 480, 0] and res.df == 2
    assert res.statistic == pytest.approx(ref.statistic) and res.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
    assert res.mismatch
    # an arm of the counts left out of the allocation is still refused
    with pytest.raises(InputError, match=r"missing \['B'\]"):
        srm_test(sizes, {"control": 1, "C": 1})
