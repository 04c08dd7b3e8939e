"""Stopping a study early: StopWhenStalled, StopAtLoss and custom callbacks."""

from __future__ import annotations

import numpy as np
import pytest

from scimlkit import InputError
from scimlkit.tune import (
    Float,
    StopAtLoss,
    StopWhenStalled,
    StudyProgress,
    minimize,
    read_study,
)

SPACE = {"x": Float(0.0, 1.0)}


def _quantised(p):
    return round(p["x"], 1)  # ten plateaus: improvements stop soon


def _expected_stop(values, patience, min_delta=0.0):
    """Where a study of these losses (in finishing order) should stop, written out by hand."""
    reference, at = np.inf, 0
    for i in range(1, len(values) + 1):
        best = min(values[:i])
        if best < reference - min_delta:
            reference = best
            at = int(np.argmin(values[:i])) + 1  # n_finished when the best trial finished
        if i - at >= patience:
            return i
    return None


@pytest.mark.parametrize("patience, min_delta", [(5, 0.0), (12, 0.0), (8, 0.15)])
def test_stop_when_stalled_stops_exactly_after_patience_trials(patience, min_delta):
    full = minimize(_quantised, SPACE, method="random", n_trials=150, rng=3)
    values = full.trials["value"].tolist()
    expected = _expected_stop(values, patience, min_delta)
    assert expected is not None and expected < 150
    res = minimize(_quantised, SPACE, method="random", n_trials=150, rng=3,
                   callbacks=[StopWhenStalled(patience, min_delta=min_delta)])
    assert len(res.trials) == expected
    assert res.trials["value"].tolist() == values[:expected]  # the same search, cut short
    assert "stopped early: the best loss did not improve" in res.message
    assert res.best_value == min(values[:expected])


def test_stop_at_loss_stops_at_the_first_trial_reaching_the_target():
    full = minimize(lambda p: p["x"], SPACE, method="random", n_trials=300, rng=1)
    values = np.array(full.trials["value"])
    first = int(np.flatnonzero(values <= 0.02)[0])
    res = minimize(lambda p: p["x"], SPACE, method="random", n_trials=300, rng=1, callbacks=StopAtLoss(0.02))
    assert len(res.trials) == first + 1 and res.best_trial == first
    assert f"trial {first} reached the target loss 0.02" in res.message


def test_a_callback_sees_every_finished_trial_and_may_stop_with_true():
    seen = []

    def watch(progress):
        seen.append(progress)
        return progress.n_finished == 7

    def loss(p):
        if p["x"] > 0.8:
            raise ValueError("diverged")
        return p["x"]

    res = minimize(loss, SPACE, method="random", n_trials=20, rng=0, callbacks=[watch])
    assert len(res.trials) == 7 and [p.number for p in seen] == list(range(7))
    frame = res.trials
    for k, progress in enumerate(seen):
        assert isinstance(progress, StudyProgress) and progress.study == "default"
        assert progress.n_finished == k + 1 and progress.state == frame["state"][k]
        done = frame.iloc[:k + 1]
        ok = done[done["state"] == "COMPLETE"]
        if len(ok):
            assert progress.best_value == ok["value"].min() and progress.best_trial == ok["value"].idxmin()
            assert progress.since_best == k - progress.best_trial
            assert progress.best_params == {"x": ok["value"].min()}
        if progress.state == "FAILED":
            assert progress.value is None
    assert "stopped early: callback watch asked to stop" in res.message


def test_a_resumed_study_counts_from_its_stored_best(tmp_path):
    path = tmp_path / "s.db"
    values = iter([0.5, 0.1, 0.4, 0.6, 0.7, 0.3, 0.8, 0.9, 0.35, 0.45] + [0.2] * 10)
    minimize(lambda p: next(values), SPACE, method="random", n_trials=10, rng=0, storage=str(path))
    # the best (trial 1) is 8 finished trials old: a patience of 5 stops after the next trial
    res = minimize(lambda p: next(values), SPACE, method="random", n_trials=20, rng=0, storage=str(path),
                   callbacks=[StopWhenStalled(5)])
    assert len(res.trials) == 11 and "in the last 9 trials (patience 5)" in res.message
    stored = read_study(path)
    assert len(stored.trials) == 11  # everything stored
    assert stored.message == res.message  # why it stopped, too (`tune show` says it)
    # once the study has run further, the old reason no longer applies
    minimize(lambda p: next(values), SPACE, method="random", n_trials=13, rng=0, storage=str(path))
    again = read_study(path)
    assert len(again.trials) == 13 and "stopped early" not in again.message


def test_a_stop_reason_is_void_once_queued_trials_run(tmp_path):
    path = str(tmp_path / "s.db")
    first = minimize(lambda p: p["x"], SPACE, method="random", n_trials=6, rng=0, storage=path,
                     initial=[{"x": 0.0}, {"x": 0.2}, {"x": 0.4}, {"x": 0.6}], callbacks=[StopAtLoss(0.5)])
    assert first.n_complete == 1 and first.n_pending == 3 and first.stop_reason is not None
    assert read_study(path).stop_reason == first.stop_reason
    # the queued trials are run (the count of trials does not change): the reason no longer applies
    second = minimize(lambda p: p["x"], SPACE, method="random", n_trials=4, rng=0, storage=path)
    assert second.n_complete == 4 and second.stop_reason is None and "stopped early" not in second.message
    assert read_study(path).stop_reason is None


def test_parallel_workers_start_nothing_after_a_stop():
    res = minimize(lambda p: p["x"], SPACE, method="random", n_trials=200, rng=0, n_workers=2,
                   callbacks=[lambda progress: progress.n_finished >= 6])
    assert 6 <= len(res.trials) <= 7 and res.n_pending == 0
    assert (res.trials["state"] == "COMPLETE").all()


def test_a_failing_callback_loses_no_trial(tmp_path):
    def broken(progress):
        if progress.n_finished == 3:
            raise RuntimeError("callback bug")

    path = tmp_path / "s.db"
    with pytest.raises(RuntimeError, match="callback bug"):
        minimize(lambda p: p["x"], SPACE, method="random", n_trials=10, rng=0, storage=str(path),
                 callbacks=[broken])
    stored = read_study(path)
    assert stored.n_complete == 3 and stored.n_pending == 0


def test_one_stopper_follows_one_study_at_a_time():
    stopper = StopWhenStalled(4)
    a = minimize(_quantised, SPACE, method="random", n_trials=100, rng=3, callbacks=[stopper], study="a")
    b = minimize(lambda p: 10 + _quantised(p), SPACE, method="random", n_trials=100, rng=3, callbacks=[stopper],
                 study="b")
    assert len(a.trials) == len(b.trials) < 100  # the second study does not inherit the first's best


def test_bad_callbacks_and_options_are_named():
    with pytest.raises(InputError, match="`callbacks` must be a list of callables"):
        minimize(lambda p: p["x"], SPACE, n_trials=2, callbacks="stop")
    with pytest.raises(InputError, match="`callbacks` must hold callables"):
        minimize(lambda p: p["x"], SPACE, n_trials=2, callbacks=[StopAtLoss(0.1), 3])
    with pytest.raises(InputError, match=r"such as StopWhenStalled\(...\), got the class"):
        minimize(lambda p: p["x"], SPACE, n_trials=2, callbacks=[StopWhenStalled])
    # a callback written for (study, trial), as Optuna calls them, is named before any trial runs
    ran = []
    with pytest.raises(InputError, match=r"one argument, a StudyProgress; <lambda> takes \(study, trial\)"):
        minimize(lambda p: ran.append(p) or p["x"], SPACE, n_trials=2, callbacks=[lambda study, trial: None])
    assert ran == []
    with pytest.raises(InputError, match="`patience`"):
        StopWhenStalled(0)
    with pytest.raises(InputError, match="`min_delta`"):
        StopWhenStalled(3, min_delta=-1.0)
    with pytest.raises(InputError, match="`target`"):
        StopAtLoss(float("nan"))
    assert repr(StopWhenStalled(3)) == "StopWhenStalled(patience=3, min_delta=0)"


def test_trials_another_worker_finishes_count(tmp_path):
    path = str(tmp_path / "s.db")
    seen = []
    first = [True]

    def loss(p):
        if first[0]:  # meanwhile another process working on the same study finishes trials 1-4
            first[0] = False
            minimize(lambda q: -1.0, SPACE, method="random", n_trials=5, rng=1, storage=path, study="s")
        return 1.0

    res = minimize(loss, SPACE, method="random", n_trials=30, rng=0, storage=path, study="s",
                   callbacks=[lambda progress: seen.append(progress), StopAtLoss(0.0)])
    assert len(res.trials) == 5 and "reached the target loss 0" in res.message
    assert seen[0].number == 0 and seen[0].value == 1.0
    assert seen[0].n_finished == 5 and seen[0].best_value == -1.0 and seen[0].storage == path


def test_one_stopper_on_two_stored_studies_of_the_same_name(tmp_path):
    a, b = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    minimize(lambda p: p["x"], SPACE, method="random", n_trials=5, rng=0, storage=a)
    values = iter(range(100, 0, -1))
    minimize(lambda p: next(values), SPACE, method="random", n_trials=20, rng=1, storage=b)  # best: the 20th
    stop = StopWhenStalled(10)
    minimize(lambda p: p["x"], SPACE, method="random", n_trials=15, rng=2, storage=a, callbacks=[stop])
    res = minimize(lambda p: 500.0, SPACE, method="random", n_trials=60, rng=3, storage=b, callbacks=[stop])
    fresh = minimize(lambda p: 500.0, SPACE, method="random", n_trials=60, rng=3, storage=str(tmp_path / "c.db"),
                     callbacks=[StopWhenStalled(10)])
    assert len(res.trials) == 30 and "in the last 10 trials" in res.message  # as a fresh stopper would
    assert len(fresh.trials) == 11  # the first trial is the best; ten more without a better one
