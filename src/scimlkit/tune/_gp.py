"""A small, fast Gaussian process for Bayesian optimisation, built on SciPy.

The model is a zero-mean GP on standardised outputs with a Matérn 5/2 kernel with one length
scale per input (ARD), a signal variance and a learned noise variance::

    k(x, x') = s2 * (1 + sqrt(5) r + 5 r^2 / 3) * exp(-sqrt(5) r),
    r^2 = sum_j (x_j - x'_j)^2 / l_j^2

The hyperparameters ``(log l_1..l_d, log s2, log noise)`` maximise the log marginal likelihood
plus weak priors (a maximum a posteriori fit, which keeps the fit stable with a handful of
points), with analytic gradients and L-BFGS-B from a few starting points. The
kernel matrix is factorised with :func:`scipy.linalg.cho_factor`; solves use
:func:`scipy.linalg.cho_solve` (no explicit inverse of the kernel matrix is formed except
``K^-1`` through ``cho_solve`` where the gradient needs its trace terms).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from scipy.linalg import LinAlgError, cho_factor, cho_solve
from scipy.optimize import minimize

from .._errors import InputError, NotFittedError
from .._validation import check_array, check_int, check_rng

__all__ = ["GaussianProcess", "matern52"]

_SQRT5 = math.sqrt(5.0)
_LOG_2PI = math.log(2.0 * math.pi)

# bounds of the hyperparameters (inputs in the unit cube, outputs standardised)
_LOG_LS_BOUNDS = (math.log(5e-3), math.log(50.0))
_LOG_S2_BOUNDS = (math.log(5e-2), math.log(20.0))
_LOG_NOISE_BOUNDS = (math.log(1e-6), math.log(2.0))
# priors. Each length scale l (inputs in the unit cube): log p = -a (1 / l^2 + l^2), that is
# -2a cosh(2 log l): within one unit of its top from about l = 0.3 to 3, steep beyond. An input
# that matters little keeps a length scale of a few units instead of drifting towards the upper
# bound, so the model still tells its values apart (with a log-normal prior such an input's
# proposals kept landing on its bounds, e.g. an MLP's weight decay at 1e-6 or 1, missing a better
# middle). On the package's benchmark (median best loss over 10 seeds) this prior ended lower on
# 13 of 20 cells, the same on 2 and higher on 5 (Styblinski-Tang at both budgets, Ackley at 50,
# gradient boosting at 100, Branin at 100 by 1e-8), and reached a grid's best sooner.
# Signal variance log-normal around 1, noise variance log-normal around 1e-3 (broad: the data
# decide when there are more than a few points). The restarts draw log length scales around
# 0.5 * sqrt(d) with a standard deviation of 1.
_PRIOR_LS_A = 0.1
_PRIOR_LS_SD = 1.0
_PRIOR_S2 = (0.0, 1.0)
_PRIOR_NOISE = (math.log(1e-3), 2.5)


def matern52(X1: np.ndarray, X2: np.ndarray, length_scales: np.ndarray, signal: float) -> np.ndarray:
    """The Matérn 5/2 ARD kernel matrix between the rows of ``X1`` and ``X2``."""
    diff = (X1[:, None, :] - X2[None, :, :]) / length_scales
    r = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
    return signal * (1.0 + _SQRT5 * r + (5.0 / 3.0) * r * r) * np.exp(-_SQRT5 * r)


def _cholesky(K: np.ndarray) -> tuple[tuple[np.ndarray, bool], float]:
    """Cholesky factor of ``K``, adding jitter to the diagonal when it is not positive definite."""
    jitter = 0.0
    scale = float(np.mean(np.diag(K)))
    for attempt in range(8):
        try:
            if jitter:
                K = K + jitter * np.eye(len(K))
            return cho_factor(K, lower=True, check_finite=False), jitter
        except LinAlgError:
            jitter = scale * 1e-8 * 10.0**attempt if attempt else scale * 1e-8
    raise LinAlgError("the kernel matrix is not positive definite even with jitter")


class GaussianProcess:
    """Gaussian-process regression with a Matérn 5/2 ARD kernel and learned noise.

    Inputs are expected in the unit cube (the optimiser's encoding); outputs are standardised
    internally (mean 0, variance 1, population standard deviation) and predictions are returned
    in the original units.

    Parameters
    ----------
    rng : None, int or numpy.random.Generator
        Randomness for the restarts of the hyperparameter search.
    n_restarts : int, default 2
        Extra random starting points of L-BFGS-B (drawn from the priors) on a fit without a warm
        start; :meth:`fit` with ``warm_start=True`` starts from the previous hyperparameters.

    Attributes
    ----------
    length_scales_ : ndarray of shape (d,)
        Learned ARD length scales (in unit-cube coordinates).
    signal_variance_ : float
        Learned kernel variance (standardised units).
    noise_ : float
        Learned noise variance (standardised units).
    log_marginal_likelihood_ : float
        Log marginal likelihood of the standardised outputs at the learned hyperparameters
        (priors excluded).
    y_mean_, y_std_ : float
        The output standardisation.

    Examples
    --------
    >>> import numpy as np
    >>> from scimlkit.tune import GaussianProcess
    >>> X = np.linspace(0, 1, 8)[:, None]
    >>> gp = GaussianProcess(rng=0).fit(X, np.sin(6 * X[:, 0]))
    >>> mean, std = gp.predict(np.array([[0.5]]))
    >>> bool(abs(mean[0] - np.sin(3.0)) < 0.05)
    True
    """

    def __init__(self, *, rng: Any = None, n_restarts: int = 2) -> None:
        self.rng = rng
        self.n_restarts = n_restarts

    # -- the objective of the hyperparameter fit ----------------------------------------
    def _prior_ls_mean(self, d: int) -> float:
        return math.log(0.5) + 0.5 * math.log(d)

    def _neg_log_posterior(self, theta: np.ndarray, D2: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """Negative (log marginal likelihood + log prior) and its gradient."""
        n, d = len(y), D2.shape[2]
        ls2 = np.exp(2.0 * theta[:d])
        s2 = math.exp(theta[d])
        noise = math.exp(theta[d + 1])
        S = D2 / ls2  # (n, n, d) scaled squared differences
        r2 = S.sum(axis=2)
        r = np.sqrt(r2)
        e = np.exp(-_SQRT5 * r)
        Kf = s2 * (1.0 + _SQRT5 * r + (5.0 / 3.0) * r2) * e
        K = Kf + noise * np.eye(n)
        try:
            (L, low), jitter = _cholesky(K)
        except LinAlgError:
            return 1e25, np.zeros_like(theta)
        alpha = cho_solve((L, low), y, check_finite=False)
        lml = -0.5 * y @ alpha - np.log(np.diag(L)).sum() - 0.5 * n * _LOG_2PI
        Kinv = cho_solve((L, low), np.eye(n), check_finite=False)
        W = np.outer(alpha, alpha) - Kinv
        # dK/dlog l_j = s2 (5/3) (1 + sqrt5 r) exp(-sqrt5 r) * (x_j - x'_j)^2 / l_j^2
        G = W * (s2 * (5.0 / 3.0) * (1.0 + _SQRT5 * r) * e)
        grad = np.empty_like(theta)
        grad[:d] = 0.5 * np.einsum("ij,ijk->k", G, S)
        grad[d] = 0.5 * np.sum(W * Kf)
        grad[d + 1] = 0.5 * noise * np.trace(W)
        # priors: -2a cosh(2 log l) on each length scale, log-normal on the variances
        lp = -2.0 * _PRIOR_LS_A * np.sum(np.cosh(2.0 * theta[:d]))
        grad[:d] -= 4.0 * _PRIOR_LS_A * np.sinh(2.0 * theta[:d])
        lp += -0.5 * ((theta[d] - _PRIOR_S2[0]) / _PRIOR_S2[1]) ** 2
        grad[d] -= (theta[d] - _PRIOR_S2[0]) / _PRIOR_S2[1] ** 2
        lp += -0.5 * ((theta[d + 1] - _PRIOR_NOISE[0]) / _PRIOR_NOISE[1]) ** 2
        grad[d + 1] -= (theta[d + 1] - _PRIOR_NOISE[0]) / _PRIOR_NOISE[1] ** 2
        return -(lml + lp), -grad

    def _bounds(self, d: int) -> list[tuple[float, float]]:
        return [_LOG_LS_BOUNDS] * d + [_LOG_S2_BOUNDS, _LOG_NOISE_BOUNDS]

    def _default_theta(self, d: int) -> np.ndarray:
        return np.r_[np.full(d, self._prior_ls_mean(d)), 0.0, math.log(1e-3)]

    # -- public API ---------------------------------------------------------------------
    def fit(self, X: Any, y: Any, *, warm_start: bool = False, maxiter: int = 200) -> GaussianProcess:
        """Learn the hyperparameters and factorise the kernel matrix.

        Parameters
        ----------
        X : array of shape (n, d)
            Inputs (the unit cube is the intended scale).
        y : array of shape (n,)
            Finite outputs.
        warm_start : bool, default False
            Start L-BFGS-B from the previous fit's hyperparameters (when the dimension matches)
            instead of the default point and random restarts.
        maxiter : int, default 200
            Iteration cap of each L-BFGS-B run.
        """
        check_int(self.n_restarts, "n_restarts", low=0)
        maxiter = check_int(maxiter, "maxiter", low=1)
        X = check_array(X, "X", ndim=2)
        y = check_array(y, "y", ndim=1)
        if len(X) != len(y):
            raise InputError(f"`X` and `y` must have the same length, got {len(X)} and {len(y)}")
        n, d = X.shape
        self.y_mean_ = float(np.mean(y))
        std = float(np.std(y))
        self.y_std_ = std if std > 1e-12 * max(1.0, abs(self.y_mean_)) else 1.0
        ys = (y - self.y_mean_) / self.y_std_
        D2 = (X[:, None, :] - X[None, :, :]) ** 2
        bounds = self._bounds(d)
        lo = np.array([b[0] for b in bounds])
        hi = np.array([b[1] for b in bounds])
        starts = []
        prev = getattr(self, "theta_", None)
        if warm_start and prev is not None and len(prev) == d + 2:
            starts.append(prev)
        else:
            rng = check_rng(self.rng)
            starts.append(self._default_theta(d))
            for _ in range(self.n_restarts):
                t = self._default_theta(d)
                t[:d] += rng.normal(0.0, _PRIOR_LS_SD, d)
                t[d + 1] = rng.uniform(math.log(1e-6), math.log(1e-1))
                starts.append(t)
        best_theta, best_f = None, math.inf
        for t0 in starts:
            t0 = np.clip(t0, lo, hi)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                res = minimize(self._neg_log_posterior, t0, args=(D2, ys), jac=True, method="L-BFGS-B",
                               bounds=bounds, options={"maxiter": maxiter})
            if np.isfinite(res.fun) and res.fun < best_f:
                best_theta, best_f = res.x, float(res.fun)
        if best_theta is None:
            best_theta = np.clip(self._default_theta(d), lo, hi)
        self._set(X, ys, best_theta)
        return self

    def _set(self, X: np.ndarray, ys: np.ndarray, theta: np.ndarray) -> None:
        """Factorise the kernel matrix at fixed hyperparameters ``theta``."""
        n, d = X.shape
        self.theta_ = np.asarray(theta, dtype=float).copy()
        self.length_scales_ = np.exp(self.theta_[:d])
        self.signal_variance_ = float(math.exp(self.theta_[d]))
        self.noise_ = float(math.exp(self.theta_[d + 1]))
        K = matern52(X, X, self.length_scales_, self.signal_variance_) + self.noise_ * np.eye(n)
        self._chol, self.jitter_ = _cholesky(K)
        self.X_train_ = X
        self._ys = ys
        self._alpha = cho_solve(self._chol, ys, check_finite=False)
        L = self._chol[0]
        self.log_marginal_likelihood_ = float(
            -0.5 * ys @ self._alpha - np.log(np.diag(L)).sum() - 0.5 * n * _LOG_2PI
        )

    def condition_on(self, X_new: np.ndarray, y_new: np.ndarray) -> GaussianProcess:
        """A copy with extra (fantasised) observations in original units, same hyperparameters."""
        self._check_fitted()
        other = GaussianProcess(rng=self.rng, n_restarts=self.n_restarts)
        other.y_mean_, other.y_std_ = self.y_mean_, self.y_std_
        ys_new = (np.asarray(y_new, dtype=float) - self.y_mean_) / self.y_std_
        other._set(np.vstack([self.X_train_, X_new]), np.r_[self._ys, ys_new], self.theta_)
        return other

    def _check_fitted(self) -> None:
        if not hasattr(self, "_alpha"):
            raise NotFittedError("this GaussianProcess is not fitted yet; call fit(X, y) first")

    def predict(self, X: Any, return_std: bool = True):
        """Posterior mean (and standard deviation of the latent function) at ``X``.

        The standard deviation excludes the observation noise. Both are in the original units.
        """
        self._check_fitted()
        X = check_array(X, "X", ndim=2)
        if X.shape[1] != self.X_train_.shape[1]:
            raise InputError(f"`X` must have {self.X_train_.shape[1]} columns, got {X.shape[1]}")
        Ks = matern52(X, self.X_train_, self.length_scales_, self.signal_variance_)
        mean = Ks @ self._alpha * self.y_std_ + self.y_mean_
        if not return_std:
            return mean
        B = cho_solve(self._chol, Ks.T, check_finite=False)
        var = np.maximum(self.signal_variance_ - np.einsum("ij,ji->i", Ks, B), 1e-300)
        return mean, np.sqrt(var) * self.y_std_

    def _predict_grad(self, X: np.ndarray):
        """Standardised posterior mean and std at ``X`` with their gradients in ``X``."""
        diff = X[:, None, :] - self.X_train_[None, :, :]  # (m, n, d)
        scaled = diff / self.length_scales_**2
        r = np.sqrt(np.einsum("ijk,ijk->ij", diff, scaled))
        e = np.exp(-_SQRT5 * r)
        s2 = self.signal_variance_
        Ks = s2 * (1.0 + _SQRT5 * r + (5.0 / 3.0) * r * r) * e
        g = s2 * (5.0 / 3.0) * (1.0 + _SQRT5 * r) * e  # dk/dx = -g * (x - x_i) / l^2
        mu = Ks @ self._alpha
        B = cho_solve(self._chol, Ks.T, check_finite=False).T  # (m, n) = K^-1 k(x)
        var = np.maximum(s2 - np.einsum("ij,ij->i", Ks, B), 1e-300)
        sd = np.sqrt(var)
        dmu = -np.einsum("mn,mnd->md", g * self._alpha, scaled)
        dvar = 2.0 * np.einsum("mn,mnd->md", g * B, scaled)
        dsd = dvar / (2.0 * sd[:, None])
        return mu, sd, dmu, dsd

    def __repr__(self) -> str:
        return f"GaussianProcess(rng={self.rng!r}, n_restarts={self.n_restarts!r})"
