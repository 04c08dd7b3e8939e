"""Sample-ratio mismatch: are the arm sizes what the planned allocation says?"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from .._errors import InputError
from .._results import Result
from .._validation import check_alpha, check_array, check_counts
from ._analysis_base import arm_key, is_series, labelled_items

__all__ = ["srm_test", "SRMResult"]


@dataclass(frozen=True, slots=True)
class SRMResult(Result):
    """Chi-squared goodness-of-fit test of arm sizes against the planned allocation.

    Attributes
    ----------
    arms : list of str
        Arm names (``arm0, arm1, ...`` when counts were given without names).
    observed : list of int
        Users per arm.
    expected_fraction : list of float
        Planned share of each arm.
    expected : list of float
        Expected users per arm under the plan.
    statistic, pvalue : float
        Pearson chi-squared statistic and p-value.
    df : int
        ``number of arms - 1``.
    alpha : float
        Threshold for flagging a mismatch (small by convention: a mismatch signals a broken
        assignment or logging, and the check runs on every experiment).
    mismatch : bool
        ``pvalue < alpha``.
    """

    arms: list
    observed: list
    expected_fraction: list
    expected: list
    statistic: float
    df: int
    pvalue: float
    alpha: float
    mismatch: bool

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame({"arm": self.arms, "observed": self.observed, "expected": self.expected,
                             "expected_fraction": self.expected_fraction})


def srm_test(counts, allocation=None, *, alpha: float = 0.001) -> SRMResult:
    """Sample-ratio-mismatch check for any number of arms.

    Parameters
    ----------
    counts : mapping of arm -> int, pandas Series, or array-like of int
        Users observed in each arm (at least two arms). A Series is read as a mapping from its
        index (the arm names) to its values, whatever its order: ``df["arm"].value_counts()``
        and ``df.groupby("arm").size()`` can be given as they are. Arm names are compared as
        text, so two labels that read the same (``0`` and ``"0"``) are refused, as are
        duplicated index labels; a whole number is one arm whether written ``1`` or ``1.0`` (an
        integer column next to a float one). A missing label (NaN, None, as
        ``value_counts(dropna=False)`` gives for users without an arm) is refused.
    allocation : mapping of arm -> weight, pandas Series, or array-like of float, optional
        Planned allocation (weights, normalised to sum to 1). Default: equal split. A mapping
        or Series gives the weights by arm name and needs ``counts`` by arm name too (a Series
        is labelled by its index, even a default ``RangeIndex``: give ``.to_numpy()`` for
        weights by position). A plain sequence is taken in the order of ``counts``; with
        ``counts`` given as a Series (whose order ``value_counts()`` sets by size) unequal
        weights must be given by arm name.
    alpha : float, default 0.001
        A mismatch is flagged when the p-value is below ``alpha``.

    Returns
    -------
    SRMResult

    Examples
    --------
    >>> from scimlkit.experiment import srm_test
    >>> res = srm_test({"control": 50_000, "treatment": 50_600})
    >>> round(res.pvalue, 4), res.mismatch
    (0.0585, False)
    >>> srm_test([10_000, 10_500, 9_400], [1, 1, 1]).mismatch
    True

    A pandas Series is matched by arm name, not by position:

    >>> import pandas as pd
    >>> sizes = pd.Series({"B": 6019, "A": 3981})       # as value_counts() orders them
    >>> round(srm_test(sizes, pd.Series({"A": 0.4, "B": 0.6})).pvalue, 3)
    0.698
    """
    labelled_counts = labelled_items(counts, "counts")
    if labelled_counts is not None:
        arms = labelled_counts[0]
        observed = check_counts(labelled_counts[1], "counts")
    else:
        observed = check_counts(counts, "counts")
        arms = [f"arm{i}" for i in range(np.size(observed))]
    observed = np.atleast_1d(observed)
    if observed.size < 2:
        raise InputError(f"`counts` must cover at least 2 arms, got {observed.size}")
    total = int(observed.sum())
    if total == 0:
        raise InputError("`counts` are all zero; there are no users to check")
    labelled_allocation = None if allocation is None else labelled_items(allocation, "allocation")
    if allocation is None:
        weights = np.ones(observed.size)
    elif labelled_allocation is not None:
        if labelled_counts is None:
            raise InputError("`allocation` is given by arm name (a mapping or Series) but `counts` is not; give "
                             "both by arm name, or both by position (e.g. `allocation.to_numpy()`)")
        named = labelled_allocation[0]
        keys = [arm_key(a) for a in arms]
        missing = [a for a, k in zip(arms, keys, strict=True) if k not in set(map(arm_key, named))]
        extra = [a for a in named if arm_key(a) not in keys]
        if missing or extra:
            raise InputError(f"`allocation` must name the same arms as `counts`; missing {missing}, "
                             f"unknown {extra}")
        lookup = dict(zip(map(arm_key, named), labelled_allocation[1], strict=True))
        weights = check_array([lookup[k] for k in keys], "allocation")
    else:
        weights = check_array(allocation, "allocation")
        if weights.size != observed.size:
            raise InputError(f"`allocation` must have one weight per arm ({observed.size}), got {weights.size}")
        if is_series(counts) and np.ptp(weights) > 0:
            raise InputError("`allocation` must be given by arm name (a mapping or Series) when `counts` is a "
                             "pandas Series: the Series' order is not the arms' (value_counts() sorts by size); "
                             f"got weights {weights.tolist()} by position")
    if (weights <= 0).any():
        raise InputError(f"`allocation` weights must be > 0, got {weights.tolist()}")
    alpha = check_alpha(alpha)
    fraction = weights / weights.sum()
    expected = total * fraction
    statistic = float(((observed - expected) ** 2 / expected).sum())
    df = observed.size - 1
    pvalue = float(stats.chi2.sf(statistic, df))
    return SRMResult(arms=arms, observed=observed.tolist(), expected_fraction=fraction.tolist(),
                     expected=expected.tolist(), statistic=statistic, df=df, pvalue=pvalue, alpha=alpha,
                     mismatch=bool(pvalue < alpha))
