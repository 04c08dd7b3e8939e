"""Sample-ratio mismatch: are the arm sizes what the planned allocation says?"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .._errors import InputError
from .._results import Result
from .._validation import check_alpha, check_array, check_counts

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
    counts : mapping of arm -> int, or array-like of int
        Users observed in each arm (at least two arms).
    allocation : mapping of arm -> weight, or array-like of float, optional
        Planned allocation (weights, normalised to sum to 1). Default: equal split. With a
        mapping of counts the allocation must be a mapping with the same arms.
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
    """
    if isinstance(counts, Mapping):
        arms = [str(k) for k in counts]
        observed = check_counts(list(counts.values()), "counts")
    else:
        observed = check_counts(counts, "counts")
        arms = [f"arm{i}" for i in range(np.size(observed))]
    observed = np.atleast_1d(observed)
    if observed.size < 2:
        raise InputError(f"`counts` must cover at least 2 arms, got {observed.size}")
    total = int(observed.sum())
    if total == 0:
        raise InputError("`counts` are all zero; there are no users to check")
    if allocation is None:
        weights = np.ones(observed.size)
    elif isinstance(allocation, Mapping):
        if not isinstance(counts, Mapping):
            raise InputError("`allocation` is a mapping but `counts` is not; give both by arm name")
        missing = [a for a in arms if a not in {str(k) for k in allocation}]
        extra = [str(k) for k in allocation if str(k) not in arms]
        if missing or extra:
            raise InputError(f"`allocation` must name the same arms as `counts`; missing {missing}, "
                             f"unknown {extra}")
        lookup = {str(k): v for k, v in allocation.items()}
        weights = check_array([lookup[a] for a in arms], "allocation")
    else:
        weights = check_array(allocation, "allocation")
        if weights.size != observed.size:
            raise InputError(f"`allocation` must have one weight per arm ({observed.size}), got {weights.size}")
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
