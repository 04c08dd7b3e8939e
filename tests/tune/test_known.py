"""Evaluations made elsewhere added to a study: ``Study.add_trials``, ``minimize(known=, initial=)``,
``SearchCV(known=)`` and the spec's ``known``."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV

from scimlkit import InputError
from scimlkit.cli import main
from scimlkit.tune import (
    Categorical,
    Float,
    Int,
    MedianPruner,
    SearchCV,
    Study,
    minimize,
    read_study,
    report_step,
    write_report,
)

SPACE = {"x": Float(0.0, 1.0), "n": Int(1, 5)}


def _f(p):
    return (p["x"] - 0.3) ** 2 + 0.01 * p["n"]


GRID = [({"x": float(x), "n": n}, _f({"x": float(x), "n": n})) for x in np.linspace(0, 1, 5) for n in (1, 3, 5)]


def test_added_trials_are_stored_finished_and_do_not_count_toward_the_budget(tmp_path):
    path = tmp_path / "s.db"
    res = minimize(_f, SPACE, method="gp", n_trials=6, storage=path, rng=0, known=GRID)
    assert res.n_added == len(GRID) and len(res.trials) == len(GRID) + 6
    added = res.trials.loc[res.trials["attempts"] == 0]
    assert len(added) == len(GRID) and (added["state"] == "COMPLETE").all()
    assert added["value"].tolist() == pytest.approx([loss for _, loss in GRID])
    assert (res.trials.loc[res.trials["attempts"] > 0, "number"] >= len(GRID)).all()  # added first
    assert "added from evaluations made elsewhere" in res.message
    # resumed with the same evaluations: nothing added twice, the budget counts only trials run
    again = minimize(_f, SPACE, method="gp", n_trials=8, storage=path, rng=0, known=GRID)
    assert again.n_added == len(GRID) and len(again.trials) == len(GRID) + 8
    assert read_study(path).n_added == len(GRID)


def test_the_optimiser_learns_from_added_trials():
    # 1-D, minimum at 0.3. Without the known points the first trial is the initial design's point
    # (far from 0.3 for this seed); with them the Gaussian process proposes near the minimum at once.
    space = {"x": Float(0.0, 1.0)}
    known = [({"x": float(x)}, (x - 0.3) ** 2) for x in np.linspace(0, 1, 9)]
    cold = minimize(lambda p: (p["x"] - 0.3) ** 2, space, method="gp", n_trials=1, rng=3)
    warm = minimize(lambda p: (p["x"] - 0.3) ** 2, space, method="gp", n_trials=1, rng=3, known=known)
    assert abs(cold.trials["param_x"].iloc[0] - 0.3) > 0.05
    first_run = warm.trials.loc[warm.trials["attempts"] > 0, "param_x"].iloc[0]
    assert abs(first_run - 0.3) < 0.02
    # the optimiser knows which observations were given: its budget is the trials still to run
    study = Study.create(space, method="auto", n_trials=10, rng=0)
    study.add_trials(known)
    running = [study.ask(), study.ask()]
    inner = study.optimizer._inner  # auto chose gp; the pending points live there
    assert (inner.n_trials, inner.n_observed, inner.n_given, inner._budget_left()) == (10, len(known), len(known), 8)
    study.tell(running[0], 0.5)
    assert inner._budget_left() == 8 and inner.n_observed == len(known) + 1


def test_a_grid_search_cv_results_are_read_as_negated_scores():
    X, y = load_diabetes(return_X_y=True)
    grid = GridSearchCV(Ridge(), {"alpha": [1e-3, 1e-1, 10.0], "solver": ["svd", "cholesky"]}, cv=3).fit(X, y)
    results = grid.cv_results_
    space = {"alpha": Float(1e-4, 100, log=True), "solver": Categorical(["svd", "cholesky", "lsqr"])}
    for known in (results, pd.DataFrame(results).drop(columns="params")):  # 'params' dicts or param_ columns
        study = Study.create(space, method="random", rng=0)
        assert study.add_trials(known) == list(range(6))
        frame = study.result().trials
        assert frame["value"].to_numpy() == pytest.approx(-results["mean_test_score"])
        assert frame["param_alpha"].tolist() == pytest.approx([p["alpha"] for p in results["params"]])
        assert study.result().best_params == grid.best_params_


def test_states_of_an_earlier_study_and_failures():
    earlier = Study.create(SPACE, method="random", rng=0)
    trials = [earlier.ask() for _ in range(5)]
    earlier.tell(trials[0], 0.5)
    earlier.tell(trials[1], math.nan)  # failed
    earlier.tell(trials[2], 0.7, pruned=True)
    earlier.tell(trials[3], 0.2)  # trials[4] is still running: no result to add
    study = Study.create(SPACE, method="gp", rng=0, n_trials=5)
    assert len(study.add_trials(earlier.result())) == 4
    res = study.result()
    assert sorted(res.trials["state"]) == ["COMPLETE", "COMPLETE", "FAILED", "PRUNED"]
    assert (res.n_complete, res.n_failed, res.n_pruned, res.n_added) == (2, 1, 1, 4)
    assert res.best_value == 0.2
    # the study's own trial counts leave the added evaluations out
    assert study.storage.counts(study._study_id)["COMPLETE"] == 0
    # a missing score is a failed evaluation
    frame = pd.DataFrame({"x": [0.1, 0.2], "n": [1, 2], "score": [0.9, np.nan]})
    numbers = study.add_trials(frame)
    added = study.result().trials.set_index("number").loc[numbers]
    assert added["state"].tolist() == ["COMPLETE", "FAILED"] and added["value"].iloc[0] == pytest.approx(-0.9)


def test_columns_named_explicitly_and_conditional_parameters():
    space = {"model": Categorical(["ridge", "svr"]), "alpha": Float(1e-3, 10, log=True, when={"model": "ridge"}),
             "C": Float(0.1, 100, log=True, when={"model": "svr"})}
    frame = pd.DataFrame({"param_model": ["ridge", "svr"], "param_alpha": [0.1, np.nan], "param_C": [None, 3.0],
                          "r2": [0.4, 0.45], "mse": [3.0, 2.9]})
    study = Study.create(space, method="random", rng=0)
    study.add_trials(frame, score="r2")
    study.add_trials(frame, loss="mse")
    values = study.result().trials["value"].tolist()
    assert values == pytest.approx([-0.4, -0.45, 3.0, 2.9])
    assert study.result().best_params == {"model": "svr", "C": 3.0}


def test_add_trial_and_duplicates():
    study = Study.create(SPACE, method="random", rng=0)
    assert study.add_trial({"x": 0.5, "n": 2}, 0.1) == 0
    assert study.add_trial({"x": 0.5, "n": 2}, 0.1) is None  # the same evaluation again
    assert study.add_trial({"x": 0.5, "n": 2}, 0.2) == 1  # a repeat with another result is kept
    assert study.add_trials([({"x": 0.1, "n": 1}, 1.0), ({"x": 0.1, "n": 1}, 1.0)]) == [2]
    assert study.add_trials([]) == [] and study.add_trials(pd.DataFrame({"x": [], "n": [], "loss": []})) == []


@pytest.mark.parametrize(("known", "kwargs", "needle"), [
    (pd.DataFrame({"x": [0.1], "n": [1]}), {}, "needs a loss column"),
    (pd.DataFrame({"x": [0.1], "loss": [1.0]}), {}, "no column for parameter 'n'"),
    (pd.DataFrame({"x": [0.1, 2.0], "n": [1, 1], "loss": [1.0, 2.0]}), {}, "row 1"),
    (pd.DataFrame({"x": [0.1], "n": [1], "loss": ["high"]}), {}, "'loss' must be a number"),
    (pd.DataFrame({"x": [0.1], "n": [1], "loss": [1.0]}), {"loss": "loss", "score": "loss"}, "not both"),
    (pd.DataFrame({"x": [0.1], "n": [1], "loss": [1.0]}), {"score": "auc"}, "no column 'auc'"),
    ([({"x": 0.1}, 1.0)], {}, "item 0: parameters ['n'] are missing"),
    ([(0.1, 1.0)], {}, "(params, loss) pair"),
    ([({"x": 0.1, "n": 1}, 1.0)], {"loss": "loss"}, "name a column of a table"),
    ("grid.csv", {}, "must be a table"),
    ({"x": [0.1, 0.2], "n": [1], "loss": [1.0, 2.0]}, {}, "equally long columns"),
])
def test_bad_known_is_refused_with_a_clear_message(known, kwargs, needle):
    study = Study.create(SPACE, method="random", rng=0)
    with pytest.raises(InputError) as info:
        study.add_trials(known, **kwargs)
    assert needle in str(info.value)
    assert study.result().trials.empty  # nothing half-added


def test_initial_points_run_first_once_and_within_the_budget(tmp_path):
    path = tmp_path / "s.db"
    first = [{"x": 0.9, "n": 5}, {"x": 0.1, "n": 1}]
    res = minimize(_f, SPACE, method="gp", n_trials=4, storage=path, rng=0, initial=first)
    assert res.trials[["param_x", "param_n"]].head(2).to_dict("records") == [
        {"param_x": 0.9, "param_n": 5}, {"param_x": 0.1, "param_n": 1}]
    again = minimize(_f, SPACE, method="gp", n_trials=5, storage=path, rng=0,
                     initial=pd.DataFrame(first + [{"x": 0.3, "n": 1}]))
    assert len(again.trials) == 5 and again.trials["param_x"].tolist().count(0.9) == 1
    assert again.trials["param_x"].iloc[4] == 0.3
    with pytest.raises(InputError, match="more than the 0 trial"):
        minimize(_f, SPACE, n_trials=5, storage=path, rng=0, method="gp", initial=[{"x": 0.4, "n": 2}])
    with pytest.raises(InputError, match="`initial` item 1"):
        minimize(_f, SPACE, n_trials=5, rng=0, initial=[{"x": 0.4, "n": 2}, {"x": 4.0, "n": 2}])
    with pytest.raises(InputError, match="list of parameter dicts"):
        minimize(_f, SPACE, n_trials=5, rng=0, initial={"x": 0.4, "n": 2})


def test_search_cv_starts_from_a_grid_search():
    X, y = load_diabetes(return_X_y=True)
    grid = GridSearchCV(Ridge(), {"alpha": [1e-3, 1e-2, 1e-1, 1.0, 10.0]}, cv=3,
                        scoring={"r2": "r2", "mse": "neg_mean_squared_error"}, refit="mse").fit(X, y)
    search = SearchCV(Ridge(), {"alpha": Float(1e-4, 100, log=True)}, method="gp", n_trials=4, cv=3,
                      scoring={"r2": "r2", "mse": "neg_mean_squared_error"}, refit="mse", rng=0,
                      known=grid.cv_results_).fit(X, y)
    res = search.study_result_
    assert res.n_added == 5 and len(search.cv_results_["mean_test_mse"]) == 4
    added = res.trials.loc[res.trials["attempts"] == 0, "value"].to_numpy()
    assert added == pytest.approx(-grid.cv_results_["mean_test_mse"])  # the refit metric, not r2
    assert search.get_params()["known"] is grid.cv_results_


def test_tune_run_reads_known_from_the_spec_and_the_command_line(tmp_path, capsys, monkeypatch):
    data = load_diabetes(as_frame=True).frame
    data.to_csv(tmp_path / "diabetes.csv", index=False)
    grid = GridSearchCV(Ridge(), {"alpha": [1e-3, 1e-1, 10.0]}, cv=3, scoring="neg_mean_squared_error")
    grid.fit(data.drop(columns="target"), data["target"])
    pd.DataFrame(grid.cv_results_).drop(columns="params").to_csv(tmp_path / "grid.csv", index=False)
    pd.DataFrame({"alpha": [0.5], "mse": [3000.0]}).to_csv(tmp_path / "mine.csv", index=False)
    spec = tmp_path / "spec.toml"
    body = ('estimator = "sklearn.linear_model.Ridge"\nscoring = "neg_mean_squared_error"\ncv = 3\nn_trials = 3\n'
            'method = "gp"\nseed = 0\n{known}\n[data]\npath = "diabetes.csv"\ntarget = "target"\n\n'
            '[space.alpha]\ntype = "float"\nlow = 1e-4\nhigh = 100.0\nlog = true\n')
    spec.write_text(body.format(known='known = "grid.csv"'))
    assert main(["tune", "run", str(spec), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_added"] == 3 and out["n_trials"] == 6 and out["n_complete"] == 6  # 3 added, 3 run
    assert out["best_score"] >= grid.best_score_ - 1e-9
    # the command line names another file (with the loss named in the spec's table)
    spec.write_text(body.format(known='known = { path = "grid.csv", loss = "mse" }'))
    assert main(["tune", "run", str(spec), "--known", str(tmp_path / "mine.csv"), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_added"] == 1
    # a table with column names only adds nothing (the first run of a pipeline), and "-" reads
    # the table from standard input
    pd.DataFrame({"alpha": [], "mse": []}).to_csv(tmp_path / "none.csv", index=False)
    assert main(["tune", "run", str(spec), "--known", str(tmp_path / "none.csv"), "--study", "empty",
                 "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_added"] == 0 and out["n_complete"] == 3
    monkeypatch.setattr("sys.stdin", io.StringIO("alpha,mse\n0.05,3100.0\n"))
    assert main(["tune", "run", str(spec), "--known", "-", "--study", "piped", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_added"] == 1
    for known, needle in (('known = { path = "grid.csv", loss = "a", score = "b" }', "both `loss` and `score`"),
                          ('known = { file = "grid.csv" }', "unknown key(s) ['file'] in [known]"),
                          ('known = 3', "`known` must be a file path"),
                          ('known = "missing.csv"', "missing.csv")):
        spec.write_text(body.format(known=known))
        assert main(["tune", "run", str(spec)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and needle in err[0], err


def test_report_shades_the_added_trials(tmp_path):
    res = minimize(_f, SPACE, method="random", n_trials=4, rng=0, known=GRID)
    page = write_report(res, tmp_path / "r.html").read_text()
    assert f"the {len(GRID)} evaluations added from elsewhere shaded" in page
    assert "added (evaluated elsewhere)" in page


def test_tune_run_starts_from_an_earlier_study_file(tmp_path, capsys):
    load_diabetes(as_frame=True).frame.to_csv(tmp_path / "diabetes.csv", index=False)
    spec = tmp_path / "spec.toml"
    body = ('estimator = "sklearn.linear_model.Ridge"\nscoring = "neg_mean_squared_error"\ncv = 3\nn_trials = 4\n'
            'seed = 0\n{known}\n[data]\npath = "diabetes.csv"\ntarget = "target"\n\n'
            '[space.alpha]\ntype = "float"\nlow = 1e-4\nhigh = 100.0\nlog = true\n')
    spec.write_text(body.format(known=""))
    assert main(["tune", "run", str(spec), "--method", "grid", "--storage", str(tmp_path / "grid.db"),
                 "--study", "grid", "--format", "json"]) == 0
    grid = json.loads(capsys.readouterr().out)
    spec.write_text(body.format(known='known = { path = "grid.db", study = "grid" }'))
    assert main(["tune", "run", str(spec), "--n-trials", "2", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_added"] == 4 and out["n_trials"] == 6 and out["best_score"] >= grid["best_score"]
    # the losses stored by the earlier run (minus the score) are taken as they are
    shown = read_study(tmp_path / "grid.db", "grid")
    assert -shown.best_value == pytest.approx(grid["best_score"])
    assert main(["tune", "run", str(spec), "--method", "sobol", "--storage", str(tmp_path / "grid.db"),
                 "--study", "other", "--format", "json"]) == 0
    capsys.readouterr()
    spec.write_text(body.format(known='known = "grid.db"'))
    assert main(["tune", "run", str(spec)]) == 2
    assert "holds 2 studies (grid, other); name one in the spec" in capsys.readouterr().err
    spec.write_text(body.format(known='known = { path = "diabetes.csv", study = "grid" }'))
    assert main(["tune", "run", str(spec)]) == 2
    assert "`study` applies to a study file" in capsys.readouterr().err


def test_none_as_a_choice():
    from sklearn.tree import DecisionTreeRegressor

    X, y = load_diabetes(return_X_y=True)
    grid = GridSearchCV(DecisionTreeRegressor(random_state=0), {"max_depth": [None, 3, 5]}, cv=3).fit(X, y)
    space = {"max_depth": Categorical([None, 3, 5, 8])}
    study = Study.create(space, method="random", rng=0)
    study.add_trials(grid.cv_results_)

    def stored():
        return [r.params["max_depth"] for r in study.storage.trials(study._study_id)]

    assert stored() == [None, 3, 5]
    # an empty cell of a CSV reads as NaN: the None choice when the parameter applies
    study.add_trials(pd.DataFrame({"max_depth": [np.nan], "loss": [1.0]}))
    assert stored()[-1] is None and len(stored()) == 4


def test_none_written_as_text_in_a_column_of_words(tmp_path):
    # read with only empty cells as gaps, a hand-written None is the text "None"
    from scimlkit._io import read_table

    (tmp_path / "t.csv").write_text("mf,loss\nsqrt,1.0\nNone,2.0\nlog2,3.0\n")
    table = read_table(tmp_path / "t.csv", na_values=[])
    assert table["mf"].tolist() == ["sqrt", "None", "log2"]
    study = Study.create({"mf": Categorical(["sqrt", "log2", None])}, method="random", rng=0)
    study.add_trials(table)
    assert [r.params["mf"] for r in study.storage.trials(study._study_id)] == ["sqrt", None, "log2"]
    # a choice spelled "None" is that text
    study = Study.create({"mf": Categorical(["sqrt", "None", None])}, method="random", rng=0)
    study.add_trials(table.iloc[:2])
    assert [r.params["mf"] for r in study.storage.trials(study._study_id)] == ["sqrt", "None"]


def test_choices_read_back_from_a_file_as_text_or_numbers(tmp_path):
    # a CSV file turns the choices 0.5 and True of a mixed column into text, and the text choices
    # "1" and "2" of a column of digits into integers: each names its choice when only one matches
    space = {"mf": Categorical(["sqrt", 0.5, True, None]), "k": Categorical(["1", "2"])}
    pd.DataFrame({"mf": ["sqrt", 0.5, True, None], "k": ["1", "2", "2", "1"], "loss": [1.0, 2.0, 3.0, 4.0]}
                 ).to_csv(tmp_path / "t.csv", index=False)
    study = Study.create(space, method="random", rng=0)
    study.add_trials(pd.read_csv(tmp_path / "t.csv"))
    params = [r.params for r in study.storage.trials(study._study_id)]
    assert [p["mf"] for p in params] == ["sqrt", 0.5, True, None]
    assert [p["k"] for p in params] == ["1", "2", "2", "1"]
    # a blank (the choice None) makes a column of the text choices "1" and "2" read as floats
    space2 = {"x": Float(0, 1), "k": Categorical(["1", "2", None])}
    pd.DataFrame({"x": [0.1, 0.2, 0.3], "k": ["1", "2", None], "loss": [1.0, 2.0, 3.0]}).to_csv(tmp_path / "k.csv",
                                                                                           index=False)
    back = pd.read_csv(tmp_path / "k.csv")
    assert back["k"].dtype.kind == "f"
    res = minimize(lambda p: p["x"], space2, method="random", n_trials=1, rng=0, known=back)
    assert res.to_frame()["param_k"].tolist()[:3] == ["1", "2", None]
    # SearchCV reads a saved cv_results_ the same way
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_diabetes(return_X_y=True)
    y = (y > np.median(y)).astype(int)
    grid = GridSearchCV(DecisionTreeClassifier(random_state=0), {"max_features": ["sqrt", 0.5, None]}, cv=3).fit(X, y)
    pd.DataFrame(grid.cv_results_).to_csv(tmp_path / "grid.csv", index=False)
    search = SearchCV(DecisionTreeClassifier(random_state=0), {"max_features": Categorical(["sqrt", 0.5, None, 0.8])},
                      method="grid", n_trials=4, cv=3, known=pd.read_csv(tmp_path / "grid.csv"))
    with pytest.warns(UserWarning, match="holds a better candidate"):  # a known point beats the one evaluated
        search.fit(X, y)
    assert search.cv_results_["param_max_features"].tolist() == [0.8]  # the grid's three points were known
    # text that names no choice is still refused
    with pytest.raises(InputError, match="parameter 'mf' must be one of"):
        study.add_trials(pd.DataFrame({"mf": ["0.50"], "k": ["1"], "loss": [1.0]}))


def test_added_trials_do_not_count_as_stalled_trials():
    from scimlkit.tune import StopWhenStalled

    known = [({"x": float(x), "n": 1}, _f({"x": float(x), "n": 1})) for x in np.linspace(0, 1, 25)]
    res = minimize(_f, SPACE, method="random", n_trials=30, rng=0, known=known, callbacks=[StopWhenStalled(15)])
    ran = int((res.trials["attempts"] > 0).sum())
    assert ran >= 15  # 15 trials run without beating the grid's best, not 15 counting the added ones
    assert "stopped early" in res.message and "15" in res.message


def test_adding_while_trials_run_keeps_them_pending():
    study = Study.create({"k": Int(1, 4)}, method="grid", n_trials=4, rng=0)
    first, second = study.ask(), study.ask()
    study.add_trial({"k": 4}, 1.0)
    third = study.ask()
    assert {first.params["k"], second.params["k"], third.params["k"]} == {1, 2, 3}
    assert study.ask() is None  # k=4 is known: the grid is done once the three running ones finish


def test_a_bad_table_creates_no_study_and_own_trials_are_not_added_twice(tmp_path):
    path = tmp_path / "s.db"
    bad = pd.DataFrame({"x": [0.1], "n": [1], "loss": [1.0], "state": ["ok"]})
    with pytest.raises(InputError, match="row 0: 'state' must be one of COMPLETE, FAILED, PRUNED"):
        minimize(_f, SPACE, n_trials=3, storage=path, rng=0, known=bad)
    with pytest.raises(InputError, match="`initial` item 0"):
        minimize(_f, SPACE, n_trials=3, storage=path, rng=0, known=GRID, initial=[{"x": 3.0, "n": 1}])
    from scimlkit.tune import StudyStorage

    assert StudyStorage(path).study_names() == []  # nothing was created, nothing half-added
    res = minimize(_f, SPACE, method="random", n_trials=3, storage=path, rng=0)
    again = minimize(_f, SPACE, method="random", n_trials=4, storage=path, rng=0, known=res)
    assert again.n_added == 0 and len(again.trials) == 4  # its own trials are already there


@pytest.mark.parametrize("method", ["auto", "gp", "de", "random", "sobol", "grid"])
def test_search_cv_with_every_point_known_says_so(method):
    X, y = load_diabetes(return_X_y=True)
    alphas = [0.01, 0.1, 1.0, 10.0]
    grid = GridSearchCV(Ridge(), {"alpha": alphas}, cv=3).fit(X, y)
    search = SearchCV(Ridge(), {"alpha": Categorical(alphas)}, method=method, n_trials=10, cv=3,
                      known=grid.cv_results_)
    with pytest.raises(InputError, match="every point of the space is already in study 'default' \\(4 of them added"):
        search.fit(X, y)


@pytest.mark.parametrize("method", ["auto", "gp", "de", "random", "sobol"])
def test_a_finite_space_is_searched_without_repeats_then_the_search_stops(method):
    # 6 points and a budget of 10 (RandomizedSearchCV caps n_iter at the grid's size the same way);
    # two points known beforehand are not evaluated again
    space = {"k": Int(1, 3), "c": Categorical(["a", "b"])}
    known = [({"k": 1, "c": "a"}, 0.5), ({"k": 3, "c": "b"}, 0.4)]
    res = minimize(lambda p: p["k"] + (p["c"] == "b"), space, method=method, n_trials=10, rng=0, known=known)
    run = res.trials[res.trials["attempts"] > 0]
    pairs = list(zip(run["param_k"], run["param_c"], strict=True))
    assert len(pairs) == 4 and len(set(pairs)) == 4
    assert not {(1, "a"), (3, "b")} & set(pairs)


def test_search_cv_known_rows_of_other_settings_are_left_out():
    # a grid over alpha and fit_intercept; the search varies alpha with the estimator's fit_intercept=True
    X, y = load_diabetes(return_X_y=True)
    grid = GridSearchCV(Ridge(), {"alpha": [0.01, 0.1, 1.0], "fit_intercept": [True, False]}, cv=3).fit(X, y)
    search = SearchCV(Ridge(), {"alpha": Float(1e-3, 10, log=True)}, method="gp", n_trials=2, cv=3, rng=0,
                      known=grid.cv_results_)
    with pytest.warns(UserWarning, match=r"3 of 6 rows set estimator parameters outside the space .*fit_intercept"):
        search.fit(X, y)
    added = search.study_result_.trials.query("attempts == 0")
    kept = grid.cv_results_["param_fit_intercept"] == True  # noqa: E712 - a masked array of objects
    assert sorted(added["param_alpha"]) == [0.01, 0.1, 1.0]
    assert sorted(-added["value"]) == pytest.approx(sorted(grid.cv_results_["mean_test_score"][kept]))
    # the same rows read back from a table (text where a CSV file has it) and as pairs
    frame = pd.DataFrame(grid.cv_results_).drop(columns="params")
    frame["param_fit_intercept"] = frame["param_fit_intercept"].astype(str)
    for known in (frame, [(p, -s) for p, s in zip(grid.cv_results_["params"], grid.cv_results_["mean_test_score"],
                                                       strict=True)]):
        again = SearchCV(Ridge(), {"alpha": Float(1e-3, 10, log=True)}, method="gp", n_trials=1, cv=3, rng=0,
                         known=known)
        with pytest.warns(UserWarning, match="3 of 6 rows"):
            again.fit(X, y)
        assert again.study_result_.n_added == 3
    # an earlier study over both parameters
    study = SearchCV(Ridge(), {"alpha": [0.01, 0.1, 1.0], "fit_intercept": [True, False]}, method="grid",
                     n_trials=6, cv=3).fit(X, y).study_result_
    from_study = SearchCV(Ridge(), {"alpha": Float(1e-3, 10, log=True)}, method="gp", n_trials=1, cv=3, rng=0,
                          known=study)
    with pytest.warns(UserWarning, match="3 of 6 rows"):
        from_study.fit(X, y)
    assert from_study.study_result_.n_added == 3
    # every row of another setting: nothing to start from
    with pytest.raises(InputError, match="which leaves none"):
        SearchCV(Ridge(fit_intercept="no"), {"alpha": Float(1e-3, 10, log=True)}, n_trials=1, cv=3,
                 known=grid.cv_results_).fit(X, y)


def test_known_and_initial_together_evaluate_a_known_point_once():
    calls = []

    def f(p):
        calls.append(p["x"])
        return (p["x"] - 0.3) ** 2

    res = minimize(f, {"x": Float(0.0, 1.0)}, method="random", n_trials=3, rng=0,
                   known=[({"x": 0.3}, 0.0)], initial=[{"x": 0.3}, {"x": 0.7}])
    assert 0.3 not in calls and calls[0] == 0.7 and len(res.trials) == 4


def test_search_cv_resume_refuses_another_model_in_a_pipeline(tmp_path):
    from sklearn.linear_model import Lasso
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    def pipe(model):
        return Pipeline([("scale", StandardScaler()), ("model", model)])

    X, y = load_diabetes(return_X_y=True)
    path = tmp_path / "p.db"
    space = {"model__alpha": Float(1e-3, 10, log=True)}
    SearchCV(pipe(Ridge()), space, n_trials=2, cv=3, storage=path, rng=0).fit(X, y)
    with pytest.raises(InputError, match="holds losses of another objective .*Ridge.*Lasso"):
        SearchCV(pipe(Lasso()), space, n_trials=3, cv=3, storage=path, rng=0).fit(X, y)
    # a study stored before the inner estimators were named (its label without them) resumes
    old = Study.create(space, method="auto", storage=tmp_path / "o.db", name="default", n_trials=3,
                       objective_label="sklearn.pipeline.Pipeline, scoring the estimator's score")
    old.close()
    assert len(SearchCV(pipe(Ridge()), space, n_trials=2, cv=3, storage=tmp_path / "o.db", rng=0)
               .fit(X, y).study_result_.trials) == 2
    # a step the search chooses is not part of the label: another starting choice resumes
    choose = {"model": [Ridge(), Lasso()]}
    SearchCV(pipe(Ridge()), choose, n_trials=1, cv=3, storage=tmp_path / "c.db", rng=0).fit(X, y)
    again = SearchCV(pipe(Lasso()), choose, n_trials=2, cv=3, storage=tmp_path / "c.db", rng=0)
    with pytest.warns(UserWarning, match="holds a better candidate"):  # the first fit's Ridge beats this one
        assert len(again.fit(X, y).study_result_.trials) == 2


def test_tune_show_marks_added_trials(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    path = tmp_path / "s.db"
    minimize(_f, SPACE, method="random", n_trials=2, storage=path, rng=0, known=GRID[:3])
    assert main(["tune", "show", str(path)]) == 0
    text = capsys.readouterr().out
    assert "attempts" in text and "added (evaluated elsewhere)" in text


def test_a_pruned_trial_without_a_reported_loss_stays_pruned_when_added():
    # a trial stopped before it reported any loss (tell(pruned=True) with nothing reported) is
    # pruned, not failed, in the study it came from and in a study started from it
    study = Study.create(SPACE, method="random", rng=0)
    for pruned in (False, True, True):
        trial = study.ask()
        if pruned and trial.number == 1:
            study.tell(trial, None, pruned=True)  # nothing reported
        else:
            study.should_prune(trial, 0.4, 0)
            study.tell(trial, 0.4 if not pruned else None, pruned=pruned)
    earlier = study.result()
    assert earlier.trials["state"].tolist() == ["COMPLETE", "PRUNED", "PRUNED"]
    assert math.isnan(earlier.trials["value"].iloc[1])
    again = minimize(_f, SPACE, method="random", n_trials=1, rng=0, known=earlier)
    assert again.trials["state"].tolist()[:3] == ["COMPLETE", "PRUNED", "PRUNED"]
    assert (again.n_pruned, again.n_failed) == (2, 0)
    assert again.trials["error"].iloc[:3].isna().all()


def _stepwise(p):
    """A loss reported after each of four steps, falling faster for larger x."""
    value = 1.0
    for step in range(4):
        value *= 1.0 - 0.9 * p["x"]
        report_step(value + 0.01 * p["n"], step)
    return value + 0.01 * p["n"]


def test_an_earlier_study_brings_its_intermediate_losses(tmp_path):
    earlier = minimize(_stepwise, SPACE, method="random", n_trials=7, rng=0)
    assert len(earlier.intermediate) == 28
    db = tmp_path / "study.db"
    res = minimize(_stepwise, SPACE, method="random", n_trials=3, rng=1, storage=db, known=earlier,
                   pruner="median")
    added = res.trials[res.trials["attempts"] == 0]
    assert len(added) == 7
    # the added trials keep their steps and losses, in the result and in the file
    old = earlier.intermediate.sort_values(["number", "step"])
    number_of = dict(zip(earlier.trials["number"], added["number"], strict=True))
    new = res.intermediate[res.intermediate["number"].isin(added["number"])].sort_values(["number", "step"])
    assert new["number"].tolist() == [number_of[n] for n in old["number"]]
    assert new["step"].tolist() == old["step"].tolist() and new["loss"].tolist() == old["loss"].tolist()
    assert added["last_step"].tolist() == [3.0] * 7
    stored = read_study(db)
    assert len(stored.intermediate) == len(res.intermediate)
    # resuming with the same evaluations, or adding them again, duplicates nothing
    again = minimize(_stepwise, SPACE, method="random", n_trials=3, rng=1, storage=db, known=earlier,
                     pruner="median")
    assert again.n_added == 7 and len(again.intermediate) == len(res.intermediate)
    study = Study.load(db, pruner=MedianPruner(n_startup_trials=5))
    assert study.add_trials(earlier) == [] and study.add_trials(stored) == []
    assert len(study.result().intermediate) == len(res.intermediate)
    study.close()
    # the pruner compares a new trial with the added curves before the study ran any trial of its own
    fresh = Study.create(SPACE, method="random", rng=0, pruner=MedianPruner(n_startup_trials=5))
    fresh.add_trials(read_study(db))  # a stored study read back
    trial = fresh.ask()
    median = float(np.median(old.loss[old.step == 0]))
    assert fresh.should_prune(trial, median + 1.0, 0) is True
    fresh.tell(trial, median + 1.0, pruned=True)
    trial = fresh.ask()
    assert fresh.should_prune(trial, median - 1.0, 0) is False


def test_a_plain_table_adds_no_intermediate_losses():
    earlier = minimize(_stepwise, SPACE, method="random", n_trials=6, rng=0)
    study = Study.create(SPACE, method="random", rng=0, pruner=MedianPruner(n_startup_trials=1))
    assert len(study.add_trials(earlier.trials)) == 6  # the table alone: no steps
    res = study.result()
    assert res.n_added == 6 and len(res.intermediate) == 0 and res.trials["last_step"].isna().all()
    trial = study.ask()  # the added trials count as start-up trials, but none reported a step
    assert study.should_prune(trial, 100.0, 0) is False


def test_added_trials_without_steps_count_among_the_start_up_trials():
    # as Optuna's pruners count trials added with add_trial: 3 with steps and 3 without make
    # the 5 start-up trials, and a bad new trial is compared with the 3 that reported step 0
    # (MedianPruner(n_startup_trials=5) in Optuna prunes it)
    earlier = minimize(_stepwise, SPACE, method="random", n_trials=3, rng=0)
    plain = minimize(_stepwise, SPACE, method="random", n_trials=3, rng=1)
    study = Study.create(SPACE, method="random", rng=0, pruner=MedianPruner(n_startup_trials=5))
    study.add_trials(earlier)
    study.add_trials(plain.trials)  # a table: no steps
    trial = study.ask()
    assert study.should_prune(trial, 100.0, 0) is True


def test_an_added_failed_trial_keeps_its_error_text():
    # it came in as "no result in the added evaluation", losing why it failed
    def sometimes(p):
        if p["x"] > 0.5:
            raise ValueError("diverged")
        return p["x"]

    earlier = minimize(sometimes, SPACE, method="random", n_trials=12, rng=0)
    failed = earlier.trials[earlier.trials["state"] == "FAILED"]
    assert len(failed) and failed["error"].str.contains("diverged").all()
    study = Study.create(SPACE, method="random", rng=0)
    study.add_trials(earlier)
    added = study.result().trials
    errors = added.loc[added["state"] == "FAILED", "error"]
    assert len(errors) == len(failed) and errors.str.contains("ValueError: diverged").all()
    # a table whose failed rows hold no text still says where they came from
    study = Study.create(SPACE, method="random", rng=0)
    study.add_trials(earlier.trials.drop(columns="error"))
    assert (study.result().trials.loc[lambda t: t["state"] == "FAILED", "error"]
            == "failed in the added evaluation").all()
