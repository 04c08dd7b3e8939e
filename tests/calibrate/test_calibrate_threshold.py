"""Exact thresholds against a brute-force scan and against TunedThresholdClassifierCV."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scimlkit._errors import InputError
from scimlkit.calibrate import best_threshold, confusion_at

CASES = [
    ("f1", {}),
    ("fbeta", {"beta": 0.5}),
    ("fbeta", {"beta": 2.0}),
    ("youden", {}),
    ("balanced_accuracy", {}),
    ("accuracy", {}),
    ("mcc", {}),
    ("cost", {"cost_fp": 1.0, "cost_fn": 5.0}),
    ("cost", {"cost_fp": 2.0, "cost_fn": 1.0, "cost_tp": -0.5, "cost_tn": 0.1}),
    ("profit", {"gain_tp": 3.0, "gain_tn": 0.2, "cost_fp": 1.0, "cost_fn": 0.5}),
    ("precision_at_recall", {"min_recall": 0.6}),
    ("recall_at_precision", {"min_precision": 0.7}),
]


def _direct(objective, params, tp, fp, tn, fn):
    """The objective from confusion counts, written out plainly (None when infeasible)."""
    P, N = tp + fn, fp + tn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / P
    if objective in ("f1", "fbeta"):
        b2 = params.get("beta", 1.0) ** 2
        return (1 + b2) * precision * recall / (b2 * precision + recall) if precision + recall else 0.0
    if objective == "youden":
        return recall + tn / N - 1
    if objective == "balanced_accuracy":
        return (recall + tn / N) / 2
    if objective == "accuracy":
        return (tp + tn) / (P + N)
    if objective == "mcc":
        d = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
        return (tp * tn - fp * fn) / d if d else 0.0
    if objective == "cost":
        c = {"cost_tp": 0.0, "cost_tn": 0.0, **params}
        return (c["cost_fp"] * fp + c["cost_fn"] * fn + c["cost_tp"] * tp + c["cost_tn"] * tn) / (P + N)
    if objective == "profit":
        return (params["gain_tp"] * tp + params["gain_tn"] * tn - params["cost_fp"] * fp
                - params["cost_fn"] * fn) / (P + N)
    if objective == "precision_at_recall":
        return precision if recall >= params["min_recall"] else None
    if objective == "recall_at_precision":
        return recall if (tp > 0 and precision >= params["min_precision"]) else None
    raise AssertionError(objective)


def _counts(y, s, t):
    pred = s >= t
    return (int(np.sum(pred & (y == 1))), int(np.sum(pred & (y == 0))),
            int(np.sum(~pred & (y == 0))), int(np.sum(~pred & (y == 1))))


def _brute(y, s, objective, params):
    """Scan every threshold that can change a prediction: each distinct score, and +inf."""
    maximize = objective != "cost"
    best = None
    for t in list(np.unique(s)) + [np.inf]:
        v = _direct(objective, params, *_counts(y, s, t))
        if v is None:
            continue
        if best is None or (v > best if maximize else v < best):
            best = v
    return best


def _check_against_brute(y, s, objective, params, placement="midpoint"):
    expected = _brute(y, s, objective, params)
    if expected is None:
        with pytest.raises(InputError, match="no threshold satisfies"):
            best_threshold(y, s, objective, placement=placement, **params)
        return
    res = best_threshold(y, s, objective, placement=placement, **params)
    assert res.value == pytest.approx(expected, abs=1e-12)
    # the returned threshold reproduces the optimum under `score >= t`
    tp, fp, tn, fn = _counts(y, s, res.threshold)
    assert (tp, fp, tn, fn) == (res.tp, res.fp, res.tn, res.fn)
    assert _direct(objective, params, tp, fp, tn, fn) == pytest.approx(expected, abs=1e-12)
    assert res.values[res.cut_index] == res.value


labels_scores = st.integers(min_value=2, max_value=30).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, 1), min_size=n, max_size=n),
    st.one_of(
        st.lists(st.sampled_from([-1.0, 0.0, 0.25, 0.5, 0.75, 3.0]), min_size=n, max_size=n),
        st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=n, max_size=n),
    ),
))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=labels_scores, case=st.sampled_from(CASES), placement=st.sampled_from(["midpoint", "score"]))
def test_best_threshold_equals_brute_force(data, case, placement):
    y, s = np.array(data[0]), np.array(data[1])
    assume(0 < y.sum() < y.size)
    _check_against_brute(y, s, case[0], case[1], placement)


@pytest.mark.parametrize("objective,params", CASES)
def test_ties_and_constant_scores(objective, params):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 60)
    y[:2] = [0, 1]
    s = rng.integers(0, 4, 60).astype(float)  # four tied groups
    _check_against_brute(y, s, objective, params)
    _check_against_brute(y, np.full(60, 0.3), objective, params)  # constant scores


def test_tied_scores_go_together():
    y = np.array([1, 0, 1, 0, 0])
    s = np.array([0.5, 0.5, 0.5, 0.2, 0.1])
    res = best_threshold(y, s, "f1", placement="score")
    assert res.threshold == 0.5 and (res.tp, res.fp) == (2, 1)
    mid = best_threshold(y, s, "f1")
    assert 0.2 < mid.threshold < 0.5 and (mid.tp, mid.fp) == (2, 1)


def test_constant_scores_f1_predicts_all_positive():
    y = np.array([1, 0, 1, 1, 0])
    res = best_threshold(y, np.full(5, 0.7), "f1")
    assert res.threshold == 0.7 and res.value == pytest.approx(2 * 3 / (2 * 3 + 2))
    assert res.n_candidates == 2


def test_predicting_nothing_can_be_optimal():
    y = np.array([0, 1, 0, 0, 1, 0])
    s = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    res = best_threshold(y, s, "cost", cost_fp=10.0, cost_fn=0.1)
    assert res.threshold == np.inf and res.tp == 0 and res.fp == 0
    assert res.predict(s).sum() == 0
    assert res.to_dict()["threshold"] is None  # JSON has no infinity


def test_curve_is_monotone_in_threshold_and_frame_keeps_optimum():
    rng = np.random.default_rng(1)
    s = rng.random(5000)
    y = (rng.random(5000) < s).astype(int)
    res = best_threshold(y, s, "mcc")
    assert np.all(np.diff(res.thresholds) > 0) and res.thresholds[-1] == np.inf
    frame = res.to_frame(max_points=100)
    assert len(frame) <= 101 and res.thresholds[res.cut_index] in set(frame["threshold"])
    summary = res.summary()
    assert summary["tp"] + summary["fn"] == y.sum()


def test_confusion_at_matches_result():
    rng = np.random.default_rng(2)
    s = rng.normal(size=300)
    y = (rng.random(300) < 0.4).astype(int)
    res = best_threshold(y, s, "youden")
    assert confusion_at(y, s, res.threshold) == {"tp": res.tp, "fp": res.fp, "tn": res.tn, "fn": res.fn}


def test_objective_parameter_errors():
    y, s = [0, 1, 1, 0], [0.1, 0.8, 0.6, 0.3]
    with pytest.raises(InputError, match="takes no parameters"):
        best_threshold(y, s, "f1", beta=2.0)
    with pytest.raises(InputError, match="needs `min_recall`"):
        best_threshold(y, s, "precision_at_recall")
    with pytest.raises(InputError, match="`min_precision` must be in"):
        best_threshold(y, s, "recall_at_precision", min_precision=1.5)
    with pytest.raises(InputError, match="`objective` must be one of"):
        best_threshold(y, s, "auc")
    with pytest.raises(InputError, match="no threshold satisfies"):
        best_threshold([1, 0, 0], [0.1, 0.9, 0.8], "recall_at_precision", min_precision=0.9)
    with pytest.raises(InputError, match="`beta` must be in"):
        best_threshold(y, s, "fbeta", beta=1e200)  # beta**2 would overflow
    with pytest.raises(InputError, match="`cost_fp` must be in"):
        best_threshold(y, s, "cost", cost_fp=1e308, cost_fn=1e308)
    assert best_threshold(y, s, "fbeta", beta=1e100).value == pytest.approx(1.0)  # recall
    with pytest.raises(InputError, match="`max_points`"):
        best_threshold(y, s).to_frame(max_points=-1)


def test_bad_input():
    with pytest.raises(InputError, match="single class"):
        best_threshold([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(InputError, match="NaN"):
        best_threshold([0, 1, 1], [0.1, np.nan, 0.3])
    with pytest.raises(InputError, match="only 0 and 1"):
        best_threshold([0, 1, 2], [0.1, 0.2, 0.3])
    with pytest.raises(InputError, match="infinite"):
        best_threshold([0, 1, 1], [0.1, np.inf, 0.3])
    with pytest.raises(InputError, match="same length"):
        best_threshold([0, 1], [0.1, 0.2, 0.3])


# -- never worse than TunedThresholdClassifierCV on the same scores -------------------------

class _FixedScores:
    """A fitted binary 'classifier' whose scores are the first feature (for the anchor)."""

    _estimator_type = "classifier"

    def __init__(self):
        self.classes_ = np.array([0, 1])

    def fit(self, X, y):
        return self

    def predict_proba(self, X):
        p = np.asarray(X)[:, 0]
        return np.column_stack([1 - p, p])

    def predict(self, X):
        return (np.asarray(X)[:, 0] >= 0.5).astype(int)

    def get_params(self, deep=True):
        return {}

    def set_params(self, **params):
        return self

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags, Tags, TargetTags

        return Tags(estimator_type="classifier", target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags())


@pytest.fixture(scope="module")
def oof_scores():
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    y = 1 - y  # malignant as the positive class
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.01))
    return y, cross_val_predict(model, X, y, cv=5, method="predict_proba")[:, 1]


@pytest.mark.parametrize("scoring,objective,params", [
    ("f1", "f1", {}),
    ("balanced_accuracy", "balanced_accuracy", {}),
    ("accuracy", "accuracy", {}),
    ("mcc", "mcc", {}),
    ("f2", "fbeta", {"beta": 2.0}),
])
def test_never_worse_than_tuned_threshold_classifier(oof_scores, scoring, objective, params):
    import warnings

    from sklearn.frozen import FrozenEstimator
    from sklearn.metrics import fbeta_score, make_scorer, matthews_corrcoef
    from sklearn.model_selection import TunedThresholdClassifierCV

    y, oof = oof_scores
    scorer = {"mcc": make_scorer(matthews_corrcoef),
              "f2": make_scorer(fbeta_score, beta=2.0)}.get(scoring, scoring)
    # reference: TunedThresholdClassifierCV on the same out-of-fold scores, through a frozen
    # estimator that returns them; cv="prefit", refit=False scores the given data once
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tuned = TunedThresholdClassifierCV(FrozenEstimator(_FixedScores()), scoring=scorer,
                                           cv="prefit", refit=False).fit(oof[:, None], y)
    ours = best_threshold(y, oof, objective, **params)
    anchor_value = _direct(objective, params, *_counts(y, oof, tuned.best_threshold_))
    assert ours.value >= anchor_value - 1e-12
    assert ours.value >= tuned.best_score_ - 1e-12


def _brute_weighted(y, s, w, objective, params):
    """The weighted optimum by scanning every threshold, with weighted confusion sums."""
    maximize = objective != "cost"
    best = None
    for t in list(np.unique(s[w > 0])) + [np.inf]:
        pred = s >= t
        tp, fp = w[pred & (y == 1)].sum(), w[pred & (y == 0)].sum()
        tn, fn = w[~pred & (y == 0)].sum(), w[~pred & (y == 1)].sum()
        v = _direct(objective, params, tp, fp, tn, fn)
        if v is not None and (best is None or (v > best if maximize else v < best)):
            best = v
    return best


@pytest.mark.parametrize("objective,params", CASES)
def test_weighted_threshold_equals_brute_force_and_repeated_rows(objective, params):
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 120)
    s = np.round(rng.normal(size=120) + 1.2 * y, 1)  # ties included
    w = rng.integers(0, 4, 120).astype(float)  # zeros leave rows out
    expected = _brute_weighted(y, s, w, objective, params)
    if expected is None:
        with pytest.raises(InputError, match="no threshold satisfies"):
            best_threshold(y, s, objective, sample_weight=w, **params)
        return
    for placement in ("midpoint", "score"):
        res = best_threshold(y, s, objective, placement=placement, sample_weight=w, **params)
        assert res.value == pytest.approx(expected, abs=1e-12)
        rep = best_threshold(np.repeat(y, w.astype(int)), np.repeat(s, w.astype(int)), objective,
                             placement=placement, **params)
        assert (res.threshold, res.value) == (rep.threshold, rep.value)
        assert (res.tp, res.fp, res.tn, res.fn) == (rep.tp, rep.fp, rep.tn, rep.fn)
        np.testing.assert_array_equal(res.thresholds, rep.thresholds)
        np.testing.assert_array_equal(res.values, rep.values)
    # real-valued weights: the confusion sums at the returned threshold
    wr = rng.random(120) * 3
    res = best_threshold(y, s, objective, sample_weight=wr, **params)
    pred = s >= res.threshold
    assert res.tp == pytest.approx(wr[pred & (y == 1)].sum()) and res.fp == pytest.approx(wr[pred & (y == 0)].sum())
    ref = _brute_weighted(y, s, wr, objective, params)
    assert res.value == pytest.approx(ref, abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_weighted_threshold_keeps_every_positive_at_a_recall_floor_of_one(seed):
    # float weights: the lowest cut holds exactly the total weight (no rounding gap in recall)
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 100_000)
    s = rng.random(100_000) + 0.3 * y
    w = rng.random(100_000) * 2
    res = best_threshold(y, s, "precision_at_recall", min_recall=1.0, sample_weight=w)
    assert res.fn == 0.0 and res.tn >= 0.0 and res.threshold <= s[y == 1].min()
    assert res.tp == pytest.approx(w[y == 1].sum(), rel=1e-12)


def test_weighted_threshold_needs_both_classes_with_weight():
    y = np.array([0, 1, 0, 1])
    with pytest.raises(InputError, match="only class 0 with positive weight"):
        best_threshold(y, [0.1, 0.9, 0.2, 0.8], sample_weight=[1, 0, 1, 0])
    with pytest.raises(InputError, match="sample_weight"):
        best_threshold(y, [0.1, 0.9, 0.2, 0.8], sample_weight=[1, -1, 1, 1])
