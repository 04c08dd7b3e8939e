"""Studies: minimize, ask/tell, failed trials, persistence, resume, crashes and killed workers."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from scimlkit._errors import InputError, StorageError
from scimlkit.tune import (
    Categorical,
    Float,
    Int,
    Study,
    StudyResult,
    StudyStorage,
    minimize,
    read_study,
)

SPACE = {"x": Float(-2.0, 2.0), "n": Int(1, 4), "kind": Categorical(["a", "b"])}


def loss(p):
    return (p["x"] - 0.5) ** 2 + 0.1 * p["n"] + (0.0 if p["kind"] == "a" else 0.3)


def test_minimize_returns_every_trial_and_the_best():
    res = minimize(loss, SPACE, method="random", n_trials=25, rng=0)
    assert isinstance(res, StudyResult)
    frame = res.to_frame()
    assert len(frame) == 25 and res.n_complete == 25 and res.n_failed == 0
    assert list(frame.columns[:6]) == ["number", "state", "value", "param_x", "param_n", "param_kind"]
    assert frame["number"].tolist() == list(range(25))
    # the best is the minimum of the recorded values, and its params give that value
    assert res.best_value == frame["value"].min()
    assert loss(res.best_params) == pytest.approx(res.best_value)
    assert frame.loc[res.best_trial, "value"] == res.best_value
    # convergence is the running minimum
    np.testing.assert_allclose(res.convergence, np.minimum.accumulate(frame["value"].to_numpy()))
    assert res.trials_to_reach(res.best_value) == res.best_trial + 1
    assert res.trials_to_reach(-1.0) is None
    assert res.method == "random" and res.method_used == "random"
    d = res.to_dict()
    assert d["best_params"] == res.best_params and len(d["trials"]) == 25


def test_same_seed_same_study():
    a = minimize(loss, SPACE, method="sobol", n_trials=8, rng=3).to_frame()
    b = minimize(loss, SPACE, method="sobol", n_trials=8, rng=3).to_frame()
    assert a["value"].tolist() == b["value"].tolist()
    c = minimize(loss, SPACE, method="sobol", n_trials=8, rng=4).to_frame()
    assert a["value"].tolist() != c["value"].tolist()


def test_failed_trials_are_recorded_and_the_study_goes_on():
    def objective(p):
        if p["n"] == 1:
            raise RuntimeError("diverged")
        if p["n"] == 2:
            return math.nan
        if p["n"] == 3:
            return "not a number"
        return loss(p)

    res = minimize(objective, SPACE, method="random", n_trials=30, rng=1)
    frame = res.to_frame()
    assert res.n_complete + res.n_failed == 30
    failed = frame[frame.state == "FAILED"]
    assert set(failed["param_n"]) == {1, 2, 3}
    errors = dict(zip(failed["param_n"], failed["error"]))
    assert errors[1] == "RuntimeError: diverged"
    assert errors[2] == "objective returned nan"
    assert "objective returned str 'not a number'" in errors[3] and "real number" in errors[3]
    assert failed["value"].isna().all()
    assert res.best_params["n"] == 4
    assert res.best_value == frame.loc[frame.state == "COMPLETE", "value"].min()


@pytest.mark.parametrize("bad", [[1.0, 2.0], "0.5", None, True, {"loss": 1.0}, 10**400])
def test_objective_returning_a_non_number_fails_the_trial(bad):
    res = minimize(lambda p: bad, {"x": Float(0, 1)}, method="random", n_trials=3, rng=0)
    assert res.n_failed == 3 and res.n_complete == 0
    assert res.best_params is None and math.isnan(res.best_value) and res.best_trial == -1
    assert "no trial completed" in res.message
    assert "must return a real number" in res.message or "too large for a float" in res.message
    assert np.isnan(res.convergence).all()


def test_numpy_scalars_and_one_element_arrays_are_numbers():
    res = minimize(lambda p: np.array([p["x"]]), {"x": Float(0, 1)}, method="random", n_trials=3, rng=0)
    assert res.n_complete == 3
    res = minimize(lambda p: np.float32(p["x"]), {"x": Float(0, 1)}, method="random", n_trials=3, rng=0)
    assert res.n_complete == 3


def test_grid_stops_when_exhausted():
    res = minimize(lambda p: p["n"], {"n": Int(1, 3)}, method="grid", n_trials=10)
    assert len(res.trials) == 3 and res.best_params == {"n": 1}


def test_timeout_stops_new_trials():
    # 1000 trials of 50 ms would take 50 s; the 0.3 s timeout must stop the study after a few
    # (counted, not timed: the wall clock of a loaded machine proves nothing)
    res = minimize(lambda p: time.sleep(0.05) or p["x"], {"x": Float(0, 1)}, method="random",
                   n_trials=1000, timeout=0.3, rng=0)
    assert 1 <= res.n_complete < 100


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n_trials": 0}, "`n_trials` must be in"),
    ({"n_trials": 2.5}, "`n_trials` must be an integer"),
    ({"n_trials": 5, "method": "annealing"}, "`method` must be one of"),
    ({"n_trials": 5, "method": 3}, "`method` must be one of"),
    ({"n_trials": 5, "n_workers": 0}, "`n_workers`"),
    ({"n_trials": 5, "timeout": -1}, "`timeout`"),
    ({"n_trials": 5, "rng": "seed"}, "`rng`"),
    ({"n_trials": 5, "study": ""}, "`study`"),
    ({"n_trials": 5, "executor": "local"}, "`executor`"),
    ({"n_trials": 5, "storage": 12}, "`storage`"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(InputError, match=match):
        minimize(loss, SPACE, **kwargs)


def test_bad_objective_and_space():
    with pytest.raises(InputError, match="`objective` must be callable"):
        minimize(42, SPACE, n_trials=3)
    with pytest.raises(InputError):
        minimize(loss, {}, n_trials=3)
    with pytest.raises(InputError):
        minimize(loss, [1, 2], n_trials=3)


def test_ask_tell():
    study = Study.create(SPACE, method="random", rng=0)
    for _ in range(6):
        trial = study.ask()
        study.tell(trial, loss(trial.params))
    bad = study.ask()
    study.tell(bad, error=ValueError("bad fold"))
    odd = study.ask()
    study.tell(odd, [1, 2])
    res = study.result()
    assert res.n_complete == 6 and res.n_failed == 2
    assert res.trials.loc[6, "error"] == "ValueError: bad fold"
    assert "list" in res.trials.loc[7, "error"]
    with pytest.raises(InputError, match="was not handed out"):
        study.tell(odd, 1.0)  # told twice
    with pytest.raises(InputError, match="was not handed out"):
        study.tell(99, 1.0)
    # the optimiser saw every told trial
    assert study.optimizer.n_observed == 8


def test_ask_tell_enqueue_comes_first():
    study = Study.create(SPACE, method="random", rng=0)
    number = study.enqueue({"x": 0.5, "n": 1, "kind": "a"})
    trial = study.ask()
    assert trial.number == number and trial.params == {"x": 0.5, "n": 1, "kind": "a"}
    with pytest.raises(InputError):
        study.enqueue({"x": 5.0, "n": 1, "kind": "a"})


@pytest.mark.parametrize("method", ["random", "gp"])
def test_enqueue_with_some_parameters_fixed(method, tmp_path):
    # as Optuna's enqueue_trial({"n": 3}): the parameters left out come from the optimiser
    path = tmp_path / "fixed.db"
    study = Study.create(SPACE, method=method, storage=path, rng=0, n_trials=6)
    first = study.enqueue({"n": 3})
    queued = read_study(path).trials  # stored as given until it starts
    assert queued["state"].tolist() == ["QUEUED"] and queued.loc[0, "param_n"] == 3
    assert queued["param_x"].dtype == float and math.isnan(queued.loc[0, "param_x"])
    trial = study.ask()
    free = Study.create(SPACE, method=method, rng=0, n_trials=6).ask()  # what it would have proposed
    assert trial.number == first
    assert trial.params == {**free.params, "n": 3}
    assert study.optimizer.pending == [trial.params]
    study.tell(trial, loss(trial.params))
    assert study.optimizer.pending == []
    assert study.optimizer.n_observed == 1
    for _ in range(5):
        t = study.ask()
        study.tell(t, loss(t.params))
    res = study.result()
    assert res.n_complete == 6
    assert res.trials.loc[0, ["param_x", "param_n", "param_kind"]].tolist() == list(trial.params.values())
    study.close()
    with pytest.raises(InputError, match=r"\['m'\] are not in the space"):
        Study.create(SPACE, method=method).enqueue({"m": 3})
    with pytest.raises(InputError, match="'n' must be"):
        Study.create(SPACE, method=method).enqueue({"n": 9})


@pytest.mark.parametrize("method", ["auto", "gp", "de", "random", "sobol", "grid"])
def test_a_partially_enqueued_point_stops_being_pending_once_told(method):
    for space in (SPACE, {"a": Int(1, 3), "b": Int(1, 3)}):  # "auto" is gp, then grid
        study = Study.create(space, method=method, rng=0, n_trials=8)
        fixed = {"n": 3} if "n" in space else {"a": 3}
        study.enqueue(fixed)
        trial = study.ask()
        assert trial.params.items() >= fixed.items()
        assert study.optimizer.pending == [trial.params]
        study.tell(trial, 1.0)
        assert study.optimizer.pending == [] and study.optimizer.n_observed == 1
        while (t := study.ask()) is not None and len(study.result().trials) < 8:
            study.tell(t, 1.0)
        if t is not None:
            study.tell(t, 1.0)
        assert study.optimizer.pending == []


@pytest.mark.parametrize("method", ["grid", "auto"])
def test_a_partial_enqueue_under_a_grid_still_runs_every_grid_point(method):
    grid = {(a, b) for a in (1, 2, 3) for b in (1, 2, 3)}
    study = Study.create({"a": Int(1, 3), "b": Int(1, 3)}, method=method, rng=0, n_trials=9)
    assert study.method_used == "grid"
    study.enqueue({"a": 3})
    study.enqueue({"b": 2})
    seen = []
    while (trial := study.ask()) is not None:
        seen.append((trial.params["a"], trial.params["b"]))
        study.tell(trial, 0.0)
    assert seen[:2] == [(3, 1), (1, 2)]  # the first grid points with the fixed values
    assert sorted(seen) == sorted(grid) and study.optimizer.pending == []


def test_a_partial_enqueue_under_a_grid_takes_the_grid_values():
    # a float the grid does not fix takes one of the grid's levels, not a random value; a grid
    # point changed by values off the grid goes back to the grid and still runs
    study = Study.create({"x": Float(0.0, 1.0), "k": Int(1, 2)}, method="grid", rng=0, points_per_dim=3)
    levels = [0.0, 0.5, 1.0]
    study.enqueue({"k": 2})
    study.enqueue({"x": 0.3})
    study.enqueue({"x": 0.5, "k": 1})  # complete: a grid point, not run twice
    seen = []
    while (trial := study.ask()) is not None:
        seen.append((trial.params["x"], trial.params["k"]))
        study.tell(trial, 0.0)
    assert seen[:3] == [(0.0, 2), (0.3, 1), (0.5, 1)]
    assert sorted(seen[3:]) == sorted({(x, k) for x in levels for k in (1, 2)} - {(0.0, 2), (0.5, 1)})


def test_ask_tell_on_storage_with_load(tmp_path):
    path = tmp_path / "study.db"
    study = Study.create(SPACE, method="sobol", storage=path, name="ext", rng=0)
    for _ in range(4):
        t = study.ask()
        study.tell(t, loss(t.params))
    study.close()
    again = Study.load(path)  # the only study in the file: no name needed
    assert again.space == Study.create(SPACE, method="sobol").space
    assert again.method == "sobol"
    assert again.optimizer.n_observed == 4  # rebuilt from storage
    t = again.ask()
    assert t.number == 4
    again.tell(t, 1.0)
    assert again.result().n_complete == 5
    with pytest.raises(InputError, match="not found"):
        Study.load(path, "nope")


def test_persistence_and_resume_count_stored_trials(tmp_path):
    path = tmp_path / "study.db"
    first = minimize(loss, SPACE, method="random", n_trials=5, storage=path, study="s", rng=0)
    assert first.storage == str(path) and first.study == "s"
    second = minimize(loss, SPACE, method="random", n_trials=8, storage=path, study="s", rng=0)
    assert len(second.trials) == 8
    # the first five are the stored ones, untouched
    assert second.trials["value"].iloc[:5].tolist() == first.trials["value"].tolist()
    # the resumed run did not repeat the first run's points
    assert len(set(second.trials["param_x"])) == 8
    # a budget already spent runs nothing
    third = minimize(loss, SPACE, method="random", n_trials=8, storage=path, study="s", rng=0)
    assert len(third.trials) == 8
    assert StudyStorage(path).study_names() == ["s"]


def test_mismatched_space_or_method_on_resume(tmp_path):
    path = tmp_path / "study.db"
    minimize(loss, SPACE, method="random", n_trials=2, storage=path, study="s", rng=0)
    other = dict(SPACE, x=Float(-3.0, 3.0))
    with pytest.raises(InputError, match="different search space"):
        minimize(loss, other, method="random", n_trials=4, storage=path, study="s")
    with pytest.raises(InputError, match="created with method 'random'"):
        minimize(loss, SPACE, method="sobol", n_trials=4, storage=path, study="s")
    # another name in the same file is a new study
    res = minimize(loss, other, method="sobol", n_trials=2, storage=path, study="t")
    assert res.n_complete == 2


def test_corrupt_and_foreign_storage(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\x00\x01garbage" * 100)
    with pytest.raises(StorageError, match="not a SQLite database"):
        minimize(loss, SPACE, n_trials=2, storage=junk)
    import sqlite3

    foreign = tmp_path / "app.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE users (id INTEGER)")
    with pytest.raises(StorageError, match="not a scimlkit store"):
        minimize(loss, SPACE, n_trials=2, storage=foreign)
    # a truncated scimlkit store (valid header, body cut off)
    good = tmp_path / "good.db"
    minimize(loss, SPACE, method="random", n_trials=3, storage=good, rng=0)
    data = good.read_bytes()
    cut = tmp_path / "cut.db"
    cut.write_bytes(data[:100] + b"\xff" * 200)
    with pytest.raises(StorageError):
        minimize(loss, SPACE, method="random", n_trials=3, storage=cut)


def test_a_crash_mid_study_loses_nothing(tmp_path):
    path = tmp_path / "study.db"
    calls = []

    def crashing(p):
        calls.append(p)
        if len(calls) == 4:
            raise KeyboardInterrupt  # the user pressed Ctrl-C during trial 3
        return loss(p)

    with pytest.raises(KeyboardInterrupt):
        minimize(crashing, SPACE, method="random", n_trials=6, storage=path, study="s", rng=0)
    stored = Study.load(path, "s").result()
    assert stored.n_complete == 3
    assert stored.trials["state"].tolist() == ["COMPLETE"] * 3 + ["QUEUED"]
    seen = []

    def recording(p):
        seen.append(p)
        return loss(p)

    res = minimize(recording, SPACE, method="random", n_trials=6, storage=path, study="s", rng=0)
    assert res.n_complete == 6
    assert seen[0] == calls[3]  # the interrupted trial runs again first
    assert res.trials["value"].iloc[:3].tolist() == stored.trials["value"].iloc[:3].tolist()


KILL_SCRIPT = """
import sys, time
from scimlkit.tune import minimize, Float, Int
calls = 0
def objective(p):
    global calls
    calls += 1
    if calls == 4:
        time.sleep(120)  # trial 3 hangs until the process is killed
    return (p["x"] - 0.3) ** 2 + p["n"]
minimize(objective, {"x": Float(0, 1), "n": Int(0, 3)}, method="random", n_trials=6,
         storage=sys.argv[1], study="killed", rng=1)
"""


def _wait_for(store, predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def test_resume_after_the_worker_is_killed_mid_trial(tmp_path):
    path = tmp_path / "study.db"
    script = tmp_path / "run.py"
    script.write_text(KILL_SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script), str(path)], stderr=subprocess.PIPE)
    try:
        _wait_for(None, lambda: path.exists() and os.path.getsize(path) > 0)
        store = StudyStorage(path)
        _wait_for(store, lambda: "killed" in store.study_names())
        sid = store.get_study("killed")["study_id"]
        _wait_for(store, lambda: store.counts(sid)["COMPLETE"] == 3 and store.counts(sid)["RUNNING"] == 1)
        before = store.trials(sid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    hung = before[3]
    assert hung.state == "RUNNING" and hung.pid == proc.pid
    seen = []

    def objective(p):
        seen.append(p)
        return (p["x"] - 0.3) ** 2 + p["n"]

    res = minimize(objective, {"x": Float(0, 1), "n": Int(0, 3)}, method="random", n_trials=6,
                   storage=path, study="killed", rng=1)
    frame = res.to_frame()
    # nothing finished was lost, the stale trial was re-run first with its own params and number
    assert len(frame) == 6 and res.n_complete == 6
    for rec in before[:3]:
        assert frame.loc[rec.number, "value"] == rec.value
    assert seen[0] == hung.params
    assert frame.loc[3, "attempts"] == 2 and frame.loc[3, "state"] == "COMPLETE"
    assert len(seen) == 3  # trial 3 again, then 4 and 5


TWO_PROCESS_SCRIPT = """
import os, sys, time
from pathlib import Path
from scimlkit.tune import minimize, Float
folder, me = Path(sys.argv[2]), sys.argv[3]
(folder / f"ready-{me}").touch()
while len(list(folder.glob("ready-*"))) < 2:
    time.sleep(0.01)
def objective(p):
    time.sleep(0.15)
    return (p["x"] - 0.3) ** 2
minimize(objective, {"x": Float(0, 1)}, method="random", n_trials=16, storage=sys.argv[1],
         study="shared", rng=0)
"""


def test_two_processes_write_the_same_study(tmp_path):
    path = tmp_path / "study.db"
    script = tmp_path / "run.py"
    script.write_text(TWO_PROCESS_SCRIPT)
    procs = [subprocess.Popen([sys.executable, str(script), str(path), str(tmp_path), str(i)],
                              stderr=subprocess.PIPE, text=True) for i in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    store = StudyStorage(path)
    sid = store.get_study("shared")["study_id"]
    recs = store.trials(sid)
    assert [r.number for r in recs] == list(range(16))  # the shared budget, no gaps or duplicates
    assert all(r.state == "COMPLETE" for r in recs)
    assert {r.pid for r in recs} == {p.pid for p in procs}  # both processes ran trials
    # different seeds per run: no point evaluated twice
    assert len({r.params["x"] for r in recs}) == 16


def test_unknown_optimizer_option_fails_before_touching_storage(tmp_path):
    path = tmp_path / "study.db"
    with pytest.raises(InputError, match="unknown option"):
        minimize(loss, SPACE, method="random", n_trials=3, storage=path, bogus=1)
    assert not path.exists()
    with pytest.raises(InputError, match="`name`"):
        Study.create(SPACE, name="  ")


def test_reading_a_study_never_creates_a_file(tmp_path):
    from scimlkit.tune import read_study

    missing = tmp_path / "missing.db"
    for read in (read_study, Study.load):
        with pytest.raises(InputError, match="does not exist"):
            read(missing)
        assert not missing.exists()
    empty = tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(InputError, match="empty file"):
        read_study(empty)
    assert empty.stat().st_size == 0


def test_two_threads_asking_at_once_start_one_heartbeat(tmp_path, monkeypatch):
    import threading

    import scimlkit.tune._study as study_module

    started = []

    class SlowBeat(study_module.Heartbeat):
        def __enter__(self):
            started.append(self)
            time.sleep(0.5)  # the other thread asks meanwhile
            return super().__enter__()

    monkeypatch.setattr(study_module, "Heartbeat", SlowBeat)
    study = Study.create(SPACE, method="random", storage=tmp_path / "two.db", name="two", rng=0)
    first = threading.Thread(target=study.ask)
    first.start()
    time.sleep(0.1)
    second = study.ask()
    first.join()
    assert len(started) == 1
    study.tell(second, 1.0)
    study.close()


def test_a_trial_asked_while_tell_stops_the_heartbeat_gets_one(tmp_path, monkeypatch):
    import threading

    import scimlkit.tune._study as study_module

    asked = threading.Event()

    class SlowStop(study_module.Heartbeat):
        def __exit__(self, *exc):
            asked.wait(5)  # the other thread asks while this heartbeat is being stopped
            return super().__exit__(*exc)

    monkeypatch.setattr(study_module, "Heartbeat", SlowStop)
    study = Study.create(SPACE, method="random", storage=tmp_path / "race.db", name="race", rng=0)
    first = study.ask()
    telling = threading.Thread(target=study.tell, args=(first, 1.0))
    telling.start()
    time.sleep(0.2)
    second = study.ask()
    asked.set()
    telling.join()
    assert second.number in study._running and study._beat[0] is not None
    study.tell(second, 0.5)
    assert study._beat[0] is None
    study.close()


def test_ask_keeps_its_trials_alive_for_other_processes(tmp_path):
    # an external ask/tell loop on a file: the trial it runs has a heartbeat, so another
    # process (which cannot see this one's owners) does not take a long trial for a dead one
    path = tmp_path / "ext.db"
    store = StudyStorage(path, heartbeat_interval=0.1, grace_period=2.0)
    study = Study.create(SPACE, method="random", storage=store, name="ext", rng=0)
    trial = study.ask()
    time.sleep(3.0)  # longer than the grace period
    code = ("from scimlkit.tune import StudyStorage; import sys\n"
            f"store = StudyStorage({str(path)!r}, grace_period=2.0)\n"
            "sid = store.get_study('ext')['study_id']\n"
            "print(store.requeue_stale(sid))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    import pickle
    import threading

    assert pickle.loads(pickle.dumps(study)).name == "ext"  # the heartbeat thread stays here
    study.tell(trial, 1.0)
    assert "scimlkit-tune-heartbeat" not in [t.name for t in threading.enumerate()]  # nothing runs
    study.close()
    assert Study.load(path).result().n_complete == 1


def test_trials_frame_keeps_categorical_choices_as_given():
    # an integer choice stays an integer next to None; the choice None is None, an inactive parameter NaN
    space = {"depth": Categorical([None, 3, 7]), "x": Float(0.0, 1.0, when={"depth": [3, 7]}),
             "kind": Categorical(["a", "b"], when={"depth": 3})}
    res = minimize(lambda p: p.get("x", 0.5), space, n_trials=12, method="random", rng=0)
    frame = res.trials
    depth = frame["param_depth"].tolist()
    assert None in depth and {type(v) for v in depth if v is not None} == {int}
    for d, kind in zip(depth, frame["param_kind"], strict=True):
        assert (kind in ("a", "b")) if d == 3 else (isinstance(kind, float) and np.isnan(kind))
    # float choices alone stay a float column, NaN where they do not apply
    res = minimize(lambda p: 0.0, {"on": Categorical([True, False]), "rate": Categorical([0.1, 0.5], when={"on": True})},
                   n_trials=4, method="grid", rng=0)
    assert res.trials["param_rate"].dtype == float and res.trials["param_rate"].isna().sum() == 1


def test_a_study_dropped_without_close_releases_its_trials(tmp_path):
    # a notebook cell that asked a trial and then raised: once the study is collected its
    # heartbeat stops and its trial goes back to the queue, so a later run uses the whole budget
    import gc

    path = tmp_path / "dropped.db"

    def cell():
        study = Study.create(SPACE, method="random", storage=path, rng=0)
        study.ask()
        beats.append(study._beat[0]._thread)
        raise RuntimeError("training crashed")

    beats = []
    for _ in range(2):
        with pytest.raises(RuntimeError):
            cell()
    gc.collect()
    assert not any(thread.is_alive() for thread in beats)
    store = StudyStorage(path)
    counts = store.counts(store.get_study("default")["study_id"])
    assert counts["RUNNING"] == 0 and counts["QUEUED"] == 1  # the second cell took up the first one's trial
    res = minimize(loss, SPACE, method="random", n_trials=5, storage=path, rng=0)
    assert res.n_complete == 5 and res.n_pending == 0


def test_a_dropped_study_releases_only_what_it_asked(tmp_path):
    # a copy (pickled here or to another process) asks under its own owner: dropping the original
    # leaves the copy's trial running; a study kept alive only by a cycle is still collected
    import gc
    import pickle

    path = tmp_path / "copies.db"
    store = StudyStorage(path)

    def running():
        return store.counts(store.get_study("default")["study_id"])["RUNNING"]

    original = Study.create(SPACE, method="random", storage=path, rng=0)
    copy = pickle.loads(pickle.dumps(original))
    del original
    gc.collect()
    mine = copy.ask()
    other = Study.create(SPACE, method="random", storage=path, rng=1)
    assert other.ask().number != mine.number and running() == 2
    other.close()
    assert running() == 1
    copy.tell(mine, 0.5)

    def cell():
        study = Study.create(SPACE, method="random", storage=path, rng=2)
        study.me = study  # a cycle: only the cycle collector frees it
        study.ask()
        raise RuntimeError("training crashed")

    with pytest.raises(RuntimeError):
        cell()
    gc.collect()
    assert running() == 0


def test_tell_refuses_a_trial_of_another_study():
    first = Study.create({"x": Float(0, 1)}, method="random", rng=0)
    second = Study.create({"x": Float(0, 1)}, method="random", rng=1)
    mine, theirs = second.ask(), first.ask()
    assert mine.number == theirs.number == 0
    with pytest.raises(InputError, match="handed out by another study"):
        second.tell(theirs, theirs.params["x"])
    with pytest.raises(InputError, match="handed out by another study"):
        second.should_prune(theirs, 0.5)
    second.tell(mine, 0.25)  # its own trial (or its number) is still taken
    assert second.result().trials["param_x"].tolist() == [mine.params["x"]]


def test_tell_a_running_trial_asked_by_another_study_object(tmp_path):
    from scimlkit.tune._storage import retire_owner

    db = tmp_path / "queue.db"
    asker = Study.create(SPACE, method="gp", storage=db, rng=0, n_trials=10)
    first, second = asker.ask(), asker.ask()
    worker = Study.load(db, rng=1)
    assert not worker.should_prune(first.number, 0.7, 0)  # a running trial, by its number
    worker.tell(first.number, 0.5)
    row = worker.result().trials.set_index("number").loc[first.number]
    assert row["state"] == "COMPLETE" and row["value"] == 0.5
    assert (row["param_x"], row["param_n"], row["param_kind"]) == (first.params["x"], first.params["n"],
                                                                    first.params["kind"])
    # the telling object's optimiser learned the stored point; the asking one learns it from the file
    assert worker.optimizer._params == [first.params] and worker.optimizer._values == [0.5]
    with pytest.raises(InputError, match="already told"):
        asker.tell(first, 0.9)  # the stored result is kept
    assert asker.optimizer._params == [first.params] and asker.optimizer._values == [0.5]
    assert asker.optimizer.pending == [second.params]
    # clear errors: told already, no such trial, queued, another study in the file, other parameters
    with pytest.raises(InputError, match=r"already told \(it is COMPLETE\)"):
        worker.tell(first.number, 0.1)
    with pytest.raises(InputError, match="has no trial 99"):
        worker.tell(99, 0.1)
    queued = asker.enqueue({"x": 0.0, "n": 1, "kind": "a"})
    with pytest.raises(InputError, match="is queued"):
        worker.tell(queued, 0.1)
    other = Study.create(SPACE, method="gp", storage=db, name="other", rng=0)
    with pytest.raises(InputError, match=f"has no trial {second.number}"):
        other.tell(second.number, 0.1)
    with pytest.raises(InputError, match="handed out by another study"):
        worker.tell(type(second)(second.number, {**second.params, "n": 5 - second.params["n"]}, 0.0), 0.1)
    assert worker.result().trials.set_index("number").loc[second.number, "state"] == "RUNNING"
    # a trial left by a runner that is gone is still re-queued and run again first
    asker._stop_beat()
    retire_owner(asker._owner)
    again = worker.ask()
    assert again.number == second.number and again.params == second.params
    worker.tell(again, 0.25)
    assert worker.result().n_complete == 2
    for study in (asker, worker, other):
        study.close()


def test_telling_a_trial_put_back_in_the_queue_says_so(tmp_path):
    # the asking object was closed before its trial was told: the trial went back to the queue,
    # and a worker telling it by number was told "ask() has not handed it out yet"
    db = tmp_path / "queue.db"
    asker = Study.create(SPACE, method="random", storage=db, rng=0, n_trials=10)
    number = asker.ask().number
    asker.close()
    worker = Study.load(db)
    with pytest.raises(InputError, match="was handed out and put back in the queue"):
        worker.tell(number, 0.5)
    worker.close()
