"""Stopping a study early: callbacks that see each finished trial and may end the search.

``minimize(..., callbacks=[...])`` calls every callback after each trial it finishes with a
:class:`StudyProgress`; a callback that returns something true (``True`` or a sentence saying
why) stops the study: no new trial starts, the running ones finish and are stored.
"""

from __future__ import annotations

import inspect
import math
import time
from dataclasses import dataclass
from typing import Any

from .._errors import InputError
from .._results import Result
from .._validation import check_int, check_scalar, describe

__all__ = ["StudyProgress", "StopWhenStalled", "StopAtLoss"]


@dataclass(frozen=True, slots=True)
class StudyProgress(Result):
    """Where a study stands after one more finished trial (what a callback receives).

    Attributes
    ----------
    study : str
        The study's name.
    storage : str or None
        Its storage file (None for an in-memory study).
    number : int
        The trial that just finished.
    state : str
        ``"COMPLETE"``, ``"FAILED"`` or ``"PRUNED"``.
    value : float or None
        Its loss (for a pruned trial the last loss it reported; None for a failed one).
    params : dict
        Its parameters.
    n_finished : int
        Finished trials of the study: those stored before this call and those other processes
        finished meanwhile included.
    best_value : float
        The best loss of a complete trial so far (infinity before the first).
    best_trial : int
        Its number (-1 before the first complete trial).
    best_params : dict or None
        Its parameters.
    since_best : int
        Trials finished after the best one (all finished trials before the first complete one).
    elapsed : float
        Seconds since this call of :func:`minimize` started.
    """

    study: str
    storage: str | None
    number: int
    state: str
    value: float | None
    params: dict
    n_finished: int
    best_value: float
    best_trial: int
    best_params: dict | None
    since_best: int
    elapsed: float


class StopWhenStalled:
    """Stop when the best loss has not improved for ``patience`` finished trials.

    Parameters
    ----------
    patience : int
        How many finished trials (complete, failed or pruned) may pass without a new best.
    min_delta : float, default 0.0
        A new best counts as an improvement only when it is lower than the best before it by
        more than this (in loss units).

    Notes
    -----
    Leave the search room to work: ``gp`` starts with a space-filling design of 8 to 10 trials
    and its first model-guided trials often explore, so a patience below about 15 can stop it
    before the model has had its say.

    The trials of a resumed study count, those stored by earlier runs too: a study that had
    already stalled stops after its first new trial, whose message then counts more trials than
    ``patience`` (the best is older than the trials of this run).

    Examples
    --------
    >>> from scimlkit.tune import Float, StopWhenStalled, minimize
    >>> res = minimize(lambda p: round(p["x"], 1), {"x": Float(0, 1)}, method="random", n_trials=500,
    ...                rng=0, callbacks=[StopWhenStalled(20)])
    >>> len(res.trials) < 500, res.best_value
    (True, 0.0)
    """

    def __init__(self, patience: int, *, min_delta: float = 0.0) -> None:
        self.patience = check_int(patience, "patience", low=1)
        self.min_delta = check_scalar(min_delta, "min_delta", low=0.0)
        self._reference = math.inf  # the best loss that counted as an improvement
        self._at = 0  # n_finished when it was reached
        self._seen: tuple | None = None  # the study followed (storage, name) and its last n_finished

    def __call__(self, progress: StudyProgress) -> str | None:
        study = (progress.storage, progress.study)
        if (self._seen is None or self._seen[0] != study or progress.n_finished <= self._seen[1]
                or progress.best_value > self._reference):
            self._reference, self._at = math.inf, 0  # another study (or a fresh one): start over
        self._seen = (study, progress.n_finished)
        if progress.best_value < self._reference - self.min_delta:
            self._reference = progress.best_value
            self._at = progress.n_finished - progress.since_best
        stalled = progress.n_finished - self._at
        if stalled >= self.patience:
            gain = f" by more than {self.min_delta:g}" if self.min_delta else ""
            return f"the best loss did not improve{gain} in the last {stalled} trials (patience {self.patience})"
        return None

    def __repr__(self) -> str:
        return f"StopWhenStalled(patience={self.patience}, min_delta={self.min_delta:g})"


class StopAtLoss:
    """Stop as soon as a complete trial reaches a loss of ``target`` or lower.

    Examples
    --------
    >>> from scimlkit.tune import Float, StopAtLoss, minimize
    >>> res = minimize(lambda p: p["x"], {"x": Float(0, 1)}, method="random", n_trials=200, rng=0,
    ...                callbacks=[StopAtLoss(0.01)])
    >>> len(res.trials) < 200, res.best_value <= 0.01
    (True, True)
    """

    def __init__(self, target: float) -> None:
        self.target = check_scalar(target, "target")

    def __call__(self, progress: StudyProgress) -> str | None:
        if progress.best_value <= self.target:
            return f"trial {progress.best_trial} reached the target loss {self.target:g}"
        return None

    def __repr__(self) -> str:
        return f"StopAtLoss({self.target:g})"


def check_callbacks(callbacks) -> list:
    """``callbacks`` as a list of callables (None: none)."""
    if callbacks is None:
        return []
    if callable(callbacks):
        callbacks = [callbacks]
    if isinstance(callbacks, str | bytes) or not hasattr(callbacks, "__iter__"):
        raise InputError(f"`callbacks` must be a list of callables, got {describe(callbacks)}")
    out = list(callbacks)
    for cb in out:
        if isinstance(cb, type):
            raise InputError(f"`callbacks` must hold callables such as {cb.__name__}(...), got the class "
                             f"{cb.__name__} itself")
        if not callable(cb):
            raise InputError(f"`callbacks` must hold callables, got {describe(cb)}")
        try:
            signature = inspect.signature(cb)
        except (TypeError, ValueError):  # a callable Python cannot describe: called as it is
            continue
        try:
            signature.bind(None)
        except TypeError:
            name = getattr(cb, "__name__", None) or type(cb).__name__
            raise InputError(f"`callbacks` are called with one argument, a StudyProgress; {name} takes "
                             f"{signature}") from None
    return out


class ProgressTracker:
    """Follows a study's finished trials for the callbacks, from its storage: those stored
    before the call and those other processes finish meanwhile count too."""

    def __init__(self, study, callbacks: list) -> None:
        self.study = study
        self.callbacks = callbacks
        self.start = time.monotonic()
        self.n_finished = 0
        self.best = (math.inf, -1, None)
        self.best_at = 0  # n_finished just after the best trial finished
        self.seq = 0
        self.reason: str | None = None
        self._read()

    def _read(self) -> None:
        """Take in the trials finished since the last read, in finishing order."""
        from ._storage import COMPLETE

        for r in self.study.storage.finished_since(self.study._study_id, self.seq):
            self.seq = max(self.seq, int(r.finish_seq))
            if r.attempts > 0:  # an evaluation added from elsewhere is a best to beat, not a trial run
                self.n_finished += 1
            if r.state == COMPLETE and r.value is not None and r.value < self.best[0]:
                self.best = (float(r.value), int(r.number), dict(r.params))
                self.best_at = self.n_finished

    def finished(self, number: int, params: dict[str, Any], loss: float | None, state: str) -> bool:
        """Take in one finished (and stored) trial and ask the callbacks; True when the study
        should stop."""
        if not self.callbacks or self.reason is not None:
            return self.reason is not None
        self._read()
        storage = self.study.storage
        progress = StudyProgress(
            study=self.study.name, storage=None if storage.in_memory else str(storage.path), number=int(number),
            state=state, value=None if loss is None else float(loss), params=dict(params),
            n_finished=self.n_finished, best_value=self.best[0], best_trial=self.best[1],
            best_params=None if self.best[2] is None else dict(self.best[2]),
            since_best=self.n_finished - self.best_at, elapsed=time.monotonic() - self.start)
        for cb in self.callbacks:
            said = cb(progress)
            if said:
                name = getattr(cb, "__name__", None) or repr(cb)
                self.reason = said if isinstance(said, str) else f"callback {name} asked to stop"
                return True
        return False
