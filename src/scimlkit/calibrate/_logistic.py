"""A small, stable Newton solver for logistic regression with soft targets.

Minimises ``sum_i w_i * [softplus(z_i) - t_i * z_i]`` with ``z = F @ coef + intercept``, which
is the log-loss against targets ``t`` in [0, 1]. ``softplus`` is evaluated as
``logaddexp(0, z)``, so scores of any magnitude (1e6 and beyond) never overflow. Columns are
standardised internally, which keeps the Newton system well conditioned.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.special import expit

from .._errors import ConvergenceWarning

__all__ = ["fit_logistic"]


def _loss(G, theta, t, w):
    z = G @ theta
    return float(np.dot(w, np.logaddexp(0.0, z) - t * z))


def fit_logistic(F: np.ndarray, t: np.ndarray, w: np.ndarray | None = None, *,
                 tol: float = 1e-11, max_iter: int = 100) -> tuple[np.ndarray, float, bool]:
    """Fit ``P(t=1) = expit(F @ coef + intercept)`` by damped Newton steps with line search.

    Returns ``(coef, intercept, converged)``. The relative gradient tolerance ``tol`` is on the
    standardised scale (gradient divided by the total weight).
    """
    F = np.asarray(F, dtype=float)
    if F.ndim == 1:
        F = F[:, None]
    n, d = F.shape
    w = np.ones(n) if w is None else np.asarray(w, dtype=float)
    total = float(w.sum())
    # standardise in two steps (largest magnitude first): scores of any size stay finite
    scale = np.max(np.abs(F), axis=0) if n else np.ones(d)
    scale[~((scale > 0) & np.isfinite(scale))] = 1.0
    F = F / scale
    mu = (w @ F) / total
    sd = np.sqrt((w @ (F - mu) ** 2) / total)
    sd[~(sd > 0)] = 1.0
    G = np.empty((n, d + 1))
    G[:, :d] = (F - mu) / sd
    G[:, d] = 1.0
    rate = float(np.clip(np.dot(w, t) / total, 1e-12, 1 - 1e-12))
    theta = np.zeros(d + 1)
    theta[d] = np.log(rate / (1.0 - rate))
    loss = _loss(G, theta, t, w)
    converged = False
    for _ in range(max_iter):
        z = G @ theta
        p = expit(z)
        grad = G.T @ (w * (p - t))
        if np.max(np.abs(grad)) <= tol * total:
            converged = True
            break
        h = w * p * (1.0 - p)
        H = G.T @ (G * h[:, None])
        H[np.diag_indices_from(H)] += 1e-12 * total
        try:
            step = np.linalg.solve(H, grad)
        except np.linalg.LinAlgError:
            step = grad / (np.diag(H) + 1e-12)
        slope = float(grad @ step)
        alpha = 1.0
        for _ in range(60):
            trial = theta - alpha * step
            new = _loss(G, trial, t, w)
            if new <= loss - 1e-4 * alpha * slope or abs(new - loss) <= 1e-15 * max(1.0, abs(loss)):
                break
            alpha *= 0.5
        else:
            converged = True  # no decrease possible: the optimum to machine precision
            break
        improvement = loss - new
        theta, loss = trial, new
        if improvement <= 1e-15 * max(1.0, abs(loss)) and alpha < 1.0:
            converged = True
            break
    else:
        warnings.warn(f"logistic fit did not converge in {max_iter} Newton steps",
                      ConvergenceWarning, stacklevel=3)
    coef = theta[:d] / sd / scale
    intercept = float(theta[d] - np.sum(theta[:d] * mu / sd))
    return coef, intercept, converged
