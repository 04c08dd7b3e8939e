"""SearchCV against scikit-learn's GridSearchCV on the same candidate points."""

from __future__ import annotations

import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.exceptions import FitFailedWarning, NotFittedError
from sklearn.linear_model import Lasso, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from scimlkit._errors import InputError
from scimlkit.tune import Categorical, Float, SearchCV, Study


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


def _grid_for(search):
    """The GridSearchCV over exactly the candidates SearchCV evaluated (in its order)."""
    return [{k: [v] for k, v in p.items()} for p in search.cv_results_["params"]]


def test_scores_equal_grid_search_cv_on_the_same_candidates(diabetes):
    X, y = diabetes
    cv = KFold(4, shuffle=True, random_state=0)
    search = SearchCV(Ridge(), {"alpha": Float(1e-3, 100.0, log=True), "fit_intercept": Categorical([True, False])},
                      method="random", n_trials=7, cv=cv, scoring="neg_mean_squared_error", rng=0).fit(X, y)
    # reference: GridSearchCV(Ridge(), [{"alpha": [a], ...} for each candidate], cv=cv, scoring=...)
    grid = GridSearchCV(Ridge(), _grid_for(search), cv=cv, scoring="neg_mean_squared_error").fit(X, y)
    ours, ref = search.cv_results_, grid.cv_results_
    assert set(ours) == set(ref)
    for key in ["mean_test_score", "std_test_score", "split0_test_score", "split3_test_score"]:
        np.testing.assert_allclose(ours[key], ref[key], rtol=1e-12)
    np.testing.assert_array_equal(ours["rank_test_score"], ref["rank_test_score"])
    assert list(ours["param_alpha"]) == list(ref["param_alpha"])
    assert search.best_params_ == grid.best_params_
    assert search.best_index_ == grid.best_index_
    assert search.best_score_ == pytest.approx(grid.best_score_)
    np.testing.assert_allclose(search.predict(X[:5]), grid.predict(X[:5]))
    assert search.score(X, y) == pytest.approx(grid.score(X, y))
    # the study kept every candidate, as a loss = -score
    res = search.study_result_
    assert res.n_complete == 7
    np.testing.assert_allclose(-res.trials["value"].to_numpy(), ours["mean_test_score"])
    assert res.best_value == pytest.approx(-search.best_score_)


def test_multi_metric_with_refit_name():
    X, y = load_breast_cancer(return_X_y=True)
    X = X[:, :5]
    scoring = {"auc": "roc_auc", "acc": "accuracy"}
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    search = SearchCV(model, {"logisticregression__C": Float(1e-3, 10.0, log=True)}, method="sobol",
                      n_trials=4, cv=3, scoring=scoring, refit="auc", rng=1).fit(X, y)
    grid = GridSearchCV(model, _grid_for(search), cv=3, scoring=scoring, refit="auc").fit(X, y)
    for key in ["mean_test_auc", "mean_test_acc", "rank_test_auc", "split2_test_acc"]:
        np.testing.assert_allclose(search.cv_results_[key], grid.cv_results_[key])
    assert search.best_params_ == grid.best_params_
    assert search.best_score_ == pytest.approx(grid.best_score_)
    np.testing.assert_allclose(search.predict_proba(X[:3]), grid.predict_proba(X[:3]))
    # the optimiser maximised the refit metric
    np.testing.assert_allclose(-search.study_result_.trials["value"], search.cv_results_["mean_test_auc"])
    with pytest.raises(InputError, match="`refit` must name the metric"):
        SearchCV(model, {"logisticregression__C": Float(1e-3, 10.0, log=True)}, n_trials=2, scoring=scoring,
                 refit=True).fit(X, y)


def test_callable_scoring_refit_false_and_n_workers(diabetes):
    X, y = diabetes

    def neg_mae(est, X_, y_):
        return -float(np.mean(np.abs(est.predict(X_) - y_)))

    search = SearchCV(Ridge(), {"alpha": Float(1e-3, 10.0, log=True)}, method="random", n_trials=4, cv=3,
                      scoring=neg_mae, refit=False, n_workers=2, rng=0)
    with joblib.parallel_config(backend="threading"):  # batches of 2 candidates, without process start-up
        search.fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert not hasattr(search, "best_estimator_")
    assert search.best_params_ == search.cv_results_["params"][search.best_index_]


def test_failed_fits_are_failed_trials(diabetes):
    X, y = diabetes
    space = {"solver": Categorical(["auto", "not-a-solver", "svd"])}
    search = SearchCV(Ridge(), space, method="grid", n_trials=3, cv=3, rng=0).fit(X, y)
    frame = search.study_result_.trials
    assert frame["state"].tolist() == ["COMPLETE", "FAILED", "COMPLETE"]
    assert "not-a-solver" in frame.loc[1, "error"]
    assert [p["solver"] for p in search.cv_results_["params"]] == ["auto", "not-a-solver", "svd"]
    with pytest.raises(ValueError, match="fits failed"):  # as GridSearchCV when every fit fails
        SearchCV(Ridge(), {"solver": Categorical(["bad-1", "bad-2"])}, method="grid", n_trials=2, cv=3).fit(X, y)
    with pytest.raises(ValueError):
        SearchCV(Ridge(), space, method="grid", n_trials=3, cv=3, error_score="raise").fit(X, y)


def test_failed_candidate_in_a_mixed_batch_keeps_its_fit_errors(diabetes):
    X, y = diabetes
    space = {"solver": Categorical(["auto", "not-a-solver"])}
    search = SearchCV(Ridge(), space, method="grid", n_trials=2, cv=3, n_workers=2, rng=0)
    with joblib.parallel_config(backend="threading"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, y)
    # scikit-learn's warnings still reach the caller, each once
    kinds = [w.category for w in caught]
    assert kinds.count(FitFailedWarning) == 1 and "3 fits failed" in str(caught[kinds.index(FitFailedWarning)].message)
    assert sum("non-finite" in str(w.message) for w in caught) == 1
    frame = search.study_result_.trials.set_index("param_solver")
    assert frame.loc["auto", "state"] == "COMPLETE" and frame.loc["not-a-solver", "state"] == "FAILED"
    error = frame.loc["not-a-solver", "error"]
    assert "InvalidParameterError" in error and "not-a-solver" in error and "(3 fits)" in error
    assert "Traceback" not in error
    # alone in its batch, the trial keeps the error without scikit-learn's traceback too
    alone = SearchCV(Ridge(), space, method="grid", n_trials=2, cv=3, rng=0).fit(X, y)
    error = alone.study_result_.trials.set_index("param_solver").loc["not-a-solver", "error"]
    assert error.startswith("every cross-validation fit failed: ") and "InvalidParameterError" in error
    assert "Traceback" not in error and "(3 fits)" in error


def test_the_callers_warning_filters_still_apply():
    from sklearn.exceptions import ConvergenceWarning

    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    space = {"max_iter": Categorical([2, 1000])}
    # warnings as errors: the fits that do not converge fail, and the search goes on (as GridSearchCV)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", category=ConvergenceWarning)
        warnings.filterwarnings("ignore", category=FitFailedWarning)
        warnings.filterwarnings("ignore", message="One or more of the test scores")
        search = SearchCV(LogisticRegression(), space, method="grid", n_trials=2, cv=2, n_workers=2, rng=0)
        with joblib.parallel_config(backend="threading"):
            search.fit(X, y)
    states = search.study_result_.trials.set_index("param_max_iter")["state"]
    assert states[2] == "FAILED" and states[1000] == "COMPLETE"
    # a filter by module still reaches scikit-learn's warning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=FitFailedWarning, module="sklearn.model_selection")
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        with joblib.parallel_config(backend="threading"):
            clone(search).fit(X, y)
    assert not [w for w in caught if issubclass(w.category, FitFailedWarning)]


def test_fit_errors_read_from_sklearns_report():
    from scimlkit.tune._search_cv import _fit_errors

    dash = "-" * 80
    frame = '  File "x.py", line 1, in f\n    raise ValueError(text)\n    ^^^^^^^^^^^^^^^^^^^^^\n'
    report = (f"\n5 fits failed out of a total of 6.\nBelow are more details about the failures:\n{dash}\n"
              f"1 fit failed with the following error:\nTraceback (most recent call last):\n{frame}"
              f"ValueError: Input X contains NaN.\nRidge does not accept missing values.\n\n{dash}\n"
              f"4 fits failed with the following error:\nTraceback (most recent call last):\n{frame}"
              f"ValueError: table:\ncol\n{'-' * 30}\n1\n")
    assert _fit_errors(report) == ("ValueError: Input X contains NaN. Ridge does not accept missing values. (1 fit); "
                                   f"ValueError: table: col {'-' * 30} 1 (4 fits)")
    assert _fit_errors("no details here\n") == "no details here"


def test_show_progress(diabetes, capsys):
    X, y = diabetes
    space = {"alpha": Float(0.1, 1.0)}
    SearchCV(Ridge(), space, method="random", n_trials=2, cv=2, rng=0, show_progress=True).fit(X, y)
    assert "candidates" in capsys.readouterr().err
    SearchCV(Ridge(), space, method="random", n_trials=2, cv=2, rng=0, show_progress=False).fit(X, y)
    assert capsys.readouterr().err == ""
    with pytest.raises(InputError, match="`show_progress`"):
        SearchCV(Ridge(), space, n_trials=2, show_progress="yes").fit(X, y)


def test_sklearn_conventions_and_bad_input(diabetes):
    X, y = diabetes
    search = SearchCV(Ridge(), {"alpha": Float(0.1, 1.0)}, n_trials=3, rng=0)
    assert clone(search).get_params()["n_trials"] == 3
    assert search.n_jobs is None and clone(search).get_params()["n_jobs"] is None
    with pytest.raises(NotFittedError):
        search.predict(X)
    with pytest.raises(InputError, match="`n_trials`"):
        SearchCV(Ridge(), {"alpha": Float(0.1, 1.0)}, n_trials=0).fit(X, y)
    with pytest.raises(InputError, match="`method`"):
        SearchCV(Ridge(), {"alpha": Float(0.1, 1.0)}, method="hyperband", n_trials=2).fit(X, y)
    with pytest.raises(InputError):
        SearchCV(Ridge(), {}, n_trials=2).fit(X, y)


def test_param_grid_and_param_distributions_name_the_space(diabetes):
    # code written for GridSearchCV / RandomizedSearchCV runs as it is
    from scipy.stats import loguniform

    X, y = diabetes
    grid = SearchCV(Ridge(), param_grid={"alpha": [0.1, 1.0, 10.0]}, method="grid", n_trials=3, cv=3)
    assert grid.get_params()["param_grid"] == {"alpha": [0.1, 1.0, 10.0]} and grid.space is None
    grid = clone(grid).fit(X, y)
    reference = GridSearchCV(Ridge(), param_grid={"alpha": [0.1, 1.0, 10.0]}, cv=3).fit(X, y)
    assert grid.best_params_ == reference.best_params_
    assert grid.best_score_ == pytest.approx(reference.best_score_)
    drawn = SearchCV(Ridge(), param_distributions={"alpha": loguniform(1e-3, 10)}, method="random", n_trials=3,
                     cv=3, rng=0).fit(X, y)
    assert len(drawn.cv_results_["params"]) == 3 and 1e-3 <= drawn.best_params_["alpha"] <= 10
    with pytest.raises(InputError, match="one of `space`, `param_grid` or `param_distributions`, got none"):
        SearchCV(Ridge(), n_trials=2).fit(X, y)
    with pytest.raises(InputError, match="got `space` and `param_grid`"):
        SearchCV(Ridge(), {"alpha": Float(0.1, 1.0)}, param_grid={"alpha": [1.0]}, n_trials=2).fit(X, y)
    with pytest.raises(InputError, match="`param_grid` item 1 must be a Space or a dict"):  # named as given
        SearchCV(Ridge(), param_grid=[{"alpha": [1.0]}, 3], n_trials=2).fit(X, y)


def test_randomized_search_cv_names_of_the_budget_and_the_seed(diabetes):
    # RandomizedSearchCV(estimator, param_distributions, n_iter=4, random_state=0) written as it is
    from scipy.stats import loguniform

    X, y = diabetes
    space = {"alpha": loguniform(1e-3, 10)}
    drawn = SearchCV(Ridge(), param_distributions=space, method="random", n_iter=4, random_state=0, cv=3)
    assert clone(drawn).get_params()["n_iter"] == 4 and clone(drawn).get_params()["random_state"] == 0
    drawn.fit(X, y)
    same = SearchCV(Ridge(), space, method="random", n_trials=4, rng=0, cv=3).fit(X, y)
    assert len(drawn.cv_results_["params"]) == 4
    assert drawn.cv_results_["params"] == same.cv_results_["params"]
    assert drawn.study_result_.n_complete == 4
    with pytest.raises(InputError, match="`n_trials` or as `n_iter`, not both"):
        SearchCV(Ridge(), space, n_trials=5, n_iter=4, cv=3).fit(X, y)
    # random_state, when set (as scikit-learn's set_random_state does), is the seed used
    seeded = SearchCV(Ridge(), space, method="random", rng=1, random_state=0, n_iter=4, cv=3).fit(X, y)
    assert seeded.cv_results_["params"] == same.cv_results_["params"]
    with pytest.raises(InputError, match="`n_iter`"):
        SearchCV(Ridge(), space, n_iter=0, cv=3).fit(X, y)
    with pytest.raises(InputError, match="`random_state`"):
        SearchCV(Ridge(), space, n_iter=2, random_state=np.random.RandomState(0), cv=3).fit(X, y)


def test_storage_keeps_and_resumes_the_search(diabetes, tmp_path):
    X, y = diabetes
    path = tmp_path / "cv.db"
    space = {"alpha": Float(1e-3, 10.0, log=True)}
    SearchCV(Ridge(), space, method="random", n_trials=3, cv=3, storage=path, study="ridge", rng=0).fit(X, y)
    again = SearchCV(Ridge(), space, method="random", n_trials=5, cv=3, storage=path, study="ridge", rng=0).fit(X, y)
    assert len(again.cv_results_["params"]) == 2  # only the new candidates
    assert Study.load(path, "ridge").result().n_complete == 5
    with pytest.raises(InputError, match="already holds 5 trial"):
        SearchCV(Ridge(), space, method="random", n_trials=5, cv=3, storage=path, study="ridge").fit(X, y)
    # another scoring (or estimator) on the same study would mix losses that do not compare
    with pytest.raises(InputError, match="another objective"):
        SearchCV(Ridge(), space, method="random", n_trials=8, cv=3, storage=path, study="ridge",
                 scoring="neg_mean_squared_error").fit(X, y)
    with pytest.raises(InputError, match="another objective"):
        SearchCV(Lasso(), space, method="random", n_trials=8, cv=3, storage=path, study="ridge").fit(X, y)
    # so would another data set (the next outer fold of a nested cross-validation, say) or
    # another setting of the estimator outside the space
    with pytest.raises(InputError, match="another objective"):
        SearchCV(Ridge(), space, method="random", n_trials=8, cv=3, storage=path, study="ridge").fit(X[:300], y[:300])
    with pytest.raises(InputError, match="another objective"):
        SearchCV(Ridge(fit_intercept=False), space, method="random", n_trials=8, cv=3, storage=path,
                 study="ridge").fit(X, y)
    assert Study.load(path, "ridge").result().n_complete == 5
    # a study stored before the data and settings were part of the label resumes
    Study.create(space, method="random", storage=path, name="older", n_trials=2,
                 objective_label="sklearn.linear_model._ridge.Ridge, scoring the estimator's score").close()
    older = SearchCV(Ridge(), space, method="random", n_trials=2, cv=3, storage=path, study="older").fit(X, y)
    assert older.study_result_.n_complete == 2


def test_a_stored_search_resumes_only_with_the_same_columns_folds_and_fit_parameters(tmp_path):
    from sklearn.compose import ColumnTransformer

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    path = tmp_path / "cv.db"
    space = {"ridge__alpha": Float(1e-3, 10.0, log=True)}

    def search(columns=("age", "bmi"), n_trials=2, cv=3, n_jobs=None, verbose=0, memory=None, **fit):
        model = make_pipeline(ColumnTransformer([("num", StandardScaler(), list(columns))], remainder="drop",
                                                n_jobs=n_jobs), Ridge(), memory=memory)
        return SearchCV(model, space, method="random", n_trials=n_trials, cv=cv, storage=path, study="s", rng=0,
                        verbose=verbose).fit(X, y, **fit)

    weights = np.ones(len(y))
    search(ridge__sample_weight=weights)
    # settings that do not change the losses: parallelism, messages, a pipeline's cache
    again = search(n_trials=4, n_jobs=2, verbose=1, memory=str(tmp_path / "cache"), ridge__sample_weight=weights.copy())
    assert again.study_result_.n_complete == 4
    weighted = {"ridge__sample_weight": weights}
    for changed in ({"columns": ("age", "sex"), **weighted}, {"cv": 4, **weighted},
                    {"cv": KFold(3, shuffle=True, random_state=0), **weighted},
                    {"ridge__sample_weight": np.arange(len(y)) + 1.0}, {}):  # other weights, or none
        with pytest.raises(InputError, match="another objective"):
            search(n_trials=6, **changed)
    assert Study.load(path, "s").result().n_complete == 4


@pytest.mark.filterwarnings("ignore:study 'old' holds a better candidate")  # the last fit is not seeded
def test_a_search_stored_with_the_earlier_settings_label_resumes_once(diabetes, tmp_path):
    # the label stored before the folds and fit parameters were named (its settings digest
    # counted n_jobs and left out lists holding estimators): accepted once, then relabelled
    X, y = diabetes
    path = tmp_path / "cv.db"
    space = {"ridge__alpha": Float(1e-3, 10.0, log=True)}
    label = ("sklearn.pipeline.Pipeline[ridge=sklearn.linear_model._ridge.Ridge, standardscaler=sklearn.preprocessing."
             "_data.StandardScaler] #1dab2e2c2938, scoring the estimator's score, data #227de9b151e4")
    Study.create(space, method="random", storage=path, name="old", n_trials=2, objective_label=label).close()
    model = make_pipeline(StandardScaler(), Ridge())
    SearchCV(model, space, method="random", n_trials=2, cv=3, storage=path, study="old", rng=0).fit(X, y)
    with pytest.raises(InputError, match="another objective"):  # relabelled: the earlier form no longer matches
        SearchCV(model, space, method="random", n_trials=4, cv=3, storage=path, study="old").fit(X, y, ridge__sample_weight=np.ones(len(y)))
    again = SearchCV(model, space, method="random", n_trials=4, cv=3, storage=path, study="old").fit(X, y)
    assert again.study_result_.n_complete == 4


def test_the_data_digest_leaves_a_sparse_matrix_as_it_is(tmp_path):
    from scipy import sparse

    from scimlkit.tune._digest import data_digest

    # a matrix with a duplicate entry in each row, indices unsorted: the stored search leaves it so
    rows = 30
    data, indices = np.arange(1.0, 3 * rows + 1), np.tile([2, 0, 2], rows)
    X = sparse.csr_matrix((data, indices, np.arange(0, 3 * rows + 1, 3)), shape=(rows, 3))
    kept = [X.indptr.copy(), X.indices.copy(), X.data.copy()]
    SearchCV(Ridge(), {"alpha": Float(0.1, 1.0)}, method="random", n_trials=1, cv=3, storage=tmp_path / "s.db",
             rng=0).fit(X, np.arange(rows, dtype=float))
    assert X.nnz == 3 * rows and all(np.array_equal(a, b) for a, b in zip(kept, [X.indptr, X.indices, X.data], strict=True))
    X = sparse.csr_matrix((np.array([1.0, 2.0, 3.0]), np.array([2, 0, 2]), np.array([0, 3])), shape=(1, 3))
    assert not X.has_canonical_format  # a duplicate entry, indices unsorted
    before = [X.indptr.copy(), X.indices.copy(), X.data.copy()]
    digest = data_digest(X, None)
    assert all(np.array_equal(a, b) for a, b in zip(before, [X.indptr, X.indices, X.data], strict=True))
    same = sparse.csr_matrix(np.array([[2.0, 0.0, 4.0]]))
    assert data_digest(same, None) == digest == data_digest(same.tocsc(), None) == data_digest(same.tocoo(), None)
    assert data_digest(sparse.csr_matrix(np.array([[2.0, 0.0, 5.0]])), None) != digest


def test_the_settings_digest_names_columns_but_not_parallelism_or_messages():
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestRegressor

    from scimlkit.tune._digest import settings_digest

    def ct(columns, remainder="drop"):
        return make_pipeline(ColumnTransformer([("num", StandardScaler(), columns)], remainder=remainder), Ridge())

    assert settings_digest(ct(["a", "b"]), ["ridge__alpha"]) != settings_digest(ct(["c"]), ["ridge__alpha"])
    assert settings_digest(ct(["a"]), []) != settings_digest(ct(["a"], remainder="passthrough"), [])
    assert settings_digest(ct(["a"]), []) != settings_digest(ct(["a"], remainder=StandardScaler()), [])
    # a step the search chooses does not count by its starting value
    assert settings_digest(Pipeline([("scale", StandardScaler()), ("model", Ridge())]), ["model"]) == settings_digest(
        Pipeline([("scale", StandardScaler()), ("model", Lasso(alpha=2.0))]), ["model"])
    forest = RandomForestRegressor(n_jobs=1, verbose=0)
    assert settings_digest(forest, []) == settings_digest(RandomForestRegressor(n_jobs=4, verbose=2), [])
    assert settings_digest(forest, []) != settings_digest(RandomForestRegressor(max_depth=3), [])
    cached = make_pipeline(StandardScaler(), Ridge(), memory="cache-folder")
    assert settings_digest(cached, []) == settings_digest(make_pipeline(StandardScaler(), Ridge()), [])


def test_a_resumed_search_says_when_the_study_holds_a_better_candidate(diabetes, tmp_path):
    import warnings

    X, y = diabetes
    path = tmp_path / "cv.db"
    # first fit: a near-best alpha; second: only the poor end of the range is left to try
    first = SearchCV(Ridge(), {"alpha": Categorical([0.01, 50.0, 100.0])}, method="grid", n_trials=1, cv=3,
                     storage=path, study="r").fit(X, y)
    assert first.best_params_ == {"alpha": 0.01}
    with pytest.warns(UserWarning, match="holds a better candidate") as caught:
        again = SearchCV(Ridge(), {"alpha": Categorical([0.01, 50.0, 100.0])}, method="grid", n_trials=3, cv=3,
                         storage=path, study="r").fit(X, y)
    assert "study_result_.best_params" in str(caught[0].message)
    assert again.best_params_ != {"alpha": 0.01} and again.study_result_.best_params == {"alpha": 0.01}
    assert "best_estimator_" in str(caught[0].message)
    # without a refit there is no best_estimator_ to speak of
    SearchCV(Ridge(), {"alpha": Categorical([0.01, 50.0, 100.0])}, method="grid", n_trials=1, cv=3,
             storage=path, study="no-refit").fit(X, y)
    with pytest.warns(UserWarning, match="holds a better candidate") as caught:
        SearchCV(Ridge(), {"alpha": Categorical([0.01, 50.0, 100.0])}, method="grid", n_trials=2, cv=3,
                 storage=path, study="no-refit", refit=False).fit(X, y)
    assert "best_estimator_" not in str(caught[0].message) and "best_params_ comes" in str(caught[0].message)
    # a fresh search, or one whose own best is the best: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        SearchCV(Ridge(), {"alpha": Categorical([0.01, 50.0])}, method="grid", n_trials=2, cv=3).fit(X, y)


def test_passes_sklearn_estimator_checks():
    import warnings

    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(SearchCV(Ridge(), {"alpha": Float(0.1, 1.0)}, method="random", n_trials=2, cv=2,
                                           rng=0), on_fail=None)
    failed = {r["check_name"] for r in results if r["status"] == "failed"}
    # GridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=2) fails exactly this check too in
    # scikit-learn 1.9 (Ridge handles 2-D y, so no DataConversionWarning is raised)
    assert failed <= {"check_supervised_y_2d"}
    assert len(results) > 50


def test_functions_among_the_fit_parameters_count_by_name_not_address():
    # a `monitor` or a list of callbacks made afresh in each process must not change the label
    from scimlkit.tune._digest import fit_params_digest

    def make():
        def monitor(*args):
            return False

        return monitor

    first, second = make(), make()
    assert first is not second
    assert fit_params_digest({"monitor": first}) == fit_params_digest({"monitor": second})
    assert fit_params_digest({"callbacks": [first]}) == fit_params_digest({"callbacks": [second]})
    weights = np.arange(5.0)
    assert fit_params_digest({"sample_weight": weights}) != fit_params_digest({"sample_weight": weights + 1})
    assert fit_params_digest({"sample_weight": [1, 2]}) != fit_params_digest({"sample_weight": [1, 3]})


def test_a_candidate_whose_every_fit_fails_alone_has_its_row_as_in_grid_search_cv(diabetes):
    X, y = diabetes
    grid = {"solver": ["not-a-solver", "auto", "svd", "also-bad"]}
    # reference: GridSearchCV(Ridge(), grid, cv=3, error_score=-1.0): one row per candidate, the
    # failed ones with error_score in every split
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = GridSearchCV(Ridge(), grid, cv=3, error_score=-1.0).fit(X, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search = SearchCV(Ridge(), grid, method="grid", n_trials=4, cv=3, error_score=-1.0,
                          refit=lambda results: len(results["params"]) - 2).fit(X, y)
    ours = search.cv_results_
    assert ours["params"] == ref.cv_results_["params"]  # the first and the last candidates failed: their rows are there
    for key in ["split0_test_score", "split2_test_score", "mean_test_score", "std_test_score", "rank_test_score"]:
        np.testing.assert_allclose(ours[key], ref.cv_results_[key], rtol=1e-12)
    assert np.all(ours["mean_fit_time"] > 0) and ours["mean_score_time"][0] == 0
    # the callable refit saw every row
    assert search.best_index_ == 2 and search.best_params_ == {"solver": "svd"}
    failed = [w for w in caught if issubclass(w.category, FitFailedWarning)]
    assert len(failed) == 2 and "not-a-solver" in str(failed[0].message) and "-1.0" in str(failed[0].message)
    assert failed[0].filename == __file__
    assert search.study_result_.trials["state"].tolist() == ["FAILED", "COMPLETE", "COMPLETE", "FAILED"]
    # with NaN (the default), the row holds NaN and ranks last, and the warning about it comes once
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search = SearchCV(Ridge(), grid, method="grid", n_trials=4, cv=3).fit(X, y)
    assert np.isnan(search.cv_results_["mean_test_score"][[0, 3]]).all()
    assert search.cv_results_["rank_test_score"][[0, 3]].tolist() == [3, 3]
    assert sum("non-finite" in str(w.message) for w in caught) == 1


def test_several_metrics_with_refit_false_or_a_callable_as_grid_search_cv():
    X, y = load_breast_cancer(return_X_y=True)
    X = X[:, :4]
    scoring = {"acc": "accuracy", "auc": "roc_auc"}
    model = make_pipeline(StandardScaler(), LogisticRegression())
    grid = {"logisticregression__C": [0.001, 0.1, 10.0]}

    def most_accurate(results):
        return int(np.argmax(results["mean_test_acc"]))

    for refit in (False, most_accurate):
        # reference: GridSearchCV(model, grid, cv=3, scoring=scoring, refit=refit)
        ref = GridSearchCV(model, grid, cv=3, scoring=scoring, refit=refit).fit(X, y)
        search = SearchCV(model, grid, method="grid", n_trials=3, cv=3, scoring=scoring, refit=refit).fit(X, y)
        for key in ["mean_test_acc", "mean_test_auc", "rank_test_auc"]:
            np.testing.assert_allclose(search.cv_results_[key], ref.cv_results_[key])
        attributes = ["best_index_", "best_params_", "best_score_", "best_estimator_", "refit_time_"]
        assert [a for a in attributes if hasattr(search, a)] == [a for a in attributes if hasattr(ref, a)]
        if refit:
            assert search.best_index_ == ref.best_index_
            np.testing.assert_allclose(search.predict_proba(X[:3]), ref.predict_proba(X[:3]))
        # the optimiser followed the first metric
        np.testing.assert_allclose(-search.study_result_.trials["value"], search.cv_results_["mean_test_acc"])
    # a list: the first one too
    search = SearchCV(model, grid, method="grid", n_trials=3, cv=3, scoring=["roc_auc", "accuracy"],
                      refit=False).fit(X, y)
    np.testing.assert_allclose(-search.study_result_.trials["value"], search.cv_results_["mean_test_roc_auc"])


def test_a_callable_refit_with_one_metric(diabetes):
    X, y = diabetes

    def fastest(results):
        return int(np.argmin(results["mean_fit_time"]))

    search = SearchCV(Ridge(), {"alpha": [0.1, 1.0, 10.0]}, method="grid", n_trials=3, cv=3, refit=fastest).fit(X, y)
    assert search.best_index_ == fastest(search.cv_results_)
    assert not hasattr(search, "best_score_") and hasattr(search, "best_estimator_")


def test_a_callable_scoring_returning_several_metrics_follows_the_first(diabetes):
    X, y = diabetes

    def two(est, X_, y_):
        error = est.predict(X_) - y_
        return {"neg_mae": -float(np.mean(np.abs(error))), "neg_max": -float(np.max(np.abs(error)))}

    search = SearchCV(Ridge(), {"alpha": [0.01, 1.0, 100.0]}, method="grid", n_trials=3, cv=3, scoring=two,
                      refit=False).fit(X, y)
    np.testing.assert_allclose(-search.study_result_.trials["value"], search.cv_results_["mean_test_neg_mae"])
    assert not hasattr(search, "best_index_")


def test_grid_rows_in_grid_search_cvs_order(diabetes):
    import pandas as pd

    X, y = diabetes
    for grid in ({"fit_intercept": [True, False], "alpha": [10.0, 0.1, 1.0]},
                 [{"solver": ["svd"], "alpha": [1.0, 0.1]}, {"solver": ["lsqr"], "tol": [1e-3, 1e-4], "alpha": [2.0]}]):
        # reference: GridSearchCV(Ridge(), grid, cv=3): its ParameterGrid sorts the names of each grid
        ref = GridSearchCV(Ridge(), grid, cv=3).fit(X, y)
        search = SearchCV(Ridge(), grid, method="grid", n_trials=30, cv=3).fit(X, y)
        assert search.cv_results_["params"] == ref.cv_results_["params"]
        assert list(pd.DataFrame(search.cv_results_).columns) == list(pd.DataFrame(ref.cv_results_).columns)
        np.testing.assert_allclose(search.cv_results_["mean_test_score"], ref.cv_results_["mean_test_score"])
        assert search.best_index_ == ref.best_index_


_CRASH = {"armed": True}


class _CrashingRidge(Ridge):
    """A Ridge whose fit stops the process (as a crash would) at alpha=1 while armed."""

    def fit(self, X, y, sample_weight=None):
        if _CRASH["armed"] and self.alpha == 1.0:
            raise KeyboardInterrupt
        return super().fit(X, y, sample_weight)


def test_a_grid_stored_in_the_given_order_resumes_after_a_crash(diabetes, tmp_path, monkeypatch):
    from scimlkit.tune._space import Space

    X, y = diabetes
    grid = {"fit_intercept": [True, False], "alpha": [0.1, 1.0, 10.0]}
    path = tmp_path / "grid.db"
    # a study stored when the grid walked the names in the given order (fit_intercept slowest):
    # (True, 0.1) ran, (True, 1.0) was cut short
    with monkeypatch.context() as patch:
        patch.setattr(Space, "_walk_order", lambda self, order: list(range(len(self.names))))
        with pytest.raises(KeyboardInterrupt):
            SearchCV(_CrashingRidge(), grid, method="grid", n_trials=6, cv=3, storage=path).fit(X, y)
    monkeypatch.setitem(_CRASH, "armed", False)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="study 'default' holds a better candidate")
        search = SearchCV(_CrashingRidge(), grid, method="grid", n_trials=6, cv=3, storage=path).fit(X, y)
    # the candidate cut short runs first, then the points not yet run, in the sorted order (alpha
    # slowest; the given order would run (True, 10.0) before the points with fit_intercept=False)
    assert search.cv_results_["params"] == [
        {"alpha": 1.0, "fit_intercept": True}, {"alpha": 0.1, "fit_intercept": False},
        {"alpha": 1.0, "fit_intercept": False}, {"alpha": 10.0, "fit_intercept": True},
        {"alpha": 10.0, "fit_intercept": False}]
    trials = search.study_result_.trials
    assert (trials["state"] == "COMPLETE").all()
    assert sorted(zip(trials["param_fit_intercept"], trials["param_alpha"])) == sorted(
        (f, a) for f in (True, False) for a in (0.1, 1.0, 10.0))


def test_a_numeric_error_score_is_a_failed_trial_not_a_measurement(diabetes):
    X, y = diabetes
    grid = {"solver": ["auto", "not-a-solver", "svd", "also-bad"]}
    # reference: GridSearchCV(Ridge(), grid, cv=3, error_score=-1e6): the failed rows score -1e6
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitFailedWarning)
        ref = GridSearchCV(Ridge(), grid, cv=3, error_score=-1e6).fit(X, y)
        search = SearchCV(Ridge(), grid, method="grid", n_trials=4, cv=3, n_workers=2, error_score=-1e6)
        with joblib.parallel_config(backend="threading"):  # batches where one candidate fits and one fails
            search.fit(X, y)
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], ref.cv_results_["mean_test_score"])
    trials = search.study_result_.trials
    assert trials["state"].tolist() == ["COMPLETE", "FAILED", "COMPLETE", "FAILED"]
    assert trials.loc[1, "error"].startswith("every cross-validation fit failed: ")
    assert "not-a-solver" in trials.loc[1, "error"] and "(3 fits)" in trials.loc[1, "error"]


class _FlakyRidge(Ridge):
    """A Ridge whose fit fails, when alpha > 5, on the training sets without the first row."""

    def fit(self, X, y, sample_weight=None):
        if self.alpha > 5 and X.shape[0] and not np.any(np.all(X == _FIRST_ROW[0], axis=1)):
            raise RuntimeError("diverged")
        return super().fit(X, y, sample_weight)


_FIRST_ROW = [load_diabetes(return_X_y=True)[0][0]]


def test_a_candidate_failing_on_some_folds_is_a_failed_trial_under_a_numeric_error_score(diabetes):
    X, y = diabetes
    grid = {"alpha": [0.1, 10.0, 1.0]}
    # reference: GridSearchCV(_FlakyRidge(), grid, cv=3, error_score=-1e6): alpha=10 fails on the
    # first fold only (the only training set without the first row) and its mean is about -3.3e5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitFailedWarning)
        ref = GridSearchCV(_FlakyRidge(), grid, cv=3, error_score=-1e6).fit(X, y)
        search = SearchCV(_FlakyRidge(), grid, method="grid", n_trials=3, cv=3, error_score=-1e6).fit(X, y)
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], ref.cv_results_["mean_test_score"])
    assert search.cv_results_["split0_test_score"][1] == -1e6
    assert -1 < search.cv_results_["split1_test_score"][1] < 1 and -1 < search.cv_results_["split2_test_score"][1] < 1
    trials = search.study_result_.trials.set_index("param_alpha")
    # not a measurement of -3.3e5 (which would flatten every other loss the optimiser models)
    assert trials.loc[10.0, "state"] == "FAILED" and np.isnan(trials.loc[10.0, "value"])
    assert trials.loc[10.0, "error"] == "1 of 3 cross-validation fits failed: RuntimeError: diverged (1 fit)"
    assert (trials.loc[[0.1, 1.0], "state"] == "COMPLETE").all()


def test_a_candidate_that_scores_exactly_error_score_is_measured():
    X, y = load_breast_cancer(return_X_y=True)
    X, y = StandardScaler().fit_transform(X[:, :5]), 1 - y
    grid = {"C": [1e-9, 1.0], "solver": ["lbfgs", "nope"]}
    # reference: GridSearchCV(LogisticRegression(), grid, cv=3, scoring="f1", error_score=0.0): C=1e-9
    # predicts no positive and scores an f1 of 0 in every fold, which error_score=0 also gives the
    # failed fits of "nope"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = GridSearchCV(LogisticRegression(), grid, cv=3, scoring="f1", error_score=0.0).fit(X, y)
        search = SearchCV(LogisticRegression(), grid, method="grid", n_trials=4, n_workers=2, cv=3,
                          scoring="f1", error_score=0.0)
        with joblib.parallel_config(backend="threading"):  # (1e-9, lbfgs) shares its batch with (1e-9, nope)
            search.fit(X, y)
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], ref.cv_results_["mean_test_score"])
    assert ref.cv_results_["mean_test_score"][0] == 0.0
    trials = search.study_result_.trials
    assert trials["state"].tolist() == ["COMPLETE", "FAILED", "COMPLETE", "FAILED"]
    assert trials.loc[0, "value"] == 0.0 and "nope" in trials.loc[1, "error"]


def test_auto_walking_a_grid_follows_grid_search_cvs_order_and_keys_are_sorted(diabetes):
    import pandas as pd

    X, y = diabetes
    grid = {"fit_intercept": [True, False], "alpha": [0.1, 1.0, 10.0]}
    # reference: GridSearchCV(Ridge(), grid, cv=3); the default method takes the grid for six points
    ref = GridSearchCV(Ridge(), grid, cv=3).fit(X, y)
    search = SearchCV(Ridge(), param_grid=grid, cv=3).fit(X, y)
    assert search.study_result_.method_used == "grid"
    assert search.cv_results_["params"] == ref.cv_results_["params"]
    assert [list(p) for p in search.cv_results_["params"]] == [list(p) for p in ref.cv_results_["params"]]
    assert list(pd.DataFrame(search.cv_results_).columns) == list(pd.DataFrame(ref.cv_results_).columns)
    # other methods give the names sorted too, as RandomizedSearchCV's ParameterSampler does
    space = {"fit_intercept": Categorical([True, False]), "alpha": Float(0.1, 10.0, log=True)}
    search = SearchCV(Ridge(), space, method="random", n_trials=3, cv=3, rng=0).fit(X, y)
    assert all(list(p) == ["alpha", "fit_intercept"] for p in search.cv_results_["params"])
    assert [c for c in search.cv_results_ if c.startswith("param_")] == ["param_alpha", "param_fit_intercept"]


def _two(est, X_, y_):
    error = est.predict(X_) - y_
    return {"neg_mae": -float(np.mean(np.abs(error))), "neg_max": -float(np.max(np.abs(error)))}


def _neg_max(est, X_, y_):
    return -float(np.max(np.abs(est.predict(X_) - y_)))


@pytest.mark.filterwarnings("ignore:study '.*' holds a better candidate")
def test_a_callable_scoring_resumes_only_on_the_metric_it_followed(diabetes, tmp_path):
    X, y = diabetes
    grid = {"alpha": [0.001, 0.01, 0.1, 1.0, 10.0, 100.0]}
    path = tmp_path / "cv.db"

    def search(n_trials, refit, study="s"):
        return SearchCV(Ridge(), grid, method="grid", n_trials=n_trials, cv=3, scoring=_two, refit=refit,
                        storage=path, study=study).fit(X, y)

    search(2, "neg_max")
    # refit=False follows the first metric (neg_mae): refused once it has scored, nothing stored
    with pytest.raises(InputError, match=r"another objective .*scoring _two \(metric neg_max\).*\(metric neg_mae\)"):
        search(4, False)
    with pytest.raises(InputError, match="another objective"):  # refit names the other metric: refused up front
        search(4, "neg_mae")
    assert Study.load(path, "s").result().n_complete == 2
    again = search(4, "neg_max")
    np.testing.assert_allclose(-again.study_result_.trials["value"][2:], again.cv_results_["mean_test_neg_max"])
    # refit=False on a study that followed the first metric resumes
    search(2, False, study="first")
    assert search(3, False, study="first").study_result_.n_complete == 3
    # a study stored under the earlier label (the function named, not its metric) resumes once
    label = ("sklearn.linear_model._ridge.Ridge #a83370cd2511, scoring _two, cv KFold(n_splits=3, random_state=None, "
             "shuffle=False), data #227de9b151e4")
    Study.create({"alpha": Categorical(grid["alpha"])}, method="grid", storage=path, name="old",
                 objective_label=label).close()
    assert search(2, "neg_max", study="old").study_result_.n_complete == 2
    with pytest.raises(InputError, match="another objective"):  # relabelled: now it names neg_max
        search(4, False, study="old")


@pytest.mark.filterwarnings("ignore:study '.*' holds a better candidate")
def test_several_metrics_in_a_dict_name_what_each_one_measures(diabetes, tmp_path):
    X, y = diabetes
    grid = {"alpha": [0.01, 1.0, 100.0]}
    path = tmp_path / "cv.db"

    def search(scoring, n_trials=3, study="s"):
        return SearchCV(Ridge(), grid, method="grid", n_trials=n_trials, cv=3, scoring=scoring, refit="main",
                        storage=path, study=study).fit(X, y)

    search({"main": "r2", "other": _neg_max}, n_trials=1)
    for scoring in ({"main": "neg_mean_absolute_error", "other": _neg_max}, {"main": "r2", "other": "r2"}):
        with pytest.raises(InputError, match=r"another objective .*main=r2, other=.*test_search_cv\._neg_max"):
            search(scoring)
    assert search({"main": "r2", "other": _neg_max}, n_trials=2).study_result_.n_complete == 2
    # a study stored under the earlier label (the names only) resumes once
    label = ("sklearn.linear_model._ridge.Ridge #a83370cd2511, scoring main (of main), cv KFold(n_splits=3, "
             "random_state=None, shuffle=False), data #227de9b151e4")
    Study.create({"alpha": Categorical(grid["alpha"])}, method="grid", storage=path, name="old",
                 objective_label=label).close()
    assert search({"main": "r2"}, n_trials=1, study="old").study_result_.n_complete == 1
    with pytest.raises(InputError, match="another objective"):
        search({"main": "explained_variance"}, study="old")
