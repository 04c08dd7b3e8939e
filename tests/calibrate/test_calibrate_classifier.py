"""CalibratedClassifier and ThresholdClassifier: behaviour and scikit-learn conventions."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils.estimator_checks import check_estimator

from scimlkit._errors import DegenerateDataWarning, InputError
from scimlkit.calibrate import (
    CalibratedClassifier,
    ScoreCalibrator,
    ThresholdClassifier,
    best_threshold,
    expected_calibration_error,
    log_loss,
)


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return X, y


def test_calibrated_classifier_auto_improves_naive_bayes(cancer):
    X, y = cancer
    idx = np.random.default_rng(0).permutation(len(y))
    fit, test = idx[:350], idx[350:]
    raw = GaussianNB().fit(X[fit], y[fit]).predict_proba(X[test])[:, 1]
    clf = CalibratedClassifier(GaussianNB(), random_state=0).fit(X[fit], y[fit])
    cal = clf.predict_proba(X[test])[:, 1]
    table = clf.method_scores_
    tied = table[table["log_loss"] - table["log_loss"].min() <= table["diff_se"]]
    assert clf.method_ == tied.loc[tied["ece"].idxmin(), "method"]
    assert log_loss(y[test], cal) < log_loss(y[test], raw)
    assert expected_calibration_error(y[test], cal) < expected_calibration_error(y[test], raw)
    assert np.array_equal(clf.classes_, [0, 1])
    assert set(clf.predict(X[test])) <= {0, 1}


def test_calibrated_classifier_uses_out_of_fold_scores(cancer):
    X, y = cancer
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1))
    clf = CalibratedClassifier(model, method="platt", random_state=3).fit(X, y)
    folds = StratifiedKFold(5, shuffle=True, random_state=3)
    oof = cross_val_predict(model, X, y, cv=folds, method="decision_function")
    from scimlkit.calibrate import PlattCalibrator

    ref = PlattCalibrator().fit(oof, y)
    assert clf.calibrator_.calibrator_.slope_ == pytest.approx(ref.slope_, rel=1e-9)
    final = clone(model).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], ref.transform(final.decision_function(X)))


def test_calibrated_classifier_prefit_and_ensemble(cancer):
    X, y = cancer
    model = make_pipeline(StandardScaler(), LinearSVC(C=0.01)).fit(X[:300], y[:300])
    pre = CalibratedClassifier(model, method="isotonic", cv="prefit").fit(X[300:], y[300:])
    assert pre.estimator_ is model and pre.method_ == "isotonic"
    ens = CalibratedClassifier(make_pipeline(StandardScaler(), LinearSVC(C=0.01)), method="auto",
                               ensemble=True, cv=3, random_state=0).fit(X, y)
    assert len(ens.ensemble_) == 3 and ens.estimator_ is None
    P = ens.predict_proba(X)
    assert np.allclose(P.sum(axis=1), 1) and P.shape == (len(y), 2)
    unfitted = CalibratedClassifier(make_pipeline(StandardScaler(), LinearSVC()), cv="prefit")
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        unfitted.fit(X, y)


def test_calibrated_classifier_multiclass_temperature():
    X, y = load_wine(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=100.0, max_iter=1000))
    clf = CalibratedClassifier(model, random_state=0).fit(X, y)
    assert clf.method_ == "temperature" and clf.calibrator_.temperature_ > 0
    P = clf.predict_proba(X)
    assert P.shape == (len(y), 3) and np.allclose(P.sum(axis=1), 1)


@pytest.mark.parametrize("model", [GaussianNB(), make_pipeline(StandardScaler(), LogisticRegression(C=0.05))],
                         ids=["predict_proba", "decision_function"])
def test_multiclass_binary_method_is_one_vs_rest_like_sklearn(model):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator

    X, y = load_wine(return_X_y=True)
    idx = np.random.default_rng(0).permutation(len(y))
    fit, cal = idx[:90], idx[90:]
    model.fit(X[fit], y[fit])
    # reference: CalibratedClassifierCV(FrozenEstimator(model), method="sigmoid"): a sigmoid per
    # class on its decision values (else its probability column), then rows divided by their sum
    ref = CalibratedClassifierCV(FrozenEstimator(model), method="sigmoid").fit(X[cal], y[cal])
    ours = CalibratedClassifier(model, cv="prefit", method="sigmoid").fit(X[cal], y[cal])
    assert ours.method_ == "sigmoid" and len(ours.calibrator_.calibrators_) == 3
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    # cross-validated, and as an ensemble: rows are distributions
    for ensemble in (False, True):
        P = CalibratedClassifier(model, method="isotonic", ensemble=ensemble, random_state=0).fit(X, y).predict_proba(X)
        assert P.shape == (len(y), 3) and np.allclose(P.sum(axis=1), 1) and (P > 0).all()


def test_threshold_classifier_matches_best_threshold_on_oof(cancer):
    X, y = cancer
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.05))
    clf = ThresholdClassifier(model, objective="fbeta", objective_params={"beta": 2.0},
                              random_state=1).fit(X, y)
    folds = StratifiedKFold(5, shuffle=True, random_state=1)
    oof = cross_val_predict(model, X, y, cv=folds, method="predict_proba")[:, 1]
    ref = best_threshold(y, oof, "fbeta", beta=2.0)
    assert clf.threshold_ == ref.threshold and clf.best_score_ == ref.value
    s = clf.predict_proba(X)[:, 1]
    np.testing.assert_array_equal(clf.predict(X), (s >= clf.threshold_).astype(int))


def test_threshold_classifier_prefit_string_labels(cancer):
    X, y = cancer
    labels = np.where(y == 1, "benign", "malignant")
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X[:300], labels[:300])
    clf = ThresholdClassifier(model, objective="recall_at_precision",
                              objective_params={"min_precision": 0.95}, cv="prefit").fit(X[300:], labels[300:])
    assert clf.estimator_ is model
    assert set(clf.predict(X)) <= {"benign", "malignant"}
    assert clf.result_.precision >= 0.95


def test_threshold_classifier_errors(cancer):
    X, y = cancer
    with pytest.raises(InputError, match="Only binary"):
        ThresholdClassifier().fit(*load_wine(return_X_y=True))
    with pytest.raises(InputError, match="unknown key"):
        ThresholdClassifier(objective_params={"bta": 2}).fit(X, y)
    with pytest.raises(InputError, match="only one class"):
        ThresholdClassifier().fit(X, np.ones(len(y)))
    with pytest.raises(InputError, match="folds need"):
        ThresholdClassifier(cv=5).fit(X[:8], np.r_[np.zeros(5), np.ones(3)])
    with pytest.raises(InputError, match="`objective_params` must be a dict"):
        ThresholdClassifier(objective_params=[1, 2]).fit(X, y)


@pytest.mark.parametrize("cls", [CalibratedClassifier, ThresholdClassifier])
def test_meta_estimators_check_their_input(cancer, cls):
    X, y = cancer
    with pytest.raises(InputError, match="same length"):
        cls().fit(X, y[:10])
    with pytest.raises(InputError, match="NaN"):
        cls().fit(X, np.where(np.arange(len(y)) == 3, np.nan, y))
    with pytest.raises(InputError, match="`estimator` must be a scikit-learn classifier"):
        cls("hello").fit(X, y)
    with pytest.raises(InputError, match="`random_state`"):
        cls(random_state=-1).fit(X, y)


@pytest.mark.parametrize("estimator", [
    # a fast base model and 2 folds keep the conformance suite quick; the code paths are the same
    CalibratedClassifier(GaussianNB(), cv=2, random_state=0),
    CalibratedClassifier(GaussianNB(), method="temperature", cv=2, random_state=0),
    ThresholdClassifier(GaussianNB(), cv=2, random_state=0),
], ids=lambda e: f"{type(e).__name__}-{getattr(e, 'method', '')}")
def test_sklearn_estimator_checks(estimator):
    expected = {}
    if getattr(estimator, "method", None) == "auto":
        # the check's data has 3 classes and 15 rows per group: "auto" draws its own folds
        # over rows, so a weighted row and its repeats land in different folds and the choice
        # of method can differ; with the method fixed the weights equal repeated rows
        expected["check_sample_weight_equivalence_on_dense_data"] = "auto's folds are drawn over rows"
    if isinstance(estimator, ThresholdClassifier):
        # the learned threshold differs from 0.5 by design, so predict() differs from the
        # argmax of predict_proba() on a few samples
        expected["check_classifiers_train"] = "the threshold is tuned, not 0.5"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(estimator, expected_failed_checks=expected)


def test_auto_isotonic_candidate_on_saturated_naive_bayes():
    # GaussianNB probabilities on wine crowd at 0 and 1, so the end blocks of an
    # isotonic fit are pure; with 0/1 labels as targets they predict exactly 0 and 1 and one
    # held-out sample on the wrong side costs ~34.5 nats: isotonic lost every cross-validated
    # log-loss comparison. With Platt's smoothed targets its log-loss is competitive.
    X, y = load_wine(return_X_y=True)
    y = (y == 1).astype(int)
    clf = CalibratedClassifier(GaussianNB(), random_state=0).fit(X, y)
    table = clf.method_scores_.set_index("method")
    assert table.loc["isotonic", "log_loss"] < 1.1 * table["log_loss"].min()
    # the same out-of-fold scores and selection folds, calibrated by a plain isotonic fit
    from scimlkit.calibrate import IsotonicCalibrator

    oof = cross_val_predict(GaussianNB(), X, y, cv=StratifiedKFold(5, shuffle=True, random_state=0),
                            method="predict_proba")[:, 1]
    assert ((oof < 1e-6) | (oof > 1 - 1e-6)).mean() > 0.25  # saturated near 0 and 1
    per_sample = {}
    for smooth in (False, True):
        p = np.empty(y.size)
        for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(oof[:, None], y):
            p[test] = IsotonicCalibrator(smooth_targets=smooth).fit(oof[train], y[train]).transform(oof[test])
        per_sample[smooth] = log_loss(y, np.clip(p, 1e-15, 1 - 1e-15))
    assert per_sample[True] == pytest.approx(table.loc["isotonic", "log_loss"], rel=1e-10)
    assert per_sample[False] > 2 * per_sample[True]


@pytest.mark.filterwarnings("ignore:The `probability` parameter:FutureWarning")
def test_one_vs_one_decision_values_are_not_read_as_logits():
    # SVC(decision_function_shape="ovo") gives one column per pair of classes: with 3 classes
    # as many as there are classes, so the shape alone cannot tell
    from sklearn.datasets import load_iris
    from sklearn.svm import SVC

    X, y = load_iris(return_X_y=True)
    with pytest.raises(InputError, match="one per pair of classes"):
        CalibratedClassifier(SVC(decision_function_shape="ovo"), random_state=0).fit(X, y)
    # with probabilities available, "auto" uses them instead
    clf = CalibratedClassifier(SVC(decision_function_shape="ovo", probability=True, random_state=0),
                               random_state=0).fit(X, y)
    assert clf.predict_proba(X[:5]).shape == (5, 3) and (clf.predict(X) == y).mean() > 0.9


def test_prefit_model_decides_the_classes():
    # a 3-class model calibrated on rows of two of its classes: temperature scaling of its
    # three logits (the calibration rows' two classes made it read as binary)
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=1000).fit(X, y)
    keep = y > 0
    clf = CalibratedClassifier(model, cv="prefit").fit(X[keep], y[keep])
    assert clf.method_ == "temperature" and clf.predict_proba(X[:4]).shape == (4, 3)
    with pytest.raises(InputError, match="needs calibration rows of every class; `y` has none of class 0"):
        CalibratedClassifier(model, method="platt", cv="prefit").fit(X[keep], y[keep])


# -- cv splitters, sample weights and fit parameters --------------------------------------

@pytest.fixture(scope="module")
def small(cancer):
    X, y = cancer
    idx = np.random.default_rng(1).permutation(len(y))[:240]
    return StandardScaler().fit_transform(X[idx, :6]), y[idx]


def test_cv_accepts_splitters_and_iterables_of_splits(small):
    X, y = small
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    splits = list(folds.split(X, y))
    a = CalibratedClassifier(GaussianNB(), method="platt", cv=folds).fit(X, y)
    b = CalibratedClassifier(GaussianNB(), method="platt", cv=iter(splits)).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    # the calibrator sees the out-of-fold scores of exactly these splits
    oof = cross_val_predict(GaussianNB(), X, y, cv=splits, method="predict_proba")[:, 1]
    ref = ScoreCalibrator("platt").fit(oof, y)
    np.testing.assert_allclose(a.calibrator_.transform(oof), ref.transform(oof), rtol=1e-12)
    ens = CalibratedClassifier(GaussianNB(), method="platt", cv=folds, ensemble=True).fit(X, y)
    assert len(ens.ensemble_) == 3
    thr = ThresholdClassifier(GaussianNB(), cv=splits).fit(X, y)
    assert thr.threshold_ == best_threshold(y, oof, "f1").threshold


def test_cv_splits_that_cannot_serve_are_clear_errors(small):
    from sklearn.model_selection import GroupKFold, KFold

    X, y = small
    order = np.argsort(y, kind="stable")
    Xs, ys = X[order], y[order]
    for est in (CalibratedClassifier(GaussianNB()), ThresholdClassifier(GaussianNB())):
        with pytest.raises(InputError, match="leaves class 0 out of its training part"):
            clone(est).set_params(cv=KFold(2)).fit(Xs, ys)  # the sorted labels: one class per half
        with pytest.raises(InputError, match="could not split the data"):
            clone(est).set_params(cv=GroupKFold(3)).fit(X, y)  # no groups
        half = np.arange(120)
        if isinstance(est, CalibratedClassifier):
            with pytest.raises(InputError, match="exactly one test part"):
                clone(est).set_params(cv=[(half, half + 120)]).fit(X, y)
            with pytest.raises(InputError, match="`cv` must be an integer"):
                clone(est).set_params(cv=2.5).fit(X, y)
        else:  # one split holds out a part to learn the threshold on; a float is that part's share
            with pytest.raises(InputError, match="exactly one test part"):
                clone(est).set_params(cv=[(half, half + 120), (half + 120, half)] * 2).fit(X, y)
            with pytest.raises(InputError, match=r"`cv` must be an int >= 2 \(folds\) or a float in \(0, 1\).*got 2.5"):
                clone(est).set_params(cv=2.5).fit(X, y)


def test_groups_keep_each_group_in_one_fold(small):
    from sklearn.model_selection import GroupKFold, StratifiedGroupKFold
    from sklearn.utils import check_random_state

    X, y = small
    groups = np.repeat(np.arange(40), 6)  # 40 groups of 6 rows
    # an int cv with groups: scikit-learn's StratifiedGroupKFold, shuffled with random_state
    folds = StratifiedGroupKFold(4, shuffle=True, random_state=check_random_state(3))
    splits = list(folds.split(X, y, groups))
    oof = cross_val_predict(GaussianNB(), X, y, cv=splits, method="predict_proba")[:, 1]
    thr = ThresholdClassifier(GaussianNB(), cv=4, random_state=3).fit(X, y, groups=groups)
    assert thr.threshold_ == best_threshold(y, oof, "f1").threshold
    cal = CalibratedClassifier(GaussianNB(), method="platt", cv=4, random_state=3).fit(X, y, groups=groups)
    ref = ScoreCalibrator("platt").fit(oof, y)
    np.testing.assert_allclose(cal.calibrator_.transform(oof), ref.transform(oof), rtol=1e-12)
    # a splitter gets the groups; method="auto" selects on folds that keep the groups whole too
    auto = CalibratedClassifier(GaussianNB(), cv=GroupKFold(4), random_state=0).fit(X, y, groups=groups)
    oof = cross_val_predict(GaussianNB(), X, y, cv=GroupKFold(4), groups=groups, method="predict_proba")[:, 1]
    ref = ScoreCalibrator(random_state=0).fit(oof, y, groups=groups)
    assert auto.method_ == ref.method_
    assert auto.method_scores_.equals(ref.method_scores_)
    assert not ref.method_scores_.equals(ScoreCalibrator(random_state=0).fit(oof, y).method_scores_)
    with pytest.raises(InputError, match="pass `groups=` to fit"):
        CalibratedClassifier(GaussianNB(), cv=GroupKFold(4)).fit(X, y)
    with pytest.raises(InputError, match="one label per sample"):
        ThresholdClassifier(GaussianNB()).fit(X, y, groups=groups[:10])
    with pytest.raises(InputError, match="missing label"):
        ThresholdClassifier(GaussianNB()).fit(X, y, groups=np.where(groups == 3, np.nan, groups))
    with pytest.raises(InputError, match="need at least 5 groups"):
        ThresholdClassifier(GaussianNB(), cv=5).fit(X, y, groups=groups % 3)
    with pytest.raises(InputError, match="at least 2 groups"):
        ScoreCalibrator().fit(oof, y, groups=np.zeros(y.size))
    order = np.argsort(y, kind="stable")  # two groups, one per class: no fold can train on both
    with pytest.raises(InputError, match="occurs in only one group"):
        ThresholdClassifier(GaussianNB(), cv=2).fit(X[order], y[order], groups=np.sort(y))
    # labels of mixed types are groups like any others
    mixed = np.where(groups % 2 == 0, groups, groups.astype(str)).astype(object)
    again = ThresholdClassifier(GaussianNB(), cv=4, random_state=3).fit(X, y, groups=mixed)
    assert again.threshold_ == ThresholdClassifier(GaussianNB(), cv=4, random_state=3).fit(
        X, y, groups=groups).threshold_


def test_groups_reach_an_estimator_that_takes_them(small):
    from sklearn.model_selection import GridSearchCV, GroupKFold

    X, y = small
    groups = np.repeat(np.arange(40), 6)
    seen = []

    class Folds(GroupKFold):  # records the groups of every inner search
        def split(self, X, y=None, groups=None):
            seen.append(groups)
            return super().split(X, y, groups)

    search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=Folds(3))
    CalibratedClassifier(search, method="platt", cv=4, random_state=0).fit(X, y, groups=groups)
    ThresholdClassifier(search, cv=4, random_state=0).fit(X, y, groups=groups)
    assert len(seen) == 10  # 4 folds and the refit on all rows, for each meta-estimator
    assert all(g is not None for g in seen) and sorted(len(g) for g in seen)[-1] == y.size
    prefit = GaussianNB().fit(X, y)
    with pytest.raises(InputError, match='cv="prefit"'):
        CalibratedClassifier(prefit, cv="prefit").fit(X, y, groups=groups)


def _repeated_splits(splits, w):
    """The same folds on the data with row i repeated w[i] times."""
    rows = np.repeat(np.arange(w.size), w)
    return [(np.flatnonzero(np.isin(rows, tr)), np.flatnonzero(np.isin(rows, te))) for tr, te in splits]


def test_sample_weight_equals_repeated_rows(small):
    X, y = small
    w = np.random.default_rng(2).integers(0, 4, y.size)
    splits = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    Xr, yr = np.repeat(X, w, axis=0), np.repeat(y, w)
    model = LogisticRegression(solver="newton-cholesky", tol=1e-10)
    for make in (lambda cv: CalibratedClassifier(model, method="platt", cv=cv),
                 lambda cv: CalibratedClassifier(model, method="isotonic", cv=cv),
                 lambda cv: ThresholdClassifier(model, objective="cost", cv=cv,
                                                objective_params={"cost_fn": 3.0})):
        weighted = make(splits).fit(X, y, sample_weight=w)
        repeated = make(_repeated_splits(splits, w)).fit(Xr, yr)
        np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-6)
        if isinstance(weighted, ThresholdClassifier):
            assert weighted.threshold_ == pytest.approx(repeated.threshold_, rel=1e-6)
            assert weighted.best_score_ == pytest.approx(repeated.best_score_, rel=1e-9)
    # prefit: the weights go to the calibrator only
    fitted = clone(model).fit(X, y)
    a = CalibratedClassifier(fitted, method="platt", cv="prefit").fit(X, y, sample_weight=w)
    b = CalibratedClassifier(fitted, method="platt", cv="prefit").fit(Xr, yr)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-9)


def test_sample_weight_and_fit_params_reach_the_estimator(small):
    from sklearn.preprocessing import FunctionTransformer

    X, y = small
    w = np.where(np.arange(y.size) % 2, 2.0, 1.0)
    for est in (CalibratedClassifier, ThresholdClassifier):
        with pytest.raises(InputError, match="Pipeline does not take `sample_weight`"):
            est(make_pipeline(LogisticRegression()), cv=3).fit(X, y, sample_weight=w)
        # a pipeline step gets them as a fit parameter (split with the folds)
        pipe = make_pipeline(FunctionTransformer(), LogisticRegression())
        a = est(pipe, cv=3, random_state=0).fit(X, y, sample_weight=w, logisticregression__sample_weight=w)
        b = est(LogisticRegression(), cv=3, random_state=0).fit(X, y, sample_weight=w)
        np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-9)
        with pytest.raises(InputError, match="cv='prefit' does not call"):
            est(b.estimator_, cv="prefit").fit(X, y, logisticregression__sample_weight=w)
        with pytest.raises(InputError, match="class 1 no positive weight"):
            est(LogisticRegression(), cv=3).fit(X, y, sample_weight=(y == 0).astype(float))


@pytest.mark.parametrize("pos_label", ["cancer", "healthy"])
def test_threshold_classifier_pos_label_equals_sklearn(cancer, pos_label):
    from sklearn.frozen import FrozenEstimator
    from sklearn.metrics import f1_score, fbeta_score, make_scorer
    from sklearn.model_selection import TunedThresholdClassifierCV

    X, y = cancer
    labels = np.array(["cancer", "healthy"])[y]  # the class of interest may sort first
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.05)).fit(X[:250], labels[:250])
    column = list(model.classes_).index(pos_label)
    candidates = np.unique(model.predict_proba(X[250:])[:, column])
    for objective, params, metric in (("f1", {}, f1_score), ("fbeta", {"beta": 2.0}, fbeta_score)):
        ours = ThresholdClassifier(model, objective=objective, objective_params=params, cv="prefit",
                                   placement="score", pos_label=pos_label).fit(X[250:], labels[250:])
        # reference: TunedThresholdClassifierCV(FrozenEstimator(model), scoring=make_scorer(
        #     f1_score, pos_label=pos_label), cv="prefit", refit=False, thresholds=<every distinct score>)
        ref = TunedThresholdClassifierCV(FrozenEstimator(model), cv="prefit", refit=False, thresholds=candidates,
                                         scoring=make_scorer(metric, pos_label=pos_label, **params))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref.fit(X[250:], labels[250:])
        assert ours.pos_label_ == pos_label
        assert ours.threshold_ == pytest.approx(ref.best_threshold_, abs=1e-12)
        assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-12)
        np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_threshold_classifier_pos_label_drives_costs_floors_and_folds(cancer):
    X, y = cancer
    labels = np.array(["cancer", "healthy"])[y]
    is_cancer = (labels == "cancer").astype(int)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.05))
    # a missed cancer costs 20 times a false alarm: the cost objective on P(cancer)
    clf = ThresholdClassifier(model, objective="cost", objective_params={"cost_fn": 20.0}, random_state=0,
                              pos_label="cancer").fit(X, labels)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    oof = cross_val_predict(model, X, labels, cv=folds, method="predict_proba")[:, 0]  # P(cancer)
    ref = best_threshold(is_cancer, oof, "cost", cost_fn=20.0)
    assert clf.threshold_ == ref.threshold and clf.best_score_ == ref.value
    p = clf.predict_proba(X)[:, 0]
    np.testing.assert_array_equal(clf.predict(X), np.where(p >= clf.threshold_, "cancer", "healthy"))
    # a recall floor is a floor on the recall of cancers
    floor = ThresholdClassifier(model, objective="precision_at_recall", objective_params={"min_recall": 0.99},
                                random_state=0, pos_label="cancer").fit(X, labels)
    assert floor.result_.recall >= 0.99
    assert floor.result_.tp + floor.result_.fn == is_cancer.sum()
    # decision values of the first class are the negated decision function
    dec = ThresholdClassifier(model, response_method="decision_function", random_state=0,
                              pos_label="cancer").fit(X, labels)
    oof = -cross_val_predict(model, X, labels, cv=folds, method="decision_function")
    assert dec.threshold_ == best_threshold(is_cancer, oof, "f1").threshold
    s = -dec.decision_function(X)
    np.testing.assert_array_equal(dec.predict(X), np.where(s >= dec.threshold_, "cancer", "healthy"))
    # the default is the larger label, as before
    assert ThresholdClassifier(model, random_state=0).fit(X, labels).pos_label_ == "healthy"
    with pytest.raises(InputError, match="`pos_label` must be one of the classes"):
        ThresholdClassifier(model, pos_label="benign").fit(X, labels)
    with pytest.raises(InputError, match="`pos_label` must be one of the classes"):
        ThresholdClassifier(model, pos_label=1).fit(X, labels)
    prefit = clone(model).fit(X, y)
    with pytest.raises(InputError, match="`pos_label` must be one of the classes"):
        ThresholdClassifier(prefit, pos_label=2, cv="prefit").fit(X, y)
    assert ThresholdClassifier(prefit, pos_label=0, cv="prefit").fit(X, y).pos_label_ == 0


@pytest.mark.parametrize("make", [
    lambda: CalibratedClassifier(GaussianNB(), random_state=0),
    lambda: CalibratedClassifier(GaussianNB(), ensemble=True, random_state=0),
    lambda: ThresholdClassifier(GaussianNB(), random_state=0),
])
def test_meta_estimators_record_feature_names(cancer, make):
    import pandas as pd
    from sklearn.calibration import CalibratedClassifierCV

    X, y = cancer
    names = load_breast_cancer().feature_names
    frame = pd.DataFrame(X, columns=names)
    clf = make().fit(frame, y)
    # as scikit-learn's meta-estimators do: CalibratedClassifierCV(GaussianNB()).fit(frame, y).feature_names_in_
    ref = CalibratedClassifierCV(GaussianNB()).fit(frame, y)
    np.testing.assert_array_equal(clf.feature_names_in_, ref.feature_names_in_)
    assert clf.n_features_in_ == X.shape[1]
    # a refit on an array forgets them, as scikit-learn does
    assert not hasattr(clf.fit(X, y), "feature_names_in_")
    # from the DataFrame's columns when the estimator keeps no record of them
    bare = make()
    bare.set_params(**{"estimator": _NoNames()})
    assert list(bare.fit(frame, y).feature_names_in_) == list(names)
    # column names of mixed types (scikit-learn refuses them as names): a fit, and no names
    mixed = frame.iloc[:, :3].set_axis(["a", 1, "c"], axis=1)
    bare = make()
    bare.set_params(**{"estimator": _NoNames()})
    assert not hasattr(bare.fit(mixed, y), "feature_names_in_")
    assert bare.predict_proba(mixed).shape == (len(y), 2)


class _NoNames(GaussianNB):
    """A classifier that records no feature names (it sees only arrays)."""

    def fit(self, X, y, sample_weight=None):
        return super().fit(np.asarray(X), y, sample_weight=sample_weight)

    def predict_proba(self, X):
        return super().predict_proba(np.asarray(X))

    def predict_log_proba(self, X):
        return super().predict_log_proba(np.asarray(X))


@pytest.mark.parametrize("cls", [CalibratedClassifier, ThresholdClassifier])
def test_frozen_estimator_takes_sample_weight_like_prefit(cancer, cls):
    # scikit-learn's replacement for cv="prefit" is FrozenEstimator(model); its fit does
    # nothing, so the weights go to the calibrator or the threshold alone, as with "prefit"
    from sklearn.frozen import FrozenEstimator

    X, y = cancer
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.05)).fit(X[:250], y[:250])
    w = np.random.default_rng(0).integers(0, 4, size=len(y) - 250).astype(float)
    kw = {"method": "platt"} if cls is CalibratedClassifier else {}
    frozen = cls(FrozenEstimator(model), cv=3, random_state=0, **kw).fit(X[250:], y[250:], sample_weight=w)
    prefit = cls(model, cv="prefit", **kw).fit(X[250:], y[250:], sample_weight=w)
    if cls is CalibratedClassifier:
        np.testing.assert_allclose(frozen.predict_proba(X), prefit.predict_proba(X), rtol=1e-9)
    else:
        assert (frozen.threshold_, frozen.best_score_) == (prefit.threshold_, prefit.best_score_)


@pytest.mark.parametrize("cls", [CalibratedClassifier, ThresholdClassifier])
def test_n_jobs_gives_the_same_model(cancer, cls):
    # scikit-learn's meta-estimators take n_jobs for their fold fits; the result must not
    # depend on it
    from joblib import parallel_config

    X, y = cancer
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.05))
    one = cls(model, random_state=0).fit(X, y)
    with parallel_config(backend="threading"):  # the same jobs, without starting processes
        two = cls(model, random_state=0, n_jobs=2).fit(X, y)
    assert two.get_params()["n_jobs"] == 2
    if cls is CalibratedClassifier:
        np.testing.assert_array_equal(one.predict_proba(X), two.predict_proba(X))
    else:
        assert (one.threshold_, one.best_score_) == (two.threshold_, two.best_score_)
    for bad in (0, 1.5, "all"):
        with pytest.raises(InputError, match="`n_jobs` must be None or a nonzero int"):
            cls(model, n_jobs=bad).fit(X, y)


def test_multiclass_auto_chooses_among_temperature_and_one_vs_rest():
    from sklearn.datasets import load_digits
    from sklearn.metrics import log_loss as sk_log_loss

    X, y = load_digits(return_X_y=True)
    idx = np.random.default_rng(0).permutation(len(y))
    fit, test = idx[:1200], idx[1200:]
    clf = CalibratedClassifier(GaussianNB(), random_state=0).fit(X[fit], y[fit])
    table = clf.method_scores_
    assert table["method"].iloc[0] == "temperature" and len(table) == 6
    assert clf.method_ == table.loc[table["log_loss"].idxmin(), "method"] and table["selected"].sum() == 1
    # GaussianNB's saturated probabilities: a per-class map beats one temperature, held out too
    assert clf.method_ != "temperature"
    temp = CalibratedClassifier(GaussianNB(), method="temperature", random_state=0).fit(X[fit], y[fit])
    assert sk_log_loss(y[test], clf.predict_proba(X[test])) < 0.9 * sk_log_loss(y[test], temp.predict_proba(X[test]))
    # the selected method, asked for by name, is the same fit
    named = CalibratedClassifier(GaussianNB(), method=clf.method_, random_state=0).fit(X[fit], y[fit])
    np.testing.assert_array_equal(named.predict_proba(X[test]), clf.predict_proba(X[test]))
    # `methods` restricts the candidates
    only = CalibratedClassifier(GaussianNB(), methods=["isotonic"], random_state=0).fit(X[fit], y[fit])
    assert only.method_ == "isotonic"


def test_multiclass_auto_needs_two_rows_of_each_class_as_binary_does():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    model = GaussianNB().fit(X, y)
    rows = np.r_[np.flatnonzero(y != 2), np.flatnonzero(y == 2)[:1]]  # class 2: one calibration row
    message = "method='auto' needs at least 2 samples of each class, got 1"
    with pytest.raises(InputError, match=message):
        CalibratedClassifier(model, cv="prefit", methods=["isotonic", "platt"]).fit(X[rows], y[rows])
    with pytest.raises(InputError, match=message):  # the binary path
        ScoreCalibrator(methods=["isotonic", "platt"]).fit(model.predict_proba(X[rows])[:, 2],
                                                           (y[rows] == 2).astype(int))
    # rows of zero weight do not count
    w = np.ones(len(y))
    w[np.flatnonzero(y == 2)[1:]] = 0
    with pytest.raises(InputError, match="needs at least 2 samples with positive weight of each class, got 1"):
        CalibratedClassifier(model, cv="prefit").fit(X, y, sample_weight=w)
    # three rows: three folds
    rows = np.r_[np.flatnonzero(y != 2), np.flatnonzero(y == 2)[:3]]
    assert CalibratedClassifier(model, cv="prefit", random_state=0).fit(X[rows], y[rows]).cv_folds_ == 3
    # a prefit model's class with no rows at all: temperature scaling, nothing compared
    keep = y != 2
    clf = CalibratedClassifier(model, cv="prefit").fit(X[keep], y[keep])
    assert clf.method_ == "temperature" and clf.method_scores_ is None and clf.cv_folds_ is None


def test_multiclass_auto_weighs_candidates_as_binary_auto_does():
    # three blobs far apart: each class's column of scores ranks its rows above all others,
    # so the step maps are set aside (as on binary scores that separate the classes), and
    # temperature scaling of separating logits is degenerate
    from sklearn.datasets import make_blobs

    X, y = make_blobs(300, centers=[[0, 0], [10, 0], [0, 10]], cluster_std=1.0, random_state=0)
    model = LogisticRegression().fit(X[::2], y[::2])
    with pytest.warns(DegenerateDataWarning, match="separate the classes"):
        clf = CalibratedClassifier(model, cv="prefit", random_state=0).fit(X[1::2], y[1::2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        binary = ScoreCalibrator(random_state=0).fit(model.decision_function(X[1::2])[:, 0], (y[1::2] == 0).astype(int))
    table = clf.method_scores_
    assert list(table.columns) == list(binary.method_scores_.columns)
    table = table.set_index("method")
    assert table.loc["temperature", "degenerate"] and table.loc["temperature", "set_aside"]
    assert table.loc[["isotonic", "histogram"], "set_aside"].all()
    assert not table.loc[["platt", "beta"], "set_aside"].any()
    # isotonic has the smallest cross-validated log-loss, but its steps say nothing of the fall-off
    assert table["log_loss"].idxmin() == "isotonic"
    assert clf.method_ == table.loc[~table["set_aside"], "log_loss"].idxmin() and table["selected"].sum() == 1
    assert clf.cv_folds_ == 5 and binary.cv_folds_ == 5
    # a single candidate is cross-validated too, as in binary
    one = CalibratedClassifier(model, cv="prefit", methods="beta").fit(X[1::2], y[1::2])
    assert one.method_ == "beta" and len(one.method_scores_) == 1 and one.cv_folds_ == 5


@pytest.mark.parametrize("cv", [3, "prefit"])
def test_multiclass_checks_selection_tie_break_and_n_jobs(cv):
    X, y = load_wine(return_X_y=True)
    model = GaussianNB().fit(X, y) if cv == "prefit" else GaussianNB()
    for bad, match in (({"selection": "auc"}, "`selection` must be one of"),
                       ({"tie_break": "nope"}, "`tie_break` must be one of"),
                       ({"n_jobs": "many"}, "`n_jobs` must be None or a nonzero int")):
        for method in ("auto", "isotonic", "temperature"):
            with pytest.raises(InputError, match=match):
                CalibratedClassifier(model, method=method, cv=cv, **bad).fit(X, y)
    if cv == "prefit":
        with pytest.raises(InputError, match="`n_jobs` must be None or a nonzero int"):
            ThresholdClassifier(model, cv=cv, n_jobs="many").fit(X, y == 1)


@pytest.mark.parametrize("meta", [lambda est, **kw: CalibratedClassifier(est, method="sigmoid", **kw),
                                  ThresholdClassifier])
def test_metadata_routing_sends_weights_where_the_estimator_requests_them(meta):
    # with scikit-learn's metadata routing on, a pipeline step that requests sample_weight
    # gets them (it was an error: "Pipeline does not take `sample_weight`"), and an estimator
    # that declines them is fitted unweighted (it got them regardless)
    import sklearn

    X, y = load_breast_cancer(return_X_y=True)
    w = np.random.default_rng(0).uniform(0.1, 3.0, y.shape[0])

    def pipe(request):
        return make_pipeline(StandardScaler().set_fit_request(sample_weight=False),
                             LogisticRegression().set_fit_request(sample_weight=request))

    with sklearn.config_context(enable_metadata_routing=True):
        routed = meta(pipe(True), cv=3, random_state=0).fit(X, y, sample_weight=w)
        declined = meta(pipe(False), cv=3, random_state=0).fit(X, y, sample_weight=w)
    plain = make_pipeline(StandardScaler(), LogisticRegression())
    explicit = meta(plain, cv=3, random_state=0).fit(X, y, sample_weight=w, logisticregression__sample_weight=w)
    unweighted = meta(plain, cv=3, random_state=0).fit(X, y, sample_weight=w,
                                                       logisticregression__sample_weight=np.ones_like(w))
    np.testing.assert_allclose(routed.predict_proba(X), explicit.predict_proba(X), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(declined.predict_proba(X), unweighted.predict_proba(X), rtol=1e-10, atol=1e-12)
