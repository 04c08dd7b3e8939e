"""The base of every result object.

A result is a frozen, slotted dataclass with fixed field names; derived quantities are methods.
Subclass :class:`Result` and decorate with ``@dataclass(frozen=True, slots=True)``::

    @dataclass(frozen=True, slots=True)
    class TTestResult(Result):
        statistic: float
        pvalue: float

``to_dict()`` is JSON-ready (NumPy scalars and arrays become Python numbers and lists, NaN and
infinity become ``None``), ``to_frame()`` gives a pandas DataFrame and ``_repr_html_()`` shows
the result in a notebook.
"""

from __future__ import annotations

import dataclasses
import datetime
import html
import math
from typing import Any

import numpy as np

__all__ = ["Result", "jsonable"]


def jsonable(value: Any) -> Any:
    """Convert a value to something ``json.dumps`` accepts, recursively.

    Dates and times become ISO 8601 text (a duration as ``P0DT0H1M30S``, whether it is a
    ``datetime.timedelta``, a NumPy or a pandas one), missing values and non-finite numbers
    ``None``, arrays, pandas indexes and columns lists, and mapping keys text.
    """
    if isinstance(value, Result):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {_key(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return [jsonable(v) for v in sorted(value, key=str)]
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "Mm":  # tolist() gives whole nanoseconds for datetime64[ns]
            return jsonable(value[()]) if value.ndim == 0 else [jsonable(v) for v in value]
        return value.tolist() if value.dtype.kind in "biuU" else jsonable(value.tolist())
    if isinstance(value, np.datetime64 | np.timedelta64):
        return _time_text(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, bool | int | str) or value is None:
        return value
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
        if isinstance(value, pd.DataFrame):
            return [jsonable(r) for r in value.to_dict(orient="records")]
        if isinstance(value, pd.Series):
            return {_key(k): jsonable(v) for k, v in value.to_dict().items()}
        if isinstance(value, pd.Index | pd.api.extensions.ExtensionArray):
            return [jsonable(v) for v in value]
        if isinstance(value, datetime.timedelta):
            return pd.Timedelta(value).isoformat()
    except ImportError:  # pragma: no cover
        pass
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _key(key: Any) -> str:
    """A mapping key as JSON text: dates and times in ISO 8601, anything else as ``str``."""
    if isinstance(key, str):
        return key
    text = jsonable(key)
    return text if isinstance(text, str) else str(key)


def _time_text(value) -> str | None:
    """A NumPy datetime or duration as ISO 8601 text (None for NaT)."""
    if np.isnat(value):
        return None
    import pandas as pd

    try:
        return (pd.Timestamp(value) if isinstance(value, np.datetime64) else pd.Timedelta(value)).isoformat()
    except (ValueError, OverflowError):  # outside pandas' nanosecond range
        return str(value)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, int | float | str | bool | np.generic) or value is None


def setstate_with_defaults(self, state) -> None:
    """``__setstate__`` of a result that gained fields (with defaults) after it was first
    released: a result pickled before holds fewer values, and the missing trailing fields take
    their defaults (assign it in the class body: ``__setstate__ = setstate_with_defaults``)."""
    fields = dataclasses.fields(self)
    for field, value in zip(fields, state):
        object.__setattr__(self, field.name, value)
    for field in fields[len(state):]:
        object.__setattr__(self, field.name, field.default)


class Result:
    """Base of the result dataclasses: JSON, DataFrame and notebook views."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary of every field."""
        return {f.name: jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def to_frame(self):
        """A pandas DataFrame view.

        The default is one row of the scalar fields; results that hold a table (one row per
        metric, trial or column) override this to return that table.
        """
        import pandas as pd

        row = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        row = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items() if _is_scalar(v)}
        return pd.DataFrame([row])

    def _repr_html_(self) -> str:
        rows = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if _is_scalar(value):
                text = f"{value:.6g}" if isinstance(value, float | np.floating) else str(value)
            elif isinstance(value, np.ndarray):
                text = f"array{value.shape}"
            elif hasattr(value, "shape"):
                text = f"{type(value).__name__}{tuple(value.shape)}"
            else:
                text = type(value).__name__
            rows.append(f"<tr><th style='text-align:left'>{html.escape(f.name)}</th><td>{html.escape(text)}</td></tr>")
        title = html.escape(type(self).__name__)
        return f"<table><caption style='text-align:left'><b>{title}</b></caption>{''.join(rows)}</table>"
