"""``DriftMonitor``: fit a reference profile, check batches against it."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._errors import InputError, NotFittedError
from .._progress import progress
from .._results import Result
from .._validation import check_alpha, check_array, check_int, check_option, check_scalar, describe
from ._corrections import CORRECTIONS, adjust_pvalues
from ._history import _monitor_name
from ._multivariate import MultivariateDriftResult, domain_classifier_test
from ._profile import (
    DATETIME,
    NUMERIC,
    ReferenceProfile,
    as_frame,
    category_labels,
    check_profile_params,
    holds_datetime_values,
    is_number_dtype,
    numeric_values,
)
from ._tests import (
    NUMERIC_TESTS,
    categorical_column,
    format_unseen,
    ks_pvalues,
    missing_rate_tests,
    numeric_column,
    top_unseen,
)

__all__ = ["DriftMonitor", "DriftReport", "health_score", "TABLE_COLUMNS", "STATUSES"]

#: Columns of a :class:`DriftReport` table, in order (each is described in :class:`DriftReport`).
#: ``effect`` is the number the effect-size gate compares with ``min_effect``: the Jensen-Shannon
#: distance of the value test with its sampling bias removed (NaN when the values are not tested).
TABLE_COLUMNS = ("column", "kind", "status", "test", "statistic", "pvalue", "pvalue_adj", "significant",
                 "js_distance", "effect", "wasserstein", "psi", "missing_ref", "missing_cur", "missing_pvalue",
                 "missing_pvalue_adj", "n_current", "unseen", "n_unseen", "unseen_share", "severity", "alert")

#: Share of a batch column's values in categories the reference never saw from which
#: :meth:`DriftReport.summary` names the column.
UNSEEN_NOTE_SHARE = 0.5

#: Per-column statuses of a :class:`DriftReport` table.
STATUSES = {
    "ok": "tested normally",
    "constant_reference": "the reference column holds a single value; tests run, the Wasserstein "
                          "distance is in the column's own units (no spread to divide by)",
    "reference_empty": "the reference column has no non-missing value; only the missing rate is tested",
    "current_empty": "the batch column has no non-missing value; only the missing rate is tested",
    "type_mismatch": "the batch column holds values of another type than the reference column: "
                     "non-numeric values where the reference is numeric, or values that are not "
                     "datetimes (numbers, other text) where it is a datetime column; no test, always "
                     "an alert",
    "datetime": "a datetime column: its values move with time, so they are not tested; its missing "
                "rate is (declare it 'numeric' in `column_types` to compare it in seconds)",
}

_MV_MIN_ROWS = 10  # reference rows the multivariate test needs

TEST_NAMES = {"ks": "kolmogorov-smirnov", "cvm": "cramer-von-mises", "anderson": "anderson-darling",
              "chi2": "chi-squared", None: "none"}


def health_score(severity) -> float:
    """Health of a feature set from per-column severities in [0, 1]: ``1 - sqrt(mean(s**2))``.

    A root-mean-square rather than a mean, so that a few badly drifted columns among many pull
    the score down visibly: 3 fully drifted columns of 30 give ``1 - sqrt(3/30) = 0.68``, while
    the mean severity would give 0.9.

    Examples
    --------
    >>> round(health_score([1, 1, 1] + [0] * 27), 3)
    0.684
    >>> health_score([0.0] * 30)
    1.0
    """
    s = check_array(severity, "severity", ndim=(0, 1), min_size=0)
    if s.size == 0:
        return 1.0
    outside = (s < 0.0) | (s > 1.0)
    if outside.any():
        raise InputError(f"`severity` must hold values in [0, 1], got {float(s[outside].ravel()[0]):g}")
    return float(1.0 - math.sqrt(float(np.mean(s * s))))


@dataclass(frozen=True, slots=True)
class DriftReport(Result):
    """The outcome of one :meth:`DriftMonitor.check`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per reference column, with the columns of :data:`TABLE_COLUMNS`: ``test``,
        ``statistic``, ``pvalue`` and its family-wise ``pvalue_adj``, ``significant``
        (``pvalue_adj < alpha``), the distances ``js_distance`` (Jensen-Shannon distance, base 2,
        in [0, 1], over the reference's quantile bins or the categories), ``effect`` (the number
        the effect-size gate compares with ``min_effect``: the Jensen-Shannon distance with its
        sampling bias removed, over the same quantile bins for a numeric column and over the
        chi-squared test's cells for a categorical one, a rare cell too small for the test kept
        apart, see :meth:`DriftMonitor.check`; NaN when the values are not tested), ``wasserstein`` (Wasserstein-1 divided by the
        reference standard deviation: exact, as ``scipy.stats.wasserstein_distance``, when the profile holds every reference
        value; from a compressed profile within a few per cent on smooth columns, up to about a
        quarter for very heavy tails, and only to within a small fraction of the reference's
        spread across gaps between modes) and ``psi`` (population stability index,
        shares floored at 1e-4, over the same quantile bins, or over the reference's categories
        each unseen one a bin of its own, except that those each below the floor are pooled
        into one, so that a batch of many rare new categories reads as a change), the missing rates in the reference and the batch with the (adjusted)
        p-value of their two-proportion test, ``unseen`` (batch categories the reference never
        saw, comma-separated: the 20 most frequent, then how many more, as
        ``"a,b,... (+480 more)"``; a name holding a comma is quoted as in CSV, a long one cut in
        the middle), ``n_unseen`` (how many unseen categories), ``unseen_share`` (the share of
        the batch's values in them; NaN for columns that are not categorical), ``severity`` (in [0, 1], see :meth:`DriftMonitor.check`),
        ``status`` (see :data:`STATUSES`) and ``alert``.
    alert : bool
        Whether any column raised an alert (or the multivariate test, when run, is significant).
    health : float
        Health score in [0, 1] (see :func:`health_score`) of the column severities and, when it
        ran, of the multivariate test (see :meth:`DriftMonitor.check`).
    n_alerts : int
        Number of columns with an alert.
    n_reference, n_current : int
        Rows in the reference and in the batch.
    method, correction : str
        Numeric test and multiple-testing correction used.
    alpha, min_effect : float
        Family-wise level and effect-size gate.
    extra_columns : tuple of str
        Batch columns the reference does not have (ignored).
    multivariate : MultivariateDriftResult or None
        The domain-classifier test, when requested.
    batch : str or None
        Batch label given to ``check``.
    timestamp : str
        When the check ran (ISO 8601, UTC).
    unseen_names : dict
        Per categorical column with unseen categories, the 20 most frequent of them (most
        frequent first, names in full).
    monitor : str or None
        The ``name`` of the monitor that made the check.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> gen = np.random.default_rng(1)
    >>> monitor = DriftMonitor().fit(pd.DataFrame({"x": gen.normal(size=5000)}))
    >>> report = monitor.check(pd.DataFrame({"x": gen.normal(1.0, 1.0, 1000)}), batch="2024-05-01")
    >>> report.alert, report.drifted(), report.to_frame().loc[0, "status"]
    (True, ['x'], 'ok')
    """

    table: object
    alert: bool
    health: float
    n_alerts: int
    n_reference: int
    n_current: int
    method: str
    correction: str
    alpha: float
    min_effect: float
    extra_columns: tuple
    multivariate: MultivariateDriftResult | None
    batch: str | None
    timestamp: str
    unseen_names: dict = dataclasses.field(default_factory=dict)
    monitor: str | None = None

    def to_frame(self):
        """The per-column table (a copy)."""
        return self.table.copy()

    def drifted(self) -> list[str]:
        """Names of the columns with an alert."""
        return self.table.loc[self.table["alert"], "column"].tolist()

    def summary(self) -> str:
        """One line: health, alerts and the drifted columns, and the categorical columns whose
        batch values are mostly categories the reference never saw (identifiers, or a new
        coding of the column)."""
        names = self.drifted()
        shown = ", ".join(names[:6]) + (" ..." if len(names) > 6 else "")
        text = f"health {self.health:.3f}; {self.n_alerts} of {len(self.table)} column(s) drifted"
        if names:
            text += f" ({shown})"
        if self.multivariate is not None:
            mv = self.multivariate
            text += f"; domain classifier AUROC {mv.auroc:.3f} (adjusted p={mv.pvalue_adj:.2g})"
        new = self.table.loc[self.table["unseen_share"] >= UNSEEN_NOTE_SHARE, ["column", "unseen_share"]]
        if len(new):
            text += ("; mostly categories the reference never saw: "
                     + ", ".join(f"{c} ({share:.0%})" for c, share in zip(new["column"], new["unseen_share"]))
                     + " (identifiers? leave them out with exclude)")
        return text


def _without(frame, exclude):
    """``frame`` without the columns named in ``exclude`` (a name or a list of names)."""
    if exclude is None:
        return frame
    names = [exclude] if isinstance(exclude, str) else exclude
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise InputError(f"`exclude` must be a column name or a list of column names, got {exclude!r}")
    have = [str(c) for c in frame.columns]
    unknown = [n for n in names if n not in have]
    if unknown:
        raise InputError(f"`exclude` names column(s) {', '.join(repr(n) for n in unknown)} that the reference "
                         f"does not have; it has {', '.join(repr(c) for c in have[:20])}"
                         f"{' ...' if len(have) > 20 else ''}")
    drop = [c for c in frame.columns if str(c) in set(names)]
    if len(drop) == len(have):
        raise InputError("`exclude` names every column of the reference; at least one must be left")
    return frame.drop(columns=drop)


class DriftMonitor:
    """Data-drift monitor of a model's input features (scikit-learn style estimator).

    ``fit(reference)`` summarises the reference data into a compact :class:`ReferenceProfile`;
    ``check(batch)`` compares a batch with it column by column and returns a :class:`DriftReport`.

    Per column: a numeric column is tested with the two-sample Kolmogorov-Smirnov test (or the
    Cramer-von Mises / Anderson-Darling k-sample tests), a categorical column with a chi-squared
    test of homogeneity with rare categories pooled (a pooled cell still too small for it, as a
    new category in a small batch is, gets Fisher's exact test beside it, the column's p-value
    the smaller of the chi-squared p-value over 0.8 and Fisher's over 0.2, a weighted
    Bonferroni rule); the missing-value rate is tested on its own
    with a two-proportion test (Pearson chi-squared, or Fisher's exact test where an expected cell count
    is below 5, as with rare missing values). All p-values of a check form one family, corrected with Holm
    (default), Bonferroni or Benjamini-Hochberg; a missing-rate test joins the family only when
    the column has a missing value in the reference or the batch.

    An **alert** needs significance *and* size: a column alerts when its adjusted p-value is below
    ``alpha`` and its effect (the ``effect`` column: the Jensen-Shannon distance with its sampling
    bias removed) is at least ``min_effect``, or when its missing-rate test is significant and
    the missing rate moved by at least ``min_effect`` (absolute), or on a type mismatch. The
    effect reads the distance over the reference's 20 quantile bins for a numeric column and
    over the chi-squared test's cells for a categorical one (a rare cell too small for the test
    kept apart), less what two samples of one distribution show on average (see the Notes of :meth:`check`), so that ``min_effect`` means
    the same for both kinds. The correction is a large-sample one: with a few rows per bin (a
    batch of less than about 500 rows against 20 bins) a stable column's effect is often well
    above the default gate (a median of 0.06 at 100 batch rows, 0.2 at 30), so on small
    batches the significance test, not the gate, keeps false alerts at the ``alpha`` rate. The raw ``js_distance`` of the table is
    far from 0 on a stable day when the batch is small or the categories many (about 0.06 for
    a normal feature with 10,000 reference and 1,000 batch rows; 0.04 for 300 equally likely
    categories at 100,000 and 50,000 rows; near 1 for identifiers).

    Parameters
    ----------
    method : {"ks", "cvm", "anderson"}
        Numeric test: Kolmogorov-Smirnov, Cramer-von Mises, or Anderson-Darling (k-sample).
    correction : {"holm", "bonferroni", "bh"}
        Multiple-testing correction across the columns of one check.
    alpha : float
        Family-wise error level (false discovery rate for ``"bh"``).
    min_effect : float
        Effect-size gate on a column's ``effect``: the Jensen-Shannon distance (base 2, in
        [0, 1]) over the reference's quantile bins (numeric) or the chi-squared test's cells
        (categorical; a rare cell too small for the test kept apart), with its sampling bias
        removed. The default 0.025 lies between the effect
        of a 0.02 SD shift of a normal feature (about 0.006 with 100,000 reference and 50,000
        batch rows, where the shift is significant on 3 days in 4 but immaterial; 0.008 in the
        population) and that of a 0.1 SD shift (about 0.041; 0.042 in the population). Without
        the bias removed, a same-distribution batch of 1,000 rows against 10,000 would read
        0.06 on average; its effect has a median of 0.
    column_types : dict, optional
        ``{column: "numeric" | "categorical"}`` overrides; otherwise numeric dtypes (not bool)
        and durations (timedeltas, compared in seconds) are numeric, and so is a column of
        Python objects whose every non-missing value is a real number (int, float,
        ``decimal.Decimal``, NumPy number; not bool, not text), as pandas reads a Parquet
        DECIMAL column or builds an integer column holding ``None``. Datetime columns
        (timestamps and dates: datetime dtypes, pandas periods and categories of datetimes,
        Python datetimes, ISO 8601 text naming real dates) are of the kind ``"datetime"``: their
        values move with time, so that every later batch would differ from the reference, and
        they are not tested (status ``"datetime"``, no alert from their values; their missing
        rate is tested; a batch column that holds anything but datetimes is a type mismatch).
        Everything else is categorical (text that looks like numbers included: declare such a
        column numeric). A datetime column declared numeric, in any of these forms, is compared
        in seconds (since 1970-01-01 UTC; naive ones read as UTC), NaT as missing.
    eps : float
        Bound on the error of the profile's reference ECDF (and so of the KS statistic) for
        columns with more than ``max_exact`` values.
    max_exact : int
        Columns with at most this many non-missing values are kept exactly. With an exact column
        and both samples of at most 10,000 values, the KS p-value comes from SciPy's exact
        distribution, as ``scipy.stats.ks_2samp`` does by default (slower than the asymptotic one
        used otherwise).
    n_bins : int
        Reference quantile bins of the histograms behind the Jensen-Shannon distance and PSI.
    sample_size : int
        Reference rows kept for the multivariate test (0 keeps none).
    multivariate : bool
        Run the domain-classifier test in every ``check`` (it can also be asked per check).
    name : str, optional
        The monitor's name (e.g. the model it watches), kept in every :class:`DriftReport` as
        ``monitor`` and recorded with each check in a :class:`DriftHistory`, so that several
        monitors can share one history file (read one with ``history(monitor=name)``). Saved
        with the profile.
    n_jobs : int or None
        Threads used by ``check`` for the per-column work (1, the default: none; None: up to 4,
        one per core; -1: all cores). NumPy releases the GIL for most of that work.
    rng : int or numpy.random.Generator, optional
        Seed for the row sample and the domain classifier.

    Attributes
    ----------
    profile_ : ReferenceProfile
        The fitted profile.
    feature_names_in_ : numpy.ndarray of str
        Reference columns.
    n_features_in_ : int
        Number of reference columns.
    kinds_ : dict
        ``{column: "numeric" | "categorical" | "datetime"}``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> gen = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"age": gen.normal(40, 10, 20_000), "plan": gen.choice(["a", "b"], 20_000)})
    >>> monitor = DriftMonitor(rng=0).fit(ref)
    >>> batch = pd.DataFrame({"age": gen.normal(45, 10, 5_000), "plan": gen.choice(["a", "b"], 5_000)})
    >>> report = monitor.check(batch)
    >>> report.drifted()
    ['age']
    >>> report.to_frame()[["column", "test", "alert"]].to_dict("records")[1]
    {'column': 'plan', 'test': 'chi-squared', 'alert': False}
    """

    def __init__(self, *, method: str = "ks", correction: str = "holm", alpha: float = 0.05,
                 min_effect: float = 0.025, column_types: dict | None = None, eps: float = 0.0005,
                 max_exact: int = 10_000, n_bins: int = 20, sample_size: int = 5000,
                 multivariate: bool = False, name: str | None = None, n_jobs: int | None = 1, rng=None):
        self.method = method
        self.correction = correction
        self.alpha = alpha
        self.min_effect = min_effect
        self.column_types = column_types
        self.eps = eps
        self.max_exact = max_exact
        self.n_bins = n_bins
        self.sample_size = sample_size
        self.multivariate = multivariate
        self.name = name
        self.n_jobs = n_jobs
        self.rng = rng

    # -- scikit-learn plumbing ----------------------------------------------------------------
    _PARAMS = ("method", "correction", "alpha", "min_effect", "column_types", "eps", "max_exact", "n_bins",
               "sample_size", "multivariate", "name", "n_jobs", "rng")

    def get_params(self, deep: bool = True) -> dict:
        return {name: getattr(self, name) for name in self._PARAMS}

    def set_params(self, **params) -> DriftMonitor:
        self._check_param_names(params, "DriftMonitor")
        for name, value in params.items():
            setattr(self, name, value)
        return self

    @classmethod
    def _check_param_names(cls, names, where: str) -> None:
        """Raise ``InputError`` naming the first of ``names`` that is not a parameter."""
        unknown = [name for name in names if name not in cls._PARAMS]
        if unknown:
            raise InputError(f"invalid parameter {unknown[0]!r} for {where}; valid: {', '.join(cls._PARAMS)}")

    def __repr__(self) -> str:
        defaults = DriftMonitor().get_params()
        changed = {k: v for k, v in self.get_params().items() if v is not defaults[k] and v != defaults[k]}
        return "DriftMonitor(" + ", ".join(f"{k}={v!r}" for k, v in changed.items()) + ")"

    def __sklearn_tags__(self):
        from sklearn.utils import Tags, TargetTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=False), requires_fit=True)

    def _validate_params(self) -> None:
        check_option(self.method, "method", NUMERIC_TESTS)
        check_option(self.correction, "correction", CORRECTIONS)
        check_alpha(self.alpha, "alpha")
        check_scalar(self.min_effect, "min_effect", low=0.0, high=1.0)
        check_profile_params(self.eps, self.max_exact, self.n_bins, self.sample_size)
        check_int(self.n_jobs, "n_jobs", allow_none=True)
        _monitor_name(self.name, "name")
        if self.n_jobs == 0:
            raise InputError("`n_jobs` must be a positive number of threads, a negative count from the "
                             "number of cores (-1 = all), or None, got 0")
        if self.column_types is not None and not isinstance(self.column_types, dict):
            raise InputError(f"`column_types` must be a dict or None, got {type(self.column_types).__name__}")

    def _check_fitted(self) -> ReferenceProfile:
        profile = getattr(self, "profile_", None)
        if profile is None:
            raise NotFittedError("this DriftMonitor is not fitted yet; call fit(reference) or DriftMonitor.load(path)")
        return profile

    # -- fit ----------------------------------------------------------------------------------
    def fit(self, reference, y=None, *, exclude=None) -> DriftMonitor:
        """Summarise the reference data (a pandas DataFrame, a 2-D array or a Dask DataFrame).

        Parameters
        ----------
        reference : pandas.DataFrame, numpy.ndarray or dask.dataframe.DataFrame
            The training-time data. A Dask DataFrame is profiled partition by partition
            (``pip install 'scimlkit[dask]'``). Numeric columns must hold finite numbers or
            missing values; an infinite value raises ``InputError`` naming the column. Columns
            that look like identifiers (categories, or whole numbers that rise with the rows or
            fill most of their range, at least 95 % of at least 100 values distinct: row
            numbers, counters, UUIDs, order numbers; see
            :meth:`ReferenceProfile.identifier_columns`) are named in a ``ScimlkitWarning``:
            their values are new in every batch, so they alert on every check; they are
            profiled and tested as given (leave them out with ``exclude``). A table sorted by
            a measurement makes it rise with the rows, so it is named too. A Dask reference
            whose partitions were summarised (too many values to keep) gives a verdict on a
            numeric column only when the partitions' value ranges do not overlap; shuffled ids
            across partitions are then not named. Identifiers that
            repeat (a customer seen a few times in the reference) are not detected: their
            share of distinct values tells them from no ordinary category; the report's
            ``n_unseen`` column shows how many of a batch's categories are new.
        y : None
            Ignored (scikit-learn convention).
        exclude : str or list of str, optional
            Columns of ``reference`` to leave out of the profile (identifiers, targets). A
            name ``reference`` lacks raises ``InputError``. Batches may still hold them: columns
            the profile lacks are ignored by :meth:`check` (listed in ``extra_columns``).

        Returns
        -------
        self
        """
        self._validate_params()
        if exclude is not None and self.column_types:
            excluded = {exclude} if isinstance(exclude, str) else set(exclude) if isinstance(exclude, list | tuple) else set()
            both = sorted(str(c) for c in self.column_types if str(c) in excluded)
            if both:
                raise InputError(f"column(s) {', '.join(repr(c) for c in both)} named both in `exclude` and in "
                                 f"`column_types` (--exclude and --numeric/--categorical); name each in one")
        params = dict(column_types=self.column_types, eps=float(self.eps), max_exact=int(self.max_exact),
                      n_bins=int(self.n_bins), sample_size=int(self.sample_size), rng=self.rng)
        if _is_dask_frame(reference):
            reference = reference.rename(columns=str) if not all(isinstance(c, str) for c in reference.columns) else reference
            reference = _without(reference, exclude)
            if len(reference.columns) == 0:
                raise InputError("`reference` must have at least one column, got none")
            profile = ReferenceProfile.from_dask(reference, **params)
        else:
            reference = _without(as_frame(reference, "reference"), exclude)
            profile = ReferenceProfile.from_frame(reference, **params)
        self._set_profile(profile)
        return self

    def _set_profile(self, profile: ReferenceProfile) -> None:
        self.profile_ = profile
        self.feature_names_in_ = np.array(profile.names, dtype=object)
        self.n_features_in_ = len(profile.names)
        self.kinds_ = profile.kinds

    # -- files --------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write the fitted profile and the monitor's settings to one file."""
        profile = self._check_fitted()
        settings = {k: v for k, v in self.get_params().items() if k not in ("rng", "column_types")}
        if isinstance(self.column_types, dict):  # kept so that a refit of the loaded monitor agrees
            settings["column_types"] = {str(k): v for k, v in self.column_types.items()}
        if self.rng is None or (isinstance(self.rng, int) and not isinstance(self.rng, bool)):
            settings["rng"] = self.rng  # a seed is kept; a Generator's state is not
        profile.meta = {"monitor": settings}
        return profile.save(path)

    @classmethod
    def load(cls, path: str | os.PathLike, **overrides) -> DriftMonitor:
        """A fitted monitor from a file written by :meth:`save`.

        Parameters
        ----------
        path : str or path-like
            The file.
        **overrides
            Settings that replace the stored ones (``method``, ``correction``, ``alpha``,
            ``min_effect``, ``multivariate``, ``name``, ``n_jobs``, ``rng``). The settings the profile was
            built with (``column_types``, ``eps``, ``max_exact``, ``n_bins``, ``sample_size``)
            may be given only with their stored values: the profile cannot follow a change of
            them (fit a new monitor instead). An unknown name raises ``InputError``.

        Returns
        -------
        DriftMonitor
        """
        cls._check_param_names(overrides, "DriftMonitor.load")
        profile = ReferenceProfile.load(path)
        settings = profile.meta.get("monitor", {})
        if not isinstance(settings, dict):
            raise InputError(f"profile '{path}' holds malformed monitor settings (a JSON object is expected)")
        settings = dict(settings)
        # what the profile was built with (its own record wins over the monitor's settings)
        built = {"eps": profile.eps, "max_exact": profile.max_exact, "n_bins": profile.n_bins}
        for name in ("sample_size", "column_types"):
            if name in settings:  # profiles saved before column_types was kept lack it
                built[name] = settings[name]
        for name, value in overrides.items():
            if name == "column_types" and name not in built:  # an older file: the kinds must agree
                if not (value is None or isinstance(value, dict) and all(
                        profile.kinds.get(str(c)) == kind for c, kind in value.items())):
                    raise InputError(f"`column_types` cannot be overridden when loading: the stored profile "
                                     f"has column kinds {profile.kinds}, got {value!r}; fit a new monitor instead")
            elif name in built and not _same_setting(value, built[name]):
                raise InputError(f"`{name}` cannot be overridden when loading: the stored profile was built "
                                 f"with {name}={built[name]!r}, got {value!r}; fit a new monitor with "
                                 f"{name}={value!r} on the reference data instead")
        settings.update(overrides)
        monitor = cls(**{k: v for k, v in settings.items() if k in cls._PARAMS})
        monitor._validate_params()
        monitor._set_profile(profile)
        return monitor

    # -- check --------------------------------------------------------------------------------
    def check(self, current, *, batch: str | None = None, multivariate: bool | None = None,
              store=None) -> DriftReport:
        """Compare a batch with the reference.

        Parameters
        ----------
        current : pandas.DataFrame, numpy.ndarray or dask.dataframe.DataFrame
            The batch; it must have every reference column (extra columns are ignored and
            listed in ``extra_columns``) and at least one row. A Dask DataFrame is computed
            into memory first.
        batch : str, optional
            A label for the batch (e.g. a date), kept in the report and the history.
        multivariate : bool, optional
            Run the domain-classifier test (default: the ``multivariate`` parameter).
        store : DriftHistory or path, optional
            Record the report in this history (a SQLite file path is opened as one).

        Returns
        -------
        DriftReport

        Notes
        -----
        Column severity, in [0, 1], is 0 unless a test of the column is significant after the
        correction; then it is ``min(1, d / (5 * min_effect))`` with ``d`` the column's
        ``effect`` (value test; the gate's distance below) or the absolute change of the missing
        rate (missing test), the larger of the two (with ``min_effect=0``,
        1 for any significant test); a type mismatch has severity 1. The health score is
        ``1 - sqrt(mean(severity**2))`` (see :func:`health_score`). When the multivariate test
        runs and its adjusted p-value is below ``alpha``, it is one more component of that mean,
        ``min(1, (2 AUROC - 1) / (5 * min_effect))`` (1 with ``min_effect=0``), counted only
        where it lowers the health,
        so that a change of the dependence between columns, which no column's test sees, lowers
        the health as it raises the alert.

        The effect-size gate reads the column's ``effect``: the Jensen-Shannon distance over the
        reference's quantile bins (numeric column, 20 by default) or over the cells of the
        chi-squared test (categorical column, rare categories pooled; a pooled cell still too
        small for the test, which has Fisher's exact test beside it, kept apart) with the sampling bias
        removed: two samples of sizes ``n`` and ``m`` from one distribution over ``K`` cells have
        a Jensen-Shannon divergence of ``(K - 1) (1/n + 1/m) / (8 ln 2)`` bits on average, which
        is subtracted before the square root (floored at 0). Without it a small batch, or a
        column with many categories, would pass the gate on sampling noise alone, and a
        significant but immaterial change would alert: a normal feature with 10,000 reference
        and 1,000 batch rows has a ``js_distance`` of 0.06 on average on a stable day, above
        the default gate (its effect: a median of 0, and 0.012 on average); 300 equally likely
        categories at 100,000 and 50,000 rows, 0.04. A shift of a normal feature by 0.1 SD has
        an effect of about 0.041 at 100,000 and 50,000 rows, as in the population (0.042). The
        subtracted amount is the average for large expected counts per cell; with only a few
        (a batch of less than about 500 rows against 20 bins) the effect of a stable column is
        often well above the default gate, and the significance test alone holds false alerts
        near ``alpha``.

        A batch column of a narrower float type (float32, float16) is compared with the reference
        rounded to that type, and a float64 batch with a reference read from float32 storage is
        rounded to float32: the same ratings stored at two precisions are not drift.

        A datetime or duration column declared numeric is compared in seconds (datetimes since
        1970-01-01 UTC), whatever the resolution of the reference and the batch (``datetime64[ns]``
        against ``datetime64[us]`` is no drift); NaT counts as a missing value. A profile saved in
        format version 1 read such columns in their own unit: checking one of them against it
        raises ``InputError`` (refit the monitor).

        Infinite values in a numeric batch column count as missing values (the reference may not
        hold any: ``fit`` refuses them), in the per-column tests and in the multivariate test.

        A numeric reference column reads a batch column of Python objects (``decimal.Decimal``
        values, numbers with ``None``) as numbers. A boolean reference column (categorical, with
        the categories ``True`` / ``False``) and a batch that stores the same feature as 0/1
        numbers are compared as the same categories, 1 as ``True`` and 0 as ``False`` (other
        batch values stay unseen categories); so are a categorical reference of 0/1 codes and a
        boolean batch. A numeric reference of 0/1 and a boolean batch are compared as numbers.
        """
        from ._history import DriftHistory

        profile = self._check_fitted()
        self._validate_params()
        if store is not None and not isinstance(store, DriftHistory | str | os.PathLike):
            raise InputError(f"`store` must be a DriftHistory, a file path or None, got {describe(store)}")
        if _is_dask_frame(current):  # a batch is checked in memory, whatever holds it
            current = current.compute()
        frame = as_frame(current, "current")
        missing = [c for c in profile.names if c not in frame.columns]
        if missing:
            shown = ", ".join(missing[:8]) + (", ..." if len(missing) > 8 else "")
            raise InputError(f"`current` lacks {len(missing)} reference column(s): {shown}")
        extra = tuple(c for c in frame.columns if c not in profile.columns)
        profile.check_time_columns(frame)  # a profile of an earlier version held times in other units
        method = check_option(self.method, "method", NUMERIC_TESTS)
        correction = check_option(self.correction, "correction", CORRECTIONS)
        alpha, min_effect = float(self.alpha), float(self.min_effect)
        m_rows = len(frame)

        # numeric columns with a numeric dtype are converted in one block (column-major)
        import pandas as pd

        fast = [name for name, summ in profile.columns.items() if summ.kind == NUMERIC
                and is_number_dtype(frame[name].dtype)]
        block = {}
        if fast:
            arr = np.asfortranarray(frame[fast].to_numpy(dtype=float, na_value=np.nan))
            block = {name: arr[:, j] for j, name in enumerate(fast)}

        def blank_row(name, summary, test):
            return {"column": name, "kind": summary.kind, "status": "ok", "test": TEST_NAMES[test],
                    "statistic": np.nan, "pvalue": np.nan, "js_distance": np.nan, "effect": np.nan,
                    "wasserstein": np.nan,
                    "psi": np.nan, "unseen": "", "n_unseen": 0,
                    "unseen_share": np.nan}

        def numeric_row(name, summary, series):
            row = blank_row(name, summary, method)
            times = False
            if name in block:
                x = block[name]
            else:
                try:
                    x, times = numeric_values(series, name, "the batch")
                except InputError:
                    row.update(status="type_mismatch", n_missing=int(series.isna().sum()), n_current=0)
                    return row
            finite = np.isfinite(x)
            y = x[finite] if not finite.all() else x
            row["n_missing"] = int(x.size - y.size)
            row["n_current"] = int(y.size)
            if summary.n == 0:
                row["status"] = "reference_empty"
            elif y.size == 0:
                row["status"] = "current_empty"
            else:
                # compared at the coarser of the two precisions (a float32 batch holds the
                # reference's repeated values rounded, and a float32 reference the batch's)
                summary, y = summary.matched(y, frame[name].dtype, times=times)
                res = numeric_column(summary, y, method, eps=profile.eps)
                spread = summary.std
                if summary.values.size == 1 or not spread > 0:
                    row["status"] = "constant_reference"
                    spread = 1.0
                row["ks_pending"] = bool(res.get("ks_pending"))
                row.update(statistic=res["statistic"], pvalue=res["pvalue"], js_distance=res["js_distance"],
                           effect=res["js_gate"], psi=res["psi"], wasserstein=res["wasserstein"] / spread)
            return row

        def categorical_row(name, summary, series):
            row = blank_row(name, summary, "chi2")
            values, miss = category_labels(series, normalise=False)  # categorical_column normalises
            row["n_missing"] = int(miss.sum())
            row["n_current"] = int(values.size)
            if summary.n == 0:
                row["status"] = "reference_empty"
            elif values.size == 0:
                row["status"] = "current_empty"
            else:
                res = categorical_column(summary, values)
                if res["fisher"]:  # a rare cell had Fisher's exact test beside the chi-squared one
                    row["test"] = "chi-squared + fisher"
                top = top_unseen(res["unseen"], res["unseen_counts"])
                row.update(statistic=res["statistic"], pvalue=res["pvalue"], js_distance=res["js_distance"],
                           psi=res["psi"], unseen=format_unseen(top, len(res["unseen"])), n_unseen=len(res["unseen"]),
                           unseen_top=top, unseen_share=res["unseen_share"], effect=res["js_gate"])
            return row

        def datetime_row(name, summary, series):
            row = blank_row(name, summary, None)
            row.update(status="datetime", n_missing=int(series.isna().sum()))
            row["n_current"] = int(len(series) - row["n_missing"])
            if row["n_current"] and not holds_datetime_values(series):  # numbers, or text that is no date
                row.update(status="type_mismatch", n_current=0)
            return row

        def one(item):
            name, summary = item
            if summary.kind == DATETIME:
                return datetime_row(name, summary, frame[name])
            if summary.kind == NUMERIC:
                return numeric_row(name, summary, None if name in block else frame[name])
            return categorical_row(name, summary, frame[name])

        items = list(profile.columns.items())
        workers = _n_workers(self.n_jobs, len(items))
        with progress(len(items), "columns") as bar:
            if workers == 1:
                rows = []
                for item in items:
                    rows.append(one(item))
                    bar.advance(1)
            else:
                from concurrent.futures import ThreadPoolExecutor

                with ThreadPoolExecutor(max_workers=workers) as pool:
                    rows = []
                    for row in pool.map(one, items):
                        rows.append(row)
                        bar.advance(1)

        pending = [i for i, r in enumerate(rows) if r.get("ks_pending")]
        if pending:  # all asymptotic KS p-values at once
            pvals = ks_pvalues(np.array([rows[i]["statistic"] for i in pending]),
                               np.array([profile.columns[rows[i]["column"]].n for i in pending]),
                               np.array([rows[i]["n_current"] for i in pending]))
            for i, p in zip(pending, pvals.tolist()):
                rows[i]["pvalue"] = p
        k = len(rows)
        summaries = list(profile.columns.values())
        k_ref = np.array([s.n_missing for s in summaries], dtype=float)
        n_ref = np.array([s.n_rows for s in summaries], dtype=float)
        k_cur = np.array([r["n_missing"] for r in rows], dtype=float)
        _, miss_p = missing_rate_tests(k_ref, n_ref, k_cur, np.full(k, float(m_rows)))
        value_p = np.array([r["pvalue"] for r in rows], dtype=float)
        mv = None
        run_mv = self.multivariate if multivariate is None else bool(multivariate)
        if run_mv:
            if profile.sample is None:
                raise InputError("the multivariate test needs reference rows in the profile, which keeps none "
                                 "(it was fitted with sample_size=0); fit again with sample_size > 0")
            kept = len(profile.sample)
            if profile.sample.shape[1] == 0:
                raise InputError("the multivariate test needs a numeric or categorical column, but every "
                                 "reference column is a datetime column (declare one numeric in `column_types`)")
            if kept < _MV_MIN_ROWS:
                why = (f"the reference had only {profile.n_rows} row(s)" if kept >= profile.n_rows else
                       f"the profile keeps only {kept} (fitted with sample_size={kept}); fit again with a larger "
                       "sample_size")
                raise InputError(f"the multivariate test needs at least {_MV_MIN_ROWS} reference rows, but {why}")
            mv = domain_classifier_test(profile.sample, frame[list(profile.sample.columns)],
                                        max_rows=max(len(profile.sample), 10),
                                        rng=self.rng)
        # the multivariate test joins the family of the per-column tests: one alert rate for all
        adjusted = adjust_pvalues(np.r_[value_p, miss_p, [] if mv is None else [mv.pvalue]], correction)
        value_adj, miss_adj = adjusted[:k], adjusted[k:2 * k]
        if mv is not None:
            mv = dataclasses.replace(mv, pvalue_adj=float(adjusted[-1]))
        miss_ref_rate = k_ref / np.maximum(n_ref, 1)
        miss_cur_rate = k_cur / m_rows
        js = np.array([r["js_distance"] for r in rows], dtype=float)
        effect = np.array([r["effect"] for r in rows], dtype=float)
        gate = np.nan_to_num(effect)
        value_sig = np.nan_to_num(value_adj, nan=1.0) < alpha
        miss_sig = np.nan_to_num(miss_adj, nan=1.0) < alpha
        miss_delta = np.abs(miss_cur_rate - miss_ref_rate)
        mismatch = np.array([r["status"] == "type_mismatch" for r in rows])
        if min_effect > 0:
            scale = 5 * min_effect
            sev_value = np.where(value_sig, np.minimum(1.0, gate / scale), 0.0)
            sev_missing = np.where(miss_sig, np.minimum(1.0, miss_delta / scale), 0.0)
        else:  # no effect-size gate: every significant test is a full alert
            sev_value, sev_missing = value_sig.astype(float), miss_sig.astype(float)
        severity = np.where(mismatch, 1.0, np.maximum(sev_value, sev_missing))
        alert = (value_sig & (gate >= min_effect)) | (miss_sig & (miss_delta >= min_effect)) | mismatch

        table = pd.DataFrame({
            "column": [r["column"] for r in rows],
            "kind": [r["kind"] for r in rows],
            "status": [r["status"] for r in rows],
            "test": [r["test"] for r in rows],
            "statistic": np.array([r["statistic"] for r in rows], dtype=float),
            "pvalue": value_p,
            "pvalue_adj": value_adj,
            "significant": value_sig,
            "js_distance": js,
            "effect": effect,
            "wasserstein": np.array([r["wasserstein"] for r in rows], dtype=float),
            "psi": np.array([r["psi"] for r in rows], dtype=float),
            "missing_ref": miss_ref_rate,
            "missing_cur": miss_cur_rate,
            "missing_pvalue": miss_p,
            "missing_pvalue_adj": miss_adj,
            "n_current": np.array([r["n_current"] for r in rows], dtype=np.int64),
            "unseen": [r["unseen"] for r in rows],
            "n_unseen": np.array([r.get("n_unseen", 0) for r in rows], dtype=np.int64),
            "unseen_share": np.array([r.get("unseen_share", np.nan) for r in rows], dtype=float),
            "severity": severity,
            "alert": alert,
        }, columns=list(TABLE_COLUMNS))

        any_alert = bool(alert.any()) or (mv is not None and mv.pvalue_adj < alpha)
        health = health_score(severity)
        if mv is not None and mv.pvalue_adj < alpha:
            # a significant multivariate test is one more component of the health score; it may
            # only lower it (a weak one beside drifted columns would pull the mean up), and a
            # test that is not significant adds nothing
            gini = max(0.0, 2.0 * mv.auroc - 1.0)
            health = min(health, health_score(np.r_[severity, min(1.0, gini / (5 * min_effect))
                                                     if min_effect > 0 else 1.0]))
        report = DriftReport(
            table=table, alert=any_alert, health=health, n_alerts=int(alert.sum()),
            n_reference=int(profile.n_rows), n_current=int(m_rows), method=method, correction=correction,
            alpha=alpha, min_effect=min_effect, extra_columns=extra, multivariate=mv,
            batch=None if batch is None else str(batch),
            unseen_names={r["column"]: r["unseen_top"] for r in rows if r.get("unseen_top")},
            monitor=self.name,
            timestamp=_dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds"),
        )
        if store is not None:
            if isinstance(store, DriftHistory):
                store.record(report)
            else:
                with DriftHistory(store) as history:
                    history.record(report)
        return report


def _same_setting(a, b) -> bool:
    """Whether two values of a setting agree (``None`` and ``{}`` are the same ``column_types``)."""
    if isinstance(a, dict | None) and isinstance(b, dict | None):
        return (a or {}) == (b or {})
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _n_workers(n_jobs, n_tasks: int) -> int:
    if n_jobs is None:
        n_jobs = min(4, os.cpu_count() or 1)
    elif n_jobs < 0:
        n_jobs = max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return max(1, min(int(n_jobs), n_tasks))


def _is_dask_frame(obj) -> bool:
    module = type(obj).__module__ or ""
    return module.startswith("dask") and hasattr(obj, "npartitions")
