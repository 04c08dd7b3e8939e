"""Running objectives: in this process, in worker processes, or on a Dask cluster.

The study (optimiser and storage) always stays in the calling process; only ``objective(params)``
travels (with, when pruning, a snapshot of the finished trials' intermediate losses). Objectives
are serialised with cloudpickle when it is installed (so lambdas, closures and notebook functions
work), with the standard pickle otherwise.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import math
import multiprocessing
import numbers
import os
import pickle
import threading
import time
import traceback
from typing import NamedTuple

import numpy as np

from .._errors import InputError, require
from .._validation import describe
from ._pruning import StepLog, TrialPruned, run_with_steps

__all__ = ["evaluate", "as_value", "make_runner", "Heartbeat", "Outcome"]


class Outcome(NamedTuple):
    """What running one trial gave: the loss (None if failed or pruned without a loss), the error
    text of a failed trial, the seconds it took, the ``[step, loss]`` pairs it reported, and
    whether a pruner stopped it."""

    loss: float | None
    error: str | None
    seconds: float
    curve: list
    pruned: bool = False


def as_value(raw) -> tuple[float | None, str | None]:
    """Turn what an objective returned into ``(loss, error)``; a failed trial has an error text."""
    if isinstance(raw, np.ndarray) and raw.size == 1 and raw.dtype.kind in "iuf":
        raw = raw.reshape(()).item()
    if isinstance(raw, np.generic):
        raw = raw.item()
    if isinstance(raw, bool) or not isinstance(raw, numbers.Real):
        return None, (f"objective returned {type(raw).__name__} {describe(raw)}; it must return a real number "
                      "(the loss to minimise)")
    try:
        value = float(raw)
    except OverflowError:  # an int or Fraction beyond the float range
        return None, f"objective returned a number too large for a float ({describe(raw)})"
    if not math.isfinite(value):
        return None, f"objective returned {value}"
    return value, None


def evaluate(objective, params: dict, pruning: tuple | None = None) -> Outcome:
    """Call ``objective(params)`` and return its :class:`Outcome`.

    ``pruning`` is ``(pruner, history)``: the pruner (or None) and the finished trials'
    intermediate losses (a :class:`~scimlkit.tune.PruningHistory`) that
    :func:`~scimlkit.tune.report_step` compares the trial with.
    :class:`~scimlkit.tune.TrialPruned` ends the trial as pruned (with its last reported loss);
    any other exception (but ``KeyboardInterrupt`` / ``SystemExit``) makes it a failed trial.
    """
    log = StepLog(*(pruning or (None, None)))
    t0 = time.perf_counter()
    try:
        raw = run_with_steps(objective, dict(params), log)
    except TrialPruned:
        return Outcome(log.last_loss, None, time.perf_counter() - t0, log.curve, True)
    except Exception as exc:  # a failed trial, the study goes on
        text = f"{type(exc).__name__}: {exc}".strip()
        return Outcome(None, text, time.perf_counter() - t0, log.curve)
    value, error = as_value(raw)
    return Outcome(value, error, time.perf_counter() - t0, log.curve)


# -- serialisation of the objective -----------------------------------------------------------
def dump_objective(objective) -> bytes:
    try:
        import cloudpickle
    except ImportError:  # pragma: no cover - cloudpickle comes with dask
        cloudpickle = None
    try:
        if cloudpickle is not None:
            return cloudpickle.dumps(objective)
        return pickle.dumps(objective)
    except Exception as exc:
        raise InputError(
            f"`objective` must be picklable to run in worker processes, got {describe(objective)} ({exc}); "
            "define it at module level or install cloudpickle"
        ) from None


_WORKER_OBJECTIVES: dict[str, object] = {}


def _load(payload: bytes):
    key = hashlib.sha1(payload).hexdigest()
    objective = _WORKER_OBJECTIVES.get(key)
    if objective is None:
        objective = pickle.loads(payload)
        _WORKER_OBJECTIVES.clear()
        _WORKER_OBJECTIVES[key] = objective
    return objective


def _init_worker(payload: bytes, n_threads: int) -> None:
    # several workers share the machine: cap each one's native thread pools (BLAS, OpenMP) so
    # that n_workers x threads stays near the number of cores, as joblib's workers do
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(n_threads))
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(n_threads)
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        pass
    _load(payload)
    _WORKER_OBJECTIVES["__current__"] = _WORKER_OBJECTIVES[hashlib.sha1(payload).hexdigest()]
    _watch_parent()


def _watch_parent(interval: float = 1.0) -> None:
    """End this worker when the process that started it is gone (killed with SIGKILL, say):
    an orphaned worker would otherwise wait for work forever, holding memory and pipes."""
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="scimlkit-tune-parent-watch", daemon=True).start()


def _ping() -> int:
    return os.getpid()


def _run_current(params: dict, pruning=None):
    return evaluate(_WORKER_OBJECTIVES["__current__"], params, pruning)


def _run_payload(payload: bytes, params: dict, pruning=None):
    try:
        objective = _load(payload)
    except Exception as exc:
        return Outcome(None, f"objective could not be loaded in the worker: {type(exc).__name__}: {exc}", 0.0, [])
    return evaluate(objective, params, pruning)


# -- runners ----------------------------------------------------------------------------------
class _Runner:
    """Submit ``params`` and wait for the first finished evaluation."""

    capacity = 1
    restarts = False  # whether submit() replaces a broken pool (trials lost with it can run again)

    def submit(self, params: dict, pruning=None):
        raise NotImplementedError

    def wait(self, futures) -> set:
        raise NotImplementedError

    def broken(self, future) -> bool:
        """Whether ``future`` was lost to a worker process dying (its own trial or another's)."""
        return isinstance(future.exception(), cf.process.BrokenProcessPool)

    def result(self, future) -> Outcome:
        try:
            return Outcome(*future.result())
        except cf.process.BrokenProcessPool as exc:
            return Outcome(None, f"worker process died ({exc})", float("nan"), [])
        except Exception as exc:  # serialisation or transport errors
            text = f"{type(exc).__name__}: {exc}".strip() or traceback.format_exc(limit=1)
            return Outcome(None, text, float("nan"), [])

    def close(self, cancel: bool = False) -> None:
        pass


class _ProcessRunner(_Runner):
    """A private ``ProcessPoolExecutor`` (spawn context, so safe with threads in this process)."""

    restarts = True

    def __init__(self, objective, n_workers: int):
        self.capacity = n_workers
        self._payload = dump_objective(objective)
        self._pool = self._new_pool()
        try:  # workers that cannot start would fail every trial: say why instead
            self._pool.submit(_ping).result()
        except cf.process.BrokenProcessPool as exc:
            self._pool.shutdown(wait=False, cancel_futures=True)
            raise InputError(
                f"the worker processes died while starting ({exc}): the objective could not be loaded in "
                "them (its module must be importable there), or the main script was run again by each "
                "worker, which imports it: a script that runs trials in worker processes must keep its "
                "code under `if __name__ == \"__main__\":`") from None

    def _new_pool(self):
        n_threads = max(1, (os.cpu_count() or 1) // self.capacity)
        return cf.ProcessPoolExecutor(max_workers=self.capacity, mp_context=multiprocessing.get_context("spawn"),
                                      initializer=_init_worker, initargs=(self._payload, n_threads))

    def submit(self, params, pruning=None):
        try:
            return self._pool.submit(_run_current, params, pruning)
        except cf.process.BrokenProcessPool:  # a worker died earlier: start a fresh pool
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
            return self._pool.submit(_run_current, params, pruning)

    def wait(self, futures):
        done, _ = cf.wait(list(futures), return_when=cf.FIRST_COMPLETED)
        return done

    def close(self, cancel=False):
        self._pool.shutdown(wait=not cancel, cancel_futures=cancel)


class _ExecutorRunner(_Runner):
    """A user's ``concurrent.futures.Executor`` (left running afterwards)."""

    def __init__(self, objective, executor, n_workers: int):
        self.capacity = n_workers
        self._executor = executor
        if isinstance(executor, cf.ThreadPoolExecutor):
            self._payload = None
            self._objective = objective
        else:
            self._payload = dump_objective(objective)

    def submit(self, params, pruning=None):
        if self._payload is None:
            return self._executor.submit(evaluate, self._objective, params, pruning)
        return self._executor.submit(_run_payload, self._payload, params, pruning)

    def wait(self, futures):
        done, _ = cf.wait(list(futures), return_when=cf.FIRST_COMPLETED)
        return done

    def close(self, cancel=False):
        pass  # the executor belongs to the caller


class _DaskRunner(_Runner):
    """A ``dask.distributed.Client``: each trial is one task on the cluster."""

    def __init__(self, objective, client, n_workers: int | None):
        self._distributed = require("dask.distributed", "dask", "executor=<dask Client>")
        self._client = client
        if n_workers is None:
            n_workers = max(1, sum(client.nthreads().values()))
        self.capacity = n_workers
        self._payload = dump_objective(objective)

    def submit(self, params, pruning=None):
        return self._client.submit(_run_payload, self._payload, params, pruning, pure=False)

    def wait(self, futures):
        done, _ = self._distributed.wait(list(futures), return_when="FIRST_COMPLETED")
        return set(done)

    def close(self, cancel=False):
        pass


def _is_dask_client(obj) -> bool:
    return type(obj).__module__.startswith("distributed") and hasattr(obj, "submit") and hasattr(obj, "nthreads")


def make_runner(objective, n_workers: int | None, executor) -> _Runner | None:
    """The runner for ``n_workers`` / ``executor``; ``None`` means: evaluate in this process."""
    if executor is None:
        if n_workers is None or n_workers == 1:
            return None
        return _ProcessRunner(objective, n_workers)
    if _is_dask_client(executor):
        return _DaskRunner(objective, executor, n_workers)
    if isinstance(executor, cf.Executor):
        if n_workers is None:
            n_workers = int(getattr(executor, "_max_workers", 1) or 1)
        return _ExecutorRunner(objective, executor, n_workers)
    raise InputError(
        "`executor` must be a dask.distributed.Client or a concurrent.futures.Executor, "
        f"got {type(executor).__name__}"
    )


class Heartbeat:
    """A background thread that refreshes the heartbeat of a runner's trials in the storage."""

    def __init__(self, storage, owner: str, interval: float):
        self._storage, self._owner, self._interval = storage, owner, interval
        self._stop = threading.Event()
        self._thread = None

    def __enter__(self):
        if not self._storage.in_memory:
            self._thread = threading.Thread(target=self._loop, name="scimlkit-tune-heartbeat", daemon=True)
            self._thread.start()
        return self

    def _loop(self):
        while not self._stop.wait(self._interval):
            try:
                self._storage.heartbeat(self._owner)
            except Exception:  # a busy or vanished file must not kill the study; the next beat retries
                pass
        self._storage.close()

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)  # (a study collected in its own heartbeat thread cannot wait for it)
        return False
