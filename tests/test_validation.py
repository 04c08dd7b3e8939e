import numpy as np
import pandas as pd
import pytest

from scimlkit._errors import InputError
from scimlkit._validation import (
    check_alpha,
    check_array,
    check_binary,
    check_columns,
    check_counts,
    check_frame,
    check_int,
    check_option,
    check_rng,
    check_same_length,
    check_scalar,
)


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1, float("nan"), "0.05", None, True])
def test_alpha_rejects_outside_open_interval(bad):
    with pytest.raises(InputError, match="`alpha`"):
        check_alpha(bad)


def test_alpha_message_names_interval_and_value():
    with pytest.raises(InputError, match=r"`alpha` must be in \(0, 1\), got 1.5"):
        check_alpha(1.5)
    assert check_alpha(0.05) == 0.05


def test_scalar_closed_ends():
    assert check_scalar(0.0, "x", low=0, high=1, closed="left") == 0.0
    with pytest.raises(InputError, match=r"\(0, 1\]"):
        check_scalar(0.0, "x", low=0, high=1, closed="right")
    assert check_scalar(None, "x", allow_none=True) is None


def test_int_accepts_integral_floats_only():
    assert check_int(3.0, "n") == 3
    assert isinstance(check_int(np.int64(4), "n"), int)
    for bad in (3.5, "3", True, float("inf")):
        with pytest.raises(InputError, match="`n` must be an integer"):
            check_int(bad, "n")
    with pytest.raises(InputError, match=r"\[1, inf\]"):
        check_int(0, "n", low=1)


def test_option_case_insensitive_and_listed():
    assert check_option("HOLM", "method", ["holm", "bonferroni"]) == "holm"
    with pytest.raises(InputError, match="'holm', 'bonferroni'"):
        check_option("sidak", "method", ["holm", "bonferroni"])


def test_option_of_numbers_takes_no_boolean_and_returns_the_option():
    # True == 1 in Python: a boolean must not pass for the number 1 (sides=True read as one side)
    for flag in (True, np.True_, False):
        with pytest.raises(InputError, match="`sides` must be one of 1, 2"):
            check_option(flag, "sides", (1, 2))
    assert check_option(True, "flag", (None, True, False)) is True
    assert check_option(None, "flag", (None, True, False)) is None
    got = check_option(np.int64(2), "sides", (1, 2))
    assert got == 2 and type(got) is int
    with pytest.raises(InputError, match="`sides` must be one of"):  # an array is no option
        check_option(np.array([1, 2]), "sides", (1, 2))


def test_array_checks():
    assert check_array([1, 2, 3], "x").dtype == float
    with pytest.raises(InputError, match="`x` contains 1 NaN"):
        check_array([1, np.nan], "x")
    with pytest.raises(InputError, match="infinite"):
        check_array([1, np.inf], "x")
    with pytest.raises(InputError, match="at least 1 value"):
        check_array([], "x")
    with pytest.raises(InputError, match="must be 1-D"):
        check_array([[1, 2]], "x")
    with pytest.raises(InputError, match="numeric"):
        check_array(["a", "b"], "x")
    assert check_array(pd.Series([1.0, np.nan]), "x", allow_nan=True).shape == (2,)


def test_binary_labels():
    assert check_binary([0, 1, 1.0, True], "y").tolist() == [0, 1, 1, 1]
    with pytest.raises(InputError, match="only 0 and 1"):
        check_binary([0, 1, 2], "y")
    with pytest.raises(InputError, match="single class"):
        check_binary([1, 1, 1], "y")
    with pytest.raises(InputError, match="NaN"):
        check_binary([0, np.nan, 1], "y")


def test_counts():
    assert check_counts([3, 4.0], "successes").dtype == np.int64
    with pytest.raises(InputError, match="counts >= 0"):
        check_counts([-1, 2], "successes")
    with pytest.raises(InputError, match="whole-number"):
        check_counts([1.5], "successes")


def test_same_length_and_columns():
    assert check_same_length(a=[1, 2], b=[3, 4]) == 2
    with pytest.raises(InputError, match="`a` has 2, `b` has 3"):
        check_same_length(a=[1, 2], b=[1, 2, 3])
    frame = pd.DataFrame({"x": [1], "y": [2]})
    check_columns(frame, ["x"])
    with pytest.raises(InputError, match="column 'z' not found in the table; available: x, y"):
        check_columns(frame, ["z"])
    with pytest.raises(InputError, match="DataFrame"):
        check_frame([1, 2], "reference")
    with pytest.raises(InputError, match="at least 1 row"):
        check_frame(pd.DataFrame({"x": []}), "current")


def test_rng_is_reproducible():
    assert check_rng(3).random() == check_rng(3).random()
    gen = np.random.default_rng(1)
    assert check_rng(gen) is gen
    with pytest.raises(InputError, match="`rng`"):
        check_rng("seed")
    with pytest.raises(InputError, match=">= 0"):
        check_rng(-1)


# -- masked arrays and pandas' missing values -----------------------------------------------------
MASKED = np.ma.masked_array([1.0, 2.0, 3.0, 1000.0], mask=[0, 0, 0, 1])


def test_masked_entries_are_missing_values_not_the_numbers_under_the_mask():
    with pytest.raises(InputError, match=r"`x` contains 1 masked \(missing\) value\(s\)"):
        check_array(MASKED, "x")
    got = check_array(MASKED, "x", allow_nan=True)
    assert np.isnan(got[3]) and got[:3].tolist() == [1.0, 2.0, 3.0]
    assert check_array(np.ma.masked_array([1.0, 2.0], mask=[0, 0]), "x").tolist() == [1.0, 2.0]
    with pytest.raises(InputError, match="masked"):
        check_array(np.ma.masked_array([1, 2], mask=[0, 1]), "k", dtype=np.int64, allow_nan=True)
    with pytest.raises(InputError, match=r"`k` contains 1 masked"):
        check_counts(np.ma.masked_array([1, 2], mask=[0, 1]), "k")
    assert np.isnan(check_frame(MASKED.reshape(2, 2), "f").iloc[1, 1])


def test_public_functions_do_not_read_the_numbers_under_a_mask():
    from scimlkit.experiment import compare_means

    # before: mean_control came out as 251.5, the masked 1000 taken as a value
    with pytest.raises(InputError, match="masked"):
        compare_means(MASKED, [1.5, 2.5, 3.5, 2.0])


def test_binary_labels_with_missing_values_say_so():
    with pytest.raises(InputError, match=r"`y` contains 1 missing value\(s\); labels must be 0 or 1"):
        check_binary(pd.Series([True, False, None, True], dtype="boolean"), "y")
    with pytest.raises(InputError, match=r"`y` contains 2 missing value\(s\)"):
        check_binary(np.array([1, None, 0, None], dtype=object), "y")
    with pytest.raises(InputError, match="`y` contains 1 NaN"):
        check_binary(pd.Series([1, None, 0], dtype="Int64"), "y")
    with pytest.raises(InputError, match=r"`y` contains 1 masked"):
        check_binary(np.ma.masked_array([0, 1, 1], mask=[0, 0, 1]), "y")
    assert check_binary(pd.Series([True, False], dtype="boolean"), "y").tolist() == [1, 0]


def test_nullable_pandas_columns_give_nan_for_missing_values():
    got = check_array(pd.Series([True, None, False], dtype="boolean"), "x", allow_nan=True)
    assert got[0] == 1.0 and np.isnan(got[1]) and got[2] == 0.0
    with pytest.raises(InputError, match="`x` contains 1 NaN"):
        check_array(pd.Series([1.5, None], dtype="Float64"), "x")


def test_real_numbers_in_object_columns():
    from decimal import Decimal

    from scimlkit._validation import is_real_number, real_number_check

    assert all(is_real_number(v) for v in (1, 2.5, Decimal("0.10"), np.int8(3), np.float32(1.5), 2**80))
    assert not any(is_real_number(v) for v in (True, np.bool_(False), "1", 1j, None, b"1"))
    assert real_number_check(np.array([Decimal("1.5"), None, 3, np.nan, pd.NA], dtype=object)) == ("number", None)
    assert real_number_check([Decimal("1.5"), 2.5, np.int64(3)]) == ("number", None)  # a "mixed" column
    assert real_number_check(pd.Series([1, pd.NA, 3], dtype=object)) == ("number", None)  # integers and NA
    assert real_number_check(pd.Series([1, pd.NA, "x"], dtype=object)) == ("other", "x")
    assert real_number_check([1, True]) == ("other", True)
    assert real_number_check([Decimal("1"), "2"]) == ("other", "2")
    assert real_number_check([None, np.nan]) == ("empty", None)
    # a Python int beyond the float range is no number a float column holds
    assert real_number_check(np.array([10**400, 1, 2], dtype=object)) == ("other", 10**400)
    assert real_number_check([Decimal("1"), 10**400]) == ("other", 10**400)
    assert real_number_check(np.array([2**70, None], dtype=object)) == ("number", None)


def test_nullable_column_into_an_integer_dtype_refuses_its_gaps():
    with pytest.raises(InputError, match="`x` contains 1 missing value.*int64"):
        check_array(pd.Series([1, None], dtype="Int64"), "x", dtype=np.int64)
    assert check_array(pd.Series([1, 2], dtype="Int64"), "x", dtype=np.int64).tolist() == [1, 2]
