"""Sample-ratio mismatch: are the arm sizes what the planned allocation says?"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from .._errors import InputError
from .._results import Result
from .._validation import check_alpha, check_array, check_counts
from ._analysis_base import arm_key, boolean_key, is_number, is_series, label_key, labelled_items

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
        and ``df.groupby("arm").size()`` can be given as they are. Two labels that read the
        same (``0`` and ``"0"``) are refused, as are duplicated index labels; a whole number is
        one arm whether written ``1`` or ``1.0`` (an integer column next to a float one) or
        ``True`` (a boolean equals its number, as in a Python dict), while
        distinct strings (``"2"`` and ``"2.0"``) are distinct arms. A missing label (NaN, None, as
        ``value_counts(dropna=False)`` gives for users without an arm) is refused.
    allocation : mapping of arm -> weight, pandas Series, or array-like of float, optional
        Planned allocation (weights, normalised to sum to 1). Default: equal split. A mapping
        or Series gives the weights by arm name and needs ``counts`` by arm name too (a Series
        is labelled by its index, even a default ``RangeIndex``: give ``.to_numpy()`` for
        weights by position). A plain sequence is taken in the order of ``counts``; with
        ``counts`` given as a Series (whose order ``value_counts()`` sets by size) unequal
        weights must be given by arm name. An arm named here but absent from ``counts`` is an
        arm without users (``value_counts()`` leaves such arms out): it is counted with 0 users.
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
        arms, values, labels = labelled_counts
        observed = check_counts(values, "counts")
    else:
        observed = check_counts(counts, "counts")
        arms, labels = [f"arm{i}" for i in range(np.size(observed))], None
    return srm_of_arms(arms, labels, observed, allocation, alpha=alpha, by_size=is_series(counts))


def _match_allocation(arms: list[str], labels: list, named: list[str], named_labels: list) -> list:
    """For each arm, the position of its allocation entry (None when it has none).

    An entry names an arm by its key (:func:`label_key`: a number by its whole value, a boolean
    as the number it equals, any other label by its text); an entry left over then names a
    left-over numeric arm when its text is that arm's whole value (``"1"`` or ``"1.0"`` for an
    arm ``1.0``, as a command line writes it), and a left-over boolean arm when its text is
    ``1``/``0`` or ``True``/``False`` in any case (:func:`boolean_key`). Distinct strings are
    never matched to each other.
    """
    keys = [label_key(label, arm) for arm, label in zip(arms, labels, strict=True)]
    position = {label_key(label, name): j for j, (name, label) in enumerate(zip(named, named_labels, strict=True))}
    found = [position.get(k) for k in keys]
    left: dict[str, list[int]] = {}
    left_bool: dict[str, list[int]] = {}
    for i, j in enumerate(found):
        if j is None and isinstance(labels[i], bool | np.bool_):
            left_bool.setdefault(keys[i], []).append(i)
        elif j is None and is_number(labels[i]):
            for key in dict.fromkeys((keys[i], arms[i])):
                left.setdefault(key, []).append(i)
    for j, name in enumerate(named):
        if j in found:
            continue
        for pool, key in ((left, arm_key(name)), (left_bool, boolean_key(name))):
            arm = pool.get(key, [])
            if len(arm) == 1 and found[arm[0]] is None:
                found[arm[0]] = j
                pool.pop(key)
                break
    return found


def srm_of_arms(arms: list[str], labels: list | None, observed, allocation=None, *, alpha: float = 0.001,
                by_size: bool = False, source: str = "`counts`") -> SRMResult:
    """:func:`srm_test` on arms already named and counted: ``arms`` their names, ``labels`` their
    labels as given (None when the counts came without names), ``observed`` the counts.
    ``by_size`` says the arms' order is not the user's (a Series from ``value_counts()``);
    ``source`` names where the arms came from in messages."""
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
        if labels is None:
            raise InputError("`allocation` is given by arm name (a mapping or Series) but `counts` is not; give "
                             "both by arm name, or both by position (e.g. `allocation.to_numpy()`)")
        named, named_weights, named_labels = labelled_allocation
        found = _match_allocation(arms, labels, named, named_labels)
        missing = [a for a, j in zip(arms, found, strict=True) if j is None]
        extra = [j for j in range(len(named)) if j not in found]
        if missing:
            raise InputError(f"`allocation` must name the same arms as {source}; missing {missing}, "
                             f"unknown {[named[j] for j in extra]}")
        # a planned arm without a single unit is the plainest mismatch: it is counted, with 0 units
        # (value_counts() and the rows of a table leave such an arm out)
        arms = [*arms, *(named[j] for j in extra)]
        observed = np.concatenate([observed, np.zeros(len(extra), dtype=observed.dtype)])
        weights = check_array([named_weights[j] for j in [*found, *extra]], "allocation")
    else:
        weights = check_array(allocation, "allocation")
        if weights.size != observed.size:
            raise InputError(f"`allocation` must have one weight per arm ({observed.size}), got {weights.size}")
        if by_size and np.ptp(weights) > 0:
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
