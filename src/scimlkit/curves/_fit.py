"""Fitting learning-curve families, choosing among them, and forecasting with intervals."""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .._errors import (
    ConvergenceWarning,
    DegenerateDataWarning,
    InputError,
    ScimlkitWarning,
    SmallSampleWarning,
)
from .._results import Result, jsonable
from .._validation import (
    check_array,
    check_int,
    check_option,
    check_rng,
    check_same_length,
    check_scalar,
)
from ._families import FAMILIES, Family

__all__ = ["fit_curve", "CurveFitResult", "CurvePrediction", "SamplesNeededResult"]

_SELECT = ("weighted", "extrapolation", "average")
# The family kept when the held-out anchors cannot tell the winner from it (see fit_curve).
_REFERENCE = "pow3"


@dataclass(frozen=True)
class _Solution:
    x: np.ndarray
    cost: float
    status: int = 1


class _FitFailure(Exception):
    """A family could not be fitted sensibly; the message is the recorded reason."""


# -- fitting one family ---------------------------------------------------------------------


def _inside(t0, lo, hi):
    t0 = np.asarray(t0, dtype=float)
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    width = np.where(np.isfinite(hi - lo), hi - lo, np.maximum(np.abs(t0), 1.0))
    margin = 1e-9 * width
    return np.clip(t0, lo + margin, hi - margin)


def _fit_family(fam: Family, n: np.ndarray, loss: np.ndarray, *, starts=None, precise: bool = True,
                sigma=None) -> np.ndarray:
    with np.errstate(all="ignore"):
        return _fit_family_inner(fam, n, loss, starts=starts, precise=precise, sigma=sigma)


def _fit_family_inner(fam: Family, n: np.ndarray, loss: np.ndarray, *, starts=None, precise: bool = True,
                      sigma=None):
    """Least-squares fit of one family to losses at sizes ``n``; natural parameters.

    With ``sigma`` (one standard error per anchor) the residuals are divided by it: weighted
    least squares.

    Tries every starting point (data-driven ones from the family plus ``starts`` given in
    natural parameters), keeps the lowest cost, then checks that the fit is sane.
    """
    from scipy.optimize import least_squares

    if fam.name == "last":
        return np.array([float(loss[-1])])
    scale = 1.0 if fam.uses_log_n else float(n.max())
    x = n / scale
    lo, hi = fam.bounds(loss)
    if starts is None:
        candidates = fam.starts(x, loss)
    else:
        candidates = [_to_scaled(fam, s, scale) for s in starts]

    w = 1.0 if sigma is None else 1.0 / np.asarray(sigma, dtype=float)

    def residuals(theta):
        r = (fam.loss(x, theta) - loss) * w
        return r if np.isfinite(r).all() else np.where(np.isfinite(r), r, 1e3)

    lo_a, hi_a = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)

    def solve(t0, tol, nfev, method="trf"):
        try:
            if method == "lm":  # MINPACK, fast; bounds are checked afterwards
                return _minpack(residuals, t0, tol, nfev)
            else:
                res = least_squares(residuals, t0, bounds=(lo, hi), method="trf", x_scale="jac",
                                    ftol=tol, xtol=tol, gtol=tol, max_nfev=nfev)
        except (ValueError, TypeError, FloatingPointError, np.linalg.LinAlgError):
            return None
        return res if np.isfinite(res.cost) else None

    # a short unbounded run from every starting point; runs that leave the bounds are
    # brought back and continued inside them; then the two best are polished inside bounds
    rough = []
    for t0 in candidates:
        t0 = _inside(t0, lo, hi)
        if not np.all(np.isfinite(t0)):
            continue
        res = solve(t0, 1e-6 if precise else 1e-8, 25 * (fam.n_params + 1), method="lm")
        if res is not None and np.all(res.x >= lo_a) and np.all(res.x <= hi_a):
            if not precise and len(candidates) == 1:
                theta = fam.natural(res.x, scale)  # a refit from a good start: done
                _sanity(fam, theta, n, loss, sigma)
                return theta
            rough.append((res.cost, res.x, res.status > 0))
            continue
        res = solve(t0, 1e-6 if precise else 1e-8, 15 * (fam.n_params + 1))
        if not precise and len(candidates) == 1 and res is not None:
            theta = fam.natural(res.x, scale)  # a refit from a good start, inside the bounds
            _sanity(fam, theta, n, loss, sigma)
            return theta
        rough.append((np.inf, t0, True) if res is None else (res.cost, res.x, res.status > 0))
    rough.sort(key=lambda item: item[0])
    tol = 1e-12 if precise else 1e-8
    best = None
    for cost, t0, converged in rough[: 2 if precise else 1]:
        if not converged and np.isfinite(cost):
            # a flat valley (more parameters than the anchors pin down): polishing does not
            # pay, any point along the valley fits as well
            if best is None or cost < best.cost:
                best = _Solution(t0, cost)
            continue
        # polish without bounds when that stays inside them (fast), else inside the bounds
        res = solve(t0, tol, 60 * (fam.n_params + 1), method="lm")
        if res is None or np.any(res.x < lo_a) or np.any(res.x > hi_a):
            res = solve(_inside(t0, lo, hi), tol, 40 * (fam.n_params + 1))
        if res is not None and (best is None or res.cost < best.cost):
            best = res
    if best is None:
        raise _FitFailure("the optimiser failed from every starting point")
    theta = fam.natural(best.x, scale)
    _sanity(fam, theta, n, loss, sigma)
    return theta


def _minpack(residuals, t0, tol: float, nfev: int):
    """Levenberg-Marquardt by MINPACK's ``lmdif`` (forward differences computed in the Fortran
    loop, with its automatic variable scaling): the same method as ``least_squares(method="lm",
    x_scale="jac")`` without a Python-level Jacobian wrapper, several times faster on these tiny
    problems. ``nfev`` counts the model evaluations of the solver itself, not those of the
    differences. Returns an object with ``x``, ``cost`` and ``status`` (> 0: converged) or None.
    """
    from scipy.optimize import leastsq

    t0 = np.asarray(t0, dtype=float)
    x, _, info, _, ier = leastsq(residuals, t0, full_output=True, ftol=tol, xtol=tol, gtol=tol,
                                 maxfev=nfev * (t0.size + 1))
    r = info["fvec"]
    if not np.all(np.isfinite(x)) or not np.all(np.isfinite(r)) or ier not in (1, 2, 3, 4, 5):
        return None
    return _Solution(np.asarray(x, dtype=float), 0.5 * float(r @ r), 0 if ier == 5 else 1)


def _to_scaled(fam: Family, natural: np.ndarray, scale: float) -> np.ndarray:
    """Invert ``fam.natural``: natural parameters to the ones on the rescaled size."""
    # Each map multiplies a parameter by a power of ``scale`` whose exponent is another,
    # unchanged parameter (log2's intercept is the one additive exception), so dividing by
    # the factor natural(theta, s) / natural(theta, 1) recovers the rescaled parameters.
    natural = np.asarray(natural, dtype=float)
    probe = fam.natural(natural, 1.0)
    mapped = fam.natural(natural, scale)
    with np.errstate(all="ignore"):
        factor = np.where(probe != 0, mapped / probe, 1.0)
        # log2's intercept is additive in log(scale), not multiplicative
        if fam.name == "log2":
            return np.array([natural[0], natural[1] - natural[0] * math.log(scale)])
        return np.where(np.isfinite(factor) & (factor != 0), natural / factor, natural)


def _sanity(fam: Family, theta: np.ndarray, n: np.ndarray, loss: np.ndarray, sigma=None) -> None:
    """Reject non-finite, flat and no-better-than-a-constant fits (raises _FitFailure).

    With ``sigma`` the comparison with a constant is the weighted one (weights ``sigma**-2``).
    """
    pred = fam.loss(n, theta)
    if not np.all(np.isfinite(theta)) or not np.all(np.isfinite(pred)):
        raise _FitFailure("non-finite parameters or predictions")
    far = fam.loss(np.array([n.max() * 1e3]), theta)
    if not np.all(np.isfinite(far)):
        raise _FitFailure("the fitted curve is not finite beyond the anchors")
    spread = float(np.ptp(loss))
    size = max(float(np.max(np.abs(loss))), 1e-12)
    if spread > 1e-9 * size and len(loss) > fam.n_params:
        w = np.ones_like(loss) if sigma is None else np.asarray(sigma, dtype=float) ** -2.0
        sse = float(np.sum(w * (pred - loss) ** 2))
        sst = float(np.sum(w * (loss - np.average(loss, weights=w)) ** 2))
        if float(np.ptp(pred)) < 1e-3 * spread:
            raise _FitFailure("flat fit: the curve does not follow the anchors")
        if sse >= sst:
            raise _FitFailure("failed fit: no better than a constant")


# -- input validation -----------------------------------------------------------------------


def _check_sizes(sizes) -> np.ndarray:
    n = check_array(sizes, "sizes", min_size=2)
    if np.any(n <= 0):
        bad = n[n <= 0][0]
        raise InputError(f"`sizes` must be positive sample counts, got {bad:g}")
    steps = np.diff(n)
    if np.any(steps == 0) and np.all(steps >= 0):
        i = int(np.argmax(steps == 0)) + 1
        raise InputError(f"`sizes` must be strictly increasing, got {n[i]:g} twice (position {i}); for several "
                         "folds per size give each size once and `scores` as a 2-D array, one row per size and "
                         "one column per fold")
    if np.any(steps <= 0):
        i = int(np.argmax(steps <= 0)) + 1
        raise InputError(f"`sizes` must be strictly increasing, got {n[i]:g} after {n[i - 1]:g} "
                         f"(position {i})")
    return n


def _check_scores(scores, n_sizes: int) -> np.ndarray:
    y = check_array(scores, "scores", ndim=(1, 2), min_size=1, allow_nan=True)
    check_same_length(sizes=np.empty(n_sizes), scores=y)
    if y.ndim == 2 and y.shape[1] < 1:
        raise InputError("`scores` must have at least one column (fold), got 0")
    return y


def _complete_anchors(n: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The fold columns and the anchors to keep when ``scores`` hold NaN (failed fits).

    A fold that is NaN at every anchor is left out, then every anchor with a NaN score left;
    a warning names them. At least two anchors must remain (:class:`InputError` otherwise).
    """
    missing = np.isnan(y)
    cols = np.ones(y.shape[1] if y.ndim == 2 else 1, dtype=bool)
    rows = np.ones(len(n), dtype=bool)
    if not missing.any():
        return rows, cols
    notes = []
    if y.ndim == 2:
        cols = ~missing.all(axis=0)
        if not cols.any():
            raise InputError("`scores` are NaN at every anchor in every fold")
        if not cols.all():
            notes.append(f"{int(np.sum(~cols))} fold column(s) NaN at every anchor")
        missing = missing[:, cols]
    rows = ~(missing.any(axis=1) if missing.ndim == 2 else missing)
    if not rows.all():
        shown = ", ".join(f"{v:g}" for v in n[~rows][:8]) + (" ..." if np.sum(~rows) > 8 else "")
        notes.append(f"the anchor(s) at n={shown}, whose scores hold NaN")
    if rows.sum() < 2:
        raise InputError(f"`scores` hold NaN at {int(np.sum(~rows))} of {len(n)} anchors; at least 2 anchors with "
                         "a score in every fold are needed")
    warnings.warn(f"`scores` contain {int(np.isnan(y).sum())} NaN value(s) (failed fits?): leaving out "
                  + " and ".join(notes), DegenerateDataWarning, stacklevel=3)
    return rows, cols


def _check_families(families, n_anchors: int, sizes: np.ndarray, dropped: bool = False
                    ) -> tuple[list[str], dict[str, str]]:
    """Requested families in order, plus the ones skipped (name -> reason). ``dropped``: the
    anchors are those left after dropping the anchors with NaN scores."""
    available = list(FAMILIES)
    explicit = not (isinstance(families, str) and families.lower() == "all")
    if isinstance(families, str):
        families = available if not explicit else [f.strip() for f in families.split(",") if f.strip()]
    try:
        families = list(families)
    except TypeError:
        raise InputError(f"`families` must be 'all' or a list of family names, got {families!r}") from None
    if not families:
        raise InputError("`families` must name at least one family")
    names: list[str] = []
    for f in families:
        if not isinstance(f, str) or f.lower() not in FAMILIES:
            raise InputError(f"unknown family {f!r} in `families`; choose among {', '.join(available)}")
        if f.lower() not in names:
            names.append(f.lower())
    skipped: dict[str, str] = {}
    for name in list(names):
        fam = FAMILIES[name]
        if fam.n_params > n_anchors:
            which = "are left after dropping the NaN anchors" if dropped else "were given"
            reason = (f"family '{name}' has {fam.n_params} parameters but only {n_anchors} anchors "
                      f"{which}; it needs at least {fam.n_params}")
            if explicit:
                raise InputError(reason)
            skipped[name] = f"needs at least {fam.n_params} anchors"
            names.remove(name)
        elif fam.uses_log_n and sizes.min() <= 1:
            if explicit:
                raise InputError(f"family '{name}' needs every size > 1 (it divides by log n), "
                                 f"got {sizes.min():g}")
            skipped[name] = "needs every size > 1"
            names.remove(name)
    return names, skipped


# -- weighting, backtesting and model weights -------------------------------------------------

# Families that are one model written three ways (c + b exp(-a n^d)); a weighted average
# counts the model once instead of three times.
_SAME_MODEL = ({"exp4", "wbl4", "janoschek"},)
# Two fits (on every anchor) that stay this close, relative to the largest anchor loss, from
# the first anchor to a million times the last and in the limit, are one curve: a nested family
# whose extra parameter ended where it turns into the smaller one (pow3 with its asymptote at
# the perfect score is pow2; pow4 with b = 0 is pow3). Distinct families fitted to the same
# anchors stay orders of magnitude further apart.
_SAME_CURVE = 1e-6
# Backtest errors of two such fits within this relative difference are equal (the optimiser's
# round-off); the family with fewer parameters is then kept.
_TIED_ERRORS = 1e-6
# Members whose weight falls below this share are left out of the weighted forecast.
_MIN_WEIGHT = 0.05


def _fold_standard_errors(y: np.ndarray) -> np.ndarray | None:
    """Standard error of each anchor's mean score over folds (None for 1-D scores)."""
    if y.ndim != 2 or y.shape[1] < 2:
        return None
    return y.std(axis=1, ddof=1) / math.sqrt(y.shape[1])


def _check_sigma(sigma, n_anchors: int):
    """``"auto"``, None or an array of positive standard errors, one per anchor (NaN is let
    through here: it is allowed only at anchors left out for NaN scores, see
    :func:`_check_sigma_kept`)."""
    if sigma is None or (isinstance(sigma, str) and sigma == "auto"):
        return sigma
    if isinstance(sigma, str):
        raise InputError(f"`sigma` must be 'auto', None or an array of standard errors, got {sigma!r}")
    s = check_array(sigma, "sigma", allow_nan=True)
    check_same_length(sizes=np.empty(n_anchors), sigma=s)
    if np.any(s <= 0):
        raise InputError(f"`sigma` must be positive standard errors, got {s[s <= 0][0]:g}")
    return s


def _check_sigma_kept(sigma, n: np.ndarray, rows: np.ndarray):
    """Refuse NaN standard errors at the anchors kept (``rows``): a NaN ``sigma`` is fine only
    where the score is NaN too, as the standard error of a size at which every fit failed is."""
    if sigma is None or isinstance(sigma, str):
        return
    bad = np.isnan(sigma) & rows
    if bad.any():
        shown = ", ".join(f"{v:g}" for v in n[bad][:8]) + (" ..." if bad.sum() > 8 else "")
        raise InputError(f"`sigma` contains {int(bad.sum())} NaN value(s) at anchors whose scores are not NaN "
                         f"(n={shown}); NaN is allowed only where the score is NaN (an anchor left out)")


def _fit_sigma(sigma, se: np.ndarray | None) -> np.ndarray | None:
    """Per-anchor standard errors for weighted least squares, or None for an unweighted fit.

    ``"auto"`` takes the standard error of the fold mean at each anchor, floored at a tenth of
    their median so that an anchor whose folds happen to agree does not get an infinite weight.
    """
    if sigma is None:
        return None
    if not isinstance(sigma, str):
        return np.asarray(sigma, dtype=float)
    if se is None or not np.any(se > 0):
        return None
    floor = 0.1 * float(np.median(se[se > 0]))
    return np.sqrt(se**2 + floor**2)


def _backtest_splits(k0: int, n_anchors: int) -> list[int]:
    """Up to three prefix lengths, evenly spread from ``k0`` to ``n_anchors - 1``."""
    return sorted({int(k) for k in np.linspace(k0, n_anchors - 1, 3).round()})


def _backtest(fam: Family, n: np.ndarray, loss: np.ndarray, sig, splits: list[int]):
    """Root mean squared forecast error of ``fam`` fitted on each prefix of the anchors.

    Each prefix fit forecasts every later anchor; an error counts in proportion to how far it
    reaches, ``log(n_j / n_last_fitted)``, so the longest horizons weigh most. Returns
    ``(error, None)``, or ``(None, reason)`` when no prefix could be fitted.
    """
    num = den = 0.0
    failure = "no prefix could be fitted"
    for k in splits:
        if fam.n_params > k or (fam.name != "last" and k < 2):
            continue
        try:
            theta = _fit_family(fam, n[:k], loss[:k], precise=False, sigma=None if sig is None else sig[:k])
        except _FitFailure as exc:
            failure = str(exc)
            continue
        pred = _member_curve(fam.name, n[k:], theta)
        reach = np.log(n[k:] / n[k - 1])
        num += float(np.sum(reach * (pred - loss[k:]) ** 2))
        den += float(np.sum(reach))
    if den == 0.0:
        return None, failure
    return math.sqrt(num / den), None


def _noise_variance(se, k0: int, fits: dict, n: np.ndarray, loss: np.ndarray) -> float:
    """Variance of a held-out anchor's score around its true value.

    From the folds when there are several (the mean squared standard error of the held-out
    anchors), else from the residuals of the closest fitting family (mean square with its
    degrees of freedom).
    """
    if se is not None:
        return float(np.mean(se[k0:] ** 2))
    best = np.inf
    for name, theta in fits.items():
        dof = len(n) - FAMILIES[name].n_params
        if dof > 0:
            best = min(best, float(np.sum((_eval_member(name, n, theta) - loss) ** 2)) / dof)
    return 0.0 if not np.isfinite(best) else best


def _stacking_weights(errors: dict[str, float], noise_var: float, spread: float) -> dict[str, float]:
    """Model weights proportional to prior / (backtest mean squared error + noise variance).

    The inverse expected squared forecast error: families that extrapolated the held-out
    anchors well weigh most, while adding the anchors' own noise variance keeps families that
    the backtest cannot tell apart near equal weights. ``errors`` holds one family per model
    (see :func:`_distinct_models`); members below ``_MIN_WEIGHT`` are dropped and the rest
    renormalised.
    """
    tiny = (1e-9 * max(spread, 1e-12)) ** 2
    raw = {f: 1.0 / max(e * e + noise_var, tiny) for f, e in errors.items()}
    total = sum(raw.values())
    kept = {f: v / total for f, v in raw.items() if v / total >= _MIN_WEIGHT}
    if not kept:
        best = max(raw, key=raw.get)
        kept = {best: 1.0}
    total = sum(kept.values())
    return {f: v / total for f, v in kept.items()}


def _distinct_models(errors: dict[str, float], fits: dict, n: np.ndarray,
                     loss: np.ndarray) -> tuple[dict[str, float], dict[str, str]]:
    """Keep one family per model: of families that are the same model, the one with the
    smallest backtest error (then the fewest parameters).

    Families are the same model when they are one formula written differently
    (``_SAME_MODEL``) or when their fits on every anchor are the same curve (``_SAME_CURVE``).
    Returns the kept families' errors (in the order of ``errors``) and ``{family left out:
    the family kept in its place}``.
    """
    grid = np.geomspace(float(n.min()), 1e6 * float(n.max()), 200)
    tol = _SAME_CURVE * max(float(np.max(loss)), 1e-12)
    curves = {f: np.append(_member_curve(f, grid, fits[f]), _member_asymptote(f, fits[f]))
              for f in errors}

    def same(f: str, g: str) -> bool:
        if any({f, g} <= group for group in _SAME_MODEL):
            return True
        with np.errstate(invalid="ignore"):
            return bool(np.max(np.abs(curves[f] - curves[g])) <= tol)

    kept: list[str] = []
    twin: dict[str, str] = {}
    for f in sorted(errors, key=lambda f: (errors[f], FAMILIES[f].n_params, f)):
        match = next((g for g in kept if same(f, g)), None)
        if match is None:
            kept.append(f)
        elif FAMILIES[f].n_params < FAMILIES[match].n_params and errors[f] <= errors[match] * (1 + _TIED_ERRORS):
            # the same curve backtests the same up to the optimiser's round-off: fewer parameters win
            kept[kept.index(match)] = f
            twin = {g: (f if h == match else h) for g, h in twin.items()}
            twin[match] = f
        else:
            twin[f] = match
    return {f: e for f, e in errors.items() if f not in twin}, twin


# -- results --------------------------------------------------------------------------------

# Grid points searched for the size at which a curve reaches a target (then refined by root
# finding), and for the sizes at which the edges of the forecast band reach it.
_CROSSING_POINTS, _BAND_POINTS = 600, 400


class _Refits(NamedTuple):
    """Usable bootstrap refits (see :meth:`CurveFitResult._refits`): each member's parameters
    over the refits (an array ``(n_refits, n_params)`` per member), each refit's resampled
    anchors' losses (or None), and the weight of each (refit, member) draw, refit-major."""

    params: list[np.ndarray]
    anchors: list[np.ndarray | None]
    weights: np.ndarray

    @property
    def size(self) -> int:
        return len(self.anchors)


@dataclass(frozen=True, slots=True)
class CurvePrediction(Result):
    """Forecast scores at given sizes with bootstrap intervals.

    ``low`` and ``high`` are the percentile bootstrap bounds at ``level``; they are NaN only
    when the fit was made with ``n_bootstrap=0`` (then ``level`` is NaN as well).

    Examples
    --------
    >>> import numpy as np
    >>> n = np.array([50, 100, 200, 400, 800])
    >>> fit = fit_curve(n, 0.9 - 0.8 * n ** -0.5, families=["pow3"], n_bootstrap=20, rng=0)
    >>> fit.predict([1000, 2000]).to_frame().columns.tolist()
    ['size', 'score', 'low', 'high']
    """

    sizes: np.ndarray
    score: np.ndarray
    low: np.ndarray
    high: np.ndarray
    level: float
    family: str

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame({"size": self.sizes, "score": self.score, "low": self.low, "high": self.high})


@dataclass(frozen=True, slots=True)
class SamplesNeededResult(Result):
    """How many training samples the fitted curve needs to reach ``target``.

    ``reachable`` is False when the target lies at or beyond the fitted asymptote (or is not
    reached by ``max_size``); then ``n`` is None and ``message`` says why. ``already_reached``
    is True when a measured score reaches the target (never on the fitted curve alone); ``n`` is
    then the fitted curve's crossing, held within the measured sizes (so a higher target never
    needs fewer samples), with no interval when the curve is past the target at the smallest
    size or never reaches it.
    ``low`` / ``high`` bound ``n`` at ``level``, read off the interval of
    :meth:`CurveFitResult.predict` (the sizes where its optimistic and its pessimistic edge
    reach the target; ``inf`` where that edge does not by ``max_size``); ``prob_reachable`` is
    the share of bootstrap fits that reach the target by ``max_size`` (for a forecast of
    several families, each family's fits counted with its weight), after the same
    small-sample widening around their median as that interval, so the two agree: ``high``
    is ``inf`` only when ``prob_reachable`` is below ``(1 + level) / 2`` (0.975 at 95%), and
    ``low`` only when it is below ``(1 - level) / 2``. It therefore depends a little on
    ``level`` (not at all when there is no widening: many folds, or many anchors).
    It is the forecast's own degree of belief, not a calibrated frequency: on simulated
    pow3 and mmf4 accuracy curves (five folds of binomial test-set noise, anchors up to a
    quarter of the full size, targets within 0.03 below to 0.01 above the true asymptote;
    600 targets from 300 fits) targets given 0.5, 0.7 and 0.88 were reachable in 0.64, 0.89
    and 0.99 of the cases, and those given 0.1 in 0.3: it errs on the side of calling a
    target out of reach. Read it as a ranking of targets rather than as odds.

    Examples
    --------
    >>> import numpy as np
    >>> n = np.array([50, 100, 200, 400, 800])
    >>> fit = fit_curve(n, 0.9 - 0.8 * n ** -0.5, families=["pow3"], n_bootstrap=0)
    >>> res = fit.samples_needed(0.95)
    >>> res.reachable, res.n
    (False, None)
    >>> res.message.startswith("target 0.95 lies above the fitted asymptote 0.9")
    True
    """

    target: float
    reachable: bool
    already_reached: bool
    n: float | None
    low: float | None
    high: float | None
    level: float
    prob_reachable: float | None
    asymptote: float
    family: str
    message: str


@dataclass(frozen=True, slots=True)
class CurveFitResult(Result):
    """A fitted learning curve: the chosen family (or weighted average of families) and its rivals.

    Fields
    ------
    sizes, scores : arrays
        The anchors and the (fold-averaged) score at each.
    family : str
        The selected family, or ``"weighted(f1, f2, ...)"`` / ``"average(f1, f2, ...)"`` when
        several families make up the forecast.
    members : tuple of str
        Families making up the forecast, heaviest first.
    params : dict
        Parameters of every family fitted on all anchors, in the formula's own units
        (``{family: {parameter: value}}``); formulas are in loss orientation (see
        :func:`fit_curve`).
    asymptote : float
        The forecast's limit score as ``n -> inf``; always finite. The forecast never passes
        ``best_possible``: each member's curve is clipped there before the members are
        averaged, so a member whose formula is unbounded (``log2``) counts as levelling off
        at ``best_possible``, as it does in ``ranking``'s ``asymptote`` column.
    higher_is_better, best_possible : bool, float
        The orientation used to turn scores into losses.
    select : str
        ``"weighted"``, ``"extrapolation"`` or ``"average"``.
    ranking : pandas.DataFrame
        One row per family: ``family, n_params, status, weight, extrapolation_error, rmse,
        asymptote, reason`` (``status`` is ``selected``, ``ok`` or ``dropped``; ``weight`` is
        the family's share of the forecast).
    n_bootstrap, n_bootstrap_failed : int
        Bootstrap refits made, and those that failed (left out of the intervals).
    bootstrap_params : dict
        ``{member: array (n_bootstrap, n_params)}``; not included in :meth:`to_dict`.
    weights : dict
        ``{member: weight}``: the forecast is the weighted average of the members' curves in
        loss units; the weights sum to 1.
    weighted_fit : bool
        Whether the families were fitted by weighted least squares (see ``sigma`` in
        :func:`fit_curve`).
    score_std : ndarray or None
        Standard deviation (ddof=1) of the fold scores at each anchor when ``scores`` had a
        column per fold (at least two); None for one score per anchor.
    n_folds : int
        Number of fold columns of ``scores`` (1 for one score per anchor). The bootstrap
        intervals get the small-sample widening described in :func:`fit_curve`: for the few
        folds with several, for the residuals' degrees of freedom with one.
    bootstrap_anchor_loss : ndarray or None
        The anchors' losses of each bootstrap resample, ``(n_bootstrap, n_anchors)`` (None
        without refits): within the measured sizes the ``last`` member of a forecast follows
        the anchors (see :meth:`predict`), and its refits follow these. Not included in
        :meth:`to_dict`.

    Examples
    --------
    >>> import numpy as np
    >>> n = np.array([50, 100, 200, 400, 800, 1600])
    >>> fit = fit_curve(n, 0.9 - 0.8 * n ** -0.5, families=["pow3", "pow2"], n_bootstrap=0)
    >>> fit.family, fit.members
    ('pow3', ('pow3',))
    >>> fit.to_frame()["family"].tolist()
    ['pow3', 'pow2']
    """

    sizes: np.ndarray
    scores: np.ndarray
    family: str
    members: tuple[str, ...]
    params: dict[str, dict[str, float]]
    asymptote: float
    higher_is_better: bool
    best_possible: float
    select: str
    ranking: Any
    n_bootstrap: int
    n_bootstrap_failed: int
    bootstrap_params: dict[str, np.ndarray]
    weights: dict[str, float]
    weighted_fit: bool
    score_std: np.ndarray | None = None
    n_folds: int = 1
    bootstrap_anchor_loss: np.ndarray | None = None

    # -- evaluation ------------------------------------------------------------------------

    def _sign(self) -> float:
        return 1.0 if self.higher_is_better else -1.0

    def _to_score(self, loss):
        return self.best_possible - self._sign() * loss

    def _to_loss(self, score):
        return self._sign() * (self.best_possible - score)

    def _member_theta(self, name: str) -> np.ndarray:
        return np.array(list(self.params[name].values()), dtype=float)

    def _anchor_loss(self) -> np.ndarray:
        """The measured (fold-mean) scores at the anchors in loss units."""
        return np.maximum(self._to_loss(np.asarray(self.scores, dtype=float)), 0.0)

    def _member_loss(self, name: str, n: np.ndarray, theta: np.ndarray, anchors=None) -> np.ndarray:
        """One member's loss at sizes ``n``, clipped at the perfect score (loss 0).

        The ``last`` member carries the last anchor's value forward only beyond the last
        anchor; at and below it, it follows the anchors themselves (``anchors``: their losses,
        the measured ones by default, a resample's for a bootstrap refit), interpolated
        linearly in ``log n`` and held at the first anchor's value below it. The last-value
        baseline says nothing about sizes already measured, so it must not pull the forecast
        there away from the measurements.
        """
        n = np.asarray(n, dtype=float)
        if name == "last":
            a = self._anchor_loss() if anchors is None else np.asarray(anchors, dtype=float)
            a = np.append(a[:-1], float(theta[0]))  # beyond the last anchor: exactly the constant
            with np.errstate(divide="ignore"):
                out = np.interp(np.log(n), np.log(np.asarray(self.sizes, dtype=float)), a)
            return np.maximum(out, 0.0)
        return _member_curve(name, n, theta)

    def _loss(self, n: np.ndarray, thetas: list[np.ndarray] | None = None, weights=None) -> np.ndarray:
        """The forecast's loss at sizes ``n``: the members' curves averaged with their weights
        (``thetas`` / ``weights``, one per member, default to the fit's own; a member of weight 0
        is left out)."""
        thetas = thetas if thetas is not None else [self._member_theta(m) for m in self.members]
        weights = [self.weights[m] for m in self.members] if weights is None else weights
        total = np.zeros_like(np.asarray(n, dtype=float))
        for name, theta, w in zip(self.members, thetas, weights):
            # each member is clipped at the perfect score before averaging: a member that passes
            # it (log2 is unbounded) must not drag the others past their own limits
            if w > 0:
                total = total + w * self._member_loss(name, n, theta)
        return total

    def _refits(self) -> _Refits:
        """The bootstrap refits in which every member could be refitted, as a mixture over the
        members.

        Every refit of every member is one draw, weighted by the member's share of the
        forecast (divided by the number of refits), so that the members' disagreement about
        the forecast enters the intervals (see "Intervals" in :func:`fit_curve`).
        """
        if self.n_bootstrap == 0:
            return _Refits([], [], np.empty(0))
        stacks = [self.bootstrap_params[m] for m in self.members]
        rows = np.flatnonzero(np.all([np.all(np.isfinite(s), axis=1) for s in stacks], axis=0))
        recorded = self.bootstrap_anchor_loss
        anchors = [None if recorded is None else recorded[b] for b in rows]
        share = np.array([self.weights[m] for m in self.members]) / max(rows.size, 1)
        return _Refits([s[rows] for s in stacks], anchors, np.tile(share, rows.size))

    def _member_draws(self, n: np.ndarray, refits: _Refits) -> np.ndarray:
        """Each refit's loss for each member at sizes ``n``: ``(n_refits * n_members, len(n))``,
        refit-major (the order of the refits' weights), each clipped at the perfect score."""
        n = np.asarray(n, dtype=float)
        out = np.empty((refits.size, len(self.members), n.size))
        for j, (m, params) in enumerate(zip(self.members, refits.params)):
            if m == "last":  # follows each resample's own anchors
                for b, anchors in enumerate(refits.anchors):
                    out[b, j] = self._member_loss(m, n, params[b], anchors)
            else:  # every refit at once: parameters down the rows, sizes along the columns
                out[:, j] = _member_curve(m, n[None, :], params.T[:, :, None])
        return out.reshape(-1, n.size)

    def _widening(self, level: float) -> float:
        """Factor widening the percentile bootstrap intervals around their median.

        With fold columns, the fold bootstrap estimates the spread of a fold mean from ``k``
        columns, i.e. with ``k - 1`` degrees of freedom. With one score per anchor, the
        residual bootstrap draws noise whose scale is estimated from the ``n_anchors - p``
        degrees of freedom of the residuals (``p``: the parameters of the largest member; with
        no degree of freedom left one is assumed). Either way, as with Student's t against the
        normal, an interval of the right level must be wider by ``t_dof(1 - q) / z(1 - q)``
        (``q = (1 - level) / 2``): at 95%, 1.42 for 5 folds and 1.15 for 10; 1.25 for 9 anchors
        and a 3-parameter family and 1.12 for 14; 6.5 with one degree of freedom (the noise is
        barely known).
        """
        if self.n_folds >= 2:
            dof = self.n_folds - 1
        else:
            dof = max(1, len(self.sizes) - max(FAMILIES[m].n_params for m in self.members))
        return _t_over_z(level, dof)

    def family_curve(self, family: str, n) -> np.ndarray:
        """Score of one fitted family (any row of ``ranking`` with parameters) at sizes ``n``.

        The family's own formula at every size: ``last`` is the last measured score throughout
        (as a member of the forecast it follows the anchors below the last one, see
        :meth:`predict`).

        Examples
        --------
        >>> import numpy as np
        >>> n = np.array([50, 100, 200, 400, 800, 1600])
        >>> fit = fit_curve(n, 0.9 - 0.8 * n ** -0.5, families=["pow3", "pow2"], n_bootstrap=0)
        >>> round(float(fit.family_curve("pow3", [3200])[0]), 3)
        0.886
        """
        if family not in self.params:
            raise InputError(f"family {family!r} was not fitted; fitted: {', '.join(self.params)}")
        sizes = _check_query_sizes(n)
        # like the forecast, never past the perfect score (log2, for one, is unbounded)
        loss = _member_curve(family, sizes, self._member_theta(family))
        return self._to_score(loss)

    def predict(self, n, *, level: float = 0.95) -> CurvePrediction:
        """Forecast the score at sizes ``n``, with a percentile bootstrap interval.

        The forecast is the weighted average of the members' curves, each clipped at the
        perfect score. A ``last`` (last-value) member carries the last anchor's score forward
        only beyond the last anchor: at and below it, it follows the measured scores
        (interpolated in ``log n``; its bootstrap refits follow the resampled anchors), so the
        baseline does not pull the forecast or its interval away from the measurements.

        Parameters
        ----------
        n : int or array-like of positive numbers
            Training-set sizes.
        level : float
            Interval level in (0, 1).

        Examples
        --------
        >>> import numpy as np
        >>> n = np.array([50, 100, 200, 400, 800, 1600])
        >>> fit = fit_curve(n, 0.9 - 0.8 * n ** -0.5, families=["pow3"], n_bootstrap=50, rng=0)
        >>> pred = fit.predict(10_000)
        >>> round(float(pred.score[0]), 3)
        0.892
        """
        level = check_scalar(level, "level", low=0.0, high=1.0, closed="neither")
        sizes = _check_query_sizes(n)
        first = float(self.sizes.min())
        if np.any(sizes < first):
            warnings.warn(f"forecasting below the smallest measured size (n={first:g}): the fitted curve "
                          f"is not checked there and may leave the range of possible scores",
                          ScimlkitWarning, stacklevel=2)
        score = self._to_score(self._loss(sizes))
        band = self._band(sizes, level)
        if band is None:
            low = high = np.full_like(score, np.nan)
            level = float("nan")
        else:
            low, high = band
        return CurvePrediction(sizes=sizes, score=score, low=low, high=high, level=level, family=self.family)

    def _band(self, sizes: np.ndarray, level: float):
        """The (widened) percentile interval of the mixture of refits at ``sizes``, as scores:
        ``(low, high)``, or None without refits."""
        refits = self._refits()
        if not refits.size:
            return None
        return self._quantile_band(self._member_draws(sizes, refits), refits.weights, level, self._widening(level))

    def _quantile_band(self, draws: np.ndarray, weights: np.ndarray, level: float, r: float):
        """The percentile interval at ``level`` of the weighted loss ``draws`` (one column per
        size), widened around the median by ``r``, as scores ``(low, high)``."""
        q = (1 - level) / 2
        low, high, mid = _weighted_quantiles(self._to_score(draws), weights, [q, 1 - q, 0.5])
        if r > 1.0:
            low = _widen(low, mid, r, self.best_possible, self.higher_is_better)
            high = _widen(high, mid, r, self.best_possible, self.higher_is_better)
        return low, high

    def samples_needed(self, target: float, *, level: float = 0.95,
                       max_size: float | None = None) -> SamplesNeededResult:
        """The training-set size at which the fitted curve reaches ``target``.

        Says plainly when the target lies at or beyond the fitted asymptote (``reachable`` is
        False and ``n`` is None) or was already reached within the measured anchors.

        For a forecast of several families the target also counts as not reachable when
        members carrying more than half of the weight never reach it by ``max_size`` on their
        own *and* the forecast reaches it only because of members whose limit is the perfect
        score (``pow2`` and ``log2`` head there; the forecast without them, reweighted, does
        not reach the target): a weighted average of curves passes a target that most of them
        level off before as soon as one member heads for the perfect score, which says nothing
        about the data. The message names the share of the weight. Where the members all
        level off short of perfect and merely disagree, the forecast's own answer stands.

        The interval for ``n`` is read off :meth:`predict`'s band at ``level``: for a curve
        that only improves with more data, ``n* <= m`` exactly when the score at ``m`` reaches
        the target, so the lower bound is the size where the band's optimistic edge reaches
        the target and the upper bound where its pessimistic edge does (``inf`` when it does
        not by ``max_size``). The two intervals therefore agree, and the lower bound never
        lies below an anchor whose measured score fell short of the target by more than its
        noise.

        Parameters
        ----------
        target : float
            The score to reach (in the scores' own units and direction).
        level : float
            Level of the bootstrap interval for ``n``.
        max_size : float, optional
            Largest size searched; a target not reached by then counts as unreachable. Default:
            ``1e12`` or a million times the largest anchor, whichever is larger.

        Examples
        --------
        >>> import numpy as np
        >>> n = np.array([50, 100, 200, 400, 800, 1600])
        >>> fit = fit_curve(n, 0.9 - 0.8 * n ** -0.5, families=["pow3"], n_bootstrap=0)
        >>> round(fit.samples_needed(0.89).n)
        6400
        >>> fit.samples_needed(0.95).reachable
        False
        """
        target = check_scalar(target, "target")
        level = check_scalar(level, "level", low=0.0, high=1.0, closed="neither")
        if max_size is None:
            max_size = max(1e12, 1e6 * float(self.sizes.max()))
        max_size = check_scalar(max_size, "max_size", low=float(self.sizes.max()), closed="neither")
        goal = self._to_loss(target)
        w = np.array([self.weights[m] for m in self.members])
        thetas = [self._member_theta(m) for m in self.members]
        limits = np.array([_member_asymptote(m, th) for m, th in zip(self.members, thetas)])
        asym = float(np.dot(w, limits))
        better = "above" if self.higher_is_better else "below"
        limit = float(self._to_score(asym))
        seen = self._to_loss(self.scores) <= goal
        grid = np.geomspace(1.0, max_size, _CROSSING_POINTS)
        n_hat = _crossing(self._loss, goal, grid, floor=asym)
        # the share of the forecast's weight whose own curve reaches the target by max_size
        reaches = [goal >= 0 and _crossing(lambda s, m=m, th=th: self._member_loss(m, s, th), goal, grid,
                                           floor=float(lim)) is not None
                   for m, th, lim in zip(self.members, thetas, limits)]
        reach_weight = float(np.sum(w[np.array(reaches, dtype=bool)]))
        # members whose own limit is the perfect score (pow2, log2, or a family that levelled off
        # there): the weighted average with them passes any target short of it
        scale = float(np.max(self._anchor_loss(), initial=0.0))
        perfect = limits <= 1e-9 * max(scale, 1e-12)
        rest_reaches = True  # whether the forecast without those members reaches the target too
        if perfect.any() and not perfect.all() and goal >= 0:
            w_rest = np.where(perfect, 0.0, w / np.sum(w[~perfect]))
            rest_reaches = _crossing(lambda s: self._loss(s, thetas, w_rest), goal, grid,
                                     floor=float(np.dot(w_rest[~perfect], limits[~perfect]))) is not None
        refits = self._refits()
        low = high = prob = None
        last = float(self.sizes.max())
        if refits.size:
            # the refits' losses on the grid searched for the interval, whose last size is max_size
            r = self._widening(level)
            band_grid = np.geomspace(1.0, max_size, _BAND_POINTS)
            draws = self._member_draws(band_grid, refits)
            low, high = self._needed_interval(goal, level, band_grid, draws, refits, r)
            if n_hat is not None and goal >= 0:  # the interval holds the point estimate
                low, high = min(low, n_hat), max(high, n_hat)
            prob = _prob_reaching(goal, draws[:, -1], refits.weights, r)
        if seen.any():
            first = float(self.sizes[np.argmax(seen)])
            measured = (f"target {target:g} is already reached: measured {self.scores[np.argmax(seen)]:.4g} "
                        f"at n={first:g}")
            smallest = float(self.sizes.min())
            # the smoothed curve's crossing, held within the measured sizes (so that a higher
            # target never needs fewer samples than a lower one)
            if n_hat is not None and smallest <= n_hat <= last:
                n_out, message = float(n_hat), f"{measured}; the fitted curve reaches it at n={n_hat:,.0f}"
            elif n_hat is not None and n_hat < smallest:
                # the curve is past the target at every measured size: its answer, at the sizes measured
                n_out, low, high = smallest, None, None
                message = f"{measured}; the fitted curve is past it from the smallest measured size n={smallest:g}"
            elif n_hat is not None:
                # the curve, smoothing the anchors, crosses beyond them: the largest measured size
                n_out, low = last, (None if low is None else min(low, last))
                message = (f"{measured}; the fitted curve, smoothing the anchors, reaches it only at "
                           f"n={n_hat:,.0f}, past the largest measured size n={last:g}")
            else:  # the curve does not reach it: the largest measured size, no interval
                n_out, low, high = last, None, None
                message = (f"{measured}; the fitted curve, smoothing the anchors, does not reach it: "
                           f"n is the largest measured size n={last:g}")
            return SamplesNeededResult(
                target=target, reachable=True, already_reached=True, n=n_out, low=low, high=high,
                level=level, prob_reachable=prob, asymptote=limit, family=self.family,
                message=message)
        if goal < 0:
            return SamplesNeededResult(
                target=target, reachable=False, already_reached=False, n=None, low=low, high=high,
                level=level, prob_reachable=prob, asymptote=limit, family=self.family,
                message=f"target {target:g} is beyond the best possible score {self.best_possible:g}")
        # the asymptote itself, up to round-off (on either side: a target read off `asymptote`
        # comes back a rounding step above or below the members' limit in loss units)
        # (the rounding of the target against the best possible score, not a share of the losses)
        at_limit = abs(asym - goal) <= 8 * np.finfo(float).eps * max(abs(self.best_possible), scale, asym)
        if goal <= asym or at_limit:
            if at_limit:
                message = (f"target {target:g} is the fitted asymptote of {self.family}: the curve approaches "
                           f"it but does not reach it by n={max_size:g}")
            else:
                shown = f"{limit:.4g}" if f"{limit:.4g}" != f"{target:.4g}" else f"{limit:.10g}"
                message = (f"target {target:g} lies {better} the fitted asymptote {shown} of {self.family}: "
                           "more data of the same kind is not expected to reach it")
            return SamplesNeededResult(
                target=target, reachable=False, already_reached=False, n=None, low=low, high=high,
                level=level, prob_reachable=prob, asymptote=limit, family=self.family, message=message)
        if n_hat is None:
            return SamplesNeededResult(
                target=target, reachable=False, already_reached=False, n=None, low=low, high=high,
                level=level, prob_reachable=prob, asymptote=limit, family=self.family,
                message=f"target {target:g} is not reached by n={max_size:g} on the fitted {self.family} curve")
        if reach_weight < 0.5 and not rest_reaches:
            # the weighted average crosses the target only because of members heading for the
            # perfect score (pow2, log2), and most of the weight says it is not reached; plain
            # disagreement between members with limits short of perfect is the mixture's to settle
            short = "below" if self.higher_is_better else "above"
            below = [float(self._to_score(lim)) for lim, ok in zip(limits, reaches) if not ok]
            heading = ", ".join(m for m, p in zip(self.members, perfect) if p)
            return SamplesNeededResult(
                target=target, reachable=False, already_reached=False, n=None, low=low, high=high,
                level=level, prob_reachable=prob, asymptote=limit, family=self.family,
                message=f"target {target:g} is not expected to be reached: members carrying "
                        f"{1 - reach_weight:.0%} of the weight of {self.family} do not reach it by "
                        f"n={max_size:g} (their limits lie {short} it, from {min(below):.4g} to "
                        f"{max(below):.4g}, or they approach it too slowly); only the weighted average with "
                        f"the members levelling off at the perfect score ({heading}) passes it, at about "
                        f"n={n_hat:,.0f}")
        # no measured score reaches the target here, so it is not "already reached" even when the
        # smoothed curve passes it within the measured sizes (the anchors scatter around it)
        if n_hat <= last:
            best_seen = self.scores[int(np.argmin(self._to_loss(self.scores)))]
            message = (f"the fitted curve reaches {target:g} at about n={n_hat:,.0f}, within the measured "
                       f"sizes, but no measured score reaches it yet (best measured {best_seen:.4g})")
        else:
            message = f"the fitted curve reaches {target:g} at about n={n_hat:,.0f}"
        return SamplesNeededResult(
            target=target, reachable=True, already_reached=False, n=float(n_hat), low=low, high=high,
            level=level, prob_reachable=prob, asymptote=limit, family=self.family,
            message=message)

    def _needed_interval(self, goal: float, level: float, grid: np.ndarray, draws: np.ndarray, refits: _Refits,
                         r: float) -> tuple[float, float]:
        """Bounds on the size needed to reach loss ``goal``, read off :meth:`predict`'s band.

        For a curve that only improves with more data, the size needed is at most ``m``
        exactly when the score at ``m`` reaches the target, so ``P(n* <= m) = P(score(m)
        reaches it)``: the lower bound is where the optimistic edge of the (widened) band at
        ``level`` reaches the target, the upper bound where the pessimistic edge does. The band
        need not be monotone (noise around the anchors), so each bound is the last size at
        which its edge still falls short, searched on ``grid`` (``draws``: the refits' losses
        there) up to its last size (``inf`` when the edge never reaches the target). With fold
        columns, the lower bound is also never below an anchor whose measured score falls
        short of the target by more than the band's own allowance for its noise (the level's
        normal quantile, widened, times its standard error).
        """

        def edges(d):
            lo, hi = self._quantile_band(d, refits.weights, level, r)
            lo_l, hi_l = self._to_loss(lo), self._to_loss(hi)
            return np.minimum(lo_l, hi_l), np.maximum(lo_l, hi_l)  # optimistic, pessimistic

        on_grid = edges(draws)
        bounds = []
        for k in (0, 1):
            n_k = _crossing(lambda s, k=k: edges(self._member_draws(s, refits))[k], goal, grid, values=on_grid[k],
                            last=True, xtol=1e-6)
            bounds.append(math.inf if n_k is None else n_k)
        low, high = bounds
        if self.score_std is not None and self.n_folds >= 2:
            from scipy import stats

            allowance = float(stats.norm.ppf(0.5 + level / 2)) * r
            se = np.asarray(self.score_std, dtype=float) / math.sqrt(self.n_folds)
            short_by = self._to_loss(np.asarray(self.scores, dtype=float)) - goal
            clear = np.flatnonzero(short_by > allowance * se)
            if clear.size:
                low = max(low, float(self.sizes[clear[-1]]))
        return low, max(high, low)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields, without the bootstrap parameter draws."""
        return {k: jsonable(getattr(self, k)) for k in self.__dataclass_fields__
                if k not in ("bootstrap_params", "bootstrap_anchor_loss")}

    def to_frame(self):
        """The ranking of families (one row per family)."""
        return self.ranking.copy()


def _t_over_z(level: float, dof: int) -> float:
    """Student's t quantile over the normal one at the two-sided ``level``: how much wider an
    interval must be when the noise scale is estimated with ``dof`` degrees of freedom."""
    from scipy import stats

    p = 0.5 + level / 2
    return float(stats.t.ppf(p, dof) / stats.norm.ppf(p))


def _check_query_sizes(n) -> np.ndarray:
    sizes = check_array(np.atleast_1d(n) if np.ndim(n) == 0 else n, "n")
    if np.any(sizes <= 0):
        raise InputError(f"`n` must be positive sizes, got {sizes[sizes <= 0][0]:g}")
    return sizes


def _eval_member(name: str, n: np.ndarray, theta: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return FAMILIES[name].loss(np.asarray(n, dtype=float), np.asarray(theta, dtype=float))


def _member_curve(name: str, n: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """A family's loss at sizes ``n``, clipped at the perfect score (loss 0): a curve that
    passes it (log2 is unbounded) counts as levelling off there. ``theta`` may hold several
    parameter sets (parameters down the first axis, broadcasting against ``n``)."""
    return np.maximum(_eval_member(name, n, theta), 0.0)


def _member_asymptote(name: str, theta: np.ndarray) -> float:
    """A member's limit as ``n -> inf`` in loss units, clipped at the perfect score (loss 0): a
    member that passes it (log2 is unbounded: ``-inf``) counts as levelling off there, as its
    curve is clipped there (so the limit of a weighted average of members is always finite)."""
    return max(FAMILIES[name].asymptote(theta), 0.0)


def _widen(values, mid, r: float, perfect: float, higher_is_better: bool):
    """``values`` moved away from ``mid`` by the factor ``r``, never past the ``perfect`` value
    (above it when higher is better, below it otherwise)."""
    with np.errstate(invalid="ignore"):
        out = mid + r * (values - mid)
    return np.minimum(out, perfect) if higher_is_better else np.maximum(out, perfect)


def _prob_reaching(goal: float, draws: np.ndarray, weights: np.ndarray, r: float) -> float:
    """Weighted share of the refits' losses at the largest size searched (``draws``) that reach
    ``goal``, each first widened around the refits' median by the band's factor ``r`` (and kept
    within the possible scores), as :meth:`CurveFitResult._quantile_band` widens its quantiles:
    the share then agrees with the band that gives ``low`` / ``high`` of
    :meth:`CurveFitResult.samples_needed` (``high`` is ``inf`` only when the share is below
    ``(1 + level) / 2``, and ``low`` only when it is below ``(1 - level) / 2``)."""
    if r > 1.0:
        mid = _weighted_quantiles(draws, weights, [0.5])[0]
        if math.isfinite(mid):
            draws = _widen(draws, mid, r, 0.0, False)  # losses: lower is better, 0 is perfect
    return float(np.sum(weights[draws <= goal]) / np.sum(weights))


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs):
    """Quantiles of weighted values that may be infinite.

    Each value sits at the centre of its weight on the cumulative-weight scale, rescaled so
    that the smallest value is at 0 and the largest at 1; quantiles interpolate linearly
    between these positions. With equal weights this is numpy's default ("linear") quantile,
    and mirroring the values mirrors the quantiles. A quantile whose interpolation touches an
    infinite value is that infinity (numpy would give NaN, and replacing inf by a large number
    gives meaningless finite bounds such as 5e299).

    ``values`` of shape ``(n,)`` give a list of floats, one per ``q``; ``values`` of shape
    ``(n, m)`` (the weights going with the rows) give the quantiles of each column, an array
    ``(len(qs), m)``.
    """
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    single = v.ndim == 1
    keep = w > 0
    # one row per column of values (sorted along the rows, which is fast)
    v, w = np.ascontiguousarray((v[:, None] if single else v)[keep].T), w[keep]
    order = np.argsort(v, axis=1, kind="stable")
    v = np.take_along_axis(v, order, axis=1)
    if v.shape[1] == 1:
        out = np.repeat(v.T, len(qs), axis=0)
    else:
        # in units of the smallest weight, so that equal weights give whole-number positions
        # and numpy's own arithmetic (position q * (n - 1))
        w = (w / w.min())[order]
        centre = np.cumsum(w, axis=1) - w / 2
        pos = centre - centre[:, :1]
        span = pos[:, -1]
        rows = np.arange(len(v))
        out = np.empty((len(qs), len(v)))
        for k, q in enumerate(qs):
            h = float(q) * span
            i = np.clip(np.sum(pos <= h[:, None], axis=1) - 1, 0, v.shape[1] - 2)
            lo, hi = v[rows, i], v[rows, i + 1]
            frac = np.clip((h - pos[rows, i]) / (pos[rows, i + 1] - pos[rows, i]), 0.0, 1.0)
            with np.errstate(invalid="ignore"):
                between = lo + frac * (hi - lo)
            # on a value, up to rounding (which must not reach an infinite neighbour), else
            # touching an infinity, else between two finite values
            out[k] = np.select([frac < 1e-9, frac > 1.0 - 1e-9, np.isneginf(lo), np.isposinf(hi)],
                               [lo, hi, -math.inf, math.inf], between)
    return [float(x) for x in out[:, 0]] if single else out


def _crossing(loss_fn, goal: float, grid: np.ndarray, *, floor: float = -math.inf, last: bool = False,
              values=None, xtol: float = 1e-10) -> float | None:
    """Where the loss ``loss_fn`` (vectorised over sizes) comes down to ``goal``, or None.

    ``grid``: increasing sizes from 1 to the largest size searched. By default the first
    crossing: the smallest size with ``loss <= goal``. With ``last=True`` the last one: the
    size beyond which the loss no longer falls short of ``goal`` anywhere on the grid (for a
    band that need not be monotone). The crossing is located on the grid, then refined by
    root finding in ``log n`` between the grid points around it (to ``xtol``). ``floor`` is
    the curve's limit (a goal at or below it is never reached); ``values`` is
    ``loss_fn(grid)`` when already known.
    """
    from scipy.optimize import brentq

    if goal <= floor:
        return None
    values = loss_fn(grid) if values is None else values
    if last:
        short = np.flatnonzero(values > goal)
        i = int(short[-1]) + 1 if short.size else 0
    else:
        hit = np.flatnonzero(values <= goal)
        i = int(hit[0]) if hit.size else grid.size
    if i == grid.size:
        return None
    if i == 0:
        return float(grid[0])
    try:
        root = brentq(lambda z: float(loss_fn(np.array([math.exp(z)]))[0] - goal),
                      math.log(grid[i - 1]), math.log(grid[i]), xtol=xtol)
    except ValueError:
        return float(grid[i])
    return float(math.exp(root))


# -- orientation ----------------------------------------------------------------------------

# A trend of the mean score against log n counts as clear when its t statistic passes the
# two-sided 95% point of Student's t (with the degrees of freedom of the noise estimate).
_TREND_LEVEL = 0.975


def _trend_t(n: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares slope of the mean score against ``log n`` and its t statistic.

    The noise of the slope comes from the folds when ``y`` has several columns (the standard
    error of each anchor's mean) and from the residuals of a smooth fit otherwise (a quadratic
    in ``log n`` when there are at least four anchors, so that the curvature of a learning
    curve is not taken for noise; a line with three). The larger of the two estimates is used
    when both exist. Returns ``(slope, t)``; ``t`` is ``nan`` when no noise estimate exists
    (two anchors, one score each) and ``±inf`` when the anchors lie exactly on a trend.
    """
    x = np.log(n)
    mean = y.mean(axis=1) if y.ndim == 2 else y
    xc = x - x.mean()
    sxx = float(xc @ xc)
    slope = float(xc @ (mean - mean.mean())) / sxx
    variances = []
    se = _fold_standard_errors(y)
    if se is not None:
        variances.append(float(np.sum(xc**2 * se**2)) / sxx**2)
    degree = 2 if len(n) >= 4 else 1
    if len(n) > degree + 1:
        resid = mean - np.polyval(np.polyfit(x, mean, degree), x)
        variances.append(float(resid @ resid) / (len(n) - degree - 1) / sxx)
    if not variances:
        return slope, math.nan
    sd = math.sqrt(max(variances))
    if sd == 0.0:
        return slope, (math.copysign(math.inf, slope) if slope != 0 else 0.0)
    return slope, slope / sd


def _trend_dof(n: np.ndarray, y: np.ndarray) -> int:
    """Degrees of freedom of the noise estimate used by :func:`_trend_t` (the smaller one)."""
    dofs = []
    if y.ndim == 2 and y.shape[1] >= 2:
        dofs.append(y.shape[1] - 1)
    degree = 2 if len(n) >= 4 else 1
    if len(n) > degree + 1:
        dofs.append(len(n) - degree - 1)
    return max(min(dofs), 1) if dofs else 1


# a clear trend against the range is overruled only when the mean scores' spread is at most this
# fraction of their median distance from the perfect score
_SMALL_TREND = 0.05


def _default_best(y: np.ndarray, higher_is_better: bool) -> float:
    """The perfect score taken when ``best_possible`` is not given: 0 for a loss; for a
    higher-is-better score 0 when it is never positive (a negated loss: scikit-learn's
    ``neg_log_loss``, ``neg_mean_squared_error``, ...), 100 when every score lies in (1, 100]
    (a percentage), 1 otherwise."""
    if not higher_is_better or np.all(y <= 0.0):
        return 0.0
    return 100.0 if np.all((y > 1.0) & (y <= 100.0)) else 1.0


def _detect_orientation(n: np.ndarray, y: np.ndarray, best_possible: float | None = None) -> bool:
    """Whether higher scores are better, judged from the trend of the scores against ``log n``.

    A clearly rising trend means higher is better and a clearly falling one lower is better
    ("clearly": the slope is more than a 95% t quantile of its standard error, see
    :func:`_trend_t`). Without a clear trend (a plateau, or noise as large as the trend),
    mean scores that fall at every anchor (three or more) are lower-is-better, other scores
    inside [0, 1] are taken as higher-is-better (accuracy, AUC and R² are far more common than
    losses there), and so are scores inside (1, 100], read as percentages of such a score (as
    ``best_possible`` reads them), so that scores times 100 give the same orientation; other
    scores follow the sign of the slope; a warning says so. Without ``best_possible`` the range
    decides where it leaves one reading: mean scores of which some are negative and all are at
    most the default perfect score (0 when every score is <= 0, else 1) are higher-is-better,
    as a loss is usually not negative (a negated loss such as scikit-learn's
    ``neg_mean_squared_error``, or an R² around 0), and mean scores all above 100 are a loss;
    it decides even against a clear trend (a curve that gets worse with more data, with a
    warning) when that trend is small next to the scores' level (their spread at most 5% of
    their median distance from that perfect score); a larger clear trend is followed (and the scores are then refused
    against the default perfect score, so that ``higher_is_better`` and ``best_possible`` are
    given explicitly). A ``best_possible`` given
    explicitly comes first there: mean scores all at or below it are higher-is-better, all at
    or above it lower-is-better (the only reading that does not put them past it).
    """
    from scipy import stats

    mean = y.mean(axis=1) if y.ndim == 2 else y
    fraction = bool(np.all((y >= 0.0) & (y <= 1.0)))
    percent = bool(np.all((y > 1.0) & (y <= 100.0)))
    unit = fraction or percent
    if np.ptp(mean) == 0:
        slope, t = 0.0, 0.0
    else:
        slope, t = _trend_t(n, y)
    crit = float(stats.t.ppf(_TREND_LEVEL, _trend_dof(n, y)))
    # where the range leaves one reading (without a `best_possible`): a negative score is no
    # loss (a loss is at least its perfect score 0), and scores all above 100 are neither an
    # accuracy-like score nor its percentage
    usable = range_why = None
    if best_possible is None:
        if np.any(mean < -1e-12) and np.all(mean <= _default_best(y, True) + 1e-12):
            usable = True
            range_why = ("the scores are all <= 0, so they are taken as a negated loss, higher-is-better "
                         "(perfect score 0)" if np.all(y <= 0.0) else
                         "some mean scores are negative, which a loss cannot be, so they are taken as "
                         "higher-is-better (perfect score 1, as for R²)")
        elif np.all(mean > 100.0):
            usable = False
            range_why = ("the mean scores all lie above 100 (neither a fraction nor a percentage), so they are "
                         "taken as a loss, lower-is-better (perfect score 0)")
    if np.isfinite(t) and abs(t) > crit:
        # a clear trend against the range wins unless it is small next to the scores' level (a
        # negated loss creeping away from 0 by a few parts in a thousand): a count that clearly
        # rises past 100, or a log-scale loss that clearly falls below 0, is read by its trend
        # (and refused against the default perfect score, naming both options); the level is
        # measured from the perfect score of the range's reading (1 for an R² around 0)
        level = _default_best(y, True) if usable else 0.0
        small = bool(np.ptp(mean) <= _SMALL_TREND * np.median(np.abs(mean - level)))
        if usable is None or usable == (t > 0) or not small:
            return bool(t > 0)
        # a curve that clearly, slightly gets worse with more data: the range says which side is better
        warnings.warn(f"the scores {'rise' if t > 0 else 'fall'} with the training-set size (t = {t:.2g}), "
                      f"which would make {'higher' if t > 0 else 'lower'} scores better, but {range_why}: the "
                      "curve gets worse with more data. Pass `higher_is_better` (and `best_possible`; on the "
                      "command line --higher-is-better or --lower-is-better) to say so explicitly",
                      DegenerateDataWarning, stacklevel=3)
        return usable
    # mean scores falling at every anchor are a falling curve even when too few anchors make
    # the t test weak (three or four error rates): only a plateau's wobble is left to the range
    monotone_fall = bool(len(mean) >= 3 and np.all(np.diff(mean) < 0))
    side = None
    if best_possible is not None:
        below, above = bool(np.all(mean <= best_possible)), bool(np.all(mean >= best_possible))
        side = True if below and not above else False if above and not below else None
    if side is not None:
        guess = side
    elif usable is not None:
        guess = usable
    else:
        guess = bool(slope >= 0) if (not unit or monotone_fall) else True
    if unit and guess and slope >= 0:
        return True  # the range and the (weak) trend agree
    if side is not None:
        why = (f"the mean scores all lie {'at or below' if side else 'at or above'} `best_possible`="
               f"{best_possible:g}, so they are taken as {'higher' if side else 'lower'}-is-better")
    elif usable is not None:
        why = range_why
    elif monotone_fall:
        why = "the mean score falls at every anchor, so the scores are taken as lower-is-better"
    elif fraction:
        why = "the scores lie in [0, 1], so they are taken as higher-is-better (accuracy-like)"
    elif unit:
        why = ("the scores lie in (1, 100], so they are taken as a percentage, higher-is-better "
               "(accuracy-like)")
    else:
        why = f"the scores {'rise' if guess else 'fall'} slightly, so they are taken as " \
              f"{'higher' if guess else 'lower'}-is-better"
    trend = ("no noise estimate to judge the trend by" if not np.isfinite(t)
             else f"the trend of the scores against log n is not clear (t = {t:.2g})")
    warnings.warn(f"could not tell whether higher or lower scores are better: {trend}; {why}. "
                  "Pass `higher_is_better` (and `best_possible`; on the command line "
                  "--higher-is-better or --lower-is-better) to say so explicitly",
                  DegenerateDataWarning, stacklevel=3)
    return guess


# -- the public function --------------------------------------------------------------------


def fit_curve(
    sizes,
    scores,
    *,
    families="all",
    select: str = "weighted",
    higher_is_better: bool | None = None,
    best_possible: float | None = None,
    sigma="auto",
    holdout: int | None = None,
    n_average: int = 3,
    n_bootstrap: int = 200,
    rng=None,
) -> CurveFitResult:
    """Fit parametric learning-curve families, weight them by how they extrapolate, and bootstrap.

    Every family is fitted with :func:`scipy.optimize.least_squares` inside bounds (asymptotes
    may not beat ``best_possible``, rates and amplitudes are non-negative) from several
    starting points, data-driven ones included, keeping the lowest cost. A fit that is not
    finite, is flat while the anchors are not, or is no better than a constant is dropped and
    the reason is recorded in ``ranking``; the curve is never a silently failed fit.

    Scores are turned into losses once: ``L = best_possible - score`` when higher is better,
    ``L = score - best_possible`` otherwise. The families (see :data:`FAMILY_FORMULAS`) are
    written in ``L``: ``pow2`` is ``L = a n^-b``, i.e. ``accuracy = 1 - a n^-b`` (the common
    recipe, with its asymptote fixed at the perfect score).

    **Weighted least squares.** Small training sets give much noisier scores than large ones.
    With ``sigma="auto"`` and 2-D ``scores`` (one column per fold), each anchor is weighted by
    the inverse square of the standard error of its fold mean (floored at a tenth of their
    median, so that an anchor whose folds happen to agree does not get an infinite weight);
    ``sigma`` may also give the standard errors, or be None for ordinary least squares (the
    default for 1-D scores).

    **Backtest.** The last ``holdout`` anchors (default: a third, at least one) test each
    family. For up to three prefixes of the anchors, from the first ``n_anchors - holdout`` to
    all but the last, the family is fitted on the prefix and forecasts every later anchor;
    ``extrapolation_error`` is the root mean squared score error of those forecasts, each
    counted in proportion to how far it reaches, ``log(n_j / n_k)``, so the longest horizons
    weigh most. Families with more parameters than the shortest prefix has anchors cannot be
    scored and take no part in the selection; when only the last-value baseline can be
    scored (two anchors, say), it is selected and a :class:`~scimlkit.SmallSampleWarning`
    says that the forecast carries the last score forward whatever the trend.

    **Selection.** ``select="weighted"`` (the default) averages the families' curves (in loss
    units) with weights proportional to ``1 / (extrapolation_error**2 + noise)``, the inverse
    of each family's expected squared forecast error, where ``noise`` is the variance of a
    held-out anchor's score (from the folds, or from the residuals of the closest fitting
    family for 1-D scores): families that forecast the held-out anchors clearly better weigh
    more, and families that the backtest cannot tell apart keep near-equal weights instead of
    one being picked on noise. One model counts once (the family that extrapolated best, then
    the one with fewest parameters): ``exp4``, ``wbl4`` and ``janoschek`` are one model
    written three ways, and two families whose fits on every anchor are the same curve are
    one model as fitted (a nested family often ends where it turns into the smaller one:
    ``pow3`` with its asymptote at the perfect score is ``pow2``, ``pow4`` with ``b = 0`` is
    ``pow3``). Members with less than 5% of the weight are dropped and the rest
    renormalised. On learning curves measured from repeated cross-validation this averages
    out the variance of the flexible families and the bias of the rigid ones (see the
    project's curves benchmark). With very noisy anchors (a small dataset with few
    cross-validation repeats) the weights come out nearly equal and the forecast carries the
    noise of the flexible families: more repeats help most there, and
    ``select="extrapolation"`` is the more conservative choice. Families with a free
    asymptote, fitted on a small fraction of the data, tend to level off too early: for a
    classifier already close to a perfect score, ``families=["pow2"]`` (asymptote fixed at the
    perfect score) often forecasts the full-data score better (the benchmark shows both).
    ``select="extrapolation"`` forecasts with the single family of smallest error, with a
    one-standard-error rule: when that error beats ``pow3``'s by no more than the noise of
    the held-out scores (the mean standard error of their fold means, or ``pow3``'s residual
    RMSE for 1-D scores), ``pow3`` is kept. ``select="average"`` averages the ``n_average``
    best distinct families with equal weights (one model counting once, as above).
    In every mode a family whose asymptote, fitted on every anchor, is worse than the score
    already measured at the last anchor (by more than twice that anchor's standard error) is
    left out: a learning curve does not get worse with more data, so such a fit has
    underfitted the tail (it is still used when nothing else is left). A single requested
    family is used as is.

    **Intervals.** ``n_bootstrap`` refits of the selected family (or families): when
    ``scores`` is 2-D (one column per cross-validation fold) the folds are resampled with
    replacement and each refit repeats the whole fit, its least-squares weights included
    (with ``sigma="auto"`` they are recomputed from the resampled folds); otherwise the
    residuals of the fit are resampled and added back. With few folds a plain fold
    bootstrap is too narrow (five folds pin the noise down with four degrees of freedom), so
    each resampled mean's deviation is scaled by ``sqrt(k / (k - 1))`` for ``k`` folds and
    the percentile intervals are widened around the bootstrap median by
    ``t_{k-1} / z`` at the requested level (1.42 for five folds at 95%, on ``log n`` for
    :meth:`CurveFitResult.samples_needed`). On simulated pow3 curves with five folds of
    independent noise this brings the coverage of the 95% interval from about 0.65 to about
    0.95 (with ten folds it errs on the safe side, about 0.96 beyond the anchors and 0.99
    within them). With one score per anchor the residuals' scale is known only with
    ``n_anchors - p`` degrees of freedom (``p``: the parameters of the largest member), so the
    intervals are widened the same way by ``t_{n_anchors - p} / z`` (1.25 for nine anchors and
    a three-parameter family at 95%, 1.12 for fourteen). On simulated pow3, pow4, mmf4 and
    exp3 accuracy curves with 9 to 14 anchors and independent noise of constant size, each
    fitted with its own family, this brings the coverage of the 95% interval four times beyond
    the last anchor from about 0.89 (0.87-0.93) to about 0.93 (0.91-0.95), and of the 80%
    interval from about 0.75 to about 0.79; noise that grows towards the small anchors makes
    both err on the safe side.

    When the forecast is made of several families, the intervals are those of the mixture of
    their refits: every refit of every member counts, weighted by the member's weight, so
    that the families' disagreement about the forecast widens the intervals as well as the
    noise of the anchors does (the widening above is applied to the mixture). Intervals of
    the weighted average's own refits alone missed widely whenever the forecast leaned on
    families that level off too late or too early for the curve at hand: on simulated pow3,
    pow4, mmf4 and exp3 curves (noise 0.002 to 0.01, 9 to 14 anchors, the default families,
    40 to 60 replicates per setting) their 95% intervals four times beyond the last anchor
    covered 0.71 of the truth (0.45 of mmf4 and 0.49 of exp3 curves; 0.78 with five folds),
    the mixture's cover 0.96 (0.91 to 1.0 by family; 0.97 with five folds), and its 80%
    intervals 0.78 (0.60 to 0.95) instead of 0.55, for intervals about 1.7 times as wide. On
    the curves benchmark's 41 measured learning curves (bundled and generated datasets, the
    full training fold four times beyond the last anchor) the 95% intervals hold the measured
    score in 40 cases instead of 23, and the 80% ones err on the wide side (40 instead of 18).
    With noise shaped like a real cross-validated accuracy (five folds, each scored on a test
    set of 2000 samples whose binomial noise is largely shared across the sizes, plus a
    fold-to-fold spread that shrinks with the size; eight anchors up to a quarter of the full
    size; the default families; 120 to 150 replicates per curve) the 95% interval of the
    forecast at the full size covered the true score in 0.97 to 0.98 of pow3 and mmf4
    curves, and the 80% interval in 0.84 to 0.91 (the binomial standard error of these
    shares is about 0.02 and 0.035): honest, erring on the wide side, as the mixture adds
    the families' disagreement to the noise; with the fold means alone (one score per
    anchor, pow3 curves, 90 replicates) 0.98 and 0.83; fitted with ``families=["pow3"]``,
    the right family, 0.94 and 0.81 with folds and 0.96 and 0.81 with the fold means (100
    replicates each). On exp3 curves, which level off sooner than the power-law families
    expect, the forecast leans optimistic (by about 0.015 here) and the intervals widen to
    match (95%: all of 30 replicates covered; 80%: 0.83). The intervals of
    :meth:`CurveFitResult.samples_needed` are read off the same band and cover alike.
    The family weights themselves are taken as known (re-selecting them in every resample
    would cost a backtest per resample). The last-value baseline has nothing to say about
    sizes already measured: as a member of the forecast it follows the anchors up to the last
    one and carries the last value forward only beyond it (see
    :meth:`CurveFitResult.predict`).

    Parameters
    ----------
    sizes : array-like of shape (n_anchors,)
        Strictly increasing positive training-set sizes (at least 2).
    scores : array-like of shape (n_anchors,) or (n_anchors, n_folds)
        The score at each size, or one column per fold. NaN marks a failed fit (as
        :func:`learning_curve` records with ``error_score=np.nan``): a fold column that is NaN
        at every anchor is left out, then every anchor with a NaN score (at least two anchors
        must remain); a :class:`~scimlkit.DegenerateDataWarning` names them.
    families : "all", str or list of str
        Families to try, among ``last, pow2, pow3, pow4, log2, ilog2, exp3, exp4, mmf4,
        wbl4, janoschek``. With ``"all"``, families needing more anchors than given are
        skipped; named explicitly, they raise :class:`InputError`.
    select : {"weighted", "extrapolation", "average"}
        How to build the forecast from the ranked families (see Selection).
    higher_is_better : bool, optional
        Orientation of the score. ``None`` detects it from the trend of the scores against
        ``log n``: a clearly rising trend (slope beyond a 95% t quantile of its standard error,
        from the folds or the residuals) means higher is better, a clearly falling one lower is
        better. Without a clear trend (a plateau), scores within [0, 1] are taken as
        higher-is-better (accuracy, AUC, R²), and so are scores within (1, 100] (read as a
        percentage, as for ``best_possible``); others follow the sign of the slope. Without
        ``best_possible``, mean scores of which some are negative and all are at most the
        default perfect score are higher-is-better (a negated loss such as
        ``neg_mean_squared_error`` on a plateau, an R² around 0), mean scores all above 100
        lower-is-better (a loss), also against a clear trend that is small next to the scores'
        level (spread at most 5% of their median distance from the perfect score; with a
        warning that the curve then gets worse with more data); a
        ``best_possible`` given explicitly decides first (mean scores all at or below it are
        higher-is-better, all at or above it lower-is-better), with a
        :class:`~scimlkit.DegenerateDataWarning` when the range and the trend disagree or
        cannot be judged. Set it explicitly for losses on a plateau (``higher_is_better=False``,
        or ``--lower-is-better`` on the command line).
    best_possible : float, optional
        The perfect score. Default: 1 when higher is better (accuracy, R², AUC), except that
        scores that are all <= 0 are taken as a negated loss (scikit-learn's ``neg_log_loss``,
        ``neg_mean_squared_error``, ``neg_root_mean_squared_error``, ...) with perfect score 0;
        100 for higher-is-better scores that all lie in (1, 100] (a percentage, with a
        warning); 0 when lower is better (error rates, losses). Scores may not pass it. Pass it
        explicitly for a score whose perfect value is something else (an R² that is negative
        at every anchor still has perfect score 1); when the all-<= 0 rule decides the
        default, a :class:`~scimlkit.DegenerateDataWarning` says so.
    sigma : "auto", None or array-like of shape (n_anchors,)
        Standard errors of the anchors' scores for weighted least squares: ``"auto"`` takes
        them from the folds of 2-D ``scores`` (ordinary least squares for 1-D scores); None
        always fits by ordinary least squares. NaN is allowed at anchors left out for NaN
        scores (the standard error of a size at which every fit failed), nowhere else.
    holdout : int, optional
        Number of last anchors used to test extrapolation (see Backtest).
    n_average : int
        Number of families averaged when ``select="average"``.
    n_bootstrap : int
        Bootstrap refits for the intervals (0 disables them).
    rng : int or numpy.random.Generator, optional
        Seed of the bootstrap.

    Returns
    -------
    CurveFitResult

    Raises
    ------
    InputError
        On infinite scores (or NaN leaving fewer than two anchors), non-positive or
        non-increasing sizes, mismatched lengths, unknown families, too few anchors for a named
        family, or ``sigma`` that is not positive, has the wrong length or is NaN at an anchor
        kept.

    Examples
    --------
    >>> import numpy as np
    >>> n = np.array([50, 100, 200, 400, 800, 1600, 3200])
    >>> acc = 0.95 - 0.9 * n ** -0.4
    >>> fit = fit_curve(n, acc, families=["pow3", "pow2", "last"], n_bootstrap=0)
    >>> fit.family
    'pow3'
    >>> round(fit.asymptote, 3)
    0.95

    Noisy folds: the families are weighted by their backtest errors.

    >>> folds = acc[:, None] + np.random.default_rng(0).normal(0, 0.01, (7, 10))
    >>> fit = fit_curve(n, folds, n_bootstrap=0)
    >>> bool(abs(sum(fit.weights.values()) - 1) < 1e-12), fit.weighted_fit
    (True, True)
    """
    n = _check_sizes(sizes)
    y = _check_scores(scores, len(n))
    sigma = _check_sigma(sigma, len(n))
    rows, cols = _complete_anchors(n, y)
    _check_sigma_kept(sigma, n, rows)
    dropped = not rows.all()
    if not (rows.all() and cols.all()):
        n, y = n[rows], (y[rows][:, cols] if y.ndim == 2 else y[rows])
        if sigma is not None and not isinstance(sigma, str):
            sigma = sigma[rows]
    select = check_option(select, "select", _SELECT)
    n_average = check_int(n_average, "n_average", low=1)
    n_bootstrap = check_int(n_bootstrap, "n_bootstrap", low=0, high=100_000)
    if higher_is_better is not None and not isinstance(higher_is_better, bool | np.bool_):
        raise InputError(f"`higher_is_better` must be True, False or None, got {higher_is_better!r}")
    n_a = len(n)
    if holdout is not None:
        try:
            holdout = check_int(holdout, "holdout", low=1, high=max(n_a - 2, 1))
        except InputError as exc:
            if not dropped or isinstance(holdout, bool) or not isinstance(holdout, numbers.Real):
                raise
            raise InputError(f"{exc} ({n_a} anchors are left after dropping the NaN anchors)") from None
    names, skipped = _check_families(families, n_a, n, dropped)
    gen = check_rng(rng)

    mean = y.mean(axis=1) if y.ndim == 2 else y
    if higher_is_better is None:
        if best_possible is not None:
            best_possible = check_scalar(best_possible, "best_possible")
        higher_is_better = _detect_orientation(n, y, best_possible)
    higher_is_better = bool(higher_is_better)
    if best_possible is None:
        best_possible = _default_best(y, higher_is_better)
        negated = higher_is_better and best_possible == 0.0
        percent = higher_is_better and best_possible == 100.0
        if percent:
            warnings.warn("`best_possible` was taken as 100 because every score lies in (1, 100] (a "
                          "percentage); pass `best_possible` (--best-possible on the command line) if the "
                          "perfect score is something else", DegenerateDataWarning, stacklevel=2)
        if negated:
            warnings.warn("`best_possible` was taken as 0 because every score is <= 0 (as for scikit-learn's "
                          "neg_* scorers, e.g. neg_log_loss); pass `best_possible` (e.g. 1 for R²; "
                          "--best-possible on the command line) if the perfect score is something else",
                          DegenerateDataWarning, stacklevel=2)
    best_possible = check_scalar(best_possible, "best_possible")
    sign = 1.0 if higher_is_better else -1.0
    loss = sign * (best_possible - mean)
    if np.any(loss < -1e-12):
        i = int(np.argmin(loss))
        side = "above" if higher_is_better else "below"
        raise InputError(f"`scores` go {side} `best_possible`={best_possible:g} (score {mean[i]:.6g} at "
                         f"n={n[i]:g}); pass the right `best_possible` or `higher_is_better`")
    loss = np.maximum(loss, 0.0)

    # fit every family on all anchors, and on prefixes of the anchors to test extrapolation
    se = _fold_standard_errors(y)
    sig = _fit_sigma(sigma, se)
    m = holdout if holdout is not None else max(1, n_a // 3)
    k0 = n_a - m
    splits = _backtest_splits(k0, n_a)
    rows, fits, errors = [], {}, {}
    for name in names:
        fam = FAMILIES[name]
        row = {"family": name, "n_params": fam.n_params, "status": "ok", "weight": 0.0,
               "extrapolation_error": np.nan, "rmse": np.nan, "asymptote": np.nan, "reason": ""}
        try:
            theta = _fit_family(fam, n, loss, sigma=sig)
        except _FitFailure as exc:
            row.update(status="dropped", reason=str(exc))
            rows.append(row)
            continue
        fits[name] = theta
        row["rmse"] = float(np.sqrt(np.mean((_eval_member(name, n, theta) - loss) ** 2)))
        # the limit of the family's curve as reported (clipped at the perfect score, as in
        # family_curve: log2, for one, is unbounded)
        row["asymptote"] = best_possible - sign * _member_asymptote(name, theta)
        if len(names) > 1:
            if fam.n_params > k0 or (fam.name != "last" and k0 < 2):
                row["reason"] = f"too few early anchors ({k0}) to test extrapolation"
            else:
                err, failure = _backtest(fam, n, loss, sig, splits)
                if err is None:
                    row["reason"] = f"early-anchor fit failed: {failure}"
                else:
                    row["extrapolation_error"] = err
                    errors[name] = err
        rows.append(row)
    for name, reason in skipped.items():
        rows.append({"family": name, "n_params": FAMILIES[name].n_params, "status": "dropped", "weight": 0.0,
                     "extrapolation_error": np.nan, "rmse": np.nan, "asymptote": np.nan, "reason": reason})

    weights: dict[str, float] = {}
    if not fits:
        warnings.warn("no family could be fitted to the anchors (" + "; ".join(
            f"{r['family']}: {r['reason']}" for r in rows) + "); forecasting with the last value",
            ConvergenceWarning, stacklevel=2)
        fits["last"] = _fit_family(FAMILIES["last"], n, loss)
        rows.append({"family": "last", "n_params": 1, "status": "ok", "weight": 0.0,
                     "extrapolation_error": np.nan, "rmse": float(np.sqrt(np.mean((loss - loss[-1]) ** 2))),
                     "asymptote": float(mean[-1]), "reason": "fallback: every requested family failed"})
        members = ["last"]
    elif len(fits) == 1:
        members = list(fits)
    elif errors:
        if set(errors) == {"last"}:
            # the baseline alone could be tested: it wins by default, not on the evidence
            # the advice to name the family only where the families were not named already
            named = not (isinstance(families, str) and families.lower() == "all")
            warnings.warn(f"only {n_a} anchors: the last-value baseline is the only family that could be "
                          f"tested on held-out anchors ({k0} early anchor(s)), so the forecast carries the last "
                          "score forward whatever the trend; measure more sizes"
                          + ("" if named else ", or name the family to fit (`families`, --family on the command "
                                              "line)"), SmallSampleWarning, stacklevel=2)
        # a learning curve does not get worse with more data: a family whose asymptote is worse
        # than the score already measured at the last anchor (beyond that anchor's noise) has
        # underfitted the tail, so it is not selected unless nothing else is left
        if se is not None:
            last_noise = float(se[-1])
        else:
            last_noise = float(np.std(np.diff(loss), ddof=0)) if loss.size > 2 else 0.0
        plausible = {f: e for f, e in errors.items()
                     if _member_asymptote(f, fits[f]) <= loss[-1] + 2.0 * last_noise}
        for r in rows:
            if r["family"] in errors and r["family"] not in plausible:
                r["reason"] = "not selected: its asymptote is worse than the score measured at the last anchor"
        if plausible:
            errors = plausible
        order = sorted(errors, key=lambda f: (errors[f], FAMILIES[f].n_params))
        if select == "extrapolation":
            members = order[:1]
        else:  # one model (written several ways, or two fits on one curve) counts once
            distinct, twin = _distinct_models(errors, fits, n, loss)
            if select == "weighted":
                noise_var = _noise_variance(se, k0, fits, n, loss)
                weights = _stacking_weights(distinct, noise_var, float(np.ptp(loss)))
                members = sorted(weights, key=lambda f: -weights[f])
            else:
                members = [f for f in order if f in distinct][:n_average]
            for r in rows:
                if r["family"] in twin:
                    r["reason"] = (f"not {'weighted' if select == 'weighted' else 'averaged'}: the same model as "
                                   f"{twin[r['family']]}, which extrapolated as well or better")
        if select == "extrapolation" and _REFERENCE in errors and order[0] != _REFERENCE:
            # one-standard-error rule: keep the reference family unless the winner beats it
            # by more than the noise of the held-out scores
            if se is not None:
                noise = float(np.mean(se[k0:]))
            else:
                ref_row = next(r for r in rows if r["family"] == _REFERENCE)
                noise = float(ref_row["rmse"])
            if errors[_REFERENCE] - errors[order[0]] <= noise:
                members = [_REFERENCE]
                for r in rows:
                    if r["family"] == _REFERENCE:
                        r["reason"] = (f"kept by the one-standard-error rule: {order[0]} extrapolated better "
                                       f"by {errors[_REFERENCE] - errors[order[0]]:.3g}, within the noise "
                                       f"{noise:.3g} of the held-out scores")
    else:
        # nothing could be tested on held-out anchors: fall back to the in-sample fit
        by_rmse = {r["family"]: r["rmse"] for r in rows if r["family"] in fits}
        members = [min(by_rmse, key=lambda f: (by_rmse[f], FAMILIES[f].n_params))]
        for r in rows:
            if r["family"] == members[0]:
                r["reason"] = "chosen by in-sample fit: no family could be tested on held-out anchors"
    if not weights:
        weights = {f: 1.0 / len(members) for f in members}
    for r in rows:
        r["weight"] = float(weights.get(r["family"], 0.0))
        if r["family"] in members:
            r["status"] = "selected"

    import pandas as pd

    ranking = pd.DataFrame(rows)
    ranking["_order"] = ranking["extrapolation_error"].fillna(np.inf)
    ranking = ranking.sort_values(["_order", "n_params"], kind="stable").drop(columns="_order")
    ranking = ranking.reset_index(drop=True)

    w = np.array([weights[f] for f in members])
    boot, failed, boot_anchors = _bootstrap(members, w, fits, n, y, loss, sig, sign, best_possible, n_bootstrap, gen,
                              sigma=sigma)
    params = {name: dict(zip(FAMILIES[name].params, (float(v) for v in theta))) for name, theta in fits.items()}
    # the forecast's limit: each member's clipped limit, weighted (always finite)
    asym_loss = float(np.dot(w, [_member_asymptote(f, fits[f]) for f in members]))
    if len(members) == 1:
        family = members[0]
    else:
        family = f"{'weighted' if select == 'weighted' else 'average'}({', '.join(members)})"
    if failed > n_bootstrap // 2 and n_bootstrap:
        warnings.warn(f"{failed} of {n_bootstrap} bootstrap refits of {family} failed; the intervals "
                      "rest on the others", ConvergenceWarning, stacklevel=2)
    return CurveFitResult(
        sizes=n, scores=mean, family=family, members=tuple(members), params=params,
        asymptote=best_possible - sign * asym_loss, higher_is_better=higher_is_better,
        best_possible=best_possible, select=select, ranking=ranking, n_bootstrap=n_bootstrap,
        n_bootstrap_failed=failed, bootstrap_params=boot, weights={f: float(v) for f, v in zip(members, w)},
        weighted_fit=sig is not None,
        score_std=y.std(axis=1, ddof=1) if y.ndim == 2 and y.shape[1] >= 2 else None,
        n_folds=int(y.shape[1]) if y.ndim == 2 else 1, bootstrap_anchor_loss=boot_anchors)


def _bootstrap(members, w, fits, n, y, loss, sig, sign, best, n_boot, gen, *, sigma=None):
    """Refits of the members on resampled anchors: ``({member: (n_boot, n_params)}, failures)``.

    With fold columns, the columns are resampled with replacement. Every step of the fit is
    repeated on the resample, the least-squares weights included (with ``sigma="auto"`` they
    are recomputed from the resampled folds' standard errors, so their own noise enters the
    intervals). Resampling ``k`` columns makes the spread of their mean too small by the
    factor ``sqrt((k - 1) / k)`` (the plug-in variance divides by ``k``, not ``k - 1``), which
    matters with the usual 5 folds; each resampled mean's deviation from the observed mean is
    therefore scaled by ``sqrt(k / (k - 1))``. Without folds the residuals of the fit
    (inflated for the parameters spent) are resampled and added back. In both cases the
    percentile intervals made from these refits are widened afterwards for the degrees of
    freedom of the noise estimate (see ``CurveFitResult._widening``). The residuals
    are taken around the members other than ``last`` (a quadratic in ``log n`` when ``last``
    is the only one). Returns ``(refits, failures, anchors)``: ``anchors`` holds each
    resample's anchor losses (NaN rows for failed refits; None without refits).
    """
    out = {m: np.full((n_boot, FAMILIES[m].n_params), np.nan) for m in members}
    anchors = np.full((n_boot, len(n)), np.nan)
    if n_boot == 0:
        return out, 0, None
    folds = y.shape[1] if y.ndim == 2 else 1
    if folds >= 2:
        observed = y.mean(axis=1)
        spread = math.sqrt(folds / (folds - 1))
        refit_sigma = isinstance(sigma, str) and sig is not None
    # the smooth curve the residuals are taken from: the members other than the last-value
    # baseline (which follows the anchors themselves within them), renormalised; a quadratic in
    # log n when the baseline is the only member
    smooth = [i for i, m in enumerate(members) if m != "last"]
    if smooth:
        ws = w[smooth] / np.sum(w[smooth])
        fitted = ws @ np.array([_member_curve(members[i], n, fits[members[i]]) for i in smooth])
    else:
        x = np.log(n)
        fitted = np.maximum(np.polyval(np.polyfit(x, loss, min(2, len(n) - 2)), x), 0.0) if len(n) > 2 \
            else np.full(len(n), float(np.mean(loss)))
    resid = loss - fitted
    p = max(FAMILIES[m].n_params for m in members)
    inflate = math.sqrt(len(n) / (len(n) - p)) if len(n) > p else 1.0
    resid = (resid - resid.mean()) * inflate
    failed = 0
    for b in range(n_boot):
        if folds >= 2:
            cols = gen.integers(0, folds, folds)
            picked = y[:, cols]
            boot_mean = observed + spread * (picked.mean(axis=1) - observed)
            boot_loss = np.maximum(sign * (best - boot_mean), 0.0)
            boot_sig = _fit_sigma(sigma, _fold_standard_errors(picked)) if refit_sigma else sig
        else:
            boot_loss = np.maximum(fitted + gen.choice(resid, size=len(resid), replace=True), 0.0)
            boot_sig = sig
        ok = True
        row = {}
        for m in members:
            try:
                row[m] = _fit_family(FAMILIES[m], n, boot_loss, starts=[fits[m]], precise=False, sigma=boot_sig)
            except _FitFailure:
                try:
                    row[m] = _fit_family(FAMILIES[m], n, boot_loss, precise=False, sigma=boot_sig)
                except _FitFailure:
                    ok = False
                    break
        if not ok:
            failed += 1
            continue
        for m in members:
            out[m][b] = row[m]
        anchors[b] = boot_loss
    return out, failed, anchors
