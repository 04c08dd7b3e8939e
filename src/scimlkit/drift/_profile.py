"""The compact reference profile: what ``DriftMonitor.check`` needs, not the raw data.

Numeric column
    Its distinct values with their cumulative counts (exact), or, when the column has more than
    ``max_exact`` values, a subset of them ("knots") chosen so that between two consecutive knots
    lie at most ``floor(eps * n)`` reference values. The reference ECDF read off the knots is then
    within ``eps`` of the exact one everywhere, so a Kolmogorov-Smirnov statistic computed against
    the profile is within ``eps`` of the exact statistic (``eps = 0.0005`` by default, about 2,000
    knots per column whatever the reference size). The true reference size ``n`` is kept, and
    p-values use it. Also kept: mean, standard deviation, missing count and the histogram bins
    (reference quantile bins) used for the Jensen-Shannon distance and the PSI, and for a
    compressed column each bucket's "slack" (the sum of knot minus value over the bucket's
    values, which gives the bucket's mean) used for the Wasserstein distance. Infinite values
    are refused (an ``InputError`` naming the column). The mean and the sum of squared
    deviations are computed on the values divided by a power of two near their largest
    magnitude, so that columns of subnormal or huge values (up to the float limit) neither
    underflow nor overflow; for such columns the sum is kept in that unit (``scale``).
    A datetime or duration column declared numeric (``column_types``) is summarised in seconds
    (since 1970-01-01 UTC for datetimes, timezone-aware ones converted to UTC, naive ones read as
    UTC), whatever its resolution or storage (ISO 8601 text, Python dates, pandas periods or
    categories of datetimes); NaT counts as missing.
Column kinds
    Numeric dtypes other than bool are numeric, and so are durations (timedeltas, in seconds,
    also when held as text the way pandas writes them to a CSV file, see ``as_durations``);
    so is a column of Python objects whose every non-missing value is a real number
    (``decimal.Decimal`` from a Parquet DECIMAL column, or ints / floats beside ``None``).
    Datetime columns (NumPy, timezone-aware, Arrow timestamps and dates, pandas periods and
    categories whose categories are datetimes; columns of Python datetimes, and text columns
    whose every value is an ISO 8601 date or date-time naming a real date, as a CSV file holds
    timestamps) are of the kind ``"datetime"``: their values move with time, so every later
    batch would differ from the reference; only their row and missing counts are kept, and
    ``DriftMonitor.check`` tests their missing rate but not their values (a batch column that
    no longer holds datetimes is a type mismatch). The rest is categorical. ``column_types``
    overrides all of this (a datetime column declared numeric is compared in seconds).
Categorical column
    Category counts and the missing count.
Row sample
    A small uniform sample of reference rows, used only by the multivariate (domain classifier) test.

Profiles are built from a pandas DataFrame in memory, or from a Dask DataFrame partition by
partition (each partition is summarised with ``eps / 2`` and the summaries are merged and
compressed again with ``eps / 2``, so the bound still holds).
"""

from __future__ import annotations

import json
import math
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._errors import InputError
from .._validation import check_frame, check_int, check_scalar, describe, real_number_check

__all__ = [
    "NUMERIC",
    "CATEGORICAL",
    "NumericSummary",
    "CategoricalSummary",
    "DatetimeSummary",
    "ReferenceProfile",
]

NUMERIC, CATEGORICAL, DATETIME = "numeric", "categorical", "datetime"
FORMAT = "scimlkit-drift-profile"
# 2: datetime and duration columns declared numeric are held in seconds (version 1 held them
# as raw integers in the column's own unit); version-1 files are read, but such a column in
# them cannot be checked (see ``ReferenceProfile.check_time_columns``)
# 3: columns of the kind "datetime" (version-2 files read datetimes as categories, and still do)
FORMAT_VERSION = 3
# magnitudes whose squares, summed, neither overflow nor underflow
_ORDINARY = (2.0**-200, 2.0**200)


def working_unit(magnitude: float) -> float:
    """1 for values up to ``magnitude`` in the ordinary range, else a power of two near it.

    Dividing by a power of two is exact, so values rescaled by it keep every bit while their
    squares and sums stay far from both ends of the float range.
    """
    if not magnitude > 0 or _ORDINARY[0] <= magnitude <= _ORDINARY[1]:
        return 1.0
    return math.ldexp(1.0, math.frexp(magnitude)[1] - 1)


def round_to(x: np.ndarray, dtype) -> np.ndarray:
    """``x`` rounded to the float type ``dtype`` and read back as float64; values beyond that
    type's range keep their value (a column of that type cannot hold them)."""
    with np.errstate(over="ignore"):
        rounded = x.astype(dtype).astype(float)
    finite = np.isfinite(rounded)
    return rounded if finite.all() else np.where(finite, rounded, x)


def narrow_float(dtype) -> np.dtype | None:
    """The NumPy type of a float column narrower than float64 (float32, float16), else None."""
    try:
        dt = np.dtype(getattr(dtype, "numpy_dtype", dtype))
    except TypeError:
        return None
    return dt if dt.kind == "f" and dt.itemsize < 8 else None


def check_profile_params(eps, max_exact, n_bins, sample_size) -> tuple[float, int, int, int]:
    """Validated ``eps``, ``max_exact``, ``n_bins`` and ``sample_size`` of a profile."""
    return (check_scalar(eps, "eps", low=0.0, high=0.1, closed="right"),
            check_int(max_exact, "max_exact", low=1),
            check_int(n_bins, "n_bins", low=2, high=1000),
            check_int(sample_size, "sample_size", low=0))


def as_frame(data, name: str):
    """``data`` as a DataFrame with at least one row and column and unique string column names.

    Column labels that are not strings (integers, or tuples of a MultiIndex) become ``str(label)``.
    """
    import pandas as pd

    frame = check_frame(data, name, min_rows=1)
    if frame.shape[1] == 0:
        raise InputError(f"`{name}` must have at least one column, got none")
    if isinstance(frame.columns, pd.MultiIndex) or not all(isinstance(c, str) for c in frame.columns):
        frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
    if frame.columns.duplicated().any():
        dup = frame.columns[frame.columns.duplicated()][0]
        raise InputError(f"`{name}` has the column '{dup}' more than once")
    return frame


def _file_path(path, what: str) -> Path:
    """``path`` as a Path; anything but a non-empty str or path-like raises ``InputError``."""
    if not isinstance(path, str | os.PathLike):
        raise InputError(f"the {what} path must be a str or path-like, got {describe(path)}")
    if isinstance(path, str) and not path.strip():
        raise InputError(f"the {what} path must not be empty")
    return Path(path).expanduser()


# -- numeric summaries ------------------------------------------------------------------------
def _atoms(sorted_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of a sorted array and their cumulative counts."""
    if sorted_values.size == 0:
        return np.empty(0), np.empty(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], sorted_values.size]
    return sorted_values[starts].astype(float), ends.astype(np.int64)


def _compress_index(cum: np.ndarray, eps: float) -> np.ndarray:
    """Indices of the knots kept so that at most ``floor(eps * n)`` values fall strictly between
    two of them (every index when there is nothing to drop)."""
    if cum.size == 0:
        return np.arange(0)
    n = int(cum[-1])
    gap = int(math.floor(eps * n)) + 1
    if gap <= 1:
        return np.arange(cum.size)
    targets = np.arange(gap, n + 1, gap, dtype=np.int64)
    idx = np.searchsorted(cum, targets, side="left")
    return np.unique(np.r_[0, idx, cum.size - 1])


def _slack(atoms: np.ndarray, weights: np.ndarray, inner: np.ndarray | None, idx: np.ndarray,
           unit: float) -> np.ndarray:
    """Per kept knot ``v_j = atoms[idx[j]]``, the sum of ``v_j - x`` over the values of its bucket.

    The sorted ``atoms`` (with their ``weights``) from ``idx[j-1] + 1`` to ``idx[j]`` make the
    bucket ``(v_{j-1}, v_j]``; ``inner`` is the slack the atoms already carry (a merged
    partition's knots stand for values spread below them). In units of ``unit``. The slack
    divided by the bucket's count is how far the bucket's mean lies below its knot; the
    Wasserstein distance uses it to integrate the reference ECDF over each bucket exactly.
    """
    j = np.repeat(np.arange(idx.size), np.diff(np.r_[-1, idx]))
    a = atoms / unit if unit != 1.0 else atoms  # huge values: their differences stay finite
    gap = a[idx][j] - a
    gap *= weights
    if inner is not None:
        gap += inner
    return np.bincount(j, weights=gap, minlength=idx.size)


def _compressed(values: np.ndarray, cum: np.ndarray, weights: np.ndarray, inner: np.ndarray | None,
                eps: float, unit: float) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The knots kept by :func:`_compress_index`, their cumulative counts and their slack
    (:func:`_slack`; None when every value sits on its knot) of the sorted distinct ``values``
    with counts ``weights`` (cumulative: ``cum``) and inner slack ``inner``."""
    idx = _compress_index(cum, eps)
    slack = _slack(values, weights, inner, idx, unit)
    return values[idx], cum[idx], slack if slack.any() else None


def _quantile_bins(cum: np.ndarray, n_bins: int) -> np.ndarray:
    """Bin id of each of the ``K + 1`` buckets ``(-inf, v0], (v0, v1], ..., (v_{K-1}, inf)``."""
    k = cum.size
    if k == 0:
        return np.zeros(1, dtype=np.int32)
    n = cum[-1]
    weights = np.diff(np.r_[0, cum])
    mid = (cum - weights / 2.0) / n
    raw = np.minimum(n_bins - 1, np.floor(mid * n_bins)).astype(np.int64)
    raw = np.r_[raw, raw[-1]]
    _, bins = np.unique(raw, return_inverse=True)
    return bins.astype(np.int32)


@dataclass
class NumericSummary:
    """Summary of one numeric reference column (see the module docstring)."""

    name: str
    n_rows: int
    n_missing: int
    values: np.ndarray
    cum: np.ndarray
    mean: float
    m2: float  # sum of squared deviations from the mean, in units of ``scale**2``
    exact: bool
    bins: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int32))
    scale: float = 1.0  # a power of two; 1 unless the values are huge or subnormal
    # per knot, the sum of (knot - value) over the reference values of its bucket, in units of
    # ``scale``; None (profiles saved before it was kept, or exact ones) means every bucket's
    # values sit on its knot
    slack: np.ndarray | None = None
    # whether the column looks like an identifier (see :func:`looks_like_ids`), decided when the
    # column is profiled (a compressed column no longer holds every distinct value)
    id_like: bool = False
    # what the verdict is drawn from, kept while a profile is built (see :func:`_id_facts`; not saved)
    id_facts: tuple | None = field(default=None, repr=False, compare=False)

    kind = NUMERIC

    @property
    def n(self) -> int:
        """Number of non-missing reference values."""
        return int(self.cum[-1]) if self.cum.size else 0

    @property
    def std(self) -> float:
        """Standard deviation of the reference values (``ddof=0``)."""
        return self.scale * math.sqrt(self.m2 / self.n) if self.n else float("nan")

    @property
    def weights(self) -> np.ndarray:
        """Reference count of each knot bucket ``(v_{j-1}, v_j]``."""
        return np.diff(np.r_[0, self.cum])

    @property
    def n_bins(self) -> int:
        return int(self.bins.max()) + 1

    def bin_counts(self) -> np.ndarray:
        """Reference counts in the histogram bins."""
        cached = self.__dict__.get("_bin_counts")
        if cached is None or cached.size != self.n_bins:
            w = np.r_[self.weights, 0]
            cached = np.bincount(self.bins, weights=w, minlength=self.n_bins)
            self.__dict__["_bin_counts"] = cached
        return cached

    def grid(self):
        """Lookup grid for bucketing batch values between the knots (cached)."""
        if "_grid" not in self.__dict__:
            from ._tests import knot_grid

            self.__dict__["_grid"] = knot_grid(self.values)
        return self.__dict__["_grid"]

    def sample(self) -> np.ndarray:
        """The reference values (exact profile) or a stand-in with the knots' masses."""
        return np.repeat(self.values, self.weights)

    def at_precision(self, dtype) -> NumericSummary:
        """The summary with its knots rounded to the float type ``dtype`` (cached per type).

        A batch stored in a narrower float type (a float32 Parquet column) holds the reference's
        values rounded: 3.1 reads as 3.0999999. Compared with the float64 knots, every repeated
        value would sit beside its reference value and a Kolmogorov-Smirnov test would see drift
        in every column of repeated values. The knots are rounded the same way; knots that
        become equal are merged (counts added, the bucket keeps the upper knot's histogram bin).
        """
        dtype = np.dtype(dtype)
        cache = self.__dict__.setdefault("_at_precision", {})
        if dtype.str in cache:
            return cache[dtype.str]
        rounded = round_to(self.values, dtype)  # beyond the type's range a knot keeps its value
        out = self
        if rounded.size and not np.array_equal(rounded, self.values):
            rounded = np.maximum.accumulate(rounded)  # stays sorted (the clamp above may not)
            last = np.r_[rounded[1:] != rounded[:-1], True]
            run = np.r_[0, np.cumsum(last)[:-1]]  # the merged knot of each old knot
            slack = None  # an exact profile's values round as its knots do: still exact
            if self.slack is not None:  # a compressed bucket's values: now below the rounded knot
                moved = (rounded[last][run] / self.scale - self.values / self.scale) * self.weights
                slack = np.maximum(np.bincount(run, weights=moved + self.slack, minlength=int(last.sum())), 0.0)
                slack = slack if slack.any() else None
            out = NumericSummary(self.name, self.n_rows, self.n_missing, rounded[last], self.cum[last], self.mean,
                                 self.m2, self.exact, np.r_[self.bins[:-1][last], self.bins[-1]], self.scale, slack)
        cache[dtype.str] = out
        return out

    def stored_float32(self) -> bool:
        """Whether the reference looks read from float32 storage (cached).

        True when every knot is a float32 number and either not all are whole numbers or they
        reach 2**24, where float32 holds nothing but whole numbers (small whole numbers are
        float32 numbers whatever the storage). A float64 batch is then rounded to float32
        before the comparison, the mirror image of :meth:`at_precision`.
        """
        cached = self.__dict__.get("_float32")
        if cached is None:
            v = self.values
            top = float(np.abs(v).max()) if v.size else math.inf
            # a knot beyond float32's range is kept by the rounding, but is no float32 number
            same = top <= float(np.finfo(np.float32).max) and np.array_equal(round_to(v, np.float32), v)
            cached = same and (not np.array_equal(v, np.floor(v)) or top >= 2.0**24)
            self.__dict__["_float32"] = cached
        return cached

    def matched(self, y: np.ndarray, dtype, *, times: bool = False) -> tuple[NumericSummary, np.ndarray]:
        """The summary and the batch values ``y`` (a column of type ``dtype``; ``times``: read
        from datetimes or durations) at the coarser of their two precisions, as
        ``DriftMonitor.check`` compares them.

        A batch of a narrower float type (float32, float16) meets the knots rounded to that type
        (:meth:`at_precision`); a float64 batch meets a reference read from float32 storage
        (:meth:`stored_float32`) rounded to float32. Datetimes and durations are left alone
        (whole days in seconds look like float32 numbers).
        """
        narrow = narrow_float(dtype)
        if narrow is not None:
            return self.at_precision(narrow), y
        if self.stored_float32() and not (times or is_time_dtype(dtype)):
            return self, round_to(y, np.float32)
        return self, y

    @classmethod
    def from_values(cls, name: str, x: np.ndarray, *, eps: float, max_exact: int) -> NumericSummary:
        x = np.asarray(x, dtype=float)
        infinite = np.isinf(x)
        if infinite.any():
            raise InputError(f"column '{name}' of the reference holds {int(infinite.sum())} infinite value(s); "
                             "a numeric reference column must hold finite numbers or missing values")
        finite = x[~np.isnan(x)]
        n = finite.size
        values, cum = _atoms(np.sort(finite))
        mean, m2, scale = 0.0, 0.0, 1.0
        if n:  # huge or subnormal values: computed in a power-of-two unit, m2 kept in it
            scale = working_unit(max(abs(values[0]), abs(values[-1])))
            u = finite / scale if scale != 1.0 else finite
            mean_u = u.mean()
            mean, m2 = float(mean_u * scale), float(((u - mean_u) ** 2).sum())
        exact = n <= max_exact
        facts = _id_facts(finite, values)
        slack = None
        if not exact:
            values, cum, slack = _compressed(values, cum, np.diff(np.r_[0, cum]), None, eps, scale)
        return cls(name, int(x.size), int(x.size - n), values, cum, mean, m2, exact, scale=scale, slack=slack,
                   id_like=looks_like_ids(*facts), id_facts=facts)

    @classmethod
    def merge(cls, parts: list[NumericSummary], *, eps: float, max_exact: int) -> NumericSummary:
        """Merge partition summaries; compressed again if the merged column is large."""
        name = parts[0].name
        n_rows = sum(p.n_rows for p in parts)
        n_missing = sum(p.n_missing for p in parts)
        filled = [p for p in parts if p.n]
        scale = working_unit(max((max(abs(p.values[0]), abs(p.values[-1])) for p in filled), default=0.0))
        count, mean, m2 = 0, 0.0, 0.0
        for p in filled:  # Chan et al.'s parallel update of mean and sum of squares, in units of `scale`
            total = count + p.n
            ratio = p.scale / scale
            delta = p.mean / scale - mean
            mean += delta * p.n / total
            m2 += p.m2 * ratio * ratio + delta**2 * count * p.n / total
            count = total
        mean *= scale
        vals = np.concatenate([p.values for p in parts]) if parts else np.empty(0)
        wts = np.concatenate([p.weights for p in parts]) if parts else np.empty(0, dtype=np.int64)
        # the parts' slack, rescaled to the merged unit (zero for exact parts)
        inner = (np.concatenate([p.slack * (p.scale / scale) if p.slack is not None else np.zeros(p.values.size)
                                 for p in parts]) if parts else np.empty(0))
        order = np.argsort(vals, kind="mergesort")
        vals, wts, inner = vals[order], wts[order], inner[order]
        if vals.size:
            starts = np.flatnonzero(np.r_[True, vals[1:] != vals[:-1]])
            vals = vals[starts]
            wts = np.add.reduceat(wts, starts)
            inner = np.add.reduceat(inner, starts)
        cum = np.cumsum(wts).astype(np.int64)
        exact = all(p.exact for p in parts) and count <= max_exact
        if count > max_exact:
            values, cum, slack = _compressed(vals, cum, wts, inner, eps, scale)
        else:
            values, slack = vals, (inner if inner.any() else None)
        facts = _merged_id_facts([p.id_facts for p in filled], vals if all(p.exact for p in parts) else None)
        return cls(name, n_rows, n_missing, values.astype(float), cum, mean, m2, exact, scale=scale, slack=slack,
                   id_like=facts is not None and looks_like_ids(*facts), id_facts=facts)

    def finalise(self, n_bins: int) -> NumericSummary:
        self.bins = _quantile_bins(self.cum, n_bins)
        self.__dict__.pop("_bin_counts", None)
        return self


def _caller_level() -> int:
    """The ``stacklevel`` that points a warning raised by the caller of this function at the
    first frame outside this package's drift module (the user's call)."""
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == here:
        frame, level = frame.f_back, level + 1
    return level


ID_MIN_VALUES = 100  # fewer values than this never look like identifiers
ID_DISTINCT_SHARE = 0.95  # ... nor do columns with a smaller share of distinct values
ID_DENSITY = 0.5  # whole numbers: share of the integers between the least and the greatest taken


def looks_like_ids(n: int, n_distinct: int, lo: float | None = None, hi: float | None = None,
                   whole: bool = True, increasing: bool = False) -> bool:
    """Whether a column of ``n`` values, ``n_distinct`` of them distinct, looks like identifiers.

    Categories: at least ``ID_MIN_VALUES`` values, at least ``ID_DISTINCT_SHARE`` of them
    distinct. Numbers (``lo`` and ``hi`` their least and greatest value) must in addition all be
    whole and either rise with the row order or be dense over their range: at least
    ``ID_DENSITY`` of the integers from ``lo`` to ``hi`` taken, as row numbers and counters are.
    Measurements drawn from a range (prices in cents, ages in days, weights in grams) are
    spread thinly over it, and floats that are whole only because of their precision (large
    float32 numbers) are spaced more than 1 apart, so neither is dense.
    """
    if n < ID_MIN_VALUES or n_distinct < ID_DISTINCT_SHARE * n:
        return False
    if lo is None:
        return True
    return bool(whole) and (bool(increasing) or n_distinct >= ID_DENSITY * (hi - lo + 1))


def _id_facts(finite: np.ndarray, distinct: np.ndarray) -> tuple:
    """The arguments of :func:`looks_like_ids` for a numeric column: its non-missing values in
    row order and their sorted distinct values."""
    if finite.size == 0:
        return (0, 0, 0.0, 0.0, True, True)
    whole = bool(np.all(distinct == np.floor(distinct)))
    increasing = bool(np.all(finite[1:] > finite[:-1]))
    return (int(finite.size), int(distinct.size), float(distinct[0]), float(distinct[-1]), whole, increasing)


def _merged_id_facts(parts: list, distinct: np.ndarray | None) -> tuple | None:
    """The :func:`_id_facts` of partitions taken in order, or None when they cannot be known.

    ``distinct`` holds the sorted distinct values of the whole column when every partition kept
    all of its own (exact parts); otherwise the distinct count is known only when no two
    partitions' value ranges overlap (then no value is shared), and None is returned when they do.
    """
    parts = [f for f in parts if f is None or f[0]]
    if any(f is None for f in parts):
        return None
    if not parts:
        return (0, 0, 0.0, 0.0, True, True)
    n = sum(f[0] for f in parts)
    by_lo = sorted(parts, key=lambda f: f[2])
    apart = all(b[2] > a[3] for a, b in zip(by_lo, by_lo[1:]))
    # rising over the rows: each partition rises and starts above where the previous one ended
    increasing = all(f[5] for f in parts) and all(b[2] > a[3] for a, b in zip(parts, parts[1:]))
    if distinct is not None:
        if distinct.size == 0:
            return (0, 0, 0.0, 0.0, True, True)
        return (n, int(distinct.size), float(distinct[0]), float(distinct[-1]),
                bool(np.all(distinct == np.floor(distinct))), increasing)
    if not apart:
        return None
    return (n, sum(f[1] for f in parts), by_lo[0][2], max(f[3] for f in parts), all(f[4] for f in parts), increasing)


_WHOLE = re.compile(r"-?[0-9]+\.0+")


def normalise_labels(labels: np.ndarray) -> np.ndarray:
    """Category labels with whole-number decimals written as integers (``"1.0"`` -> ``"1"``).

    Integer codes turn into floats when a file has one missing value in the column (pandas has
    no integer NaN): the reference and a batch must still name the same categories, whatever
    else the column holds, and profiles saved with either spelling must keep matching.
    """
    labels = np.asarray(labels, dtype=str)
    if labels.size == 0:
        return labels
    unique, inverse = np.unique(labels, return_inverse=True)
    fixed = np.array([u.split(".", 1)[0] if _WHOLE.fullmatch(u) else u for u in unique.tolist()], dtype=str)
    if np.array_equal(fixed, unique):
        return labels
    return fixed[inverse.reshape(labels.shape)]


def category_labels(series, *, normalise: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The labels of a categorical column's present values as strings, and its missing mask
    (whole-number decimals as integers, see :func:`normalise_labels`). Callers that count
    the labels anyway pass ``normalise=False`` and normalise the distinct ones with
    :func:`_merged`, which spares a pass over every row."""
    import pandas as pd

    series = series if isinstance(series, pd.Series) else pd.Series(series)
    missing = series.isna().to_numpy()
    labels = np.asarray(series[~missing].astype(str).to_numpy(), dtype=str)
    return (normalise_labels(labels) if normalise else labels), missing


def category_column(series) -> np.ndarray:
    """A categorical column's labels (see :func:`category_labels`) as an object array, None
    where a value is missing."""
    labels, missing = category_labels(series)
    column = np.full(missing.size, None, dtype=object)
    column[~missing] = labels
    return column


def _merged(categories: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct categories (a column's, or a stored profile's) with their labels normalised
    and the counts of labels that now coincide, like "1" and "1.0", added up."""
    labels = normalise_labels(categories)
    if np.array_equal(labels, categories):
        return categories, counts
    return _summed(labels, counts)


def _summed(labels: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``labels`` (sorted) with the ``counts`` of equal labels added up."""
    cats, inverse = np.unique(labels, return_inverse=True)
    return cats, np.bincount(inverse, weights=counts, minlength=cats.size).astype(np.int64)


_BOOLEAN_SPELLINGS = ({"0": "False", "1": "True"}, {"False": "0", "True": "1"})


def boolean_relabel(reference_categories) -> dict[str, str]:
    """How to spell a batch's labels of a boolean-like reference column the reference's way.

    A reference column of booleans (categories ``"False"`` / ``"True"``) meets a batch that
    stores the same feature as 0/1 numbers: the batch's ``"0"`` and ``"1"`` are read as
    ``"False"`` and ``"True"`` (and a reference of 0/1 codes reads a boolean batch's ``"False"``
    / ``"True"`` as ``"0"`` / ``"1"``). Otherwise every batch value would be an unseen category,
    a full false alarm on an unchanged feature. Returns ``{}`` for other columns.

    Examples
    --------
    >>> boolean_relabel(["False", "True"])
    {'0': 'False', '1': 'True'}
    >>> boolean_relabel(["a", "b"])
    {}
    """
    cats = {str(c) for c in reference_categories}
    if cats and cats <= {"False", "True"}:
        return dict(_BOOLEAN_SPELLINGS[0])
    if cats and cats <= {"0", "1"}:
        return dict(_BOOLEAN_SPELLINGS[1])
    return {}


def relabel_counts(categories: np.ndarray, counts: np.ndarray, mapping: dict) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``categories`` with their ``counts`` after renaming by ``mapping`` (counts of
    categories that now coincide are added up)."""
    if not mapping or not any(c in mapping for c in categories.tolist()):
        return categories, counts
    return _summed(np.array([mapping.get(c, c) for c in categories.tolist()], dtype=str), counts)


@dataclass
class CategoricalSummary:
    """Summary of one categorical reference column: category counts and missing count."""

    name: str
    n_rows: int
    n_missing: int
    categories: np.ndarray
    counts: np.ndarray

    kind = CATEGORICAL

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    @property
    def id_like(self) -> bool:
        """Whether the column looks like identifiers (see :func:`looks_like_ids`)."""
        return looks_like_ids(self.n, self.categories.size)

    @classmethod
    def from_values(cls, name: str, series) -> CategoricalSummary:
        values, missing = category_labels(series, normalise=False)
        cats, counts = _merged(*np.unique(values, return_counts=True))
        return cls(name, int(len(series)), int(missing.sum()), cats.astype(str), counts.astype(np.int64))

    @classmethod
    def merge(cls, parts: list[CategoricalSummary]) -> CategoricalSummary:
        totals: dict[str, int] = {}
        for p in parts:
            for c, k in zip(p.categories.tolist(), p.counts.tolist()):
                totals[c] = totals.get(c, 0) + int(k)
        cats = np.array(sorted(totals), dtype=str)
        counts = np.array([totals[c] for c in cats.tolist()], dtype=np.int64)
        return cls(parts[0].name, sum(p.n_rows for p in parts), sum(p.n_missing for p in parts), cats, counts)


@dataclass
class DatetimeSummary:
    """Summary of one datetime reference column: its row and missing counts (the values are
    not tested, see the module docstring)."""

    name: str
    n_rows: int
    n_missing: int

    kind = DATETIME

    @property
    def n(self) -> int:
        return self.n_rows - self.n_missing

    @classmethod
    def from_values(cls, name: str, series) -> DatetimeSummary:
        return cls(name, int(len(series)), int(series.isna().sum()))

    @classmethod
    def merge(cls, parts: list[DatetimeSummary]) -> DatetimeSummary:
        return cls(parts[0].name, sum(p.n_rows for p in parts), sum(p.n_missing for p in parts))


# -- column kinds -----------------------------------------------------------------------------
def is_number_dtype(dtype) -> bool:
    """Whether a column of ``dtype`` holds numbers: a numeric dtype other than bool."""
    import pandas as pd

    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _inferred_kind(dtype, number_object: bool, datetime_object: bool) -> str:
    if datetime_object or is_datetime_dtype(dtype):
        return DATETIME
    if is_number_dtype(dtype) or getattr(dtype, "kind", "") == "m" or number_object:
        return NUMERIC
    return CATEGORICAL


def infer_kinds(dtypes, column_types: dict | None, number_objects=(), datetime_objects=()) -> dict[str, str]:
    """Numeric dtypes (not bool) and durations are numeric, and so are the object columns named
    in ``number_objects`` (columns of Python numbers, see :func:`number_object_states`);
    datetime dtypes (see :func:`is_datetime_dtype`), and the object or text columns named in
    ``datetime_objects`` (see :func:`holds_datetimes`), are of the kind ``"datetime"``;
    everything else is categorical; overrides win."""
    if column_types is not None and not isinstance(column_types, dict):
        raise InputError(f"`column_types` must be a dict or None, got {type(column_types).__name__}")
    number_objects = {str(name) for name in number_objects}
    datetime_objects = {str(name) for name in datetime_objects}
    kinds = {str(name): _inferred_kind(dtype, str(name) in number_objects, str(name) in datetime_objects)
             for name, dtype in dtypes.items()}
    for name, kind in (column_types or {}).items():
        if name not in kinds:
            raise InputError(f"`column_types` names column '{name}', which is not in the reference; "
                             f"available: {', '.join(list(kinds)[:12])}")
        if kind not in (NUMERIC, CATEGORICAL):
            raise InputError(f"`column_types['{name}']` must be 'numeric' or 'categorical', got {kind!r}")
        kinds[name] = kind
    return kinds


def _object_or_text(dtype) -> bool:
    """Whether ``dtype`` holds Python objects or text (not pandas categories)."""
    import pandas as pd

    return pd.api.types.is_object_dtype(dtype) or (pd.api.types.is_string_dtype(dtype)
                                                   and not isinstance(dtype, pd.CategoricalDtype))


def object_candidates(dtypes, column_types: dict | None) -> list[str]:
    """Columns of Python objects or text whose kind is not given in ``column_types``: they are
    numeric when they hold numbers, datetimes when they hold datetimes (see
    :func:`number_object_states`)."""
    given = column_types if isinstance(column_types, dict) else {}
    return [str(name) for name, dtype in dtypes.items() if _object_or_text(dtype) and str(name) not in given]


# a pandas Timedelta written as text ("0 days 00:01:40.5"), as earlier versions stored durations
_DURATION_TEXT = r"-?[0-9]+ days? [+-]?(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?"
# an ISO 8601 date, optionally with a time of day and a UTC offset (what CSV files hold); the
# values it matches are then parsed, so that impossible dates (month 13, 30 February) are no dates
_ISO_DATETIME = (r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?)?"
                 r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?")


def _parsed_datetimes(values, convert: bool):
    """``values`` (a Series without missing values) as UTC datetimes when every one is a
    datetime (see :func:`holds_datetimes`), else None. With ``convert=False`` a column of
    Python datetimes is returned as it is (only text needs parsing to be validated).

    The first 100 values are tried first, so a column of other text costs next to nothing.
    """
    import pandas as pd

    if len(values) == 0:
        return None
    for part in (values.iloc[:100], values):
        kind = pd.api.types.infer_dtype(part, skipna=True)
        try:
            if kind in ("datetime", "datetime64", "date"):
                parsed = pd.to_datetime(part, utc=True, errors="coerce") if convert else part
            elif kind == "string":
                text = part.astype(str)
                if not text.str.fullmatch(_ISO_DATETIME).all():
                    return None
                parsed = pd.to_datetime(text.str.replace(",", ".", regex=False), format="ISO8601", utc=True,
                                        errors="coerce")
            else:
                return None
        except (ValueError, TypeError, OverflowError):
            return None
        if parsed.isna().any():  # text that reads as a date but is none (2024-13-45), or out of range
            return None
        if len(part) == len(values):
            return parsed
    return None  # pragma: no cover (the second pass covers every value)


def holds_datetimes(series) -> bool:
    """Whether every non-missing value of a column of objects or text is a datetime: a Python
    ``datetime`` / ``date``, a pandas ``Timestamp``, or ISO 8601 text naming a real date
    (``2024-05-01``, ``2024-05-01 13:45:00``, ``2024-05-01T13:45:00.5+02:00``; not
    ``2024-13-45``), with at least one such value.

    The first 100 values are tried first, so a column of other text costs next to nothing.
    """
    return _parsed_datetimes(series[series.notna()], convert=False) is not None


def is_datetime_dtype(dtype) -> bool:
    """Whether a column of ``dtype`` holds datetimes by its type alone: NumPy, pandas and Arrow
    datetimes and dates, pandas periods, and pandas categories whose categories are datetimes,
    periods, or Python dates / ISO 8601 text (see :func:`holds_datetimes`)."""
    import pandas as pd

    if getattr(dtype, "kind", "") == "M" or isinstance(dtype, pd.PeriodDtype):
        return True
    if isinstance(dtype, pd.CategoricalDtype) and dtype.categories is not None and len(dtype.categories):
        cats = dtype.categories
        if getattr(cats.dtype, "kind", "") == "M" or isinstance(cats.dtype, pd.PeriodDtype):
            return True
        return _object_or_text(cats.dtype) and holds_datetimes(pd.Series(cats))
    return False


def as_datetimes(series):
    """A column that holds datetimes in any form as a datetime64 Series (timezone-aware for a
    timezone-aware column; text and Python objects as naive UTC), or None when a non-missing
    value is not a datetime (or none is present in a column of objects or text).

    pandas periods become their start; categories of datetimes their values; Python datetimes
    and ISO 8601 text are read as UTC (naive ones as if they were UTC, as
    :func:`time_as_seconds` reads naive datetime columns).
    """
    import pandas as pd

    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        if not is_datetime_dtype(dtype):
            return None
        series = series.astype(dtype.categories.dtype)
        dtype = series.dtype
    if isinstance(dtype, pd.PeriodDtype):
        return series.dt.to_timestamp()
    if getattr(dtype, "kind", "") == "M":
        return series
    if not _object_or_text(dtype):
        return None
    present = series.notna().to_numpy()
    parsed = _parsed_datetimes(series[present], convert=True)
    if parsed is None:
        return None
    values = parsed.dt.tz_convert(None).to_numpy()  # the instants as naive UTC
    out = np.full(present.size, np.datetime64("NaT"), dtype=values.dtype)
    out[present] = values
    return pd.Series(out, index=series.index)


# a pandas Timedelta in ISO 8601 (``Timedelta.isoformat``: "P0DT0H1M40.5S")
_ISO_DURATION = r"-?P[0-9]+DT[0-9]+H[0-9]+M[0-9]+(?:\.[0-9]+)?S"


def as_durations(series):
    """A column of text durations as a timedelta64 Series (NaT where missing), or None when
    it is no such column: text whose every non-missing value is a duration as pandas writes
    one (``"0 days 00:01:40.500000"``, ``"-1 days +23:59:59"``, or ISO 8601
    ``"P0DT0H1M40.5S"``), with at least one such value. A CSV file holds a duration column so.

    The first 100 values are tried first, so a column of other text costs next to nothing.
    """
    import pandas as pd

    if not _object_or_text(series.dtype):
        return None
    present = series.notna().to_numpy()
    values = series[present]
    if len(values) == 0:
        return None
    for part in (values.iloc[:100], values):
        if pd.api.types.infer_dtype(part, skipna=True) != "string":
            return None
        text = part.astype(str)
        if not (text.str.fullmatch(_DURATION_TEXT) | text.str.fullmatch(_ISO_DURATION)).all():
            return None
    try:
        parsed = pd.to_timedelta(values.astype(str)).to_numpy()
    except (ValueError, OverflowError):
        return None
    out = np.full(present.size, np.timedelta64("NaT"), dtype=parsed.dtype)
    out[present] = parsed
    return pd.Series(out, index=series.index)


def holds_datetime_values(series) -> bool:
    """Whether a column, whatever its storage, holds datetimes only (see :func:`as_datetimes`);
    a column without a non-missing value holds none."""
    if is_datetime_dtype(series.dtype):
        return True
    return _object_or_text(series.dtype) and holds_datetimes(series)


def number_object_states(frame, names) -> dict[str, str]:
    """Per column of ``names`` (columns of Python objects or text): ``"number"`` when every
    non-missing value is a real number (int, float, ``decimal.Decimal``, NumPy number; not bool,
    not text: pandas reads a Parquet DECIMAL column as ``decimal.Decimal`` objects, and integer
    columns holding ``None`` come as objects), ``"empty"`` or ``"other"`` (see
    :func:`scimlkit._validation.real_number_check`), or ``"datetime"`` (see
    :func:`holds_datetimes`), or ``"duration"`` (text durations, see :func:`as_durations`)."""
    import pandas as pd

    states = {}
    for name in names:
        values = frame[name].to_numpy(dtype=object)
        if values.size and pd.api.types.infer_dtype(values, skipna=True) in ("integer", "floating", "mixed-integer-float",
                                                                             "decimal"):
            values = np.where(pd.isna(values), None, values)  # pandas' NA beside numbers: missing, as None
        state = real_number_check(values)[0]
        if state == "other" and holds_datetimes(frame[name]):
            state = "datetime"
        elif state == "other" and as_durations(frame[name]) is not None:  # durations as text: numeric
            state = "duration"
        states[name] = state
    return states


def merge_number_states(states, want: str = "number") -> set[str]:
    """The columns that hold numbers (``want="datetime"``: datetimes, ``"duration"``: text
    durations) in at least one part and nothing else in any part; a column of numbers in some
    parts and durations in others is neither (it is categorical, as when profiled at once)."""
    seen: dict[str, set] = {}
    for part in states:
        for name, state in part.items():
            seen.setdefault(name, set()).add(state)
    return {name for name, found in seen.items() if want in found and found <= {want, "empty"}}


_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}


def is_time_dtype(dtype) -> bool:
    """Whether ``dtype`` holds datetimes (timezone-aware or not) or durations (NumPy, pandas or Arrow)."""
    return getattr(dtype, "kind", "") in ("M", "m")


def time_as_seconds(series) -> np.ndarray:
    """A datetime or duration column as float64 seconds, missing (NaT) as NaN.

    Datetimes become seconds since 1970-01-01 UTC (timezone-aware ones are converted to UTC
    first; naive ones are read as UTC; Arrow dates are their midnight UTC), durations their
    length in seconds. The result does not
    depend on the column's resolution: the whole seconds and the fraction are converted
    separately, so the same instant stored as ``datetime64[ns]`` and as ``datetime64[us]``
    gives the same number.
    """
    import pandas as pd

    series = series if isinstance(series, pd.Series) else pd.Series(series)
    dtype = series.dtype
    arrow = getattr(dtype, "pyarrow_dtype", None)
    if arrow is not None and not hasattr(arrow, "unit"):  # an Arrow date: midnight UTC, in milliseconds
        series = series.astype(pd.ArrowDtype(_pyarrow_timestamp_ms()))
        dtype = series.dtype
        arrow = dtype.pyarrow_dtype
    if getattr(dtype, "tz", None) is not None or getattr(arrow, "tz", None) is not None:
        series = series.dt.tz_convert(None)  # the same instants, as naive UTC
    values = series.to_numpy()
    kind = dtype.kind
    if values.dtype.kind != kind:  # an Arrow duration column comes out as objects
        values = series.astype(f"{kind}8[{arrow.unit}]").to_numpy()
    unit, count = np.datetime_data(values.dtype)
    if unit not in _PER_SECOND or count != 1:
        values = values.astype(f"{kind}8[{'s' if unit in ('Y', 'M', 'W', 'D', 'h', 'm') else 'ns'}]")
        unit = np.datetime_data(values.dtype)[0]
    per = _PER_SECOND[unit]
    whole, part = np.divmod(values.view(np.int64), per)
    out = whole.astype(float) + part / per  # one rounding: the same for every resolution
    out[np.isnat(values)] = np.nan
    return out


def _pyarrow_timestamp_ms():
    import pyarrow as pa

    return pa.timestamp("ms")


def to_float(series) -> np.ndarray:
    """Any column as float64 the way a numeric reference column reads it; what is not a number
    (nor a datetime or duration in any storage, see :func:`numeric_values`) becomes NaN."""
    import pandas as pd

    series = series if isinstance(series, pd.Series) else pd.Series(series)
    if is_time_dtype(series.dtype):
        return time_as_seconds(series)
    if not is_number_dtype(series.dtype):
        times = as_datetimes(series)
        if times is None:
            times = as_durations(series)
        if times is not None:
            return time_as_seconds(times)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def numeric_values(series, name: str, source: str) -> tuple[np.ndarray, bool]:
    """Column as float64 and whether it held datetimes or durations; raise if a non-missing
    value is not a number.

    Datetime and duration columns become seconds (see :func:`time_as_seconds`), NaT missing,
    and so do datetimes held in other forms (see :func:`as_datetimes`: ISO 8601 text from a
    CSV file, Python dates from a Parquet date column, pandas periods or categories of
    datetimes), by the same rule: seconds since 1970-01-01 UTC; durations held as text (see
    :func:`as_durations`) become their length in seconds.
    """
    import pandas as pd

    if is_time_dtype(series.dtype):
        return time_as_seconds(series), True
    if is_number_dtype(series.dtype):
        return series.to_numpy(dtype=float, na_value=np.nan), False
    times = as_datetimes(series)
    if times is None:
        times = as_durations(series)
    if times is not None:
        return time_as_seconds(times), True
    coerced = pd.to_numeric(series, errors="coerce")
    bad = coerced.isna() & series.notna()
    if bad.any():
        example = series[bad].iloc[0]
        raise InputError(f"column '{name}' of {source} is numeric in the reference but holds "
                         f"{int(bad.sum())} non-numeric value(s) such as {example!r}")
    return coerced.to_numpy(dtype=float, na_value=np.nan), False


def as_numeric(series, name: str, source: str) -> np.ndarray:
    """Column as float64 (see :func:`numeric_values`); raise if a non-missing value is not a number."""
    return numeric_values(series, name, source)[0]


# -- the profile ------------------------------------------------------------------------------
@dataclass
class ReferenceProfile:
    """Everything ``DriftMonitor.check`` needs from the reference data.

    Build it with :meth:`from_frame` (pandas) or :meth:`from_dask`; write it with :meth:`save`
    and read it back with :meth:`load`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> x = np.random.default_rng(0).normal(size=50_000)
    >>> frame = pd.DataFrame({"x": x, "c": ["a", "b"] * 25_000})
    >>> profile = ReferenceProfile.from_frame(frame, rng=0)
    >>> profile.kinds
    {'x': 'numeric', 'c': 'categorical'}
    >>> profile.columns["x"].n, profile.columns["x"].exact
    (50000, False)
    """

    columns: dict
    n_rows: int
    eps: float
    max_exact: int
    n_bins: int
    sample: object = None  # a small pandas DataFrame of reference rows, or None
    meta: dict = field(default_factory=dict)
    version: int = FORMAT_VERSION  # the file format the profile was read from (its meaning of times)

    @property
    def kinds(self) -> dict[str, str]:
        return {name: summary.kind for name, summary in self.columns.items()}

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    # -- building -----------------------------------------------------------------------------
    @classmethod
    def from_frame(cls, frame, *, column_types=None, eps: float = 0.0005, max_exact: int = 10_000,
                   n_bins: int = 20, sample_size: int = 5000, rng=None) -> ReferenceProfile:
        """Profile a pandas DataFrame."""
        from .._validation import check_rng

        frame = as_frame(frame, "frame")
        eps, max_exact, n_bins, sample_size = check_profile_params(eps, max_exact, n_bins, sample_size)
        generator = check_rng(rng)
        dtypes = frame.dtypes.to_dict()
        infer_kinds(dtypes, column_types)  # the overrides are checked before any column is read
        states = [number_object_states(frame, object_candidates(dtypes, column_types))]
        kinds = infer_kinds(dtypes, column_types, merge_number_states(states) | merge_number_states(states, "duration"),
                            merge_number_states(states, "datetime"))
        from .._progress import progress

        columns = {}
        with progress(len(kinds), "profiling columns") as bar:
            for name, kind in kinds.items():
                series = frame[name]
                if kind == NUMERIC:
                    x, times = numeric_values(series, name, "the reference")
                    summary = NumericSummary.from_values(name, x, eps=eps, max_exact=max_exact)
                    summary.id_like = summary.id_like and not times  # distinct instants are no ids
                    columns[name] = summary.finalise(n_bins)
                elif kind == DATETIME:
                    columns[name] = DatetimeSummary.from_values(name, series)
                else:
                    columns[name] = CategoricalSummary.from_values(name, series)
                bar.advance(1)
        sample = None
        if sample_size > 0:
            take = min(sample_size, len(frame))
            idx = np.sort(generator.choice(len(frame), size=take, replace=False))
            sample = _sample_frame(frame.iloc[idx], kinds)
        profile = cls(columns, int(len(frame)), eps, max_exact, n_bins, sample)
        profile.warn_identifiers()
        return profile

    @classmethod
    def from_dask(cls, ddf, *, column_types=None, eps: float = 0.0005, max_exact: int = 10_000,
                  n_bins: int = 20, sample_size: int = 5000, rng=None) -> ReferenceProfile:
        """Profile a Dask DataFrame partition by partition and merge the summaries."""
        import pandas as pd

        from .._errors import require
        from .._validation import check_rng

        dask = require("dask", "dask", "Profiling a Dask DataFrame")
        eps, max_exact, n_bins, sample_size = check_profile_params(eps, max_exact, n_bins, sample_size)
        dtypes = ddf.dtypes.to_dict()
        infer_kinds(dtypes, column_types)  # the overrides are checked before any partition is read
        generator = check_rng(rng)
        seeds = generator.integers(0, 2**63 - 1, size=ddf.npartitions)
        parts = ddf.to_delayed()
        candidates = object_candidates(dtypes, column_types)
        states = []
        if candidates:  # columns of Python objects or text: one pass to see whether they hold numbers
            states = dask.compute(*[dask.delayed(number_object_states)(part, candidates) for part in parts])
        datetime_objects = merge_number_states(states, "datetime")
        durations = merge_number_states(states, "duration")  # text durations: numbers, in seconds
        kinds = infer_kinds(dtypes, column_types, merge_number_states(states) | durations, datetime_objects)
        # datetimes and durations declared numeric: distinct instants are no identifiers
        times = {str(name) for name, dtype in dtypes.items() if is_time_dtype(dtype) or is_datetime_dtype(dtype)}
        times |= datetime_objects | durations
        tasks = [dask.delayed(_profile_partition)(part, kinds, eps / 2, max_exact, sample_size, int(seed))
                 for part, seed in zip(parts, seeds)]
        results = dask.compute(*tasks)
        columns = {}
        any_compressed = any(not s.exact for r in results for s in r[0].values() if s.kind == NUMERIC)
        for name, kind in kinds.items():
            pieces = [r[0][name] for r in results]
            if kind == NUMERIC:
                merged = NumericSummary.merge(pieces, eps=eps / 2 if any_compressed else eps, max_exact=max_exact)
                merged.id_like = merged.id_like and name not in times
                columns[name] = merged.finalise(n_bins)
            elif kind == DATETIME:
                columns[name] = DatetimeSummary.merge(pieces)
            else:
                columns[name] = CategoricalSummary.merge(pieces)
        n_rows = sum(r[1] for r in results)
        if n_rows == 0:
            raise InputError("`reference` must have at least 1 row(s), got 0")
        sample = None
        if sample_size > 0:
            frames = [r[2] for r in results if r[2] is not None and len(r[2])]
            if frames:
                pooled = pd.concat(frames, ignore_index=True)
                pooled = pooled.nsmallest(sample_size, "__key__").sort_values("__key__")
                sample = pooled.drop(columns="__key__").reset_index(drop=True)
                if sample.shape[1] == 0:  # every column a datetime one: no rows either, as from_frame
                    sample = pd.DataFrame()
        profile = cls(columns, int(n_rows), eps, max_exact, n_bins, sample)
        profile.warn_identifiers()
        return profile

    def identifier_columns(self) -> list[str]:
        """Columns that look like identifiers: categories, or whole numbers that rise with the
        rows or take most of the integers over their range, nearly every value distinct (at
        least 95 % of at least 100 values, see :func:`looks_like_ids`).

        A numeric column's verdict is kept in the profile file; profiles saved before it was
        kept list no numeric column (their compressed columns no longer hold every distinct value).
        """
        return [name for name, s in self.columns.items() if s.kind != DATETIME and s.id_like]

    def warn_identifiers(self) -> None:
        """Warn, naming them, about columns that look like identifiers (:meth:`identifier_columns`).

        Row numbers, order numbers and UUIDs take new values in every batch: a numeric one is
        beyond the reference's range, a categorical one all unseen categories, so they alert on
        every check (or, with many rare categories, say nothing useful). They are still
        profiled and tested; leave them out with ``DriftMonitor.fit(..., exclude=...)`` (a batch
        may still hold them: ``check`` ignores columns the profile lacks). The warning points at
        the first caller outside this package.
        """
        import warnings

        from .._errors import ScimlkitWarning

        names = self.identifier_columns()
        if not names:
            return
        shown = ", ".join(f"'{n}'" for n in names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        warnings.warn(
            f"column(s) {shown} look like identifiers (nearly every value distinct; numbers counting up "
            f"with the rows or filling their range): a batch's values are then mostly new, so they alert "
            f"on most checks; they are profiled and tested as given (a table sorted by a measurement "
            f"makes that measurement count up with the rows); if they are identifiers leave them out: "
            f"fit(..., exclude=[...]) or 'scimlkit drift fit --exclude COLS'",
            ScimlkitWarning, stacklevel=_caller_level())

    # -- files --------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write the profile to one file (a compressed NumPy archive, no pickles)."""
        path = _file_path(path, "profile output")
        if not path.name or path.is_dir():
            raise InputError(f"profile output '{path}' is a folder; give a file name, e.g. '{path / 'profile.npz'}'")
        arrays: dict[str, np.ndarray] = {}
        cols = []
        for i, (name, s) in enumerate(self.columns.items()):
            entry = {"name": name, "kind": s.kind, "n_rows": s.n_rows, "n_missing": s.n_missing}
            if s.kind == NUMERIC:
                entry.update(mean=s.mean, m2=s.m2, exact=s.exact, scale=s.scale)
                if s.id_like:  # absent (False) from files written before it was kept
                    entry["id_like"] = True
                arrays[f"c{i}_values"] = s.values
                arrays[f"c{i}_cum"] = s.cum
                arrays[f"c{i}_bins"] = s.bins
                if s.slack is not None:
                    arrays[f"c{i}_slack"] = s.slack
            elif s.kind == DATETIME:
                pass  # the counts are in the entry
            else:
                arrays[f"c{i}_categories"] = np.asarray(s.categories, dtype=str)
                arrays[f"c{i}_counts"] = s.counts
            cols.append(entry)
        sample_cols = []
        if self.sample is not None:
            for i, name in enumerate(self.sample.columns):
                kind = self.columns[name].kind
                col = self.sample[name]
                if kind == NUMERIC:
                    arrays[f"s{i}"] = col.to_numpy(dtype=float, na_value=np.nan)
                else:
                    mask = col.isna().to_numpy()
                    arrays[f"s{i}"] = np.where(mask, "", col.astype(str).to_numpy()).astype(str)
                    arrays[f"s{i}_missing"] = mask
                sample_cols.append(name)
        meta = {"format": FORMAT, "version": min(self.version, FORMAT_VERSION), "n_rows": self.n_rows, "eps": self.eps,
                "max_exact": self.max_exact, "n_bins": self.n_bins, "columns": cols,
                "sample_columns": sample_cols if self.sample is not None else None, "extra": self.meta}
        arrays["__meta__"] = np.array(json.dumps(meta))
        if not path.parent.exists():
            raise InputError(f"profile output '{path}': folder '{path.parent}' does not exist")
        if not path.parent.is_dir():
            raise InputError(f"profile output '{path}': '{path.parent}' is not a folder")
        tmp = path.with_name(path.name + ".tmp")
        try:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, **arrays)
            tmp.replace(path)
        except OSError as exc:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
            raise InputError(f"profile output '{path}' could not be written: {exc.strerror or exc}") from None
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> ReferenceProfile:
        """Read a profile written by :meth:`save`; a corrupt or foreign file raises ``InputError``."""
        import pandas as pd

        path = _file_path(path, "profile")
        if not path.exists():
            raise InputError(f"profile '{path}' does not exist")
        if path.is_dir():
            raise InputError(f"profile '{path}' is a directory, not a file")
        try:
            with np.load(path, allow_pickle=False) as archive:
                if not isinstance(archive, np.lib.npyio.NpzFile) or "__meta__" not in archive.files:
                    raise KeyError("__meta__")
                meta = json.loads(str(archive["__meta__"]))
                if not isinstance(meta, dict) or not isinstance(meta.get("columns"), list):
                    raise ValueError("malformed metadata")
                if meta.get("format") != FORMAT:
                    raise KeyError("format")
                if int(meta.get("version", 0)) > FORMAT_VERSION:
                    raise InputError(f"profile '{path}' has format version {meta['version']}, newer than "
                                     f"this scimlkit reads ({FORMAT_VERSION}); upgrade scimlkit")
                columns = {}
                for i, c in enumerate(meta["columns"]):
                    if c["kind"] == NUMERIC:
                        s = NumericSummary(c["name"], int(c["n_rows"]), int(c["n_missing"]),
                                           archive[f"c{i}_values"].astype(float), archive[f"c{i}_cum"].astype(np.int64),
                                           float(c["mean"]), float(c["m2"]), bool(c["exact"]),
                                           archive[f"c{i}_bins"].astype(np.int32), float(c.get("scale", 1.0)),
                                           id_like=bool(c.get("id_like", False)))
                        if f"c{i}_slack" in archive.files:  # absent from profiles saved before it was kept
                            s.slack = archive[f"c{i}_slack"].astype(float)
                            if s.slack.shape != s.values.shape or not np.isfinite(s.slack).all():
                                raise ValueError("inconsistent numeric summary")
                        if s.values.shape != s.cum.shape or s.bins.size != s.values.size + 1:
                            raise ValueError("inconsistent numeric summary")
                        if not (math.isfinite(s.scale) and s.scale > 0):
                            raise ValueError("bad scale")
                    elif c["kind"] == DATETIME:
                        s = DatetimeSummary(c["name"], int(c["n_rows"]), int(c["n_missing"]))
                    elif c["kind"] == CATEGORICAL:
                        s = CategoricalSummary(c["name"], int(c["n_rows"]), int(c["n_missing"]),
                                               *_merged(archive[f"c{i}_categories"].astype(str),
                                                        archive[f"c{i}_counts"].astype(np.int64)))
                    else:
                        raise ValueError(f"unknown column kind {c['kind']!r}")
                    columns[c["name"]] = s
                sample = None
                if meta.get("sample_columns") is not None:
                    data = {}
                    for i, name in enumerate(meta["sample_columns"]):
                        if columns[name].kind == NUMERIC:
                            data[name] = archive[f"s{i}"].astype(float)
                        else:
                            values = archive[f"s{i}"].astype(object)
                            values[archive[f"s{i}_missing"]] = None
                            data[name] = values
                    sample = pd.DataFrame(data)
                extra = meta.get("extra") or {}
                if not isinstance(extra, dict):
                    raise ValueError("malformed extra metadata")
                profile = cls(columns, int(meta["n_rows"]), float(meta["eps"]), int(meta["max_exact"]),
                              int(meta["n_bins"]), sample, dict(extra), max(1, int(meta.get("version", 1))))
        except InputError:
            raise
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError, zipfile.BadZipFile,
                json.JSONDecodeError, EOFError) as exc:
            raise InputError(f"profile '{path}' is not a readable scimlkit drift profile (corrupt or another "
                             f"kind of file: {type(exc).__name__})") from None
        profile._warn_time_categories(path)
        return profile

    def _warn_time_categories(self, path) -> None:
        """Warn when a profile saved before format version 3 holds, as categories, a column that
        is now a datetime column (or a duration column, now numeric).

        Earlier versions read datetimes and durations as categories: every later batch's
        timestamps are unseen categories, so such a column alerts on every check. The stored
        categories show which columns these were (columns declared categorical in the stored
        monitor settings are left alone); the profile must be refitted to change them.
        """
        import warnings

        import pandas as pd

        from .._errors import ScimlkitWarning

        if self.version >= 3:
            return
        settings = self.meta.get("monitor")
        declared = settings.get("column_types") if isinstance(settings, dict) else None
        declared = declared if isinstance(declared, dict) else {}
        times, durations = [], []
        for name, summary in self.columns.items():
            if summary.kind != CATEGORICAL or summary.categories.size == 0 or name in declared:
                continue
            cats = pd.Series(summary.categories, dtype=object)
            if holds_datetimes(cats):
                times.append(name)
            elif cats.str.fullmatch(_DURATION_TEXT).all():
                durations.append(name)
        if not times and not durations:
            return
        parts = []
        if times:
            parts.append(f"{', '.join(times)} hold(s) datetimes, now of the kind 'datetime' (values not tested)")
        if durations:
            parts.append(f"{', '.join(durations)} hold(s) durations, now numeric (in seconds)")
        warnings.warn(
            f"profile '{path}' was saved by an earlier scimlkit version (profile format {self.version}) that "
            f"read datetime and duration columns as categories: column(s) {'; '.join(parts)}. As saved, "
            f"every new timestamp is an unseen category and these columns alert on every batch; refit the "
            f"monitor or profile on the reference data", ScimlkitWarning, stacklevel=3)

    def check_time_columns(self, frame) -> None:
        """Raise ``InputError`` if a datetime or duration column of ``frame`` meets a numeric
        column of a profile saved in format version 1.

        Version 1 read such columns as raw integers in the column's own unit (nanoseconds for
        ``datetime64[ns]``); they are now read in seconds, so the stored summary cannot be
        compared with the batch: the profile must be refitted. Profiles without such columns
        are not affected.
        """
        if self.version >= 2:
            return
        for name, summary in self.columns.items():
            if summary.kind == NUMERIC and name in frame.columns and is_time_dtype(frame[name].dtype):
                raise InputError(
                    f"column '{name}' is a datetime/duration column ({frame[name].dtype}) declared numeric, "
                    f"but the profile was saved by an earlier scimlkit version (profile format 1) that read "
                    f"such columns as raw integers in the column's own unit; they are now read in seconds, "
                    f"so the stored summary cannot be compared: refit the monitor or profile on the "
                    f"reference data")

    def nbytes(self) -> int:
        """Approximate memory held by the profile's arrays, in bytes."""
        total = 0
        for s in self.columns.values():
            if s.kind == NUMERIC:
                total += s.values.nbytes + s.cum.nbytes + s.bins.nbytes
                total += s.slack.nbytes if s.slack is not None else 0
            elif s.kind == CATEGORICAL:
                total += s.categories.nbytes + s.counts.nbytes
        if self.sample is not None:
            total += int(self.sample.memory_usage(deep=True).sum())
        return total


def _sample_frame(frame, kinds):
    """The rows of ``frame`` as the multivariate test reads them: numeric columns as floats,
    categorical ones as labels; datetime columns are left out (their values are not tested)."""
    import pandas as pd

    data = {}
    for name, kind in kinds.items():
        if kind == NUMERIC:
            data[name] = as_numeric(frame[name], name, "the reference")
        elif kind == CATEGORICAL:
            data[name] = category_column(frame[name])
    return pd.DataFrame(data).reset_index(drop=True)


def _profile_partition(part, kinds, eps, max_exact, sample_size, seed):
    """Summaries of one partition, its row count and a keyed row sample (runs on a worker)."""
    columns = {}
    for name, kind in kinds.items():
        if kind == NUMERIC:
            x, times = numeric_values(part[name], name, "the reference")
            columns[name] = NumericSummary.from_values(name, x, eps=eps, max_exact=max_exact)
            columns[name].id_like = columns[name].id_like and not times  # distinct instants are no ids
        elif kind == DATETIME:
            columns[name] = DatetimeSummary.from_values(name, part[name])
        else:
            columns[name] = CategoricalSummary.from_values(name, part[name])
    sample = None
    if sample_size > 0 and len(part):
        gen = np.random.default_rng(seed)
        keys = gen.random(len(part))
        keep = np.argsort(keys)[:sample_size]
        sample = _sample_frame(part.iloc[np.sort(keep)], kinds)
        sample["__key__"] = keys[np.sort(keep)]
    return columns, int(len(part)), sample
