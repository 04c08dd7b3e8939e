"""A drop-in for scikit-learn's ``GridSearchCV`` that searches a space with any optimiser."""

from __future__ import annotations

import math
import numbers
import re
import time
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.base import is_classifier
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection._search import BaseSearchCV

from .._errors import InputError, reissue_warning
from .._progress import progress
from .._validation import check_int, check_rng, describe
from ._digest import (
    _settings_digest_v1,
    _text,
    cv_text,
    data_digest,
    fit_params_digest,
    settings_digest,
)
from ._estimator_space import SELECTOR, EstimatorSpace, _equal, _is_nan
from ._optimizers import choose_method
from ._parallel import Heartbeat
from ._storage import FINISHED
from ._study import Study, check_show_progress

__all__ = ["SearchCV"]


_ABSENT = object()
_UNSCORED = "not yet scored"  # the metric of a callable scoring, in a label, before it has run
_NON_FINITE = re.compile(r"One or more of the (test|train) scores are non-finite")


def _fit_errors(text: str) -> str:
    """The errors of failed fits, one entry each with its count, from scikit-learn's report of
    a batch (its ``FitFailedWarning`` or the error raised when every fit failed): each block
    "N fits failed with the following error:" ends its traceback with the exception, whose
    lines are kept whole. The report's text itself when it holds no such block."""
    blocks = re.findall(r"(\d+) fits? failed with the following error:\n(.*?)(?=\n-{80}\n\d+ fits? failed|\Z)",
                        text, flags=re.S)
    entries = _counted([(_exception(block), int(count)) for count, block in blocks])
    return entries or " ".join(text.split())


def _exception(traceback: str) -> str:
    """The exception a traceback ends with, its lines kept whole (on one line)."""
    lines = traceback.strip("\n").splitlines()
    frames = [i for i, line in enumerate(lines) if line.startswith('  File "')]
    start = 0
    if frames:  # after the last frame's source lines (indented further) comes the exception
        start = frames[-1] + 1
        while start < len(lines) and lines[start].startswith("    "):
            start += 1
    return " ".join(" ".join(lines[start:]).split())


def _counted(errors: list[tuple[str, int]]) -> str:
    """Errors with their numbers of fits, in the order first met: ``"E (2 fits); F (1 fit)"``."""
    counts: dict[str, int] = {}
    for error, count in errors:
        if error:
            counts[error] = counts.get(error, 0) + count
    return "; ".join(f"{error} ({count} fit{'s' if count != 1 else ''})" for error, count in counts.items())


def _replay(caught: list) -> None:
    """Pass on the warnings a batch raised. Those recorded under the caller's own filters are
    shown as they were; ``FitFailedWarning``, recorded whatever the filters said so that the
    errors could be read, meets the caller's filters now (from the module that raised it)."""
    for item in caught:
        if _NON_FINITE.match(str(item.message)):
            continue  # said once, of the whole cv_results_, when the search ends
        if issubclass(item.category, FitFailedWarning):
            reissue_warning(item)
        else:
            warnings.showwarning(item.message, item.category, item.filename, item.lineno, item.file, item.line)


def _scorer_text(scorer: Any) -> str:
    """What a metric of several measures: a scorer's name, or a function by its import path (a
    scorer object by its repr, which names the metric and its options)."""
    return scorer if isinstance(scorer, str) else _text(scorer)


def _same_setting(value: Any, own: Any) -> bool:
    """A value read from ``known`` is the estimator's own setting: equal (as a value of either
    type, or as text when a table read back from a file holds it as text), or both NaN."""
    if own is _ABSENT:
        return False
    if value is own or _equal(value, own) or (_is_nan(value) and _is_nan(own)):
        return True
    return isinstance(value, str) and not isinstance(own, str) and value == str(own)


class SearchCV(BaseSearchCV):
    """Cross-validated hyperparameter search driven by a black-box optimiser.

    A drop-in for :class:`sklearn.model_selection.GridSearchCV`: the same ``cv``, ``scoring``
    (a name, a callable, or several metrics), ``refit`` (``True``, a metric's name, ``False``
    or a callable choosing ``best_index_`` from ``cv_results_``),
    ``error_score`` and ``return_train_score``, and the same fitted attributes
    (``cv_results_``, ``best_params_``, ``best_score_``, ``best_index_``,
    ``best_estimator_``, ``scorer_``, ``n_splits_``, ``refit_time_``) and delegated methods
    (``predict``, ``predict_proba``, ``score``, ...). Instead of a grid, ``n_trials`` candidates
    are proposed one after another (or ``n_workers`` at a time) by the optimiser, which
    maximises the mean cross-validated score.

    Parameters
    ----------
    estimator : estimator object
        The model to tune.
    space : Space, dict or list of them
        Parameters of ``estimator`` to search (``{"alpha": Float(1e-4, 1, log=True)}``; nested
        names such as ``"clf__C"`` work as in ``GridSearchCV``). What scikit-learn's searches take
        works too: lists (or arrays) of values, of any kind (tuples of layer sizes, estimators
        for a pipeline step, ``None``), are searched as categorical choices; frozen
        ``scipy.stats`` ``uniform``, ``loguniform`` and ``randint`` distributions as the range
        they cover; and a list of dicts (``GridSearchCV``'s list of grids) as one space where a
        categorical ``_space`` picks the dict (see Notes).
    param_grid, param_distributions : dict or list of dicts, optional
        Other names of ``space``, as ``GridSearchCV(estimator, param_grid=...)`` and
        ``RandomizedSearchCV(estimator, param_distributions=...)`` call it. Give exactly one of
        ``space``, ``param_grid`` and ``param_distributions``.
    method : {"auto", "gp", "de", "random", "sobol", "grid"}, default "auto"
        The optimiser. ``"grid"`` (and ``"auto"`` when it picks the grid) runs the candidates in
        ``GridSearchCV``'s order (the dicts of a list in turn; in each, the parameter names
        sorted, the first varying slowest), so that ``cv_results_`` lines up row for row with the
        ``GridSearchCV`` of the same grid (when the budget covers it); a stored study resumes with
        the points it has not run, in that order. With every method, each candidate's parameters
        come with their names sorted, as scikit-learn's searches give them.
    n_trials : int, default 30
        Number of candidates evaluated (with a stored study, counting its earlier trials).
    n_iter : int, optional
        ``RandomizedSearchCV``'s name of ``n_trials``: when given, the number of candidates
        (``n_trials`` is then left at its default or set to the same number).
    scoring : str, callable, list, tuple or dict, optional
        As in ``GridSearchCV``. With several metrics (a list, tuple or dict, or a callable
        returning a dict), the optimiser maximises one of them: the metric ``refit`` names, else
        (``refit=False`` or a callable ``refit``) the first metric of ``scoring`` (of a
        callable's dict, its first key). Put the metric to follow first. A stored study resumes
        only with the same metrics (a dict's keys and what each one is) and the same metric
        followed; with a callable scoring, the metric it followed is checked at its first scores.
    n_workers : int, default 1
        Candidates proposed at once (and evaluated together).
    n_jobs : int, optional
        Parallel jobs (joblib) for the cross-validation fits of a batch of candidates, as in
        ``GridSearchCV``; default ``n_workers``.
    refit : bool, str or callable, default True
        As in ``GridSearchCV``: with several metrics, the name of the one that picks the best
        candidate, or ``False`` (no ``best_*`` attributes, no refit), or a callable that receives
        ``cv_results_`` and returns ``best_index_`` (then no ``best_score_``).
    cv : int, cross-validation generator or iterable, optional
        As in ``GridSearchCV`` (default 5-fold, stratified for classifiers).
    storage : None, str, path or StudyStorage
        Keep every candidate's result (as loss = minus the mean test score) in a SQLite study,
        to inspect it with ``scimlkit tune show`` or continue it: fitting again with the same
        storage and ``study`` resumes the search (on the same data, with the same estimator
        settings outside the space, scoring, folds ``cv`` and fit parameters such as
        ``sample_weight``: anything else is refused, its losses would not compare; ``n_jobs``,
        ``verbose`` and a pipeline's ``memory`` may change), its stored trials informing the
        optimiser and counting toward
        ``n_trials``; ``cv_results_`` then lists the candidates of this fit and
        ``best_params_`` / ``best_estimator_`` are the best of them (a warning says when the study
        holds a better one, which ``study_result_.best_params`` gives).
    study : str, optional
        Study name in ``storage`` (default ``"default"``).
    rng : None, int or numpy.random.Generator
        Randomness of the optimiser.
    random_state : None, int or numpy.random.Generator
        ``RandomizedSearchCV``'s name of ``rng``: when given, it is used instead of ``rng``.
    known : dict, DataFrame or StudyResult, optional
        Evaluations made before to start from, typically the ``cv_results_`` of a
        ``GridSearchCV`` or ``RandomizedSearchCV`` already run on the same data (its
        ``params`` and ``mean_test_score``, or ``mean_test_<name>`` of the metric followed with several metrics).
        The optimiser learns from them; they are not evaluated again, do not count toward
        ``n_trials`` and are not listed in ``cv_results_``, so ``best_params_`` is the best of
        this search's own candidates (``study_result_.best_params`` is the best of all). See
        :meth:`~scimlkit.tune.Study.add_trials` for the columns read.
    verbose, pre_dispatch, error_score, return_train_score
        As in ``GridSearchCV``.
    show_progress : bool, optional
        Progress bar: ``None`` (default) shows it on a terminal only, ``True`` always, ``False``
        never.

    Notes
    -----
    The study (``study_result_``, ``storage``) stores plain values. A choice that is not a
    ``str``, number, ``bool`` or ``None`` is stored as its label (its ``repr``, or
    ``module.name`` for a function); with a list of
    dicts, the study also holds ``_space`` (the index of the dict), and a parameter that
    appears in several dicts with different definitions is stored as ``<name>@<index>``.
    ``cv_results_``, ``best_params_`` and the estimator always get the parameters as given.

    On a terminal, a progress bar counts the candidates and shows the best mean test score so
    far (``SCIMLKIT_PROGRESS=0`` or ``show_progress=False`` silences it; ``show_progress=True``
    shows it in any case).

    Candidates are evaluated in batches of ``n_workers``. A candidate with a failed fit (in
    every fold or in some) is recorded as a failed trial in ``study_result_``, which keeps its
    fit errors, whatever ``error_score`` made of its scores (the optimiser does not take
    ``error_score`` for a measurement); a candidate whose fits all ran is a measurement, whatever
    it scored (``error_score`` included). ``cv_results_`` lists each candidate with
    ``error_score`` as the score of each failed fit, as ``GridSearchCV`` lists it, with a
    ``FitFailedWarning`` telling the errors; when no candidate of its batch fitted, its fit time
    in ``cv_results_`` is the batch's time shared among its fits. As with ``GridSearchCV``, the
    search raises when every fit failed, and ``error_score="raise"`` raises at the first
    failure.

    Attributes
    ----------
    study_result_ : StudyResult
        The trials of the search (losses are minus the mean test score).

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.linear_model import Ridge
    >>> from scimlkit.tune import SearchCV, Float
    >>> X, y = load_diabetes(return_X_y=True)
    >>> search = SearchCV(Ridge(), {"alpha": Float(1e-4, 10, log=True)}, method="random",
    ...                   n_trials=6, cv=3, rng=0).fit(X, y)
    >>> sorted(search.best_params_)
    ['alpha']
    >>> len(search.cv_results_["mean_test_score"])
    6
    """

    _parameter_constraints: dict = {
        **BaseSearchCV._parameter_constraints,
        "space": "no_validation",
        "param_grid": "no_validation",
        "param_distributions": "no_validation",
        "method": "no_validation",
        "n_trials": "no_validation",
        "n_iter": "no_validation",
        "n_workers": "no_validation",
        "storage": "no_validation",
        "study": "no_validation",
        "rng": "no_validation",
        "random_state": "no_validation",
        "known": "no_validation",
        "show_progress": "no_validation",
    }

    def __init__(self, estimator, space=None, *, param_grid=None, param_distributions=None, method="auto", n_trials=30, n_iter=None, scoring=None, n_workers=1,
                 n_jobs=None, refit=True, cv=None, storage=None, study=None, rng=None, random_state=None, known=None,
                 verbose=0,
                 pre_dispatch="2*n_jobs", error_score=np.nan, return_train_score=False, show_progress=None):
        self.estimator = estimator
        self.space = space
        self.param_grid = param_grid
        self.param_distributions = param_distributions
        self.method = method
        self.n_trials = n_trials
        self.n_iter = n_iter
        self.scoring = scoring
        self.n_workers = n_workers
        self.n_jobs = n_jobs
        self.refit = refit
        self.cv = cv
        self.storage = storage
        self.study = study
        self.rng = rng
        self.random_state = random_state
        self.known = known
        self.verbose = verbose
        self.pre_dispatch = pre_dispatch
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.show_progress = show_progress

    def fit(self, X, y=None, **params):
        """Run the search, then refit the best candidate on all of ``X`` (unless ``refit=False``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), optional
        **params
            Passed to the estimator's ``fit``, the scorer and the splitter, as in ``GridSearchCV``.

        Returns
        -------
        self
        """
        EstimatorSpace(*self._given_space())
        check_show_progress(self.show_progress)
        self._budget()
        self._seed()
        check_int(self.n_workers, "n_workers", low=1)
        if self.n_jobs is not None and (isinstance(self.n_jobs, bool) or not isinstance(self.n_jobs, numbers.Integral)
                                        or self.n_jobs == 0):
            raise InputError(f"`n_jobs` must be a non-zero integer (-1: every core) or None, got {describe(self.n_jobs)}")
        if self._several_metrics() and not (isinstance(self.refit, str) or self.refit is False
                                            or callable(self.refit)):
            raise InputError(
                "with several scoring metrics, `refit` must name the metric to refit on (one of "
                f"{self._metric_names()}), be False or a callable choosing the best index, got {describe(self.refit)}"
            )
        # a stored study resumes only on the same data, folds and fit parameters (named for this
        # fit only)
        self._fit_digests = None if self.storage is None else (
            data_digest(X, y), cv_text(self.cv, X, y, params.get("groups"), classifier=is_classifier(self.estimator)),
            fit_params_digest(params))
        try:
            if self.n_jobs is not None:
                return super().fit(X, y, **params)
            # the cross-validation fits run in n_workers jobs: scikit-learn's search reads `n_jobs`
            # once, when the fit starts; the parameter is restored as given (the refit is not affected)
            self.n_jobs = self.n_workers
            try:
                return super().fit(X, y, **params)
            finally:
                self.n_jobs = None
        finally:
            del self._fit_digests

    def _given_space(self) -> tuple[Any, str]:
        """The space, given as ``space`` or under one of scikit-learn's names for it, and that name."""
        given = {name: value for name, value in (("space", self.space), ("param_grid", self.param_grid),
                                                 ("param_distributions", self.param_distributions))
                 if value is not None}
        if len(given) != 1:
            raise InputError("give the parameters to search as one of `space`, `param_grid` or "
                             f"`param_distributions`, got {' and '.join(f'`{n}`' for n in given) or 'none'}")
        name, value = next(iter(given.items()))
        return value, name

    def _budget(self) -> int:
        """The number of candidates: ``n_iter`` when given (``RandomizedSearchCV``'s name), else
        ``n_trials``."""
        n_trials = check_int(self.n_trials, "n_trials", low=1)
        if self.n_iter is None:
            return n_trials
        n_iter = check_int(self.n_iter, "n_iter", low=1)
        default = type(self).__init__.__kwdefaults__["n_trials"]
        if n_trials not in (default, n_iter):
            raise InputError(f"give the number of candidates as `n_trials` or as `n_iter`, not both: got "
                             f"n_trials={n_trials} and n_iter={n_iter}")
        return n_iter

    def _seed(self) -> Any:
        """The optimiser's randomness: ``random_state`` when given (scikit-learn's name, which
        tools such as ``sklearn.utils.estimator_checks`` set), else ``rng``."""
        if self.random_state is None:
            return self.rng
        check_rng(self.random_state, "random_state")
        return self.random_state

    def _several_metrics(self) -> bool:
        return isinstance(self.scoring, list | tuple | set | dict)

    def _metric_names(self) -> list:
        """The names of several metrics, in the order given."""
        return list(self.scoring)

    def _followed_metric(self) -> Any:
        """The metric the optimiser maximises when there are several: the one ``refit`` names,
        else (``refit=False`` or a callable) the first of ``scoring``."""
        if isinstance(self.refit, str):
            return self.refit
        names = self._metric_names()
        return names[0] if names else None

    def _objective_key(self, results: dict) -> str:
        if "mean_test_score" in results:
            return "mean_test_score"
        followed = self._followed_metric() if self._several_metrics() else (
            self.refit if isinstance(self.refit, str) else None)
        if followed is not None and f"mean_test_{followed}" in results:
            return f"mean_test_{followed}"
        if isinstance(self.refit, str):  # a callable scoring without the metric refit names
            raise InputError(f"`refit` names the metric {self.refit!r}, which the scorer did not return "
                             f"(it returned {[k[10:] for k in results if k.startswith('mean_test_')]})")
        # a callable scoring returning several metrics: the first, as with a list
        return next(key for key in results if key.startswith("mean_test_"))

    def _known_column(self) -> dict:
        """The score column of ``known`` to read: ``mean_test_<name>`` of the metric followed when ``known`` has it
        (several metrics), else the default columns of :meth:`Study.add_trials`."""
        import pandas as pd

        columns = self.known.columns if isinstance(self.known, pd.DataFrame) else (
            self.known.keys() if isinstance(self.known, Mapping) else ())
        followed = self._followed_metric() if self._several_metrics() else (
            self.refit if isinstance(self.refit, str) else None)
        if followed is not None and f"mean_test_{followed}" in columns:
            return {"score": f"mean_test_{followed}"}
        return {}

    def _objective_label(self, searched=(), metric: str | None = None) -> tuple[str, tuple[str, ...]]:
        """The estimator and what its stored losses measure: a resumed study must match it. The
        estimator is named with the classes of the estimators inside it (a pipeline's steps, a
        wrapped model) that the search does not choose, so that a pipeline ending in another
        model is another study; several metrics name what each one is, and a callable scoring
        the metric followed (``metric``: its key, ``"score"`` for a single number; None while
        unknown, before the scorer has run). Returns the label and the earlier forms a stored
        study may have."""
        def name(obj):  # a scorer object by its repr (make_scorer's names the metric and its options)
            return obj if isinstance(obj, str) else getattr(obj, "__name__", None) or repr(obj)

        def cls_name(obj):
            return f"{type(obj).__module__}.{type(obj).__qualname__}"

        inner = [f"{key}={cls_name(value)}" for key, value in sorted(self.estimator.get_params(deep=True).items())
                 if hasattr(value, "get_params") and not isinstance(value, type)
                 and not any(key == s or key.startswith(f"{s}__") for s in searched)]
        estimator = type(self.estimator)
        scoring = self.scoring
        if scoring is None:
            what = old = "the estimator's score"
        elif self._several_metrics():
            followed = name(self._followed_metric())
            old = f"{followed} (of {', '.join(sorted(name(k) for k in scoring))})"
            what = old if not isinstance(scoring, Mapping) else (
                f"{followed} (of {', '.join(f'{k}={_scorer_text(v)}' for k, v in sorted(scoring.items()))})")
        else:
            old = name(scoring)
            what = old if not callable(scoring) else f"{old} (metric {_UNSCORED if metric is None else metric})"
        parts = f"[{', '.join(inner)}]" if inner else ""
        head = f"{estimator.__module__}.{estimator.__qualname__}"
        # the estimator's other settings, the data, the folds and the fit parameters (sample
        # weights, groups): another value is another objective
        settings = settings_digest(self.estimator, searched)
        digest, folds, fit = (None, None, None) if self._fit_digests is None else self._fit_digests
        data = "" if digest is None else f", data #{digest}"

        def full(what):
            return (f"{head}{parts} #{settings}, scoring {what}" + ("" if folds is None else f", cv {folds}") + data
                    + ("" if fit is None else f", fit params #{fit}"))

        # studies stored before several metrics named what each one is and a callable scoring its
        # metric, before the folds and fit parameters were named (with every setting but the
        # lists holding estimators), and before the settings and data were (and before the inner
        # estimators were) carry the label without them
        earlier = (((full(old),) if old != what else ())
                   + (f"{head}{parts} #{_settings_digest_v1(self.estimator, searched, steps=False)}, scoring {old}{data}",
                      f"{head}{parts}, scoring {old}") + ((f"{head}, scoring {old}",) if inner else ()))
        return full(what), earlier

    def _known_rows(self, space: EstimatorSpace) -> list:
        """The rows of ``known`` as evaluations of this search. A row that also sets estimator
        parameters outside the space (a grid search over more parameters) is an evaluation of this
        estimator only where those values are the estimator's own; the other rows are skipped, with
        a warning (all skipped: an InputError)."""
        from ._known import known_rows, param_columns

        searched = set(space.user_names) | set(space.space.names)
        own = self.estimator.get_params()
        skipped: list[tuple[str, Any]] = []
        n_rows = [0]

        def translate(params):
            n_rows[0] += 1
            for name, value in params.items():
                if name not in searched and not _same_setting(value, own.get(name, _ABSENT)):
                    skipped.append((name, value))
                    return None
            return space.from_estimator({n: v for n, v in params.items() if n in searched})

        names = list(dict.fromkeys(space.user_names + space.space.names + param_columns(self.known)))
        rows = known_rows(space.space, self.known, translate=translate, names=names, **self._known_column())
        if skipped:
            name, value = skipped[0]
            setting = describe(own[name]) if name in own else "not set"
            text = (f"`known`: {len(skipped)} of {n_rows[0]} rows set estimator parameters outside the space to "
                    f"values other than the estimator's own (e.g. {name}={describe(value)}, the estimator's: "
                    f"{setting}); those rows evaluate another model and are left out")
            if not rows:
                raise InputError(text.replace("are left out", "are left out, which leaves none"))
            warnings.warn(text, UserWarning, stacklevel=4)
        return rows

    def _best_of_this_fit(self) -> str:
        """What the search picks from this fit's candidates only (for the resume warning)."""
        if self._several_metrics() and self.refit is False:
            return "cv_results_ lists"
        return "best_params_ and best_estimator_ come" if self.refit else "best_params_ comes"

    def _format_results(self, candidate_params, n_splits, out, more_results=None):
        """scikit-learn's ``cv_results_``, with a row for each candidate of a batch whose every
        fit failed (scikit-learn refuses such a batch, so its fits are not in ``out``): its
        scores are ``error_score``, its fit time the batch's time shared among its fits, at its
        place in the order the candidates were tried."""
        self._formatted = (candidate_params, n_splits, out, more_results)
        failed = getattr(self, "_failed_rows", None)
        if not failed or not out:
            return super()._format_results(candidate_params, n_splits, out, more_results)
        params, rows = [], []
        real = iter(range(len(candidate_params)))
        waiting = dict(failed)  # place -> (params, fit time)
        for place in range(len(candidate_params) + len(failed)):
            if place in waiting:
                given, fit_time = waiting[place]
                params.append(given)
                for split in range(n_splits):
                    row = dict(out[split])  # the same fold's test size as a fitted candidate's
                    for key in ("test_scores", "train_scores"):
                        if key in row:
                            row[key] = ({name: self.error_score for name in row[key]}
                                        if isinstance(row[key], dict) else self.error_score)
                    row.update(fit_time=fit_time, score_time=0.0, fit_error="every fit failed")
                    if "parameters" in row:
                        row["parameters"] = given
                    rows.append(row)
            else:
                i = next(real)
                params.append(candidate_params[i])
                rows.extend(out[i * n_splits:(i + 1) * n_splits])
        return super()._format_results(params, n_splits, rows, more_results)

    def _run_search(self, evaluate_candidates):
        self._failed_rows, self._formatted, self._latest = [], None, None
        try:
            self._search(evaluate_candidates)
            results = self._latest
            if self._failed_rows and results is not None:
                # a batch that failed after the last one that fitted: the results the search reads
                # (the dict the last batch returned) get its rows too
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message=_NON_FINITE.pattern)
                    whole = self._format_results(*self._formatted)
                results.clear()
                results.update(whole)
        finally:
            del self._failed_rows, self._formatted, self._latest
        for key, means in (results or {}).items():  # as GridSearchCV says it, once
            if key.startswith(("mean_test_", "mean_train_")) and not np.all(np.isfinite(means)):
                warnings.warn(f"One or more of the {key.split('_')[1]} scores are non-finite: {means}",
                              UserWarning, stacklevel=5)

    def _search(self, evaluate_candidates):
        space = EstimatorSpace(*self._given_space())
        rows = None
        if self.known is not None:  # checked before the study is created or resumed
            rows = self._known_rows(space)
        # a callable scoring with refit naming a metric follows that metric if the scorer returns it
        label, earlier = self._objective_label(space.user_names,
                                               metric=self.refit if isinstance(self.refit, str) else None)
        accepts, unsettled = None, None
        if callable(self.scoring):
            # the metric a callable scoring is followed on is known once it has scored: the study
            # is labelled (or a stored label naming a metric accepted) for now, the label settled
            # (or another metric refused) at the first scores
            unsettled = self._objective_label(space.user_names, metric="\0")[0].partition("\0")[::2]
            metrics = {self.refit, "score", _UNSCORED} if isinstance(self.refit, str) else None

            def accepts(stored: str, start: str = unsettled[0], end: str = unsettled[1]) -> bool:
                inside = stored[len(start):len(stored) - len(end)]
                return (stored.startswith(start) and stored.endswith(end) and len(stored) > len(start) + len(end)
                        and (metrics is None or inside in metrics))

        n_trials = self._budget()
        options = {}
        method = self.method.lower() if isinstance(self.method, str) else self.method
        if method == "grid" or (method == "auto" and choose_method(space.space, n_trials) == "grid"):
            # GridSearchCV's order (scikit-learn's ParameterGrid): the grids of a list in turn, the
            # names of each sorted, the first varying slowest; a study stored in another order
            # resumes with the points it has not run
            options["order"] = sorted(space.space.names, key=lambda n: (n != SELECTOR, space._user.get(n, n), n))
        study = Study.create(space.space, method=self.method, storage=self.storage, name=self.study, rng=self._seed(),
                             n_trials=n_trials, objective_label=label, _earlier_labels=earlier,
                             _label_accepts=accepts, **options)
        ran, scored, all_failed, own_best = 0, 0, None, math.inf
        beat = Heartbeat(study.storage, study._owner, study.storage.heartbeat_interval)
        bar = None
        try:
            if rows:
                study._add_rows(rows)
            beat.__enter__()  # the candidates stay claimed while they run, however long
            # on a terminal: candidates done, and the best mean test score so far
            counts = study.storage.counts(study._study_id)  # queued trials are still to run
            remaining = max(0, n_trials - sum(counts[state] for state in FINISHED))
            bar = progress(remaining, "candidates", show=False if remaining == 0 else self.show_progress)
            bar.__enter__()
            while True:
                trials = study._ask(self.n_workers, n_trials)
                if not trials:
                    break
                ran += len(trials)
                caught: list = []
                # the names sorted, as scikit-learn's ParameterGrid and ParameterSampler give them
                candidates = [dict(sorted(space.to_estimator(t.params).items())) for t in trials]
                started = time.perf_counter()
                try:
                    with warnings.catch_warnings(record=True) as caught:
                        # the caller's filters still apply; a failed fit's report is kept to be read
                        warnings.filterwarnings("always", category=FitFailedWarning)
                        results = evaluate_candidates(candidates)
                except ValueError as exc:
                    # scikit-learn refuses a batch whose fits all failed; with small batches that is
                    # one bad candidate, which becomes a failed trial and a row of error_score values
                    # in cv_results_, as GridSearchCV lists it (error_score="raise" still raises)
                    if self.error_score == "raise" or "fits failed" not in str(exc):
                        _replay(caught)
                        raise
                    all_failed = exc
                    n_fits = len(trials) * self.n_splits_
                    share = (time.perf_counter() - started) / n_fits
                    place = ran - len(trials)
                    self._failed_rows.extend((place + i, (c, share)) for i, c in enumerate(candidates))
                    text = "every cross-validation fit failed: " + _fit_errors(str(exc))
                    for trial in trials:
                        study._finish(trial, None, text[:2000], None)
                    bar.advance(len(trials))
                    _replay(caught)
                    details = str(exc).partition("Below are more details about the failures:")[2]
                    warnings.warn(
                        f"\n{n_fits} fits failed out of a total of {n_fits} in a batch of {len(trials)} "
                        f"candidate(s) ({', '.join(map(str, candidates))}).\nThe score on these train-test "
                        f"partitions for these parameters will be set to {self.error_score}.\nIf these failures "
                        "are not expected, you can try to debug them by setting error_score='raise'.\n\n"
                        f"Below are more details about the failures:{details}", FitFailedWarning, stacklevel=6)
                    continue
                except BaseException:
                    _replay(caught)
                    raise
                self._latest = results
                key = self._objective_key(results)
                if unsettled is not None:
                    study.storage.settle_objective(study._study_id, study.name, key[10:].join(unsettled),
                                                   (label, _UNSCORED.join(unsettled)))
                    unsettled = None
                scored += len(trials)
                scores = results[key][-len(trials):]
                fit_times = results["mean_fit_time"][-len(trials):]
                score_times = results["mean_score_time"][-len(trials):]
                # a candidate with a failed fit is a failed trial, whatever error_score made of its
                # scores in cv_results_ (the optimiser would take it for a measurement); one whose
                # fits all ran is measured, whatever it scored: read from each fit's error
                n_splits = self.n_splits_
                fits = self._formatted[2][-len(trials) * n_splits:]
                for i, (trial, score, tf, ts) in enumerate(zip(trials, scores, fit_times, score_times)):
                    errors = [fit.get("fit_error") for fit in fits[i * n_splits:(i + 1) * n_splits]]
                    errors = [_exception(e) for e in errors if e is not None]
                    score = float(score) if isinstance(score, numbers.Real) else math.nan
                    if not errors and math.isfinite(score):
                        loss, error = -score, None
                        own_best = min(own_best, loss)
                    elif errors:
                        loss = None
                        error = ("every cross-validation fit failed" if len(errors) == n_splits else
                                 f"{len(errors)} of {n_splits} cross-validation fits failed")
                        error = f"{error}: {_counted([(e, 1) for e in errors])}"[:2000]
                    else:
                        loss, error = None, "every cross-validation fit ran but the mean test score is NaN"
                    study._finish(trial, loss, error, float(n_splits * (tf + ts)))
                bar.advance(len(trials), status=f"best score {-own_best:.6g}" if math.isfinite(own_best) else None)
                _replay(caught)
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
            beat.__exit__(None, None, None)
            study.release()
            self.study_result_ = study.result()
            study.close()
        if ran and not scored:
            raise all_failed
        stored = self.study_result_.best_value
        if math.isfinite(own_best) and stored < own_best - 1e-12 * max(1.0, abs(own_best)):
            warnings.warn(
                f"study '{study.name}' holds a better candidate (mean test score {-stored:.6g}, trial "
                f"{self.study_result_.best_trial}, from an earlier fit or added with `known`) than the best of "
                f"this fit ({-own_best:.6g}); {self._best_of_this_fit()} from this fit's candidates only, "
                "study_result_.best_params is the best of all", UserWarning, stacklevel=6)
        if ran == 0 and study.optimizer.exhausted:
            raise InputError(
                f"every point of the space is already in study '{study.name}' "
                f"({self.study_result_.n_added} of them added with `known`): nothing left to search"
            )
        if ran == 0:
            raise InputError(
                f"study '{study.name}' already holds "
                f"{len(self.study_result_.trials) - self.study_result_.n_added} trial(s), the whole "
                f"budget of {'n_iter' if self.n_iter is not None else 'n_trials'}={n_trials}; raise it or use "
                "another `study` name"
            )
