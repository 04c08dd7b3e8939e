"""Text class labels end to end: missing or mixed labels, and metrics of a classifier's
probabilities given its own class labels."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.naive_bayes import GaussianNB

from scimlkit._errors import InputError
from scimlkit.calibrate import CalibratedClassifier, ThresholdClassifier


@pytest.fixture(scope="module")
def spam():
    X, y = load_breast_cancer(return_X_y=True)
    return X, np.where(y == 1, "ham", "spam").astype(object)


@pytest.mark.parametrize("cls", [CalibratedClassifier, ThresholdClassifier])
@pytest.mark.parametrize("gap", [None, np.nan, pd.NA])
def test_missing_text_label_is_a_clear_error(spam, cls, gap):
    X, y = spam
    y = y.copy()
    y[[5, 9]] = gap
    with pytest.raises(InputError, match=r"`y` contains 2 missing label\(s\)"):
        cls(GaussianNB()).fit(X, y)
    with pytest.raises(InputError, match="missing label"):
        cls(GaussianNB()).fit(X, pd.Series(y, dtype="string"))


@pytest.mark.parametrize("cls", [CalibratedClassifier, ThresholdClassifier])
def test_text_and_number_labels_mixed_is_a_clear_error(spam, cls):
    X, y = spam
    y = y.copy()
    y[3] = 7
    with pytest.raises(InputError, match="`y` mixes text labels with int labels"):
        cls(GaussianNB()).fit(X, y)


def test_metrics_take_the_classifiers_own_labels():
    from sklearn.datasets import load_iris
    from sklearn.metrics import brier_score_loss
    from sklearn.metrics import log_loss as sk_log_loss

    from scimlkit.calibrate import (
        brier_decomposition,
        brier_score,
        calibration_error,
        expected_calibration_error,
        log_loss,
        maximum_calibration_error,
        reliability_diagram,
    )

    X, y = load_iris(return_X_y=True)
    names = np.array(["virginica", "setosa", "versicolor"])[y]  # sorted order differs from 0, 1, 2
    clf = CalibratedClassifier(GaussianNB(), method="temperature", random_state=0).fit(X[::2], names[::2])
    P, truth = clf.predict_proba(X[1::2]), names[1::2]
    codes = np.searchsorted(clf.classes_, truth)
    # sklearn.metrics.log_loss(truth, P, labels=clf.classes_)
    assert log_loss(truth, P, labels=clf.classes_) == pytest.approx(sk_log_loss(truth, P, labels=clf.classes_))
    assert log_loss(pd.Series(truth), P, labels=list(clf.classes_)) == log_loss(codes, P)
    assert brier_score(truth, P, labels=clf.classes_) == brier_score(codes, P)
    for kind in ("top-label", "class-wise"):
        ref = calibration_error(codes, P, kind=kind, strategy="quantile")
        got = calibration_error(truth, P, kind=kind, strategy="quantile", labels=clf.classes_)
        assert (got.ece, got.mce) == (ref.ece, ref.mce)
    assert expected_calibration_error(truth, P, labels=clf.classes_) == expected_calibration_error(codes, P)
    assert maximum_calibration_error(truth, P, labels=clf.classes_) == maximum_calibration_error(codes, P)
    # binary: 1-D probabilities of labels[1]
    spam = np.where(y == 0, "spam", "ham")
    p = np.clip(X[:, 2] / 7.0, 0, 1)
    y01 = (spam == "spam").astype(int)
    # sklearn.metrics.brier_score_loss(spam, p, pos_label="spam")
    assert brier_score(spam, p, labels=["ham", "spam"]) == pytest.approx(brier_score_loss(spam, p, pos_label="spam"))
    assert log_loss(spam, p, labels=["ham", "spam"]) == log_loss(y01, p)
    assert brier_decomposition(spam, p, labels=["ham", "spam"]) == brier_decomposition(y01, p)
    got = reliability_diagram(spam, p, labels=["ham", "spam"], rng=0)
    np.testing.assert_array_equal(got.observed, reliability_diagram(y01, p, rng=0).observed)
    # flipping the labels is the other class's probability
    assert log_loss(spam, 1 - p, labels=["spam", "ham"]) == log_loss(y01, p)


def test_metrics_labels_errors():
    from scimlkit.calibrate import calibration_error, log_loss

    P = np.array([[0.2, 0.8], [0.6, 0.4]])
    with pytest.raises(InputError, match="`y_true` has 1 label.*not in `labels`.*'eggs'"):
        log_loss(["ham", "eggs"], P, labels=["ham", "spam"])
    with pytest.raises(InputError, match="`labels` must name the 2 classes"):
        calibration_error(["ham", "spam"], P, labels=["ham", "spam", "eggs"])
    with pytest.raises(InputError, match="`labels` must be distinct"):
        log_loss(["ham", "ham"], P, labels=["ham", "ham"])
    with pytest.raises(InputError, match="not in `labels`"):
        log_loss(["ham", None], [0.2, 0.4], labels=["ham", "spam"])
    # unhashable values are no labels, each counted
    with pytest.raises(InputError, match=r"has 2 label\(s\) not in `labels`.*such as \[1\]"):
        log_loss([[1], "spam", [2]], [0.2, 0.5, 0.7], labels=["ham", "spam"])


def test_best_threshold_with_text_labels_and_pos_label():
    from sklearn.metrics import f1_score

    from scimlkit.calibrate import best_threshold, confusion_at

    rng = np.random.default_rng(4)
    y01 = (rng.random(3000) < 0.01).astype(int)  # rare positives, tied scores
    s = np.round(rng.normal(size=3000) + 2 * y01, 1)
    text = np.where(y01 == 1, "spam", "ham")
    for objective, params in [("f1", {}), ("mcc", {}), ("cost", {"cost_fp": 1, "cost_fn": 50}),
                              ("precision_at_recall", {"min_recall": 1.0})]:
        got = best_threshold(text, s, objective, pos_label="spam", **params)
        ref = best_threshold(y01, s, objective, **params)
        assert (got.threshold, got.value, got.tp, got.fp) == (ref.threshold, ref.value, ref.tp, ref.fp)
    ref_f1 = best_threshold(y01, s, "f1")
    res = best_threshold(pd.Series(text), s, "f1", pos_label="spam")
    pred = np.where(s >= res.threshold, "spam", "ham")
    # sklearn.metrics.f1_score(text, pred, pos_label="spam")
    assert res.value == pytest.approx(f1_score(text, pred, pos_label="spam"))
    # the other class with the negated score
    other = best_threshold(text, -s, "f1", pos_label="ham")
    assert other.value == pytest.approx(f1_score(text, np.where(-s >= other.threshold, "ham", "spam"),
                                                 pos_label="ham"))
    assert confusion_at(text, s, res.threshold, pos_label="spam") == confusion_at(y01, s, res.threshold)
    with pytest.raises(InputError, match="`pos_label` 'eggs' is not a label of `y_true`"):
        best_threshold(text, s, pos_label="eggs")
    with pytest.raises(InputError, match="`pos_label` 1 is not a label"):  # a number never names text
        best_threshold(text, s, pos_label=1)
    with pytest.raises(InputError, match="must hold two labels with `pos_label`, got 3"):
        best_threshold(np.r_[text[:-1], ["eggs"]], s, pos_label="spam")
    with pytest.raises(InputError, match="missing label"):
        best_threshold(np.r_[text[:-1], [None]], s, pos_label="spam")
    with pytest.raises(InputError, match="only 0 and 1"):  # text labels need pos_label
        best_threshold(text, s)
    # a list keeps its labels' types: 1 and "1" are two labels besides "a"
    with pytest.raises(InputError, match="got 3"):
        best_threshold(["a", 1, "1", "a"], [0.1, 0.4, 0.35, 0.8], pos_label="a")
    # bytes labels with a bytes pos_label, and plain label names in messages
    as_bytes = np.where(y01 == 1, b"spam", b"ham")
    assert best_threshold(as_bytes, s, "f1", pos_label=b"spam").value == ref_f1.value
    with pytest.raises(InputError, match=r"its labels are \['ham', 'spam'\]"):
        best_threshold(list(text), s, pos_label="eggs")


def test_threshold_classifier_unreachable_floor_names_the_scores(spam):
    X, y = spam
    clf = ThresholdClassifier(GaussianNB(), objective="recall_at_precision",
                              objective_params={"min_precision": 1.0}, pos_label="spam", random_state=0)
    with pytest.raises(InputError, match=r"min_precision 1\) on the out-of-fold scores of GaussianNB "
                                         r"\(positive class 'spam'\); lower the floor"):
        clf.fit(X, y)
