"""ThresholdClassifier's `refit` and its single held-out split (a float `cv`), against
scikit-learn's TunedThresholdClassifierCV on the same data."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    ShuffleSplit,
    StratifiedShuffleSplit,
    TunedThresholdClassifierCV,
)
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from scimlkit._errors import InputError
from scimlkit.calibrate import CalibratedClassifier, ThresholdClassifier, best_threshold


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
    ({"cv": 1.5}, r"must be an int >= 2 \(folds\) or a float in \(0, 1\).*got 1.5"),
    ({"cv": 0.0}, r"or a float in \(0, 1\)"),
    ({"cv": 1.0}, r"must be an int >= 2 \(folds\) or a float in \(0, 1\).*got 1.0"),
    ({"cv": -3.0}, r"must be an int >= 2 \(folds\) or a float in \(0, 1\)"),
    ({"cv": float("nan")}, r"must be an int >= 2 \(folds\) or a float in \(0, 1\)"),
    ({"cv": np.float64(2.5)}, r"must be an int >= 2 \(folds\) or a float in \(0, 1\)"),
    ({"cv": 5.0, "refit": False}, "gave 5 splits"),
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


def test_refit_is_a_parameter():
    clf = ThresholdClassifier(cv=0.2, refit=False)
    assert clf.get_params()["refit"] is False
    assert clone(clf).refit is False and clone(clf).cv == 0.2


@pytest.mark.parametrize("cv", [5.0, np.float64(5.0), np.float32(3.0)])
def test_a_whole_float_cv_is_a_number_of_folds(data, cv):
    X, y = data
    ours = ThresholdClassifier(_model(), cv=cv, random_state=0).fit(X, y)
    same = ThresholdClassifier(_model(), cv=int(cv), random_state=0).fit(X, y)
    assert (ours.threshold_, ours.best_score_) == (same.threshold_, same.best_score_)
    # every row is scored out of fold, as with the int
    assert ours.result_.tp + ours.result_.fp + ours.result_.tn + ours.result_.fn == len(y)
    cal = CalibratedClassifier(GaussianNB(), cv=cv, random_state=0).fit(X, y)
    cal_int = CalibratedClassifier(GaussianNB(), cv=int(cv), random_state=0).fit(X, y)
    np.testing.assert_array_equal(cal.predict_proba(X), cal_int.predict_proba(X))


def test_a_fraction_cv_is_refused_by_the_calibrated_classifier_with_a_reason(data):
    X, y = data
    with pytest.raises(InputError, match=r"`cv` must be an int >= 2.*got 0.3.*not on a held-out fraction"):
        CalibratedClassifier(GaussianNB(), cv=0.3).fit(X, y)
    with pytest.raises(InputError, match="`cv` must be in"):
        CalibratedClassifier(GaussianNB(), cv=1.0).fit(X, y)


@pytest.mark.filterwarnings("ignore:The groups parameter is ignored:UserWarning")
def test_a_float_cv_with_groups_for_the_estimators_own_folds(data):
    X, y = data
    groups = np.arange(len(y)) // 10
    # the search's GroupKFold needs the groups: the fit fails unless they reach it
    search = GridSearchCV(_model(), {"logisticregression__C": [0.1, 1.0]}, cv=GroupKFold(3))
    by_float = ThresholdClassifier(search, cv=0.3, refit=False, random_state=0).fit(X, y, groups=groups)
    splitter = StratifiedShuffleSplit(n_splits=1, test_size=0.3, random_state=0)
    by_splitter = ThresholdClassifier(search, cv=splitter, refit=False, random_state=0).fit(X, y, groups=groups)
    assert (by_float.threshold_, by_float.best_score_) == (by_splitter.threshold_, by_splitter.best_score_)
    assert by_float.estimator_.best_params_ == by_splitter.estimator_.best_params_
    # the held-out rows are the stratified split's, whatever the groups
    train, test = next(splitter.split(X, y))
    reference = clone(search).fit(X[train], y[train], groups=groups[train])
    np.testing.assert_array_equal(by_float.estimator_.best_estimator_[-1].coef_,
                                  reference.best_estimator_[-1].coef_)
    # a plain estimator with a float cv: the groups are not used, as with the splitter
    plain = ThresholdClassifier(_model(), cv=0.3, random_state=0).fit(X, y, groups=groups)
    assert plain.threshold_ == ThresholdClassifier(_model(), cv=0.3, random_state=0).fit(X, y).threshold_


def test_a_model_saved_before_refit_existed_loads_as_refit_auto(data):
    X, y = data
    clf = ThresholdClassifier(_model(), cv=3, random_state=0).fit(X, y)
    state = clf.__getstate__()
    del state["refit"]  # what a model pickled before `refit` existed holds
    old = ThresholdClassifier.__new__(ThresholdClassifier)
    old.__setstate__(state)
    loaded = pickle.loads(pickle.dumps(old))
    assert loaded.refit == "auto" and "refit='auto'" not in repr(loaded)  # the default, not shown
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    assert clone(loaded).get_params()["refit"] == "auto"
    assert loaded.fit(X, y).threshold_ == clf.threshold_


def test_a_float_cv_takes_a_random_state_object_or_none(data):
    X, y = data
    # reference: TunedThresholdClassifierCV(..., cv=0.3, refit=False, random_state=RandomState(0))
    ref = TunedThresholdClassifierCV(_model(), cv=0.3, refit=False, random_state=np.random.RandomState(0),
                                     scoring="f1").fit(X, y)
    ours = ThresholdClassifier(_model(), cv=0.3, refit=False, random_state=np.random.RandomState(0)).fit(X, y)
    np.testing.assert_array_equal(ours.estimator_[-1].coef_, ref.estimator_[-1].coef_)
    seeded = ThresholdClassifier(_model(), cv=0.3, refit=False, random_state=0).fit(X, y)
    np.testing.assert_array_equal(ours.estimator_[-1].coef_, seeded.estimator_[-1].coef_)
    unseeded = ThresholdClassifier(_model(), cv=0.3, random_state=None).fit(X, y)
    counts = unseeded.result_
    assert counts.tp + counts.fp + counts.tn + counts.fn == int(np.ceil(0.3 * len(y)))


def test_a_float_cv_with_sample_weights(data):
    X, y = data
    w = np.random.default_rng(0).integers(1, 4, len(y)).astype(float)
    # the weights weigh the threshold, and the pipeline's step through its fit parameter
    ours = ThresholdClassifier(_model(), cv=0.3, refit=False, random_state=0).fit(
        X, y, sample_weight=w, logisticregression__sample_weight=w)
    train, test = next(StratifiedShuffleSplit(n_splits=1, test_size=0.3, random_state=0).split(X, y))
    model = _model().fit(X[train], y[train], logisticregression__sample_weight=w[train])
    p = model.predict_proba(X[test])[:, 1]
    exact = best_threshold(y[test], p, "f1", sample_weight=w[test])
    assert (ours.threshold_, ours.best_score_) == (exact.threshold, exact.value)
    np.testing.assert_allclose(ours.estimator_[-1].coef_, model[-1].coef_)
    # the threshold's confusion matrix sums the held-out weights
    counts = ours.result_
    assert counts.tp + counts.fp + counts.tn + counts.fn == pytest.approx(w[test].sum())


@pytest.mark.parametrize("pos_label", [None, "malignant"])
def test_a_float_cv_with_text_labels_and_pos_label(data, pos_label):
    X, y = data
    names = np.where(y == 1, "benign", "malignant")  # "benign" < "malignant": classes_[1] is malignant
    ours = ThresholdClassifier(_model(), cv=0.3, refit=False, pos_label=pos_label, random_state=0).fit(X, names)
    assert ours.pos_label_ == "malignant"
    train, test = next(StratifiedShuffleSplit(n_splits=1, test_size=0.3, random_state=0).split(X, names))
    p = _model().fit(X[train], names[train]).predict_proba(X[test])[:, 1]  # P(malignant)
    exact = best_threshold(names[test] == "malignant", p, "f1")
    assert (ours.threshold_, ours.best_score_) == (exact.threshold, exact.value)
    assert set(ours.predict(X)) == {"benign", "malignant"}
    # the other class as positive: its probability 1 - p is thresholded
    other = ThresholdClassifier(_model(), cv=0.3, refit=False, pos_label="benign", random_state=0).fit(X, names)
    exact = best_threshold(names[test] == "benign", 1.0 - p, "f1")
    assert (other.threshold_, other.best_score_) == (exact.threshold, exact.value)


def test_a_float_cv_with_a_frozen_estimator(data):
    from sklearn.frozen import FrozenEstimator

    X, y = data
    fitted = _model().fit(X[:300], y[:300])
    w = np.random.default_rng(1).integers(1, 3, len(y)).astype(float)
    ours = ThresholdClassifier(FrozenEstimator(fitted), cv=0.4, random_state=0).fit(X, y, sample_weight=w)
    _, test = next(StratifiedShuffleSplit(n_splits=1, test_size=0.4, random_state=0).split(X, y))
    # the frozen model scores the held-out rows as it is; the weights weigh the threshold alone
    exact = best_threshold(y[test], fitted.predict_proba(X[test])[:, 1], "f1", sample_weight=w[test])
    assert (ours.threshold_, ours.best_score_) == (exact.threshold, exact.value)
    np.testing.assert_array_equal(ours.predict_proba(X), fitted.predict_proba(X))
