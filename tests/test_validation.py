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
