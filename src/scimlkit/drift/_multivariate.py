"""Multivariate drift: can a classifier tell reference rows from batch rows?"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._errors import InputError
from .._results import Result
from .._validation import check_frame, check_int, check_rng
from ._profile import boolean_relabel, category_column, is_number_dtype, is_time_dtype, to_float

__all__ = ["MultivariateDriftResult", "domain_classifier_test"]


@dataclass(frozen=True, slots=True)
class MultivariateDriftResult(Result):
    """Outcome of the domain-classifier test.

    Attributes
    ----------
    auroc : float
        Cross-validated (out-of-fold) AUROC of the classifier separating batch rows (label 1)
        from reference rows (label 0); 0.5 means indistinguishable.
    statistic : float
        Mann-Whitney U of the out-of-fold scores (batch rows against reference rows); it
        describes the separation, the p-value comes from the folds one by one.
    pvalue : float
        One-sided p-value of ``AUROC > 0.5``: each fold's Mann-Whitney test of the scores its
        own model gave to rows it never saw, combined by Bonferroni (``k`` times the smallest of
        the ``k`` fold p-values). Pooling the scores of different fold models in one test is
        not valid: their models share training rows, and at alpha 0.05 it rejected 12 % of
        batches drawn from the reference's own distribution.
    n_reference, n_current : int
        Rows used from each side.
    n_splits : int
        Cross-validation folds.
    pvalue_adj : float
        The p-value adjusted together with the per-column tests of a
        :meth:`DriftMonitor.check` (NaN when the test was run on its own).

    Examples
    --------
    >>> res = MultivariateDriftResult(auroc=0.93, statistic=1.2e6, pvalue=1e-40, n_reference=1000,
    ...                               n_current=1000, n_splits=5)
    >>> res.significant(alpha=0.01)
    True
    """

    auroc: float
    statistic: float
    pvalue: float
    n_reference: int
    n_current: int
    n_splits: int
    pvalue_adj: float = float("nan")

    def significant(self, alpha: float = 0.05) -> bool:
        """Whether the batch is distinguishable from the reference at level ``alpha`` (by the
        adjusted p-value when there is one)."""
        p = self.pvalue if self.pvalue_adj != self.pvalue_adj else self.pvalue_adj
        return bool(p < alpha)


def _labels(series):
    """A categorical column as an object series of its labels (None where missing)."""
    import pandas as pd

    return pd.Series(category_column(series), index=series.index, dtype=object)


def _encode(reference, current):
    """Numeric matrix for both frames: categorical columns become shared integer codes.

    Infinite values become NaN: like the per-column tests, the classifier sees them as missing.
    Datetime and duration columns (by their dtype) are read in seconds, NaT missing (see ``time_as_seconds``).
    A boolean reference column and a batch of 0/1 numbers share their codes (see
    ``boolean_relabel``).
    """
    import pandas as pd

    ref_cols, cur_cols, categorical = [], [], []
    for name in reference.columns:
        r, c = reference[name], current[name]
        if is_time_dtype(r.dtype) or is_number_dtype(r.dtype):
            ref_cols.append(to_float(r))  # datetimes and durations in seconds, as the profile holds them
            cur_cols.append(to_float(c))
            categorical.append(False)
        else:
            rs, cs = _labels(r), _labels(c)
            relabel = boolean_relabel(rs.dropna().unique())  # a boolean reference meets 0/1 numbers
            if relabel:
                cs = cs.replace(relabel)
            cats = pd.Index(pd.unique(pd.concat([rs, cs]).dropna()))[:250]
            ref_cols.append(np.where(rs.isna(), np.nan, cats.get_indexer(rs)).astype(float))
            cur_cols.append(np.where(cs.isna(), np.nan, cats.get_indexer(cs)).astype(float))
            categorical.append(True)
    def missing_as_nan(col, cat):  # unknown category codes are -1; infinite numbers count as missing
        return np.where(col < 0 if cat else np.isinf(col), np.nan, col)

    ref_cols = [missing_as_nan(col, cat) for col, cat in zip(ref_cols, categorical)]
    cur_cols = [missing_as_nan(col, cat) for col, cat in zip(cur_cols, categorical)]
    return np.column_stack(ref_cols), np.column_stack(cur_cols), np.array(categorical)


def domain_classifier_test(reference, current, *, n_splits: int = 2, max_rows: int = 5000,
                           rng=None) -> MultivariateDriftResult:
    """Test for multivariate drift with a domain classifier.

    A gradient-boosted tree classifier learns to tell batch rows from reference rows; its
    out-of-fold scores give a cross-validated AUROC, and in each fold the Mann-Whitney test of
    the held-out scores (batch against reference) tests the null hypothesis ``AUROC = 0.5``;
    the fold p-values are combined by Bonferroni, which holds whatever their dependence. Trees see interactions,
    so a change in the dependence between features (a correlation flip that leaves every
    marginal distribution unchanged) is caught even though no per-column test can see it.

    Parameters
    ----------
    reference, current : pandas.DataFrame
        Rows to compare; ``current`` must have the reference's columns. Infinite values in
        numeric columns are treated as missing values; a numeric column with no value left
        (all missing) tells the classifier nothing and is left out.
    n_splits : int
        Cross-validation folds (at least 2). Two give the most powerful test: each fold's
        test has half of the rows, and the Bonferroni factor is 2 (with 4 features shifted by
        a quarter of a standard deviation, 400 rows a side, two folds detected 17.5 % of
        batches at alpha 0.05, five folds 7.5 %).
    max_rows : int
        At most this many rows are drawn at random from each side.
    rng : int or numpy.random.Generator, optional
        Seed for the subsampling, folds and classifier.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> gen = np.random.default_rng(0)
    >>> ref = pd.DataFrame(gen.multivariate_normal([0, 0], [[1, .9], [.9, 1]], 1000), columns=["a", "b"])
    >>> cur = pd.DataFrame(gen.multivariate_normal([0, 0], [[1, -.9], [-.9, 1]], 1000), columns=["a", "b"])
    >>> res = domain_classifier_test(ref, cur, rng=0)
    >>> res.auroc > 0.8, res.pvalue < 1e-6
    (True, True)
    """
    from scipy import stats
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold
    from threadpoolctl import threadpool_limits

    reference = check_frame(reference, "reference", min_rows=n_splits if isinstance(n_splits, int) else 2)
    current = check_frame(current, "current", min_rows=n_splits if isinstance(n_splits, int) else 2)
    n_splits = check_int(n_splits, "n_splits", low=2)
    max_rows = check_int(max_rows, "max_rows", low=n_splits)
    generator = check_rng(rng)
    if reference.shape[1] == 0:
        raise InputError("`reference` must have at least one column, got none")
    missing = [c for c in reference.columns if c not in current.columns]
    if missing:
        raise InputError(f"`current` lacks the reference column(s) {missing[:5]}")
    if len(reference) < n_splits or len(current) < n_splits:
        raise InputError(f"each side needs at least `n_splits`={n_splits} rows, got {len(reference)} and {len(current)}")
    if len(reference) > max_rows:
        reference = reference.iloc[np.sort(generator.choice(len(reference), max_rows, replace=False))]
    if len(current) > max_rows:
        current = current.iloc[np.sort(generator.choice(len(current), max_rows, replace=False))]
    xr, xc, categorical = _encode(reference, current[list(reference.columns)])
    x = np.vstack([xr, xc])
    y = np.r_[np.zeros(len(xr), dtype=int), np.ones(len(xc), dtype=int)]
    scores = np.empty(len(y))
    fold_p = []
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=int(generator.integers(2**31 - 1)))
    seed = int(generator.integers(2**31 - 1))
    # one OpenMP thread: the trees are small, and on a busy machine spinning threads cost far more
    with threadpool_limits(limits=1, user_api="openmp"):
        for train, test in folds.split(x, y):
            # a numeric column without a value in the training rows (all missing) tells the
            # classifier nothing, and the trees cannot bin it: it is left out of this fold
            used = categorical | ~np.isnan(x[train]).all(axis=0)
            if not used.any():  # nothing to learn from: every row scores alike
                scores[test] = 0.5
            else:
                cats = categorical[used]
                model = HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=15,
                                                       categorical_features=cats if cats.any() else None,
                                                       early_stopping=False, random_state=seed)
                model.fit(x[train][:, used], y[train])
                scores[test] = model.predict_proba(x[test][:, used])[:, 1]
            held = y[test]
            fold_p.append(stats.mannwhitneyu(scores[test][held == 1], scores[test][held == 0],
                                             alternative="greater").pvalue)
    auroc = float(roc_auc_score(y, scores))
    mw = stats.mannwhitneyu(scores[y == 1], scores[y == 0], alternative="greater")
    pvalue = float(min(1.0, n_splits * min(fold_p)))
    return MultivariateDriftResult(auroc, float(mw.statistic), pvalue, int(len(xr)), int(len(xc)), n_splits)
