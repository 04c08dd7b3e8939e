"""Small pieces shared by the analysis functions: intervals, alternatives, normal p-values."""

from __future__ import annotations

import math
import numbers
import sys
from typing import NamedTuple

import numpy as np
from scipy import special

from .._errors import InputError
from .._validation import check_alpha, check_option, describe

ALTERNATIVES = ("two-sided", "larger", "smaller")
_ALIASES = {"greater": "larger", "less": "smaller", "two_sided": "two-sided", "2s": "two-sided"}


class ConfidenceInterval(NamedTuple):
    """A confidence interval ``(low, high)``."""

    low: float
    high: float


def check_alternative(value) -> str:
    """Accept ``two-sided``, ``larger`` (or ``greater``), ``smaller`` (or ``less``)."""
    if isinstance(value, str):
        value = _ALIASES.get(value.lower(), value)
    return check_option(value, "alternative", ALTERNATIVES)


def check_level(level, name: str = "level") -> float:
    """A confidence level in (0, 1)."""
    return check_alpha(level, name)


def z_critical(level: float, alternative: str = "two-sided") -> float:
    """The normal quantile that gives coverage ``level`` for the chosen alternative."""
    tail = (1.0 - level) / 2.0 if alternative == "two-sided" else 1.0 - level
    return float(-special.ndtri(tail))


def normal_pvalue(z, alternative: str):
    """P-value of a standard-normal statistic (vectorised)."""
    z = np.asarray(z, dtype=float)
    if alternative == "two-sided":
        return np.minimum(2.0 * special.ndtr(-np.abs(z)), 1.0)
    if alternative == "larger":
        return special.ndtr(-z)
    return special.ndtr(z)


def t_pvalue(t, df, alternative: str):
    """P-value of a Student-t statistic with ``df`` degrees of freedom (vectorised)."""
    t = np.asarray(t, dtype=float)
    if alternative == "two-sided":
        return np.minimum(2.0 * special.stdtr(df, -np.abs(t)), 1.0)
    if alternative == "larger":
        return special.stdtr(df, -t)
    return special.stdtr(df, t)


def one_sided(low, high, alternative: str, lower_bound: float, upper_bound: float):
    """Replace the open end of an interval for a one-sided alternative."""
    if alternative == "larger":
        high = np.full_like(np.asarray(high, dtype=float), upper_bound)
    elif alternative == "smaller":
        low = np.full_like(np.asarray(low, dtype=float), lower_bound)
    return low, high


def interval_level(level: float, alternative: str) -> float:
    """Two-sided level whose one end is the one-sided bound at ``level``."""
    return level if alternative == "two-sided" else 2.0 * level - 1.0


def as_float(value):
    """A Python float from a 0-d array or NumPy scalar (arrays are left alone)."""
    arr = np.asarray(value)
    return float(arr) if arr.ndim == 0 else arr


def check_finite_sample(values, name: str, *, min_size: int = 2) -> np.ndarray:
    """A 1-D float sample without NaN/inf and with at least ``min_size`` values."""
    from .._validation import check_array

    arr = check_array(values, name, dtype=float, min_size=0)
    if arr.size == 0:
        raise InputError(f"`{name}` is empty; at least {min_size} values are needed")
    if arr.size < min_size:
        raise InputError(f"`{name}` has {arr.size} value(s); at least {min_size} are needed")
    return arr


_SAFE_PEAK = 2.0**100  # data within [2**-100, 2**100] in magnitude has moments well inside float64


def scaled_by_power_of_two(values: np.ndarray) -> tuple[np.ndarray, float]:
    """``values`` divided by a power of two that keeps their moments finite, and that power.

    Dividing by a power of two is exact, so means and differences multiplied back are what they
    would be without overflow (or underflow); ordinary data is left as it is (the power is 1).
    """
    peak = float(np.max(np.abs(values))) if values.size else 0.0
    if peak == 0.0 or 1.0 / _SAFE_PEAK <= peak <= _SAFE_PEAK:
        return values, 1.0
    scale = math.ldexp(1.0, math.frexp(peak)[1] - 1)
    return values / scale, scale


_ROUND_OFF = 16.0 * np.finfo(float).eps  # relative spread below which values differ by round-off only


def at_round_off(sd, peak):
    """Whether a standard deviation ``sd`` is at the round-off level of values whose largest
    magnitude is ``peak`` (vectorised): a spread of a few units in the last place is what sums
    and differences of equal numbers leave behind, not variation in the data."""
    return np.asarray(sd) <= _ROUND_OFF * np.asarray(peak)


def raw_moments(values: np.ndarray, pivot: float) -> tuple[float, float, float, float]:
    """Mean of ``values - pivot``, sample standard deviation (``ddof=1``), smallest and largest
    value of a raw float sample. The spread is 0 exactly when every value is the same (seven
    copies of 0.1 give 1.5e-17 by the textbook formula); any other spread is kept, however small
    next to the values (whole numbers around 1.7e15 that differ by 1 have a spread of about 1).

    The moments are taken about ``pivot`` (a value near the sample's, such as the control mean):
    summing values near 1.7e15 directly loses whole units, while their distances to a nearby
    pivot are exact. The mean is ``pivot`` plus the first value returned; the same pivot for two
    samples gives their difference of means without the rounding of either mean.
    """
    low, high = float(values.min()), float(values.max())
    if low == high:
        return low - pivot, 0.0, low, high
    shifted = values - pivot
    return float(shifted.mean()), float(shifted.std(ddof=1)), low, high


_RAW_ROUND_OFF = 4.0 * np.finfo(float).eps  # a pooled range of a few units in the last place


def round_off_only(low: float, high: float, *samples: np.ndarray) -> bool:
    """Whether raw samples whose pooled values lie in ``[low, high]`` hold one value computed by
    several routes (``0.3`` next to ``0.1 + 0.2``): every value within a few units in the last
    place of the largest magnitude. Whole numbers below ``2**53`` are exact in floating point,
    so any spread between them is data (timestamps in microseconds that differ by 1)."""
    if high - low > _RAW_ROUND_OFF * max(abs(low), abs(high)):
        return False
    if low == high:
        return True
    return not (max(abs(low), abs(high)) < 2.0**53 and all(np.all(s == np.rint(s)) for s in samples))


def derived_sd(values: np.ndarray, peak) -> float:
    """Sample standard deviation (``ddof=1``) of values computed from terms whose largest
    magnitude is ``peak`` (residuals, differences), 0 when it is at the round-off level of those
    terms: ``y - 2 x`` for ``y = 2 x + 1`` is 1 up to a few units in the last place of ``y``."""
    sd = float(values.std(ddof=1))
    return 0.0 if at_round_off(sd, peak) else sd


# -- pandas inputs -------------------------------------------------------------------------------


def is_series(value) -> bool:
    """Whether ``value`` is a pandas Series (without importing pandas when it is not loaded)."""
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(value, pd.Series)


def labelled_items(value, name: str) -> tuple[list[str], list, list] | None:
    """The arm names (as text), values and labels (as given) of a mapping or a pandas Series,
    else None.

    A Series is always read as a mapping from its index to its values, whatever the index
    (``value_counts()`` and ``groupby(...).size()`` give arm names there; a default
    ``RangeIndex`` gives the arms ``"0", "1", ...``). Duplicated labels are refused, and so are
    two labels that read the same as text (``0`` and ``"0"``) or are the same number (``1``,
    ``1.0`` and ``True``), which would name one arm twice. Distinct strings (``"2"`` and ``"2.0"``) are
    distinct arms.
    """
    from collections.abc import Mapping

    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(value, pd.DataFrame):
        raise InputError(f"`{name}` must be one value per arm (a mapping, Series or sequence), got a DataFrame "
                         f"with columns {describe(list(value.columns))}; pick one column")
    if is_series(value):
        keys, values = list(value.index), value.to_numpy()
    elif isinstance(value, Mapping):
        keys, values = list(value.keys()), list(value.values())
    else:
        return None
    first: dict[str, object] = {}
    for key in keys:
        if _missing_label(key):
            raise InputError(f"`{name}` has a missing arm label ({key!r}); units without an arm point to an "
                             "assignment or logging problem: drop them (`value_counts()` does by default) "
                             "or give their arm a name")
        match = label_key(key)
        for text in dict.fromkeys((match, str(key))):
            if text in first:
                same = first[text] == key if type(first[text]) is type(key) else False
                what = (f"names arm {key!r} twice" if same else
                        f"has the labels {first[text]!r} ({type(first[text]).__name__}) and {key!r} "
                        f"({type(key).__name__}), which name the same arm '{text}'")
                raise InputError(f"`{name}` {what}; give each arm once")
        first[match] = first[str(key)] = key
    return [str(k) for k in keys], values, keys


def is_number(label) -> bool:
    """Whether an arm label is a number (Python's or NumPy's; a boolean is not)."""
    return isinstance(label, numbers.Number) and not isinstance(label, bool | np.bool_)


def label_key(label, text: str | None = None) -> str:
    """The key an arm label is matched by: a number is its whole value when it has one (``1``,
    ``1.0`` and NumPy's ``1`` are one arm, ``"1"``), a boolean is the number it equals (``True``
    is ``1``, as in a Python dict and in pandas), any other label is its text ``text``
    (``str(label)`` by default), so distinct strings (``"2"`` and ``"2.0"``) stay distinct."""
    if isinstance(label, bool | np.bool_):
        return str(int(label))
    text = str(label) if text is None else text
    return arm_key(text) if is_number(label) else text


def _missing_label(key) -> bool:
    """Whether an arm label is a missing value (None, NaN, ``pd.NA``, ``NaT``)."""
    if key is None:
        return True
    pd = sys.modules.get("pandas")
    if pd is not None and np.ndim(key) == 0:
        try:
            return bool(pd.isna(key))
        except (TypeError, ValueError):
            return False
    return isinstance(key, float | np.floating) and math.isnan(key)


def arm_key(text: str) -> str:
    """The key an arm name is matched by: a whole number written as ``1`` or ``1.0`` (an integer
    column next to a float one, e.g. after missing values) is one arm, ``"1"``; any other name
    is its text (``"01"`` and ``"1e0"`` stay apart from ``"1"``)."""
    try:
        value = float(text)
    except (ValueError, OverflowError):
        return text
    if math.isfinite(value) and value.is_integer() and text.strip() in (str(int(value)), repr(value)):
        return str(int(value))
    return text


_BOOLEAN_WORDS = {"true": "1", "false": "0"}


def boolean_key(text: str) -> str | None:
    """The key (``"1"`` or ``"0"``, as :func:`label_key` gives a boolean arm) that a name given as
    text gives a boolean arm: ``1``/``0`` (or ``1.0``/``0.0``) and ``True``/``False`` in any case
    (a CSV file may write ``true``); None for any other name."""
    key = _BOOLEAN_WORDS.get(text.strip().lower(), arm_key(text))
    return key if key in ("0", "1") else None


def check_paired_order(**values) -> None:
    """Refuse paired inputs (one row per example) whose pandas indexes hold the same labels in
    different orders: rows are paired by position, and such inputs would pair the wrong rows
    (for example a Series sorted by its index next to one that is not). Indexes that differ in
    their labels (a test split's index next to another's) are taken by position, and so is a
    ``RangeIndex``, the default index of a freshly made Series (``pd.Series(model.predict(X))``),
    which carries no row labels."""
    import pandas as pd

    indexed = [(name, v.index) for name, v in values.items()
               if isinstance(v, pd.Series | pd.DataFrame) and not isinstance(v.index, pd.RangeIndex)]
    pairs = [(x, y) for i, x in enumerate(indexed) for y in indexed[i + 1:]]
    for (name_a, ia), (name_b, ib) in pairs:
        if len(ia) != len(ib) or ia.equals(ib) or not (ia.is_unique and ib.is_unique):
            continue
        if ia.isin(ib).all():
            raise InputError(f"`{name_b}` and `{name_a}` have indexes with the same labels in a different "
                             f"order; rows are paired by position, so align them first (e.g. "
                             f"`{name_b}.reindex({name_a}.index)`)")
