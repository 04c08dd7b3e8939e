"""``shuffle=False`` as scikit-learn reads it, the class hint, timings of failed fits, and messages."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from sklearn.datasets import load_diabetes, load_iris
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold
from sklearn.model_selection import learning_curve as sk_learning_curve
from sklearn.tree import DecisionTreeClassifier

from scimlkit import DegenerateDataWarning, InputError, SmallSampleWarning
from scimlkit.cli import main
from scimlkit.curves import fit_curve, learning_curve

# -- the hint about missing classes -------------------------------------------------------------


def test_no_class_hint_when_every_subset_holds_every_class():
    X, y = load_iris(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))  # rows no longer sorted by class
    X, y = X[order], y[order]
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    assert all(len(np.unique(y[tr[:30]])) == 3 for tr, _ in cv.split(X, y))
    with pytest.raises(InputError, match="'C' parameter") as info:  # a bad parameter, not a missing class
        learning_curve(LogisticRegression(C=-1.0), X, y, sizes=[30, 90], cv=cv, shuffle=False)
    assert "shuffle" not in str(info.value) and "classes" not in str(info.value)


def test_class_hint_names_the_subset_and_recommends_shuffle():
    X, y = load_iris(return_X_y=True)  # sorted by class
    # a splitter that shuffles still lists each training fold in the data's order
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    with pytest.raises(InputError) as info:
        learning_curve(LogisticRegression(), X, y, sizes=[30, 90], cv=cv, shuffle=False)
    text = str(info.value)
    assert "the first 30 samples of training fold 0" in text and "holds 1 of the 3 classes" in text
    assert "pass `shuffle=True`" in text and "use a splitter that shuffles" not in text
    # shuffled (the default), every subset holds every class and the curve is measured
    lc = learning_curve(LogisticRegression(max_iter=1000), X, y, sizes=[30, 90], cv=cv, rng=0)
    assert lc.scores.shape == (2, 3)


# -- unequal folds, groups and params without shuffling ------------------------------------------


def _unequal_groups():
    X, y = load_diabetes(return_X_y=True)
    groups = np.repeat(np.arange(8), [80, 70, 60, 60, 50, 40, 20, 62])
    return X, y, groups


def test_unequal_group_folds_read_sizes_against_the_first_fold_as_scikit_learn():
    X, y, groups = _unequal_groups()
    cv = GroupKFold(3)
    assert [len(tr) for tr, _ in cv.split(X, y, groups)] == [292, 312, 280]
    weights = np.linspace(0.5, 2.0, len(y))
    with pytest.warns(SmallSampleWarning, match=r"training fold\(s\) 2 \(280\) are smaller"):
        lc = learning_curve(Ridge(), X, y, groups=groups, cv=cv, sizes=np.array([0.1, 0.5, 1.0]), shuffle=False,
                            params={"sample_weight": weights})
    # sklearn.model_selection.learning_curve(Ridge(), X, y, groups=groups, cv=GroupKFold(3),
    #     train_sizes=[0.1, 0.5, 1.0], shuffle=False, params={"sample_weight": weights})
    ref_sizes, ref_train, ref_test = sk_learning_curve(Ridge(), X, y, groups=groups, cv=cv,
                                                       train_sizes=[0.1, 0.5, 1.0], shuffle=False,
                                                       params={"sample_weight": weights})
    assert lc.sizes.tolist() == ref_sizes.tolist() == [29, 146, 292]
    np.testing.assert_allclose(lc.scores, ref_test, rtol=1e-12)
    np.testing.assert_allclose(lc.train_scores, ref_train, rtol=1e-12)
    assert lc.n_train == 280
    # absolute sizes: up to the first fold, as scikit-learn; above it refused
    with pytest.warns(SmallSampleWarning):
        same = learning_curve(Ridge(), X, y, groups=groups, cv=cv, sizes=[29, 146, 292], shuffle=False,
                              params={"sample_weight": weights})
    np.testing.assert_array_equal(same.scores, lc.scores)
    with pytest.raises(InputError, match=r"may not exceed the first training fold .* 292, got 293"):
        learning_curve(Ridge(), X, y, groups=groups, cv=cv, sizes=[29, 293], shuffle=False)


def test_unequal_group_folds_shuffled_still_use_the_smallest_fold():
    X, y, groups = _unequal_groups()
    lc = learning_curve(Ridge(), X, y, groups=groups, cv=GroupKFold(3), sizes=np.array([0.1, 0.5, 1.0]), rng=0)
    assert lc.sizes.tolist() == [28, 140, 280]
    with pytest.raises(InputError, match=r"may not exceed the smallest training fold size 280"):
        learning_curve(Ridge(), X, y, groups=groups, cv=GroupKFold(3), sizes=[29, 292], rng=0)


def test_sizes_below_the_number_of_classes_without_shuffling():
    X, y = load_iris(return_X_y=True)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    tree = DecisionTreeClassifier(random_state=0)
    lc = learning_curve(tree, X, y, sizes=[2, 30], cv=cv, shuffle=False)
    # sklearn.model_selection.learning_curve(tree, X, y, train_sizes=[2, 30], cv=cv, shuffle=False)
    _, _, ref = sk_learning_curve(tree, X, y, train_sizes=[2, 30], cv=cv, shuffle=False)
    np.testing.assert_array_equal(lc.scores, ref)
    with pytest.raises(InputError, match="at least the number of classes"):  # shuffled: one of each first
        learning_curve(tree, X, y, sizes=[2, 30], cv=cv, rng=0)


# -- timings of failed fits ---------------------------------------------------------------------


class _FailsSmallOrFirst(BaseEstimator):
    """Fails below 50 samples, and on any subset starting with the data's first sample."""

    def fit(self, X, y):
        if len(y) < 50 or X[0, 0] == _FIRST:
            raise ValueError("cannot fit")
        self.model_ = Ridge().fit(X, y)
        return self

    def score(self, X, y):
        return self.model_.score(X, y)


X_DIAB, Y_DIAB = load_diabetes(return_X_y=True)
_FIRST = X_DIAB[0, 0]


def test_failed_fits_keep_their_time_as_scikit_learn():
    with pytest.warns(DegenerateDataWarning, match="5 of 6 fits failed"):
        lc = learning_curve(_FailsSmallOrFirst(), X_DIAB, Y_DIAB, sizes=[20, 290], cv=KFold(3), shuffle=False,
                            error_score=np.nan)
    # sklearn.model_selection.learning_curve(..., shuffle=False, error_score=np.nan, return_times=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's FitFailedWarning
        *_, ref_fit, ref_score = sk_learning_curve(_FailsSmallOrFirst(), X_DIAB, Y_DIAB, train_sizes=[20, 290],
                                                   cv=KFold(3), shuffle=False, error_score=np.nan,
                                                   return_times=True)
    # folds 1 and 2 start with the first sample: only fold 0 fits, and only at 290
    assert np.isnan(lc.scores).tolist() == [[True, True, True], [False, True, True]]
    assert np.all(np.isfinite(lc.fit_times)) and np.all(lc.fit_times >= 0)
    assert np.isfinite(ref_fit).all()
    failed = np.isnan(lc.scores)
    np.testing.assert_array_equal(lc.score_times[failed], 0.0)
    np.testing.assert_array_equal(ref_score[failed], 0.0)
    assert lc.score_times[1, 0] > 0
    # the mean fitting time leaves the failed fits out
    assert np.isnan(lc.fit_seconds[0]) and lc.fit_seconds[1] == lc.fit_times[1, 0]


# -- the few-anchors warning with named families --------------------------------------------------


def test_few_anchors_warning_does_not_advise_naming_named_families():
    n = np.array([100, 200, 400])
    with pytest.warns(SmallSampleWarning, match="only 3 anchors") as record:
        fit = fit_curve(n, 0.9 - n ** -0.5, families=["pow3", "last"], n_bootstrap=0)
    assert fit.family == "last"
    assert not any("name the family" in str(w.message) for w in record)


# -- the command line names its columns ----------------------------------------------------------


def test_command_line_nan_errors_and_warnings_name_the_score_column(tmp_path, capsys):
    sizes = np.repeat([50, 100, 200, 400, 800, 1600, 3200], 3)
    frame = pd.DataFrame({"n": sizes, "acc": 0.92 - 0.9 * sizes ** -0.5, "fold": np.tile([0, 1, 2], 7)})
    every = frame.copy()
    every.loc[every.index % 3 == np.arange(len(every)) // 3 % 3, "acc"] = np.nan  # each size loses a fold
    every.to_csv(tmp_path / "every.csv", index=False)
    rc = main(["curves", "fit", str(tmp_path / "every.csv"), "--size", "n", "--score", "acc", "--fold", "fold"])
    err = capsys.readouterr().err
    assert rc == 2 and err.strip().splitlines() == [
        "scimlkit: error: the scores of column 'acc' (--score) hold NaN at 7 of 7 anchors; at least 2 anchors "
        "with a score in every fold are needed"]
    late = frame.copy()
    late.loc[late["n"] > 200, "acc"] = np.nan
    late.to_csv(tmp_path / "late.csv", index=False)
    rc = main(["curves", "fit", str(tmp_path / "late.csv"), "--size", "n", "--score", "acc", "--fold", "fold",
               "--n-bootstrap", "0"])
    err = capsys.readouterr().err
    assert rc == 0 and "scimlkit: warning: the scores of column 'acc' (--score) contain 12 NaN value(s)" in err
    assert "`scores`" not in err
