"""learning_curve: sizes, folds, nesting of subsets, agreement with scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.naive_bayes import GaussianNB

from scimlkit._errors import InputError
from scimlkit.curves import geometric_sizes, learning_curve

X, Y = load_iris(return_X_y=True)
CV = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)


def test_shapes_and_full_size_matches_cross_val_score():
    lc = learning_curve(GaussianNB(), X, Y, sizes=5, cv=CV, rng=0)
    assert lc.sizes.tolist() == geometric_sizes(10, 100, 5).tolist()
    assert lc.scores.shape == (5, 3) and lc.train_scores.shape == (5, 3)
    assert lc.n_train == 100
    # at the full training fold the subset is the whole fold, so the scores are scikit-learn's
    # sklearn.model_selection.cross_val_score(GaussianNB(), X, Y, cv=CV)
    np.testing.assert_allclose(lc.scores[-1], cross_val_score(GaussianNB(), X, Y, cv=CV), rtol=1e-12)
    np.testing.assert_allclose(lc.mean, lc.scores.mean(axis=1))
    np.testing.assert_allclose(lc.std, lc.scores.std(axis=1, ddof=1))
    frame = lc.to_frame()
    assert list(frame["size"]) == lc.sizes.tolist() and "mean" in frame


def test_every_subset_holds_every_class_and_seed_repeats():
    # with 3 samples per subset, logistic regression only fits if all three classes are there
    lc = learning_curve(LogisticRegression(max_iter=200), X, Y, sizes=[3, 12, 40], cv=CV, rng=1)
    again = learning_curve(LogisticRegression(max_iter=200), X, Y, sizes=[3, 12, 40], cv=CV, rng=1)
    np.testing.assert_array_equal(lc.scores, again.scores)
    assert lc.mean[-1] > lc.mean[0]


def test_fractional_sizes_and_scoring_name():
    lc = learning_curve(GaussianNB(), X, Y, sizes=[0.1, 0.5, 1.0], cv=CV, scoring="balanced_accuracy", rng=0)
    assert lc.sizes.tolist() == [10, 50, 100]
    assert lc.scoring == "balanced_accuracy"


def test_parallel_equals_serial():
    a = learning_curve(GaussianNB(), X, Y, sizes=3, cv=CV, rng=0)
    b = learning_curve(GaussianNB(), X, Y, sizes=3, cv=CV, rng=0, n_jobs=2)
    np.testing.assert_array_equal(a.scores, b.scores)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"sizes": [10, 500]}, "may not exceed"),
        ({"sizes": [20, 10]}, "strictly increasing"),
        ({"sizes": [0, 10]}, "positive"),
        ({"sizes": [2, 10]}, "number of classes"),
        ({"sizes": 1}, "sizes"),
        ({"scoring": "no_such_score"}, "scoring"),
        ({"cv": 500}, "cv"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(InputError, match=match):
        learning_curve(GaussianNB(), X, Y, **{"cv": CV, **kwargs})


def test_bad_data():
    with pytest.raises(InputError, match="same number of samples"):
        learning_curve(GaussianNB(), X, Y[:-5], cv=CV)
    with pytest.raises(InputError, match="estimator"):
        learning_curve(object(), X, Y, cv=CV)


class _FailsWhenSmall(GaussianNB):
    def fit(self, X, y, sample_weight=None):
        if len(y) < 40:
            raise RuntimeError("too few rows for this model")
        return super().fit(X, y, sample_weight)


def test_a_failing_fit_names_the_size_and_fold():
    with pytest.raises(InputError, match=r"failed to fit on \d+ training samples \(CV fold 0\): RuntimeError"):
        learning_curve(_FailsWhenSmall(), X, Y, cv=CV, sizes=[20, 60])
    with pytest.raises(InputError, match="`n_jobs`"):
        learning_curve(GaussianNB(), X, Y, cv=CV, n_jobs=0)
    assert len(learning_curve(GaussianNB(), X, Y, cv=CV, sizes=4.0).sizes) == 4  # a count given as a float


def test_a_failing_scorer_names_the_size_fold_and_scoring():
    from sklearn.neighbors import KNeighborsClassifier

    # 5 neighbours cannot be found among 3 training samples: the scorer (predict) fails
    with pytest.raises(InputError, match=r"`scoring`='score' failed .* fitted on 3 training samples "
                                         r"\(CV fold 0\): ValueError"):
        learning_curve(KNeighborsClassifier(5), X, Y, cv=CV, sizes=[3, 10, 50], rng=0)
    # binary ROC AUC on three classes
    with pytest.raises(InputError, match=r"`scoring`='roc_auc' failed .* training samples \(CV fold 0\)"):
        learning_curve(GaussianNB(), X, Y, cv=CV, sizes=[20, 60], scoring="roc_auc", rng=0)
