"""One vocabulary for checking inputs at the boundary.

Each helper raises :class:`~scimlkit._errors.InputError` with a message that names the parameter,
says what it must be and shows what it got, e.g. ``"`alpha` must be in (0, 1), got 1.5"``.
Call them once, up front, in each public function.
"""

from __future__ import annotations

import decimal
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ._errors import InputError

__all__ = [
    "check_scalar",
    "check_int",
    "check_alpha",
    "check_probability",
    "check_option",
    "check_array",
    "check_binary",
    "check_counts",
    "check_same_length",
    "check_columns",
    "check_frame",
    "check_rng",
    "describe",
    "is_real_number",
    "real_number_check",
    "fit_params_of_rows",
]


def describe(value: Any) -> str:
    """A short, safe rendering of a value for an error message."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _q(name: str) -> str:
    """A parameter name in backticks; a phrase such as "column 'price'" as it is."""
    return name if name.startswith("column ") else f"`{name}`"


def _interval_text(low, high, closed: str) -> str:
    left = "[" if closed in ("both", "left") else "("
    right = "]" if closed in ("both", "right") else ")"
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    return f"{left}{lo}, {hi}{right}"


def check_scalar(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    closed: str = "both",
    allow_none: bool = False,
) -> float | None:
    """Check a finite real number, optionally within an interval.

    ``closed`` is one of ``"both"``, ``"left"``, ``"right"``, ``"neither"`` and says which ends of
    ``[low, high]`` are allowed.
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"{_q(name)} must be a real number, got {describe(value)}")
    value = float(value)
    if not math.isfinite(value):
        raise InputError(f"{_q(name)} must be finite, got {value}")
    lo_ok = low is None or (value >= low if closed in ("both", "left") else value > low)
    hi_ok = high is None or (value <= high if closed in ("both", "right") else value < high)
    if not (lo_ok and hi_ok):
        raise InputError(f"{_q(name)} must be in {_interval_text(low, high, closed)}, got {value:g}")
    return value


def check_int(
    value: Any,
    name: str,
    *,
    low: int | None = None,
    high: int | None = None,
    allow_none: bool = False,
) -> int | None:
    """Check an integer (a float with an integral value is accepted) within ``[low, high]``."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool):
        raise InputError(f"{_q(name)} must be an integer, got {describe(value)}")
    if isinstance(value, numbers.Integral):
        value = int(value)
    elif isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
        value = int(value)
    else:
        raise InputError(f"{_q(name)} must be an integer, got {describe(value)}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise InputError(f"{_q(name)} must be in {_interval_text(low, high, 'both')}, got {value}")
    return value


def check_alpha(value: Any, name: str = "alpha") -> float:
    """Check a significance level or any probability in the open interval (0, 1)."""
    return check_scalar(value, name, low=0.0, high=1.0, closed="neither")


def check_probability(value: Any, name: str) -> float:
    """Check a probability in the closed interval [0, 1]."""
    return check_scalar(value, name, low=0.0, high=1.0, closed="both")


def check_option(value: Any, name: str, options: Iterable[Any]) -> Any:
    """Check that ``value`` is one of ``options`` and return that option (strings are matched
    case-insensitively; a boolean matches only a boolean option, never the number 1 or 0)."""
    options = list(options)
    if isinstance(value, str):
        for option in options:
            if isinstance(option, str) and option.lower() == value.lower():
                return option
    else:
        is_bool = isinstance(value, bool | np.bool_)
        for option in options:
            if isinstance(option, str) or is_bool != isinstance(option, bool):
                continue
            try:
                if bool(option == value):
                    return option
            except (TypeError, ValueError):  # an array, or a value that cannot be compared
                continue
    shown = ", ".join(repr(o) for o in options)
    raise InputError(f"{_q(name)} must be one of {shown}, got {describe(value)}")


def check_array(
    values: Any,
    name: str,
    *,
    ndim: int | Sequence[int] = 1,
    dtype: Any = float,
    allow_nan: bool = False,
    allow_inf: bool = False,
    min_size: int = 1,
    copy: bool = False,
) -> np.ndarray:
    """Convert to a NumPy array and check its dimensions, size and finiteness.

    ``min_size`` applies to the first axis. ``dtype=None`` keeps the inferred dtype (useful
    for labels). NaN and infinity are refused unless allowed.

    Missing values are NaN: the entries hidden by the mask of a NumPy masked array and the
    ``pd.NA`` of a pandas nullable column count as missing (never as the numbers stored under
    the mask), so they are refused unless ``allow_nan``, and then come back as NaN (for a
    float ``dtype``; an integer or boolean ``dtype`` cannot hold them and refuses them).

    Examples
    --------
    >>> check_array([1, 2.5], "x")
    array([1. , 2.5])
    >>> import numpy as np
    >>> check_array(np.ma.masked_array([1.0, 99.0], mask=[0, 1]), "x", allow_nan=True)
    array([ 1., nan])
    """
    if values is None:
        raise InputError(f"{_q(name)} must be array-like, got None")
    want_float = dtype is not None and np.dtype(dtype).kind in "fc"
    try:
        if hasattr(values, "to_numpy"):
            if dtype is not None and np.dtype(dtype).kind in "biu" and hasattr(values, "isna"):
                gaps = int(np.count_nonzero(np.asarray(values.isna())))
                if gaps:
                    raise InputError(f"{_q(name)} contains {gaps} missing value(s); an array of "
                                     f"{np.dtype(dtype)} cannot hold them")
            values = _pandas_to_numpy(values, dtype if want_float else None)
        if np.ma.isMaskedArray(values):
            mask = np.ma.getmaskarray(values)
            values = _unmasked(values, mask, dtype, name, allow_nan) if mask.any() else np.ma.getdata(values)
        arr = np.array(values, dtype=dtype, copy=True if copy else None) if dtype is not None else np.asarray(values)
    except InputError:
        raise
    except (TypeError, ValueError) as exc:
        raise InputError(f"{_q(name)} must be numeric array-like, got {describe(values)} ({exc})") from None
    ndims = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if arr.ndim not in ndims:
        want = " or ".join(f"{d}-D" for d in ndims)
        raise InputError(f"{_q(name)} must be {want}, got {arr.ndim}-D with shape {arr.shape}")
    if arr.ndim >= 1 and arr.shape[0] < min_size:
        raise InputError(f"{_q(name)} must have at least {min_size} value(s), got {arr.shape[0]}")
    if arr.dtype.kind in "fc":
        if not allow_nan and np.isnan(arr).any():
            count = int(np.isnan(arr).sum())
            raise InputError(f"{_q(name)} contains {count} NaN value(s)")
        if not allow_inf and np.isinf(arr).any():
            raise InputError(f"{_q(name)} contains infinite value(s)")
    return arr


def _pandas_to_numpy(values: Any, dtype: Any) -> Any:
    """A pandas object's values; with a float ``dtype``, a numeric or boolean column (nullable
    ones included) comes out in it with ``pd.NA`` as NaN."""
    if dtype is not None:
        import pandas as pd

        kinds = getattr(values, "dtypes", getattr(values, "dtype", None))
        kinds = list(kinds) if isinstance(kinds, pd.Series) else [] if kinds is None else [kinds]
        if kinds and all(pd.api.types.is_numeric_dtype(k) or pd.api.types.is_bool_dtype(k) for k in kinds):
            try:
                return values.to_numpy(dtype=dtype, na_value=np.nan)
            except (TypeError, ValueError):
                pass
    return values.to_numpy()


def _unmasked(values: np.ma.MaskedArray, mask: np.ndarray, dtype: Any, name: str, allow_nan: bool) -> np.ndarray:
    """A masked array's data with its masked entries as NaN (refused unless ``allow_nan``)."""
    count = int(mask.sum())
    if not allow_nan:
        raise InputError(f"{_q(name)} contains {count} masked (missing) value(s); masked entries count as "
                         f"missing values, not as the numbers stored under the mask")
    target = np.dtype(dtype) if dtype is not None else (
        np.dtype(float) if values.dtype.kind in "biuf" else values.dtype)
    if target.kind not in "fc":
        raise InputError(f"{_q(name)} contains {count} masked (missing) value(s); an array of {target} "
                         f"cannot hold missing values")
    return np.where(mask, np.nan, np.ma.getdata(values).astype(target))


def check_binary(values: Any, name: str, *, require_both: bool = True) -> np.ndarray:
    """Check 0/1 (or boolean) labels and return them as an ``int8`` array.

    Missing labels (NaN, None, ``pd.NA``, masked entries) are refused with their count.

    Examples
    --------
    >>> check_binary([0, 1, True, 0.0], "y")
    array([0, 1, 1, 0], dtype=int8)
    """
    arr = check_array(values, name, dtype=None)
    if arr.dtype == bool:
        out = arr.astype(np.int8)
    else:
        if arr.dtype == object:
            import pandas as pd

            missing = pd.isna(arr)
            if missing.any():
                raise InputError(f"{_q(name)} contains {int(missing.sum())} missing value(s); labels must be 0 or 1")
        try:
            numeric = arr.astype(float)
        except (TypeError, ValueError):
            raise InputError(f"{_q(name)} must contain only 0 and 1, got values such as {describe(arr[:3].tolist())}") from None
        if np.isnan(numeric).any():
            raise InputError(f"{_q(name)} contains NaN values; labels must be 0 or 1")
        bad = ~np.isin(numeric, (0.0, 1.0))
        if bad.any():
            examples = np.unique(numeric[bad])[:3].tolist()
            raise InputError(f"{_q(name)} must contain only 0 and 1, got also {examples}")
        out = numeric.astype(np.int8)
    if require_both and (out.min() == out.max()):
        raise InputError(f"{_q(name)} has a single class ({int(out[0])}); both 0 and 1 are needed")
    return out


_REAL_KINDS = frozenset({"integer", "floating", "mixed-integer-float", "decimal"})
_FLOAT_MAX = int(np.finfo(float).max)  # compared with Python ints exactly


def is_real_number(value: Any) -> bool:
    """Whether ``value`` is a real number: an int, float, ``decimal.Decimal`` or NumPy integer
    or float (booleans, text and complex numbers are not).

    Examples
    --------
    >>> from decimal import Decimal
    >>> [is_real_number(v) for v in (3, 2.5, Decimal("1.10"), True, "4", 1j)]
    [True, True, True, False, False, False]
    """
    return (isinstance(value, int | float | decimal.Decimal | np.integer | np.floating)
            and not isinstance(value, bool | np.bool_))


def real_number_check(values: Any) -> tuple[str, Any]:
    """Whether an object column holds numbers: ``("number", None)`` when every non-missing value
    is a real number (see :func:`is_real_number`), ``("empty", None)`` when every value is
    missing, else ``("other", v)`` with the first value that is not a number.

    Columns of Python objects are how pandas reads Parquet DECIMAL columns (``decimal.Decimal``
    values) and how integer or float columns with ``None`` often arrive.

    Examples
    --------
    >>> from decimal import Decimal
    >>> real_number_check([Decimal("1.5"), None, 2])
    ('number', None)
    >>> real_number_check([1.5, "n/a"])
    ('other', 'n/a')
    >>> real_number_check([None, float("nan")])
    ('empty', None)
    """
    import pandas as pd

    arr = np.asarray(values, dtype=object).ravel()
    kind = pd.api.types.infer_dtype(arr, skipna=True)
    if kind == "empty":
        return "empty", None
    if kind in _REAL_KINDS:
        try:  # a Python int beyond the float range is no number a float column can hold
            arr.astype(float)
            return "number", None
        except (OverflowError, TypeError):  # TypeError: pandas' NA, checked value by value below
            pass
    for value in arr:  # up to the first value that is not a number
        if is_real_number(value):
            if isinstance(value, int) and abs(value) > _FLOAT_MAX:
                return "other", value
        elif not (value is None or value is pd.NA or value is pd.NaT):
            return "other", value
    return "number", None


MAX_COUNT = 2**53  # float64 holds every whole number below this exactly


def check_counts(values: Any, name: str, *, min_value: int = 0) -> np.ndarray:
    """Check non-negative integer counts (given as ints or integral floats); returns ``int64``.

    Counts of ``2**53`` or more are refused: a float64 no longer holds every one of them exactly
    (and ``int64`` overflows above ``2**63``).
    """
    too_large = f"{_q(name)} must be below 2**53 = {MAX_COUNT} to be counted exactly"
    try:
        arr = check_array(values, name, ndim=(0, 1), dtype=float)
    except OverflowError:  # a Python int beyond the float range
        raise InputError(f"{too_large}, got a larger number") from None
    if (arr >= MAX_COUNT).any():
        raise InputError(f"{too_large}, got {arr[arr >= MAX_COUNT].ravel()[0]:g}")
    if (arr < min_value).any():
        raise InputError(f"{_q(name)} must be counts >= {min_value}, got {arr[arr < min_value].ravel()[0]:g}")
    if not np.all(np.floor(arr) == arr):
        raise InputError(f"{_q(name)} must be whole-number counts, got {arr[np.floor(arr) != arr].ravel()[0]:g}")
    return arr.astype(np.int64)


def check_same_length(**arrays: Any) -> int:
    """Check that all given arrays have the same length; returns it."""
    lengths = {name: len(arr) for name, arr in arrays.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"`{k}` has {v}" for k, v in lengths.items())
        raise InputError(f"inputs must have the same length: {shown}")
    return next(iter(lengths.values())) if lengths else 0


def check_frame(frame: Any, name: str, *, min_rows: int = 1):
    """Check a pandas DataFrame (a dict of columns or a 2-D array is converted)."""
    import pandas as pd

    if isinstance(frame, pd.DataFrame):
        out = frame
    elif isinstance(frame, dict | np.ndarray):
        try:
            out = pd.DataFrame(frame)
        except ValueError as exc:
            raise InputError(f"{_q(name)} could not be turned into a DataFrame: {exc}") from None
    else:
        raise InputError(f"{_q(name)} must be a pandas DataFrame, got {type(frame).__name__}")
    if len(out) < min_rows:
        raise InputError(f"{_q(name)} must have at least {min_rows} row(s), got {len(out)}")
    return out


def check_columns(frame, columns: Iterable[str], *, source: str = "the table") -> None:
    """Check that every name in ``columns`` is a column of ``frame``."""
    available = [str(c) for c in frame.columns]
    for column in columns:
        if column is not None and column not in frame.columns:
            shown = ", ".join(available[:12]) + (", ..." if len(available) > 12 else "")
            raise InputError(f"column '{column}' not found in {source}; available: {shown}")


def check_random_state(value: Any, name: str = "random_state") -> Any:
    """Check a scikit-learn style seed: None, an int in [0, 2**32 - 1] or a RandomState."""
    if value is None or isinstance(value, np.random.RandomState):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputError(f"{_q(name)} must be None, an int seed or a numpy.random.RandomState, got {describe(value)}")
    if not 0 <= int(value) <= 2**32 - 1:
        raise InputError(f"{_q(name)} must be a seed in [0, 2**32 - 1], got {value}")
    return int(value)


def check_rng(rng: Any, name: str = "rng") -> np.random.Generator:
    """Turn ``None``, an int seed or a Generator into a ``numpy.random.Generator``."""
    if rng is None or isinstance(rng, numbers.Integral | np.random.SeedSequence):
        if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng < 0:
            raise InputError(f"{_q(name)} seed must be >= 0, got {rng}")
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    raise InputError(f"{_q(name)} must be None, an int seed or a numpy.random.Generator, got {describe(rng)}")


def fit_params_of_rows(params: Mapping[str, Any] | None, rows: np.ndarray, n_samples: int) -> dict:
    """The ``fit`` keyword arguments for the rows ``rows`` of a data set of ``n_samples`` rows:
    an array-like with one value per row (``sample_weight``, a step's per-sample parameter) is
    cut to those rows; anything else (scalars, NumPy scalars and 0-d arrays, strings, dicts,
    objects) is passed as is."""
    from sklearn.utils import _safe_indexing

    return {key: _safe_indexing(value, rows) if _one_per_row(value, n_samples) else value
            for key, value in (params or {}).items()}


def _one_per_row(value, n_samples: int) -> bool:
    if isinstance(value, str | bytes | Mapping):
        return False
    shape = getattr(value, "shape", None)
    if shape is not None:
        return len(shape) >= 1 and shape[0] == n_samples
    return hasattr(value, "__len__") and hasattr(value, "__getitem__") and len(value) == n_samples
