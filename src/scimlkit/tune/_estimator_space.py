"""What ``SearchCV`` searches: the spaces scikit-learn's searches take, as one :class:`Space`.

``GridSearchCV`` takes a dict of parameter lists or a list of such dicts (each searched on its
own: "linear kernel with C" or "RBF kernel with C and gamma"), and its lists may hold any object
(tuples of layer sizes, estimators of a pipeline step, ``None``). A study stores plain values,
so :class:`EstimatorSpace` turns that into one space the optimisers search:

* several dicts become one conditional space: a categorical ``_space`` (0, 1, ...) picks the
  dict, and each dict's parameters apply only when it is picked. A parameter that appears in
  several dicts with the same definition is shared (the model learns about it from all of them);
  otherwise each dict has its own copy, named ``<name>@<i>`` in the study (the estimator gets
  ``<name>``);
* a list of choices holding other values than ``str``, ``int``, ``float``, ``bool`` and ``None``
  (or NaN, or values equal to one another such as ``1``, ``1.0`` and ``True``) is searched as a
  categorical of labels; the estimator gets the choices themselves. A label is the ``repr`` on
  one line without memory addresses (``module.name`` for a function or a class), so that a
  stored study resumes in another process; a long one is cut and ends with a digest of the whole,
  and two equal labels are numbered.
"""

from __future__ import annotations

import hashlib
import inspect
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._errors import InputError
from .._validation import describe
from ._space import _CHOICE_TYPES, Categorical, Space, _as_param

__all__ = ["EstimatorSpace", "SELECTOR"]

#: Name of the parameter that picks one of several spaces (never a scikit-learn parameter name).
SELECTOR = "_space"
_LABEL_WIDTH = 60


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _text(obj: Any) -> str:
    """A text that names an object the same way in every process: ``module.name`` for a function
    or a class, else its ``repr`` without memory addresses, on one line."""
    if inspect.isfunction(obj) or inspect.isclass(obj) or inspect.isbuiltin(obj):
        module = getattr(obj, "__module__", None)
        text = f"{module}.{obj.__qualname__}" if module else obj.__qualname__
    else:
        text = repr(obj)
    return _address_free(text)


def _address_free(text: str) -> str:
    return " ".join(_ADDRESS.sub("", text).split())


def _texts(obj: Any) -> set[str]:
    """The ways an object may be written: its text and its ``repr`` (of its Python value too,
    for a NumPy scalar), without memory addresses."""
    forms = [obj, obj.item()] if isinstance(obj, np.generic) else [obj]
    return {t for x in forms for t in (_text(x), _address_free(repr(x)))}


def _label(obj: Any) -> str:
    """The label of a choice: its text, or for a long text its start and a digest of the whole
    (two objects with different texts never share a label)."""
    text = _text(obj)
    if len(text) <= _LABEL_WIDTH:
        return text
    return f"{text[: _LABEL_WIDTH - 13]}... {hashlib.sha1(text.encode()).hexdigest()[:9]}"


def _plain_choice(value: Any) -> bool:
    """A value a study can store as it is (a finite float: NaN and infinity get labels)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return isinstance(value, _CHOICE_TYPES)


def _same_plain(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # an __eq__ that does not give a truth value (arrays)
        return False


def _is_nan(value: Any) -> bool:
    return isinstance(value, float | np.floating) and math.isnan(value)


def _same_choice(a: Any, b: Any) -> bool:
    """The same choice: the same object, equal values of one type, or two NaNs."""
    return a is b or (type(a) is type(b) and _equal(a, b)) or (_is_nan(a) and _is_nan(b))


def _labels(name: str, choices: list, where: str) -> dict[Any, Any] | None:
    """Label -> choice for a list of choices a study cannot store as they are (objects, NaN, or
    plain values equal to one another such as 1, 1.0 and True); None when it can."""
    values = [c.item() if isinstance(c, np.generic) else c for c in choices]
    first: dict[Any, Any] = {}  # plain value -> the first plain value equal to it (1, 1.0, True: one key)
    keep = []
    for value in values:
        ok = _plain_choice(value)
        if ok and value in first:
            if _same_plain(first[value], value):
                raise InputError(f"{where}: the choices of '{name}' must be distinct, got {describe(value)} twice")
            ok = False  # equal to an earlier plain value of another type: labelled
        elif ok:
            first[value] = value
        keep.append(ok)
    if all(keep):
        return None
    labels: dict[Any, Any] = {}
    for c, value, ok in zip(choices, values, keep, strict=True):
        if ok:
            labels[value] = value
            continue
        label, k = _label(value), 2
        while label in labels or label in first:
            label, k = f"{_label(value)} #{k}", k + 1
        labels[label] = c
    return labels


def _with_when(p: Any, when: dict[str, list]) -> Any:
    if isinstance(p, Categorical):
        return Categorical(list(p.choices), when=when)
    return type(p)(p.low, p.high, log=p.log, when=when)


class EstimatorSpace:
    """``SearchCV``'s ``space`` (a Space, a dict, or a list of them) as one :class:`Space`.

    Attributes
    ----------
    space : Space
        What the optimiser searches and the study stores.
    """

    def __init__(self, space: Any, label: str = "space") -> None:
        self._label = label  # the argument the space was given as (SearchCV's param_grid, say)
        if isinstance(space, list | tuple):
            parts = list(space)
            if not parts:
                raise InputError(f"`{label}` must be a Space, a dict of parameters or a non-empty list of them, "
                                 "got an empty list")
        else:
            parts = [space]
        converted = [self._part(part, i if len(parts) > 1 else None) for i, part in enumerate(parts)]
        self.several = len(converted) > 1
        self._objects: dict[str, dict[Any, Any]] = {}  # study name -> label -> object
        self._user: dict[str, str] = {}  # study name -> estimator parameter name
        self._names: list[dict[str, str]] = []  # per space: estimator parameter name -> study name
        if not self.several:
            params, objects = converted[0]
            self.space = Space(params)
            self._user = {name: name for name in params}
            self._names = [dict(self._user)]
            self._objects = objects
            return
        seen: dict[str, list[int]] = {}
        for i, (params, _) in enumerate(converted):
            for name in params:
                seen.setdefault(name, []).append(i)
        shared = {name for name, where in seen.items()
                  if not any(converted[i][0][name].when for i in where)
                  and all(converted[i][0][name] == converted[where[0]][0][name]
                          and self._same_objects(converted[i][1].get(name), converted[where[0]][1].get(name))
                          for i in where)}
        out: dict[str, Any] = {SELECTOR: Categorical(list(range(len(converted))))}
        for i, (params, objects) in enumerate(converted):
            names = {name: name if name in shared or len(seen[name]) == 1 else f"{name}@{i}" for name in params}
            self._names.append(names)
            for name, p in params.items():
                inner = names[name]
                if inner in out:
                    continue  # shared, defined by the first space that has it
                when = {SELECTOR: seen[name]} if name in shared else {
                    SELECTOR: [i], **{names[parent]: list(values) for parent, values in p.when}}
                out[inner] = _with_when(p, when)
                self._user[inner] = name
                if name in objects:
                    self._objects[inner] = objects[name]
        self.space = Space(out)

    @staticmethod
    def _same_objects(a: dict | None, b: dict | None) -> bool:
        """Two spaces' labelled choices of a parameter are the same objects (equal labels are not
        enough: two lambdas, or two objects with the default repr, share a label)."""
        if a is None or b is None:
            return a is b
        return list(a) == list(b) and all(_same_choice(a[k], b[k]) for k in a)

    def _part(self, part: Any, index: int | None) -> tuple[dict[str, Any], dict[str, dict]]:
        """One space's parameters, and the labels of its choices that a study cannot store."""
        where = f"`{self._label}`" if index is None else f"`{self._label}` item {index}"
        if isinstance(part, Space):
            part = part.params
        elif not isinstance(part, Mapping):
            raise InputError(f"{where} must be a Space or a dict of parameters, got {describe(part)}")
        if not part:
            raise InputError(f"{where} must have at least one parameter, got an empty dict")
        out: dict[str, Any] = {}
        objects: dict[str, dict] = {}
        for name, p in part.items():
            if not isinstance(name, str) or not name:
                raise InputError(f"{where}: parameter names must be non-empty strings, got {describe(name)}")
            if name == SELECTOR or "@" in name:
                raise InputError(f"{where}: parameter name '{name}' is reserved (no estimator parameter has it)")
            if isinstance(p, list | tuple | range) or (isinstance(p, np.ndarray) and p.ndim == 1):
                labels = _labels(name, list(p), where)
                if labels is not None:
                    objects[name] = labels
                    p = list(labels)
            try:
                out[name] = _as_param(name, p)
            except InputError as exc:
                raise InputError(f"{where}: {exc}") from None
        return out, objects

    @property
    def plain(self) -> bool:
        """One space whose choices are all plain values: the study's points are the estimator's."""
        return not self.several and not self._objects

    @property
    def user_names(self) -> list[str]:
        """Every estimator parameter searched, in order of first appearance."""
        return list(dict.fromkeys(self._user.values()))

    def to_estimator(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """A point of :attr:`space` as the estimator's parameters."""
        out = {}
        for inner, value in params.items():
            if inner == SELECTOR:
                continue
            labels = self._objects.get(inner)
            out[self._user[inner]] = labels[value] if labels is not None and value in labels else value
        return out

    def from_estimator(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Estimator parameters (say a row of ``GridSearchCV.cv_results_["params"]``) as a point
        of :attr:`space`: the first of the spaces that holds exactly these parameters, else the
        first that holds them once a ``None`` left out of the row (as a table may show it) is put
        back. A point of :attr:`space` itself (a trial of a study) is checked and returned."""
        if not isinstance(params, Mapping):
            raise InputError(f"parameters must be a dict, got {describe(params)}")
        if SELECTOR in params:
            return self.space.validate(self._labelled(dict(params)))
        errors: list[str] = []
        for lenient in (False, True):
            errors = []
            for i, names in enumerate(self._names):
                row = {n: v for n, v in params.items() if not (lenient and v is None and n not in names)}
                unknown = [n for n in row if n not in names]
                if unknown:
                    errors.append(f"{unknown} not in {list(names)}")
                    continue
                point = {SELECTOR: i} if self.several else {}
                point.update({names[n]: v for n, v in row.items()})
                if lenient:  # a None the row left out
                    for name, inner in names.items():
                        p = self.space.params[inner]
                        if name not in row and isinstance(p, Categorical) and None in p.choices:
                            point[inner] = None
                try:
                    return self.space.validate(self._labelled(point))
                except InputError as exc:
                    errors.append(str(exc))
        if not self.several:
            raise InputError(errors[0])
        raise InputError("the parameters fit none of the spaces (" +
                         "; ".join(f"space {i}: {e}" for i, e in enumerate(errors)) + ")")

    def _labelled(self, point: dict[str, Any]) -> dict[str, Any]:
        """Choices among the values replaced by their labels: the choice itself, an equal object
        (a copy, say from a pickled ``cv_results_``), or its text (as a CSV file holds it); a
        label stays as it is."""
        for inner, labels in self._objects.items():
            if inner in point:
                point[inner] = self._label_of(labels, point[inner])
        return point

    @staticmethod
    def _label_of(labels: dict[Any, Any], value: Any) -> Any:
        plain = value.item() if isinstance(value, np.generic) else value
        for label in labels:
            if _same_plain(label, plain):
                return label
        for label, obj in labels.items():
            if _same_choice(obj, value) or _same_choice(obj, plain):
                return label
        texts = _texts(value) | ({_address_free(plain)} if isinstance(plain, str) else set())
        for label, obj in labels.items():
            if _texts(obj) & texts:
                return label
        return value  # not a choice: the space's check names it
