"""Differential evolution driven one trial at a time (``method="de"``)."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .._validation import check_int, check_scalar
from ._base import Optimizer, _key, _sobol

__all__ = ["DifferentialEvolution"]


class DifferentialEvolution(Optimizer):
    """Differential evolution with an ask/tell interface, sized for small budgets.

    SciPy's :func:`scipy.optimize.differential_evolution` calls the objective itself, a whole
    generation at a time, so it cannot be driven point by point by a study (with asynchronous
    workers, resumed and user-added trials); this is the same algorithm written as a
    *steady-state* loop: each proposal is a trial vector for one member of the population, and
    the member is replaced when its trial is at least as good.

    * **Encoding**: one coordinate per parameter in ``[0, 1]`` (log-scaled where ``log=True``);
      integers are rounded and a categorical with ``k`` choices owns ``k`` equal slices, which
      is what SciPy's ``integrality`` does for integer variables.
    * **Population**: ``popsize`` members (default ``2 * len(space) + 4``, between 6 and 30, and
      at most a sixth of the budget ``n_trials``), initialised by scrambled Sobol' points.
      SciPy's default of ``15 * d`` members would spend a 100-trial budget on the first
      generation.
    * **Mutation**: ``current-to-pbest/1`` (the member moves towards one of the best
      ``ceil(p * popsize)`` members plus a scaled difference of two others), binomial crossover
      with rate ``crossover``, a mutation factor drawn in ``mutation`` per trial (dithering);
      coordinates leaving ``[0, 1]`` are reflected back inside.
    * **Failed trials** count as infinitely bad. **Foreign observations** (never proposed)
      join the population while it is not full, then replace its worst member when better.

    Options
    -------
    popsize : int, optional
        Population size.
    mutation : (float, float), default (0.5, 0.9)
        Range of the mutation factor.
    crossover : float, default 0.9
        Crossover probability.
    p_best : float, default 0.2
        Fraction of the population the target moves towards.

    Examples
    --------
    >>> from scimlkit.tune import Float, make_optimizer
    >>> opt = make_optimizer("de", {"x": Float(-5, 5), "y": Float(-5, 5)}, rng=0, n_trials=120)
    >>> for _ in range(120):
    ...     p = opt.propose()[0]
    ...     opt.observe(p, p["x"] ** 2 + p["y"] ** 2)
    >>> opt.best[1] < 0.05
    True
    """

    name = "de"
    _defaults = {"popsize": None, "mutation": (0.5, 0.9), "crossover": 0.9, "p_best": 0.2}

    def __init__(self, space, *, rng=None, n_trials=None, **options):
        super().__init__(space, rng=rng, n_trials=n_trials, **options)
        o = self.options
        o["popsize"] = check_int(o["popsize"], "popsize", low=4, allow_none=True)
        mut = o["mutation"]
        if isinstance(mut, int | float):
            mut = (mut, mut)
        try:
            lo_f, hi_f = mut
        except (TypeError, ValueError):
            from .._errors import InputError

            raise InputError(f"`mutation` must be a number or a (low, high) pair, got {mut!r}") from None
        o["mutation"] = (check_scalar(lo_f, "mutation", low=0.0, high=2.0),
                         check_scalar(hi_f, "mutation", low=0.0, high=2.0))
        o["crossover"] = check_scalar(o["crossover"], "crossover", low=0.0, high=1.0)
        o["p_best"] = check_scalar(o["p_best"], "p_best", low=0.0, high=1.0, closed="right")
        self._sobol = _sobol(len(self.space), self.rng)
        self._pop: list[np.ndarray] = []
        self._pop_y: list[float] = []
        self._trials: dict[tuple, tuple[int, np.ndarray]] = {}  # pending trial -> (target, vector)
        self._design: dict[tuple, np.ndarray] = {}  # pending initial points
        self._cursor = 0

    @property
    def popsize(self) -> int:
        """Population size."""
        if self.options["popsize"] is not None:
            return self.options["popsize"]
        k = min(max(2 * len(self.space) + 4, 6), 30)
        if self.n_trials is not None:
            k = min(k, max(6, self.n_trials // 6))
        return k

    # -- observing ----------------------------------------------------------------------
    def _observed(self, params, value) -> None:
        y = value if math.isfinite(value) else math.inf
        key = _key(params)
        if key in self._trials:
            target, u = self._trials.pop(key)
            if y <= self._pop_y[target]:
                self._pop[target], self._pop_y[target] = u, y
            return
        u = self._design.pop(key, None)
        if u is None:
            u = self.space._to_unit([params])[0]
        self._insert(u, y)

    def _insert(self, u: np.ndarray, y: float) -> None:
        if len(self._pop) < self.popsize:
            self._pop.append(u)
            self._pop_y.append(y)
            return
        worst = int(np.argmax(self._pop_y))
        if y < self._pop_y[worst]:
            self._pop[worst], self._pop_y[worst] = u, y

    # -- proposing ----------------------------------------------------------------------
    def _propose(self, n: int) -> list[dict[str, Any]]:
        taken = {_key(p) for p in self._params} | {_key(p) for p in self._pending}
        out = []
        for _ in range(n):
            if len(self._pop) + len(self._design) < self.popsize or len(self._pop) < 4:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)
                    u = self._sobol.random(1)[0]
                p = self.space._from_unit(u[None, :])[0]
                if _key(p) in taken:
                    p, u = self._fresh(taken)
                self._design[_key(p)] = u
            else:
                p, u, target = self._trial(taken)
                self._trials[_key(p)] = (target, u)
            taken.add(_key(p))
            out.append(p)
        return out

    def _trial(self, taken: set) -> tuple[dict[str, Any], np.ndarray, int]:
        rng = self.rng
        pop = np.array(self._pop)
        ys = np.array(self._pop_y)
        m, d = pop.shape
        target = self._cursor % m
        self._cursor += 1
        n_best = max(1, math.ceil(self.options["p_best"] * m))
        best_idx = np.argsort(ys, kind="stable")[:n_best]
        lo_f, hi_f = self.options["mutation"]
        for _ in range(20):
            f = rng.uniform(lo_f, hi_f)
            pbest = pop[rng.choice(best_idx)]
            others = [i for i in range(m) if i != target]
            r1, r2 = rng.choice(others, size=2, replace=False)
            x = pop[target]
            mutant = x + f * (pbest - x) + f * (pop[r1] - pop[r2])
            mutant = np.where(mutant < 0.0, -mutant, mutant)
            mutant = np.where(mutant > 1.0, 2.0 - mutant, mutant)
            mutant = np.clip(mutant, 0.0, 1.0)
            cross = rng.random(d) < self.options["crossover"]
            cross[rng.integers(d)] = True
            u = np.where(cross, mutant, x)
            p = self.space._from_unit(u[None, :])[0]
            if _key(p) not in taken:
                return p, u, target
        p, u = self._fresh(taken)
        return p, u, target

    def _fresh(self, taken: set) -> tuple[dict[str, Any], np.ndarray]:
        """A random point, drawn again (up to 200 times) while it is taken on a space of integers
        and choices, where collisions are common; once on other spaces."""
        for _ in range(200 if self._size is not None else 1):
            u = self.rng.random(len(self.space))
            p = self.space._from_unit(u[None, :])[0]
            if _key(p) not in taken:
                break
        return p, u
