"""ThresholdClassifier's `refit` and its single held-out split (a float `cv`), against
scikit-learn's TunedThresholdClassifierCV on the same data."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit, TunedThresholdClassifierCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from scimlkit._errors import InputError
from scimlkit.calibrate import ThresholdClassifier, best_threshold


@pytest.fixture(scope="module")
def data():
    return load_breast_cancer(return_X_y=True)


def _model():
    return make_pipeline(StandardScaler(), LogisticRegression())


@pytest.mark.parametrize("refit", [False, True])
def test_float_cv_holds_out_the_rows_scikit_learn_holds_out(data, refit):
    X, y = data
    ours = ThresholdClassifier(_model(), cv=0.3, refit=refit, random_state=0).fit(X, y)
    # reference: TunedThresholdClassifierCV(model, cv=0.3, refit=refit, random_state=0, scoring="f1")
    ref = TunedThresholdClassifierCV(_model(), cv=0.3, refit=refit, random_state=0, scoring="f1").fit(X, y)
    # the same estimator: fitted on the same training rows (refit=False) or on all rows
    np.testing.assert_array_equal(ours.estimator_[-1].coef_, ref.estimator_[-1].coef_)
    # the threshold is the exact optimum on the held-out rows alone, at least as good as the
    # reference's 100-point grid on them
    train, test = next(StratifiedShuffleSplit(n_splits=1, test_size=0.3, random_state=0).split(X, y))
    p = _model().fit(X[train], y[train]).predict_proba(X[test])[:, 1]
    exact = best_threshold(y[test], p, "f1")
    assert ours.threshold_ == exact.threshold and ours.best_score_ == exact.value
    assert ours.best_score_ >= ref.best_score_ - 1e-12
    assert ours.result_.tp + ours.result_.fp + ours.result_.tn + ours.result_.fn == test.size


def test_refit_auto_refits_on_all_rows_and_keeps_a_prefit_estimator(data):
    X, y = data
    full = _model().fit(X, y)
    held = ThresholdClassifier(_model(), cv=0.25, random_state=1).fit(X, y)
    np.testing.assert_array_equal(held.estimator_[-1].coef_, full[-1].coef_)
    for refit in ("auto", False):
        pre = ThresholdClassifier(full, cv="prefit", refit=refit).fit(X[:200], y[:200])
        assert pre.estimator_ is full


def test_a_single_split_of_a_splitter_is_a_held_out_part(data):
    X, y = data
    cv = ShuffleSplit(n_splits=1, test_size=0.2, random_state=3)
    clf = ThresholdClassifier(_model(), cv=cv, refit=False).fit(X, y)
    train, test = next(cv.split(X))
    np.testing.assert_array_equal(clf.estimator_[-1].coef_, _model().fit(X[train], y[train])[-1].coef_)
    assert clf.result_.tp + clf.result_.fp + clf.result_.tn + clf.result_.fn == test.size


@pytest.mark.parametrize("params, match", [
    ({"cv": 3, "refit": False}, "gave 3 splits"),
    ({"cv": "prefit", "refit": True}, "refit` must be False or 'auto'"),
    ({"cv": 1.5}, r"must be in \(0, 1\), got 1.5"),
    ({"cv": 0.0}, r"must be in \(0, 1\)"),
    ({"refit": "yes"}, "`refit` must be True, False or 'auto', got 'yes'"),
    ({"cv": 0.001}, "cannot hold out a stratified part"),
])
def test_bad_refit_and_cv_are_refused(data, params, match):
    X, y = data
    estimator = _model().fit(X, y) if params.get("cv") == "prefit" else _model()
    with pytest.raises(InputError, match=match):
        ThresholdClassifier(estimator, **params).fit(X, y)


def test_a_held_out_part_needs_both_classes():
    X = np.arange(20.0)[:, None]
    y = np.r_[np.zeros(10, int), np.ones(10, int)]
    split = [(np.r_[0:8, 10:20], np.array([8, 9]))]
    with pytest.raises(InputError, match="must hold both classes"):
        ThresholdClassifier(cv=split).fit(X, y)
    with pytest.raises(InputError, match="`groups`"):
        ThresholdClassifier(cv=0.5).fit(X, y, groups=np.arange(20) % 4)


def test_refit_is_a_parameter():
    clf = ThresholdClassifier(cv=0.2, refit=False)
    assert clf.get_params()["refit"] is False
    assert clone(clf).refit is False and clone(clf).cv == 0.2
