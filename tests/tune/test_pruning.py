"""Pruning: report_step, the percentile / median rule, pruned trials in studies, storage upgrade."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from scimlkit import InputError
from scimlkit.cli import main
from scimlkit.tune import (
    Float,
    MedianPruner,
    PercentilePruner,
    PruningHistory,
    Study,
    StudyStorage,
    SuccessiveHalvingPruner,
    TrialPruned,
    minimize,
    read_study,
    report_step,
)
from scimlkit.tune._pruning import StepLog
from scimlkit.tune._report import study_chapter
from scimlkit.tune._spec import CVObjective

SPACE = {"rate": Float(0.01, 0.5, log=True)}


def decaying(p):
    """A loss that decays geometrically over 10 steps; a larger rate is better at every step."""
    loss = 1.0
    for step in range(10):
        loss *= 1 - p["rate"]
        report_step(loss, step)
    return loss


# -- the rule ---------------------------------------------------------------------------------
def _optuna_decision(optuna, percentile, n_startup, n_warmup, interval, n_min, others, mine):
    """Optuna's PercentilePruner on a study of complete trials ``others`` and a running ``mine``."""
    study = optuna.create_study(direction="minimize")
    for curve in others:
        trial = optuna.trial.create_trial(
            params={}, distributions={}, value=curve[max(curve)], intermediate_values=curve)
        study.add_trial(trial)
    trial = study.ask()
    for step, loss in sorted(mine.items()):
        trial.report(loss, step)
    pruner = optuna.pruners.PercentilePruner(percentile, n_startup_trials=n_startup, n_warmup_steps=n_warmup,
                                             interval_steps=interval, n_min_trials=n_min)
    return pruner.prune(study, study.trials[-1])


def test_percentile_rule_matches_optuna():
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rng = np.random.default_rng(0)
    for case in range(150):
        n_others = int(rng.integers(0, 8))
        others = []
        for _ in range(n_others):
            steps = sorted(rng.choice(8, size=int(rng.integers(1, 8)), replace=False).tolist())
            others.append({int(s): float(v) for s, v in zip(steps, rng.random(len(steps)))})
        mine_steps = sorted(rng.choice(8, size=int(rng.integers(1, 6)), replace=False).tolist())
        mine = {int(s): float(v) for s, v in zip(mine_steps, rng.random(len(mine_steps)))}
        percentile = float(rng.choice([10.0, 25.0, 50.0, 75.0]))
        opts = dict(n_startup=int(rng.integers(0, 4)), n_warmup=int(rng.integers(0, 3)),
                    interval=int(rng.integers(1, 3)), n_min=int(rng.integers(1, 3)))
        expected = _optuna_decision(optuna, percentile, opts["n_startup"], opts["n_warmup"], opts["interval"],
                                    opts["n_min"], others, mine)
        log = StepLog(PercentilePruner(percentile, n_startup_trials=opts["n_startup"],
                                       n_warmup_steps=opts["n_warmup"], interval_steps=opts["interval"],
                                       n_min_trials=opts["n_min"]),
                      PruningHistory([("COMPLETE", sorted(c.items())) for c in others]))
        got = False
        for step, loss in sorted(mine.items()):
            got = log.add(loss, step)
        assert got == expected, (case, others, mine, percentile, opts)


def test_median_rule_by_hand():
    curves = [[[0, 0.2], [1, 0.1]], [[0, 0.4], [1, 0.3]], [[0, 0.6]]]
    history = PruningHistory([("COMPLETE", c) for c in curves] + [("PRUNED", [[0, 0.01]])])
    pruner = MedianPruner(n_startup_trials=3)
    assert history.n_complete == 3 and history.complete_at(0).tolist() == [0.2, 0.4, 0.6]
    assert pruner.should_prune([0], [0.5], history)           # above the median 0.4 (pruned trials left out)
    assert not pruner.should_prune([0], [0.4], history)       # ties are kept
    starting = PruningHistory([("COMPLETE", c) for c in curves[:2]])
    assert not pruner.should_prune([0], [0.5], starting)      # still starting up (2 complete of 3)
    assert not pruner.should_prune([0, 1], [0.5, 0.19], history)  # best so far 0.19 < median 0.2 at step 1
    assert pruner.should_prune([0], [float("nan")], PruningHistory())  # NaN stops at once
    assert not pruner.should_prune([5], [9.0], history)       # nobody reported step 5


def _run_sequence(curves, ours_pruner, optuna_pruner, optuna):
    """Feed the same loss curves, trial after trial, to a study of ours and to an Optuna study;
    returns where each one stopped every trial (its last step)."""
    order = iter(range(len(curves)))

    def ours(p):
        curve = curves[next(order)]
        for step, loss in enumerate(curve):
            report_step(loss, step)
        return curve[-1]

    res = minimize(ours, SPACE, method="random", n_trials=len(curves), rng=0, pruner=ours_pruner)
    mine = res.trials.last_step.astype(int).tolist()

    def theirs(trial):
        trial.suggest_float("rate", 0.01, 0.5, log=True)
        curve = curves[trial.number]
        for step, loss in enumerate(curve):
            trial.report(loss, step)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return curve[-1]

    study = optuna.create_study(pruner=optuna_pruner, sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(theirs, n_trials=len(curves))
    return mine, [t.last_step for t in study.trials]


@pytest.mark.parametrize("kind", ["median", "halving"])
def test_whole_studies_stop_trials_where_optuna_does(kind):
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rng = np.random.default_rng({"median": 1, "halving": 2}[kind])
    n_steps = 30
    # noisy, decaying curves with a trial-specific floor: the usual shape of validation losses
    curves = []
    for _ in range(40):
        floor, rate = rng.uniform(0.1, 1.0), rng.uniform(0.01, 0.3)
        steps = np.arange(n_steps)
        curves.append((floor + np.exp(-rate * steps) + rng.normal(0, 0.02, n_steps)).tolist())
    if kind == "median":
        pair = MedianPruner(n_startup_trials=3, n_warmup_steps=2), optuna.pruners.MedianPruner(3, 2)
    else:
        pair = (SuccessiveHalvingPruner(min_resource=2, reduction_factor=3, bootstrap_count=1),
                optuna.pruners.SuccessiveHalvingPruner(min_resource=2, reduction_factor=3, bootstrap_count=1))
    mine, theirs = _run_sequence(curves, *pair, optuna)
    assert mine == theirs
    assert sum(s < n_steps - 1 for s in mine) >= 10  # the comparison is not vacuous


# -- studies ----------------------------------------------------------------------------------
def test_minimize_prunes_and_keeps_the_curves():
    plain = minimize(decaying, SPACE, method="random", n_trials=25, rng=0)
    pruned = minimize(decaying, SPACE, method="random", n_trials=25, rng=0, pruner=MedianPruner())
    assert plain.n_pruned == 0 and len(plain.intermediate) == 25 * 10
    assert pruned.n_pruned > 5 and pruned.n_complete + pruned.n_pruned == 25
    # the same points were tried; pruning only ever stops the worse ones
    assert pruned.best_value == plain.best_value
    frame = pruned.trials
    stopped = frame[frame.state == "PRUNED"]
    assert (stopped.last_step < 9).all() and (frame[frame.state == "COMPLETE"].last_step == 9).all()
    steps = pruned.intermediate[pruned.intermediate.number == stopped.number.iloc[0]]
    assert stopped.value.iloc[0] == steps.loss.iloc[-1]  # a pruned trial keeps its last loss
    # pruned trials never improve the best-so-far curve
    assert len(pruned.convergence) == 25 and pruned.convergence[-1] == pruned.best_value
    assert "pruned" in pruned.message


def test_gp_learns_from_pruned_trials():
    res = minimize(decaying, SPACE, method="gp", n_trials=20, rng=1, pruner="median")
    assert res.n_pruned > 0 and res.best_params["rate"] > 0.4


def test_pruning_in_worker_processes(tmp_path):
    db = tmp_path / "study.db"
    res = minimize(decaying, SPACE, method="random", n_trials=16, rng=0, n_workers=2, storage=db,
                   pruner="median")
    assert res.n_complete + res.n_pruned == 16 and res.n_failed == 0
    assert res.n_pruned > 0
    again = read_study(db)
    assert again.n_pruned == res.n_pruned and len(again.intermediate) == len(res.intermediate)


def test_resume_counts_pruned_trials(tmp_path):
    db = tmp_path / "study.db"
    first = minimize(decaying, SPACE, method="random", n_trials=12, rng=0, storage=db, pruner="median")
    second = minimize(decaying, SPACE, method="random", n_trials=12, rng=0, storage=db, pruner="median")
    assert len(second.trials) == 12 and second.n_pruned == first.n_pruned


def test_ask_tell_should_prune():
    study = Study.create(SPACE, method="random", rng=0, pruner=MedianPruner(n_startup_trials=3))
    for _ in range(15):
        trial, loss, stop = study.ask(), 1.0, False
        for epoch in range(10):
            loss *= 1 - trial.params["rate"]
            stop = study.should_prune(trial, loss, epoch)
            if stop:
                break
        study.tell(trial, loss, pruned=stop)
    res = study.result()
    assert res.n_pruned > 0 and res.n_complete + res.n_pruned == 15
    assert set(res.trials.state) == {"COMPLETE", "PRUNED"}
    with pytest.raises(InputError, match="was not handed out"):
        study.should_prune(99, 0.5, 0)
    trial = study.ask()
    with pytest.raises(InputError, match="`pruned` must be True or False"):
        study.tell(trial, 0.5, pruned="yes")


def test_trial_pruned_by_hand_and_bad_reports():
    def by_hand(p):
        report_step(0.9)
        raise TrialPruned("not worth it")

    res = minimize(by_hand, SPACE, method="random", n_trials=3, rng=0)
    assert res.n_pruned == 3 and np.allclose(res.trials.value, 0.9) and res.best_params is None
    assert "pruned" in res.message

    def backwards(p):
        report_step(0.5, 3)
        report_step(0.4, 2)
        return 0.4

    res = minimize(backwards, SPACE, method="random", n_trials=2, rng=0)
    assert res.n_failed == 2 and "steps must increase" in res.trials.error.iloc[0]

    def not_a_number(p):
        report_step("low")
        return 0.1

    res = minimize(not_a_number, SPACE, method="random", n_trials=1, rng=0)
    assert "must be a real number" in res.trials.error.iloc[0]
    report_step(0.3)  # outside a study: nothing happens


@pytest.mark.parametrize("kwargs, needle", [
    ({"pruner": "fast"}, "`pruner` must be None, 'median', 'halving'"),
    ({"pruner": 50}, "`pruner` must be None"),
])
def test_bad_pruner(kwargs, needle):
    with pytest.raises(InputError, match=needle):
        minimize(decaying, SPACE, n_trials=2, **kwargs)


@pytest.mark.parametrize("kwargs, needle", [
    ({"percentile": 150.0}, "percentile"),
    ({"percentile": 50.0, "interval_steps": 0}, "interval_steps"),
    ({"percentile": 50.0, "n_startup_trials": -1}, "n_startup_trials"),
])
def test_bad_percentile_pruner(kwargs, needle):
    with pytest.raises(InputError, match=needle):
        PercentilePruner(**kwargs)


@pytest.mark.parametrize("kwargs, needle", [
    ({"min_resource": 0}, "min_resource"),
    ({"min_resource": "fast"}, "min_resource"),
    ({"reduction_factor": 1}, "reduction_factor"),
    ({"bootstrap_count": -1}, "bootstrap_count"),
])
def test_bad_halving_pruner(kwargs, needle):
    with pytest.raises(InputError, match=needle):
        SuccessiveHalvingPruner(**kwargs)


def test_halving_rungs_by_hand():
    pruner = SuccessiveHalvingPruner()  # min_resource "auto": a hundredth of the longest complete trial
    long = [[s, 1.0 / (s + 1)] for s in range(300)]
    history = PruningHistory([("COMPLETE", long), ("PRUNED", [[0, 2.0], [1, 1.5], [2, 1.2]])])
    assert history.rung_values(2).tolist() == [1.0 / 3, 1.2] and history.rung_values(8).tolist() == [1.0 / 9]
    # rung 0 at step 2 (299 // 100 = 2): 3 competitors, 3 // 4 - 1 < 0 so only the best goes on
    assert not pruner.should_prune([0, 1, 2], [1.0, 0.5, 0.3], history)
    assert pruner.should_prune([0, 1, 2], [1.0, 0.5, 0.4], history)
    # before any complete trial nothing is pruned; between rungs nothing is checked
    assert not pruner.should_prune([0, 1, 2], [9.0, 9.0, 9.0], PruningHistory([("PRUNED", long[:5])]))
    assert not pruner.should_prune([0, 1, 2, 3], [1.0, 0.5, 0.3, 9.0], history)


@pytest.mark.parametrize("trials, needle", [
    ([("COMPLETE", "abc")], r"`trials\[0\]` must be \(state"),
    ([("DONE", [[0, 1.0]])], "the state must be 'COMPLETE' or 'PRUNED'"),
    ([("COMPLETE", [[1, 1.0], [0, 0.5]])], "steps must be increasing integers"),
    ([("PRUNED", [[0.5, 1.0]])], "steps must be increasing integers"),
    ([3], r"`trials\[0\]` must be \(state"),
])
def test_bad_pruning_history(trials, needle):
    with pytest.raises(InputError, match=needle):
        PruningHistory(trials)


def test_halving_prunes_with_gp():
    res = minimize(decaying, SPACE, method="gp", n_trials=20, rng=0,
                   pruner=SuccessiveHalvingPruner(min_resource=1, reduction_factor=3))
    assert res.n_pruned > 0 and res.best_params["rate"] > 0.4


# -- storage ----------------------------------------------------------------------------------
V1_TRIALS = """
CREATE TABLE trials (
    trial_id INTEGER PRIMARY KEY, study_id INTEGER NOT NULL REFERENCES studies(study_id),
    number INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('QUEUED', 'RUNNING', 'COMPLETE', 'FAILED')),
    params TEXT NOT NULL, value REAL, error TEXT, attempts INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL,
    started REAL, finished REAL, duration REAL, heartbeat REAL, host TEXT, pid INTEGER, owner TEXT,
    finish_seq INTEGER, UNIQUE (study_id, number))
"""


def test_a_file_of_the_first_schema_is_upgraded(tmp_path):
    db = tmp_path / "old.db"
    minimize(lambda p: p["rate"], SPACE, method="random", n_trials=4, rng=0, storage=db, study="old")
    # turn it back into a first-schema file, as an earlier scimlkit wrote it
    con = sqlite3.connect(db)
    with con:
        con.execute("CREATE TABLE t1 AS SELECT trial_id, study_id, number, state, params, value, error, attempts, "
                    "created, started, finished, duration, heartbeat, host, pid, owner, finish_seq FROM trials")
        con.execute("DROP TABLE trials")
        con.execute(V1_TRIALS)
        con.execute("INSERT INTO trials SELECT * FROM t1")
        con.execute("DROP TABLE t1")
        con.execute("UPDATE scimlkit_meta SET value = '1' WHERE key = 'schema_version'")
    con.close()
    before = read_study(db)
    assert before.n_complete == 4 and len(before.intermediate) == 0
    con = sqlite3.connect(db)
    assert con.execute("SELECT value FROM scimlkit_meta WHERE key = 'schema_version'").fetchone()[0] == "2"
    con.close()
    res = minimize(decaying, SPACE, method="random", n_trials=10, rng=0, storage=db, study="old", pruner="median")
    assert len(res.trials) == 10 and res.trials.number.tolist() == list(range(10))
    assert res.trials.value.iloc[:4].tolist() == before.trials.value.tolist()


def test_a_newer_schema_is_refused(tmp_path):
    db = tmp_path / "new.db"
    StudyStorage(db).close()
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE scimlkit_meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    from scimlkit import StorageError

    with pytest.raises(StorageError, match="schema version 99, newer"):
        StudyStorage(db)


# -- cross-validation objective, CLI, report --------------------------------------------------
def test_cv_objective_reports_folds_and_equals_cross_val_score():
    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=500)
    objective = CVObjective(model, X, y, cv=5, scoring="neg_log_loss")
    log = StepLog()
    from scimlkit.tune._pruning import run_with_steps

    loss = run_with_steps(objective, {"C": 0.3}, log)
    expected = -cross_val_score(model.set_params(C=0.3), X, y, cv=5, scoring="neg_log_loss").mean()
    assert loss == pytest.approx(expected, rel=1e-12)
    assert log.steps == [0, 1, 2, 3, 4] and log.losses[-1] == pytest.approx(loss, rel=1e-12)


SPEC = """
estimator = "sklearn.linear_model.Ridge"
scoring = "neg_mean_squared_error"
cv = 5
n_trials = 14
method = "random"
storage = "study.db"
seed = 0
pruner = "median"

[data]
path = "diabetes.csv"
target = "target"

[space.alpha]
type = "float"
low = 1e-3
high = 1e3
log = true
"""


def test_cli_spec_pruner(tmp_path, capsys):
    load_diabetes(as_frame=True).frame.to_csv(tmp_path / "diabetes.csv", index=False)
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    assert main(["tune", "run", str(spec), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_pruned"] > 0 and out["n_complete"] + out["n_pruned"] == 14
    assert main(["tune", "show", str(tmp_path / "study.db")]) == 0
    assert "PRUNED" in capsys.readouterr().out
    spec.write_text(SPEC.replace('pruner = "median"', 'pruner = "hyperband"'))
    rc = main(["tune", "run", str(spec)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "`pruner` must be one of none, median, halving" in err[0]


def test_report_chapter_shows_the_steps():
    res = minimize(decaying, SPACE, method="random", n_trials=12, rng=0, pruner="median")
    chapter = study_chapter(res, SPACE)
    captions = [b.get("caption", "") for b in chapter.blocks if b["kind"] == "figure"]
    assert any("step by step" in c for c in captions)
