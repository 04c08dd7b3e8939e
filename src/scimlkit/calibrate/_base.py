"""Shared input checks and the base class of the one-dimensional calibrators."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from contextlib import contextmanager

import numpy as np
from scipy.special import expit, logit
from sklearn.base import BaseEstimator, ClassifierMixin

from .._errors import InputError, NotFittedError
from .._validation import check_array, check_binary

__all__ = [
    "NotFittedError",
    "BaseCalibrator",
    "check_scores",
    "check_labels",
    "check_proba",
    "check_weights",
    "check_class_indices",
    "to_logit",
    "to_probability",
]

# Probabilities are kept this far from 0 and 1 when a logarithm or a logit of them is needed.
_EPS = 1e-15


def check_scores(X, name: str = "X") -> np.ndarray:
    """1-D finite scores; a single column ``(n, 1)`` is accepted and flattened."""
    arr = check_array(X, name, ndim=(1, 2), dtype=float)
    if arr.ndim == 2:
        if arr.shape[1] != 1:
            raise InputError(f"`{name}` must be 1-D scores or a single column, got shape {arr.shape}")
        arr = arr[:, 0]
    return arr


def check_labels(y, name: str = "y", *, require_both: bool = True) -> np.ndarray:
    """0/1 labels (booleans accepted), both classes present unless told otherwise."""
    return check_binary(y, name, require_both=require_both)


def check_proba(p, name: str = "y_prob", *, ndim=1) -> np.ndarray:
    """Probabilities: finite and within [0, 1]."""
    arr = check_array(p, name, ndim=ndim, dtype=float)
    if arr.size and (arr.min() < 0.0 or arr.max() > 1.0):
        raise InputError(
            f"`{name}` must hold probabilities in [0, 1], got values from {arr.min():g} to {arr.max():g}"
        )
    return arr


def check_weights(sample_weight, n: int, y=None) -> np.ndarray | None:
    """Non-negative finite sample weights of length ``n`` with a positive sum (or None).

    With labels ``y``, at least two classes must keep positive weight (a weight of 0 leaves
    the row out, so a class whose rows all weigh 0 is absent).
    """
    if sample_weight is None:
        return None
    w = check_array(sample_weight, "sample_weight", dtype=float, min_size=0)
    if w.shape[0] != n:
        raise InputError(f"`sample_weight` must have {n} values, got {w.shape[0]}")
    if (w < 0).any():
        raise InputError("`sample_weight` must be >= 0")
    if not (w > 0).any():
        raise InputError("`sample_weight` must have a positive sum; all weights are zero")
    if y is not None:
        present = np.unique(np.asarray(y)[w > 0])
        if present.size < 2:
            only = present.tolist()[0]
            only = int(only) if isinstance(only, float) and only.is_integer() else only
            raise InputError(f"`sample_weight` leaves only class {only!r} with positive weight; "
                             "at least two classes (both 0 and 1 for binary labels) need positive weight")
    top = float(w.max())
    if not 1e-100 <= top <= 1e100:  # only relative weights matter: keep their sums finite
        w = w / top
    return w


def stratified_splits(y: np.ndarray, w: np.ndarray | None, n_splits: int, random_state) -> list:
    """Shuffled stratified ``(train, test)`` folds of the labels ``y``.

    With weights, the rows of positive and of zero weight are stratified separately, so each
    class's positive-weight rows are spread over the folds (without zero weights the folds
    are those of the labels alone).
    """
    from sklearn.model_selection import StratifiedKFold

    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    if w is None or (w > 0).all():
        return list(folds.split(np.zeros(y.shape[0]), y))
    strata = 2 * np.unique(y, return_inverse=True)[1] + (w > 0)
    with _small_classes_allowed():  # small zero-weight strata need not fill every fold
        return list(folds.split(np.zeros(y.shape[0]), strata))


def check_groups(groups, n: int):
    """Group labels (or None) as integer codes: one per row, none missing; any labels that
    compare equal or not (numbers, text, a mix of both)."""
    if groups is None:
        return None
    import pandas as pd

    values = np.asarray(groups, dtype=object) if not hasattr(groups, "dtype") else np.asarray(groups)
    if values.ndim != 1 or values.shape[0] != n:
        raise InputError(f"`groups` must hold one label per sample ({n}), got shape {values.shape}")
    codes = pd.factorize(pd.Series(values), use_na_sentinel=True)[0]
    missing = int(np.count_nonzero(codes < 0))
    if missing:
        raise InputError(f"`groups` has {missing} missing label(s)")
    return codes


@contextmanager
def _small_classes_allowed():
    """Stratified folds without scikit-learn's warning about a class smaller than the folds."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        yield


def check_training_classes(splits: list, y: np.ndarray, w: np.ndarray | None, what: Callable[[int, object], str]
                           ) -> None:
    """Each training part of ``splits`` holds every class of ``y`` (with positive weight);
    ``what(i, label)`` words the error for split ``i`` missing class ``label``."""
    classes = np.unique(y)
    for i, (train, _) in enumerate(splits):
        seen = y[train] if w is None else y[train][w[train] > 0]
        missing = np.setdiff1d(classes, seen)
        if missing.size:
            raise InputError(what(i, missing.tolist()[0]))


def grouped_splits(y: np.ndarray, w: np.ndarray | None, groups: np.ndarray, n_splits: int, random_state) -> list:
    """Shuffled folds that keep each group whole, as stratified as the groups allow; every
    training part must hold each class (with positive weight)."""
    from sklearn.model_selection import StratifiedGroupKFold

    n_groups = np.unique(groups).size
    if n_groups < n_splits:
        raise InputError(f"{n_splits} folds need at least {n_splits} groups; `groups` has {n_groups}")
    folds = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    with _small_classes_allowed():
        splits = list(folds.split(np.zeros(y.shape[0]), y, groups))

    def what(i, label):
        keep = slice(None) if w is None else w > 0
        holding = np.unique(groups[keep][y[keep] == label]).size
        if holding < 2:
            return (f"with `groups`, class {label!r} occurs in only one group: the fold that tests that group "
                    "has no row of the class to train on")
        return (f"with `groups`, fold {i} of {n_splits} leaves class {label!r} out of its training part (its "
                f"rows sit in only {holding} groups): use fewer folds")

    check_training_classes(splits, y, w, what)
    return splits


def positive_class_counts(y: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Rows of each class (in ``np.unique(y)`` order) that have positive weight."""
    keep = slice(None) if w is None else w > 0
    classes = np.unique(y)
    return np.array([np.count_nonzero(y[keep] == c) for c in classes])


def to_logit(p: np.ndarray) -> np.ndarray:
    """Logit of probabilities, clipped to [1e-15, 1 - 1e-15] first."""
    return logit(np.clip(p, _EPS, 1.0 - _EPS))


def to_probability(z: np.ndarray) -> np.ndarray:
    """The logistic function of decision values."""
    return expit(z)


class ClassesOnLoad:
    """Gives a fitted calibrator pickled before it had ``classes_`` its classes on loading
    (``0 .. n_classes_ - 1``, two without ``n_classes_``), which scikit-learn's scorers read."""

    def __setstate__(self, state):
        super().__setstate__(state)
        if "n_features_in_" in self.__dict__ and "classes_" not in self.__dict__:
            self.classes_ = np.arange(getattr(self, "n_classes_", 2))


class BaseCalibrator(ClassesOnLoad, ClassifierMixin, BaseEstimator):
    """Base of the binary calibrators that map one score per sample to a probability.

    Subclasses implement ``_fit(s, y, w)`` and ``_transform(s)``; this class validates
    inputs once and provides ``transform`` (probability of class 1), ``predict_proba``
    (two columns) and ``predict`` (class 1 when the probability is at least 0.5). A fitted
    calibrator is a binary classifier of its one score column (``classes_`` is ``[0, 1]``),
    so scikit-learn's scorers (``"roc_auc"``, ``"neg_log_loss"``, ...) and ``score``
    (accuracy) apply to it.
    """

    #: The scores a method expects: ``"logit"`` (any real), ``"probability"`` (in [0, 1]).
    _input_kind = "logit"

    def fit(self, X, y, sample_weight=None):
        """Fit the calibrator on held-out scores ``X`` and 0/1 labels ``y``.

        Returns
        -------
        self
        """
        s = self._check_X(X)
        yy = check_labels(y, "y")
        if s.shape[0] != yy.shape[0]:
            raise InputError(f"`X` and `y` must have the same length, got {s.shape[0]} and {yy.shape[0]}")
        w = check_weights(sample_weight, s.shape[0], yy)
        self._fit(s, yy.astype(float), w)
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = 1
        return self

    def _check_X(self, X) -> np.ndarray:
        if self._input_kind == "probability":
            arr = check_proba(X, "X", ndim=(1, 2))
            return check_scores(arr, "X")
        return check_scores(X, "X")

    def _check_fitted(self) -> None:
        if not hasattr(self, "n_features_in_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first")

    def transform(self, X) -> np.ndarray:
        """Calibrated probability of class 1 for each score, shape ``(n,)``."""
        self._check_fitted()
        return self._transform(self._check_X(X))

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated probabilities of classes 0 and 1, shape ``(n, 2)``."""
        p = self.transform(X)
        return np.column_stack([1.0 - p, p])

    def predict(self, X) -> np.ndarray:
        """Class 1 where the calibrated probability is at least 0.5, else 0."""
        return (self.transform(X) >= 0.5).astype(int)

    def _fit(self, s, y, w):  # pragma: no cover - abstract
        raise NotImplementedError

    def _transform(self, s):  # pragma: no cover - abstract
        raise NotImplementedError


def check_class_indices(y, k: int, name: str = "y") -> np.ndarray:
    """Integer class indices in ``0 .. k-1`` (given as ints or integral floats); returns ``int64``."""
    raw = check_array(y, name, dtype=None)
    try:
        numeric = raw.astype(float)
    except (TypeError, ValueError):
        raise InputError(f"`{name}` must hold integer class indices 0..{k - 1}") from None
    if (numeric != np.round(numeric)).any() or numeric.min() < 0 or numeric.max() > k - 1:
        raise InputError(f"`{name}` must hold integer class indices 0..{k - 1}, "
                         f"got values from {numeric.min():g} to {numeric.max():g}")
    return numeric.astype(np.int64)
