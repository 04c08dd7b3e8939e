"""Isotonic calibration: the best non-decreasing step function of the scores."""

from __future__ import annotations

import numpy as np
from scipy.optimize import isotonic_regression

from ._base import BaseCalibrator

__all__ = ["IsotonicCalibrator"]


class IsotonicCalibrator(BaseCalibrator):
    """Isotonic (monotone non-decreasing) calibration by pooling adjacent violators.

    Tied scores are merged first (weighted mean label), the pool-adjacent-violators fit is
    :func:`scipy.optimize.isotonic_regression`, and new scores are mapped by linear
    interpolation between the fitted points, clipped to the first and last fitted value
    outside the training range (the same rule as scikit-learn's
    ``IsotonicRegression(out_of_bounds="clip")``).

    Attributes
    ----------
    x_, y_ : ndarray
        The distinct training scores (increasing) and their fitted probabilities.

    Examples
    --------
    >>> from scimlkit.calibrate import IsotonicCalibrator
    >>> cal = IsotonicCalibrator().fit([0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1])
    >>> cal.transform([0.0, 0.25, 1.0]).round(3).tolist()
    [0.0, 0.5, 1.0]
    """

    _input_kind = "logit"

    def __init__(self):
        pass

    def _fit(self, s, y, w):
        w = np.ones_like(y) if w is None else w
        keep = w > 0
        s, y, w = s[keep], y[keep], w[keep]
        order = np.argsort(s, kind="stable")
        s, y, w = s[order], y[order], w[order]
        x, start = np.unique(s, return_index=True)
        wsum = np.add.reduceat(w, start)
        ymean = np.add.reduceat(w * y, start) / wsum
        fitted = isotonic_regression(ymean, weights=wsum, increasing=True).x
        self.x_ = x
        self.y_ = np.clip(fitted, 0.0, 1.0)

    def _transform(self, s):
        if self.x_.size == 1:
            return np.full(s.shape, self.y_[0])
        return np.interp(s, self.x_, self.y_)
