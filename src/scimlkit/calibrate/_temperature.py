"""Temperature scaling: one positive scale for logits, binary or multiclass."""

from __future__ import annotations

import warnings

import numpy as np
from scipy.special import expit, log_softmax, logsumexp, softmax
from sklearn.base import BaseEstimator, ClassifierMixin

from .._errors import ConvergenceWarning, DegenerateDataWarning, InputError
from .._validation import check_array, check_int
from ._base import ClassesOnLoad, NotFittedError, check_class_indices, check_labels, check_weights

__all__ = ["TemperatureScaling"]


def _prepare(X, name="X"):
    arr = check_array(X, name, ndim=(1, 2), dtype=float)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim == 2 and arr.shape[1] < 2:
        raise InputError(f"`{name}` must have at least 2 columns of logits, got {arr.shape[1]}")
    return arr


def _unit_size(z):
    """``z`` divided by its largest magnitude, and that magnitude (1 when it is 0)."""
    size = float(np.max(np.abs(z))) if z.size else 0.0
    return (z / size, size) if 0 < size < np.inf else (z, 1.0)


def _separated(z, y) -> bool:
    """Whether the logits separate the classes: in every row (all of positive weight) the true
    class has the largest logit (binary: ``z >= 0`` for class 1, ``z <= 0`` for class 0). Then
    each row's log-loss falls (or stays) as ``1 / T`` grows, and no finite temperature
    minimises it."""
    if z.ndim == 1:
        margin = np.where(y > 0, z, -z)
    else:
        margin = z[np.arange(len(y)), y] - z.max(axis=1)
    return bool(np.all(margin >= 0))


def _smoothed_target_logits(z, y, w) -> np.ndarray:
    """Each row's logits weighted by Platt's smoothed targets: the true class ``c`` gets
    ``(N_c + 1) / (N_c + 2)`` (``N_c`` its count, or weight sum) and the other classes share
    the rest evenly. For binary labels these are Platt's targets ``(N+ + 1) / (N+ + 2)`` and
    ``1 / (N- + 2)`` for class 1."""
    if z.ndim == 1:
        n_pos, n_neg = float(w[y > 0].sum()), float(w[y <= 0].sum())
        return np.where(y > 0, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0)) * z
    n, k = z.shape
    counts = np.bincount(y, weights=w, minlength=k)
    t_true = (counts[y] + 1.0) / (counts[y] + 2.0)
    z_true = z[np.arange(n), y]
    return t_true * z_true + (1.0 - t_true) / (k - 1) * (z.sum(axis=1) - z_true)


class TemperatureScaling(ClassesOnLoad, ClassifierMixin, BaseEstimator):
    """Temperature scaling of logits (Guo et al., 2017).

    Multiclass: ``softmax(z / T)`` for a logit matrix ``z`` of shape ``(n, k)`` and integer
    labels ``0 .. k-1``. Binary: ``expit(z / T)`` for one logit (decision value) per sample and
    0/1 labels. ``T > 0`` minimises the log-loss; the loss is convex in ``1 / T`` and is
    minimised by safeguarded Newton steps with the log-sum-exp written stably. A temperature
    never changes which class ranks first.

    When the logits do no better than uniform probabilities at any temperature (they point
    the wrong way, or carry no signal), the best temperature is infinite: ``temperature_``
    is ``inf``, every prediction is uniform, and a :class:`DegenerateDataWarning` says so.
    Constant logits leave the temperature at 1 with the same warning.

    When the logits separate the classes perfectly (in every row the true class has the
    largest logit; binary: every positive has a logit >= 0 and every negative <= 0), the
    log-loss keeps falling as ``T`` goes to 0 and has no minimum: the likelihood alone would
    make every prediction 0 or 1. The temperature is then fitted, with a
    :class:`DegenerateDataWarning`, against Platt's smoothed targets (the true class ``c``
    counts as ``(N_c + 1) / (N_c + 2)`` instead of 1, ``N_c`` the number of rows of that
    class, or their weight sum as given: weights count as repeated rows here, so their scale
    matters; the other classes share the rest), which has a finite minimum, as Platt scaling
    does always. Data that are not separated get the plain maximum-likelihood temperature.

    Attributes
    ----------
    temperature_ : float
        The fitted temperature ``T`` (``1 / T`` multiplies the logits); ``inf`` when uniform
        probabilities fit best.
    n_classes_ : int
        2 for one logit per sample, else the number of logit columns.
    separated_ : bool
        Whether the logits separated the classes, so that smoothed targets were used.
    classes_ : ndarray
        The class indices ``0 .. n_classes_ - 1`` (a classifier of its logits, so scikit-learn's
        scorers and ``score``, the accuracy, apply).

    Examples
    --------
    >>> import numpy as np
    >>> from scimlkit.calibrate import TemperatureScaling
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(400, 3)) * 4
    >>> y = np.array([rng.choice(3, p=np.exp(r / 2) / np.exp(r / 2).sum()) for r in z])
    >>> ts = TemperatureScaling().fit(z, y)
    >>> bool(1.5 < ts.temperature_ < 2.7)
    True
    >>> ts.predict_proba(z[:2]).shape
    (2, 3)
    """

    def __init__(self, *, max_iter: int = 100):
        self.max_iter = max_iter

    # -- the loss in beta = 1 / T and its first two derivatives --------------------------
    # ``zt`` holds each row's target-weighted logit, sum_j t_ij z_ij: the logit of the true
    # class for hard targets (binary: y * z), a mixture of the logits for smoothed ones.
    def _derivatives(self, beta, z, zt, w, y):
        # the slope is summed from differences taken inside each row (p - y, z_j - zt), never as
        # a difference of two large near-equal sums: saturated rows of large weight otherwise
        # leave it in round-off far from its root
        if z.ndim == 1:
            u = beta * z
            loss = np.dot(w, np.logaddexp(0.0, u) - beta * zt)
            p = expit(u)
            p_minus_y = np.where(y > 0, -expit(-u), p)
            g = np.dot(w, p_minus_y * z) + np.dot(w, y * z - zt)  # the second term: smoothed targets
            h = np.dot(w, p * (1.0 - p) * z * z)
        else:
            u = beta * z
            loss = np.dot(w, logsumexp(u, axis=1) - beta * zt)
            p = softmax(u, axis=1)
            m1 = np.sum(p * z, axis=1)
            m2 = np.sum(p * z * z, axis=1)
            g = np.dot(w, np.sum(p * (z - zt[:, None]), axis=1))  # each row of p sums to 1
            h = np.dot(w, m2 - m1 * m1)
        return float(loss), float(g), float(h)

    def fit(self, X, y, sample_weight=None):
        """Fit the temperature on held-out logits ``X`` and labels ``y``.

        Returns
        -------
        self
        """
        max_iter = check_int(self.max_iter, "max_iter", low=1)
        z = _prepare(X)
        n = z.shape[0]
        if z.ndim == 1:
            yy = check_labels(y, "y").astype(float)
            self.n_classes_ = 2
        else:
            k = z.shape[1]
            yy = check_class_indices(y, k, "y")
            if np.unique(yy).size < 2:
                raise InputError("`y` has a single class; at least two are needed")
            self.n_classes_ = k
        if yy.shape[0] != n:
            raise InputError(f"`X` and `y` must have the same length, got {n} and {yy.shape[0]}")
        w = check_weights(sample_weight, n, yy)
        w = np.ones(n) if w is None else w
        if not (w > 0).all():  # rows of weight 0 take no part (their logits may be of any size)
            keep = w > 0
            z, yy, w, n = z[keep], yy[keep], w[keep], int(keep.sum())
        counts = w  # the smoothed targets count the weights as given (repeated rows)
        w = w / w.max()  # the log-loss's optimum does not depend on the weights' scale (1e300 overflowed)
        # The fit runs on logits of unit size (rows centred first, which softmax ignores) and
        # the temperature is scaled back at the end, so that logits of 1e-12 or 1e300 neither
        # underflow nor overflow; the stopping rule is relative to the temperature itself.
        z, scale = _unit_size(z)
        if z.ndim == 2:
            z, size2 = _unit_size(z - z.mean(axis=1, keepdims=True))
            scale *= size2
        zt = yy * z if z.ndim == 1 else z[np.arange(n), yy]
        self.separated_ = False
        # beta = 0 (an infinite temperature) gives uniform probabilities. The loss is convex in
        # beta, so its slope and curvature there tell whether a positive beta does better.
        _, g0, h0 = self._derivatives(0.0, z, zt, w, yy)
        if not h0 > 0:
            warnings.warn("the logits carry no information about the labels (constant rows); "
                          "temperature left at 1", DegenerateDataWarning, stacklevel=2)
            return self._set(1.0, z)
        size = float(np.dot(w, np.abs(z) if z.ndim == 1 else np.abs(z).sum(axis=1)))
        if g0 >= -1e-12 * size:
            warnings.warn("the logits carry no usable information about the labels (on average they "
                          "favour the true class no more than the others): the best temperature is "
                          "infinite, so every prediction is uniform", DegenerateDataWarning, stacklevel=2)
            return self._set(np.inf, z)
        if _separated(z, yy):
            self.separated_ = True
            warnings.warn("the logits separate the classes perfectly (no row's true class is ranked below "
                          "another), so the log-loss keeps falling as the temperature goes to 0 and has no "
                          "minimum; the temperature is fitted against Platt's smoothed targets instead",
                          DegenerateDataWarning, stacklevel=2)
            zt = _smoothed_target_logits(z, yy, counts)
        beta = 1.0
        loss, g, h = self._derivatives(beta, z, zt, w, yy)
        if not h > 0:
            # every row saturated at temperature 1 (logits of size 1e5, say): the curvature
            # underflows, so start from the logits' own scale instead
            spread = float(np.std(z if z.ndim == 1 else z - z.mean(axis=1, keepdims=True)))
            if np.isfinite(spread) and spread > 0:
                beta = 1.0 / spread
                loss, g, h = self._derivatives(beta, z, zt, w, yy)
        converged = False
        for _ in range(max_iter):
            if h <= 0:
                break
            if abs(g) <= 1e-13 * h * beta:  # the Newton step is a 1e-13 part of beta: at any scale
                converged = True
                break
            new_beta = beta - g / h
            if new_beta <= 0:
                new_beta = beta / 10.0
            for _ in range(60):
                new_loss, new_g, new_h = self._derivatives(new_beta, z, zt, w, yy)
                if new_loss <= loss + 1e-13 * max(1.0, abs(loss)):
                    break
                new_beta = 0.5 * (beta + new_beta)
            else:
                converged = True
                break
            if abs(new_beta - beta) <= 1e-14 * beta:
                beta, loss, g, h = new_beta, new_loss, new_g, new_h
                converged = True
                break
            beta, loss, g, h = new_beta, new_loss, new_g, new_h
        if h <= 0 and not converged:
            warnings.warn("the logits carry no information about the labels (constant rows); "
                          "temperature left at 1", DegenerateDataWarning, stacklevel=2)
            beta = scale  # a temperature of 1 on the logits as given
        elif not converged:
            warnings.warn("temperature scaling did not converge", ConvergenceWarning, stacklevel=2)
        return self._set(float(scale / beta), z)

    def _set(self, temperature, z):
        self.temperature_ = float(temperature)
        self.classes_ = np.arange(self.n_classes_)
        self.n_features_in_ = 1 if z.ndim == 1 else z.shape[1]
        return self

    def _check_fitted(self):
        if not hasattr(self, "temperature_"):
            raise NotFittedError("this TemperatureScaling is not fitted yet; call fit first")

    def _logits(self, X):
        self._check_fitted()
        z = _prepare(X)
        if (z.ndim == 1) != (self.n_classes_ == 2 and self.n_features_in_ == 1):
            raise InputError(f"`X` must have the shape seen in fit ({self.n_features_in_} column(s))")
        if z.ndim == 2 and z.shape[1] != self.n_features_in_:
            raise InputError(f"`X` must have {self.n_features_in_} columns, got {z.shape[1]}")
        return z / self.temperature_

    def transform(self, X) -> np.ndarray:
        """Calibrated probabilities: of class 1 ``(n,)`` for binary logits, else ``(n, k)``."""
        u = self._logits(X)
        return expit(u) if u.ndim == 1 else softmax(u, axis=1)

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated class probabilities, shape ``(n, k)`` (``k = 2`` for binary logits)."""
        p = self.transform(X)
        return np.column_stack([1.0 - p, p]) if p.ndim == 1 else p

    def predict_log_proba(self, X) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`, computed stably."""
        u = self._logits(X)
        if u.ndim == 1:
            return np.column_stack([-np.logaddexp(0.0, u), -np.logaddexp(0.0, -u)])
        return log_softmax(u, axis=1)

    def predict(self, X) -> np.ndarray:
        """The most probable class (binary: class 1 when its probability is at least 0.5)."""
        p = self.transform(X)
        return (p >= 0.5).astype(int) if p.ndim == 1 else np.argmax(p, axis=1)
