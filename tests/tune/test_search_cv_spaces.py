"""SearchCV takes the spaces scikit-learn's searches take: lists of grids, choices of any object,
arrays, ranges and scipy.stats distributions; and GridSearchCV's ``n_jobs``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.svm import SVC

from scimlkit._errors import InputError
from scimlkit.tune import Categorical, Float, Int, SearchCV, Space, Study, read_study
from scimlkit.tune._estimator_space import SELECTOR, EstimatorSpace


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return X[::2], y[::2]


def _pipe():
    return Pipeline([("scale", StandardScaler()), ("svc", SVC())])


GRIDS = [{"svc__kernel": ["linear"], "svc__C": [0.1, 1.0, 10.0]},
         {"svc__kernel": ["rbf"], "svc__C": [0.1, 1.0, 10.0], "svc__gamma": np.logspace(-3, -1, 3)}]


def _by_params(results):
    return {tuple(sorted(p.items())): s for p, s in zip(results["params"], results["mean_test_score"], strict=True)}


def test_a_list_of_grids_is_searched_as_grid_search_cv_searches_it(cancer):
    X, y = cancer
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    # reference: GridSearchCV(pipe, [grid_1, grid_2], cv=cv), the usual "kernel and its own parameters" search
    ref = GridSearchCV(_pipe(), GRIDS, cv=cv).fit(X, y)
    ours = SearchCV(_pipe(), GRIDS, method="grid", n_trials=12, cv=cv, rng=0).fit(X, y)
    a, b = _by_params(ours.cv_results_), _by_params(ref.cv_results_)
    assert a.keys() == b.keys() and len(a) == 12  # 3 linear + 3 x 3 rbf candidates, nothing else
    np.testing.assert_allclose([a[k] for k in b], list(b.values()), rtol=1e-12)
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-12)
    assert ours.best_params_ == ref.best_params_
    # the study holds the index of the grid, C shared by both grids, each grid's own one-value kernel
    space = ours.study_result_.space
    assert space.names == [SELECTOR, "svc__kernel@0", "svc__C", "svc__kernel@1", "svc__gamma"]
    assert space.params["svc__C"].when == ((SELECTOR, (0, 1)),)
    trials = ours.study_result_.trials
    assert sorted(trials[f"param_{SELECTOR}"].value_counts().tolist()) == [3, 9]


@pytest.mark.filterwarnings("ignore:study 'svm' holds a better candidate")
def test_a_list_of_grids_with_the_optimiser_and_a_stored_study(cancer, tmp_path):
    X, y = cancer
    db = tmp_path / "s.db"
    grids = [{"svc__kernel": ["linear"], "svc__C": Float(1e-2, 1e2, log=True)},
             {"svc__kernel": ["rbf"], "svc__C": Float(1e-2, 1e2, log=True),
              "svc__gamma": stats.loguniform(1e-4, 1e0)}]
    first = SearchCV(_pipe(), grids, n_trials=10, cv=3, rng=0, storage=db, study="svm").fit(X, y)
    for p in first.cv_results_["params"]:
        assert set(p) in ({"svc__kernel", "svc__C"}, {"svc__kernel", "svc__C", "svc__gamma"})
        assert (p["svc__kernel"] == "rbf") == ("svc__gamma" in p)
        assert 1e-2 <= p["svc__C"] <= 1e2
    assert {p["svc__kernel"] for p in first.cv_results_["params"]} == {"linear", "rbf"}
    again = SearchCV(_pipe(), grids, n_trials=13, cv=3, rng=0, storage=db, study="svm").fit(X, y)
    assert len(again.cv_results_["params"]) == 3  # the stored study resumed: 10 + 3
    assert len(read_study(db, "svm").trials) == 13


def test_choices_of_any_object_reach_the_estimator_and_the_study_stores_labels(cancer, tmp_path):
    X, y = cancer
    space = {"scale": [StandardScaler(), MinMaxScaler(), "passthrough"],
             "clf": [LogisticRegression(max_iter=2000), KNeighborsClassifier(3)]}
    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    ours = SearchCV(pipe, space, method="grid", n_trials=6, cv=3, storage=tmp_path / "o.db").fit(X, y)
    ref = GridSearchCV(pipe, space, cv=3).fit(X, y)
    got = sorted(_label_pair(p) for p in ours.cv_results_["params"])
    assert got == sorted(_label_pair(p) for p in ref.cv_results_["params"])
    np.testing.assert_allclose(sorted(ours.cv_results_["mean_test_score"]), sorted(ref.cv_results_["mean_test_score"]),
                               rtol=1e-12)
    assert isinstance(ours.best_estimator_.named_steps["clf"], LogisticRegression | KNeighborsClassifier)
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-12)
    stored = read_study(tmp_path / "o.db").trials
    assert set(stored["param_clf"]) == {"LogisticRegression(max_iter=2000)", "KNeighborsClassifier(n_neighbors=3)"}
    assert set(stored["param_scale"]) == {"StandardScaler()", "MinMaxScaler()", "passthrough"}


def _label_pair(p):
    return repr(p["scale"]), repr(p["clf"])


def test_tuple_choices_and_equal_labels():
    space = EstimatorSpace({"hidden_layer_sizes": [(50,), (50, 50), "(50,)"], "alpha": Float(1e-5, 1e-1, log=True)})
    hls = space.space.params["hidden_layer_sizes"]
    assert hls.choices == ("(50,) #2", "(50, 50)", "(50,)")  # the plain string keeps its own value
    point = {"hidden_layer_sizes": "(50,) #2", "alpha": 0.01}
    assert space.to_estimator(point) == {"hidden_layer_sizes": (50,), "alpha": 0.01}
    assert space.to_estimator({"hidden_layer_sizes": "(50,)", "alpha": 0.01})["hidden_layer_sizes"] == "(50,)"
    assert space.from_estimator({"hidden_layer_sizes": (50,), "alpha": 0.01}) == point
    two = EstimatorSpace({"clf": [SVC(), SVC()]})  # two objects with one repr get numbered labels
    assert two.space.params["clf"].choices == ("SVC()", "SVC() #2")


def test_labels_tell_long_reprs_apart_and_are_the_same_in_every_process():
    a = LogisticRegression(C=0.5, class_weight="balanced", max_iter=300, solver="liblinear", tol=1e-3)
    b = LogisticRegression(C=0.5, class_weight="balanced", max_iter=300, solver="liblinear", tol=1e-3, penalty="l1")
    space = EstimatorSpace([{"m": [a], "s": [StandardScaler()]}, {"m": [b], "s": ["passthrough"]}])
    assert space.space.names == [SELECTOR, "m@0", "s@0", "m@1", "s@1"]  # not one shared 'm': they differ
    label_a, label_b = space.space.params["m@0"].choices[0], space.space.params["m@1"].choices[0]
    assert label_a != label_b and label_a[:40] == label_b[:40] and len(label_a) == 60
    # a copy (a pickled cv_results_) and the text a CSV file holds find their own label
    import pickle

    one = EstimatorSpace({"m": [a, b]})
    for obj, want in ((pickle.loads(pickle.dumps(b)), 1), (repr(b), 1), (pickle.loads(pickle.dumps(a)), 0)):
        assert one.from_estimator({"m": obj})["m"] == one.space.params["m"].choices[want]

    def square_root(x):
        return np.sqrt(np.abs(x))

    funcs = EstimatorSpace({"func": [None, np.log1p, square_root, lambda x: x]})
    labels = funcs.space.params["func"].choices
    # functions by module and name (a repr holds a memory address, which changes from run to run)
    assert labels[:2] == (None, "<ufunc 'log1p'>")
    start = f"{__name__}.test_la"[:47]  # a long name: its start and a digest
    assert labels[2].startswith(start) and len(labels[2]) == 60
    assert labels[3] != labels[2] and labels[3].startswith(start)  # the lambda
    assert all(" at 0x" not in str(label) for label in labels)


def test_objects_with_one_label_in_two_grids_are_not_merged(cancer):
    X, y = cancer
    from sklearn.preprocessing import FunctionTransformer

    grids = [{"ft": [FunctionTransformer(lambda x: x)], "clf__C": [1.0]},
             {"ft": [FunctionTransformer(lambda x: np.zeros_like(x))], "clf__C": [1.0]}]
    space = EstimatorSpace(grids)
    assert space.space.names == [SELECTOR, "ft@0", "clf__C", "ft@1"]  # C shared, the transformers not
    pipe = Pipeline([("ft", "passthrough"), ("clf", LogisticRegression(max_iter=2000))])
    ours = SearchCV(pipe, grids, method="grid", n_trials=2, cv=3).fit(X, y)
    ref = GridSearchCV(pipe, grids, cv=3).fit(X, y)
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"], ref.cv_results_["mean_test_score"], rtol=1e-12)
    assert ours.cv_results_["params"][1]["ft"] is not ours.cv_results_["params"][0]["ft"]
    assert len(set(np.round(ours.cv_results_["mean_test_score"], 6))) == 2  # the zeros model scores worse


def test_text_of_a_choice_as_a_csv_file_holds_it():
    from sklearn.preprocessing import FunctionTransformer

    def root(x):
        return np.sqrt(np.abs(x))

    choices = [FunctionTransformer(root), root, StandardScaler, np.sqrt, np.float64("nan"), np.float32("inf")]
    space = EstimatorSpace({"p": choices})
    labels = space.space.params["p"].choices
    # what str() writes (a CSV file of cv_results_), memory addresses included, and NumPy scalars
    for given, i in [(str(FunctionTransformer(root)), 0), (str(root), 1), (str(StandardScaler), 2),
                     (str(np.sqrt), 3), (np.float64("nan"), 4), ("nan", 4), (np.float32("inf"), 5),
                     (float("inf"), 5)]:
        assert space.from_estimator({"p": given})["p"] == labels[i], given
    assert " at 0x" in str(root)
    for label, choice in zip(labels, choices, strict=True):
        back = space.to_estimator({"p": label})["p"]
        assert back is choice


def test_equal_plain_choices_and_nan_get_labels():
    space = EstimatorSpace({"a": [1, True, 1.0, np.nan, (2,)]})
    assert space.space.params["a"].choices == (1, "True", "1.0", "nan", "(2,)")
    back = [space.to_estimator({"a": c})["a"] for c in space.space.params["a"].choices]
    assert [type(v) for v in back] == [int, bool, float, float, tuple] and np.isnan(back[3])
    assert space.from_estimator({"a": True})["a"] == "True" and space.from_estimator({"a": 1})["a"] == 1
    assert space.from_estimator({"a": float("nan")})["a"] == "nan"
    with pytest.raises(InputError, match="the choices of 'a' must be distinct, got 1 twice"):
        EstimatorSpace({"a": [1, 1, (2,)]})
    assert EstimatorSpace({"a": np.array([b"x", b"y"])}).space.params["a"].choices == ("b'x'", "b'y'")


def test_a_row_goes_to_the_grid_with_exactly_its_parameters():
    space = EstimatorSpace([{"max_features": [None, "log2"], "n_estimators": [50, 100]}, {"n_estimators": [50, 100]}])
    assert space.from_estimator({"n_estimators": 50}) == {SELECTOR: 1, "n_estimators": 50}
    assert space.from_estimator({"max_features": None, "n_estimators": 50}) == {
        SELECTOR: 0, "max_features": None, "n_estimators": 50}
    only = EstimatorSpace({"max_features": [None, "log2"], "n_estimators": [50, 100]})
    assert only.from_estimator({"n_estimators": 50}) == {"max_features": None, "n_estimators": 50}  # a None left out


def test_reserved_names_in_a_space_item():
    for space in ([Space({SELECTOR: [1, 2]}), {"a": [1]}], [Space({"a@1": [1, 2]}), {"a": [5]}]):
        with pytest.raises(InputError, match="`space` item 0: parameter name .* is reserved"):
            EstimatorSpace(space)


def test_random_and_sobol_do_not_repeat_points_of_a_finite_space(cancer):
    X, y = cancer
    for method in ("random", "sobol"):
        search = SearchCV(KNeighborsClassifier(), {"n_neighbors": [1, 3, 5, 7, 9, 11, 13]}, method=method,
                          n_trials=7, cv=3, rng=0).fit(X, y)
        assert sorted(p["n_neighbors"] for p in search.cv_results_["params"]) == [1, 3, 5, 7, 9, 11, 13]


def test_own_conditions_inside_a_list_and_parameters_not_shared():
    grids = [{"kernel": Categorical(["rbf", "poly"]), "gamma": Float(1e-3, 1.0, log=True, when={"kernel": "rbf"})},
             {"kernel": Categorical(["rbf", "poly"]), "degree": Int(2, 5, when={"kernel": "poly"})},
             {"C": Float(0.1, 10.0)},
             {"C": Float(0.1, 100.0)}]
    space = EstimatorSpace(grids).space
    assert space.names == [SELECTOR, "kernel", "gamma", "degree", "C@2", "C@3"]
    assert dict(space.params["gamma"].when) == {SELECTOR: (0,), "kernel": ("rbf",)}
    assert dict(space.params["degree"].when) == {SELECTOR: (1,), "kernel": ("poly",)}
    points = space.grid(points_per_dim=3)
    assert {SELECTOR: 1, "kernel": "poly", "degree": 2} in points
    assert {SELECTOR: 1, "kernel": "rbf"} in points
    assert all(set(p) in ({SELECTOR, "kernel", "gamma"}, {SELECTOR, "kernel"}, {SELECTOR, "kernel", "degree"},
                          {SELECTOR, "C@2"}, {SELECTOR, "C@3"}) for p in points)
    # a parameter with its own condition in two grids is not shared: its parents may differ
    cond = EstimatorSpace([grids[0], grids[0]]).space
    assert cond.names == [SELECTOR, "kernel", "gamma@0", "gamma@1"]


def test_known_results_of_a_grid_search_over_a_list_of_grids(cancer, tmp_path):
    X, y = cancer
    cv = StratifiedKFold(3, shuffle=True, random_state=1)
    ref = GridSearchCV(_pipe(), GRIDS, cv=cv).fit(X, y)
    space = EstimatorSpace(GRIDS)
    from scimlkit.tune._known import known_rows

    rows = known_rows(space.space, ref.cv_results_, translate=space.from_estimator, names=space.user_names)
    assert len(rows) == 12
    for (params, state, loss, _, steps), given, score in zip(rows, ref.cv_results_["params"],
                                                              ref.cv_results_["mean_test_score"], strict=True):
        assert steps is None  # a grid search's results hold no intermediate losses
        assert state == "COMPLETE" and loss == pytest.approx(-score)
        assert space.to_estimator(params) == {k: (v.item() if isinstance(v, np.generic) else v)
                                              for k, v in given.items()}
        assert params[SELECTOR] == (0 if given["svc__kernel"] == "linear" else 1)
    # the same rows from the param_<name> columns (masked where a grid lacks the parameter)
    table = {k: v for k, v in ref.cv_results_.items() if k != "params"}
    assert [r[0] for r in known_rows(space.space, table, translate=space.from_estimator,
                                     names=space.user_names)] == [r[0] for r in rows]
    # and from a CSV file of cv_results_ (its params column is text there: the param_ columns are read)
    path = tmp_path / "grid.csv"
    pd.DataFrame(ref.cv_results_).to_csv(path, index=False)
    assert [r[0] for r in known_rows(space.space, pd.read_csv(path), translate=space.from_estimator,
                                     names=space.user_names)] == [r[0] for r in rows]
    # SearchCV learns from them and evaluates new candidates only
    search = SearchCV(_pipe(), [{"svc__kernel": ["linear"], "svc__C": Float(0.05, 20.0, log=True)},
                                {"svc__kernel": ["rbf"], "svc__C": Float(0.05, 20.0, log=True),
                                 "svc__gamma": Float(1e-4, 1.0, log=True)}],
                      n_trials=3, cv=cv, rng=0, known=ref.cv_results_).fit(X, y)
    assert search.study_result_.n_added == 12 and len(search.cv_results_["params"]) == 3
    bad = pd.DataFrame({"params": [{"svc__kernel": "sigmoid", "svc__C": 1.0}], "mean_test_score": [0.9]})
    with pytest.raises(InputError, match=r"`known` row 0: the parameters fit none of the spaces \(space 0: .*"
                                         r"'svc__kernel@0' must be one of \['linear'\]"):
        SearchCV(_pipe(), GRIDS, n_trials=3, cv=cv, known=bad).fit(X, y)


def test_arrays_ranges_and_scipy_distributions_in_a_space():
    space = Space({"C": stats.loguniform(1e-3, 1e3), "frac": stats.uniform(0.2, 0.5), "k": stats.randint(1, 10),
                   "alpha": np.logspace(-2, 0, 3), "depth": range(2, 5)})
    assert space.params == {"C": Float(1e-3, 1e3, log=True), "frac": Float(0.2, 0.7), "k": Int(1, 9),
                            "alpha": Categorical([0.01, 0.1, 1.0]), "depth": Categorical([2, 3, 4])}
    assert Space({"C": stats.reciprocal(1.0, 5.0, scale=2.0)}).params["C"] == Float(2.0, 10.0, log=True)
    assert Space({"k": stats.randint(0, 3, loc=2)}).params["k"] == Int(2, 4)
    with pytest.raises(InputError, match="parameter 'x': scipy.stats.norm cannot be searched"):
        Space({"x": stats.norm(0, 1)})
    with pytest.raises(InputError, match="parameter 'x': a shifted log-uniform"):
        Space({"x": stats.loguniform(1e-3, 1.0, loc=1.0)})
    with pytest.raises(InputError, match="parameter 'x': an array of choices must be 1-D"):
        Space({"x": np.zeros((2, 2))})
    with pytest.raises(InputError, match="parameter 'x': `choices` must not be empty"):
        Space({"x": []})
    with pytest.raises(InputError, match=r"parameter 'x': scipy.stats.uniform must have valid parameters"):
        Space({"x": stats.uniform(1.0, 0.0)})
    # one integer is a constant, as scikit-learn's searches take it; a fractional shift is refused
    assert Space({"x": stats.randint(3, 4)}).params["x"] == Categorical([3])
    with pytest.raises(InputError, match=r"parameter 'x': scipy.stats.randint must cover integers"):
        Space({"x": stats.randint(0, 5, loc=0.5)})
    # bounds whose product under- or overflows
    assert Space({"x": stats.loguniform(1e-200, 1e-150)}).params["x"] == Float(1e-200, 1e-150, log=True)
    assert Space({"x": stats.loguniform(1e150, 1e200)}).params["x"] == Float(1e150, 1e200, log=True)
    assert Space({"x": stats.randint(0, 2**62)}).params["x"] == Int(0, 2**62 - 1)  # exact, not rounded
    with pytest.raises(InputError, match="parameter 'x': the support of scipy.stats.randint could not be computed"):
        Space({"x": stats.randint(0, 2**70)})


def test_n_jobs_as_in_grid_search_cv():
    import joblib
    from sklearn.base import BaseEstimator, RegressorMixin

    class Jobs(RegressorMixin, BaseEstimator):
        def __init__(self, a=1.0):
            self.a = a

        def fit(self, X, y):
            self.jobs_ = joblib.effective_n_jobs(None)
            return self

        def predict(self, X):
            return np.zeros(len(X))


    X, y = load_diabetes(return_X_y=True)
    cv = KFold(3, shuffle=True, random_state=0)
    kw = dict(method="random", n_trials=4, cv=cv, rng=0, n_workers=2)
    one = SearchCV(Ridge(), {"alpha": Float(1e-3, 10.0, log=True)}, n_jobs=1, **kw).fit(X, y)
    two = SearchCV(Ridge(), {"alpha": Float(1e-3, 10.0, log=True)}, **kw).fit(X, y)  # n_jobs: n_workers
    np.testing.assert_allclose(one.cv_results_["mean_test_score"], two.cv_results_["mean_test_score"], rtol=1e-12)
    assert clone(one).get_params()["n_jobs"] == 1
    assert two.n_jobs is None  # as given, after the fit
    # the refit runs as GridSearchCV's does: n_workers does not reach the estimator's own jobs
    refit = SearchCV(Jobs(), {"a": [1.0, 2.0]}, method="grid", n_trials=2, n_workers=2, cv=2).fit(X, y)
    assert refit.best_estimator_.jobs_ == 1
    for bad in (0, 1.5, True):
        with pytest.raises(InputError, match="`n_jobs` must be a non-zero integer"):
            SearchCV(Ridge(), {"alpha": Float(1e-3, 10.0)}, n_jobs=bad, n_trials=2).fit(X, y)


@pytest.mark.parametrize("space, message", [
    ([], "non-empty list"),
    ([{"a": [1, 2]}, "b"], r"`space` item 1 must be a Space or a dict"),
    ([{"a": [1, 2]}, {}], r"`space` item 1 must have at least one parameter"),
    ({SELECTOR: [1, 2]}, "reserved"),
    ([{"a@1": [1, 2]}, {"a": [3]}], "reserved"),
    ([{"a": [1, 2]}, {"a": stats.norm()}], r"`space` item 1: parameter 'a': scipy.stats.norm"),
])
def test_bad_spaces(space, message):
    X, y = load_diabetes(return_X_y=True)
    with pytest.raises(InputError, match=message):
        SearchCV(Ridge(), space, n_trials=2, cv=3).fit(X, y)


@pytest.mark.filterwarnings("ignore:study 'default' holds a better candidate")
def test_progress_counts_candidates_and_shows_the_best_score(monkeypatch, tmp_path):
    import scimlkit.tune._search_cv as module

    seen = []

    class Bar:
        def __init__(self, total, description, show=None):
            seen.append(("total", total, description))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            seen.append(("closed",))
            return False

        def advance(self, steps=1, status=None):
            seen.append(("advance", steps, status))

    monkeypatch.setattr(module, "progress", Bar)
    X, y = load_diabetes(return_X_y=True)
    db = tmp_path / "p.db"
    search = SearchCV(Ridge(), {"alpha": Float(1e-3, 10.0, log=True)}, method="random", n_trials=5, n_workers=2,
                      cv=3, rng=0, storage=db).fit(X, y)
    assert seen[0] == ("total", 5, "candidates") and seen[-1] == ("closed",)
    steps = [e for e in seen if e[0] == "advance"]
    assert [e[1] for e in steps] == [2, 2, 1]
    assert steps[-1][2] == f"best score {search.best_score_:.6g}"
    seen.clear()
    SearchCV(Ridge(), {"alpha": Float(1e-3, 10.0, log=True)}, method="random", n_trials=7, cv=3, rng=0,
             storage=db).fit(X, y)
    assert seen[0] == ("total", 2, "candidates")  # a resumed study: what is left of the budget
    # trials queued in the study are still to run
    study = Study.load(db)
    for alpha in (0.5, 1.5, 2.5):
        study.enqueue({"alpha": alpha})
    study.close()
    seen.clear()
    SearchCV(Ridge(), {"alpha": Float(1e-3, 10.0, log=True)}, method="random", n_trials=10, cv=3, rng=0,
             storage=db).fit(X, y)
    assert seen[0] == ("total", 3, "candidates")
    assert sum(e[1] for e in seen if e[0] == "advance") == 3


def test_a_categorical_of_estimators_points_to_the_plain_list():
    with pytest.raises(InputError, match=r"got StandardScaler\(\) .*give it the plain list of them"):
        Categorical([StandardScaler(), "passthrough"])
