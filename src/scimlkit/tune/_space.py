"""The search space: float, integer and categorical parameters, and their encodings.

A :class:`Space` maps parameter dictionaries to and from the unit hypercube. Two encodings
are used by the optimisers:

* the *model* encoding (:meth:`Space.encode` / :meth:`Space.decode`): one column per float or
  integer parameter, warped to ``[0, 1]`` (log scale when ``log=True``), and one column per
  choice of each categorical parameter (one-hot). Decoding rounds integers and takes the
  argmax over a categorical's columns.
* the *compact* encoding (private, ``_from_unit`` / ``_to_unit``): one column per parameter,
  where a categorical with ``k`` choices owns ``k`` equal slices of ``[0, 1)``. Random, Sobol
  and differential-evolution search work in it.

Integers are warped over ``[low - 0.5, high + 0.5]`` so that every integer owns an interval of
the same width (of the same log-width when ``log=True``).

*Conditional* parameters (``when={"kernel": "rbf"}``) exist only for some values of an earlier
categorical or integer parameter. A point holds only its active parameters; in both encodings an
inactive parameter sits at a fixed place (the middle of a numeric column, no one-hot column set),
so that every point has one encoding and the optimisers need no special case.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._errors import InputError
from .._validation import check_int, check_rng, describe

__all__ = ["Float", "Int", "Categorical", "Space", "as_space"]


def _finite_real(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"`{name}` must be a real number, got {describe(value)}")
    value = float(value)
    if not math.isfinite(value):
        raise InputError(f"`{name}` must be finite, got {value}")
    return value


_CHOICE_TYPES = (str, int, float, bool, type(None))


def _check_when(when: Any) -> tuple[tuple[str, tuple], ...]:
    """``when`` of a parameter (parent name -> one value or a list of values) as a tuple of
    ``(parent, values)`` pairs, in the order given."""
    if when is None:
        return ()
    if not isinstance(when, Mapping) or not when:
        raise InputError(f"`when` must be a non-empty dict of parameter name to value(s), got {describe(when)}")
    out = []
    for parent, values in when.items():
        if not isinstance(parent, str) or not parent:
            raise InputError(f"`when` keys must be parameter names, got {describe(parent)}")
        if isinstance(values, list | tuple):
            values = tuple(v.item() if isinstance(v, np.generic) else v for v in values)
        else:
            values = (values.item() if isinstance(values, np.generic) else values,)
        if not values:
            raise InputError(f"`when` must give at least one value of '{parent}'")
        bad = [v for v in values if not isinstance(v, _CHOICE_TYPES)]
        if bad:
            raise InputError(f"`when` values of '{parent}' must be str, int, float, bool or None, got {describe(bad[0])}")
        out.append((parent, values))
    return tuple(out)


def _cond_key(param: Any, value: Any) -> Any:
    """What a condition compares: a categorical's choice index, an integer's value."""
    if isinstance(param, Categorical):
        try:
            return param.index(value)
        except InputError:
            return None
    return value


def _absent(value: Any) -> bool:
    """None, NaN or pandas' NA: how a trials frame shows a parameter left out of a point."""
    if value is None or type(value).__name__ == "NAType":
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def _when_repr(when: tuple) -> str:
    return "" if not when else f", when={ {k: (v[0] if len(v) == 1 else list(v)) for k, v in when} !r}"


def _when_dict(when: tuple) -> dict[str, Any]:
    return {} if not when else {"when": {k: list(v) for k, v in when}}


class _Numeric:
    """Shared code of :class:`Float` and :class:`Int`."""

    __slots__ = ("low", "high", "log", "when")
    _kind = "numeric"

    def __eq__(self, other: object) -> bool:
        return (
            type(self) is type(other)
            and self.low == other.low
            and self.high == other.high
            and self.log == other.log
            and self.when == other.when
        )

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.low, self.high, self.log, self.when))

    def __repr__(self) -> str:
        log = ", log=True" if self.log else ""
        return f"{type(self).__name__}({self.low!r}, {self.high!r}{log}{_when_repr(self.when)})"

    # warped interval [a, b] on which the unit coordinate is linear
    def _warp_bounds(self) -> tuple[float, float]:
        lo, hi = self._span()
        return (math.log(lo), math.log(hi)) if self.log else (lo, hi)

    def _span(self) -> tuple[float, float]:
        return float(self.low), float(self.high)

    def _to_unit(self, values: np.ndarray) -> np.ndarray:
        a, b = self._warp_bounds()
        v = np.log(values) if self.log else values
        return np.clip((v - a) / (b - a), 0.0, 1.0)

    def _from_unit_float(self, u: np.ndarray) -> np.ndarray:
        a, b = self._warp_bounds()
        w = a + np.clip(u, 0.0, 1.0) * (b - a)
        return np.exp(w) if self.log else w

    def to_dict(self) -> dict[str, Any]:
        return {"type": self._kind, "low": self.low, "high": self.high, "log": self.log, **_when_dict(self.when)}


class Float(_Numeric):
    """A real-valued parameter in ``[low, high]``.

    Parameters
    ----------
    low, high : float
        Inclusive bounds, finite, ``low < high``.
    log : bool, default False
        Search on a log scale (needs ``low > 0``), e.g. for learning rates and penalties.
    when : dict, optional
        Makes the parameter conditional: it exists only when each named (earlier, categorical or
        integer) parameter takes the given value or one of the given values, e.g.
        ``when={"kernel": ["rbf", "poly"]}``. Points where it is inactive leave it out.

    Examples
    --------
    >>> from scimlkit.tune import Float
    >>> Float(1e-4, 1.0, log=True)
    Float(0.0001, 1.0, log=True)
    >>> Float(1e-4, 1.0, log=True, when={"kernel": "rbf"})
    Float(0.0001, 1.0, log=True, when={'kernel': 'rbf'})
    """

    __slots__ = ()
    _kind = "float"

    def __init__(self, low: float, high: float, *, log: bool = False, when: Mapping[str, Any] | None = None) -> None:
        low = _finite_real(low, "low")
        high = _finite_real(high, "high")
        if not low < high:
            raise InputError(f"`low` must be smaller than `high`, got low={low:g} and high={high:g}")
        if not isinstance(log, bool | np.bool_):
            raise InputError(f"`log` must be True or False, got {describe(log)}")
        if log and low <= 0:
            raise InputError(f"`low` must be > 0 when log=True, got {low:g}")
        self.low, self.high, self.log = low, high, bool(log)
        self.when = _check_when(when)

    def _check(self, value: Any, name: str) -> float:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise InputError(f"parameter '{name}' must be a real number, got {describe(value)}")
        value = float(value)
        if not (self.low <= value <= self.high):
            raise InputError(f"parameter '{name}' must be in [{self.low:g}, {self.high:g}], got {value:g}")
        return value

    def _from_unit(self, u: np.ndarray) -> list[float]:
        out = np.clip(self._from_unit_float(u), self.low, self.high)
        return [float(v) for v in out]

    def _grid(self, k: int) -> list[float]:
        if k == 1:
            return self._from_unit(np.array([0.5]))
        return self._from_unit(np.linspace(0.0, 1.0, k))

    def _max_points(self) -> float:
        return math.inf


class Int(_Numeric):
    """An integer parameter in ``[low, high]`` (both inclusive).

    Parameters
    ----------
    low, high : int
        Inclusive integer bounds, ``low < high``.
    log : bool, default False
        Search on a log scale (needs ``low > 0``), e.g. for numbers of trees or neighbours.
    when : dict, optional
        Makes the parameter conditional (see :class:`Float`).

    Examples
    --------
    >>> from scimlkit.tune import Int
    >>> Int(10, 1000, log=True)
    Int(10, 1000, log=True)
    """

    __slots__ = ()
    _kind = "int"

    def __init__(self, low: int, high: int, *, log: bool = False, when: Mapping[str, Any] | None = None) -> None:
        low = check_int(low, "low")
        high = check_int(high, "high")
        if not low < high:
            raise InputError(f"`low` must be smaller than `high`, got low={low} and high={high}")
        if not isinstance(log, bool | np.bool_):
            raise InputError(f"`log` must be True or False, got {describe(log)}")
        if log and low <= 0:
            raise InputError(f"`low` must be > 0 when log=True, got {low}")
        self.low, self.high, self.log = low, high, bool(log)
        self.when = _check_when(when)

    def _span(self) -> tuple[float, float]:
        return self.low - 0.5, self.high + 0.5

    def _check(self, value: Any, name: str) -> int:
        ok = isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)
        if not ok and isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_):
            ok = math.isfinite(value) and float(value).is_integer()
        if not ok:
            raise InputError(f"parameter '{name}' must be an integer, got {describe(value)}")
        value = int(value)
        if not (self.low <= value <= self.high):
            raise InputError(f"parameter '{name}' must be in [{self.low}, {self.high}], got {value}")
        return value

    def _from_unit(self, u: np.ndarray) -> list[int]:
        out = np.clip(np.rint(self._from_unit_float(u)), self.low, self.high)
        return [int(v) for v in out]

    def _grid(self, k: int) -> list[int]:
        if k >= self.high - self.low + 1:
            return list(range(self.low, self.high + 1))
        if k == 1:
            return self._from_unit(np.array([0.5]))
        # evenly spread in the warped scale between the two bounds, duplicates removed
        a, b = (math.log(self.low), math.log(self.high)) if self.log else (self.low, self.high)
        w = np.linspace(a, b, k)
        vals = np.rint(np.exp(w) if self.log else w).astype(int)
        return sorted({int(min(max(v, self.low), self.high)) for v in vals})

    def _max_points(self) -> float:
        return self.high - self.low + 1


class Categorical:
    """A parameter taking one of a fixed set of choices.

    Parameters
    ----------
    choices : sequence
        Non-empty, distinct choices, each a ``str``, ``int``, ``float`` (finite), ``bool`` or
        ``None`` (so that studies can be stored as JSON).
    when : dict, optional
        Makes the parameter conditional (see :class:`Float`).

    Examples
    --------
    >>> from scimlkit.tune import Categorical
    >>> Categorical(["rbf", "linear"])
    Categorical(['rbf', 'linear'])
    """

    __slots__ = ("choices", "when")
    _kind = "categorical"

    def __init__(self, choices: Sequence[Any], *, when: Mapping[str, Any] | None = None) -> None:
        if isinstance(choices, str | bytes) or not isinstance(choices, Sequence | np.ndarray):
            raise InputError(f"`choices` must be a list of values, got {describe(choices)}")
        out = []
        for c in list(choices):
            if isinstance(c, np.generic):
                c = c.item()
            if not isinstance(c, _CHOICE_TYPES):
                raise InputError(
                    f"`choices` must hold str, int, float, bool or None values, got {describe(c)} (to search "
                    "estimators, tuples or other objects with SearchCV, give it the plain list of them instead "
                    "of a Categorical)"
                )
            if isinstance(c, float) and not math.isfinite(c):
                raise InputError(f"`choices` must not hold NaN or infinity, got {c}")
            out.append(c)
        if not out:
            raise InputError("`choices` must not be empty")
        keys = [(type(c), c) for c in out]
        if len(set(keys)) != len(keys) or len({c for c in out}) != len(out):
            raise InputError(f"`choices` must be distinct, got {describe(out)}")
        self.choices = tuple(out)
        self.when = _check_when(when)

    def __eq__(self, other: object) -> bool:
        return type(other) is Categorical and [(type(c), c) for c in self.choices] == [
            (type(c), c) for c in other.choices
        ] and self.when == other.when

    def __hash__(self) -> int:
        return hash(("Categorical", self.choices, self.when))

    def __repr__(self) -> str:
        return f"Categorical({list(self.choices)!r}{_when_repr(self.when)})"

    def __len__(self) -> int:
        return len(self.choices)

    def index(self, value: Any, name: str = "value") -> int:
        """The position of ``value`` among the choices (``InputError`` if absent)."""
        if isinstance(value, np.generic):
            value = value.item()
        for i, c in enumerate(self.choices):
            if type(c) is type(value) and c == value:
                return i
        # numeric look-alikes (an int stored as float, 0/1 for a bool) match when unambiguous
        try:
            matches = [i for i, c in enumerate(self.choices) if c == value]
        except Exception:  # pragma: no cover - exotic __eq__
            matches = []
        if len(matches) == 1:
            return matches[0]
        raise InputError(f"parameter '{name}' must be one of {list(self.choices)!r}, got {describe(value)}")

    def _check(self, value: Any, name: str) -> Any:
        return self.choices[self.index(value, name)]

    def _from_unit(self, u: np.ndarray) -> list[Any]:
        k = len(self.choices)
        idx = np.clip(np.floor(np.asarray(u) * k), 0, k - 1).astype(int)
        return [self.choices[i] for i in idx]

    def _grid(self, k: int) -> list[Any]:
        return list(self.choices[:k])

    def _max_points(self) -> float:
        return len(self.choices)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self._kind, "choices": list(self.choices), **_when_dict(self.when)}


_PARAM_TYPES = (Float, Int, Categorical)


def _is_distribution(obj: Any) -> bool:
    """A frozen ``scipy.stats`` distribution (what ``RandomizedSearchCV`` takes per parameter)."""
    return hasattr(obj, "rvs") and hasattr(obj, "support") and hasattr(getattr(obj, "dist", None), "name")


def _from_distribution(name: str, dist: Any) -> Float | Int | Categorical:
    """The parameter a frozen ``scipy.stats`` uniform, log-uniform or integer-uniform
    distribution samples from (``InputError`` for any other distribution)."""
    kind = dist.dist.name
    try:
        support = dist.support()
        lo, hi = (float(v) for v in support)
    except Exception as exc:  # parameters scipy cannot work with (say integers beyond 2**63)
        raise InputError(f"parameter '{name}': the support of scipy.stats.{kind} could not be computed ({exc})") from None
    if kind in ("uniform", "loguniform", "reciprocal", "randint") and not (math.isfinite(lo) and math.isfinite(hi)):
        raise InputError(f"parameter '{name}': scipy.stats.{kind} must have valid parameters and a finite support, "
                         f"got support [{lo:g}, {hi:g}]")
    try:
        if kind == "uniform":
            return Float(lo, hi)
        if kind in ("loguniform", "reciprocal"):
            # log-uniform on its support unless shifted by `loc`: its median is then the geometric mean
            if lo > 0 and math.isclose(float(dist.median()), math.sqrt(lo) * math.sqrt(hi), rel_tol=1e-9):
                return Float(lo, hi, log=True)
            raise InputError(f"a shifted log-uniform distribution (support [{lo:g}, {hi:g}]) is not "
                             "log-uniform; give loguniform(low, high) without `loc`")
        if kind == "randint":
            if not (lo.is_integer() and hi.is_integer()):
                raise InputError(f"scipy.stats.randint must cover integers (no fractional `loc`), got support "
                                 f"[{lo:g}, {hi:g}]")
            # one value (randint(a, a + 1)) is a constant, as scikit-learn's searches take it
            lo_i, hi_i = (int(v) for v in support)  # exact beyond 2**53, where floats round
            return Int(lo_i, hi_i) if hi_i > lo_i else Categorical([lo_i])
    except InputError as exc:
        raise InputError(f"parameter '{name}': {exc}") from None
    raise InputError(f"parameter '{name}': scipy.stats.{kind} cannot be searched; give scipy.stats.uniform, "
                     "loguniform or randint, or a Float, Int or Categorical")


def _as_param(name: str, p: Any) -> Any:
    """A parameter definition from what a space's dict may hold: Float / Int / Categorical, a
    list, tuple, range or 1-D array of choices (as in a ``GridSearchCV`` grid), or a frozen
    ``scipy.stats`` distribution (as in ``RandomizedSearchCV``)."""
    if isinstance(p, _PARAM_TYPES):
        return p
    if isinstance(p, np.ndarray) and p.ndim != 1:
        raise InputError(f"parameter '{name}': an array of choices must be 1-D, got shape {p.shape}")
    if isinstance(p, list | tuple | range | np.ndarray):
        try:
            return Categorical(p)
        except InputError as exc:
            raise InputError(f"parameter '{name}': {exc}") from None
    if _is_distribution(p):
        return _from_distribution(name, p)
    raise InputError(f"parameter '{name}' must be a Float, Int or Categorical (or a list of choices, or a "
                     f"scipy.stats uniform, loguniform or randint distribution), got {describe(p)}")


class Space:
    """A named collection of parameters to search over.

    Parameters
    ----------
    params : dict of str to Float, Int or Categorical
        At least one parameter. As in scikit-learn's searches, a list (tuple, range or 1-D array)
        of values is accepted as a :class:`Categorical`, and a frozen ``scipy.stats`` distribution
        as the parameter it samples from: ``uniform(loc, scale)`` as ``Float(loc, loc + scale)``,
        ``loguniform(a, b)`` as ``Float(a, b, log=True)``, ``randint(a, b)`` as ``Int(a, b - 1)``.

    Examples
    --------
    >>> from scimlkit.tune import Space, Float, Int, Categorical
    >>> space = Space({"lr": Float(1e-4, 1e-1, log=True), "depth": Int(1, 8),
    ...                "kernel": Categorical(["rbf", "linear"])})
    >>> space.names
    ['lr', 'depth', 'kernel']
    >>> [type(v).__name__ for v in space.sample(0, 1)[0].values()]
    ['float', 'int', 'str']
    >>> space.encode(space.sample(0, 2)).shape
    (2, 4)

    A conditional parameter appears only in the points where it applies:

    >>> svm = Space({"kernel": Categorical(["linear", "rbf"]), "C": Float(1e-2, 1e2, log=True),
    ...              "gamma": Float(1e-4, 1.0, log=True, when={"kernel": "rbf"})})
    >>> sorted(svm.validate({"kernel": "linear", "C": 1.0}))
    ['C', 'kernel']
    >>> len(svm.grid(points_per_dim=3))  # 3 values of C for linear, 3 x 3 of C and gamma for rbf
    12
    """

    __slots__ = ("_params", "_names", "_cols", "_enc_names", "_conds", "_size")

    def __init__(self, params: Mapping[str, Any]) -> None:
        if isinstance(params, Space):
            params = params.params
        if not isinstance(params, Mapping):
            raise InputError(f"`params` must be a dict of parameter name to Float/Int/Categorical, got {describe(params)}")
        if not params:
            raise InputError("the search space must have at least one parameter, got an empty dict")
        out: dict[str, Any] = {}
        for name, p in params.items():
            if not isinstance(name, str) or not name:
                raise InputError(f"parameter names must be non-empty strings, got {describe(name)}")
            out[name] = _as_param(name, p)
        self._params = out
        self._names = list(out)
        cols, enc_names, j = [], [], 0
        for name, p in out.items():
            width = len(p) if isinstance(p, Categorical) else 1
            cols.append(slice(j, j + width))
            enc_names += [name] * width
            j += width
        self._cols = cols
        self._enc_names = enc_names
        self._conds = self._conditions()

    def _conditions(self) -> dict[str, tuple[tuple[str, frozenset], ...]]:
        """Each conditional parameter's parents and the keys of their allowed values."""
        conds: dict[str, tuple[tuple[str, frozenset], ...]] = {}
        for i, (name, p) in enumerate(self._params.items()):
            rules = []
            for parent, values in p.when:
                q = self._params.get(parent)
                if q is None:
                    raise InputError(f"parameter '{name}' has `when` on '{parent}', which is not in the space "
                                     f"(it has {self._names})")
                if self._names.index(parent) > i:
                    raise InputError(f"parameter '{name}' has `when` on '{parent}', which must come before it "
                                     "in the space")
                if isinstance(q, Float):
                    raise InputError(f"parameter '{name}' has `when` on '{parent}', a Float; conditions need a "
                                     "Categorical or Int parameter")
                try:
                    keys = frozenset(_cond_key(q, q._check(v, parent)) for v in values)
                except InputError as exc:
                    raise InputError(f"parameter '{name}' has `when` on a value '{parent}' cannot take: "
                                     f"{exc}") from None
                rules.append((parent, keys))
            if rules:
                conds[name] = tuple(rules)
        return conds

    @property
    def conditional(self) -> bool:
        """True when some parameter exists only for some values of another (``when=``)."""
        return bool(self._conds)

    def is_active(self, name: str, point: Mapping[str, Any]) -> bool:
        """Whether parameter ``name`` applies at ``point`` (a dict holding at least its parents)."""
        if name not in self._params:
            raise InputError(f"parameter '{name}' is not in the space; it has {self._names}")
        for parent, keys in self._conds.get(name, ()):
            if parent not in point or _cond_key(self._params[parent], point[parent]) not in keys:
                return False
        return True

    def _prune(self, point: dict[str, Any]) -> dict[str, Any]:
        """``point`` without its inactive parameters (parents come first, so one pass does)."""
        if not self._conds:
            return point
        for name in self._names:
            if name in self._conds and not self.is_active(name, point):
                point.pop(name, None)
        return point

    # -- description ---------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        """Parameter names, in order."""
        return list(self._names)

    @property
    def params(self) -> dict[str, Any]:
        """The parameter definitions (a copy of the dict)."""
        return dict(self._params)

    @property
    def encoded_names(self) -> list[str]:
        """The parameter name of each column of :meth:`encode` (categoricals repeat)."""
        return list(self._enc_names)

    @property
    def n_encoded(self) -> int:
        """Number of columns of :meth:`encode`."""
        return len(self._enc_names)

    def __len__(self) -> int:
        return len(self._names)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Space) and list(self._params.items()) == list(other._params.items())

    def __hash__(self) -> int:
        return hash(tuple(self._params.items()))

    def __repr__(self) -> str:
        inner = ", ".join(f"{k!r}: {v!r}" for k, v in self._params.items())
        return f"Space({{{inner}}})"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description; :meth:`from_dict` rebuilds the same space."""
        return {"params": {name: p.to_dict() for name, p in self._params.items()}}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Space:
        """Rebuild a space from :meth:`to_dict` output."""
        if not isinstance(d, Mapping) or not isinstance(d.get("params"), Mapping):
            raise InputError(f"a space description must be a dict with a 'params' dict, got {describe(d)}")
        params = {}
        for name, spec in d["params"].items():
            if not isinstance(spec, Mapping) or "type" not in spec:
                raise InputError(f"parameter '{name}' description must be a dict with a 'type', got {describe(spec)}")
            kind = spec["type"]
            try:
                when = spec.get("when")
                if kind == "float":
                    params[name] = Float(spec["low"], spec["high"], log=spec.get("log", False), when=when)
                elif kind == "int":
                    params[name] = Int(spec["low"], spec["high"], log=spec.get("log", False), when=when)
                elif kind == "categorical":
                    params[name] = Categorical(spec["choices"], when=when)
                else:
                    raise InputError(f"parameter '{name}' has unknown type {kind!r}; use float, int or categorical")
            except KeyError as exc:
                raise InputError(f"parameter '{name}' description lacks {exc.args[0]!r}") from None
        return cls(params)

    # -- checking ------------------------------------------------------------------------
    def validate(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Check a parameter dict against the space; returns it with Python-typed values.

        Integral floats become ``int`` for :class:`Int` parameters and NumPy scalars become
        Python numbers. Missing, unknown or out-of-range parameters raise ``InputError``. A
        conditional parameter that does not apply at the point must be left out (``None`` or NaN,
        as in a trials frame, count as left out).
        """
        if not isinstance(params, Mapping):
            raise InputError(f"`params` must be a dict of parameter values, got {describe(params)}")
        extra = [n for n in params if n not in self._params]
        if extra:
            raise InputError(f"parameters {extra} are not in the space; it has {self._names}")
        out: dict[str, Any] = {}
        missing = []
        for name, p in self._params.items():
            if name in self._conds and not self.is_active(name, out):
                value = params.get(name)
                if not _absent(value):
                    rule = " and ".join(f"{parent} in {list(values)!r}" for parent, values in p.when)
                    raise InputError(f"parameter '{name}' applies only when {rule}; leave it out of this point")
                continue
            if name not in params:
                missing.append(name)
                continue
            value = params[name]
            if isinstance(value, np.generic):
                value = value.item()
            out[name] = p._check(value, name)
        if missing:
            raise InputError(f"parameters {missing} are missing; the space has {self._names}")
        return out

    # -- sampling ------------------------------------------------------------------------
    def _from_unit(self, U: np.ndarray) -> list[dict[str, Any]]:
        """Points of the compact encoding (one column per parameter, in [0, 1]) to dicts."""
        U = np.atleast_2d(np.asarray(U, dtype=float))
        cols = [p._from_unit(U[:, j]) for j, p in enumerate(self._params.values())]
        return [self._prune(dict(zip(self._names, row, strict=True))) for row in zip(*cols, strict=True)]

    def _to_unit(self, points: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Dicts to the compact encoding (categoricals at the middle of their slice, inactive
        parameters at 0.5)."""
        pts = [self.validate(p) for p in points]
        U = np.full((len(pts), len(self._names)), 0.5)
        for j, (name, p) in enumerate(self._params.items()):
            rows = [i for i, q in enumerate(pts) if name in q]
            if not rows:
                continue
            if isinstance(p, Categorical):
                U[rows, j] = [(p.index(pts[i][name]) + 0.5) / len(p) for i in rows]
            else:
                U[rows, j] = p._to_unit(np.array([pts[i][name] for i in rows], dtype=float))
        return U

    def sample(self, rng: Any = None, n: int = 1) -> list[dict[str, Any]]:
        """``n`` points drawn uniformly (on the log scale for ``log=True`` parameters).

        Parameters
        ----------
        rng : None, int or numpy.random.Generator
            Randomness source (an int seed gives the same points every time).
        n : int, default 1
            Number of points.
        """
        rng = check_rng(rng)
        n = check_int(n, "n", low=0)
        return self._from_unit(rng.random((n, len(self._names)))) if n else []

    # -- model encoding ------------------------------------------------------------------
    def encode(self, points: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Parameter dicts to an ``(n, n_encoded)`` array in ``[0, 1]``.

        Float and integer parameters are warped linearly (or logarithmically) onto ``[0, 1]``;
        each categorical becomes one-hot columns. An inactive conditional parameter is encoded
        as 0.5 (numeric) or all zeros (categorical).
        """
        if isinstance(points, Mapping):
            points = [points]
        if isinstance(points, str | bytes) or not isinstance(points, Sequence | np.ndarray):
            raise InputError(f"`points` must be a parameter dict or a list of them, got {describe(points)}")
        pts = [self.validate(p) for p in points]
        X = np.zeros((len(pts), self.n_encoded))
        for (name, p), cols in zip(self._params.items(), self._cols, strict=True):
            if isinstance(p, Categorical):
                for i, q in enumerate(pts):
                    if name in q:
                        X[i, cols.start + p.index(q[name])] = 1.0
            elif pts:
                rows = [i for i, q in enumerate(pts) if name in q]
                X[:, cols.start] = 0.5
                if rows:
                    X[rows, cols.start] = p._to_unit(np.array([pts[i][name] for i in rows], dtype=float))
        return X

    def decode(self, X: Any) -> list[dict[str, Any]]:
        """An ``(n, n_encoded)`` array back to parameter dicts (clipped to ``[0, 1]`` first).

        Integers are rounded; a categorical takes the choice of its largest column; conditional
        parameters that do not apply at a point are left out of it.
        """
        try:
            X = np.asarray(X, dtype=float)
        except (TypeError, ValueError):
            raise InputError(f"`X` must be a numeric array of shape (n, {self.n_encoded}), got {describe(X)}") from None
        if X.ndim == 1:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.n_encoded:
            raise InputError(f"`X` must have shape (n, {self.n_encoded}), got {X.shape}")
        if not np.isfinite(X).all():
            raise InputError("`X` must be finite")
        X = np.clip(X, 0.0, 1.0)
        cols = []
        for p, c in zip(self._params.values(), self._cols, strict=True):
            if isinstance(p, Categorical):
                cols.append([p.choices[i] for i in np.argmax(X[:, c], axis=1)])
            else:
                cols.append(p._from_unit(X[:, c.start]))
        return [self._prune(dict(zip(self._names, row, strict=True))) for row in zip(*cols, strict=True)]

    # -- grid ----------------------------------------------------------------------------
    def grid_shape(self, points_per_dim: int | None = None, budget: int | None = None) -> list[int]:
        """Number of grid values per parameter used by :meth:`grid`."""
        points_per_dim = check_int(points_per_dim, "points_per_dim", low=1, allow_none=True)
        budget = check_int(budget, "budget", low=1, allow_none=True)
        caps = [p._max_points() for p in self._params.values()]
        if budget is None:
            k = 5 if points_per_dim is None else points_per_dim
            return [int(min(c, k)) if not isinstance(p, Categorical) else int(c)
                    for c, p in zip(caps, self._params.values(), strict=True)]
        if points_per_dim is not None:
            caps = [min(c, points_per_dim) for c in caps]
        counts = [1] * len(caps)
        cats = [isinstance(p, Categorical) for p in self._params.values()]
        grown = True
        while grown:  # categoricals first, then the smallest dimensions, while the grid fits
            grown = False
            for j in sorted(range(len(counts)), key=lambda i: (not cats[i], counts[i], i)):
                if counts[j] >= caps[j]:
                    continue
                trial = counts[:j] + [counts[j] + 1] + counts[j + 1:]
                if self._grid_size(trial) <= budget:
                    counts[j] += 1
                    grown = True
                    break
        return counts

    def _n_points(self) -> int | None:
        """Number of distinct points of a space of integer and categorical parameters only (None
        when a parameter is a float); counted once per space."""
        size = getattr(self, "_size", False)
        if size is False:
            params = self._params.values()
            size = None if not all(isinstance(p, Int | Categorical) for p in params) else self._grid_size(
                [len(p) if isinstance(p, Categorical) else p.high - p.low + 1 for p in params])
            self._size = size
        return size

    def _grid_size(self, counts: Sequence[int]) -> int:
        """Number of distinct points of the grid with ``counts`` values per parameter."""
        if not self._conds:
            return math.prod(counts)
        parents = {parent for rules in self._conds.values() for parent, _ in rules}
        params = list(self._params.items())

        def count(j: int, point: dict[str, Any]) -> int:
            if j == len(params):
                return 1
            name, p = params[j]
            if name in self._conds and not self.is_active(name, point):
                return count(j + 1, point)
            if name not in parents:  # the rest of the grid does not depend on its value
                return int(counts[j]) * count(j + 1, point)
            total = 0
            for value in p._grid(int(counts[j])):
                point[name] = value
                total += count(j + 1, point)
            point.pop(name, None)
            return total

        return count(0, {})

    def _walk(self, axes: list, order: list[int]) -> list[dict[str, Any]]:
        """The distinct points of the grid with the given values per parameter, in row-major
        order of the parameters at positions ``order`` (parents before the parameters that
        depend on them); a parameter is skipped where it does not apply."""
        out: list[dict[str, Any]] = []

        def rec(j: int, point: dict[str, Any]) -> None:
            if j == len(order):
                out.append({name: point[name] for name in self._names if name in point})
                return
            name = self._names[order[j]]
            if name in self._conds and not self.is_active(name, point):
                rec(j + 1, point)
                return
            for value in axes[order[j]]:
                point[name] = value
                rec(j + 1, point)
            point.pop(name, None)

        rec(0, {})
        return out

    def _walk_order(self, order: Sequence[str] | None) -> list[int]:
        """Positions of the parameters in the grid's nesting order: ``order`` (every name once;
        None: the space's order), each parameter moved after the parents it depends on."""
        if order is None:
            return list(range(len(self._names)))
        order = list(order)
        if not all(isinstance(name, str) for name in order) or sorted(order) != sorted(self._names):
            raise InputError(f"`order` must list each parameter of the space once ({self._names}), got {order}")
        placed: list[str] = []
        waiting = list(order)
        while waiting:
            name = next(n for n in waiting if all(parent in placed for parent, _ in self._conds.get(n, ())))
            placed.append(name)
            waiting.remove(name)
        return [self._names.index(name) for name in placed]

    def grid(self, points_per_dim: int | None = None, budget: int | None = None,
             order: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """A full-factorial grid.

        With conditional parameters, each branch of the space is a full-factorial grid of the
        parameters that apply in it (like scikit-learn's ``GridSearchCV`` given a list of grids),
        and every distinct point appears once.

        Parameters
        ----------
        points_per_dim : int, optional
            Values per float/integer parameter (evenly spread on the parameter's scale, both
            bounds included; a single value sits at the middle). Categoricals use every choice.
            Defaults to 5 when no budget is given.
        budget : int, optional
            Largest grid size: the values per parameter are grown evenly (smallest first,
            categoricals and integers capped at their number of values) while the number of
            distinct points stays within the budget.
        order : list of str, optional
            The order in which the parameters vary, the first slowest (default: the space's
            order); a conditional parameter comes after the parameters it depends on. It
            changes the order of the points, not the points, nor the order of each point's keys.

        Returns
        -------
        list of dict
            The grid points in row-major order of the parameters.
        """
        counts = self.grid_shape(points_per_dim, budget)
        axes = [p._grid(k) for p, k in zip(self._params.values(), counts, strict=True)]
        walk = self._walk_order(order)
        if self._conds or walk != sorted(walk):
            return self._walk(axes, walk)
        return [dict(zip(self._names, combo, strict=True)) for combo in itertools.product(*axes)]


def as_space(obj: Any) -> Space:
    """A :class:`Space` from a Space or a dict of parameters (``InputError`` otherwise).

    Examples
    --------
    >>> from scimlkit.tune import as_space, Float
    >>> as_space({"x": Float(0, 1)}).names
    ['x']
    """
    if isinstance(obj, Space):
        return obj
    if isinstance(obj, Mapping):
        return Space(obj)
    raise InputError(f"`space` must be a Space or a dict of parameters, got {describe(obj)}")
