"""Power and sample size for two-arm experiments.

Three designs are covered, each solving for whichever one of the control-arm size ``n``, the
power, or the minimum detectable effect (MDE) is left out (or, given all three with
``alpha=None``, for the significance level):

* two proportions with the pooled-variance z-test (variance under the null from the pooled
  proportion, under the alternative from the two arms' own proportions);
* two proportions on the arcsine scale (Cohen's h), the normal test of the transformed
  proportions;
* two means with the two-sample Student t-test, using the noncentral t distribution.

Power is always the exact rejection probability of the test's normal (or t) approximation,
counting both rejection regions for a two-sided test. Sample sizes are solved numerically from
that power, so a solved ``n`` put back into the power function returns the target power.
The treatment arm has ``ratio * n`` units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from .._errors import InputError
from .._results import Result
from .._validation import check_alpha, check_array, check_int, check_option, check_scalar

__all__ = [
    "PowerResult",
    "PowerCurveResult",
    "power_proportions",
    "power_means",
    "power_curve",
]

_TESTS = {
    "pooled": "two proportions, pooled z-test",
    "arcsine": "two proportions, arcsine (Cohen's h)",
    "t": "two means, t-test",
}


def _ceil(value: float) -> int:
    # Round up, forgiving floating-point noise just above an integer.
    return int(math.ceil(round(float(value), 9)))


@dataclass(frozen=True, slots=True)
class PowerResult(Result):
    """The design of a two-arm experiment: sizes, power, and the effect it can detect.

    Attributes
    ----------
    test : str
        The test the design is for.
    solved_for : str
        ``"n"``, ``"power"``, ``"mde"`` or ``"alpha"``: the quantity that was computed from the
        others.
    baseline : float or None
        The control proportion (``None`` for means).
    mde : float
        The minimum detectable effect as an absolute difference (treatment minus control), in
        proportion points or in the metric's units.
    mde_relative : float or None
        ``mde / baseline`` for proportions (``None`` for means).
    effect_size : float
        The standardised effect: Cohen's h for proportions, Cohen's d for means.
    sd : float or None
        The standard deviation of the metric (means only).
    alpha, power : float
        Significance level and power.
    sides : int
        1 for a one-sided test (in the direction of the effect), 2 for two-sided.
    ratio : float
        Treatment-arm size divided by control-arm size.
    n_control, n_treatment : float
        The exact (fractional) arm sizes.
    n_control_required, n_treatment_required, n_total_required : int
        The arm sizes rounded up to whole units, and their sum.

    Examples
    --------
    >>> from scimlkit.experiment import power_proportions
    >>> res = power_proportions(0.10, mde=0.02, power=0.9, ratio=2)
    >>> (res.solved_for, res.n_control_required, res.n_treatment_required)
    ('n', 3877, 7753)
    """

    test: str
    solved_for: str
    baseline: float | None
    mde: float
    mde_relative: float | None
    effect_size: float
    sd: float | None
    alpha: float
    power: float
    sides: int
    ratio: float
    n_control: float
    n_treatment: float
    n_control_required: int
    n_treatment_required: int
    n_total_required: int


@dataclass(frozen=True, slots=True)
class PowerCurveResult(Result):
    """Power of a design along a grid of arm sizes or of effects.

    Attributes
    ----------
    over : str
        ``"n"`` (power against the control-arm size, effect fixed) or ``"mde"`` (power against the
        absolute effect, sizes fixed).
    values : numpy.ndarray
        The grid (control-arm sizes or absolute effects).
    power : numpy.ndarray
        Power at each grid value.
    design : PowerResult
        The design the curve was drawn around (its fixed quantities).

    Examples
    --------
    >>> from scimlkit.experiment import power_curve, power_means
    >>> curve = power_curve(power_means(mde=0.5, power=0.8), over="mde", values=[0.25, 0.5, 1.0])
    >>> curve.power.round(2).tolist()
    [0.29, 0.8, 1.0]
    """

    over: str
    values: np.ndarray
    power: np.ndarray
    design: PowerResult

    def to_frame(self):
        """The curve as a table with columns ``value`` and ``power``."""
        import pandas as pd

        return pd.DataFrame({"value": self.values, "power": self.power})


# -- power functions (vectorised; effect >= 0 in the direction of the test) --------------------


def _z_crit(alpha: float, sides: int) -> float:
    return float(-special.ndtri(alpha / sides))  # exact also for a tiny alpha


def _power_pooled(p_c, delta, n_c, ratio, alpha, sides):
    p_c, delta, n_c = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (p_c, delta, n_c)))
    p_t = p_c + delta
    n_t = ratio * n_c
    p_bar = (p_c + ratio * p_t) / (1.0 + ratio)
    sd_null = np.sqrt(p_bar * (1.0 - p_bar) * (1.0 / n_c + 1.0 / n_t))
    sd_alt = np.sqrt(p_c * (1.0 - p_c) / n_c + p_t * (1.0 - p_t) / n_t)
    z = _z_crit(alpha, sides)
    d = np.abs(delta)
    out = special.ndtr((d - z * sd_null) / sd_alt)
    if sides == 2:
        out = out + special.ndtr((-d - z * sd_null) / sd_alt)
    return out


def _cohens_h(p_c, delta):
    p_c = np.asarray(p_c, dtype=float)
    return 2.0 * np.arcsin(np.sqrt(p_c + delta)) - 2.0 * np.arcsin(np.sqrt(p_c))


def _power_arcsine(p_c, delta, n_c, ratio, alpha, sides):
    h = np.abs(_cohens_h(p_c, delta))
    n_c = np.asarray(n_c, dtype=float)
    shift = h * np.sqrt(n_c * ratio / (1.0 + ratio))
    z = _z_crit(alpha, sides)
    out = special.ndtr(shift - z)
    if sides == 2:
        out = out + special.ndtr(-shift - z)
    return out


def _lower_tail_t(crit, df, nc, upper):
    """P(T < -crit) for T noncentral t with noncentrality ``nc`` >= 0, never NaN.

    SciPy's noncentral t CDF returns NaN deep in its lower tail (already at a noncentrality near
    4 for a critical value near 5), while its survival function at the mirrored point,
    P(T > crit) under noncentrality ``-nc``, is the same probability and stays finite there.
    What is still NaN (a noncentrality beyond about 1e9) is bounded by P(Z < -nc), since
    T < -crit needs Z + nc < 0; it is taken as 0 only where that bound is negligible next to
    the upper tail ``upper``.
    """
    lower = stats.nct.sf(crit, df, -nc)
    if np.isnan(lower).any():
        lower = np.where(np.isnan(lower), stats.nct.cdf(-crit, df, nc), lower)
    if np.isnan(lower).any():
        bound = special.ndtr(-nc)
        negligible = bound <= 1e-13 * upper
        if not np.all(negligible | ~np.isnan(lower)):
            raise InputError("the power of this t-test design cannot be computed accurately "
                             f"(degrees of freedom {np.max(df):g}, noncentrality {np.max(nc):g})")
        lower = np.where(np.isnan(lower), 0.0, lower)
    return lower


def _power_t(d, n_c, ratio, alpha, sides):
    d = np.abs(np.asarray(d, dtype=float))
    n_c = np.asarray(n_c, dtype=float)
    df = n_c * (1.0 + ratio) - 2.0
    nc = d * np.sqrt(n_c * ratio / (1.0 + ratio))
    crit = stats.t.isf(alpha / sides, df)
    out = stats.nct.sf(crit, df, nc)
    huge = np.isnan(out) & (nc > 1e6)
    if huge.any():
        # SciPy's noncentral t returns NaN for a noncentrality above about 1e9. There the normal
        # part of T = (Z + nc) / sqrt(V / df) is negligible next to nc, so T > crit is
        # V < df (nc / crit)^2 with V chi-squared on df degrees of freedom.
        with np.errstate(over="ignore", divide="ignore"):
            limit = special.chdtr(df, df * np.square(nc / crit))
        out = np.where(huge, limit, out)
    if sides == 2:
        out = out + _lower_tail_t(crit, df, nc, out)
    # beyond 1e12 degrees of freedom the t is a normal to double precision, while SciPy's
    # noncentral t loses accuracy there (its power is no longer monotone in the effect)
    normal = df > 1e12
    if np.any(normal):
        z = -special.ndtri(alpha / sides)
        approx = special.ndtr(nc - z) + (special.ndtr(-nc - z) if sides == 2 else 0.0)
        out = np.where(normal, approx, out)
    return out


# -- validation ---------------------------------------------------------------------------------


def _check_common(alpha, power, ratio, sides, n):
    alpha = None if alpha is None else check_alpha(alpha, "alpha")
    power = None if power is None else check_scalar(power, "power", low=0.0, high=1.0, closed="neither")
    ratio = check_scalar(ratio, "ratio", low=0.0, closed="neither")
    sides = check_int(sides, "sides", low=1, high=2)
    n = None if n is None else check_scalar(n, "n", low=0.0, closed="neither")
    if n is not None and not math.isfinite(n * (1.0 + ratio)):
        raise InputError(f"the total size `n` * (1 + `ratio`) must be finite, got n = {n:g}, ratio = {ratio:g}")
    if power is not None and alpha is not None and power <= alpha:
        # alpha is the power at an effect of zero (one- or two-sided): a target at or below it
        # asks for no effect at all (solving for the effect or n returned vanishing designs)
        raise InputError(f"`power` must exceed the false-positive rate `alpha` = {alpha:g} (the power at "
                         f"an effect of zero), got {power:g}")
    return alpha, power, ratio, sides, n


def _one_missing(mde, n, power, alpha) -> str:
    missing = [name for name, value in (("mde", mde), ("n", n), ("power", power)) if value is None]
    if alpha is None:
        if missing:
            raise InputError("`alpha=None` solves the significance level and needs all of `mde`, `n` and "
                             f"`power`; missing: {', '.join(missing)}")
        return "alpha"
    if len(missing) != 1:
        raise InputError("give exactly two of `mde`, `n` and `power` (the third is solved for), or all "
                         f"three with `alpha=None`; missing: {', '.join(missing) if missing else 'none'}")
    return missing[0]


def _solve_alpha(power_of_alpha, target: float) -> float:
    """The significance level at which the power reaches ``target`` (power increases with it)."""
    def gap(log_alpha):
        return float(power_of_alpha(math.exp(log_alpha))) - target

    hi, lo = 0.0, math.log(1e-3)
    while not (below := gap(lo)) < 0:  # a design with much more power than asked: move the bracket down
        if math.isnan(below):
            raise InputError(f"the power of this design at a significance level of {math.exp(lo):.0e} "
                             "cannot be computed; give `alpha` instead of solving for it")
        if lo < math.log(1e-200):
            raise InputError(f"the design reaches the requested power at any significance level down to "
                             f"{math.exp(lo):.0e}; lower `n` or the effect, or raise `power`")
        hi, lo = lo, lo + math.log(1e-3)
    return math.exp(optimize.brentq(gap, lo, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps, maxiter=500))


def _solve_n(power_of_n, target: float, low: float) -> float:
    """Smallest control-arm size reaching ``target`` power (power increases with n)."""
    def gap(log_n):
        return float(power_of_n(math.exp(log_n))) - target

    lo, hi = math.log(low), math.log(10.0)
    if gap(lo) >= 0:
        return low
    while gap(hi) < 0:
        lo, hi = hi, hi + math.log(10.0)
        if hi > math.log(1e15):
            raise InputError("no sample size below 1e15 reaches the requested power; "
                             "the effect is too small")
    root = optimize.brentq(gap, lo, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps, maxiter=500)
    return math.exp(root)


def _solve_effect(power_of_effect, target: float, high: float, what: str) -> float:
    def gap(effect):
        return float(power_of_effect(effect)) - target

    lo = high * 1e-12
    if gap(high) < 0:
        raise InputError(f"no {what} reaches the requested power with this sample size; "
                         "increase `n` or lower `power`")
    top = high
    while gap(lo) >= 0:  # a very large sample detects tiny effects: move the bracket down
        if lo < 1e-280:
            raise InputError(f"the requested power is reached by effects as small as {lo:.0e}: it is the power "
                             "of an effect of zero here; raise `power` above `alpha`")
        top, lo = lo, lo * 1e-12
    return optimize.brentq(gap, lo, top, xtol=min(1e-15, lo * 1e-6), rtol=4 * np.finfo(float).eps,
                           maxiter=500)


# -- public API ---------------------------------------------------------------------------------


def power_proportions(baseline, *, mde=None, n=None, power=None, relative: bool = False,
                      alpha: float = 0.05, ratio: float = 1.0, sides: int = 2,
                      method: str = "pooled") -> PowerResult:
    """Power, sample size or minimum detectable effect for comparing two proportions.

    Give exactly two of ``mde``, ``n`` and ``power``; the third is solved for. Given all three
    with ``alpha=None``, the significance level is solved for.

    Parameters
    ----------
    baseline : float
        The control arm's proportion, in (0, 1).
    mde : float, optional
        The effect to detect: treatment minus control as an absolute difference in proportion,
        or, with ``relative=True``, as a fraction of ``baseline`` (0.10 means +10 %). A solved
        MDE is the smallest increase reaching the power.
    n : float, optional
        The control-arm size; the treatment arm has ``ratio * n`` units.
    power : float, optional
        The probability of detecting the effect, in (0, 1).
    relative : bool
        Whether ``mde`` is relative to ``baseline``.
    alpha : float or None
        Significance level, in (0, 1); ``None`` to solve for it.
    ratio : float
        Treatment-arm size divided by control-arm size.
    sides : {1, 2}
        One-sided (in the direction of the effect) or two-sided test.
    method : {"pooled", "arcsine"}
        ``"pooled"``: z-test with the pooled-variance null (the usual A/B formula);
        ``"arcsine"``: normal test on the arcsine scale, effect size Cohen's h. With unequal
        arms the pooled test is slightly biased: its power at a tiny effect can fall a little
        below ``alpha`` (as statsmodels' ``power_proportions_2indep`` gives it), so a solved
        power or ``alpha`` near ``alpha`` can land on the other side of it.

    Returns
    -------
    PowerResult

    Notes
    -----
    The power is that of the normal approximation. The pooled z-test's exact power, summed over
    the binomial counts of both arms at the returned whole-unit sizes, can fall a little short
    of the target: 0.792 for a target of 0.8 at baseline 0.4 and a difference of 0.15 (173 per
    arm), 0.796 at baseline 0.5 and 0.1 (388 per arm); at a few thousand users per arm the gap
    is below 0.001. Add a few percent to small designs that must reach the power.

    Examples
    --------
    >>> from scimlkit.experiment import power_proportions
    >>> res = power_proportions(0.05, mde=0.10, relative=True, power=0.8)
    >>> res.n_control_required
    31234
    >>> round(power_proportions(0.05, mde=0.005, n=31234).power, 3)
    0.8
    """
    baseline = check_scalar(baseline, "baseline", low=0.0, high=1.0, closed="neither")
    method = check_option(method, "method", ("pooled", "arcsine"))
    if not isinstance(relative, bool | np.bool_):
        raise InputError(f"`relative` must be True or False, got {relative!r}")
    alpha, power, ratio, sides, n = _check_common(alpha, power, ratio, sides, n)
    if mde is not None:
        mde = check_scalar(mde, "mde")
        if mde == 0:
            raise InputError("`mde` must be non-zero, got 0")
    solved_for = _one_missing(mde, n, power, alpha)

    delta = None
    if mde is not None:
        delta = mde * baseline if relative else mde
        if not 0.0 < baseline + delta < 1.0:
            raise InputError(f"`mde` must keep the treatment proportion inside (0, 1); baseline "
                             f"{baseline:g} + difference {delta:g} = {baseline + delta:g}")

    def power_at(dlt, n_c, level=alpha):
        if method == "pooled":
            return _power_pooled(baseline, dlt, n_c, ratio, level, sides)
        return _power_arcsine(baseline, dlt, n_c, ratio, level, sides)

    if solved_for == "alpha":
        alpha = _solve_alpha(lambda a: power_at(delta, n, a), power)
    elif solved_for == "n":
        n = _solve_n(lambda x: power_at(delta, x), power, low=1e-6)
    elif solved_for == "power":
        power = float(power_at(delta, n))
    else:
        delta = _solve_effect(lambda e: power_at(e, n), power, high=1.0 - baseline - 1e-12,
                              what="increase over the baseline")
    h = float(_cohens_h(baseline, delta))
    return _result(method, solved_for, baseline=baseline, mde=float(delta),
                   mde_relative=float(delta) / baseline, effect_size=h, sd=None, alpha=alpha,
                   power=power, sides=sides, ratio=ratio, n=n)


def power_means(*, mde=None, n=None, power=None, sd: float = 1.0, alpha: float = 0.05,
                ratio: float = 1.0, sides: int = 2) -> PowerResult:
    """Power, sample size or minimum detectable effect for comparing two means (t-test).

    Give exactly two of ``mde``, ``n`` and ``power``; the third is solved for (or all three with
    ``alpha=None`` to solve the significance level). Power is that of
    the two-sample Student t-test with a common standard deviation, from the noncentral t
    distribution with ``n * (1 + ratio) - 2`` degrees of freedom.

    Parameters
    ----------
    mde : float, optional
        The difference in means to detect, in the metric's units (in standard deviations
        when ``sd=1``, i.e. Cohen's d). A solved MDE is positive.
    n : float, optional
        The control-arm size; the treatment arm has ``ratio * n`` units.
    power : float, optional
        The probability of detecting the effect, in (0, 1). When the smallest design (one
        degree of freedom, ``n * (1 + ratio) = 3``) already exceeds it, that design is
        returned with its own, higher power.
    sd : float
        The metric's standard deviation (per unit), > 0.
    alpha : float or None
        Significance level, in (0, 1); ``None`` to solve for it.
    ratio : float
        Treatment-arm size divided by control-arm size.
    sides : {1, 2}
        One-sided (in the direction of the effect) or two-sided test.

    Returns
    -------
    PowerResult

    Examples
    --------
    >>> from scimlkit.experiment import power_means
    >>> power_means(mde=0.5, power=0.8).n_control_required
    64
    >>> round(power_means(n=64, power=0.8).effect_size, 3)
    0.499
    """
    sd = check_scalar(sd, "sd", low=0.0, closed="neither")
    alpha, power, ratio, sides, n = _check_common(alpha, power, ratio, sides, n)
    if mde is not None:
        mde = check_scalar(mde, "mde")
        if mde == 0:
            raise InputError("`mde` must be non-zero, got 0")
    solved_for = _one_missing(mde, n, power, alpha)
    min_n = 3.0 / (1.0 + ratio)
    if n is not None and n * (1.0 + ratio) < 3.0:
        raise InputError("`n` must leave at least one degree of freedom, n * (1 + ratio) >= 3; "
                         f"got n = {n:g}")
    d = None if mde is None else mde / sd
    if d is not None and not math.isfinite(d):
        raise InputError(f"the standardised effect `mde` / `sd` must be finite, got {mde:g} / {sd:g}")
    if solved_for == "alpha":
        alpha = _solve_alpha(lambda a: _power_t(d, n, ratio, a, sides), power)
    elif solved_for == "n":
        n = _solve_n(lambda x: _power_t(d, x, ratio, alpha, sides), power, low=min_n)
        if n == min_n:  # the smallest design already exceeds the target: report its own power
            power = float(_power_t(d, n, ratio, alpha, sides))
    elif solved_for == "power":
        power = float(_power_t(d, n, ratio, alpha, sides))
    else:
        d = _solve_effect(lambda e: _power_t(e, n, ratio, alpha, sides), power, high=1e3,
                          what="effect below 1000 standard deviations")
    return _result("t", solved_for, baseline=None, mde=float(d) * sd, mde_relative=None,
                   effect_size=float(d), sd=sd, alpha=alpha, power=power, sides=sides, ratio=ratio,
                   n=n)


def _result(kind, solved_for, *, baseline, mde, mde_relative, effect_size, sd, alpha, power, sides,
            ratio, n) -> PowerResult:
    n_c = float(n)
    n_t = ratio * n_c
    req_c, req_t = _ceil(n_c), _ceil(n_t)
    return PowerResult(test=_TESTS[kind], solved_for=solved_for, baseline=baseline, mde=mde,
                       mde_relative=mde_relative, effect_size=effect_size, sd=sd, alpha=alpha,
                       power=float(power), sides=int(sides), ratio=ratio, n_control=n_c,
                       n_treatment=n_t, n_control_required=req_c, n_treatment_required=req_t,
                       n_total_required=req_c + req_t)


def power_curve(design: PowerResult, *, over: str = "n", values=None, num: int = 50) -> PowerCurveResult:
    """Power of a design along a grid of control-arm sizes or of effects.

    Parameters
    ----------
    design : PowerResult
        A design from :func:`power_proportions` or :func:`power_means`; its test, alpha,
        sides, ratio and (depending on ``over``) effect or size are kept fixed.
    over : {"n", "mde"}
        Vary the control-arm size (effect fixed at ``design.mde``) or the absolute effect
        (sizes fixed at ``design.n_control``).
    values : array-like, optional
        The grid. By default ``num`` points from a tenth to three times the design's size
        (``over="n"``) or from near zero to three times its effect, with the effect's sign
        (``over="mde"``; a design for a decrease is drawn over decreases). Effects may be
        negative; sizes must be positive.
    num : int
        Number of grid points when ``values`` is not given.

    Returns
    -------
    PowerCurveResult

    Examples
    --------
    >>> from scimlkit.experiment import power_curve, power_proportions
    >>> design = power_proportions(0.05, mde=0.10, relative=True, power=0.8)
    >>> curve = power_curve(design, over="n", num=20)
    >>> bool(curve.power[0] < 0.8 < curve.power[-1])
    True
    """
    if not isinstance(design, PowerResult):
        raise InputError(f"`design` must be a PowerResult, got {type(design).__name__}")
    over = check_option(over, "over", ("n", "mde"))
    if values is None:
        num = check_int(num, "num", low=2)
        if over == "n":
            values = np.linspace(0.1, 3.0, num) * design.n_control
            if design.test == _TESTS["t"]:
                values = np.maximum(values, 3.0 / (1.0 + design.ratio))
        else:  # effects of the design's sign: a design for a decrease is drawn over decreases
            sign = -1.0 if design.mde < 0 else 1.0
            top = 3.0 * abs(design.mde)
            if design.baseline is not None:
                room = design.baseline if sign < 0 else 1.0 - design.baseline
                top = min(top, room * (1 - 1e-9))
            values = sign * np.linspace(top / num, top, num)
    else:
        values = check_array(values, "values")
        if over == "n" and (values <= 0).any():
            raise InputError(f"`values` must be positive sizes, got {values[values <= 0][0]:g}")
        if over == "mde" and (values == 0).any():
            raise InputError("`values` must be non-zero effects (an effect of 0 has power alpha, not a power)")
    values = np.asarray(values, dtype=float)
    kinds = [k for k, v in _TESTS.items() if v == design.test]
    if not kinds:
        raise InputError(f"`design` has an unknown test {design.test!r}")
    kind = kinds[0]
    if over == "n":
        n_c, effect = values, design.mde
    else:
        n_c, effect = design.n_control, values
    if kind == "t":
        if over == "n" and (values * (1.0 + design.ratio) < 3.0).any():
            raise InputError("`values` must leave at least one degree of freedom, "
                             "n * (1 + ratio) >= 3")

        def fn(effect, alpha, sides):
            return _power_t(np.asarray(effect) / design.sd, n_c, design.ratio, alpha, sides)
    else:
        if over == "mde" and ((design.baseline + values >= 1.0) | (design.baseline + values <= 0.0)).any():
            raise InputError("`values` must keep the treatment proportion (baseline + effect) in (0, 1)")
        form = _power_pooled if kind == "pooled" else _power_arcsine

        def fn(effect, alpha, sides):
            return form(design.baseline, effect, n_c, design.ratio, alpha, sides)
    power = np.broadcast_to(np.asarray(fn(effect, design.alpha, design.sides), dtype=float), values.shape).copy()
    if design.sides == 1 and over == "mde":
        # the one-sided test looks in the design's direction: an effect the other way is
        # detected only by chance (the two-sided test at 2 alpha has the same critical value,
        # its extra tail is that chance)
        against = np.sign(values) != np.sign(design.mde)
        if against.any():
            both = np.asarray(fn(values[against], 2.0 * design.alpha, 2), dtype=float)
            toward = np.asarray(fn(values[against], design.alpha, 1), dtype=float)
            power[against] = np.clip(both - toward, 0.0, 1.0)
    return PowerCurveResult(over=over, values=values, power=power, design=design)
