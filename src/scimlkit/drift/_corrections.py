"""Family-wise and false-discovery-rate corrections across a batch's columns.

The arithmetic is the experiment module's :func:`~scimlkit.experiment.adjust_pvalues`; drift adds
one rule: a column without a test (NaN p-value, e.g. a constant reference) is left out of the
family instead of being counted.
"""

from __future__ import annotations

import numpy as np

from ..experiment._multi import adjust_pvalues as _adjust_family

__all__ = ["CORRECTIONS", "adjust_pvalues"]

CORRECTIONS = ("holm", "bonferroni", "bh")


def adjust_pvalues(pvalues, method: str = "holm") -> np.ndarray:
    """Adjusted p-values for a family of tests; NaN entries are left out of the family.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, float("nan"), 0.03], "holm").round(3).tolist()
    [0.03, 0.06, nan, 0.06]
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    keep = ~np.isnan(p)
    if keep.any():
        out[keep] = _adjust_family(p[keep], method)
    return out
