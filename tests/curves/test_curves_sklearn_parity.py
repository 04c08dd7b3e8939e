"""`learning_curve` against scikit-learn's: unshuffled subsets, seeds by either name, timings;
`scimlkit curves fit` with failed (NaN) scores, as `fit_curve`."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.linear_model import Ridge
from sklearn.model_selection import StratifiedKFold
from sklearn.model_selection import learning_curve as sk_learning_curve
from sklearn.tree import DecisionTreeClassifier

from scimlkit import InputError
from scimlkit.cli import main
from scimlkit.curves import learning_curve


def test_unshuffled_subsets_equal_scikit_learn():
    X, y = load_diabetes(return_X_y=True)
    sizes = [20, 50, 100, 200, 353]
    lc = learning_curve(Ridge(), X, y, sizes=sizes, cv=5, shuffle=False)
    # sklearn.model_selection.learning_curve(Ridge(), X, y, train_sizes=sizes, cv=5, shuffle=False,
    # return_times=True)
    ref_sizes, ref_train, ref_test, ref_fit, ref_score = sk_learning_curve(
        Ridge(), X, y, train_sizes=sizes, cv=5, shuffle=False, return_times=True)
    assert np.array_equal(lc.sizes, ref_sizes)
    assert np.array_equal(lc.scores, ref_test)
    assert np.array_equal(lc.train_scores, ref_train)
    assert lc.fit_times.shape == ref_fit.shape and lc.score_times.shape == ref_score.shape
    assert np.all(lc.fit_times > 0) and np.all(lc.score_times > 0)
    assert lc.fit_seconds == pytest.approx(lc.fit_times.mean(axis=1))
    json.dumps(lc.to_dict(), allow_nan=False)


def test_unshuffled_fractions_equal_scikit_learn():
    X, y = load_iris(return_X_y=True)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    tree = DecisionTreeClassifier(random_state=0)
    lc = learning_curve(tree, X, y, sizes=np.array([0.1, 0.5, 1.0]), cv=cv, shuffle=False)
    # sklearn.model_selection.learning_curve(tree, X, y, train_sizes=[0.1, 0.5, 1.0], cv=cv, shuffle=False)
    ref_sizes, _, ref_test = sk_learning_curve(tree, X, y, train_sizes=[0.1, 0.5, 1.0], cv=cv, shuffle=False)
    assert lc.sizes.tolist() == ref_sizes.tolist() == [10, 50, 100]
    assert np.array_equal(lc.scores, ref_test)


def test_random_state_is_rng_by_its_scikit_learn_name():
    X, y = load_diabetes(return_X_y=True)
    by_rng = learning_curve(Ridge(), X, y, sizes=[30, 100], cv=3, rng=4)
    by_name = learning_curve(Ridge(), X, y, sizes=[30, 100], cv=3, random_state=4)
    assert np.array_equal(by_rng.scores, by_name.scores)
    other = learning_curve(Ridge(), X, y, sizes=[30, 100], cv=3, random_state=5)
    assert not np.array_equal(by_rng.scores[0], other.scores[0])
    a = learning_curve(Ridge(), X, y, sizes=[30, 100], cv=3, random_state=np.random.RandomState(1))
    b = learning_curve(Ridge(), X, y, sizes=[30, 100], cv=3, random_state=np.random.RandomState(1))
    assert np.array_equal(a.scores, b.scores)
    with pytest.raises(InputError, match="`rng` or as `random_state`"):
        learning_curve(Ridge(), X, y, sizes=[30, 100], cv=3, rng=1, random_state=1)
    with pytest.raises(InputError, match="`shuffle`"):
        learning_curve(Ridge(), X, y, sizes=[30, 100], cv=3, shuffle="no")


def _folds(tmp_path, *, blank=(), name="curve.csv"):
    rng = np.random.default_rng(0)
    rows = [{"n": n, "acc": 0.92 - 0.9 * n ** -0.5 + rng.normal(0, 0.002), "fold": f}
            for n in (50, 100, 200, 400, 800, 1600, 3200) for f in range(3)]
    frame = pd.DataFrame(rows)
    frame.loc[list(blank), "acc"] = np.nan
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path, frame


@pytest.mark.parametrize("fold", [[], ["--fold", "fold"]])
def test_cli_leaves_out_failed_scores_as_fit_curve(tmp_path, capsys, fold):
    path, _ = _folds(tmp_path, blank=[4])  # fold 1 at n=100 failed
    rc = main(["curves", "fit", str(path), "--size", "n", "--score", "acc", *fold, "--n-bootstrap", "0",
               "--format", "json"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert json.loads(captured.out)["anchors"] == 6
    warned = [line for line in captured.err.splitlines() if "warning" in line]
    assert len(warned) == 1 and "n=100" in warned[0]


def test_cli_failed_score_with_uneven_rows_drops_its_size(tmp_path, capsys):
    path, frame = _folds(tmp_path, blank=[4])
    frame.drop(index=[20]).to_csv(path, index=False)  # the largest size has two rows: means are fitted
    rc = main(["curves", "fit", str(path), "--size", "n", "--score", "acc", "--n-bootstrap", "0",
               "--format", "json"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert json.loads(captured.out)["anchors"] == 6
    assert "n=100" in captured.err


def test_cli_refuses_all_nan_and_text_scores(tmp_path, capsys):
    path, frame = _folds(tmp_path, blank=range(21))
    assert main(["curves", "fit", str(path), "--size", "n", "--score", "acc"]) == 2
    err = capsys.readouterr().err
    assert "no score" in err and len(err.strip().splitlines()) == 1
    frame = frame.assign(acc=["failed"] + [0.5] * 20)
    frame.to_csv(path, index=False)
    assert main(["curves", "fit", str(path), "--size", "n", "--score", "acc"]) == 2
    err = capsys.readouterr().err
    assert "'failed'" in err and len(err.strip().splitlines()) == 1


def test_unshuffled_subset_missing_a_class_says_why():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold

    X, y = load_iris(return_X_y=True)  # sorted by class: the first rows of a fold hold one class
    with pytest.raises(InputError, match="`shuffle=False`"):
        learning_curve(LogisticRegression(), X, y, sizes=[10, 100], cv=KFold(3), shuffle=False)
