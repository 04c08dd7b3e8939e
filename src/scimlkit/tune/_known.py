"""Evaluations made elsewhere (a grid search's results, an earlier study) read as trials to add.

:meth:`Study.add_trials`, ``minimize(known=...)``, ``SearchCV(known=...)`` and the ``[known]``
table of a tuning spec all read them here, in one of these shapes:

* a table (a pandas DataFrame, or a dict of columns such as scikit-learn's ``cv_results_``): one
  row per evaluation, a column per parameter (named as the parameter or ``param_<name>``, the
  way ``cv_results_`` and :attr:`StudyResult.trials` name them; or a ``params`` column of dicts,
  as in ``cv_results_``), and a column with the loss or the score;
* a :class:`~scimlkit.tune.StudyResult` (its trials, with their states and the losses they
  reported along the way, which a pruner of the new study compares with);
* ``(params, loss)`` pairs.

A conditional parameter that does not apply at a row is left empty (NaN or None).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from .._errors import InputError
from .._validation import describe
from ._space import Categorical, Space, _absent
from ._storage import COMPLETE, FAILED, FINISHED, PRUNED, QUEUED, RUNNING

__all__ = ["known_rows", "param_columns", "LOSS_COLUMNS", "SCORE_COLUMNS"]

#: Columns read as losses (lower is better), then as scores (higher is better, negated), when
#: neither ``loss=`` nor ``score=`` names one.
LOSS_COLUMNS = ("loss", "value")
SCORE_COLUMNS = ("mean_test_score", "score")


def known_rows(space: Space, known: Any, *, loss: str | None = None, score: str | None = None,
               label: str = "known", translate: Callable[[dict], dict] | None = None,
               names: list[str] | None = None) -> list[tuple[dict, str, float | None, str | None, list | None]]:
    """The evaluations in ``known`` as ``(params, state, loss, error, intermediate)``, checked
    against ``space``; ``intermediate`` holds the ``[step, loss]`` pairs a trial of a
    :class:`~scimlkit.tune.StudyResult` reported along the way (None for any other evaluation).

    Rows of a table with a ``state`` column keep it when it is a finished state (COMPLETE,
    FAILED, PRUNED); QUEUED and RUNNING rows (no result yet in an earlier study) are skipped, and
    any other state is refused. A loss or score that is missing, NaN or infinite makes a failed
    evaluation.

    With ``translate``, each row's parameters (read from a ``params`` column of dicts when there
    is one, else from the columns named by ``names``, NaN and masked entries left out) are turned into a
    point of ``space`` by ``translate``, which checks them, or returns None to leave the row out
    (``SearchCV`` reads a grid search's results this way).
    """
    if loss is not None and score is not None:
        raise InputError("give `loss` or `score` (the column holding the evaluations' results), not both")
    for name, value in (("loss", loss), ("score", score)):
        if value is not None and not isinstance(value, str):
            raise InputError(f"`{name}` must be a column name, got {describe(value)}")
    from ._study import StudyResult

    curves = None
    if isinstance(known, StudyResult):
        known, curves = known.trials, _curves(known)
    if _is_table(known):
        return _from_table(space, _frame(known, label), loss, score, label, translate, names, curves)
    if loss is not None or score is not None:
        raise InputError(f"`loss` and `score` name a column of a table; `{label}` is {describe(known)}")
    if isinstance(known, str | bytes) or not isinstance(known, Iterable):
        raise InputError(f"`{label}` must be a table (DataFrame or dict of columns), a StudyResult or "
                         f"(params, loss) pairs, got {describe(known)}")
    out = []
    for i, item in enumerate(known):
        if not (isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[0], Mapping)):
            raise InputError(f"`{label}` item {i} must be a (params, loss) pair with params a dict, "
                             f"got {describe(item)}")
        params = _params(space, item[0], label, i, "item", translate)
        if params is None:
            continue
        value = _number(item[1], label, i, "loss", "item")
        out.append(_row(params, COMPLETE, value))
    return out


def _curves(result) -> list | None:
    """The intermediate losses of a study's trials, one entry per row of ``result.trials``
    (``[[step, loss], ...]``, or None for a trial that reported none)."""
    frame = result.intermediate
    if frame is None or len(frame) == 0 or "number" not in result.trials.columns:
        return None
    by_number: dict[int, list] = {}
    for number, step, value in zip(frame["number"].tolist(), frame["step"].tolist(), frame["loss"].tolist(),
                                   strict=True):
        by_number.setdefault(int(number), []).append([int(step), float(value)])
    return [by_number.get(int(number)) for number in result.trials["number"].tolist()]


def param_columns(known: Any) -> list[str]:
    """The parameter names of a table's ``param_<name>`` columns (as in ``cv_results_``)."""
    import pandas as pd

    from ._study import StudyResult

    if isinstance(known, StudyResult):
        known = known.trials
    if isinstance(known, pd.DataFrame):
        keys = known.columns
    elif isinstance(known, Mapping):
        keys = known.keys()
    else:
        return []
    return [str(k)[6:] for k in keys if str(k).startswith("param_") and len(str(k)) > 6]


def _is_table(known) -> bool:
    import pandas as pd

    return isinstance(known, pd.DataFrame | Mapping)


def _frame(known, label: str):
    import pandas as pd

    if isinstance(known, pd.DataFrame):
        return known.reset_index(drop=True)
    try:
        return pd.DataFrame({str(k): list(v) for k, v in known.items()})
    except (TypeError, ValueError) as exc:
        raise InputError(f"`{label}` given as a dict must map column names to equally long columns ({exc})") from None


def _from_table(space: Space, frame, loss, score, label: str, translate=None, names=None, curves=None) -> list:
    columns = [str(c) for c in frame.columns]
    frame.columns = columns
    column, sign = _result_column(columns, loss, score, label)
    if translate is not None:
        # a params column of dicts (cv_results_); read back from a CSV file it holds text
        use_dicts = "params" in columns and all(isinstance(v, Mapping) for v in frame["params"])
        sources = {} if use_dicts else {
            name: name if name in columns else f"param_{name}"
            for name in names or space.names if name in columns or f"param_{name}" in columns}
    else:
        use_dicts = "params" in columns and not any(n in columns or f"param_{n}" in columns for n in space.names)
        sources = {}
    if not use_dicts and translate is None:
        conditional = {name for name, p in space.params.items() if p.when}
        for name in space.names:
            if name in columns:
                sources[name] = name
            elif f"param_{name}" in columns:
                sources[name] = f"param_{name}"
            elif name not in conditional:
                raise InputError(f"`{label}` has no column for parameter '{name}' (looked for '{name}' and "
                                 f"'param_{name}'); its columns are {columns}")
    states = frame["state"].tolist() if "state" in columns else None
    errors = frame["error"].tolist() if "error" in columns else None  # an earlier study's failures
    values = frame[column].tolist()
    dicts = frame["params"].tolist() if use_dicts else None
    out = []
    for i in range(len(frame)):
        state = COMPLETE
        if states is not None:
            state = str(states[i]).strip().upper() if isinstance(states[i], str) else states[i]
            if state in (QUEUED, RUNNING):
                continue  # queued or running in the study it came from: no result yet
            if state not in FINISHED:
                raise InputError(f"`{label}` row {i}: 'state' must be one of {', '.join(FINISHED)} (or "
                                 f"{QUEUED} or {RUNNING}, skipped), got {describe(states[i])}")
        if use_dicts:
            raw = dicts[i]
            if not isinstance(raw, Mapping):
                raise InputError(f"`{label}` row {i}: the 'params' column must hold dicts, got {describe(raw)}")
        else:
            raw = {name: frame.at[i, col] for name, col in sources.items()}
            if translate is not None:  # NaN, NA and masked entries: not in the row; None: the choice None
                raw = {name: value for name, value in raw.items() if value is None or not _empty(_plain(value))}
        params = _params(space, raw, label, i, translate=translate)
        if params is None:
            continue
        value = _number(values[i], label, i, column)
        if value is not None:
            value = sign * value
        error = errors[i] if errors is not None and isinstance(errors[i], str) and errors[i].strip() else None
        out.append(_row(params, state, value, None if curves is None else curves[i], error))
    return out


def _result_column(columns: list[str], loss, score, label: str) -> tuple[str, float]:
    if loss is not None or score is not None:
        name = loss if loss is not None else score
        if name not in columns:
            raise InputError(f"`{label}` has no column '{name}' (the {'loss' if loss is not None else 'score'}); "
                             f"its columns are {columns}")
        return name, 1.0 if loss is not None else -1.0
    for name in LOSS_COLUMNS:
        if name in columns:
            return name, 1.0
    for name in SCORE_COLUMNS:
        if name in columns:
            return name, -1.0
    raise InputError(f"`{label}` needs a loss column ({' or '.join(map(repr, LOSS_COLUMNS))}) or a score column "
                     f"({' or '.join(map(repr, SCORE_COLUMNS))}, higher is better), or name one with loss= or "
                     f"score=; its columns are {columns}")


def _params(space: Space, raw: Mapping, label: str, i: int, where: str = "row", translate=None) -> dict:
    """One point: an empty value (None, NaN, a masked entry) leaves out a conditional parameter
    that does not apply, and is the choice None of a categorical that has it."""
    if translate is not None:
        try:
            return translate({name: _as_choice(space.params.get(name), _plain(value))
                              for name, value in raw.items()})
        except InputError as exc:
            raise InputError(f"`{label}` {where} {i}: {exc}") from None
    point = {name: _plain(value) for name, value in raw.items() if name not in space.params}  # reported below
    for name, p in space.params.items():
        if name not in raw:
            continue
        value = _plain(raw[name])
        if not _empty(value):
            point[name] = _as_choice(p, value)
            continue
        try:
            active = space.is_active(name, point)
        except InputError:  # a parent value the space refuses: validate names it
            active = True
        if active and isinstance(p, Categorical) and any(c is None for c in p.choices):
            point[name] = None
    try:
        return space.validate(point)
    except InputError as exc:
        raise InputError(f"`{label}` {where} {i}: {exc}") from None


def _as_choice(p, value):
    """A categorical's choice written as text (as a CSV file, or a Parquet column of choices of
    several types, holds ``0.5`` and ``"0.5"``; a column of the text choices ``"1"`` and
    ``"2"`` with a blank reads as the numbers 1.0 and 2.0) is that choice when its text names
    one only; the text ``"None"`` (a table written by hand) is the choice None when no choice is
    that text."""
    if not isinstance(p, Categorical) or not isinstance(value, str | int | float) or _empty(value):
        return value
    try:
        p.index(value)
        return value
    except InputError:
        if value == "None" and any(c is None for c in p.choices):
            return None
        forms = {str(value)}
        if isinstance(value, float) and value.is_integer():
            forms.add(str(int(value)))
        text = [c for c in p.choices if c is not None and str(c) in forms]
        return text[0] if len(text) == 1 else value


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    return value


def _empty(value) -> bool:
    """None, NaN, pandas' NA (as a trials frame leaves a parameter out) or a masked entry of
    ``cv_results_``."""
    import pandas as pd

    return _absent(value) or value is np.ma.masked or value is pd.NaT


def _number(value, label: str, i: int, column: str, where: str = "row") -> float | None:
    if _empty(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"`{label}` {where} {i}: '{column}' must be a number, got {describe(value)}")
    value = float(value)
    return value if math.isfinite(value) else None


def _row(params: dict, state: str, value: float | None, intermediate: list | None = None,
         error: str | None = None) -> tuple:
    """One added evaluation; ``error`` is the text a failed trial of an earlier study kept."""
    if value is None and state == PRUNED:  # stopped before it reported a loss: still pruned, not failed
        return params, PRUNED, None, None, intermediate
    if state == FAILED:
        return params, FAILED, None, error or "failed in the added evaluation", intermediate
    if value is None:
        return params, FAILED, None, "no result in the added evaluation", intermediate
    return params, state, value, None, intermediate

