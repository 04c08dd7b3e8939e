"""Short digests naming what the losses of a stored study measure: the data, the estimator's
settings, the folds and the fit parameters. A study resumes only under the same label, so these
change only when the losses would (``SearchCV`` with ``storage``, ``scimlkit tune run``)."""

from __future__ import annotations

import hashlib
import json
import numbers
import re
import sys
from collections.abc import Mapping
from typing import Any

import numpy as np

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")

#: Estimator settings that do not change the losses: parallelism, messages, a pipeline's cache.
_NOT_SETTINGS = frozenset({"n_jobs", "verbose", "memory"})


def data_digest(X, y) -> str | None:
    """A short digest of the data of a fit: values (and their types), shape, column names (a
    DataFrame's, a Series' name) and row order; None for data it cannot read.

    The index of a DataFrame or Series is left out, as scikit-learn ignores it (the same rows
    under another index are the same data); a table read from a file has the default index. A
    sparse matrix counts by its values, whatever its format (it is never changed).
    """
    import pandas as pd
    from scipy import sparse

    digest = hashlib.sha256()
    try:
        for part in (X, y):
            if part is None:
                digest.update(b"None")
            elif sparse.issparse(part):
                part = part.tocsr()  # a new matrix unless it is already CSR
                if not part.has_canonical_format:  # duplicates summed, indices sorted: on a copy
                    part = part.copy()
                    part.sum_duplicates()
                for array in (np.asarray(part.shape), part.indptr, part.indices, part.data):
                    digest.update(np.ascontiguousarray(array).tobytes())
            else:
                if isinstance(part, pd.DataFrame | pd.Series):
                    names = part.columns if isinstance(part, pd.DataFrame) else [part.name]
                    digest.update(repr([str(n) for n in names]).encode())
                    frame = part
                else:
                    array = np.asarray(part)
                    digest.update(repr(array.shape).encode())
                    frame = pd.DataFrame(array.reshape(len(array), -1) if array.ndim else array.reshape(1, 1))
                try:
                    hashed = pd.util.hash_pandas_object(frame, index=False)
                except TypeError:  # cells pandas cannot hash (lists, dicts): hashed as their text
                    hashed = pd.util.hash_pandas_object(frame.astype(str), index=False)
                digest.update(hashed.to_numpy().tobytes())
    except Exception:  # noqa: BLE001 - data scikit-learn may still accept: no data check then
        return None
    return digest.hexdigest()[:12]


def _path(obj) -> str:
    kind = obj if isinstance(obj, type) else type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


def _text(value, searched=()) -> str:
    """A setting as text: an estimator by its class (its own settings are listed under their
    names), a function by its import path, an array by a digest, a list part by part (a
    pipeline's step names, a column transformer's columns), never an address in memory."""
    if hasattr(value, "get_params") and not isinstance(value, type):
        return _path(value)
    if isinstance(value, list | tuple):
        parts = [_text(v, searched) for v in value]
        if isinstance(value, tuple) and len(value) > 1 and isinstance(value[0], str) and value[0] in searched:
            parts[1] = "*"  # a step the search chooses
        return f"[{', '.join(parts)}]" if isinstance(value, list) else f"({', '.join(parts)})"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_text(k)}: {_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, np.ndarray):
        return f"array{value.shape} {value.dtype} #{data_digest(value, None)}"
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
    return _ADDRESS.sub("", repr(value))


def settings_digest(estimator, searched) -> str:
    """A short digest of an estimator's settings (deep, as ``get_params`` lists them) outside the
    searched names, without the settings that do not change its losses (``n_jobs``, ``verbose``,
    a pipeline's ``memory``). See :func:`_text` for how a setting is written."""
    items = []
    for key, value in sorted(estimator.get_params(deep=True).items()):
        if any(key == s or key.startswith(f"{s}__") for s in searched) or key.rpartition("__")[2] in _NOT_SETTINGS:
            continue
        items.append(f"{key}={_text(value, searched)}")
    return hashlib.sha256("\n".join(items).encode()).hexdigest()[:12]


def cv_text(cv, X, y, groups, *, classifier: bool) -> str:
    """The folds of a cross-validation as text: the splitter scikit-learn makes of ``cv`` (its
    type and settings, with its number of splits), a digest of a list of given splits, or the
    type of an iterator of splits (read once, by the search)."""
    from sklearn.model_selection import check_cv

    kind = _path(cv)
    if cv is None or isinstance(cv, numbers.Integral) or hasattr(cv, "split"):
        try:
            splitter = check_cv(cv, y, classifier=classifier)
        except Exception:  # noqa: BLE001 - the search reports a bad cv itself
            splitter = cv
        with np.printoptions(threshold=sys.maxsize):
            text = _ADDRESS.sub("", repr(splitter))
        kind = _path(splitter)
        if type(splitter).__name__ not in text:
            text = f"{kind} {text}"
        if "n_splits" not in text:
            try:
                text += f" ({splitter.get_n_splits(X, y, groups)} splits)"
            except Exception:  # noqa: BLE001 - a splitter that cannot count them before splitting
                pass
    elif iter(cv) is cv:
        return f"iterator {kind}"
    else:
        splits = list(cv)
        digest = hashlib.sha256()
        for split in splits:
            for part in split:
                digest.update(np.ascontiguousarray(np.asarray(part)).tobytes() + b"|")
        text = f"{len(splits)} given splits #{digest.hexdigest()[:12]}"
    return text if len(text) <= 160 else f"{kind} #{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def fit_params_digest(params: Mapping[str, Any]) -> str | None:
    """A short digest of the parameters given to ``fit`` (sample weights, groups, a step's fit
    parameters), each named; None when there are none. Arrays and frames (and lists of plain
    values) count by their data, anything else as :func:`_text` writes it: a function (a
    ``monitor``, a list of callbacks) by its import path, never its address in memory."""
    if not params:
        return None
    digest = hashlib.sha256()
    for key in sorted(params):
        value = params[key]
        plain = isinstance(value, list | tuple) and all(
            v is None or isinstance(v, str | numbers.Number) for v in value)
        text = (data_digest(value, None) or _text(value)) if hasattr(value, "shape") or plain else _text(value)
        digest.update(f"{key}={text}\n".encode())
    return digest.hexdigest()[:12]


# -- the earlier forms, only to recognise (and relabel) the studies stored under them ------------

def _settings_digest_v1(estimator, searched, *, steps: bool = True) -> str:
    """The settings digest of the earlier labels (every setting; ``steps=False`` left out any
    list holding an estimator)."""
    items = []
    for key, value in sorted(estimator.get_params(deep=True).items()):
        if any(key == s or key.startswith(f"{s}__") for s in searched):
            continue
        if not steps and isinstance(value, list | tuple) and any(
                hasattr(part, "get_params") for item in value
                for part in (item if isinstance(item, list | tuple) else (item,))):
            continue
        if hasattr(value, "get_params") and not isinstance(value, type):
            text = f"{type(value).__module__}.{type(value).__qualname__}"
        elif callable(value) and hasattr(value, "__qualname__"):
            text = f"{getattr(value, '__module__', '')}.{value.__qualname__}"
        else:
            text = _ADDRESS.sub("", repr(value))
        items.append(f"{key}={text}")
    return hashlib.sha256("\n".join(items).encode()).hexdigest()[:12]


def _spec_data_digest_v1(X, y) -> str:
    """The data digest of the earlier labels of a spec's study (column names, values, index)."""
    import pandas as pd

    digest = hashlib.sha256(json.dumps([list(map(str, X.columns)), str(y.name)]).encode())
    for part in (X, y):
        try:
            hashed = pd.util.hash_pandas_object(part)
        except TypeError:
            hashed = pd.util.hash_pandas_object(part.astype(str))
        digest.update(hashed.to_numpy().tobytes())
    return digest.hexdigest()[:12]
