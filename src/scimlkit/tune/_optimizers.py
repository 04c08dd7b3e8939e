"""Model-free optimisers (random, Sobol, grid), the ``auto`` choice and :func:`make_optimizer`."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from .._errors import InputError
from .._validation import check_int, check_option, describe
from ._base import Optimizer, _key, _sobol
from ._space import Space, as_space

__all__ = [
    "RandomSearch",
    "SobolSearch",
    "GridSearch",
    "AutoOptimizer",
    "make_optimizer",
    "METHODS",
    "choose_method",
]


#: Draws tried for a point not yet taken (a space of integers and choices) before one is repeated.
_REDRAWS = 200


class RandomSearch(Optimizer):
    """Independent uniform draws (log-uniform for ``log=True`` parameters).

    In a space of integer and categorical parameters only, a point already observed or pending
    is drawn again (up to 200 times), so no point repeats while there are new ones.

    Points observed without having been proposed (a resumed study) advance the random stream
    by as many draws, so a resumed study with the same seed does not repeat its first points.

    Examples
    --------
    >>> from scimlkit.tune import Float, RandomSearch
    >>> opt = RandomSearch({"x": Float(-1, 1)}, rng=0)
    >>> p = opt.propose()[0]; opt.observe(p, p["x"] ** 2)
    >>> opt.best[1] >= 0
    True
    """

    name = "random"

    def __init__(self, space, *, rng=None, n_trials=None, **options):
        super().__init__(space, rng=rng, n_trials=n_trials, **options)
        self._drawn = 0

    def _skip(self) -> None:
        extra = self.n_observed + len(self._pending) - self._drawn
        if extra > 0:
            self.rng.random((extra, len(self.space)))
            self._drawn += extra

    def _draw(self, n: int):
        return self.rng.random((n, len(self.space)))

    def _propose(self, n: int) -> list[dict[str, Any]]:
        self._skip()
        if self._size is None:
            self._drawn += n
            return self.space._from_unit(self._draw(n))
        # integers and choices only: no point twice while there are new ones (scikit-learn's
        # randomized search draws lists of values without replacement too)
        taken = self._distinct | {_key(p) for p in self._pending}
        out: list[dict[str, Any]] = []
        while len(out) < n:
            for _ in range(_REDRAWS if len(taken) < self._size else 1):  # once every point is taken: repeat
                self._drawn += 1
                p = self.space._from_unit(self._draw(1))[0]
                if _key(p) not in taken:
                    break
            taken.add(_key(p))
            out.append(p)
        return out


class SobolSearch(RandomSearch):
    """Scrambled Sobol' quasi-random points (``scipy.stats.qmc.Sobol``), seeded by ``rng``.

    The points fill the space more evenly than independent draws; a categorical with ``k``
    choices owns ``k`` equal slices of each coordinate. As with :class:`RandomSearch`, a space of
    integer and categorical parameters only repeats no point while there are new ones.

    Examples
    --------
    >>> from scimlkit.tune import Float, SobolSearch
    >>> opt = SobolSearch({"x": Float(0, 1), "y": Float(0, 1)}, rng=0)
    >>> len(opt.propose(4))
    4
    """

    name = "sobol"

    def __init__(self, space, *, rng=None, n_trials=None, **options):
        super().__init__(space, rng=rng, n_trials=n_trials, **options)
        self._engine = _sobol(len(self.space), self.rng)

    def _skip(self) -> None:
        extra = self.n_observed + len(self._pending) - self._drawn
        if extra > 0:
            self._engine.fast_forward(extra)
            self._drawn += extra

    def _draw(self, n: int):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # balance warning for n not a power of 2
            return self._engine.random(n)


class GridSearch(Optimizer):
    """Every point of a full-factorial grid, in order, then :attr:`exhausted`.

    The grid is :meth:`Space.grid` sized to the budget ``n_trials`` when it is given, otherwise
    ``points_per_dim`` values per numeric parameter (default 5). Grid points already observed
    (a resumed study) are skipped. A point enqueued with some parameters fixed takes the first
    grid point not yet run that has those values (the grid's values for the others), so that
    every grid point still runs.

    Options
    -------
    points_per_dim : int, optional
        Values per float/integer parameter (caps the budget-sized grid when both are given).
    order : list of str, optional
        The order in which the parameters vary, the first slowest (see :meth:`Space.grid`);
        default the space's order. ``SearchCV`` sets it to scikit-learn's ``ParameterGrid``
        order (names sorted) so that its rows follow ``GridSearchCV``'s.

    Examples
    --------
    >>> from scimlkit.tune import Int, GridSearch
    >>> opt = GridSearch({"k": Int(1, 3)})
    >>> [p["k"] for p in opt.propose(5)], opt.exhausted
    ([1, 2, 3], True)
    """

    name = "grid"
    _defaults = {"points_per_dim": None, "order": None}

    def __init__(self, space, *, rng=None, n_trials=None, **options):
        super().__init__(space, rng=rng, n_trials=n_trials, **options)
        self.points = self.space.grid(self.options["points_per_dim"], self.n_trials, order=self.options["order"])
        self._next = 0
        self._seen: set = set()  # points observed or proposed
        self._done: set = set()  # points observed

    def _observed(self, params, value) -> None:
        self._seen.add(_key(params))
        self._done.add(_key(params))

    def _propose_fixed(self, fixed):
        """The first grid point not yet taken that has the ``fixed`` values (else the one that
        agrees with most of them): the other parameters take the grid's values, and a grid point
        changed by ``fixed`` goes back to the grid (see :meth:`_replace_pending`)."""
        def fit(point):
            completed = {**point, **fixed}
            whole = all(name in completed for name in self.space.names if self.space.is_active(name, completed))
            agree = sum(_key({k: point[k]}) == _key({k: v}) for k, v in fixed.items() if k in point)
            return whole, agree

        free = [p for p in self.points if _key(p) not in self._seen]
        if not free and not self.points:
            return []
        best = max(free or self.points, key=fit)  # the first of the best: the grid's order
        if _key(best) not in self._done:
            self._seen.add(_key(best))
        self._pending.append(dict(best))
        return [dict(best)]

    def _replace_pending(self, old, new) -> None:
        super()._replace_pending(old, new)
        old_key, new_key = _key(old), _key(new)
        if old_key == new_key:
            return
        self._seen.add(new_key)  # a grid point run with fixed values is not proposed again
        if old_key not in self._done and all(_key(p) != old_key for p in self._pending):
            self._seen.discard(old_key)  # the grid point that was changed runs later
            self._next = 0  # (_advance skips again what is taken)

    def _advance(self) -> None:
        while self._next < len(self.points) and _key(self.points[self._next]) in self._seen:
            self._next += 1

    def _propose(self, n: int) -> list[dict[str, Any]]:
        out = []
        while len(out) < n:
            self._advance()
            if self._next >= len(self.points):
                break
            point = self.points[self._next]
            self._seen.add(_key(point))
            self._next += 1
            out.append(dict(point))
        return out

    @property
    def exhausted(self) -> bool:
        self._advance()
        return self._next >= len(self.points)


# -- the registry and the automatic choice ------------------------------------------------

METHODS = ("auto", "gp", "de", "random", "sobol", "grid")


def _optimizer_class(method: str) -> type[Optimizer]:
    if method == "gp":
        from ._opt_gp import GPOptimizer

        return GPOptimizer
    if method == "de":
        from ._opt_de import DifferentialEvolution

        return DifferentialEvolution
    return {"random": RandomSearch, "sobol": SobolSearch, "grid": GridSearch}[method]


#: Largest budget for which ``auto`` picks the Gaussian process (its cost grows as n^3).
GP_MAX_TRIALS = 400
#: Largest number of encoded dimensions for which ``auto`` picks the Gaussian process.
GP_MAX_DIMS = 24


def choose_method(space: Space | Mapping[str, Any], n_trials: int | None = None) -> str:
    """The method ``auto`` uses for a space and budget (see :class:`AutoOptimizer`).

    Examples
    --------
    >>> from scimlkit.tune import Categorical, Float, Int, choose_method
    >>> small = {"depth": Int(1, 4), "criterion": Categorical(["gini", "entropy"])}
    >>> choose_method(small, n_trials=20), choose_method(small, n_trials=5)
    ('grid', 'gp')
    >>> rate = {"lr": Float(1e-4, 1e-1, log=True)}
    >>> choose_method(rate, n_trials=50), choose_method(rate, n_trials=1000)
    ('gp', 'de')
    """
    space = as_space(space)
    n_trials = check_int(n_trials, "n_trials", low=1, allow_none=True)
    size = space._n_points()
    if n_trials is not None and size is not None and size <= n_trials:
        return "grid"
    if space.n_encoded <= GP_MAX_DIMS and (n_trials is None or n_trials <= GP_MAX_TRIALS):
        return "gp"
    return "de"


class AutoOptimizer(Optimizer):
    """The default method: picks an optimiser for the space and the budget.

    The rule (applied by :func:`choose_method`):

    * a space of integer and categorical parameters with no more points than the budget is
      searched exhaustively (``grid``);
    * otherwise, with at most 24 encoded dimensions (a categorical counts one per choice) and a
      budget of at most 400 trials, or no budget given, Gaussian-process Bayesian optimisation
      (``gp``), the most sample-efficient method for expensive objectives;
    * otherwise (large budgets or many dimensions) differential evolution (``de``), whose cost
      per trial does not grow with the number of trials.

    When the study runs past 400 observations (no budget was given, or many evaluations were
    added from elsewhere), ``auto`` hands over from ``gp`` to ``de``, seeding its population with
    the best points found so far.

    Options are passed to the chosen optimiser. The chosen method is :attr:`method`.

    Examples
    --------
    >>> from scimlkit.tune import Float, make_optimizer
    >>> opt = make_optimizer("auto", {"x": Float(0, 1)}, rng=0, n_trials=30)
    >>> opt.method
    'gp'
    """

    name = "auto"

    def __init__(self, space, *, rng=None, n_trials=None, **options):
        super().__init__(space, rng=rng, n_trials=n_trials)
        self.method = choose_method(self.space, self.n_trials)
        self._inner = _optimizer_class(self.method)(self.space, rng=self.rng, n_trials=self.n_trials, **options)

    def propose(self, n: int = 1) -> list[dict[str, Any]]:
        if self.method == "gp" and self._inner.n_observed >= GP_MAX_TRIALS:
            self._hand_over("de")
        return self._inner.propose(n)

    @property
    def n_given(self) -> int:
        return self._inner.n_given

    @n_given.setter
    def n_given(self, value: int) -> None:
        self._inner.n_given = value

    def _hand_over(self, method: str) -> None:
        old = self._inner
        new = _optimizer_class(method)(self.space, rng=self.rng, n_trials=self.n_trials)
        params, values = old._data()
        for p, v in zip(params, values, strict=True):
            new.observe(p, v)
        new._pending = old._pending
        new.n_given = old.n_given
        self._inner, self.method = new, method

    def observe(self, params, value) -> None:
        self._inner.observe(params, value)

    def forget_pending(self) -> None:
        self._inner.forget_pending()

    def _propose_fixed(self, fixed):
        return self._inner._propose_fixed(fixed)

    def _replace_pending(self, old, new) -> None:
        self._inner._replace_pending(old, new)

    def _budget_left(self):
        return self._inner._budget_left()

    def _n_taken(self) -> int:
        return self._inner._n_taken()

    def _propose(self, n):  # pragma: no cover - propose is delegated
        return self._inner.propose(n)

    @property
    def pending(self):
        return self._inner.pending

    @property
    def n_observed(self) -> int:
        return self._inner.n_observed

    @property
    def exhausted(self) -> bool:
        return self._inner.exhausted

    @property
    def best(self):
        return self._inner.best

    def _data(self):
        return self._inner._data()

    def __repr__(self) -> str:
        return f"AutoOptimizer(method={self.method!r}, n_observed={self.n_observed})"


def make_optimizer(method: str, space: Space | Mapping[str, Any], *, rng: Any = None,
                   n_trials: int | None = None, **options: Any) -> Optimizer:
    """Create an optimiser by name.

    Parameters
    ----------
    method : {"auto", "gp", "de", "random", "sobol", "grid"}
        ``auto`` (the default of the studies) picks per space and budget, see
        :class:`AutoOptimizer`.
    space : Space or dict
        The search space.
    rng : None, int or numpy.random.Generator
        Randomness source.
    n_trials : int, optional
        Budget hint.
    **options
        Options of the chosen optimiser.

    Examples
    --------
    >>> from scimlkit.tune import Float, make_optimizer
    >>> opt = make_optimizer("sobol", {"x": Float(0, 1)}, rng=1)
    >>> opt.name, len(opt.propose(3))
    ('sobol', 3)
    """
    if not isinstance(method, str):
        raise InputError(f"`method` must be one of {', '.join(map(repr, METHODS))}, got {describe(method)}")
    method = check_option(method, "method", METHODS)
    space = as_space(space)
    if method == "auto":
        return AutoOptimizer(space, rng=rng, n_trials=n_trials, **options)
    return _optimizer_class(method)(space, rng=rng, n_trials=n_trials, **options)
