"""Platt scaling: a logistic fit of the labels on the scores, with Platt's smoothed targets."""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from .._validation import check_int, check_scalar
from ._base import BaseCalibrator
from ._logistic import fit_logistic

__all__ = ["PlattCalibrator"]


class PlattCalibrator(BaseCalibrator):
    """Platt scaling of decision values or logits.

    Fits ``p = 1 / (1 + exp(-(slope * s + intercept)))`` by maximum likelihood against Platt's
    smoothed targets: positives get ``(N+ + 1) / (N+ + 2)`` and negatives ``1 / (N- + 2)``
    (``N+``, ``N-`` the class counts, or weight sums). The fit is a damped Newton method on
    the log-loss written with ``logaddexp`` and standardised scores, so scores of any magnitude
    are safe and perfectly separated data still gives finite parameters.

    Platt's own parametrisation ``1 / (1 + exp(A s + B))`` (also used by scikit-learn) has
    ``A = -slope_`` and ``B = -intercept_``.

    Parameters
    ----------
    max_iter : int, default=100
        Maximum number of Newton steps.
    tol : float, default=1e-11
        Stop when the largest gradient entry (standardised scale) is below ``tol`` times the
        total weight.

    Attributes
    ----------
    slope_, intercept_ : float
        The fitted logistic parameters.
    converged_ : bool
        Whether the solver met its tolerance.

    Examples
    --------
    >>> import numpy as np
    >>> from scimlkit.calibrate import PlattCalibrator
    >>> rng = np.random.default_rng(0)
    >>> s = rng.normal(size=500)
    >>> y = (rng.random(500) < 1 / (1 + np.exp(-2 * s))).astype(int)
    >>> cal = PlattCalibrator().fit(s, y)
    >>> bool(1.5 < cal.slope_ < 2.5)
    True
    >>> cal.transform([0.0]).shape
    (1,)
    """

    _input_kind = "logit"

    def __init__(self, *, max_iter: int = 100, tol: float = 1e-11):
        self.max_iter = max_iter
        self.tol = tol

    def _fit(self, s, y, w):
        weights = np.ones_like(y) if w is None else w
        n_pos = float(weights[y > 0].sum())
        n_neg = float(weights[y <= 0].sum())
        t = np.where(y > 0, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
        max_iter = check_int(self.max_iter, "max_iter", low=1)
        tol = check_scalar(self.tol, "tol", low=0.0, closed="neither")
        coef, intercept, converged = fit_logistic(s, t, w, tol=tol, max_iter=max_iter)
        self.slope_ = float(coef[0])
        self.intercept_ = float(intercept)
        self.converged_ = bool(converged)

    def _transform(self, s):
        return expit(self.slope_ * s + self.intercept_)
