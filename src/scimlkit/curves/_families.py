"""The parametric learning-curve families.

Every family is written for a *loss* ``L(n)`` that decreases towards its asymptote as the
number of training samples ``n`` grows. A score is turned into a loss once, up front:

* higher is better (accuracy, R², AUC): ``L = best_possible - score``;
* lower is better (error rate, log loss): ``L = score - best_possible``;

so that ``L >= 0`` and ``L = 0`` means a perfect model. With accuracy (``best_possible = 1``)
the two-parameter power law ``L = a n^-b`` is the common recipe ``accuracy = 1 - a n^-b``.

Parameters are estimated on a rescaled size ``x = n / s`` (``s`` is the largest anchor) so
that the optimiser works with numbers of order one; :meth:`Family.natural` converts them back
to the parameters of the formula written in ``n``, which are the ones reported.

The forms are the ones used in the learning-curve literature (Domhan et al. 2015; the LCDB
of Mohr, Viering, Loog and van Rijn 2022; Viering and Loog's survey "The shape of learning
curves" 2022), written in loss orientation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["FAMILIES", "FAMILY_FORMULAS", "Family", "family_names"]

_INF = np.inf


@dataclass(frozen=True)
class Family:
    """One parametric family of learning curves (loss orientation).

    ``loss(x, theta)`` evaluates the curve on the rescaled size ``x = n / s``; ``bounds`` and
    ``starts`` give the optimiser its box and starting points; ``natural(theta, s)`` maps the
    parameters to the ones of the formula in ``n``; ``asymptote(theta)`` is the loss as
    ``n -> inf`` (``-inf`` when the family is unbounded).
    """

    name: str
    params: tuple[str, ...]
    formula: str
    loss: Callable[[np.ndarray, np.ndarray], np.ndarray]
    bounds: Callable[[np.ndarray], tuple[list[float], list[float]]]
    starts: Callable[[np.ndarray, np.ndarray], list[list[float]]]
    natural: Callable[[np.ndarray, float], np.ndarray]
    asymptote: Callable[[np.ndarray], float]
    uses_log_n: bool = False  # the family is written in log(n) and is not rescaled

    @property
    def n_params(self) -> int:
        return len(self.params)


# -- helpers for data-driven starting points ------------------------------------------------


def _power_slope(x: np.ndarray, y: np.ndarray, c: float) -> tuple[float, float]:
    """Slope b and amplitude a of ``y - c = a x^-b`` by a log-log line through the points."""
    d = y - c
    ok = d > 0
    if ok.sum() < 2:
        return 1.0, max(float(np.max(y) - c), 1e-3)
    lx, ly = np.log(x[ok]), np.log(d[ok])
    if np.ptp(lx) == 0:
        return 0.5, float(np.exp(ly.mean()))
    slope, intercept = np.polyfit(lx, ly, 1)
    b = float(np.clip(-slope, 0.05, 3.0))
    return b, float(np.exp(intercept))


def _floors(y: np.ndarray) -> list[float]:
    """Candidate asymptotes below the smallest observed loss."""
    lo = float(np.min(y))
    return [0.0, 0.5 * lo, 0.9 * lo, max(lo - 0.1 * np.ptp(y), 0.0)]


def _errstate(fn):
    # kept light: it runs thousands of times per fit. Callers silence floating-point
    # warnings once around their loops (an overflow simply gives inf, handled there).
    return fn


# -- the families ---------------------------------------------------------------------------


def _last() -> Family:
    return Family(
        name="last",
        params=("c",),
        formula="L(n) = c  (the last observed value, carried forward)",
        loss=_errstate(lambda x, t: np.full(np.shape(x), t[0], dtype=float)),
        bounds=lambda y: ([-_INF], [_INF]),
        starts=lambda x, y: [[float(y[-1])]],
        natural=lambda t, s: np.asarray(t, dtype=float),
        asymptote=lambda t: float(t[0]),
    )


def _pow2() -> Family:
    def starts(x, y):
        b, a = _power_slope(x, y, 0.0)
        return [[a, b], [float(y[-1]), 0.5], [float(y[-1]), 0.1]]

    return Family(
        name="pow2",
        params=("a", "b"),
        formula="L(n) = a n^-b  (for accuracy: 1 - a n^-b)",
        loss=_errstate(lambda x, t: t[0] * x ** (-t[1])),
        bounds=lambda y: ([0.0, 0.0], [_INF, 10.0]),
        starts=starts,
        natural=lambda t, s: np.array([t[0] * s ** t[1], t[1]]),
        asymptote=lambda t: 0.0,
    )


def _pow3() -> Family:
    def starts(x, y):
        out = []
        for c in _floors(y):
            b, a = _power_slope(x, y, c)
            out.append([a, b, c])
        return out

    return Family(
        name="pow3",
        params=("a", "b", "c"),
        formula="L(n) = c + a n^-b",
        loss=_errstate(lambda x, t: t[2] + t[0] * x ** (-t[1])),
        bounds=lambda y: ([0.0, 0.0, 0.0], [_INF, 10.0, _INF]),
        starts=starts,
        natural=lambda t, s: np.array([t[0] * s ** t[1], t[1], t[2]]),
        asymptote=lambda t: float(t[2]),
    )


def _pow4() -> Family:
    def starts(x, y):
        out = []
        for c in _floors(y)[1:3]:
            b, a = _power_slope(x, y, c)
            a = max(a, 1e-6)
            # (alpha x + beta)^-d with beta small behaves like alpha^-d x^-d
            for beta in (1e-3, 0.1 * x.min()):
                out.append([a ** (-1.0 / b), beta * a ** (-1.0 / b), c, b])
        return out

    return Family(
        name="pow4",
        params=("a", "b", "c", "d"),
        formula="L(n) = c + (a n + b)^-d",
        loss=_errstate(lambda x, t: t[2] + (t[0] * x + t[1]) ** (-t[3])),
        bounds=lambda y: ([1e-12, 0.0, 0.0, 0.0], [_INF, _INF, _INF, 10.0]),
        starts=starts,
        natural=lambda t, s: np.array([t[0] / s, t[1], t[2], t[3]]),
        asymptote=lambda t: float(t[2]),
    )


def _log2() -> Family:
    def starts(x, y):
        lx = np.log(x)
        if np.ptp(lx) == 0:
            return [[0.0, float(y.mean())]]
        slope, intercept = np.polyfit(lx, y, 1)
        return [[max(-slope, 0.0), intercept], [0.01, float(y[-1])]]

    return Family(
        name="log2",
        params=("a", "b"),
        formula="L(n) = b - a log(n)",
        loss=_errstate(lambda x, t: t[1] - t[0] * np.log(x)),
        bounds=lambda y: ([0.0, -_INF], [_INF, _INF]),
        starts=starts,
        natural=lambda t, s: np.array([t[0], t[1] + t[0] * np.log(s)]),
        asymptote=lambda t: -_INF if t[0] > 0 else float(t[1]),
    )


def _ilog2() -> Family:
    # written in n itself (x is n here): 1 / log(n) does not rescale
    def starts(x, y):
        il = 1.0 / np.log(x)
        if np.ptp(il) == 0:
            return [[0.0, float(y.mean())]]
        slope, intercept = np.polyfit(il, y, 1)
        return [[max(slope, 0.0), max(intercept, 0.0)], [float(y[0]), 0.0]]

    return Family(
        name="ilog2",
        params=("a", "c"),
        formula="L(n) = c + a / log(n)",
        # defined for n > 1 only: at and below 1 the loss is its limit from above, +inf (below 1
        # the formula would turn the other way and promise a perfect score)
        loss=_errstate(lambda x, t: np.where(x > 1, t[1] + t[0] / np.log(x), np.inf)),
        bounds=lambda y: ([0.0, 0.0], [_INF, _INF]),
        starts=starts,
        natural=lambda t, s: np.asarray(t, dtype=float),
        asymptote=lambda t: float(t[1]),
        uses_log_n=True,
    )


def _exp3() -> Family:
    def starts(x, y):
        out = []
        for c in _floors(y)[1:3]:
            for rate in (1.0, 5.0, 30.0):
                a = max(float(y[0] - c), 1e-6) * np.exp(rate * x[0])
                out.append([a, rate, c])
        return out

    return Family(
        name="exp3",
        params=("a", "b", "c"),
        formula="L(n) = c + a exp(-b n)",
        loss=_errstate(lambda x, t: t[2] + t[0] * np.exp(-t[1] * x)),
        bounds=lambda y: ([0.0, 0.0, 0.0], [_INF, 1e4, _INF]),
        starts=starts,
        natural=lambda t, s: np.array([t[0], t[1] / s, t[2]]),
        asymptote=lambda t: float(t[2]),
    )


def _exp4() -> Family:
    def starts(x, y):
        out = []
        for c in _floors(y)[1:3]:
            for d, a in ((0.3, 3.0), (1.0, 10.0)):
                b = float(np.log(max(y[0] - c, 1e-6))) + a * x[0] ** d
                out.append([a, b, c, d])
        return out

    return Family(
        name="exp4",
        params=("a", "b", "c", "d"),
        formula="L(n) = c + exp(b - a n^d)",
        loss=_errstate(lambda x, t: t[2] + np.exp(t[1] - t[0] * x ** t[3])),
        bounds=lambda y: ([0.0, -_INF, 0.0, 0.0], [_INF, _INF, _INF, 10.0]),
        starts=starts,
        natural=lambda t, s: np.array([t[0] * s ** (-t[3]), t[1], t[2], t[3]]),
        asymptote=lambda t: float(t[2]),
    )


def _mmf4() -> Family:
    def starts(x, y):
        out = []
        top = float(np.max(y)) * 1.5 + 1e-6
        for c in _floors(y)[1:3]:
            d, _ = _power_slope(x, y, c)
            for b in (0.01, 1.0):
                out.append([top, b * x.min() ** d if b < 1 else b, c, d])
        return out

    return Family(
        name="mmf4",
        params=("a", "b", "c", "d"),
        formula="L(n) = (a b + c n^d) / (b + n^d)",
        loss=_errstate(lambda x, t: (t[0] * t[1] + t[2] * x ** t[3]) / (t[1] + x ** t[3])),
        bounds=lambda y: ([0.0, 0.0, 0.0, 0.0], [_INF, _INF, _INF, 10.0]),
        starts=starts,
        natural=lambda t, s: np.array([t[0], t[1] * s ** t[3], t[2], t[3]]),
        asymptote=lambda t: float(t[2]) if t[3] > 0 else float((t[0] * t[1] + t[2]) / (t[1] + 1)),
    )


def _wbl4() -> Family:
    def starts(x, y):
        out = []
        for c in _floors(y)[1:3]:
            amp = max(float(y[0] - c), 1e-6)
            for d, a in ((0.3, 3.0), (1.0, 10.0)):
                out.append([a, amp * np.exp(a * x[0] ** d), c, d])
        return out

    return Family(
        name="wbl4",
        params=("a", "b", "c", "d"),
        formula="L(n) = c + b exp(-a n^d)",
        loss=_errstate(lambda x, t: t[2] + t[1] * np.exp(-t[0] * x ** t[3])),
        bounds=lambda y: ([0.0, 0.0, 0.0, 0.0], [_INF, _INF, _INF, 10.0]),
        starts=starts,
        natural=lambda t, s: np.array([t[0] * s ** (-t[3]), t[1], t[2], t[3]]),
        asymptote=lambda t: float(t[2]),
    )


def _janoschek() -> Family:
    def starts(x, y):
        out = []
        top = float(np.max(y)) * 1.2 + 1e-6
        for a in _floors(y)[1:3]:
            for d, c in ((0.3, 3.0), (1.0, 10.0)):
                out.append([a, top, c, d])
        return out

    return Family(
        name="janoschek",
        params=("a", "b", "c", "d"),
        formula="L(n) = a + (b - a) exp(-c n^d)",
        loss=_errstate(lambda x, t: t[0] + (t[1] - t[0]) * np.exp(-t[2] * x ** t[3])),
        bounds=lambda y: ([0.0, 0.0, 0.0, 0.0], [_INF, _INF, _INF, 10.0]),
        starts=starts,
        natural=lambda t, s: np.array([t[0], t[1], t[2] * s ** (-t[3]), t[3]]),
        asymptote=lambda t: float(t[0]),
    )


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        _last(), _pow2(), _pow3(), _pow4(), _log2(), _ilog2(), _exp3(), _exp4(), _mmf4(), _wbl4(),
        _janoschek(),
    )
}


#: Each family's formula, in loss orientation (``L = best_possible - score`` for scores where
#: higher is better, ``L = score - best_possible`` otherwise).
FAMILY_FORMULAS: dict[str, str] = {name: fam.formula for name, fam in FAMILIES.items()}


def family_names() -> tuple[str, ...]:
    """Names of every available family, in a fixed order."""
    return tuple(FAMILIES)
