"""Studies: :func:`minimize`, the ask/tell :class:`Study`, and the :class:`StudyResult`.

A study couples an optimiser with a trial store. Every trial is written to the store when it
starts and when it finishes, so a study kept in a SQLite file survives crashes: running it again
resumes it (the optimiser is rebuilt from the stored trials, and the trial budget counts them),
and a trial left running by a process that died is run again first.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._errors import InputError
from .._progress import progress
from .._results import Result
from .._store import check_existing_store
from .._validation import check_int, check_rng, check_scalar, describe
from ._optimizers import METHODS, make_optimizer
from ._parallel import Heartbeat, as_value, evaluate, make_runner
from ._pruning import PruningHistory, StepLog, check_pruner
from ._space import Categorical, Float, Int, Space, as_space
from ._stopping import ProgressTracker, check_callbacks
from ._storage import (
    COMPLETE,
    FAILED,
    FINISHED,
    PRUNED,
    QUEUED,
    RUNNING,
    StudyStorage,
    as_storage,
    new_owner,
    retire_owner,
)

__all__ = ["minimize", "Study", "Trial", "StudyResult", "read_study", "DEFAULT_STUDY"]

DEFAULT_STUDY = "default"
_BEAT_LOCK = threading.Lock()  # guards the start and stop of a study's ask/tell heartbeat


# -- results ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Trial:
    """One trial handed out by :meth:`Study.ask`: its number and the parameters to evaluate.

    Attributes
    ----------
    number : int
        Position of the trial in the study (0, 1, 2, ...).
    params : dict
        Parameter values (Python ``float``, ``int`` or a categorical choice).
    """

    number: int
    params: dict
    started: float


@dataclass(frozen=True, slots=True)
class StudyResult(Result):
    """The outcome of a study.

    Attributes
    ----------
    best_params : dict or None
        Parameters of the best complete trial; ``None`` when no trial completed.
    best_value : float
        Its loss (NaN when no trial completed).
    best_trial : int
        Its trial number (-1 when no trial completed).
    trials : pandas.DataFrame
        One row per trial: ``number``, ``state``, ``value``, ``param_<name>`` for each
        parameter (NaN, or ``<NA>`` for an integer, where a conditional parameter does not apply;
        a categorical's choice ``None`` is ``None``), ``error``, ``attempts`` (0 for an added evaluation), ``duration`` (seconds),
        ``started``, ``finished``, ``last_step`` (the last step it reported with
        :func:`~scimlkit.tune.report_step`; NaN when it reported none). A pruned trial's
        ``value`` is the last loss it reported.
    intermediate : pandas.DataFrame
        The losses reported along the way, one row per report: ``number``, ``step``, ``loss``.
    convergence : numpy.ndarray
        Best loss so far after each finished trial, in trial-number order (NaN until the first
        complete trial; pruned trials never improve it).
    method : str
        The method asked for (``"auto"``, ``"gp"``, ...).
    method_used : str
        The optimiser that ran (what ``auto`` chose).
    n_complete, n_failed, n_pruned, n_pending : int
        Trials that completed, failed (error, NaN, infinity, not a number), were stopped early by
        a pruner, or are still queued or running (by another process, or left by an
        interruption). Added evaluations count in their state.
    study : str
        The study name.
    storage : str or None
        The storage file (None for an in-memory study).
    message : str
        A one-line summary; says so when every trial failed.
    space : Space
        The search space (in :meth:`to_dict`, its description as stored with the study).
    n_added : int
        Evaluations made elsewhere and added to the study (:meth:`Study.add_trials`, ``known=``);
        their ``attempts`` in :attr:`trials` is 0.
    stop_reason : str or None
        Why the study's last run stopped before its budget (a ``callbacks`` stopper), as stored
        with the study; None when it did not, or when trials were run, finished or added since.

    Examples
    --------
    >>> from scimlkit.tune import minimize, Float
    >>> res = minimize(lambda p: (p["x"] - 0.3) ** 2, {"x": Float(0, 1)}, method="random",
    ...                n_trials=20, rng=0)
    >>> res.n_complete, round(res.best_params["x"], 1)
    (20, 0.3)
    >>> res.to_frame().columns[:4].tolist()
    ['number', 'state', 'value', 'param_x']
    """

    best_params: dict | None
    best_value: float
    best_trial: int
    trials: Any
    intermediate: Any
    convergence: np.ndarray
    method: str
    method_used: str
    n_complete: int
    n_failed: int
    n_pruned: int
    n_pending: int
    study: str
    storage: str | None
    message: str
    space: Any
    n_added: int = 0
    stop_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary of every field (the space as its stored description)."""
        out = Result.to_dict(self)
        out["space"] = self.space.to_dict()
        return out

    def to_frame(self):
        """The trials as a DataFrame (one row per trial)."""
        return self.trials.copy()

    def trials_to_reach(self, target: float) -> int | None:
        """How many finished trials it took for the best loss to reach ``target`` (None if never).

        Examples
        --------
        >>> from scimlkit.tune import minimize, Float
        >>> res = minimize(lambda p: p["x"], {"x": Float(0, 1)}, method="random", n_trials=10, rng=0)
        >>> res.trials_to_reach(res.best_value) <= 10
        True
        """
        target = check_scalar(target, "target")
        hit = np.flatnonzero(np.nan_to_num(self.convergence, nan=np.inf) <= target)
        return int(hit[0]) + 1 if hit.size else None

    def __repr__(self) -> str:
        pruned = f", n_pruned={self.n_pruned}" if self.n_pruned else ""
        return (f"StudyResult(study={self.study!r}, best_value={self.best_value:.6g}, "
                f"n_complete={self.n_complete}, n_failed={self.n_failed}{pruned}, "
                f"method_used={self.method_used!r})")


def _trials_frame(space: Space, records) -> Any:
    import pandas as pd

    space_names = space.names
    rows = []
    for r in records:
        row = {"number": r.number, "state": r.state, "value": np.nan if r.value is None else float(r.value)}
        for name in space_names:
            row[f"param_{name}"] = r.params.get(name)
        row.update(error=r.error, attempts=r.attempts, duration=r.duration,
                   started=r.started, finished=r.finished,
                   last_step=r.intermediate[-1][0] if r.intermediate else np.nan)
        rows.append(row)
    columns = ["number", "state", "value", *[f"param_{n}" for n in space_names],
               "error", "attempts", "duration", "started", "finished", "last_step"]
    frame = pd.DataFrame(rows, columns=columns)
    for col in ("started", "finished"):
        frame[col] = pd.to_datetime(frame[col].astype(float), unit="s", utc=True)
    frame["duration"] = frame["duration"].astype(float)
    frame["last_step"] = frame["last_step"].astype(float)
    for name, p in space.params.items():
        column = f"param_{name}"
        if isinstance(p, Int) and frame[column].isna().any():  # an integer left out of some points stays one
            frame[column] = frame[column].astype("Int64")
        elif isinstance(p, Float):  # a float column even when every point leaves the parameter out
            frame[column] = frame[column].astype(float)
        elif isinstance(p, Categorical) and frame[column].isna().any():
            # the choices as given (3 stays 3, not 3.0); the choice None is None, a parameter left
            # out of a point (not active there) is NaN; float choices alone stay a float column
            given = [r.params[name] for r in records if name in r.params]
            if not all(type(v) is float for v in given):
                frame[column] = pd.Series([r.params[name] if name in r.params else np.nan for r in records],
                                          index=frame.index, dtype=object)
    return frame


def _intermediate_frame(records) -> Any:
    import pandas as pd

    rows = [(r.number, int(s), float(v)) for r in records for s, v in (r.intermediate or ())]
    frame = pd.DataFrame(rows, columns=["number", "step", "loss"])
    return frame.astype({"number": int, "step": int, "loss": float})


def _convergence(records) -> np.ndarray:
    out, best = [], math.inf
    for r in records:
        if r.state not in FINISHED:
            continue
        if r.state == COMPLETE and r.value is not None:
            best = min(best, float(r.value))
        out.append(best if math.isfinite(best) else math.nan)
    return np.asarray(out, dtype=float)


# -- the study --------------------------------------------------------------------------------
def _check_method(method) -> str:
    if not isinstance(method, str):
        raise InputError(f"`method` must be one of {', '.join(map(repr, METHODS))}, got {describe(method)}")
    lowered = method.lower()
    if lowered not in METHODS:
        raise InputError(f"`method` must be one of {', '.join(map(repr, METHODS))}, got {method!r}")
    return lowered


def check_show_progress(value) -> None:
    """``show_progress`` is True, False or None (a bar on a terminal only)."""
    if value is not None and not isinstance(value, bool):
        raise InputError(f"`show_progress` must be True, False or None, got {describe(value)}")


def _check_name(name, label: str = "study") -> str:
    if name is None:
        return DEFAULT_STUDY
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"`{label}` must be a non-empty string, got {describe(name)}")
    return name


def _params_json(params: Mapping[str, Any]) -> str:
    return json.dumps(params, allow_nan=False)


class Study:
    """An optimisation study with an ask/tell interface, kept in memory or in a SQLite file.

    Create one with :meth:`Study.create` (which resumes a stored study of the same name) or
    reopen a stored one with :meth:`Study.load`; then loop ``trial = study.ask()``, evaluate
    ``trial.params`` anywhere, and report with ``study.tell(trial, loss)``. Losses are minimised.
    A loop that trains step by step can ask :meth:`should_prune` after each step and end an
    unpromising trial with ``study.tell(trial, loss, pruned=True)``.

    Examples
    --------
    >>> from scimlkit.tune import Study, Float, Int
    >>> study = Study.create({"x": Float(-2, 2), "n": Int(1, 5)}, method="random", rng=0)
    >>> for _ in range(10):
    ...     trial = study.ask()
    ...     study.tell(trial, trial.params["x"] ** 2 + trial.params["n"])
    >>> res = study.result()
    >>> res.n_complete, res.best_params["n"] == 1
    (10, True)
    """

    def __init__(self, storage: StudyStorage, study_id: int, name: str, space: Space, method: str,
                 rng: np.random.Generator, n_trials: int | None, options: dict, pruner=None):
        self._storage = storage
        self._study_id = study_id
        self.name = name
        self.space = space
        self.method = method
        self.n_trials = n_trials
        self._rng = rng
        self._options = options
        self._optimizer = None
        self._observed: set[int] = set()
        self._seq = 0
        self._spare: list[dict] = []  # proposals the store did not take (another process was faster)
        self._running: dict[int, Trial] = {}
        self._logs: dict[int, StepLog] = {}  # steps reported through should_prune, per running trial
        self.pruner = pruner
        self._owner = new_owner()
        self._beat = [None]  # the heartbeat of trials handed out by ask() (an external loop), in a cell
        # a study dropped without close() (a notebook cell that raised between ask and tell) stops
        # its heartbeat and puts the trials it asked back in the queue when it is collected; the
        # callback holds the storage, the owner, the running trials and the heartbeat cell, none of
        # which refers to the study (a study kept alive by a cycle is collected with it)
        self._finalizer = weakref.finalize(self, _abandon, self._storage, self._owner, self._running, self._beat,
                                           os.getpid())

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def create(cls, space, *, method: str = "auto", storage=None, name: str | None = None, rng=None,
               n_trials: int | None = None, pruner=None, objective_label: str | None = None,
               _earlier_labels: tuple[str, ...] = (), _label_accepts=None,
               **options) -> Study:
        """Start a study, or resume the stored study of the same name.

        Parameters
        ----------
        space : Space or dict
            The search space.
        method : {"auto", "gp", "de", "random", "sobol", "grid"}, default "auto"
            The optimiser (see :func:`scimlkit.tune.make_optimizer`).
        storage : None, str, path or StudyStorage
            ``None`` keeps the study in memory; a path keeps it in a SQLite file.
        name : str, optional
            Study name within the storage (default ``"default"``).
        rng : None, int or numpy.random.Generator
            Randomness of the optimiser; a resumed study with an int seed continues with a
            seed derived from it and the number of earlier runs.
        n_trials : int, optional
            The planned budget (sizes the optimiser's initial design); ``ask`` itself does not
            stop at it.
        pruner : None, "median", "halving" or Pruner, optional
            Stops unpromising trials early (see :meth:`should_prune` and
            :class:`~scimlkit.tune.MedianPruner`); not stored, give it again when resuming.
        objective_label : str, optional
            What the losses measure (say ``"SVC, scoring roc_auc"``). Stored with the study;
            resuming a study stored with another label is refused, since its losses would not
            compare with the new ones (``SearchCV`` and ``scimlkit tune run`` give the
            estimator and the scoring).
        **options
            Options of the optimiser.

        Raises
        ------
        InputError
            Unknown method, bad space, or a stored study with a different space, method or
            objective label.
        StorageError
            A storage file that is not a scimlkit study store.
        """
        space = as_space(space)
        method = _check_method(method)
        name = _check_name(name, "name")
        n_trials = check_int(n_trials, "n_trials", low=1, allow_none=True)
        pruner = check_pruner(pruner)
        generator = check_rng(rng)
        make_optimizer(method, space, rng=0, n_trials=n_trials, **options)  # bad options fail before storage
        store = as_storage(storage)
        if objective_label is not None and not isinstance(objective_label, str):
            raise InputError(f"`objective_label` must be a string, got {describe(objective_label)}")
        # _earlier_labels: the same objective as an earlier version labelled it (resumes, relabelled);
        # _label_accepts: a test of stored labels kept as they are (a label settled after the first scores)
        study_id, run_index, _ = store.create_study(name, space.to_dict(), method, objective=objective_label,
                                                    also_accepted=tuple(_earlier_labels), accepts=_label_accepts)
        if run_index > 0 and (rng is None or isinstance(rng, int | np.integer)):
            generator = np.random.default_rng(None if rng is None else [int(rng), run_index])
        study = cls(store, study_id, name, space, method, generator, n_trials, options, pruner)
        study._build_optimizer()  # unknown options fail here, before anything runs
        return study

    @classmethod
    def load(cls, storage, name: str | None = None, *, rng=None, n_trials: int | None = None, pruner=None,
             **options) -> Study:
        """Reopen a stored study with its stored space and method.

        ``name`` may be omitted when the file holds a single study.

        Examples
        --------
        >>> import os, tempfile
        >>> from scimlkit.tune import Study, Float, minimize
        >>> path = os.path.join(tempfile.mkdtemp(), "s.db")
        >>> _ = minimize(lambda p: p["x"], {"x": Float(0, 1)}, method="random", n_trials=3,
        ...              storage=path, study="demo", rng=0)
        >>> Study.load(path, "demo").result().n_complete
        3
        """
        from ._space import Space as _Space

        store = _existing_storage(storage)
        name, stored = _find_study(store, name)
        space = _Space.from_dict(stored["space"])
        return cls.create(space, method=stored["method"], storage=store, name=name, rng=rng,
                          n_trials=n_trials, pruner=pruner, **options)

    # -- optimiser -----------------------------------------------------------------------
    def _build_optimizer(self):
        self._optimizer = make_optimizer(self.method, self.space, rng=self._rng, n_trials=self.n_trials,
                                         **self._options)
        self._optimizer.n_given = self._storage.added_count(self._study_id)  # not spent from the budget
        self._sync()

    @property
    def optimizer(self):
        """The optimiser (rebuilt from the stored trials when the study was resumed)."""
        return self._optimizer

    @property
    def method_used(self) -> str:
        return str(getattr(self._optimizer, "method", getattr(self._optimizer, "name", self.method)))

    def _sync(self) -> None:
        """Observe trials finished by other runners (or in earlier runs) since the last sync."""
        for record in self._storage.finished_since(self._study_id, self._seq):
            self._seq = max(self._seq, int(record.finish_seq))
            self._running.pop(record.number, None)  # asked here, told by another object or process
            self._logs.pop(record.number, None)
            if record.number in self._observed:
                continue
            self._observed.add(record.number)
            # a pruned trial counts with the last loss it reported (worse than its peers', or it
            # would not have been stopped); a failed one as missing
            value = math.nan if record.state == FAILED or record.value is None else float(record.value)
            try:
                params = self.space.validate(record.params)
            except InputError:
                continue  # a trial edited by hand outside the space: keep it stored, do not learn from it
            self._optimizer.observe(params, value)

    # -- ask / tell -------------------------------------------------------------------------
    def _ask(self, k: int, limit: int | None) -> list[Trial]:
        storage, sid = self._storage, self._study_id
        if not storage.in_memory:
            storage.requeue_stale(sid)
        self._sync()
        queued = storage.queued_count(sid)
        need = max(0, k - queued)
        if limit is not None:
            need = min(need, max(0, limit - storage.total_count(sid)))
        proposals = self._spare[:need]
        self._spare = self._spare[need:]
        if len(proposals) < need and not self._optimizer.exhausted:
            proposals += self._optimizer.propose(need - len(proposals))
        claimed = storage.claim(sid, self._owner, [_params_json(p) for p in proposals], limit, k)
        used_new = sum(1 for _, _, was_queued in claimed if not was_queued)
        self._spare = proposals[used_new:] + self._spare
        now = time.time()
        trials = []
        for number, params_json, was_queued in claimed:
            params = json.loads(params_json)
            if was_queued and self._missing(params):  # enqueued with some parameters fixed
                params = self._complete(params)
                storage.set_params(sid, number, _params_json(params))
            params = self.space.validate(params)
            trial = Trial(number, params, now)
            self._running[number] = trial
            trials.append(trial)
        return trials

    def ask(self) -> Trial | None:
        """The next trial to evaluate, or ``None`` when the optimiser has nothing left (a
        finished grid).

        Trials re-queued after their process died (and trials added with :meth:`enqueue`) come
        first.
        """
        trials = self._ask(1, None)
        if trials and self._beat[0] is None and not self._storage.in_memory:
            # keep the trials of an external loop claimed while this process lives: without a
            # heartbeat another process would take a long trial for a dead one and run it again
            with _BEAT_LOCK:  # two threads asking at once start one heartbeat, not two
                if self._beat[0] is None:
                    self._beat[0] = Heartbeat(self._storage, self._owner, self._storage.heartbeat_interval).__enter__()
        return trials[0] if trials else None

    def enqueue(self, params: Mapping[str, Any]) -> int:
        """Queue a point to be evaluated by the next :meth:`ask`; returns its trial number.

        ``params`` may fix only some parameters: the others are filled in when the trial is
        handed out, from the optimiser's next proposal (a conditional parameter is fixed together
        with the parameters it depends on).

        Examples
        --------
        >>> from scimlkit.tune import Study, Float, Int
        >>> study = Study.create({"x": Float(0, 1), "n": Int(1, 8)}, method="random", rng=0)
        >>> study.enqueue({"n": 3})
        0
        >>> trial = study.ask()
        >>> trial.params["n"], 0 <= trial.params["x"] <= 1
        (3, True)
        """
        given = self._fixed(params)
        if not self._missing(given):
            given = self.space.validate(given)
        return self._storage.enqueue(self._study_id, _params_json(given))

    def _fixed(self, params: Any) -> dict[str, Any]:
        """The parameters of a (possibly partial) point to enqueue, each checked."""
        space = self.space
        if not isinstance(params, Mapping):
            raise InputError(f"`params` must be a dict of parameter values, got {describe(params)}")
        extra = [n for n in params if n not in space.params]
        if extra:
            raise InputError(f"parameters {extra} are not in the space; it has {space.names}")
        out = {}
        for name, p in space.params.items():
            if name not in params:
                continue
            parents = [parent for parent, _ in p.when or ()]
            if any(parent not in params for parent in parents):
                raise InputError(f"parameter '{name}' depends on {parents}: fix them too, or leave '{name}' out")
            value = params[name].item() if isinstance(params[name], np.generic) else params[name]
            if parents and not space.is_active(name, out):
                if value is None or (isinstance(value, float) and math.isnan(value)):
                    continue  # left out, as in a trials frame
                rule = " and ".join(f"{parent} in {list(values)!r}" for parent, values in p.when)
                raise InputError(f"parameter '{name}' applies only when {rule}; leave it out of this point")
            out[name] = p._check(value, name)
        return out

    def _missing(self, params: Mapping[str, Any]) -> list[str]:
        """The parameters that apply at a partial point but are not given."""
        space = self.space
        return [n for n in space.names if n not in params and all(parent in params and space.is_active(n, params)
                                                                  for parent, _ in space.params[n].when or ())]

    def _complete(self, fixed: dict[str, Any]) -> dict[str, Any]:
        """A partial point completed by the optimiser's next proposal (which becomes the pending
        point); a parameter the proposal leaves out that applies here is drawn at random."""
        if self._spare:
            proposal = self._spare.pop(0)
        else:
            proposed = self._optimizer._propose_fixed(fixed)
            proposal = proposed[0] if proposed else self.space.sample(self._optimizer.rng)[0]
        point: dict[str, Any] = {}
        for name, p in self.space.params.items():
            if p.when and not self.space.is_active(name, point):
                continue
            if name in fixed:
                point[name] = fixed[name]
            elif name in proposal and self.space.is_active(name, proposal):
                point[name] = proposal[name]
            else:
                point[name] = p._from_unit(self._optimizer.rng.random(1))[0]
        point = self.space.validate(point)
        self._optimizer._replace_pending(proposal, point)
        return point

    def add_trials(self, known: Any, *, loss: str | None = None, score: str | None = None) -> list[int]:
        """Add evaluations made elsewhere: the optimiser starts from them.

        A grid search already run, a spreadsheet of past experiments or an earlier study (with
        another method or name) becomes the starting knowledge of this one: the added
        evaluations are stored as finished trials (with ``attempts`` 0), the optimiser learns from
        them as from its own trials (the Gaussian process skips its initial design when it has
        enough), and they do not count toward the trial budget ``n_trials``.

        Parameters
        ----------
        known : DataFrame, dict of columns, StudyResult or iterable of (params, loss) pairs
            One evaluation per row: a column per parameter, named as the parameter or
            ``param_<name>`` (the names of scikit-learn's ``cv_results_`` and of
            :attr:`StudyResult.trials`), or a ``params`` column of dicts; and the result. A
            conditional parameter that does not apply is left empty. A table with a ``state``
            column (an earlier study's trials) keeps its finished trials' states. A missing, NaN
            or infinite result makes a failed trial. A :class:`StudyResult` (an earlier study,
            or :func:`read_study` of a stored one) also brings the losses its trials reported
            along the way: they are kept with the added trials (in :attr:`StudyResult.intermediate`)
            and a ``pruner`` compares new trials with them.
        loss, score : str, optional
            The column holding the result: a loss (minimised as is) or a score (higher is
            better; its negative is the loss). By default the first column found of ``loss``,
            ``value`` (losses), ``mean_test_score``, ``score`` (scores).

        Returns
        -------
        list of int
            The trial numbers given to the added evaluations. An evaluation the study already
            holds (a finished trial with the same parameters, state and result) is skipped, so
            adding the same table again when a study is resumed adds nothing.

        Raises
        ------
        InputError
            No result column, a parameter column missing, or a row outside the space (the
            message names the row).

        Examples
        --------
        >>> from scimlkit.tune import Study, Float, Int
        >>> study = Study.create({"x": Float(0, 1), "n": Int(1, 4)}, method="gp", rng=0, n_trials=5)
        >>> study.add_trials([({"x": 0.2, "n": 1}, 0.5), ({"x": 0.8, "n": 3}, 0.1)])
        [0, 1]
        >>> res = study.result()
        >>> res.n_added, res.best_params
        (2, {'x': 0.8, 'n': 3})
        """
        from ._known import known_rows

        return self._add_rows(known_rows(self.space, known, loss=loss, score=score))

    def _add_rows(self, rows: list) -> list[int]:
        """Store checked ``(params, state, loss, error, intermediate)`` rows (from :func:`known_rows`)
        as added trials; the optimiser observes them (as given, not spent from the budget) at once."""
        numbers = self._storage.add_finished(
            self._study_id, [(_params_json(p), *rest) for p, *rest in rows])
        if numbers:
            self._optimizer.n_given = self._storage.added_count(self._study_id)
            self._sync()
        return numbers

    def add_trial(self, params: Mapping[str, Any], loss: Any) -> int | None:
        """Add one evaluation made elsewhere (see :meth:`add_trials`); its trial number, or None
        when the same evaluation was already added."""
        numbers = self.add_trials([(params, loss)])
        return numbers[0] if numbers else None

    def _known(self, trial) -> Trial:
        """The running trial ``trial`` (a Trial or its number): one this object asked, or one the
        storage holds as running (asked by another object or process on the same study)."""
        number = trial.number if isinstance(trial, Trial) else check_int(trial, "trial", low=0)
        known = self._running.get(number)
        if known is None:
            known = self._stored_running(number)
            if isinstance(trial, Trial) and trial.params != known.params:
                raise self._other_study(trial, known)
        elif isinstance(trial, Trial) and trial != known:  # same number, from another study's ask()
            raise self._other_study(trial, known)
        return known

    def _stored_running(self, number: int) -> Trial:
        """Trial ``number`` as stored, when it is running (with its stored parameters)."""
        record = self._storage.trial(self._study_id, number)
        if record is None:
            raise InputError(f"trial {number} was not handed out by this study's ask(): study '{self.name}' has "
                             f"no trial {number}")
        if record.state != RUNNING:
            what = ("was already told (it is " + record.state + ")" if record.state in FINISHED
                    else "was handed out and put back in the queue (the study object that asked it was "
                    "closed, collected or taken for gone: keep it open until its trials are told)"
                    if record.attempts > 0 else "is queued: ask() has not handed it out yet")
            raise InputError(f"trial {number} was not handed out by this study's ask() or {what}")
        try:
            params = self.space.validate(record.params)
        except InputError as exc:
            raise InputError(f"trial {number} of study '{self.name}' has stored parameters outside its space "
                             f"({exc})") from None
        return Trial(number, params, record.started if record.started is not None else time.time())

    def _other_study(self, trial: Trial, known: Trial) -> InputError:
        return InputError(f"trial {trial.number} ({trial.params}) was handed out by another study; this study's "
                          f"trial {trial.number} is {known.params}")

    def pruning_context(self) -> tuple | None:
        """``(pruner, history)`` for a trial about to run: the pruner and the finished trials'
        intermediate losses as a :class:`~scimlkit.tune.PruningHistory` (None without a pruner)."""
        if self.pruner is None:
            return None
        n_complete, curves = self._storage.curves(self._study_id)
        return self.pruner, PruningHistory(curves, n_complete)

    def should_prune(self, trial: Trial | int, loss: float, step: int | None = None) -> bool:
        """Record the loss a running trial reached after a step; whether the pruner would stop it.

        The ask/tell counterpart of :func:`~scimlkit.tune.report_step`. When it returns True,
        end the trial with ``study.tell(trial, loss, pruned=True)``. Without a pruner it only
        records the loss (and returns False).

        Examples
        --------
        >>> from scimlkit.tune import Study, Float
        >>> study = Study.create({"lr": Float(0.01, 1.0, log=True)}, method="random", rng=0,
        ...                      pruner="median")
        >>> for _ in range(20):
        ...     trial, loss, stop = study.ask(), 1.0, False
        ...     for epoch in range(10):
        ...         loss *= 1 - trial.params["lr"]
        ...         stop = study.should_prune(trial, loss, epoch)
        ...         if stop:
        ...             break
        ...     study.tell(trial, loss, pruned=stop)
        >>> res = study.result()
        >>> res.n_complete + res.n_pruned, res.n_pruned > 0
        (20, True)
        """
        known = self._known(trial)
        log = self._logs.get(known.number)
        if log is None:
            log = self._logs[known.number] = StepLog(*(self.pruning_context() or (None, None)))
        return log.add(loss, step)

    def tell(self, trial: Trial | int, value: Any = None, *, error: str | BaseException | None = None,
             pruned: bool = False) -> None:
        """Report the loss of a trial (NaN, infinity or ``error=...``: a failed trial).

        Parameters
        ----------
        trial : Trial or int
            The trial (or its number) from :meth:`ask`: of this study object, or of another one
            (or another process) running the same stored study, so a worker may report a trial
            handed out elsewhere by its number (its parameters are read from the storage).
        value : float
            Its loss; a value that is not a real number records a failed trial with a message.
            For a pruned trial, the last loss it reached (or None).
        error : str or exception, optional
            Record the trial as failed with this error text.
        pruned : bool, default False
            The trial was stopped early (see :meth:`should_prune`): recorded as ``PRUNED``.

        Raises
        ------
        InputError
            When the trial is unknown, queued, or already told (by this object, another one or
            another process: the first result stays stored).

        Notes
        -----
        The losses recorded with :meth:`should_prune` are kept by the object that recorded
        them and stored with the trial by that object's ``tell``: call both on one object.
        """
        if not isinstance(pruned, bool | np.bool_):
            raise InputError(f"`pruned` must be True or False, got {describe(pruned)}")
        known = self._known(trial)
        log = self._logs.pop(known.number, None)
        curve = log.curve if log is not None else []
        if error is not None:
            loss, text = None, (f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else str(error))
        elif pruned and value is None:
            loss, text = (log.last_loss if log is not None else None), None
        else:
            loss, text = as_value(value)
        try:
            self._finish(known, loss, text, time.time() - known.started, curve,
                         pruned=bool(pruned) and error is None, strict=True)
        finally:
            self._stop_beat(when_idle=True)  # nothing of this loop runs now; the next ask starts it again

    def _finish(self, trial: Trial, loss: float | None, error: str | None, duration: float | None,
                curve: list | None = None, pruned: bool = False, strict: bool = False) -> str:
        """Store a finished trial and hand it to the optimiser; returns its state. A trial
        finished elsewhere first keeps its stored result (``strict``: an InputError says so)."""
        state = PRUNED if pruned else COMPLETE if loss is not None else FAILED
        stored = self._storage.finish(self._study_id, trial.number, state, loss, error, duration, curve)
        self._running.pop(trial.number, None)
        self._logs.pop(trial.number, None)
        if stored and trial.number not in self._observed:
            self._observed.add(trial.number)
            self._optimizer.observe(trial.params, math.nan if loss is None else loss)
        elif not stored:  # finished elsewhere first: the optimiser learns the stored result
            self._sync()
            if strict:
                raise InputError(f"trial {trial.number} was already told (by another study object or process); "
                                 "its stored result is kept")
        return state

    def release(self) -> list[int]:
        """Put trials this study started but never told back in the queue (after an interruption)."""
        self._running.clear()
        self._logs.clear()
        return self._storage.release(self._owner)

    def _stop_beat(self, *, when_idle: bool = False) -> None:
        """Stop the ask/tell heartbeat (with ``when_idle``, only if no asked trial runs: checked
        under the lock ``ask`` starts it under, so a trial asked meanwhile keeps or restarts it)."""
        with _BEAT_LOCK:
            if when_idle and self._running:
                return
            beat, self._beat[0] = self._beat[0], None
        if beat is not None:
            beat.__exit__(None, None, None)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_beat"] = [None]  # a thread of this process: the copy starts its own when it asks
        state.pop("_finalizer", None)
        return state

    def __setstate__(self, state):
        # a copy (pickled to another process, or within this one) asks under an owner of its own,
        # so that dropping or closing the original never releases the trials the copy runs, and
        # releases what it asked itself when it is dropped
        self.__dict__.update(state)
        self._owner = new_owner()
        self._finalizer = weakref.finalize(self, _abandon, self._storage, self._owner, self._running, self._beat,
                                           os.getpid())

    def close(self) -> None:
        """Release unfinished trials and close the storage connection of this thread.

        A study dropped without it (say in a notebook cell that raised between ``ask`` and
        ``tell``) does the same when it is garbage-collected: its heartbeat stops and its
        running trials go back to the queue.
        """
        finalizer = self.__dict__.get("_finalizer")
        if finalizer is not None:
            finalizer.detach()
        self._stop_beat()
        self.release()
        retire_owner(self._owner)
        if not self._storage.in_memory:
            self._storage.close()

    # -- views ------------------------------------------------------------------------------
    @property
    def storage(self) -> StudyStorage:
        return self._storage

    def result(self) -> StudyResult:
        """The study so far as a :class:`StudyResult`."""
        return _result(self._storage, self._study_id, self.name, self.space, self.method, self.method_used)

    def __repr__(self) -> str:
        where = "memory" if self._storage.in_memory else str(self._storage.path)
        return f"Study(name={self.name!r}, method={self.method!r}, storage={where!r})"


def _abandon(storage: StudyStorage, owner: str, running: dict, beat: list, pid: int) -> None:
    """What :meth:`Study.close` does, for a study collected without it: stop its heartbeat,
    release the trials it asked and did not tell (``running``; not those copies of it sent to
    other processes asked under the same owner) and retire its owner."""
    if os.getpid() != pid:  # a forked copy of the study: its trials belong to the parent
        return
    thread, beat[0] = beat[0], None
    if thread is not None:
        thread.__exit__(None, None, None)
    numbers = list(running)
    if numbers and not storage.in_memory and os.path.exists(storage.path):
        try:
            storage.release(owner, numbers)
        except Exception:  # a busy file: the trials go stale and are re-queued later
            pass
    retire_owner(owner)


def _result(storage: StudyStorage, study_id: int, name: str, space: Space, method: str,
            method_used: str) -> StudyResult:
    records = storage.trials(study_id)
    complete = [r for r in records if r.state == COMPLETE and r.value is not None]
    n_added = sum(r.attempts == 0 and r.state in FINISHED for r in records)
    n_failed = sum(r.state == FAILED for r in records)
    n_pruned = sum(r.state == PRUNED for r in records)
    n_pending = sum(r.state in (QUEUED, RUNNING) for r in records)
    if complete:
        best = min(complete, key=lambda r: (r.value, r.number))
        best_params, best_value, best_trial = dict(best.params), float(best.value), best.number
        try:
            best_params = space.validate(best.params)
        except InputError:  # pragma: no cover - a row edited by hand
            pass
        message = f"best loss {best_value:.6g} at trial {best_trial}; {len(complete)} complete, {n_failed} failed"
        if n_pruned:
            message += f", {n_pruned} pruned"
        if n_added:
            message += f" ({n_added} added from evaluations made elsewhere)"
    else:
        best_params, best_value, best_trial = None, math.nan, -1
        if records:
            first_error = next((r.error for r in records if r.state == FAILED and r.error), None)
            message = f"no trial completed: all {n_failed} finished trial(s) failed"
            if n_pruned:
                message = f"no trial completed: {n_failed} failed, {n_pruned} pruned"
            if first_error:
                message += f" (first error: {first_error})"
        else:
            message = "no trial was run"
    stopped = storage.stop_reason(study_id)
    if stopped is not None:
        message += f"; stopped early: {stopped}"
    return StudyResult(
        best_params=best_params,
        best_value=best_value,
        best_trial=best_trial,
        trials=_trials_frame(space, records),
        intermediate=_intermediate_frame(records),
        convergence=_convergence(records),
        method=method,
        method_used=method_used,
        n_complete=len(complete),
        n_failed=n_failed,
        n_pruned=n_pruned,
        n_pending=n_pending,
        study=name,
        storage=None if storage.in_memory else str(storage.path),
        message=message,
        space=space,
        n_added=n_added,
        stop_reason=stopped,
    )


def read_study(storage, name: str | None = None) -> StudyResult:
    """Read a stored study without running or changing it (used by ``scimlkit tune show``).

    Examples
    --------
    >>> import os, tempfile
    >>> from scimlkit.tune import Float, minimize
    >>> from scimlkit.tune import read_study
    >>> path = os.path.join(tempfile.mkdtemp(), "s.db")
    >>> _ = minimize(lambda p: p["x"], {"x": Float(0, 1)}, method="random", n_trials=2, storage=path)
    >>> read_study(path).n_complete
    2
    """
    store = _existing_storage(storage)
    name, stored = _find_study(store, name)
    space = Space.from_dict(stored["space"])
    return _result(store, stored["study_id"], name, space, stored["method"], stored["method"])


# -- minimize ---------------------------------------------------------------------------------
def minimize(objective: Callable[[dict], float], space, *, method: str = "auto", n_trials: int,
             n_workers: int | None = None, storage=None, study: str | None = None, timeout: float | None = None,
             rng=None, executor=None, pruner=None, callbacks=None, known=None, initial=None,
             show_progress: bool | None = None, **options) -> StudyResult:
    """Minimise a black-box objective over a search space.

    Parameters
    ----------
    objective : callable
        ``objective(params) -> loss`` where ``params`` is a dict of parameter values. A trial
        whose objective raises an exception or returns NaN, infinity or something that is not a
        real number is recorded as failed (with the error text) and the study goes on. An
        objective that trains step by step may call :func:`~scimlkit.tune.report_step` after each
        step (the losses are kept with the trial, and a ``pruner`` may stop it there).
    space : Space or dict
        The search space, e.g. ``{"alpha": Float(1e-4, 1, log=True), "depth": Int(2, 8)}``.
    method : {"auto", "gp", "de", "random", "sobol", "grid"}, default "auto"
        The optimiser; ``auto`` picks per space and budget (see :class:`AutoOptimizer`).
    n_trials : int
        The trial budget, counting trials already run when a study is resumed (but not the
        evaluations added with ``known``).
    n_workers : int, optional
        Trials evaluated at once. Without an ``executor``, the default (1) runs the objective
        in this process; above 1 it runs in as many worker processes, asynchronously (a new
        point is proposed as soon as a trial finishes, the running ones being pending for the
        optimiser). With an ``executor``, the default is as many as it has workers (threads of
        a Dask cluster). Worker processes import the main script again, so a script that
        runs trials in them keeps its code under ``if __name__ == "__main__":`` (a clear
        error says so when it does not).
    storage : None, str, path or StudyStorage
        A SQLite file keeping every trial as it finishes. Running the same study again resumes
        it; a trial left running by a process that died is run again first.
    study : str, optional
        The study name within the storage (default ``"default"``).
    timeout : float, optional
        Seconds after which no new trial is started (running ones are awaited).
    rng : None, int or numpy.random.Generator
        Randomness of the optimiser (an int seed makes the run reproducible; with several
        workers, which point is proposed next depends on which trial finishes first, so a
        parallel run is reproducible only as far as the trials' durations are).
    executor : dask.distributed.Client or concurrent.futures.Executor, optional
        Where to run the trials instead of local worker processes.
    pruner : None, "median", "halving" or Pruner, optional
        Stops a trial early when the losses it reports with :func:`~scimlkit.tune.report_step`
        are worse than the finished trials' at the same step
        (:class:`~scimlkit.tune.MedianPruner`, :class:`~scimlkit.tune.PercentilePruner`,
        :class:`~scimlkit.tune.SuccessiveHalvingPruner`). A pruned trial counts in ``n_trials``
        and enters the optimiser with its last loss.
    callbacks : callable or list of callables, optional
        Called after each trial this call finishes with a
        :class:`~scimlkit.tune.StudyProgress` (that trial, the best so far, the trials since
        it, ...). One that returns something true (``True``, or a sentence saying why) stops
        the study early: no new trial starts, the running ones finish, and the result's
        ``message`` says why it stopped. Ready-made: :class:`~scimlkit.tune.StopWhenStalled`
        (no new best for ``patience`` trials) and :class:`~scimlkit.tune.StopAtLoss`.
    known : DataFrame, dict of columns, StudyResult or (params, loss) pairs, optional
        Evaluations made elsewhere to start from, e.g. the results of a grid search already run
        (``pandas.DataFrame(grid.cv_results_)``: its scores are read from ``mean_test_score``
        and negated) or an earlier study's result (with the losses its trials reported along the
        way, which the ``pruner`` then compares with); see :meth:`Study.add_trials` for
        the columns read. They are added to the study before the search, inform the optimiser,
        and do not count toward ``n_trials``; a resumed study does not add them twice.
    initial : list of dicts or DataFrame, optional
        Points to evaluate first (such as the estimator's current settings), within the budget
        ``n_trials``; points the study already holds (run, queued or added) are not queued again.
    show_progress : bool, optional
        Progress bar with the best loss so far; by default only on a terminal.
    **options
        Options of the optimiser.

    Returns
    -------
    StudyResult

    Raises
    ------
    InputError
        Bad arguments, unknown method, or a stored study with another space or method.
    StorageError
        A storage file that is corrupt or not a scimlkit study store.

    Examples
    --------
    >>> from scimlkit.tune import minimize, Float, Int
    >>> def loss(p):
    ...     return (p["lr"] - 0.01) ** 2 + 0.001 * p["depth"]
    >>> res = minimize(loss, {"lr": Float(1e-4, 1, log=True), "depth": Int(1, 6)},
    ...                method="sobol", n_trials=16, rng=0)
    >>> res.n_complete
    16
    """
    return _minimize(objective, space, method=method, n_trials=n_trials, n_workers=n_workers, storage=storage,
                     study=study, timeout=timeout, rng=rng, executor=executor, pruner=pruner,
                     callbacks=callbacks, known=known, initial=initial, show_progress=show_progress,
                     options=options)


def _minimize(objective, space, *, method, n_trials, n_workers, storage, study, timeout, rng, executor,
              show_progress, options, show_best=None, pruner=None, callbacks=None, known=None, initial=None,
              known_columns=None, objective_label=None, earlier_labels=()) -> StudyResult:
    """:func:`minimize`; ``show_best(loss) -> str`` formats the best loss on the progress bar;
    ``known_columns`` (``{"loss": ...}`` or ``{"score": ...}``) names the result column of ``known``;
    ``earlier_labels``: the objective as an earlier version labelled a stored study (resumed, relabelled)."""
    if not callable(objective):
        raise InputError(f"`objective` must be callable, got {describe(objective)}")
    n_trials = check_int(n_trials, "n_trials", low=1)
    n_workers = check_int(n_workers, "n_workers", low=1, allow_none=True)
    timeout = check_scalar(timeout, "timeout", low=0.0, closed="neither", allow_none=True)
    check_show_progress(show_progress)
    _check_name(study)
    callbacks = check_callbacks(callbacks)
    space = as_space(space)
    # the evaluations and points given are checked before the study is created or resumed
    rows = None
    if known is not None:
        from ._known import known_rows

        rows = known_rows(space, known, **(known_columns or {}))
    points = None if initial is None else _initial_points(space, initial)
    the_study = Study.create(space, method=method, storage=storage, name=study, rng=rng, n_trials=n_trials,
                             pruner=pruner, objective_label=objective_label, _earlier_labels=earlier_labels,
                             **options)
    try:
        new_points = [] if points is None else _new_points(the_study, points, n_trials, rows or ())
        if rows:
            the_study._add_rows(rows)
        for text in new_points:
            the_study.storage.enqueue(the_study._study_id, text)
        runner = make_runner(objective, n_workers, executor)
    except BaseException:
        the_study.close()
        raise
    store = the_study.storage
    deadline = None if timeout is None else time.monotonic() + timeout
    counts = store.counts(the_study._study_id)
    remaining = max(0, n_trials - sum(counts[state] for state in FINISHED))
    tracker = ProgressTracker(the_study, callbacks)
    best = [tracker.best[0]]  # complete trials only: a pruned trial's loss is from part-way through

    def status(loss):
        if loss is not None and loss < best[0]:
            best[0] = loss
        if not math.isfinite(best[0]):
            return "no complete trial yet"
        return show_best(best[0]) if show_best is not None else f"best {best[0]:.4g}"

    finished = False
    try:
        with Heartbeat(store, the_study._owner, store.heartbeat_interval), \
                progress(remaining, "trials", show=show_progress) as bar:
            if runner is None:
                _run_serial(the_study, objective, n_trials, deadline, bar, status, tracker)
            else:
                _run_parallel(the_study, runner, n_trials, deadline, bar, status, tracker)
        finished = True
    finally:
        if runner is not None:
            runner.close(cancel=not finished)
        the_study.release()
    if tracker.reason is not None:  # stored, so that `read_study` and `tune show` say it too
        the_study.storage.set_stop_reason(the_study._study_id, tracker.reason)
    result = the_study.result()
    the_study.close()
    return result


def _initial_points(space: Space, initial) -> list[dict]:
    """The points of ``initial`` checked against the space, in order."""
    import pandas as pd

    if isinstance(initial, pd.DataFrame):
        points = initial.to_dict(orient="records")  # empty cells: validate leaves out what does not apply
    elif isinstance(initial, Mapping) or isinstance(initial, str | bytes) or not hasattr(initial, "__iter__"):
        raise InputError(f"`initial` must be a list of parameter dicts or a DataFrame, got {describe(initial)}")
    else:
        points = list(initial)
    checked = []
    for i, point in enumerate(points):
        if not isinstance(point, Mapping):
            raise InputError(f"`initial` item {i} must be a dict of parameter values, got {describe(point)}")
        try:
            checked.append(space.validate(point))
        except InputError as exc:
            raise InputError(f"`initial` item {i}: {exc}") from None
    return checked


def _new_points(study: Study, points: list[dict], n_trials: int, rows=()) -> list[str]:
    """The points neither the study nor the evaluations about to be added (``rows``) hold yet
    (as JSON), checked to fit in the budget left."""
    store = study.storage
    have = {_params_json(r.params) for r in store.trials(study._study_id)}
    have.update(_params_json(row[0]) for row in rows)
    new = []
    for params in points:
        text = _params_json(params)
        if text not in have:
            have.add(text)
            new.append(text)
    room = n_trials - store.total_count(study._study_id)
    if len(new) > room:
        raise InputError(f"`initial` has {len(new)} point(s) the study has not evaluated, more than the "
                         f"{max(room, 0)} trial(s) left of n_trials={n_trials}")
    return new


def _out_of_time(deadline) -> bool:
    return deadline is not None and time.monotonic() >= deadline


def _finished(study: Study, trial: Trial, out, seconds, bar, status, tracker: ProgressTracker) -> bool:
    """Store a finished trial, move the progress bar, ask the callbacks (True: stop)."""
    state = study._finish(trial, out.loss, out.error, seconds, out.curve, out.pruned)
    bar.advance(1, status=status(None if out.pruned else out.loss))
    return tracker.finished(trial.number, trial.params, out.loss, state)


def _run_serial(study: Study, objective, n_trials, deadline, bar, status, tracker) -> None:
    while not _out_of_time(deadline):
        trials = study._ask(1, n_trials)
        if not trials:
            break
        trial = trials[0]
        out = evaluate(objective, trial.params, study.pruning_context())
        if _finished(study, trial, out, out.seconds, bar, status, tracker):
            break


def _run_parallel(study: Study, runner, n_trials, deadline, bar, status, tracker) -> None:
    inflight: dict = {}
    # When a worker process dies (the objective crashed the interpreter, ran out of memory, ...)
    # the pool breaks and every trial in flight is lost with it, not only the one that killed
    # it. Those trials are run again one at a time: one that breaks the pool alone is the
    # culprit and fails; the others finish normally.
    suspects: list = []
    alone = None  # the future of a suspect running by itself
    exhausted = stop = False

    def record(trial, out):
        nonlocal stop, exhausted
        seconds = None if out.seconds != out.seconds else out.seconds
        stop = _finished(study, trial, out, seconds, bar, status, tracker) or stop
        exhausted = False if not study.optimizer.exhausted else exhausted

    while True:
        if suspects:
            if not inflight:
                trial = suspects.pop(0)
                alone = runner.submit(trial.params, study.pruning_context())
                inflight[alone] = trial
        else:
            free = runner.capacity - len(inflight)
            if free > 0 and not exhausted and not stop and not _out_of_time(deadline):
                trials = study._ask(free, n_trials)
                if not trials:
                    exhausted = True
                for trial in trials:
                    inflight[runner.submit(trial.params, study.pruning_context())] = trial
        if not inflight:
            break
        for future in runner.wait(inflight):
            if future not in inflight:  # settled with an earlier broken future of this batch
                continue
            trial = inflight.pop(future)
            if runner.broken(future) and runner.restarts and future is not alone and inflight:
                # lost with the pool next to other trials: run it again alone, and settle the
                # others in flight (finished before the break, or lost with it too). A trial
                # that breaks the pool alone (a suspect or the only one in flight) fails.
                suspects.append(trial)
                for other in list(inflight):
                    lost = inflight.pop(other)
                    if runner.broken(other):
                        suspects.append(lost)
                    else:
                        record(lost, runner.result(other))
                continue
            record(trial, runner.result(future))
        if alone is not None and alone not in inflight:
            alone = None


def _existing_storage(storage):
    """Open a storage that must already hold studies: reading never creates or initialises a file."""
    if isinstance(storage, str | os.PathLike):
        check_existing_store(storage)
    return as_storage(storage)


def _find_study(store, name):
    """The stored study called ``name`` (or the only one when ``name`` is None), with its name."""
    names = store.study_names()
    if name is None:
        if len(names) != 1:
            raise InputError(f"storage '{store.path}' holds {len(names)} studies ({', '.join(names) or 'none'}); "
                             "name one (`name`, or --study on the command line)")
        name = names[0]
    stored = store.get_study(name)
    if stored is None:
        raise InputError(f"study '{name}' not found in '{store.path}'; it holds: {', '.join(names) or 'no study'}")
    return name, stored
