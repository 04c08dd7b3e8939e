"""Pruning: stopping unpromising trials early from the losses they report along the way.

An objective that trains step by step (epochs, boosting rounds, growing subsets) calls
:func:`report_step` after each step with the loss so far. With a pruner given to
:func:`~scimlkit.tune.minimize`, the call raises :class:`TrialPruned` when the trial is doing
worse than the study's complete trials did at the same step; the trial is then recorded as
``PRUNED`` with the last loss it reported, and the study goes on. Outside a study, or in a study
without a pruner, :func:`report_step` only records the loss.

The trial being run compares itself with the complete trials known when it started (the study
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

__all__ = ["TrialPruned", "Pruner", "PercentilePruner", "MedianPruner", "report_step", "check_pruner"]


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

    >>> from scimlkit.tune import Pruner
    >>> class Threshold(Pruner):
    ...     def should_prune(self, steps, losses, history, n_complete):
    ...         return steps[-1] >= 3 and losses[-1] > 1.0
    >>> Threshold().should_prune([0, 1, 2, 3], [3.0, 2.0, 1.5, 1.2], {}, 0)
    True
    """

    def should_prune(self, steps: Sequence[int], losses: Sequence[float],
                     history: dict[int, np.ndarray], n_complete: int) -> bool:
        """Whether to stop a trial that reported ``losses`` at ``steps`` (the last is the latest).

        ``history`` maps a step to the sorted losses the complete trials reported at that step;
        ``n_complete`` is how many complete trials the study had.
        """
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
        No pruning until the study has this many complete trials.
    n_warmup_steps : int, default 0
        No pruning at steps below this.
    interval_steps : int, default 1
        Check only every this many steps after the warm-up (a check that falls on a step the
        trial did not report is made at its next reported step).
    n_min_trials : int, default 1
        No pruning at a step that fewer complete trials reported.

    Examples
    --------
    >>> import numpy as np
    >>> from scimlkit.tune import PercentilePruner
    >>> pruner = PercentilePruner(25.0, n_startup_trials=2)
    >>> history = {0: np.array([0.5, 0.6, 0.7, 0.9])}
    >>> pruner.should_prune([0], [0.65], history, n_complete=4)
    True
    >>> pruner.should_prune([0], [0.55], history, n_complete=4)
    False
    """

    def __init__(self, percentile: float, *, n_startup_trials: int = 5, n_warmup_steps: int = 0,
                 interval_steps: int = 1, n_min_trials: int = 1):
        self.percentile = check_scalar(percentile, "percentile", low=0.0, high=100.0)
        self.n_startup_trials = check_int(n_startup_trials, "n_startup_trials", low=0)
        self.n_warmup_steps = check_int(n_warmup_steps, "n_warmup_steps", low=0)
        self.interval_steps = check_int(interval_steps, "interval_steps", low=1)
        self.n_min_trials = check_int(n_min_trials, "n_min_trials", low=1)

    def should_prune(self, steps, losses, history, n_complete) -> bool:
        if not len(steps):
            return False
        step, loss = int(steps[-1]), float(losses[-1])
        if math.isnan(loss):
            return True
        if n_complete < self.n_startup_trials or step < self.n_warmup_steps:
            return False
        # checks fall every interval_steps after the warm-up; one that falls on a step the trial
        # did not report is made at its next reported step
        boundary = (step - self.n_warmup_steps) // self.interval_steps * self.interval_steps + self.n_warmup_steps
        previous = int(steps[-2]) if len(steps) > 1 else -1
        if previous >= boundary:
            return False
        others = history.get(step)
        if others is None or len(others) < self.n_min_trials:
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


def check_pruner(pruner) -> Pruner | None:
    """``None``, a :class:`Pruner`, or a name (``"median"``, ``"none"``)."""
    if pruner is None or isinstance(pruner, Pruner):
        return pruner
    if isinstance(pruner, str) and pruner.lower() in ("median", "none"):
        return MedianPruner() if pruner.lower() == "median" else None
    raise InputError(f"`pruner` must be None, 'median', 'none' or a scimlkit.tune Pruner, got {describe(pruner)}")


# -- the running trial ------------------------------------------------------------------------
class StepLog:
    """The steps and losses one running trial reported, and the pruning context it runs in."""

    def __init__(self, pruner: Pruner | None = None, curves: Sequence | None = None):
        self.pruner = pruner
        self.steps: list[int] = []
        self.losses: list[float] = []
        self.n_complete = len(curves or ())
        by_step: dict[int, list[float]] = {}
        for curve in curves or ():
            for step, loss in curve:
                if loss is not None and math.isfinite(loss):
                    by_step.setdefault(int(step), []).append(float(loss))
        self.history = {s: np.sort(np.asarray(v)) for s, v in by_step.items()}

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
        return bool(self.pruner.should_prune(self.steps, self.losses, self.history, self.n_complete))

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
    doing worse than the study's complete trials did at the same step; let it propagate (the
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
