"""Meta-estimators: a classifier with calibrated probabilities, and one with a learned
decision threshold."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing, get_tags, indexable
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import (
    _num_samples,
    column_or_1d,
    has_fit_parameter,
)

from .._errors import InputError
from .._validation import check_int, check_option, check_random_state, describe, fit_params_of_rows
from ._auto import (
    METHODS,
    ScoreCalibrator,
    _ranked_apart,
    candidates,
    check_selection,
    check_tie_break,
    choose_method,
    selection_splits,
)
from ._base import (
    _EPS,
    NotFittedError,
    check_groups,
    check_training_classes,
    check_weights,
    grouped_splits,
    positive_class_counts,
    stratified_splits,
)
from ._temperature import TemperatureScaling
from ._threshold import OBJECTIVES, ThresholdResult, _best_threshold, _check_params

__all__ = ["CalibratedClassifier", "ThresholdClassifier"]


def _default_estimator(estimator):
    if estimator is not None:
        if not (hasattr(estimator, "fit") and hasattr(estimator, "get_params")):
            raise InputError(f"`estimator` must be a scikit-learn classifier, got {type(estimator).__name__}")
        return estimator
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression()


def _response(estimator, X, response_method: str):
    """Scores of a fitted classifier and their kind ("logit", "probability" or, for the log of
    a probability matrix, "log-probability").

    Binary: one column (decision function, or probability of ``classes_[1]``); multiclass:
    the decision matrix or the log of the probability matrix.
    """
    asked = response_method
    if response_method == "auto":
        response_method = "decision_function" if hasattr(estimator, "decision_function") else "predict_proba"
    if not hasattr(estimator, response_method):
        raise InputError(f"the estimator {type(estimator).__name__} has no {response_method}()")
    out = np.asarray(getattr(estimator, response_method)(X), dtype=float)
    if response_method == "decision_function":
        if out.ndim == 2 and out.shape[1] == 1:
            out = out[:, 0]
        n_classes = len(getattr(estimator, "classes_", ()))
        pairwise = getattr(estimator, "decision_function_shape", None) == "ovo"  # SVC, NuSVC
        if out.ndim == 2 and (pairwise or (n_classes and out.shape[1] != n_classes)):
            # one column per pair of classes (one-vs-one), not a logit per class
            if asked == "auto" and hasattr(estimator, "predict_proba"):
                return _response(estimator, X, "predict_proba")
            raise InputError(f"the decision_function of {type(estimator).__name__} gives {out.shape[1]} columns "
                             f"for {n_classes} classes (one per pair of classes?), not one score per class; use "
                             "decision_function_shape='ovr' or response_method='predict_proba'")
        return out, "logit"
    if out.ndim == 2 and out.shape[1] == 2:
        return out[:, 1], "probability"
    return np.log(np.clip(out, _EPS, 1.0)), "log-probability"


class _OneVsRest(BaseEstimator):
    """Multiclass calibration with a binary method, one class at a time (scikit-learn's way
    for its binary methods): a :class:`ScoreCalibrator` of ``method`` per class, fitted on that
    class's column of scores against "this class or another", and the ``k`` probabilities
    divided by their sum (uniform in a row where all are 0). ``classes`` name the class codes
    in errors."""

    def __init__(self, method: str, score_kind: str = "logit", classes=None):
        self.method = method
        self.score_kind = score_kind
        self.classes = classes

    def _columns(self, S):
        # a column of log-probabilities is read as the probability itself
        return (np.exp(S), "probability") if self.score_kind == "log-probability" else (S, self.score_kind)

    def fit(self, S, y, sample_weight=None):
        S, kind = self._columns(S)
        missing = _classes_without_rows(y, sample_weight, S.shape[1])
        if missing.size:
            label = int(missing[0]) if self.classes is None else np.asarray(self.classes)[missing[:1]].tolist()[0]
            raise InputError(f"method '{self.method}' calibrates each class against the others (one-vs-rest) "
                             f"and needs calibration rows of every class; `y` has none of class {label!r} "
                             "(temperature scaling does without)")
        self.calibrators_ = [ScoreCalibrator(self.method, score_kind=kind).fit(
            S[:, j], (y == j).astype(np.int8), sample_weight=sample_weight) for j in range(S.shape[1])]
        return self

    def predict_proba(self, S):
        S, _ = self._columns(S)
        P = np.column_stack([cal.transform(S[:, j]) for j, cal in enumerate(self.calibrators_)])
        total = P.sum(axis=1, keepdims=True)
        return np.divide(P, total, out=np.full_like(P, 1.0 / P.shape[1]), where=total > 0)


def _classes_without_rows(y, w, k: int) -> np.ndarray:
    """The class codes among ``0 .. k - 1`` with no row of positive weight in ``y``."""
    return np.setdiff1d(np.arange(k), y if w is None else y[w > 0])


def _check_n_jobs(n_jobs) -> None:
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int | np.integer) or n_jobs == 0):
        raise InputError(f"`n_jobs` must be None or a nonzero int (-1: all cores), got {describe(n_jobs)}")


def _check_data(X, y, *, binary_only: bool):
    """Make ``X`` indexable and check ``y``: class labels, at least two classes."""
    if y is None:
        raise InputError("this classifier requires y to be passed, but the target y is None")
    try:
        n = _num_samples(X)
    except TypeError as exc:
        raise InputError(f"`X` must be array-like: {exc}") from None
    if n == 0:
        raise InputError("`X` has 0 samples; at least 2 are needed")
    if n == 1:
        raise InputError("`X` has 1 sample; at least 2 are needed")
    shape = np.asarray(y).shape
    if len(shape) == 0 or len(shape) > 2 or (len(shape) == 2 and shape[1] != 1):
        raise InputError(f"`y` must be 1-D class labels, got shape {shape}")
    y = column_or_1d(y, warn=True)
    if len(y) != n:
        raise InputError(f"`X` and `y` must have the same length, got {n} and {len(y)}")
    if y.dtype.kind == "f" and np.isnan(y).any():
        raise InputError(f"`y` contains {int(np.isnan(y).sum())} NaN value(s)")
    if y.dtype.kind == "O":  # text labels: None, NaN or pd.NA is a missing label, not a class
        import pandas as pd

        gaps = int(pd.isna(y).sum())
        if gaps:
            raise InputError(f"`y` contains {gaps} missing label(s) (None or NaN)")
        kinds = {"text" if isinstance(v, str) else type(v).__name__ for v in y}
        if "text" in kinds and len(kinds) > 1:
            raise InputError(f"`y` mixes text labels with {sorted(kinds - {'text'})[0]} labels; "
                             "use one type for all the class labels")
    X, y = indexable(X, y)
    kind = type_of_target(y)
    if kind not in ("binary", "multiclass"):
        raise InputError(f"`y` must hold class labels (Unknown label type: '{kind}')")
    classes = np.unique(y)
    if classes.size < 2:
        raise InputError(f"`y` has only one class ({classes[0]!r}); at least 2 classes are needed")
    if binary_only and classes.size > 2:
        raise InputError(f"Only binary classification is supported: `y` has {classes.size} classes")
    return X, y, classes


def _is_splitter(cv) -> bool:
    return hasattr(cv, "split") or (isinstance(cv, Iterable) and not isinstance(cv, str))


def _indices(part, n: int, what: str) -> np.ndarray:
    idx = np.asarray(part)
    if idx.dtype == bool and idx.shape == (n,):
        return np.flatnonzero(idx)
    if idx.ndim != 1 or (idx.size and (idx.dtype.kind not in "iu" or idx.min() < 0 or idx.max() >= n)):
        raise InputError(f"`cv` gave a {what} part that is not an array of row indices in 0..{n - 1}")
    return idx.astype(np.intp, copy=False)


def _groups(groups, n: int, cv):
    """Checked group labels (or None); not with a prefit estimator."""
    if groups is not None and isinstance(cv, str):
        raise InputError('`groups` splits the rows into folds, which cv="prefit" does not use')
    return check_groups(groups, n)


def _splits(cv, X, y, w, random_state, groups=None, *, one_split_ok: bool = False) -> list:
    """The ``(train, test)`` index pairs of ``cv``: an int (shuffled stratified folds; with
    ``groups``, stratified folds that keep each group whole), a scikit-learn splitter (given
    ``groups``) or an iterable of splits. The test parts must cover every row exactly once
    (out-of-fold scores are pooled) and each training part must hold every class (with
    positive weight). With ``one_split_ok``, a single split may hold out any rows (its test
    part alone is scored)."""
    n = len(y)
    positive = "samples" if w is None else "samples with positive weight"
    if not _is_splitter(cv):
        n_splits = check_int(cv, "cv", low=2)
        if groups is None:
            smaller = int(positive_class_counts(y, w).min())
            if smaller < n_splits:
                raise InputError(f"`cv`={n_splits} folds need at least {n_splits} {positive} of each class; "
                                 f"the smallest class has {smaller}")
            return stratified_splits(y, w, n_splits, check_random_state(random_state))
        try:
            return grouped_splits(y, w, groups, n_splits, check_random_state(random_state))
        except InputError as exc:
            raise InputError(f"`cv`={n_splits}: {exc}") from None
    try:
        splits = [(tr, te) for tr, te in check_cv(cv, y, classifier=True).split(X, y, groups)]
    except Exception as exc:  # a splitter that needs groups, or a malformed iterable
        hint = "; pass `groups=` to fit" if groups is None and "groups" in str(exc) else ""
        raise InputError(f"`cv` ({describe(cv)}) could not split the data: {type(exc).__name__}: "
                         f"{str(exc).rstrip('.') if hint else exc}{hint}") from None
    if not splits:
        raise InputError("`cv` gave no (train, test) splits")
    splits = [(_indices(tr, n, "training"), _indices(te, n, "test")) for tr, te in splits]
    covered = np.bincount(np.concatenate([te for _, te in splits]), minlength=n)
    if one_split_ok and len(splits) == 1:
        if not splits[0][1].size:
            raise InputError("`cv` gave a split with an empty test part")
    elif (covered != 1).any():
        raise InputError(f"`cv` must put every sample in exactly one test part (out-of-fold scores are "
                         f"pooled): {int(np.sum(covered == 0))} sample(s) are in none and "
                         f"{int(np.sum(covered > 1))} in several")
    check_training_classes(splits, y, w, lambda i, label: (
        f"split {i} of `cv` leaves class {label!r} out of its training part; every training part needs "
        f"{positive} of each class"))
    return splits


def _check_weights(sample_weight, y, classes):
    """Sample weights (or None) that give every class of ``y`` some positive weight."""
    w = check_weights(sample_weight, len(y))
    if w is not None:
        empty = np.asarray(classes)[positive_class_counts(y, w) == 0]
        if empty.size:
            raise InputError(f"`sample_weight` gives class {empty.tolist()[0]!r} no positive weight; "
                             "every class in `y` needs some")
    return w


def _fit_params(base, w, fit_params, prefit: bool, groups=None, owner=None) -> dict:
    """The keyword arguments of the estimator's ``fit``: ``fit_params``, the weights, and the
    groups when its ``fit`` takes them (a search, ``RFECV``, ...: its own folds keep them).
    A ``FrozenEstimator`` (whose ``fit`` does nothing) gets no weights: they go to the
    calibrator or the threshold alone, as with ``cv="prefit"``. With scikit-learn's metadata
    routing enabled, the weights, groups and ``fit_params`` go where the estimator's requests
    (``set_fit_request``) send them, as routed by ``owner``."""
    from sklearn import get_config
    from sklearn.frozen import FrozenEstimator
    from sklearn.model_selection._search import BaseSearchCV
    from sklearn.utils.metadata_routing import process_routing

    params = dict(fit_params)
    routed = owner is not None and get_config().get("enable_metadata_routing", False)
    if routed and not prefit and not isinstance(base, FrozenEstimator):
        # scikit-learn's metadata routing is on: the estimator gets what it requested
        if w is not None:
            params["sample_weight"] = w
        if groups is not None:
            params["groups"] = groups
        return dict(process_routing(owner, "fit", **params).estimator.fit)
    if groups is not None and (has_fit_parameter(base, "groups") or isinstance(base, BaseSearchCV)):
        params["groups"] = groups
    if prefit:
        if params:
            raise InputError(f"fit parameters ({', '.join(sorted(params))}) go to the estimator's fit, "
                             "which cv='prefit' does not call")
        return params
    if w is not None and not isinstance(base, FrozenEstimator):
        if has_fit_parameter(base, "sample_weight"):
            params["sample_weight"] = w
        elif not any(key.endswith("__sample_weight") for key in params):
            raise InputError(f"the estimator {type(base).__name__} does not take `sample_weight` in fit; "
                             "fit without weights, or (for a pipeline) pass them to a step as "
                             "`<step>__sample_weight=...` as well")
    return params


def _set_feature_names(meta, model, X) -> None:
    """``feature_names_in_`` of a meta-estimator: the fitted model's, else the column names of
    a DataFrame ``X`` (all strings); none (and no stale one) otherwise."""
    from sklearn.utils.validation import _get_feature_names

    names = getattr(model, "feature_names_in_", None)
    if names is None:
        try:
            names = _get_feature_names(X)
        except TypeError:  # column names of mixed types (strings and others): no names
            names = None
    if names is not None:
        meta.feature_names_in_ = np.asarray(names, dtype=object)
    elif hasattr(meta, "feature_names_in_"):
        del meta.feature_names_in_


def _fit_folds(base, X, y, params, splits, response_method: str, n_jobs) -> list:
    """``(model, scores, kind)`` of each ``(train, test)`` split: a clone of ``base`` fitted
    on the training part (``params`` split with it) and its scores on the test part, the
    splits run over ``n_jobs`` jobs (None: one)."""
    from sklearn.utils.parallel import Parallel, delayed

    def one(train, test):
        model = clone(base).fit(_safe_indexing(X, train), y[train], **fit_params_of_rows(params, train, len(y)))
        return (model, *_response(model, _safe_indexing(X, test), response_method))

    return Parallel(n_jobs=n_jobs)(delayed(one)(train, test) for train, test in splits)


def _metadata_routing(meta):
    """The metadata routing of a meta-estimator: its own ``fit`` requests, and the estimator's
    ``fit`` called from its ``fit``."""
    from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping

    return (MetadataRouter(owner=meta).add_self_request(meta)
            .add(estimator=_default_estimator(meta.estimator),
                 method_mapping=MethodMapping().add(caller="fit", callee="fit")))


def _check_prefit(estimator):
    if not hasattr(estimator, "classes_"):
        raise NotFittedError("with cv='prefit' the estimator must already be fitted")


class CalibratedClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """A classifier whose probabilities are calibrated on out-of-fold scores.

    ``fit`` splits the data into ``cv`` stratified folds, fits a clone of ``estimator`` on each
    training part and collects its scores on the held-out part, so that every sample has an
    out-of-fold score. The calibrator is fitted on these scores. Then:

    - ``ensemble=False`` (default): one final clone is refitted on all the data and its scores
      are mapped by the calibrator fitted on all out-of-fold scores;
    - ``ensemble=True``: the ``cv`` fold models are kept, each with a calibrator (of the chosen
      method) fitted on its own held-out scores, and their probabilities are averaged
      (scikit-learn's ``CalibratedClassifierCV`` default).

    The default differs from scikit-learn's on purpose: each ensemble calibrator sees only
    one fold's scores (a fifth of the data with ``cv=5``), and on the package's benchmark
    (16 classifier x dataset tasks, 10 train/test splits) the averaged ensemble had a higher
    held-out ECE than the single calibrator on 15 of 16 tasks (median ratio 1.45) at the same mean
    log-loss.
    It helps where the final model's scores drift away from the fold models' (a Gaussian
    naive Bayes refitted on more data saturates further), so it stays available.

    With ``cv="prefit"`` the given, already fitted estimator is used as is and the calibrator
    is fitted on the scores of the data passed to ``fit``.

    ``cv`` may also be any scikit-learn splitter (an object with ``split``, such as
    ``StratifiedKFold(3)``) or an iterable of ``(train, test)`` index arrays, as in
    scikit-learn. Its test parts must cover every sample exactly once (the out-of-fold scores
    are pooled) and each training part must hold every class; the method selection of
    ``"auto"`` then uses 5 stratified folds of the out-of-fold scores.

    Scores are the estimator's ``decision_function`` when it has one (else
    ``predict_proba``). Binary problems accept every method; ``method="auto"`` picks among
    them by cross-validated log-loss (or another ``selection`` criterion) of the calibrator on
    the out-of-fold scores, breaking ties within one standard error by cross-validated ECE
    (see :class:`ScoreCalibrator`), and exposes ``method_`` and ``method_scores_``. Problems
    with more than two classes use temperature scaling of the logits (``"temperature"``), or
    a binary method one class against the rest (as scikit-learn does with ``"sigmoid"`` and
    ``"isotonic"``): a calibrator per class on that class's column of scores (its
    probability, with ``predict_proba``), the probabilities then divided by their sum; the
    calibration rows need every class then. With more than two classes ``"auto"`` weighs the
    candidates as :class:`ScoreCalibrator` does (the same folds, at least 2 rows of each class,
    the same set-aside rule, with the step maps set aside when each class's column of scores
    ranks that class's rows above all others) and takes the smallest cross-validated
    ``selection`` criterion (strict minimum; no tie rule); when a prefit model's class has no
    calibration rows at all it takes temperature scaling without a comparison. The binary
    tie rule is not carried over on purpose: on 27 multiclass tasks (digits, wine and a
    4-class synthetic set; naive Bayes, a random forest and a linear SVM; 3 train/test
    splits each) breaking ties by top-label ECE changed the method on 7, lowered the
    held-out ECE on 4 of them and raised it on 3, and raised the mean held-out log-loss.

    Parameters
    ----------
    estimator : classifier, default=LogisticRegression()
    method : {"auto", "platt", "sigmoid", "isotonic", "beta", "temperature", "histogram"}, default="auto"
        See :class:`ScoreCalibrator`.
    cv : int, "prefit", CV splitter or iterable of (train, test) splits, default=5
        An int (or a float with a whole value, such as ``5.0``) is the number of shuffled
        stratified folds (seeded by ``random_state``).
    ensemble : bool, default=False
    response_method : {"auto", "decision_function", "predict_proba"}, default="auto"
    methods : sequence of str, optional
        Candidates for ``"auto"``; all by default.
    selection : {"log_loss", "brier", "ece"}, default="log_loss"
        The cross-validated criterion of ``"auto"`` (ECE: top-label with more than two
        classes).
    tie_break : {"ece", "brier", "log_loss"} or None, default="ece"
        Binary ``"auto"``: among candidates within one standard error of the best by
        ``selection``, the one with the smallest value of this criterion wins (see
        :class:`ScoreCalibrator`); ``None`` takes the strict minimum. Checked with more
        than two classes too, where the strict minimum is always taken.
    random_state : int, optional
        Seed of the fold shuffling (outer folds and the method selection).
    n_jobs : int, optional
        Jobs for the fits of the ``cv`` folds (as in scikit-learn: None is one, -1 all cores);
        the final refit runs in the calling process.

    Attributes
    ----------
    classes_ : ndarray
    estimator_ : classifier
        The final model (``ensemble=False`` or ``"prefit"``).
    calibrator_ : ScoreCalibrator or TemperatureScaling
        Multiclass with a binary method: a one-vs-rest calibrator whose ``calibrators_`` hold
        one fitted :class:`ScoreCalibrator` per class.
    method_ : str
        The calibration method used.
    method_scores_ : pandas.DataFrame or None
        ``"auto"``: the cross-validated candidates, with the columns of
        :attr:`ScoreCalibrator.method_scores_` (ECE: top-label with more than two classes).
        Its log-loss clips the probabilities at ``1e-15`` (not at the machine epsilon as
        :func:`log_loss` does), so it differs from :func:`log_loss` of the same out-of-fold
        probabilities where one is within ``1e-15`` of 0 or 1.
    cv_folds_ : int or None
        ``"auto"``: the number of folds of the method selection (None without a comparison).
    ensemble_ : list of (classifier, calibrator)
        The fold models and their calibrators (``ensemble=True``).
    n_features_in_ : int
        Number of features seen in fit (when the estimator records it).
    feature_names_in_ : ndarray of str
        The column names of a DataFrame ``X`` seen in fit (the estimator's own record when it
        keeps one); absent for input without string column names.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from scimlkit.calibrate import CalibratedClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = CalibratedClassifier(GaussianNB(), random_state=0).fit(X, y)
    >>> clf.method_ in ("platt", "sigmoid", "isotonic", "beta", "temperature", "histogram")
    True
    >>> clf.predict_proba(X[:3]).shape
    (3, 2)
    """

    def __init__(self, estimator=None, *, method: str = "auto", cv=5, ensemble: bool = False,
                 response_method: str = "auto", methods=None, selection: str = "log_loss",
                 tie_break="ece", random_state=None, n_jobs=None):
        self.estimator = estimator
        self.method = method
        self.cv = cv
        self.ensemble = ensemble
        self.response_method = response_method
        self.methods = methods
        self.selection = selection
        self.tie_break = tie_break
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X, y, sample_weight=None, groups=None, **fit_params):
        """Fit the estimator(s) and the calibrator.

        Parameters
        ----------
        X : array-like of shape (n, p)
        y : array-like of shape (n,)
            Class labels.
        sample_weight : array-like of shape (n,), optional
            Non-negative weights (a weight of ``k`` counts like the row repeated ``k`` times;
            every class needs positive weight). They weigh the calibrator and, where the
            estimator is fitted here, the estimator's ``fit`` (an error if it takes no
            ``sample_weight``, unless a pipeline step gets them through ``fit_params`` as
            ``<step>__sample_weight``). With ``cv="prefit"`` or a ``FrozenEstimator`` (whose
            ``fit`` does nothing) the estimator gets none: they weigh the calibrator alone.
            With scikit-learn's metadata routing enabled, the estimator gets them (and
            ``groups`` and ``fit_params``) only as its ``set_fit_request`` asks (a pipeline
            step's request replaces ``<step>__sample_weight``, which routing refuses).
        groups : array-like of shape (n,), optional
            Group labels for the folds (rows of one patient, user, session, ...): with an int
            ``cv`` each group stays within one fold (``StratifiedGroupKFold``, shuffled with
            ``random_state``); a splitter gets them (``GroupKFold``, ``LeaveOneGroupOut``, ...).
            An estimator whose ``fit`` takes ``groups`` (a grid search with a group splitter)
            gets them too, split with the folds. Not allowed with ``cv="prefit"``.
        **fit_params
            Passed to the estimator's ``fit`` (per-sample arrays are split with the folds);
            not allowed with ``cv="prefit"``.

        Returns
        -------
        self
        """
        method = check_option(self.method, "method", ("auto", *METHODS))
        response = check_option(self.response_method, "response_method",
                                ("auto", "decision_function", "predict_proba"))
        criterion = check_selection(self.selection)
        check_tie_break(self.tie_break)
        _check_n_jobs(self.n_jobs)
        X, y, classes = _check_data(X, y, binary_only=False)
        multiclass = classes.size > 2
        w = _check_weights(sample_weight, y, classes)
        base = _default_estimator(self.estimator)
        groups = _groups(groups, len(y), self.cv)
        params = _fit_params(base, w, fit_params, prefit=isinstance(self.cv, str), groups=groups,
                             owner=self)
        self.ensemble_ = None
        if isinstance(self.cv, str):
            check_option(self.cv, "cv", ("prefit",))
            _check_prefit(base)
            self.estimator_ = base
            classes = np.asarray(base.classes_)
            unknown = np.setdiff1d(np.unique(y), classes)
            if unknown.size:
                raise InputError(f"`y` has labels {unknown.tolist()[:3]} unknown to the prefit estimator")
            # the model's classes decide (the calibration rows may lack one of them)
            multiclass = classes.size > 2
            scores, kind = _response(base, X, response)
            y_enc = np.searchsorted(classes, y)
            splits = None
        else:
            if isinstance(self.cv, float | np.floating) and 0.0 < self.cv < 1.0:
                raise InputError(f"`cv` must be an int >= 2 (folds), a CV splitter or 'prefit', got {self.cv!r}: "
                                 "the calibrator is fitted on out-of-fold scores of every row, not on a "
                                 "held-out fraction")
            splits = _splits(self.cv, X, y, w, self.random_state, groups)
            y_enc = np.searchsorted(classes, y)
            folds = _fit_folds(base, X, y, params, splits, response, self.n_jobs)
            models, kind = [model for model, _, _ in folds], folds[0][2]
            scores = np.empty((len(y),) + folds[0][1].shape[1:])
            for (_, s, _), (_, test) in zip(folds, splits):
                scores[test] = s
        if not np.all(np.isfinite(scores)):
            raise InputError("the estimator produced non-finite scores")
        self.classes_ = classes
        if multiclass:
            self.method_scores_ = None
            self.cv_folds_ = None
            if method == "auto":
                method = self._select_multiclass(scores, y_enc, w, kind, groups, criterion)
            self.method_ = method
            # one-vs-rest needs calibration rows of every class (a prefit model's class may have none)
            self.calibrator_ = self._multiclass_calibrator(kind).fit(scores, y_enc, sample_weight=w)
        else:
            # the method selection runs its own stratified folds on the out-of-fold scores
            # (keeping each group whole when there are groups)
            self.calibrator_ = ScoreCalibrator(method, score_kind=kind, methods=self.methods,
                                               cv=self._selection_cv(), selection=self.selection,
                                               tie_break=self.tie_break, random_state=self.random_state)
            self.calibrator_.fit(scores, y_enc, sample_weight=w, groups=groups)
            self.method_ = self.calibrator_.method_
            self.method_scores_ = self.calibrator_.method_scores_
            self.cv_folds_ = self.calibrator_.cv_folds_
        if splits is not None:
            if self.ensemble:
                pairs = []
                for i, (model, (_, test)) in enumerate(zip(models, splits)):
                    cal = self._multiclass_calibrator(kind) if multiclass else ScoreCalibrator(self.method_,
                                                                                                score_kind=kind)
                    try:
                        cal.fit(scores[test], y_enc[test], sample_weight=None if w is None else w[test])
                    except InputError as exc:  # a test part too poor for its own calibrator
                        raise InputError(f"ensemble=True fits a calibrator on each test part of `cv`; "
                                         f"on split {i}: {exc}") from None
                    pairs.append((model, cal))
                self.ensemble_ = pairs
                self.estimator_ = None
            else:
                self.estimator_ = clone(base).fit(X, y, **params)
        first = self.estimator_ if self.estimator_ is not None else self.ensemble_[0][0]
        if hasattr(first, "n_features_in_"):
            self.n_features_in_ = first.n_features_in_
        _set_feature_names(self, first, X)
        return self

    def _selection_cv(self) -> int:
        """Folds of ``method="auto"`` on the out-of-fold scores: ``cv`` when it is an int, else 5."""
        return 5 if isinstance(self.cv, str) or _is_splitter(self.cv) else self.cv

    def _select_multiclass(self, scores, y, w, kind, groups, criterion: str) -> str:
        """``method="auto"`` with more than two classes: temperature scaling or a binary method
        one class against the rest, chosen as :class:`ScoreCalibrator` chooses (the same folds,
        set-aside rule and table, which becomes ``method_scores_``) by the strict minimum of the
        cross-validated ``selection`` criterion (ECE: top-label). A prefit model's class without
        calibration rows leaves no choice: temperature scaling (if a candidate)."""
        from ._metrics import calibration_error

        names = candidates(self.methods, kind)
        if self.methods is None:  # temperature scaling first (it wins exact ties)
            names.sort(key=lambda m: m != "temperature")
        k = scores.shape[1]
        if _classes_without_rows(y, w, k).size:  # no one-vs-rest calibrator for such a class
            return "temperature" if "temperature" in names else names[0]
        splits = selection_splits(y, w, groups, self._selection_cv(), self.random_state)
        self.cv_folds_ = len(splits)
        weights = np.ones(y.shape[0]) if w is None else w
        onehot = np.eye(k)[y]

        def cross_predict(name):
            P = np.empty((y.shape[0], k))
            for train, test in splits:
                cal = TemperatureScaling() if name == "temperature" else _OneVsRest(name, kind, self.classes_)
                cal.fit(scores[train], y[train], sample_weight=None if w is None else w[train])
                P[test] = cal.predict_proba(scores[test])
            return P

        def per_sample(P):
            return {"log_loss": -np.log(np.clip(P[np.arange(y.shape[0]), y], 1e-15, 1.0)),
                    "brier": np.sum((P - onehot) ** 2, axis=1)}

        # the step maps are set aside when each class's column ranks its rows above all others
        apart = all(_ranked_apart(scores[:, j], (y == j).astype(np.int8), weights) for j in range(k))
        best, self.method_scores_ = choose_method(
            names, cross_predict, per_sample, lambda P: calibration_error(y, P, n_bins=15, sample_weight=w).ece,
            weights, step_maps_aside=apart, criterion=criterion, tie_break=None)
        return best

    def _multiclass_calibrator(self, kind):
        """Temperature scaling, or a binary method one class against the rest."""
        if self.method_ == "temperature":
            return TemperatureScaling()
        return _OneVsRest(self.method_, kind, self.classes_)

    def _check_fitted(self):
        if not hasattr(self, "calibrator_"):
            raise NotFittedError("this CalibratedClassifier is not fitted yet; call fit first")

    def _proba_of(self, model, calibrator, X):
        s, _ = _response(model, X, self.response_method)
        if len(self.classes_) > 2:
            return calibrator.predict_proba(s)
        p = calibrator.transform(s)
        return np.column_stack([1.0 - p, p])

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated class probabilities, shape ``(n, n_classes)``."""
        self._check_fitted()
        if self.ensemble_ is not None:
            return np.mean([self._proba_of(m, c, X) for m, c in self.ensemble_], axis=0)
        return self._proba_of(self.estimator_, self.calibrator_, X)

    def predict(self, X) -> np.ndarray:
        """The most probable class (binary: class 1 when its probability is at least 0.5)."""
        P = self.predict_proba(X)
        if P.shape[1] == 2:
            return self.classes_[(P[:, 1] >= 0.5).astype(int)]
        return self.classes_[np.argmax(P, axis=1)]

    def get_metadata_routing(self):
        """The metadata routing (scikit-learn's ``enable_metadata_routing``): ``sample_weight``,
        ``groups`` and fit parameters go to the estimator's ``fit`` as it requests them."""
        return _metadata_routing(self)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = get_tags(_default_estimator(self.estimator)).input_tags.sparse
        return tags


def _estimator_has(attr):
    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(_default_estimator(self.estimator), attr)

    return check


class ThresholdClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """A binary classifier whose decision threshold is the exact optimum of an objective.

    ``fit`` collects out-of-fold scores over ``cv`` stratified folds (a clone of
    ``estimator`` per fold), finds the exact optimal threshold of ``objective`` on the pooled
    scores with :func:`best_threshold`, and refits the estimator on all the data. With
    ``cv="prefit"`` the fitted estimator is used as is and the threshold is learned on the
    scores of the data given to ``fit``. ``predict`` returns the positive class ``pos_label_``
    where its score is at least ``threshold_``, else the other class. ``cv`` may also be any
    scikit-learn splitter (with ``split``) or an iterable of ``(train, test)`` index arrays
    whose test parts cover every sample exactly once and whose training parts hold both
    classes. A float ``cv`` in (0, 1), or a splitter or iterable that gives a single split,
    holds out one part of the rows: the estimator is fitted on the rest and the threshold
    is learned on the held-out part alone (which needs both classes); ``refit=False`` then
    keeps that estimator instead of refitting on all the data (as scikit-learn's
    ``TunedThresholdClassifierCV`` does).

    Pooling out-of-fold scores assumes the fold models score on a common scale
    (probabilities, or decision values of a stable model); prefer ``predict_proba`` for
    models whose decision scale varies between fits.

    The learned threshold depends on the fold split, the F1 curve being flat near its
    optimum: with logistic regression on ``make_classification(weights=[0.8])`` data sets of
    300 rows, the F1 threshold varied over 20 ``random_state`` values of the folds with a
    standard deviation between 0.025 and 0.11 depending on the data set's settings (ranges
    as wide as 0.23 to 0.61). Refit with a few seeds to see the spread on your data before
    reading much into the second decimal of ``threshold_``.

    Parameters
    ----------
    estimator : classifier, default=LogisticRegression()
    objective : str, default="f1"
        Any objective of :func:`best_threshold`.
    objective_params : dict, optional
        Its parameters, e.g. ``{"beta": 2}`` or ``{"min_recall": 0.9}``.
    cv : int, float, "prefit", CV splitter or iterable of (train, test) splits, default=5
        An int (or a float with a whole value, such as ``5.0``) is the number of shuffled
        stratified folds (seeded by ``random_state``). A float in (0, 1) is one stratified
        shuffled split holding out that fraction of the
        rows to tune the threshold on (``StratifiedShuffleSplit(n_splits=1,
        test_size=cv)``, seeded by ``random_state``; the same rows as scikit-learn's for the
        same int seed). ``"prefit"`` takes an already fitted estimator and learns the
        threshold on the data given to ``fit``: use data the estimator was not fitted on.
    refit : bool or "auto", default="auto"
        Whether ``estimator_`` is refitted on all the data once the threshold is learned.
        ``"auto"``: yes, except with ``cv="prefit"`` (the fitted estimator is kept).
        ``False`` keeps the estimator fitted on the training part of a single split (a
        float ``cv``, or a splitter giving one split), so that the threshold was learned on
        the scores of that very model; an error with several splits, where there is no one
        such model. ``True`` is an error with ``cv="prefit"``. (scikit-learn's
        ``TunedThresholdClassifierCV`` has the same rules with ``refit=True`` as default,
        which refuses ``cv="prefit"``.)
    placement : {"midpoint", "score"}, default="midpoint"
    response_method : {"auto", "decision_function", "predict_proba"}, default="auto"
        ``"auto"`` uses ``predict_proba`` when available, else ``decision_function``.
    random_state : int, optional
    pos_label : label, optional
        The positive class, one of the two labels of ``y``: the class whose precision, recall,
        F-score and costs (``cost_tp``, ``cost_fn``, ...) the objective uses and whose score
        is thresholded. None (default): ``classes_[1]``, the larger label. For the other
        class the score is the probability of that class (``1 - p``) or the negated decision
        value.
    n_jobs : int, optional
        Jobs for the fits of the ``cv`` folds (as in scikit-learn: None is one, -1 all cores);
        the final refit runs in the calling process.

    Attributes
    ----------
    classes_ : ndarray
    pos_label_ : label
        The positive class.
    estimator_ : classifier
        The estimator refitted on all the data, the prefit estimator, or (``refit=False``)
        the one fitted on the training part of the single split.
    threshold_ : float
        Threshold on the score of ``pos_label_`` (its probability, with ``predict_proba``).
    best_score_ : float
        The objective at the threshold on the out-of-fold scores (on the held-out part of a
        single split). It is the best of many cuts on those very scores, so it overstates the
        objective on new data: in seeded simulations (logistic regression, ``make_classification``
        with 20 % positives, F1, 5 folds, 40 data sets each) it exceeded the F1 on 20,000
        fresh samples by 0.014 to 0.034 on average at n = 300 and by 0.013 to 0.017 at
        n = 1,000, depending on the data set's settings. Estimate the
        objective on data the threshold was not chosen on (a held-out set, or nested
        cross-validation around this estimator).
    result_ : ThresholdResult
    n_features_in_ : int
        Number of features seen in fit (when the estimator records it).
    feature_names_in_ : ndarray of str
        The column names of a DataFrame ``X`` seen in fit (the estimator's own record when it
        keeps one); absent for input without string column names.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from scimlkit.calibrate import ThresholdClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), LogisticRegression())
    >>> clf = ThresholdClassifier(model, objective="f1", random_state=0).fit(X, y)
    >>> bool(0 < clf.threshold_ < 1 and clf.best_score_ > 0.9)
    True
    """

    def __init__(self, estimator=None, *, objective: str = "f1", objective_params=None, cv=5,
                 refit="auto", placement: str = "midpoint", response_method: str = "auto",
                 random_state=None, pos_label=None, n_jobs=None):
        self.estimator = estimator
        self.objective = objective
        self.objective_params = objective_params
        self.cv = cv
        self.refit = refit
        self.placement = placement
        self.response_method = response_method
        self.random_state = random_state
        self.pos_label = pos_label
        self.n_jobs = n_jobs

    def _method(self, estimator):
        method = check_option(self.response_method, "response_method",
                              ("auto", "decision_function", "predict_proba"))
        if method == "auto":
            method = "predict_proba" if hasattr(estimator, "predict_proba") else "decision_function"
        return method

    def fit(self, X, y, sample_weight=None, groups=None, **fit_params):
        """Fit the estimator and learn the threshold.

        Parameters
        ----------
        X : array-like of shape (n, p)
        y : array-like of shape (n,)
            Binary class labels.
        sample_weight : array-like of shape (n,), optional
            Non-negative weights (a weight of ``k`` counts like the row repeated ``k`` times;
            both classes need positive weight). They weigh the threshold choice (the
            confusion matrices of :func:`best_threshold` sum weights) and, where the estimator
            is fitted here, the estimator's ``fit`` (an error if it takes no ``sample_weight``,
            unless a pipeline step gets them through ``fit_params`` as
            ``<step>__sample_weight``). With ``cv="prefit"`` or a ``FrozenEstimator`` (whose
            ``fit`` does nothing) the estimator gets none: they weigh the threshold alone.
            With scikit-learn's metadata routing enabled, the estimator gets them (and
            ``groups`` and ``fit_params``) only as its ``set_fit_request`` asks (a pipeline
            step's request replaces ``<step>__sample_weight``, which routing refuses).
        groups : array-like of shape (n,), optional
            Group labels for the folds (rows of one patient, user, session, ...): with an int
            ``cv`` each group stays within one fold (``StratifiedGroupKFold``, shuffled with
            ``random_state``); a splitter gets them (``GroupKFold``, ``LeaveOneGroupOut``, ...).
            A float ``cv``'s stratified split does not use them (as the same
            ``StratifiedShuffleSplit`` given as a splitter ignores them; pass a
            ``GroupShuffleSplit`` to keep groups whole). An estimator whose ``fit`` takes
            ``groups`` (a grid search with a group splitter) gets them too, split with the
            folds. Not allowed with ``cv="prefit"``.
        **fit_params
            Passed to the estimator's ``fit`` (per-sample arrays are split with the folds);
            not allowed with ``cv="prefit"``.

        Returns
        -------
        self
        """
        objective = check_option(self.objective, "objective", OBJECTIVES)
        placement = check_option(self.placement, "placement", ("midpoint", "score"))
        if self.objective_params is not None and not isinstance(self.objective_params, dict):
            raise InputError(f"`objective_params` must be a dict such as {{'beta': 2.0}}, "
                             f"got {type(self.objective_params).__name__}")
        given = dict(self.objective_params or {})
        unknown = sorted(set(given) - {"beta", "min_recall", "min_precision", "cost_fp", "cost_fn",
                                       "cost_tp", "cost_tn", "gain_tp", "gain_tn"})
        if unknown:
            raise InputError(f"`objective_params` has an unknown key '{unknown[0]}'")
        objective_args = _check_params(objective, given)
        _check_n_jobs(self.n_jobs)
        refit = self._check_refit()
        X, y, classes = _check_data(X, y, binary_only=True)
        w = _check_weights(sample_weight, y, classes)
        base = _default_estimator(self.estimator)
        groups = _groups(groups, len(y), self.cv)
        params = _fit_params(base, w, fit_params, prefit=isinstance(self.cv, str), groups=groups,
                             owner=self)
        method = self._method(base)
        if isinstance(self.cv, str):
            check_option(self.cv, "cv", ("prefit",))
            _check_prefit(base)
            classes = np.asarray(base.classes_)
            if classes.size != 2 or np.setdiff1d(np.unique(y), classes).size:
                raise InputError("`y` must use the two classes of the prefit estimator")
            positive = self._positive(classes)
            scores = self._oriented(*_response(base, X, method), positive, classes)
            self.estimator_ = base
        else:
            positive = self._positive(classes)
            scores = np.empty(len(y))
            splits = self._split(X, y, w, groups)
            if refit is False and len(splits) > 1:
                raise InputError(f"refit=False keeps the estimator fitted on the training part of a single split, "
                                 f"but `cv` gave {len(splits)} splits; use a float `cv` (one held-out fraction), "
                                 "a single split, or refit=True")
            folds = _fit_folds(base, X, y, params, splits, method, self.n_jobs)
            for (_, s, kind), (_, test) in zip(folds, splits):
                scores[test] = self._oriented(s, kind, positive, classes)
            # refit "auto" or True: on all the data; False: the model of the single split
            self.estimator_ = folds[0][0] if refit is False else clone(base).fit(X, y, **params)
            if len(splits) == 1:  # the threshold is learned on the held-out part alone
                rows = splits[0][1]
                scores, y, w = scores[rows], y[rows], None if w is None else w[rows]
        if not np.all(np.isfinite(scores)):
            raise InputError("the estimator produced non-finite scores")
        y01 = (y == positive).astype(np.int8)
        self.classes_ = classes
        self.pos_label_ = positive
        try:
            self.result_: ThresholdResult = _best_threshold(y01, scores, objective, objective_args, placement, w)
        except InputError as exc:  # a precision floor that no cut of these scores reaches
            scored = "scores of the data given to fit" if isinstance(self.cv, str) else "out-of-fold scores"
            raise InputError(f"{str(exc).replace(' on these scores', '')} on the {scored} of "
                             f"{type(base).__name__} (positive class {np.asarray(positive).tolist()!r}); lower the floor in "
                             "`objective_params`") from None
        self.threshold_ = self.result_.threshold
        self.best_score_ = self.result_.value
        if hasattr(self.estimator_, "n_features_in_"):
            self.n_features_in_ = self.estimator_.n_features_in_
        _set_feature_names(self, self.estimator_, X)
        return self

    def _check_refit(self):
        """``refit`` as True, False or "auto", checked against ``cv="prefit"``."""
        refit = self.refit
        if isinstance(refit, bool | np.bool_):
            refit = bool(refit)
        elif not (isinstance(refit, str) and refit == "auto"):
            raise InputError(f"`refit` must be True, False or 'auto', got {describe(refit)}")
        if refit is True and isinstance(self.cv, str):
            raise InputError("cv='prefit' keeps the fitted estimator as it is: `refit` must be False or 'auto', "
                             "got True")
        return refit

    def _split(self, X, y, w, groups) -> list:
        """The ``(train, test)`` splits of ``cv``: for a float, one stratified shuffled split
        holding out that fraction (scikit-learn's ``StratifiedShuffleSplit``); a single split
        of any kind needs both classes (with positive weight) in its held-out part."""
        cv = self.cv
        if isinstance(cv, float | np.floating) and not 0.0 < cv < 1.0:
            if not (np.isfinite(cv) and float(cv).is_integer() and cv >= 2):
                raise InputError(f"`cv` must be an int >= 2 (folds) or a float in (0, 1) (the fraction of rows "
                                 f"held out to learn the threshold on), got {cv!r}")
            cv = int(cv)  # a whole number of folds, as an int
        if isinstance(cv, float | np.floating):
            # like the same StratifiedShuffleSplit as a splitter: `groups` do not shape the split
            # (an estimator whose fit takes them still gets them)
            from sklearn.model_selection import StratifiedShuffleSplit

            splitter = StratifiedShuffleSplit(n_splits=1, test_size=float(cv),
                                              random_state=check_random_state(self.random_state))
            try:
                cv = list(splitter.split(np.zeros((len(y), 1)), y))
            except ValueError as exc:  # too few rows for the fraction, or a class of one row
                raise InputError(f"`cv`={self.cv!r} cannot hold out a stratified part: {exc}") from None
        splits = _splits(cv, X, y, w, self.random_state, groups, one_split_ok=True)
        if len(splits) == 1:
            test = splits[0][1]
            seen = np.unique(y[test] if w is None else y[test][w[test] > 0])
            if seen.size < 2:
                raise InputError("the held-out part of the single split of `cv` must hold both classes"
                                 f"{'' if w is None else ' with positive weight'} to learn the threshold on; "
                                 f"it holds only {seen.tolist()}")
        return splits

    def _positive(self, classes):
        """The positive class: ``pos_label`` (one of ``classes``) or ``classes[1]``."""
        if self.pos_label is None:
            return classes[1]
        for i, c in enumerate(classes.tolist()):  # a number never names a text label, nor the reverse
            if isinstance(c, str) == isinstance(self.pos_label, str) and c == self.pos_label:
                return classes[i]
        raise InputError(f"`pos_label` must be one of the classes {classes.tolist()}, got {self.pos_label!r}")

    @staticmethod
    def _oriented(s, kind, positive, classes):
        """Scores of the response of ``classes[1]`` turned into scores of ``positive``."""
        if positive == classes[1]:
            return s
        return 1.0 - s if kind == "probability" else -s

    def _scores(self, X):
        if not hasattr(self, "threshold_"):
            raise NotFittedError("this ThresholdClassifier is not fitted yet; call fit first")
        return self._oriented(*_response(self.estimator_, X, self._method(self.estimator_)),
                              self.pos_label_, self.classes_)

    def predict(self, X) -> np.ndarray:
        """``pos_label_`` where its score is at least ``threshold_``, else the other class."""
        positive = self._scores(X) >= self.threshold_
        is_first = self.pos_label_ == self.classes_[0]
        return self.classes_[(positive != is_first).astype(int)]

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X) -> np.ndarray:
        """The estimator's probabilities (unchanged by the threshold)."""
        if not hasattr(self, "threshold_"):
            raise NotFittedError("this ThresholdClassifier is not fitted yet; call fit first")
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X) -> np.ndarray:
        """The estimator's decision function (unchanged by the threshold)."""
        if not hasattr(self, "threshold_"):
            raise NotFittedError("this ThresholdClassifier is not fitted yet; call fit first")
        return self.estimator_.decision_function(X)

    def __setstate__(self, state):
        # a model saved before `refit` existed was refitted on all the data (or kept its
        # prefit estimator), which is what "auto" does
        state = dict(state)
        state.setdefault("refit", "auto")
        super().__setstate__(state)

    def get_metadata_routing(self):
        """The metadata routing (scikit-learn's ``enable_metadata_routing``): ``sample_weight``,
        ``groups`` and fit parameters go to the estimator's ``fit`` as it requests them."""
        return _metadata_routing(self)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.sparse = get_tags(_default_estimator(self.estimator)).input_tags.sparse
        return tags
