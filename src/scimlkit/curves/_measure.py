"""Measuring a learning curve: cross-validated scores at geometric training-set sizes."""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .._errors import DegenerateDataWarning, InputError, SmallSampleWarning
from .._progress import progress
from .._results import Result
from .._validation import check_array, check_int, check_rng, describe, fit_params_of_rows

__all__ = ["learning_curve", "LearningCurveResult", "geometric_sizes"]


@dataclass(frozen=True, slots=True)
class LearningCurveResult(Result):
    """Scores measured at increasing training-set sizes.

    Fields
    ------
    sizes : ndarray of int, shape (n_sizes,)
        Training-set sizes (the same in every fold; at most ``n_train``, except with
        ``shuffle=False``, where explicit sizes may reach the first training fold as in
        scikit-learn).
    scores : ndarray, shape (n_sizes, n_folds)
        Validation score of each fold at each size.
    train_scores : ndarray, shape (n_sizes, n_folds)
        Score on the training subset itself.
    mean, std : ndarray, shape (n_sizes,)
        Mean and standard deviation (ddof=1, 0 for one fold) of ``scores`` over folds (over
        the folds with a score, when some fits failed with ``error_score=np.nan``).
    fit_seconds : ndarray, shape (n_sizes,)
        Mean fitting time per fold (of the fits that succeeded; NaN where every fit failed).
    scoring : str
        The scorer's name (``"score"`` for the estimator's own ``score``; a scorer made with
        ``make_scorer`` is named after its score function and arguments, ``neg_`` in front when
        it negates them, and a function after itself).
    n_train : int
        Size of the smallest training fold (the largest size every fold is fitted on whole;
        fractional ``sizes`` are fractions of it, except with ``shuffle=False``, where they are
        fractions of the first training fold, as in scikit-learn).
    fit_times, score_times : ndarray, shape (n_sizes, n_folds), optional
        Seconds spent fitting each model, and scoring it on its validation samples, as
        scikit-learn's ``learning_curve(..., return_times=True)`` gives them (here always
        recorded): for a fit that failed (``error_score`` a number), the seconds until the
        error and a score time of 0.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.naive_bayes import GaussianNB
    >>> X, y = load_iris(return_X_y=True)
    >>> lc = learning_curve(GaussianNB(), X, y, sizes=3, cv=3, rng=0)
    >>> lc.to_frame()["size"].tolist()
    [10, 32, 100]
    """

    sizes: np.ndarray
    scores: np.ndarray
    train_scores: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    fit_seconds: np.ndarray
    scoring: str
    n_train: int
    fit_times: np.ndarray | None = None
    score_times: np.ndarray | None = None

    def to_frame(self):
        """One row per size: ``size, mean, std, train_mean, n_folds, fit_seconds`` (``n_folds``
        counts the folds with a score: fewer where fits failed with ``error_score=np.nan``)."""
        import pandas as pd

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a size at which every fit failed
            train_mean = np.nanmean(self.train_scores, axis=1)
        return pd.DataFrame({
            "size": self.sizes, "mean": self.mean, "std": self.std,
            "train_mean": train_mean, "n_folds": np.sum(~np.isnan(self.scores), axis=1),
            "fit_seconds": self.fit_seconds,
        })


def geometric_sizes(low: int, high: int, count: int) -> np.ndarray:
    """``count`` distinct integer sizes spaced geometrically from ``low`` to ``high``.

    The sizes are the rounded points of a geometric grid; where rounding would make two of
    them equal (small sizes, close together), each is moved up to the next free integer, so
    exactly ``count`` sizes come back, starting at ``low`` and (for two or more) ending at
    ``high``.

    Raises
    ------
    InputError
        When fewer than ``count`` integers lie between ``low`` and ``high``.

    Examples
    --------
    >>> geometric_sizes(10, 1000, 5).tolist()
    [10, 32, 100, 316, 1000]
    >>> geometric_sizes(1, 100, 8).tolist()
    [1, 2, 4, 7, 14, 27, 52, 100]
    >>> geometric_sizes(1, 6, 6).tolist()
    [1, 2, 3, 4, 5, 6]
    """
    low = check_int(low, "low", low=1)
    high = check_int(high, "high", low=low)
    count = check_int(count, "count", low=1)
    possible = high - low + 1
    if count > possible:
        raise InputError(f"`count`={count} distinct sizes do not fit between `low`={low} and `high`={high} "
                         f"(at most {possible})")
    if count == 1:
        return np.array([low], dtype=np.int64)
    sizes = np.round(np.geomspace(low, high, count)).astype(np.int64)
    sizes[0], sizes[-1] = low, high
    for i in range(1, count):  # make them strictly increasing, moving collisions up ...
        sizes[i] = max(sizes[i], sizes[i - 1] + 1)
    for i in range(count - 2, -1, -1):  # ... and back down below the top where that overshoots
        sizes[i] = min(sizes[i], sizes[i + 1] - 1)
    return sizes


_DEFAULT_COUNT = 10


def _resolve_sizes(sizes, n_train: int, n_min: int, n_top: int | None = None,
                   top: str = "smallest training fold") -> np.ndarray:
    """The training-set sizes. A count (or None) spaces them from ``n_min`` to ``n_train``;
    explicit sizes, and fractions, are read against ``n_top`` (default ``n_train``), the
    ``top`` training fold."""
    n_top = n_train if n_top is None else n_top
    if sizes is None:  # the default: up to 10 sizes, as many distinct ones as fit (no error)
        low = min(n_min, n_train)
        return geometric_sizes(low, n_train, min(_DEFAULT_COUNT, n_train - low + 1))
    if np.ndim(sizes) == 0:  # a number of sizes
        count = check_int(sizes, "sizes", low=2)
        if n_min >= n_train:
            raise InputError(f"`min_size`={n_min} must be below the training fold size {n_train} to "
                             f"measure {count} sizes (the default is max(10, 2 * n_classes)); pass a smaller "
                             "`min_size` or explicit `sizes`")
        if count > n_train - n_min + 1:
            raise InputError(f"`sizes`={count} distinct sizes do not fit between `min_size`={n_min} and the "
                             f"training fold size {n_train} (at most {n_train - n_min + 1})")
        return geometric_sizes(n_min, n_train, count)
    raw = np.asarray(sizes)
    floating = raw.dtype.kind == "f"
    arr = check_array(sizes, "sizes", min_size=1)
    if floating and np.all((arr > 0) & (arr <= 1)):
        # fractions of the training fold ``n_top``, as scikit-learn reads them (floats in (0, 1]:
        # 1.0 is that whole fold, not one sample): the product, in the given float type, cut to
        # its integer part, then kept between one sample and the fold
        given = arr
        arr = np.clip(np.trunc(raw.reshape(-1) * n_top), 1, n_top).astype(float)
        if np.any(np.diff(arr) <= 0):
            raise InputError(f"`sizes` must be strictly increasing, got the fractions {given.tolist()[:8]}, which "
                             f"give the sizes {arr.astype(int).tolist()[:8]} of the {top} ({n_top})")
    if np.any(arr < 1) or np.any(arr != np.round(arr)):
        raise InputError(f"`sizes` must be positive integers (or fractions in (0, 1] of the {top}), got "
                         f"{arr.tolist()[:6]}")
    if np.any(np.diff(arr) <= 0):
        raise InputError(f"`sizes` must be strictly increasing, got {arr.tolist()[:8]}")
    if arr.max() > n_top:
        raise InputError(f"`sizes` may not exceed the {top} size {n_top}, got {arr.max():g}")
    return arr.astype(int)


def _class_labels(y, classifier: bool) -> np.ndarray | None:
    """The class labels as a 1-D array when ``y`` is the target of a classifier of one target
    (binary or multiclass by scikit-learn's ``type_of_target``, a column vector included);
    None otherwise (regressors, multilabel and multi-output targets)."""
    if not classifier:
        return None
    from sklearn.utils.multiclass import type_of_target

    try:
        kind = type_of_target(y)
    except (ValueError, TypeError):
        return None
    if kind not in ("binary", "multiclass"):
        return None
    return np.asarray(y).reshape(-1)


def _ordered_indices(train: np.ndarray, labels: np.ndarray | None, gen: np.random.Generator | None) -> np.ndarray:
    """A random order of the training fold; with class ``labels`` (a classifier of one target)
    one sample of each class first (multilabel and multi-output targets keep the random order).
    Without ``gen`` (no shuffling) the fold in its own order."""
    if gen is None:
        return np.asarray(train)
    order = gen.permutation(train)
    if labels is None:
        return order
    _, first = np.unique(labels[order], return_index=True)
    head = order[np.sort(first)]
    rest = np.delete(order, np.sort(first))
    return np.concatenate([head, rest])


def _scoring_name(scoring) -> str:
    """A readable name for ``scoring``: its name, ``"score"`` for the estimator's own ``score``, a
    scorer's score function (``f1_score(average='macro')``, ``neg_`` when the scorer negates it)
    or a function's name."""
    if scoring is None:
        return "score"
    if isinstance(scoring, str):
        return scoring
    func = getattr(scoring, "_score_func", None)  # a scorer made by scikit-learn's make_scorer
    if func is not None:
        return ("neg_" if getattr(scoring, "_sign", 1) < 0 else "") + _called(func, getattr(scoring, "_kwargs", None))
    return _called(scoring, None)


def _called(func, kwargs) -> str:
    """A function's name with its keyword arguments (those a ``functools.partial`` binds too)."""
    import functools

    bound = {}
    while isinstance(func, functools.partial):
        bound = {**func.keywords, **bound}
        func = func.func
    bound.update(kwargs or {})
    name = getattr(func, "__name__", None) or type(func).__name__
    return name + (f"({', '.join(f'{k}={v!r}' for k, v in bound.items())})" if bound else "")


def _fit_and_score(estimator, X, y, train_idx, test_idx, scorer, fold: int, scoring: str = "score", params=None,
                   error_score="raise", n_classes: int | None = None):
    """``(test score, training score, fit seconds, failure, training failure, score seconds, fitted)``.

    As in scikit-learn, with ``error_score`` a number a failure costs only what it touches: a
    fit that fails gives ``error_score`` as both scores (``failure`` is its message; its fit
    seconds are the time until the error, its score seconds 0, ``fitted`` False), a scorer
    that fails on the validation part gives it as the validation score (``failure``), one that
    fails on the training part as the training score only (``training failure``); the other
    message is None. With ``error_score="raise"`` any failure raises :class:`InputError`.
    ``n_classes`` (a classifier's subsets in the fold's own order): a failure message says so
    when the training subset holds fewer classes.
    """
    import time

    from sklearn.base import clone
    from sklearn.utils import _safe_indexing

    model = clone(estimator)
    X_tr, y_tr = _safe_indexing(X, train_idx), _safe_indexing(y, train_idx)
    # per-sample fit parameters (sample_weight, ...) follow the training subset
    fit_params = fit_params_of_rows(params, train_idx, _num_rows(y))
    hint = ""
    if n_classes is not None:
        held = len(np.unique(np.asarray(y_tr).reshape(-1)))
        if held < n_classes:
            hint = (f" (with `shuffle=False` the subset is the first {len(train_idx)} samples of training fold "
                    f"{fold} in the splitter's order and holds {held} of the {n_classes} classes: pass "
                    "`shuffle=True`, which puts one sample of every class first; splitters list each training "
                    "fold in the data's order, even those that shuffle)")
    t0 = time.perf_counter()
    try:
        model.fit(X_tr, y_tr, **fit_params)
    except Exception as exc:
        seconds = time.perf_counter() - t0  # as scikit-learn: the time until the error
        message = (f"the estimator failed to fit on {len(train_idx)} training samples (CV fold {fold}): "
                   f"{type(exc).__name__}: {exc}{hint}")
        if isinstance(error_score, str):
            raise InputError(message) from exc
        return float(error_score), float(error_score), seconds, message, None, 0.0, False
    seconds = time.perf_counter() - t0
    scored = []
    score_seconds = math.nan
    for part, X_part, y_part in (("validation", _safe_indexing(X, test_idx), _safe_indexing(y, test_idx)),
                                 ("training", X_tr, y_tr)):
        t0 = time.perf_counter()
        try:
            scored.append((float(scorer(model, X_part, y_part)), None))
        except Exception as exc:
            message = (f"`scoring`={scoring!r} failed on the {part} samples of the model fitted on "
                       f"{len(train_idx)} training samples (CV fold {fold}): {type(exc).__name__}: {exc}{hint}")
            if isinstance(error_score, str):
                raise InputError(message) from exc
            scored.append((float(error_score), message))
        if part == "validation":  # scikit-learn's score time: the validation samples only
            score_seconds = time.perf_counter() - t0
    (test, failure), (train, train_failure) = scored
    return test, train, seconds, failure, train_failure, score_seconds, True


def _num_rows(y) -> int:
    return y.shape[0] if hasattr(y, "shape") else len(y)


def learning_curve(
    estimator,
    X,
    y,
    *,
    sizes=None,
    cv=5,
    scoring=None,
    groups=None,
    params=None,
    min_size: int | None = None,
    shuffle: bool = True,
    rng=None,
    random_state=None,
    n_jobs: int | None = None,
    error_score="raise",
    show_progress: bool | None = None,
) -> LearningCurveResult:
    """Measure cross-validated scores of ``estimator`` at geometric training-set sizes.

    In each fold the training part is shuffled once (for classifiers of one target, one
    sample of every class comes first) and the model is fitted on its first ``n`` samples for
    each size, so the subsets are nested and every subset holds every class. scikit-learn does
    the fitting and scoring; a progress bar shows on a terminal. With ``shuffle=False`` the
    subsets are the first ``n`` samples of each training fold in the splitter's order, and
    explicit ``sizes`` are read against the first training fold, as in scikit-learn's
    ``learning_curve(..., shuffle=False)``: the same sizes give the same subsets, so a
    deterministic estimator gets the same scores.

    Parameters
    ----------
    estimator : scikit-learn estimator
        Cloned for every fit.
    X, y : array-like
        Data and target.
    sizes : int or array-like, optional
        Number of geometric sizes from ``min_size`` to the smallest training fold, or
        explicit sizes (integers, or floats in (0, 1]: fractions of the smallest training
        fold, rounded down to at least one sample as in scikit-learn, so ``[0.1, 1.0]`` ends at
        the size of the smallest training fold; every fold is fitted on the same sizes, so where
        the folds differ in size the larger ones are never used whole). The largest size is
        ``n_train``. Default: 10 sizes, or as many distinct ones as fit between ``min_size``
        and the smallest training fold on small data (only that size when it is not larger
        than ``min_size``); a count given explicitly that cannot be met is an
        :class:`InputError`. With ``shuffle=False`` explicit sizes and fractions are read
        against the first training fold instead, as scikit-learn does (fractions of it; sizes
        up to it): a smaller fold is fitted on all its samples at the sizes above its own,
        with a :class:`~scimlkit.SmallSampleWarning`.
    cv : int or cross-validation splitter
        As in scikit-learn (an int gives stratified folds for classifiers).
    scoring : str or callable, optional
        A scikit-learn scoring name or scorer; default the estimator's ``score``. One metric:
        a list, tuple or dict of several (scikit-learn's multi-metric scoring) is refused.
    groups : array-like of shape (n_samples,), optional
        Group labels passed to the splitter's ``split(X, y, groups)``, for group
        cross-validation (``GroupKFold``, ``LeaveOneGroupOut``, ...), as in scikit-learn.
    params : dict, optional
        Keyword arguments of the estimator's ``fit`` (``sample_weight``; ``step__param`` for a
        Pipeline), as scikit-learn's ``params``: an array-like with one value per sample is cut
        to the samples of each fit, anything else (NumPy scalars and 0-d arrays included) is
        passed as is.
    min_size : int, optional
        Smallest size for ``sizes=int``; default ``max(10, 2 * n_classes)``. With an explicit
        ``sizes=int`` it must lie below the training fold size, with room for ``sizes``
        distinct sizes up to it (:class:`InputError` otherwise).
    shuffle : bool, default True
        Shuffle each training fold (one sample of every class first, for a classifier) before
        taking its first ``n`` samples. ``False`` takes them in the fold's order (no class is
        put first, so a small subset may miss a class, and sizes below the number of classes
        are allowed; ``rng`` is then unused). scikit-learn's splitters list each training fold
        in the data's order even when they shuffle, so on data sorted by class pass ``True``;
        a failure on a subset that misses a class says so.
    rng : int or numpy.random.Generator, optional
        Seed of the subset order.
    random_state : int, numpy.random.Generator or numpy.random.RandomState, optional
        scikit-learn's name of ``rng``, accepted for code written against it: give one or the
        other (:class:`InputError` for both). A ``RandomState`` seeds the order with one draw
        from it. The order is not scikit-learn's (which does not put a sample of each class
        first), so the same seed does not give scikit-learn's subsets; ``shuffle=False`` does.
    n_jobs : int, optional
        Parallel fits through joblib.
    error_score : "raise" or float
        What a fit (or scoring) that fails gets. ``"raise"`` (the default) raises
        :class:`InputError` naming the size, the fold and the error; a number (``np.nan``, as
        scikit-learn's default) is recorded, as in scikit-learn, where the failure struck: as
        both scores of a fit that failed, as the validation score when scoring the validation
        samples failed, and as the training score only when scoring the training samples
        failed (the validation score is kept); a fit that failed keeps the seconds until the
        error in ``fit_times`` and 0 in ``score_times``, as in scikit-learn, and is left out
        of ``fit_seconds``. One :class:`~scimlkit.DegenerateDataWarning`
        counts the lost validation scores and quotes the first failure, another the lost
        training scores; when no fit has a validation score, :class:`InputError` says what
        failed and quotes the first failure. ``mean`` and
        ``std`` are then taken over the folds whose scores are not NaN (NaN only where every
        fold failed); :func:`fit_curve` leaves anchors with NaN fold scores out, with a
        warning.
    show_progress : bool, optional
        Force the progress bar on or off (default: on a terminal only).

    Returns
    -------
    LearningCurveResult

    Raises
    ------
    InputError
        On bad input, and (with ``error_score="raise"``) when the estimator fails to fit or the
        scorer fails to score at some size (the message names the size, the fold and
        ``scoring``).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.naive_bayes import GaussianNB
    >>> X, y = load_iris(return_X_y=True)
    >>> lc = learning_curve(GaussianNB(), X, y, sizes=4, cv=3, rng=0)
    >>> lc.sizes.tolist()
    [10, 22, 46, 100]
    >>> lc.scores.shape
    (4, 3)
    """
    from sklearn.base import is_classifier
    from sklearn.metrics import check_scoring
    from sklearn.model_selection import check_cv
    from sklearn.utils.validation import indexable

    if not hasattr(estimator, "fit"):
        raise InputError(f"`estimator` must be a scikit-learn estimator with fit, got {type(estimator).__name__}")
    if X is None or y is None:
        raise InputError("`X` and `y` must be given")
    if isinstance(scoring, (list, tuple, set, frozenset, dict)):  # scikit-learn's multi-metric forms
        kind = "dict" if isinstance(scoring, dict) else type(scoring).__name__
        raise InputError(f"`scoring` must be one metric (a name or a scorer), got a {kind} of {len(scoring)}")
    try:
        X, y = indexable(X, y)
        n_samples = len(y)
        if hasattr(X, "shape") and X.shape[0] != n_samples:
            raise ValueError
    except (TypeError, ValueError):
        raise InputError(f"`X` and `y` must have the same number of samples, got {getattr(X, 'shape', '?')} "
                         f"and {np.shape(y)}") from None
    if n_samples < 4:
        raise InputError(f"`X` must have at least 4 samples, got {n_samples}")
    y_arr = np.asarray(y)
    if y_arr.dtype.kind in "fc" and not np.all(np.isfinite(y_arr)):
        raise InputError("`y` contains NaN or infinite values")
    if groups is not None:
        groups_arr = np.asarray(groups)
        if groups_arr.ndim != 1 or len(groups_arr) != n_samples:
            raise InputError(f"`groups` must have one label per sample of `X` ({n_samples}), got shape "
                             f"{groups_arr.shape}")
        if groups_arr.dtype.kind in "fc" and not np.all(np.isfinite(groups_arr)):
            raise InputError("`groups` contains NaN or infinite values")
    if params is not None:
        if not isinstance(params, Mapping) or not all(isinstance(k, str) for k in params):
            raise InputError("`params` must be a dict of the estimator's fit arguments by name, got "
                             f"{describe(params)}")
        params = dict(params)
    classifier = is_classifier(estimator)
    try:
        splitter = check_cv(cv, y, classifier=classifier)
        folds = list(splitter.split(X, y, groups))
    except ValueError as exc:
        raise InputError(f"`cv` could not split the data: {exc}") from None
    try:
        scorer = check_scoring(estimator, scoring=scoring)
    except (ValueError, TypeError) as exc:
        raise InputError(f"`scoring` is not usable: {exc}") from None
    if not isinstance(shuffle, bool | np.bool_):
        raise InputError(f"`shuffle` must be True or False, got {describe(shuffle)}")
    fold_sizes = np.array([len(tr) for tr, _ in folds])
    n_train = int(fold_sizes.min())
    labels = _class_labels(y, classifier)
    n_classes = len(np.unique(labels)) if labels is not None else 1
    if min_size is None:
        min_size = max(10, 2 * n_classes)
    min_size = check_int(min_size, "min_size", low=1)
    if shuffle:
        grid = _resolve_sizes(sizes, n_train, min_size)
    else:  # explicit sizes and fractions are read against the first training fold, as scikit-learn does
        grid = _resolve_sizes(sizes, n_train, min_size, int(fold_sizes[0]),
                              "first training fold (with `shuffle=False`, as in scikit-learn)")
    if shuffle and labels is not None and grid.min() < n_classes:
        # the shuffled order puts one sample of every class first: a smaller subset cannot hold them all
        raise InputError(f"`sizes` must be at least the number of classes ({n_classes}), got {grid.min()}")
    short = fold_sizes < grid.max()
    if short.any():  # only with shuffle=False: such a fold is fitted whole at the larger sizes
        shown = ", ".join(f"{i} ({s})" for i, s in zip(np.flatnonzero(short)[:8], fold_sizes[short][:8]))
        warnings.warn(f"with `shuffle=False` the sizes are read against the first training fold ({fold_sizes[0]} "
                      f"samples), as in scikit-learn; the training fold(s) {shown} are smaller, and are fitted "
                      f"on all their samples at the sizes above their own (up to n={grid.max()})",
                      SmallSampleWarning, stacklevel=2)
    if random_state is not None:
        if rng is not None:
            raise InputError(f"give the seed as `rng` or as `random_state` (scikit-learn's name), not both: got "
                             f"rng={describe(rng)} and random_state={describe(random_state)}")
        if isinstance(random_state, np.random.RandomState):
            random_state = int(random_state.randint(2**31 - 1))
        gen = check_rng(random_state, "random_state")
    else:
        gen = check_rng(rng)
    n_jobs = check_int(n_jobs, "n_jobs", allow_none=True)
    if n_jobs == 0:
        raise InputError("`n_jobs` must be a positive number of workers, -1 for all cores, or None")
    if not (isinstance(error_score, str) and error_score == "raise"):
        if isinstance(error_score, bool | np.bool_) or not isinstance(error_score, numbers.Real):
            raise InputError(f"`error_score` must be 'raise' or a number (such as np.nan), got {describe(error_score)}")
        if np.isinf(error_score):
            raise InputError(f"`error_score` must be 'raise', NaN or a finite number, got {error_score}")
    orders = [_ordered_indices(tr, labels, gen if shuffle else None) for tr, _ in folds]
    # in the fold's own order a subset may miss a class: a failure then says so
    hint_classes = None if shuffle or labels is None else n_classes

    tasks = [(i, j) for j in range(len(grid)) for i in range(len(folds))]
    test = np.empty((len(grid), len(folds)))
    train = np.empty_like(test)
    seconds = np.empty_like(test)
    score_seconds = np.empty_like(test)
    name = _scoring_name(scoring)
    with progress(total=len(tasks), description="learning curve", show=show_progress) as bar:
        if n_jobs in (None, 1):
            results = (_fit_and_score(estimator, X, y, orders[i][: grid[j]], folds[i][1], scorer, i, str(name),
                                      params, error_score, hint_classes)
                       for i, j in tasks)
        else:
            from joblib import Parallel, delayed

            results = Parallel(n_jobs=n_jobs, return_as="generator")(
                delayed(_fit_and_score)(estimator, X, y, orders[i][: grid[j]], folds[i][1], scorer, i, str(name),
                                        params, error_score, hint_classes)
                for i, j in tasks)
        failures, train_failures = [], []
        failed = np.zeros(test.shape, dtype=bool)
        train_failed = np.zeros(test.shape, dtype=bool)
        fitted = np.ones(test.shape, dtype=bool)
        for (i, j), (te, tr, sec, failure, train_failure, score_sec, ok) in zip(tasks, results):
            test[j, i], train[j, i], seconds[j, i], score_seconds[j, i] = te, tr, sec, score_sec
            fitted[j, i] = ok
            if failure is not None:
                failed[j, i] = True
                failures.append(failure)
            elif train_failure is not None:
                train_failed[j, i] = True
                train_failures.append(train_failure)
            bar.advance(1, status=f"n={grid[j]}")
    unfitted = int(np.sum(~fitted))
    if not np.all(np.isfinite(test[~failed])):
        raise InputError("the scorer returned NaN or infinite scores; check `scoring` and the data")
    if failures and len(failures) == len(tasks):
        what = (f"all {len(tasks)} fits failed" if unfitted == len(tasks)
                else f"the validation samples of all {len(tasks)} fits could not be scored" if unfitted == 0
                else f"all {len(tasks)} fits failed ({unfitted}) or could not be scored on the validation samples "
                     f"({len(tasks) - unfitted})")
        raise InputError(f"{what}; the first: {failures[0]}")
    if failures:
        sizes_hit = ", ".join(f"{s:g}" for s in grid[failed.any(axis=1)])
        what = (f"{len(failures)} of {len(tasks)} fits failed" if unfitted == len(failures)
                else f"{len(failures)} of {len(tasks)} fits could not be scored on the validation samples"
                if unfitted == 0
                else f"{len(failures)} of {len(tasks)} fits failed ({unfitted}) or could not be scored on the "
                     f"validation samples ({len(failures) - unfitted})")
        warnings.warn(f"{what} (at n={sizes_hit}); their scores are `error_score`={error_score}. The first: "
                      f"{failures[0]}", DegenerateDataWarning, stacklevel=2)
    if train_failures:
        sizes_hit = ", ".join(f"{s:g}" for s in grid[train_failed.any(axis=1)])
        warnings.warn(f"`scoring` failed on the training samples of {len(train_failures)} of {len(tasks)} fits "
                      f"(at n={sizes_hit}); their training scores are `error_score`={error_score}, their "
                      f"validation scores are kept. The first: {train_failures[0]}", DegenerateDataWarning,
                      stacklevel=2)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # sizes at which every fit failed
        mean = np.nanmean(test, axis=1)
        std = np.nanstd(test, axis=1, ddof=1) if test.shape[1] > 1 else np.zeros(len(grid))
        fit_seconds = np.nanmean(np.where(fitted, seconds, np.nan), axis=1)  # the fits that succeeded
    # one finite fold score gives no spread: 0, as with a single fold
    std = np.where(np.sum(np.isfinite(test), axis=1) == 1, 0.0, std)
    return LearningCurveResult(
        sizes=grid, scores=test, train_scores=train, mean=mean, std=std,
        fit_seconds=fit_seconds, scoring=str(name), n_train=int(n_train), fit_times=seconds,
        score_times=score_seconds)
