"""Isotonic calibration: the best non-decreasing step function of the scores."""

from __future__ import annotations

import numpy as np
from scipy.optimize import isotonic_regression

from .._errors import InputError
from ._base import BaseCalibrator

__all__ = ["IsotonicCalibrator"]


class IsotonicCalibrator(BaseCalibrator):
    """Isotonic (monotone non-decreasing) calibration by pooling adjacent violators.

    Tied scores are merged first (weighted mean label), the pool-adjacent-violators fit is
    :func:`scipy.optimize.isotonic_regression`, and new scores are mapped by linear
    interpolation between the fitted points, clipped to the first and last fitted value
    outside the training range (the same rule as scikit-learn's
    ``IsotonicRegression(out_of_bounds="clip")``).

    By default the fit uses Platt's smoothed targets, like :class:`PlattCalibrator` and
    :class:`BetaCalibrator`: positives count as ``(N+ + 1) / (N+ + 2)`` and negatives as
    ``1 / (N- + 2)``. Because this map of the labels is affine and increasing, the fitted
    steps are those of the plain fit squeezed into ``[1 / (N- + 2), (N+ + 1) / (N+ + 2)]``:
    the same ranking and pooling, but a finite sample never yields a probability of exactly
    0 or 1. A plain isotonic fit assigns 0 or 1 to its end blocks, and a single new sample
    on the wrong side of them costs an unbounded log-loss (it made isotonic lose every
    cross-validated log-loss comparison in ``method="auto"``, even where its calibration
    was the best). ``smooth_targets=False`` gives the plain fit, equal to scikit-learn's
    ``IsotonicRegression``.

    Parameters
    ----------
    smooth_targets : bool, default=True
        Fit Platt's smoothed targets instead of the 0/1 labels.

    Attributes
    ----------
    x_, y_ : ndarray
        The distinct training scores (increasing) and their fitted probabilities.

    Examples
    --------
    >>> from scimlkit.calibrate import IsotonicCalibrator
    >>> cal = IsotonicCalibrator(smooth_targets=False).fit([0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1])
    >>> cal.transform([0.0, 0.25, 1.0]).round(3).tolist()
    [0.0, 0.5, 1.0]
    >>> IsotonicCalibrator().fit([0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1]).transform([0.0, 1.0]).round(3).tolist()
    [0.25, 0.75]
    """

    _input_kind = "logit"

    def __init__(self, *, smooth_targets: bool = True):
        self.smooth_targets = smooth_targets

    def _fit(self, s, y, w):
        w = np.ones_like(y) if w is None else w
        if not isinstance(self.smooth_targets, bool | np.bool_):
            raise InputError(f"`smooth_targets` must be True or False, got {self.smooth_targets!r}")
        keep = w > 0
        s, y, w = s[keep], y[keep], w[keep]
        order = np.argsort(s, kind="stable")
        s, y, w = s[order], y[order], w[order]
        x, start = np.unique(s, return_index=True)
        wsum = np.add.reduceat(w, start)
        ymean = np.add.reduceat(w * y, start) / wsum
        fitted = np.clip(isotonic_regression(ymean, weights=wsum, increasing=True).x, 0.0, 1.0)
        if self.smooth_targets:
            n_pos = float(w[y > 0].sum())
            n_neg = float(w[y <= 0].sum())
            low, high = 1.0 / (n_neg + 2.0), (n_pos + 1.0) / (n_pos + 2.0)
            fitted = low + (high - low) * fitted
        self.x_ = x
        self.y_ = fitted

    def _transform(self, s):
        if self.x_.size == 1:
            return np.full(s.shape, self.y_[0])
        return np.interp(s, self.x_, self.y_)
