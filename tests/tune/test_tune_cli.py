"""``scimlkit tune run`` and ``scimlkit tune show``, in-process."""

from __future__ import annotations

import io
import json

import pytest
from sklearn.datasets import load_diabetes

from scimlkit.cli import main

SPEC = """
estimator = "sklearn.linear_model.Ridge"
scoring = "neg_mean_squared_error"
cv = 3
n_trials = 5
method = "sobol"
storage = "study.db"
study = "ridge"
seed = 0

[params]
fit_intercept = true

[data]
path = "diabetes.csv"
target = "target"

[space.alpha]
type = "float"
low = 1e-4
high = 10.0
log = true

[space.solver]
type = "categorical"
choices = ["auto", "svd"]
"""


@pytest.fixture()
def job(tmp_path):
    load_diabetes(as_frame=True).frame.to_csv(tmp_path / "diabetes.csv", index=False)
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    return spec


def _one_error_line(capsys, rc, needle):
    out = capsys.readouterr()
    assert rc == 2
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("scimlkit: error:"), out.err
    assert needle in lines[0], lines[0]


def test_run_json_then_show(job, capsys):
    rc = main(["tune", "run", str(job), "--format", "json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_complete"] == 5 and out["study"] == "ridge" and out["scoring"] == "neg_mean_squared_error"
    assert set(out["best_params"]) == {"alpha", "solver"}
    assert out["best_score"] < 0
    # the study is stored next to the spec; show reads it back
    rc = main(["tune", "show", str(job.parent / "study.db"), "--format", "json"])
    assert rc == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["best_value"] == pytest.approx(-out["best_score"])
    assert shown["best_params"] == out["best_params"]
    assert len(shown["trials"]) == 5 and shown["n_complete"] == 5
    # running again with a larger budget resumes the stored study
    rc = main(["tune", "run", str(job), "--n-trials", "7", "--format", "json"])
    assert rc == 0
    assert json.loads(capsys.readouterr().out)["n_trials"] == 7


def test_run_and_show_tables(job, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["tune", "run", str(job), "--storage", str(job.parent / "other.db")]) == 0
    text = capsys.readouterr().out
    assert "best alpha" in text and "best_score" in text
    assert main(["tune", "show", str(job.parent / "other.db"), "--study", "ridge"]) == 0
    text = capsys.readouterr().out
    assert "COMPLETE" in text and "param_alpha" in text and "best trial" in text


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_show_writes_the_trials_to_a_table(job, capsys, suffix):
    import pandas as pd

    from scimlkit._io import read_table
    from scimlkit.tune import Categorical, Float, minimize

    db = str(job.parent / "study.db")
    main(["tune", "run", str(job), "--format", "json"])
    capsys.readouterr()
    out = job.parent / f"trials{suffix}"
    assert main(["tune", "show", db, "--out", str(out), "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["out"] == str(out)
    table = read_table(out)
    assert table["number"].tolist() == [t["number"] for t in shown["trials"]]
    assert table["value"].tolist() == pytest.approx([t["value"] for t in shown["trials"]])
    assert {"param_alpha", "param_solver", "started", "finished"} <= set(table.columns)
    assert main(["tune", "show", db, "--out", str(out)]) == 0
    assert "trials written to" in capsys.readouterr().out
    # to standard output: the table alone there, the summary (naming standard output) on stderr
    assert main(["tune", "show", db, "--out", "-"]) == 0
    captured = capsys.readouterr()
    assert pd.read_csv(io.StringIO(captured.out))["number"].tolist() == table["number"].tolist()
    assert "trials written to" in captured.err and "standard output" in captured.err
    _one_error_line(capsys, main(["tune", "show", db, "--out", str(job.parent / "t.xlsx")]),
                    "unsupported extension '.xlsx'")
    # --top: the best complete trials, best first
    assert main(["tune", "show", db, "--top", "2"]) == 0
    text = capsys.readouterr().out
    best = table[table["state"] == "COMPLETE"].sort_values("value", kind="stable")["number"].head(2).tolist()
    rows = [int(line.split("│")[1]) for line in text.splitlines() if "COMPLETE" in line]
    assert rows == best and f"the 2 best of {int((table['state'] == 'COMPLETE').sum())} complete trials" in text
    _one_error_line(capsys, main(["tune", "show", db, "--top", "0"]), "`--top` must be")

    # choices of several types come back as text, and a study started from the table reads them as the choices
    space = {"x": Float(0, 1), "mf": Categorical(["sqrt", 0.5, None])}
    mixed = job.parent / "mixed.db"
    minimize(lambda p: p["x"], space, method="grid", n_trials=6, storage=str(mixed))
    assert main(["tune", "show", str(mixed), "--out", str(job.parent / f"mixed{suffix}")]) == 0
    back = read_table(job.parent / f"mixed{suffix}")
    assert back["param_mf"].iloc[:2].tolist() == ["sqrt", "0.5"] and pd.isna(back["param_mf"].iloc[2])
    again = minimize(lambda p: p["x"], space, method="random", n_trials=1, rng=0, known=back)
    assert again.n_added == 6
    assert again.to_frame()["param_mf"].tolist()[:6] == ["sqrt", 0.5, None, "sqrt", 0.5, None]


def test_show_errors(job, tmp_path, capsys):
    _one_error_line(capsys, main(["tune", "show", str(tmp_path / "missing.db")]), "does not exist")
    junk = tmp_path / "junk.db"
    junk.write_text("not sqlite")
    _one_error_line(capsys, main(["tune", "show", str(junk)]), "not a SQLite database")
    main(["tune", "run", str(job), "--study", "a", "--format", "json"])
    main(["tune", "run", str(job), "--study", "b", "--format", "json"])
    capsys.readouterr()
    _one_error_line(capsys, main(["tune", "show", str(job.parent / "study.db")]), "holds 2 studies (a, b)")
    _one_error_line(capsys, main(["tune", "show", str(job.parent / "study.db"), "--study", "zz"]), "not found")


@pytest.mark.parametrize(("old", "new", "needle"), [
    ('estimator = "sklearn.linear_model.Ridge"', "", "missing required key `estimator`"),
    ("sklearn.linear_model.Ridge", "sklearn.linear_model.Rigde", "no 'Rigde'"),
    ("sklearn.linear_model.Ridge", "sklearnx.models.Ridge", "could not be imported"),
    ('target = "target"', 'target = "label"', "column 'label' not found"),
    ("high = 10.0", "high = 1e-5", "[space.alpha]: `low` must be smaller than `high`"),
    ("low = 1e-4", "low = 0.0", "must be > 0 when log=True"),
    ('type = "float"', 'type = "double"', "`type` must be 'float', 'int' or 'categorical'"),
    ("high = 10.0", "hi = 10.0", "unknown key(s) ['hi']"),
    ('method = "sobol"', 'method = "tpe"', "`method` must be one of"),
    ("n_trials = 5", "n_trials = 0", "`n_trials` must be in"),
    ('scoring = "neg_mean_squared_error"', 'scoring = "mse"', "`scoring` must be a scikit-learn scorer"),
    ("fit_intercept = true", "fit_intercept = true\nwings = 2", "not accepted by Ridge"),
    ('path = "diabetes.csv"', 'path = "nope.csv"', "does not exist"),
    ("[space.solver]", "[space.colour]", "names ['colour'] are not parameters of Ridge"),
    ("cv = 3", "cv = [3]", "`cv` must be an integer"),
    ("seed = 0", "seed = 0\nseeds = 1", "unknown key(s) ['seeds']"),
    ("[data]", "[[data]]", "[data] must be a table"),
    ("n_trials = 5", "n_trials = 5 5", "not valid TOML"),
    ("sklearn.linear_model.Ridge", "..Ridge", "could not be imported"),
    ("sklearn.linear_model.Ridge", "os.path", "is not a class"),
    ('target = "target"', 'target = "target"\nfeatures = []', "`features` is empty"),
    ('target = "target"', 'target = "target"\nfeatures = ["bmi", "target"]', "includes the target"),
    ('target = "target"', 'target = "target"\nfeatures = ["bmi", "bmi"]', "names a column twice"),
    ("cv = 3", "cv = 500", "too few for cv=500"),
    ("[space.solver]", "[space.solvr]", "are not parameters of Ridge (did you mean 'solver'?)"),
    ("fit_intercept = true", "fit_intercept = true\nalpha = 1.0", "['alpha'] set in [params] and searched in [space]"),
    ("sklearn.linear_model.Ridge", "my_own_models.Ridge", "a module of your own goes beside the spec"),
])
def test_bad_spec_exits_2_with_one_line(job, capsys, old, new, needle):
    text = job.read_text()
    assert old in text
    job.write_text(text.replace(old, new, 1))
    _one_error_line(capsys, main(["tune", "run", str(job)]), needle)


def test_missing_spec_and_usage_errors(tmp_path, capsys):
    _one_error_line(capsys, main(["tune", "run", str(tmp_path / "none.toml")]), "does not exist")
    assert main(["tune"]) == 2
    assert main(["tune", "run"]) == 2


def test_a_spec_must_be_utf8_and_may_start_with_a_byte_order_mark(job, capsys):
    text = job.read_text()
    job.write_bytes(("# modèle ridge\n" + text).encode("latin-1"))
    _one_error_line(capsys, main(["tune", "run", str(job)]), "must be UTF-8 text")
    job.write_bytes(("# modèle ridge\n" + text).encode("utf-8-sig"))
    assert main(["tune", "run", str(job), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_complete"] == 5


def test_every_trial_failing_exits_2_with_one_line(job, capsys):
    text = job.read_text().replace('choices = ["auto", "svd"]', 'choices = ["no-such-solver"]')
    job.write_text(text)
    rc = main(["tune", "run", str(job), "--format", "json"])
    out = capsys.readouterr()
    assert rc == 2
    assert json.loads(out.out)["n_failed"] == 5
    assert "no trial completed" in out.err and out.err.count("\n") == 1


def test_a_stored_study_of_another_scoring_is_refused(job, capsys):
    assert main(["tune", "run", str(job), "--format", "json"]) == 0
    capsys.readouterr()
    text = job.read_text()
    job.write_text(text.replace('scoring = "neg_mean_squared_error"', 'scoring = "neg_mean_absolute_error"'))
    rc = main(["tune", "run", str(job), "--n-trials", "12"])
    _one_error_line(capsys, rc, "another objective")


def test_method_and_seed_overrides(job, capsys):
    job.write_text(job.read_text().replace('method = "sobol"', 'method = "Random"'))
    assert main(["tune", "run", str(job), "--method", "SOBOL", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["method"] == "sobol"
    assert main(["tune", "run", str(job), "--seed", "-1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--seed: must be in [0, 2**32 - 1]" in err


def test_run_and_show_a_conditional_space(job, capsys):
    # Ridge's `solver` choice decides whether `tol` is searched (a conditional parameter)
    job.write_text(job.read_text() + """
[space.tol]
type = "float"
low = 1e-6
high = 1e-2
log = true
when = { solver = "svd" }
""")
    rc = main(["tune", "run", str(job), "--method", "random", "--format", "json"])
    assert rc == 0, capsys.readouterr().err
    out = json.loads(capsys.readouterr().out)
    assert ("tol" in out["best_params"]) == (out["best_params"]["solver"] == "svd")
    rc = main(["tune", "show", str(job.parent / "study.db"), "--format", "json"])
    assert rc == 0
    trials = json.loads(capsys.readouterr().out)["trials"]
    assert {t["param_solver"] for t in trials} == {"auto", "svd"}
    assert all((t["param_tol"] is not None) == (t["param_solver"] == "svd") for t in trials)


def test_run_and_show_write_reports(job, capsys):
    report = job.parent / "run.html"
    rc = main(["tune", "run", str(job), "--format", "json", "--report", str(report)])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["report"] == str(report)
    text = report.read_text()
    assert "Study &#39;ridge&#39;" in text or "Study 'ridge'" in text
    assert text.count("<svg") == 4  # convergence, fold by fold losses, relevance, slices
    assert "best 5 complete trials" in text
    folder = job.parent / "shown"
    rc = main(["tune", "show", str(job.parent / "study.db"), "--report", str(folder)])
    out = capsys.readouterr().out
    assert rc == 0 and "report" in out and (folder / "index.html").exists()
    rc = main(["tune", "show", str(job.parent / "study.db"), "--format", "json", "--report", str(folder)])
    assert rc == 0 and json.loads(capsys.readouterr().out)["report"] == str(folder / "index.html")


def test_a_bad_report_path_is_refused_before_tuning(job, capsys):
    (job.parent / "taken").write_text("a file")
    rc = main(["tune", "run", str(job), "--report", str(job.parent / "taken")])
    _one_error_line(capsys, rc, "is an existing file, not a folder")
    assert not (job.parent / "study.db").exists()  # refused before any trial ran
    rc = main(["tune", "run", str(job), "--report", str(job.parent / "taken" / "r.html")])
    _one_error_line(capsys, rc, "is not a folder")
    rc = main(["tune", "show", str(job.parent / "study.db"), "--report", str(job.parent / "taken")])
    _one_error_line(capsys, rc, "is an existing file, not a folder")


def test_patience_stops_the_run_early(job, capsys):
    job.write_text(job.read_text().replace("n_trials = 5", "n_trials = 40\npatience = 3"))
    rc = main(["tune", "run", str(job), "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["n_trials"] < 40 and "stopped early" in out["message"]
    # `tune show` says why the stored study stopped
    assert main(["tune", "show", out["storage"], "--study", out["study"]]) == 0
    assert "stopped early" in capsys.readouterr().out
    assert main(["tune", "show", out["storage"], "--study", out["study"], "--format", "json"]) == 0
    assert "did not improve" in json.loads(capsys.readouterr().out)["stop_reason"]
    rc = main(["tune", "run", str(job), "--format", "json", "--patience", "100", "--study", "long",
               "--n-trials", "12"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["n_trials"] == 12 and "stopped early" not in out["message"]
    rc = main(["tune", "run", str(job), "--patience", "0"])
    _one_error_line(capsys, rc, "argument --patience: must be a positive integer")
    job.write_text(job.read_text().replace("patience = 3", "patience = -2"))
    rc = main(["tune", "run", str(job)])
    _one_error_line(capsys, rc, "`patience`")


@pytest.mark.parametrize(("old", "new"), [
    ("cv = 3", "cv = 4"),
    ("fit_intercept = true", "fit_intercept = false"),
    ('target = "target"', 'target = "target"\nfeatures = ["age", "bmi"]'),
    (None, None),  # the data file edited in place: the digest of the data read tells it apart
])
def test_a_stored_study_of_another_job_is_refused(job, capsys, old, new):
    assert main(["tune", "run", str(job), "--format", "json"]) == 0
    capsys.readouterr()
    if old is None:
        load_diabetes(as_frame=True).frame.iloc[:-1].to_csv(job.parent / "diabetes.csv", index=False)
    else:
        job.write_text(job.read_text().replace(old, new, 1))
    rc = main(["tune", "run", str(job), "--n-trials", "8"])
    _one_error_line(capsys, rc, "holds losses of another objective")
    # the changed job runs under another study name
    assert main(["tune", "run", str(job), "--n-trials", "8", "--study", "other"]) == 0


def test_a_study_stored_with_the_earlier_label_resumes(job, capsys):
    # studies stored before the label named the data, folds and settings carry the short form
    from scimlkit.tune import Study
    from scimlkit.tune._spec import load_spec

    spec = load_spec(job)
    Study.create(spec.space, method="sobol", storage=job.parent / "study.db", name="ridge", rng=0,
                 objective_label="sklearn.linear_model.Ridge, scoring neg_mean_squared_error, target 'target'").close()
    assert main(["tune", "run", str(job), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_complete"] == 5
    # relabelled: the next run with other data is refused
    load_diabetes(as_frame=True).frame.iloc[:-1].to_csv(job.parent / "diabetes.csv", index=False)
    _one_error_line(capsys, main(["tune", "run", str(job), "--n-trials", "8"]), "holds losses of another objective")


def test_a_study_stored_with_the_earlier_data_digest_resumes_once(job, capsys):
    # the label written before the data digest was the one SearchCV uses (the frame's index left out)
    import pandas as pd

    from scimlkit.tune import Study
    from scimlkit.tune._digest import data_digest
    from scimlkit.tune._spec import load_spec

    spec = load_spec(job)
    X, y = spec.load_data()
    label, earlier = spec.objective_label(X, y)
    frame = load_diabetes(as_frame=True).frame
    assert label.endswith(f"#{data_digest(frame.drop(columns='target'), frame['target'])}")
    assert data_digest(X.set_index(pd.Index(range(1, len(X) + 1))), y) == data_digest(X, y)
    old = ('sklearn.linear_model.Ridge {"fit_intercept": true}, scoring neg_mean_squared_error, cv 3, '
           "target 'target', data diabetes.csv #603ac8d6848f")
    assert earlier[0] == old
    Study.create(spec.space, method="sobol", storage=job.parent / "study.db", name="ridge", rng=0,
                 objective_label=old).close()
    assert main(["tune", "run", str(job), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_complete"] == 5
    assert main(["tune", "run", str(job), "--n-trials", "7", "--format", "json"]) == 0  # relabelled, resumes
    assert json.loads(capsys.readouterr().out)["n_complete"] == 7


def test_the_string_none_stands_for_none(job, capsys, monkeypatch):
    # TOML has no null: "None" is Python's None as a choice, a `when` value and in [params]
    monkeypatch.setenv("COLUMNS", "200")
    text = (job.read_text().replace("fit_intercept = true", 'fit_intercept = true\nrandom_state = "None"')
            .replace('[space.solver]\ntype = "categorical"\nchoices = ["auto", "svd"]',
                     '[space.max_iter]\ntype = "categorical"\nchoices = ["None", 500]\n\n'
                     '[space.tol]\ntype = "float"\nlow = 1e-5\nhigh = 1e-3\nwhen = { max_iter = "None" }'))
    job.write_text(text)
    from scimlkit.tune._spec import load_spec

    spec = load_spec(job)
    assert spec.params["random_state"] is None and spec.space.params["max_iter"].choices == (None, 500)
    assert main(["tune", "run", str(job), "--method", "grid", "--n-trials", "8", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_failed"] == 0 and out["n_complete"] == 8
    assert main(["tune", "show", str(job.parent / "study.db"), "--format", "json"]) == 0
    trials = json.loads(capsys.readouterr().out)["trials"]
    assert {t["param_max_iter"] for t in trials} == {None, 500}
    # a choice of None is shown as None, not as the "-" of a missing value
    assert main(["tune", "show", str(job.parent / "study.db")]) == 0
    text = capsys.readouterr().out
    rows = [line.split("│") for line in text.splitlines() if "COMPLETE" in line]
    assert sorted({r[5].strip() for r in rows}) == ["500", "None"]
    # tol did not apply where max_iter is 500: shown as "-", not nan
    assert {r[6].strip() for r in rows if r[5].strip() == "500"} == {"-"}
    assert any("best max_iter" in line and "None" in line for line in text.splitlines())


def test_a_groups_column_gives_group_folds(job, capsys):
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GroupKFold, cross_val_score

    frame = pd.read_csv(job.parent / "diabetes.csv")
    frame["clinic"] = np.arange(len(frame)) % 7
    frame.to_csv(job.parent / "diabetes.csv", index=False)
    job.write_text(job.read_text().replace('target = "target"', 'target = "target"\ngroups = "clinic"'))
    assert main(["tune", "run", str(job), "--format", "json"]) == 0
    capsys.readouterr()
    from scimlkit.tune import read_study

    trial = read_study(job.parent / "study.db", "ridge").to_frame().iloc[0]
    X, y = frame.drop(columns=["target", "clinic"]), frame["target"]  # the groups column is not a feature
    reference = cross_val_score(Ridge(alpha=trial["param_alpha"], solver=trial["param_solver"]), X, y,
                                groups=frame["clinic"], cv=GroupKFold(n_splits=3), scoring="neg_mean_squared_error")
    assert trial["value"] == pytest.approx(-reference.mean(), rel=1e-9)
    for old, new, needle in [('groups = "clinic"', 'groups = "clinc"', "column 'clinc' not found"),
                             ('groups = "clinic"', 'groups = "target"', "is also the target or a feature")]:
        job.write_text(job.read_text().replace(old, new))
        _one_error_line(capsys, main(["tune", "run", str(job), "--storage", str(job.parent / "g.db")]), needle)
        job.write_text(job.read_text().replace(new, old))
    frame.assign(clinic=np.arange(len(frame)) % 2).to_csv(job.parent / "diabetes.csv", index=False)
    _one_error_line(capsys, main(["tune", "run", str(job), "--storage", str(job.parent / "g.db")]),
                    "has 2 group(s): too few for cv=3 folds")
    # regrouped rows make other folds: the stored study is not resumed with them
    frame.assign(clinic=np.arange(len(frame)) % 5).to_csv(job.parent / "diabetes.csv", index=False)
    _one_error_line(capsys, main(["tune", "run", str(job), "--n-trials", "6"]), "another objective")


def test_a_module_beside_the_spec_is_found(job, capsys, monkeypatch):
    import sys

    monkeypatch.setattr(sys, "path", list(sys.path))  # the folder put on the path is taken off afterwards
    monkeypatch.delitem(sys.modules, "tune_spec_beside", raising=False)
    (job.parent / "tune_spec_beside.py").write_text(FACTORIES)
    job.write_text(job.read_text().replace("sklearn.linear_model.Ridge", "tune_spec_beside.scaled_ridge")
                   .replace("fit_intercept = true", "").replace("[space.alpha]", "[space.ridge__alpha]")
                   .replace("[space.solver]", "[space.ridge__solver]"))
    assert main(["tune", "run", str(job), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_complete"] == 5
    job.write_text(job.read_text().replace("[space.ridge__alpha]", "[space.ridge__alhpa]"))
    _one_error_line(capsys, main(["tune", "run", str(job)]),
                    "are not parameters of the Pipeline 'scaled_ridge' returns (did you mean 'ridge__alpha'?)")
    # the folder goes last on the path: a file beside the spec never hides an installed module
    assert sys.path[-1] == str(job.parent.resolve()) and str(job.parent.resolve()) not in sys.path[:-1]


def test_a_module_shadowed_by_an_installed_one_is_named(job, capsys, monkeypatch):
    import sys

    monkeypatch.setattr(sys, "path", list(sys.path))
    (job.parent / "string.py").write_text(FACTORIES)  # the standard library's string module wins
    job.write_text(job.read_text().replace("sklearn.linear_model.Ridge", "string.scaled_ridge"))
    _one_error_line(capsys, main(["tune", "run", str(job)]),
                    "not from the 'string' beside the spec: rename that module")
    # a typo in a function of a package beside the spec is only a typo
    monkeypatch.delitem(sys.modules, "tune_spec_pkg", raising=False)
    monkeypatch.delitem(sys.modules, "tune_spec_pkg.models", raising=False)
    (job.parent / "tune_spec_pkg").mkdir()
    (job.parent / "tune_spec_pkg" / "__init__.py").write_text("")
    (job.parent / "tune_spec_pkg" / "models.py").write_text(FACTORIES)
    job.write_text(job.read_text().replace("string.scaled_ridge", "tune_spec_pkg.models.scaled_ridg"))
    rc = main(["tune", "run", str(job)])
    err = capsys.readouterr().err
    assert rc == 2 and "module 'tune_spec_pkg.models' has no 'scaled_ridg'" in err and "rename" not in err


FACTORIES = """
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def scaled_ridge():
    return make_pipeline(StandardScaler(), Ridge())


def not_an_estimator():
    return 42


def needs_an_argument(alpha):
    return Ridge(alpha=alpha)


def returns_the_class():
    return Ridge
"""


def test_estimator_may_be_a_function_returning_a_pipeline(job, capsys, monkeypatch):
    import importlib
    import sys

    (job.parent / "tune_spec_factories.py").write_text(FACTORIES)
    monkeypatch.syspath_prepend(str(job.parent))
    importlib.invalidate_caches()
    monkeypatch.delitem(sys.modules, "tune_spec_factories", raising=False)
    text = (job.read_text().replace("sklearn.linear_model.Ridge", "tune_spec_factories.scaled_ridge")
            .replace("fit_intercept = true", "ridge__fit_intercept = false")
            .replace("[space.alpha]", "[space.ridge__alpha]").replace("[space.solver]", "[space.ridge__solver]"))
    job.write_text(text)
    from scimlkit.tune._spec import load_spec

    spec = load_spec(job)
    model = spec.build_estimator()
    assert type(model).__name__ == "Pipeline" and model.get_params()["ridge__fit_intercept"] is False
    # a study of this job stored under the earlier label (settings and data digests of the time) resumes
    label, earlier = spec.objective_label(*spec.load_data(), model)
    assert earlier[0] == ('tune_spec_factories.scaled_ridge (builds sklearn.pipeline.Pipeline #c23fc32cd5fe) '
                          '{"ridge__fit_intercept": false}, scoring neg_mean_squared_error, cv 3, target \'target\', '
                          'data diabetes.csv #603ac8d6848f')
    assert label != earlier[0] and label.endswith("data diabetes.csv #fa3f4589af16")
    assert main(["tune", "run", str(job), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_complete"] == 5 and set(out["best_params"]) == {"ridge__alpha", "ridge__solver"}
    for name, needle in [("not_an_estimator", "is not a scikit-learn estimator (it returned 42)"),
                         ("needs_an_argument", "failed when called without arguments: TypeError"),
                         ("returns_the_class", "it returned the class Ridge, not an estimator made from it")]:
        job.write_text(text.replace("scaled_ridge", name))
        _one_error_line(capsys, main(["tune", "run", str(job)]), needle)
    job.write_text(text.replace("ridge__fit_intercept", "ridge__no_such_thing"))
    _one_error_line(capsys, main(["tune", "run", str(job)]), "[params] not accepted by the estimator 'scaled_ridge'")


def test_an_edited_estimator_function_is_another_job(job, capsys, monkeypatch):
    import importlib
    import sys

    module = job.parent / "tune_spec_edited.py"
    source = FACTORIES.replace("make_pipeline(StandardScaler(), Ridge())", "make_pipeline(StandardScaler(), Ridge(tol=1e-4))")
    module.write_text(source)
    monkeypatch.syspath_prepend(str(job.parent))
    monkeypatch.delitem(sys.modules, "tune_spec_edited", raising=False)
    importlib.invalidate_caches()
    text = (job.read_text().replace("sklearn.linear_model.Ridge", "tune_spec_edited.scaled_ridge")
            .replace("fit_intercept = true", "").replace("[space.alpha]", "[space.ridge__alpha]")
            .replace("[space.solver]", "[space.ridge__solver]"))
    job.write_text(text)
    assert main(["tune", "run", str(job), "--format", "json"]) == 0
    capsys.readouterr()
    assert main(["tune", "run", str(job), "--n-trials", "6", "--format", "json"]) == 0  # the same function resumes
    capsys.readouterr()
    module.write_text(source.replace("Ridge(tol=1e-4)", "Ridge(tol=1e-3)"))
    monkeypatch.delitem(sys.modules, "tune_spec_edited", raising=False)
    importlib.invalidate_caches()
    _one_error_line(capsys, main(["tune", "run", str(job), "--n-trials", "8"]), "holds losses of another objective")


def test_run_refuses_to_write_over_its_spec_or_data(job, capsys):
    spec = job.with_suffix(".html")  # a spec may have any name
    spec.write_text(SPEC)
    data = job.parent / "diabetes.csv"
    for path, argv, option in ((spec, ["--report", str(spec)], "--report"),
                               (data, ["--storage", str(data)], "--storage")):
        before = path.read_bytes()
        _one_error_line(capsys, main(["tune", "run", str(spec), *argv]), f"{option} '{path}' is the same file as")
        assert path.read_bytes() == before


def test_show_refuses_to_write_over_its_study(job, capsys):
    for name, option in (("study.csv", "--out"), ("study.html", "--report")):
        db = job.parent / name  # a study storage may have any name
        assert main(["tune", "run", str(job), "--storage", str(db), "--n-trials", "2"]) == 0
        capsys.readouterr()
        before = db.read_bytes()
        rc = main(["tune", "show", str(db), option, str(db)])
        _one_error_line(capsys, rc, f"{option} '{db}' is the same file as DB")
        assert db.read_bytes() == before
