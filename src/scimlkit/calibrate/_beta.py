"""Beta calibration (Kull, Silva Filho and Flach, 2017)."""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from .._validation import check_int
from ._base import _EPS, BaseCalibrator
from ._logistic import fit_logistic

__all__ = ["BetaCalibrator"]


class BetaCalibrator(BaseCalibrator):
    """Beta calibration of probabilities.

    The three-parameter family ``logit(q) = a ln(p) - b ln(1 - p) + c`` with ``a, b >= 0``,
    fitted as a logistic regression of the labels on ``ln(p)`` and ``-ln(1 - p)``. When a fitted
    ``a`` or ``b`` is negative, the fit is redone with one or both of them held at zero and
    the best feasible fit is kept (the exact constrained optimum, which refines the
    drop-and-refit procedure of Kull et al.), so the map stays monotone non-decreasing. It
    contains the identity (``a = b = 1, c = 0``) and every logistic map of the logit
    (``a = b``). Like :class:`PlattCalibrator`, the fit uses Platt's smoothed targets so that
    separable data gives finite parameters. Inputs are clipped to ``[1e-15, 1 - 1e-15]``.

    Attributes
    ----------
    a_, b_, c_ : float
        The fitted parameters.

    Examples
    --------
    >>> import numpy as np
    >>> from scimlkit.calibrate import BetaCalibrator
    >>> rng = np.random.default_rng(1)
    >>> p = rng.uniform(0.01, 0.99, 2000)
    >>> y = (rng.random(2000) < p).astype(int)
    >>> cal = BetaCalibrator().fit(p, y)
    >>> bool(abs(cal.a_ - 1) < 0.3 and abs(cal.b_ - 1) < 0.3)
    True
    """

    _input_kind = "probability"

    def __init__(self, *, max_iter: int = 100):
        self.max_iter = max_iter

    def _fit(self, p, y, w):
        max_iter = check_int(self.max_iter, "max_iter", low=1)
        p = np.clip(p, _EPS, 1.0 - _EPS)
        F = np.column_stack([np.log(p), -np.log1p(-p)])
        weights = np.ones_like(y) if w is None else w
        n_pos = float(weights[y > 0].sum())
        n_neg = float(weights[y <= 0].sum())
        t = np.where(y > 0, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
        # The constrained optimum lies on one face of {a >= 0, b >= 0}: fit on each face
        # (both features, one, none) and keep the feasible fit with the smallest loss.
        best = None
        for active in ([0, 1], [0], [1], []):
            if active:
                coef, intercept, _ = fit_logistic(F[:, active], t, w, max_iter=max_iter)
            else:
                coef = np.zeros(0)
                rate = float(np.dot(weights, t) / weights.sum())
                intercept = float(np.log(rate / (1 - rate)))
            if np.any(coef < 0):
                continue
            full = np.zeros(2)
            full[active] = coef
            z = F @ full + intercept
            loss = float(np.dot(weights, np.logaddexp(0.0, z) - t * z))
            if best is None or loss < best[0]:
                best = (loss, full, intercept)
            if len(active) == 2:
                break  # the unconstrained fit is feasible, hence optimal
        _, coef_full, intercept = best
        self.a_ = float(coef_full[0])
        self.b_ = float(coef_full[1])
        self.c_ = float(intercept)

    def _transform(self, p):
        p = np.clip(p, _EPS, 1.0 - _EPS)
        return expit(self.a_ * np.log(p) - self.b_ * np.log1p(-p) + self.c_)
