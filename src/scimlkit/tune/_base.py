"""The small base class every optimiser implements: ``propose`` / ``observe``.

Optimisers *minimise*. A study asks for points with :meth:`Optimizer.propose`, evaluates them
(possibly in parallel, in any order) and reports each value with :meth:`Optimizer.observe`.
Points proposed but not yet observed are *pending*; model-based optimisers take them into
account so that a batch does not propose the same point several times. A non-finite value
(NaN or infinity) marks a failed trial. ``observe`` also accepts points the optimiser never
proposed (trials resumed from storage, trials added by the user).
"""

from __future__ import annotations

import abc
import math
import numbers
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from .._errors import InputError
from .._validation import check_int, check_rng, describe
from ._space import Space, as_space

__all__ = ["Optimizer"]


def _sobol(d: int, rng: np.random.Generator):
    """A scrambled Sobol' engine seeded by ``rng`` (``rng=`` since SciPy 1.15, ``seed=`` before)."""
    from scipy.stats import qmc

    try:
        return qmc.Sobol(d, scramble=True, rng=rng)
    except TypeError:  # pragma: no cover - SciPy < 1.15
        return qmc.Sobol(d, scramble=True, seed=rng)


def _key(params: Mapping[str, Any]) -> tuple:
    return tuple((k, type(v).__name__, v) for k, v in params.items())


class Optimizer(abc.ABC):
    """Base class of the optimisers (ask/tell interface, minimisation).

    Parameters
    ----------
    space : Space or dict
        The search space.
    rng : None, int or numpy.random.Generator
        Randomness source; the same seed and the same observations give the same proposals.
    n_trials : int, optional
        Budget hint (the number of trials the study plans to run); optimisers use it to size
        their initial design, population or grid. Observations counted in :attr:`n_given`
        are not part of it.
    **options
        Optimiser-specific options (see each subclass); unknown names raise ``InputError``.

    Notes
    -----
    Subclasses implement :meth:`_propose` (and optionally :meth:`_observed`), and list their
    options with defaults in ``_defaults``.

    Examples
    --------
    A subclass that always proposes the centre of the (encoded) space:

    >>> import numpy as np
    >>> from scimlkit.tune import Float, Optimizer
    >>> class Centre(Optimizer):
    ...     name = "centre"
    ...     def _propose(self, n):
    ...         middle = np.full((n, self.space.n_encoded), 0.5)
    ...         return self.space.decode(middle)
    >>> opt = Centre({"x": Float(-1.0, 3.0)})
    >>> params = opt.propose(1)
    >>> params
    [{'x': 1.0}]
    >>> opt.observe(params[0], 0.25)
    >>> opt.best
    ({'x': 1.0}, 0.25)
    """

    name: ClassVar[str] = "base"
    _defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, space: Space | Mapping[str, Any], *, rng: Any = None,
                 n_trials: int | None = None, **options: Any) -> None:
        self.space = as_space(space)
        self.rng = check_rng(rng)
        self.n_trials = check_int(n_trials, "n_trials", low=1, allow_none=True)
        unknown = sorted(set(options) - set(self._defaults))
        if unknown:
            allowed = ", ".join(sorted(self._defaults)) or "none"
            raise InputError(f"unknown option(s) {unknown} for method '{self.name}'; allowed: {allowed}")
        self.options = {**self._defaults, **options}
        self._n_given = 0
        self._params: list[dict[str, Any]] = []  # observed points, in order
        self._values: list[float] = []  # their values (NaN for failed trials)
        self._pending: list[dict[str, Any]] = []
        self._best: tuple[dict[str, Any], float] | None = None
        self._size = self.space._n_points()  # points of a space of integers and choices (else None)
        self._distinct: set = set()  # keys of the points observed, when the space is finite

    # -- public interface ----------------------------------------------------------------
    def propose(self, n: int = 1) -> list[dict[str, Any]]:
        """Propose ``n`` new points (fewer only when fewer are left: a space of integer and
        categorical parameters has that many points not yet observed or pending; none when the
        optimiser is :attr:`exhausted`).

        The points become *pending* until they are observed.
        """
        n = check_int(n, "n", low=1)
        if self._size is not None:
            n = min(n, self._size - self._n_taken())
            if n <= 0:
                return []
        points = self._propose(n)
        for p in points:
            self._pending.append(dict(p))
        return [dict(p) for p in points]

    def observe(self, params: Mapping[str, Any], value: Any) -> None:
        """Record the objective value of ``params`` (NaN or infinity: a failed trial).

        ``params`` need not have been proposed by this optimiser.
        """
        params = self.space.validate(params)
        if value is None:
            value = math.nan
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise InputError(f"`value` must be a real number (NaN for a failed trial), got {describe(value)}")
        value = float(value)
        if not math.isfinite(value):
            value = math.nan
        key = _key(params)
        for i, p in enumerate(self._pending):
            if _key(p) == key:
                del self._pending[i]
                break
        self._params.append(params)
        self._values.append(value)
        if self._size is not None:
            self._distinct.add(key)
        if math.isfinite(value) and (self._best is None or value < self._best[1]):
            self._best = (dict(params), value)
        self._observed(params, value)

    def _propose_fixed(self, fixed: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Propose one point for a trial whose parameters ``fixed`` are set already (a partial
        :meth:`Study.enqueue`; the study sets them over the proposal, then calls
        :meth:`_replace_pending`). Default: the next proposal; none when :attr:`exhausted`."""
        return [] if self.exhausted else self.propose(1)

    def _replace_pending(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        """Make pending point ``old`` (if pending) pending as ``new`` (a proposal changed by the
        study before it ran, e.g. with some parameters fixed)."""
        key = _key(old)
        for i, p in enumerate(self._pending):
            if _key(p) == key:
                self._pending[i] = dict(new)
                break

    def forget_pending(self) -> None:
        """Drop every pending point (e.g. after the workers that held them were lost)."""
        self._pending.clear()

    @property
    def pending(self) -> list[dict[str, Any]]:
        """Points proposed but not yet observed."""
        return [dict(p) for p in self._pending]

    @property
    def n_observed(self) -> int:
        """Number of observations (failed trials included)."""
        return len(self._values)

    @property
    def n_given(self) -> int:
        """How many of the observations were given from elsewhere (a warm start) rather than
        spent from the budget ``n_trials``; set by :class:`~scimlkit.tune.Study`."""
        return self._n_given

    @n_given.setter
    def n_given(self, value: int) -> None:
        self._n_given = check_int(value, "n_given", low=0)

    def _budget_left(self) -> int | None:
        """Trials of the budget not yet observed or pending (None without a budget)."""
        if self.n_trials is None:
            return None
        return self.n_trials - (self.n_observed - self.n_given) - len(self._pending)

    @property
    def exhausted(self) -> bool:
        """True when the optimiser can propose nothing new: every point of a space of integer and
        categorical parameters is observed or pending (or, for the grid, every grid point)."""
        return self._size is not None and self._n_taken() >= self._size

    def _n_taken(self) -> int:
        """Distinct points observed or pending (a finite space's)."""
        pending = {_key(p) for p in self._pending}
        return len(self._distinct) + sum(1 for k in pending if k not in self._distinct)

    @property
    def best(self) -> tuple[dict[str, Any], float] | None:
        """``(params, value)`` of the best finite observation, or None."""
        if self._best is None:
            return None
        return dict(self._best[0]), self._best[1]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_params={len(self.space)}, n_observed={self.n_observed})"

    # -- for subclasses ------------------------------------------------------------------
    @abc.abstractmethod
    def _propose(self, n: int) -> list[dict[str, Any]]:
        """Return ``n`` points (Python-typed dicts valid for the space)."""

    def _observed(self, params: dict[str, Any], value: float) -> None:  # noqa: B027 - optional hook
        """Hook called after each observation (``value`` is NaN for a failed trial)."""

    def _data(self) -> tuple[list[dict[str, Any]], np.ndarray]:
        """Observed points and their values as an array (NaN = failed)."""
        return self._params, np.asarray(self._values, dtype=float)
