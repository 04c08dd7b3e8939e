"""Pruning: stopping unpromising trials early from the losses they report along the way.

An objective that trains step by step (epochs, boosting rounds, growing subsets) calls
:func:`report_step` after each step with the loss so far. With a pruner given to
:func:`~scimlkit.tune.minimize`, the call raises :class:`TrialPruned` when the trial is doing
worse than the study's finished trials did at the same step (the median of the complete
trials' losses there, or a rung of successive halving); the trial is then recorded as
``PRUNED`` with the last loss it reported, and the study goes on. Outside a study, or in a study
without a pruner, :func:`report_step` only records the loss.

The trial being run compares itself with the finished trials known when it started (the study
hands the runner a snapshot of their intermediate losses), so pruning works the same way in this
process, in worker processes and on a Dask cluster; with several workers a trial does not see the
trials that complete while it runs.
"""

from __future__ import annotations

import contextvars
import math
import numbers
from collections.abc import Sequence

import numpy as np

from .._errors import InputError
from .._validation import check_int, check_scalar, describe

__all__ = ["TrialPruned", "Pruner", "PercentilePruner", "MedianPruner", "SuccessiveHalvingPruner", "PruningHistory",
           "report_step", "check_pruner"]


class TrialPruned(Exception):  # noqa: N818 - the name says what happened, as Optuna's does
    """Raised inside an objective to stop the trial early (by :func:`report_step`, or by hand).

    Examples
    --------
    >>> from scimlkit.tune import Float, TrialPruned, minimize, report_step
    >>> def objective(p):
    ...     report_step(p["x"], 0)
    ...     if p["x"] > 0.5:  # a rule of the user's own
    ...         raise TrialPruned("x above 0.5")
    ...     return p["x"]
    >>> res = minimize(objective, {"x": Float(0, 1)}, method="random", n_trials=10, rng=0)
    >>> res.n_pruned + res.n_complete, res.best_value <= 0.5
    (10, True)
    """


class Pruner:
    """Base class of the pruners: decides from a trial's reported losses whether to stop it.

    Subclasses implement :meth:`should_prune`.

    Examples
    --------
    A pruner that stops any trial whose loss is still above 1 after step 3:

    >>> from scimlkit.tune import Pruner, PruningHistory
    >>> class Threshold(Pruner):
    ...     def should_prune(self, steps, losses, history):
    ...         return steps[-1] >= 3 and losses[-1] > 1.0
    >>> Threshold().should_prune([0, 1, 2, 3], [3.0, 2.0, 1.5, 1.2], PruningHistory())
    True
    """

    def should_prune(self, steps: Sequence[int], losses: Sequence[float], history: PruningHistory) -> bool:
        """Whether to stop a trial that reported ``losses`` at ``steps`` (the last is the latest),
        given the study's finished trials (:class:`PruningHistory`)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class PercentilePruner(Pruner):
    """Stop a trial whose best loss so far is worse than a percentile of the complete trials' losses
    at the same step.

    At a step it checks, the trial's best reported loss up to that step is compared with the
    ``percentile``-th percentile of the losses the complete trials reported at exactly that step;
    the trial is pruned when it is strictly worse (higher). A NaN loss prunes at once. The rule
    and its options follow Optuna's ``PercentilePruner``, so a study moves from one to the other
    without surprises.

    Parameters
    ----------
    percentile : float
        In [0, 100]; 50 is the median, 25 keeps only trials in the best quarter (more pruning).
    n_startup_trials : int, default 5
        No pruning until the study has this many complete trials (run by the study or added
        to it, as in Optuna).
    n_warmup_steps : int, default 0
        No pruning at steps below this.
    interval_steps : int, default 1
        Check only every this many steps after the warm-up (a check that falls on a step the
        trial did not report is made at its next reported step).
    n_min_trials : int, default 1
        No pruning at a step that fewer complete trials reported.

    Examples
    --------
    >>> from scimlkit.tune import PercentilePruner, PruningHistory
    >>> pruner = PercentilePruner(25.0, n_startup_trials=2)
    >>> history = PruningHistory([("COMPLETE", [[0, v]]) for v in (0.5, 0.6, 0.7, 0.9)])
    >>> pruner.should_prune([0], [0.65], history)
    True
    >>> pruner.should_prune([0], [0.55], history)
    False
    """

    def __init__(self, percentile: float, *, n_startup_trials: int = 5, n_warmup_steps: int = 0,
                 interval_steps: int = 1, n_min_trials: int = 1):
        self.percentile = check_scalar(percentile, "percentile", low=0.0, high=100.0)
        self.n_startup_trials = check_int(n_startup_trials, "n_startup_trials", low=0)
        self.n_warmup_steps = check_int(n_warmup_steps, "n_warmup_steps", low=0)
        self.interval_steps = check_int(interval_steps, "interval_steps", low=1)
        self.n_min_trials = check_int(n_min_trials, "n_min_trials", low=1)

    def should_prune(self, steps, losses, history) -> bool:
        if not len(steps):
            return False
        step, loss = int(steps[-1]), float(losses[-1])
        if math.isnan(loss):
            return True
        if history.n_complete < self.n_startup_trials or step < self.n_warmup_steps:
            return False
        # checks fall every interval_steps after the warm-up; one that falls on a step the trial
        # did not report is made at its next reported step
        boundary = (step - self.n_warmup_steps) // self.interval_steps * self.interval_steps + self.n_warmup_steps
        previous = int(steps[-2]) if len(steps) > 1 else -1
        if previous >= boundary:
            return False
        others = history.complete_at(step)
        if len(others) < self.n_min_trials:
            return False
        best = float(np.nanmin(np.asarray(losses, dtype=float)))
        return best > float(np.percentile(others, self.percentile))


class MedianPruner(PercentilePruner):
    """Stop a trial whose best loss so far is worse than the median of the complete trials' losses
    at the same step (:class:`PercentilePruner` at 50).

    Examples
    --------
    >>> from scimlkit.tune import Float, MedianPruner, minimize, report_step
    >>> def objective(p):
    ...     loss = 1.0
    ...     for epoch in range(20):
    ...         loss = loss * (1 - p["lr"]) + 0.001 * epoch
    ...         report_step(loss, epoch)
    ...     return loss
    >>> res = minimize(objective, {"lr": Float(0.01, 0.5, log=True)}, method="random",
    ...                n_trials=30, pruner=MedianPruner(), rng=0)
    >>> res.n_pruned > 0 and res.best_params["lr"] > 0.3
    True
    """

    def __init__(self, *, n_startup_trials: int = 5, n_warmup_steps: int = 0, interval_steps: int = 1,
                 n_min_trials: int = 1):
        super().__init__(50.0, n_startup_trials=n_startup_trials, n_warmup_steps=n_warmup_steps,
                         interval_steps=interval_steps, n_min_trials=n_min_trials)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if k != "percentile")
        return f"MedianPruner({args})"


class SuccessiveHalvingPruner(Pruner):
    """Asynchronous successive halving: at each rung, keep a trial only if it is in the best
    ``1 / reduction_factor`` of the trials that reached that rung.

    Rung ``k`` lies at step ``min_resource * reduction_factor ** (min_early_stopping_rate + k)``.
    When a trial first reports a step at or beyond a rung, its loss there is compared with the
    losses the study's finished trials (complete and pruned) had at that rung; it goes on only if
    it ranks within the best ``len(competitors) // reduction_factor`` (or is the best, while there
    are fewer than ``reduction_factor`` of them). The rule and its options follow Optuna's
    ``SuccessiveHalvingPruner`` (the same decisions when every step is reported; trials added
    from an earlier study compete with their reported losses, which Optuna's pruner ignores for
    trials added with ``add_trial``), which is the
    usual partner of model-based samplers such as TPE or ``gp``: it prunes more aggressively
    than the median rule on long trainings.

    Parameters
    ----------
    min_resource : int or "auto", default "auto"
        The step of the first rung; ``"auto"`` uses a hundredth of the longest complete trial's
        last step (at least 1), and prunes nothing before a trial has completed. (Optuna fixes
        it at the first estimate and leaves the trials that ran before then out of the rungs;
        here it is re-estimated for every trial and every finished trial counts.)
    reduction_factor : int, default 4
        At least 2.
    min_early_stopping_rate : int, default 0
        Skips the first rungs.
    bootstrap_count : int, default 0
        A trial is pruned at a rung that fewer than this many other trials reached.

    Examples
    --------
    >>> from scimlkit.tune import PruningHistory, SuccessiveHalvingPruner
    >>> pruner = SuccessiveHalvingPruner(min_resource=1, reduction_factor=2)
    >>> history = PruningHistory([("COMPLETE", [[0, 0.9], [1, 0.5], [2, 0.4]]),
    ...                           ("PRUNED", [[0, 0.8], [1, 0.7]])])
    >>> pruner.should_prune([0, 1], [0.95, 0.6], history)   # rung at step 1: 2nd of 3
    True
    >>> pruner.should_prune([0, 1], [0.95, 0.45], history)  # best at that rung: goes on
    False
    """

    def __init__(self, *, min_resource: int | str = "auto", reduction_factor: int = 4,
                 min_early_stopping_rate: int = 0, bootstrap_count: int = 0):
        if not (isinstance(min_resource, str) and min_resource == "auto"):
            min_resource = check_int(min_resource, "min_resource", low=1)
        self.min_resource = min_resource
        self.reduction_factor = check_int(reduction_factor, "reduction_factor", low=2)
        self.min_early_stopping_rate = check_int(min_early_stopping_rate, "min_early_stopping_rate", low=0)
        self.bootstrap_count = check_int(bootstrap_count, "bootstrap_count", low=0)

    def _rung_step(self, min_resource: int, rung: int) -> int:
        return min_resource * self.reduction_factor ** (self.min_early_stopping_rate + rung)

    def should_prune(self, steps, losses, history) -> bool:
        if not len(steps):
            return False
        step, loss = int(steps[-1]), float(losses[-1])
        previous = int(steps[-2]) if len(steps) > 1 else -1
        min_resource = self.min_resource
        if min_resource == "auto":
            last = [int(s[-1]) for state, s, _ in history.trials if state == "COMPLETE" and len(s)]
            if not last:
                return False
            min_resource = max(max(last) // 100, 1)
        rung = 0
        while self._rung_step(min_resource, rung) <= previous:  # rungs passed at earlier reports
            rung += 1
        while self._rung_step(min_resource, rung) <= step:
            if math.isnan(loss):
                return True
            competing = history.rung_values(self._rung_step(min_resource, rung))
            if len(competing) + 1 <= self.bootstrap_count:
                return True
            ranked = np.sort(np.append(competing, loss))
            keep = max(len(ranked) // self.reduction_factor - 1, 0)
            if loss > ranked[keep]:
                return True
            rung += 1
        return False


def check_pruner(pruner) -> Pruner | None:
    """``None``, a :class:`Pruner`, or a name (``"median"``, ``"halving"``, ``"none"``)."""
    if pruner is None or isinstance(pruner, Pruner):
        return pruner
    if isinstance(pruner, str) and pruner.lower() in PRUNER_NAMES:
        return PRUNER_NAMES[pruner.lower()]()
    raise InputError("`pruner` must be None, 'median', 'halving', 'none' or a scimlkit.tune Pruner, "
                     f"got {describe(pruner)}")


# the pruners a name stands for (in ``pruner=...``, a tuning spec and ``--pruner``)
PRUNER_NAMES = {"none": lambda: None, "median": MedianPruner, "halving": SuccessiveHalvingPruner}


# -- what the pruners see -----------------------------------------------------------------------
class PruningHistory:
    """The study's finished trials as a pruner sees them: each one's state and reported losses.

    Parameters
    ----------
    trials : sequence of (state, [[step, loss], ...])
        The finished trials (``"COMPLETE"`` or ``"PRUNED"``) that reported losses.
    n_complete : int, optional
        How many complete trials the study had (default: those among ``trials``).

    Examples
    --------
    >>> from scimlkit.tune import PruningHistory
    >>> h = PruningHistory([("COMPLETE", [[0, 0.5], [1, 0.3]]), ("PRUNED", [[0, 0.9]])])
    >>> h.n_complete, h.complete_at(0).tolist(), h.rung_values(1).tolist()
    (1, [0.5], [0.3])
    """

    def __init__(self, trials: Sequence = (), n_complete: int | None = None):
        self.trials = []
        for i, item in enumerate(trials):
            try:
                state, curve = item
                arr = np.asarray(curve, dtype=float).reshape(-1, 2)
            except (TypeError, ValueError):
                raise InputError(f"`trials[{i}]` must be (state, [[step, loss], ...]), got {describe(item)}") from None
            if state not in ("COMPLETE", "PRUNED"):
                raise InputError(f"`trials[{i}]`: the state must be 'COMPLETE' or 'PRUNED', got {describe(state)}")
            steps = arr[:, 0]
            if not np.all(np.isfinite(steps)) or np.any(steps < 0) or np.any(steps != np.round(steps)) \
                    or np.any(np.diff(steps) <= 0):
                raise InputError(f"`trials[{i}]`: steps must be increasing integers >= 0, got {steps.tolist()}")
            self.trials.append((state, steps.astype(int), arr[:, 1]))
        if n_complete is None:
            n_complete = sum(state == "COMPLETE" for state, _, _ in self.trials)
        self.n_complete = int(n_complete)
        by_step: dict[int, list[float]] = {}
        for state, s, v in self.trials:
            if state == "COMPLETE":
                for step, loss in zip(s.tolist(), v.tolist(), strict=True):
                    if math.isfinite(loss):
                        by_step.setdefault(step, []).append(loss)
        self._complete = {s: np.sort(np.asarray(v)) for s, v in by_step.items()}

    def complete_at(self, step: int) -> np.ndarray:
        """The finite losses the complete trials reported at exactly ``step``, sorted."""
        return self._complete.get(int(step), np.empty(0))

    def rung_values(self, rung_step: int) -> np.ndarray:
        """Each finished trial's loss at the first step it reported at or beyond ``rung_step``
        (trials that stopped before it are left out)."""
        out = []
        for _, s, v in self.trials:
            i = int(np.searchsorted(s, rung_step))
            if i < len(s):
                out.append(v[i])
        return np.asarray(out, dtype=float)


# -- the running trial ------------------------------------------------------------------------
class StepLog:
    """The steps and losses one running trial reported, and the pruning context it runs in."""

    def __init__(self, pruner: Pruner | None = None, history: PruningHistory | None = None):
        self.pruner = pruner
        self.history = history if history is not None else PruningHistory()
        self.steps: list[int] = []
        self.losses: list[float] = []

    def add(self, loss, step=None) -> bool:
        """Record a loss; returns whether the pruner stops the trial here."""
        if isinstance(loss, np.generic):
            loss = loss.item()
        if isinstance(loss, bool) or not isinstance(loss, numbers.Real):
            raise InputError(f"`loss` reported at a step must be a real number, got {describe(loss)}")
        loss = float(loss)
        if step is None:
            step = self.steps[-1] + 1 if self.steps else 0
        step = check_int(step, "step", low=0)
        if self.steps and step <= self.steps[-1]:
            raise InputError(f"steps must increase: got step {step} after step {self.steps[-1]}")
        self.steps.append(step)
        self.losses.append(loss)
        if self.pruner is None:
            return False
        return bool(self.pruner.should_prune(self.steps, self.losses, self.history))

    @property
    def curve(self) -> list[list]:
        return [[s, v] for s, v in zip(self.steps, self.losses, strict=True)]

    @property
    def last_loss(self) -> float | None:
        """The last finite reported loss (None if there is none)."""
        for v in reversed(self.losses):
            if math.isfinite(v):
                return v
        return None


_CURRENT: contextvars.ContextVar[StepLog | None] = contextvars.ContextVar("scimlkit_tune_trial", default=None)


def report_step(loss, step: int | None = None) -> None:
    """Report the loss a trial reached after a step; raises :class:`TrialPruned` to stop it early.

    Call it from inside an objective run by :func:`~scimlkit.tune.minimize`, after each epoch,
    boosting round or other unit of work, with the same kind of loss the objective returns
    (lower is better). With a ``pruner`` the call raises :class:`TrialPruned` when the trial is
    doing worse than the study's finished trials did at the same step; let it propagate (the
    trial is recorded as ``PRUNED`` with its last reported loss). Outside a study it does nothing.

    Parameters
    ----------
    loss : float
        The loss after this step (a NaN prunes the trial when a pruner is set).
    step : int, optional
        The step (0, 1, 2, ...; strictly increasing within a trial). Default: one more than the
        previous step, starting at 0.

    Examples
    --------
    >>> from scimlkit.tune import report_step
    >>> report_step(0.4, step=0)  # outside a study: nothing happens
    """
    log = _CURRENT.get()
    if log is None:
        return
    if log.add(loss, step):
        raise TrialPruned(f"pruned at step {log.steps[-1]} (loss {log.losses[-1]:.6g})")


def run_with_steps(func, params: dict, log: StepLog):
    """Call ``func(params)`` with ``log`` as the running trial's step log."""
    token = _CURRENT.set(log)
    try:
        return func(params)
    finally:
        _CURRENT.reset(token)
