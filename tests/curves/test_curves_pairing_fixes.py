"""Folds paired by a fold column, one metric for `scoring`, several forecast sizes, a target at
the asymptote."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scimlkit import InputError
from scimlkit.cli import main
from scimlkit.curves import fit_curve, learning_curve

SIZES = np.array([50, 100, 200, 400, 800, 1600, 3200])


def _long(seed: int = 0) -> pd.DataFrame:
    """Five folds per size, one row per (size, fold), in size-then-fold order."""
    rng = np.random.default_rng(seed)
    folds = (0.95 - 0.9 * SIZES ** -0.4)[:, None] + rng.normal(0, 0.005, (len(SIZES), 5))
    return pd.DataFrame({"n": np.repeat(SIZES, 5), "fold": np.tile(range(5), len(SIZES)), "acc": folds.ravel()})


def _run(capsys, path, *extra):
    rc = main(["curves", "fit", str(path), "--size", "n", "--score", "acc", "--n-bootstrap", "40",
               "--format", "json", *extra])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    return captured.out, captured.err


# -- 1: folds paired by the fold column ---------------------------------------------------------


def test_fold_column_makes_the_fit_independent_of_the_row_order(tmp_path, capsys):
    frame = _long()
    orders = {"given": frame, "shuffled": frame.sample(frac=1, random_state=0),
              "by score": frame.sort_values(["n", "acc"]), "fold-major": frame.sort_values(["fold", "n"])}
    outputs = set()
    for name, table in orders.items():
        path = tmp_path / f"{name}.csv"
        table.to_csv(path, index=False)
        out, err = _run(capsys, path, "--fold", "fold", "--at", "10000", "--target", "0.93")
        assert err == ""  # paired by the column: no note
        outputs.add(out)
    assert len(outputs) == 1
    # the rows in size-then-fold order, paired by row order, are the same pairing
    out, err = _run(capsys, tmp_path / "given.csv", "--at", "10000", "--target", "0.93")
    assert out in outputs
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("scimlkit: note: the folds are paired across sizes by row order")
    assert "--fold fold" in lines[0]  # the table's fold column is suggested
    # shuffled rows without --fold pair different scores as one fold: the interval differs
    shuffled, _ = _run(capsys, tmp_path / "shuffled.csv", "--at", "10000")
    given, _ = _run(capsys, tmp_path / "given.csv", "--at", "10000")
    assert json.loads(shuffled)["prediction"]["low"] != json.loads(given)["prediction"]["low"]


def test_fold_column_with_text_ids(tmp_path, capsys):
    frame = _long()
    frame.to_csv(tmp_path / "a.csv", index=False)
    frame.assign(fold=lambda d: "split-" + d["fold"].astype(str)).sample(frac=1, random_state=1).to_csv(
        tmp_path / "b.csv", index=False)
    assert _run(capsys, tmp_path / "a.csv", "--fold", "fold")[0] == _run(capsys, tmp_path / "b.csv", "--fold", "fold")[0]


@pytest.mark.parametrize("damage, match", [
    ("drop", "column 'fold' (--fold): fold 4 has no row at size 3200; every fold needs a row at every size "
             "(leave the score of a failed fit empty or NaN)"),
    ("repeat", "column 'fold' (--fold): fold 0 has 2 rows at size 50; give one row per fold and size"),
    ("nan", "column 'fold' (--fold) has 1 missing value(s)"),
])
def test_fold_column_errors_are_one_line(tmp_path, capsys, damage, match):
    frame = _long()
    if damage == "drop":
        frame = frame.iloc[:-1]
    elif damage == "repeat":
        frame.loc[3, "fold"] = 0
    else:
        frame["fold"] = frame["fold"].astype(float)
        frame.loc[3, "fold"] = np.nan
    path = tmp_path / "folds.csv"
    frame.to_csv(path, index=False)
    rc = main(["curves", "fit", str(path), "--size", "n", "--score", "acc", "--fold", "fold", "--n-bootstrap", "0"])
    captured = capsys.readouterr()
    assert rc == 2 and captured.out == ""
    assert captured.err.strip().splitlines() == [f"scimlkit: error: {match}"]


def test_help_says_how_folds_are_paired(capsys):
    with pytest.raises(SystemExit):
        main(["curves", "fit", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--fold COL" in text and "same fold order within every size" in text


# -- 2: one metric for `scoring` ---------------------------------------------------------------


@pytest.mark.parametrize("scoring, kind", [(["accuracy", "f1_macro"], "list of 2"), (("accuracy",), "tuple of 1"),
                                           ({"a": "accuracy", "b": "f1_macro"}, "dict of 2")])
def test_multi_metric_scoring_is_refused_up_front(scoring, kind):
    from sklearn.datasets import load_iris
    from sklearn.naive_bayes import GaussianNB

    X, y = load_iris(return_X_y=True)
    with pytest.raises(InputError) as info:
        learning_curve(GaussianNB(), X, y, sizes=3, cv=3, scoring=scoring, rng=0)
    assert str(info.value) == f"`scoring` must be one metric (a name or a scorer), got a {kind}"


def test_a_made_scorer_is_named_after_its_score_function():
    from sklearn.datasets import load_iris
    from sklearn.metrics import f1_score, make_scorer, mean_squared_error
    from sklearn.naive_bayes import GaussianNB

    X, y = load_iris(return_X_y=True)
    lc = learning_curve(GaussianNB(), X, y, sizes=3, cv=3, scoring=make_scorer(f1_score, average="macro"), rng=0)
    assert lc.scoring == "f1_score(average='macro')"
    neg = learning_curve(GaussianNB(), X, y, sizes=3, cv=3, rng=0,
                         scoring=make_scorer(mean_squared_error, greater_is_better=False))
    assert neg.scoring == "neg_mean_squared_error" and np.all(neg.scores <= 0)
    import functools

    from sklearn.metrics import fbeta_score

    bound = make_scorer(functools.partial(fbeta_score, beta=2, average="macro"))
    assert learning_curve(GaussianNB(), X, y, sizes=3, cv=3, scoring=bound, rng=0).scoring == \
        "fbeta_score(beta=2, average='macro')"
    with pytest.raises(InputError, match=r"`scoring`='f1_score' failed on the validation samples"):
        learning_curve(GaussianNB(), X, y, sizes=3, cv=3, scoring=make_scorer(f1_score), rng=0)


# -- 3: several forecast sizes -----------------------------------------------------------------


def test_at_takes_several_sizes(tmp_path, capsys):
    path = tmp_path / "folds.csv"
    _long().to_csv(path, index=False)
    many = json.loads(_run(capsys, path, "--fold", "fold", "--at", "10000,100000", "--at", "500")[0])
    assert "prediction" not in many and [p["size"] for p in many["predictions"]] == [10000, 100000, 500]
    for entry in many["predictions"]:  # each as forecast alone (the same bootstrap refits)
        one = json.loads(_run(capsys, path, "--fold", "fold", "--at", f"{entry['size']:g}")[0])
        assert one["predictions"] == [one["prediction"]]
        assert one["prediction"] == pytest.approx(entry, rel=1e-12)
    rc = main(["curves", "fit", str(path), "--size", "n", "--score", "acc", "--fold", "fold", "--n-bootstrap", "20",
               "--at", "10000", "--at", "123456", "--report", str(tmp_path / "r.html")])
    out = capsys.readouterr().out
    assert rc == 0 and "123456" in out and "10000" in out
    html = (tmp_path / "r.html").read_text()
    assert "forecast at n=10,000" in html and "forecast at n=123,456" in html


def test_target_given_twice_is_refused(tmp_path, capsys):
    path = tmp_path / "folds.csv"
    _long().to_csv(path, index=False)
    rc = main(["curves", "fit", str(path), "--size", "n", "--score", "acc", "--target", "0.9", "--target", "0.95"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "--target: given more than once" in err[0]


# -- 4: a target equal to the asymptote --------------------------------------------------------


@pytest.mark.parametrize("higher", [True, False])
def test_target_at_the_asymptote_is_approached_not_reached(higher):
    loss = 0.9 * SIZES ** -0.4  # pow2: asymptote at the perfect score
    scores, target = (1 - loss, 1.0) if higher else (loss, 0.0)
    fit = fit_curve(SIZES, scores, families=["pow2"], n_bootstrap=0)
    res = fit.samples_needed(target, max_size=1e9)
    assert not res.reachable and res.n is None
    assert res.message == (f"target {target:g} is the fitted asymptote of pow2: the curve approaches it but "
                           "does not reach it by n=1e+09")
    # a target short of the asymptote by more than round-off still lies beyond it
    pow3 = fit_curve(SIZES, 0.93 - 0.9 * SIZES ** -0.4, families=["pow3"], n_bootstrap=0)
    assert pow3.samples_needed(0.95).message.startswith("target 0.95 lies above the fitted asymptote 0.93 of pow3")


def test_write_report_takes_several_sizes(tmp_path):
    from scimlkit.curves import write_report

    fit = fit_curve(SIZES, _long()["acc"].to_numpy().reshape(len(SIZES), 5), families=["pow3"], n_bootstrap=10, rng=0)
    html = write_report(fit, tmp_path / "r.html", at=[20_000, 5_000]).read_text()
    assert "forecast at n=20,000" in html and "forecast at n=5,000" in html
    with pytest.raises(InputError, match="`at` must be a positive training-set size or several, got 10, -1"):
        write_report(fit, tmp_path / "r.html", at=[10, -1])
    with pytest.raises(InputError, match="`at` must be a positive training-set size, got -1"):
        write_report(fit, tmp_path / "r.html", at=-1)
