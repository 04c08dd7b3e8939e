"""Conditional parameters (``when=``): the space, every optimiser, studies, the spec and SearchCV."""

import itertools
import math

import numpy as np
import pytest

from scimlkit._errors import InputError
from scimlkit.tune import (
    Categorical,
    Float,
    Int,
    Space,
    Study,
    choose_method,
    make_optimizer,
    minimize,
)

METHODS = ["auto", "gp", "de", "random", "sobol", "grid"]


def svm_space():
    return Space({
        "kernel": Categorical(["linear", "rbf", "poly"]),
        "C": Float(1e-2, 1e2, log=True),
        "gamma": Float(1e-4, 1.0, log=True, when={"kernel": ["rbf", "poly"]}),
        "degree": Int(2, 5, when={"kernel": "poly"}),
    })


def chained_space():
    # a grandchild: `beta` exists only where `mode` exists and equals "b"
    return Space({
        "model": Categorical(["m1", "m2"]),
        "x": Float(-1.0, 1.0),
        "mode": Categorical(["a", "b"], when={"model": "m2"}),
        "beta": Float(0.0, 1.0, when={"mode": "b"}),
        "depth": Int(1, 3),
        "width": Int(1, 4, when={"depth": [2, 3]}),
    })


def expected_names(space, p):
    """The parameters that must be present at ``p``, from the rules written out by hand."""
    if space == svm_space():
        return {"kernel", "C"} | ({"gamma"} if p["kernel"] != "linear" else set()) | (
            {"degree"} if p["kernel"] == "poly" else set())
    names = {"model", "x", "depth"}
    if p["model"] == "m2":
        names.add("mode")
        if p["mode"] == "b":
            names.add("beta")
    if p["depth"] in (2, 3):
        names.add("width")
    return names


# -- the space ----------------------------------------------------------------------------------
def test_points_hold_exactly_their_active_parameters():
    for space in (svm_space(), chained_space()):
        for p in space.sample(0, 200):
            assert set(p) == expected_names(space, p)
            assert space.validate(p) == p
        decoded = space.decode(np.random.default_rng(1).random((200, space.n_encoded)))
        for p in decoded:
            assert set(p) == expected_names(space, p)


def test_validate_requires_active_and_refuses_inactive_parameters():
    space = svm_space()
    assert space.validate({"kernel": "linear", "C": 1}) == {"kernel": "linear", "C": 1.0}
    # None / NaN for an inactive parameter (a row of a trials frame) count as left out
    assert space.validate({"kernel": "linear", "C": 1.0, "gamma": float("nan"), "degree": None}) == {
        "kernel": "linear", "C": 1.0}
    with pytest.raises(InputError, match=r"'gamma' applies only when kernel in \['rbf', 'poly'\]"):
        space.validate({"kernel": "linear", "C": 1.0, "gamma": 0.1})
    with pytest.raises(InputError, match=r"\['gamma', 'degree'\] are missing"):
        space.validate({"kernel": "poly", "C": 1.0})
    assert space.is_active("degree", {"kernel": "poly"}) and not space.is_active("degree", {"kernel": "rbf"})
    assert not space.is_active("gamma", {}) and space.is_active("C", {})


def test_encoding_puts_inactive_parameters_at_a_fixed_place():
    space = svm_space()
    X = space.encode([{"kernel": "linear", "C": 1.0}, {"kernel": "rbf", "C": 1.0, "gamma": 1e-2}])
    # columns: kernel one-hot (3), C, gamma, degree
    np.testing.assert_allclose(X[0], [1, 0, 0, 0.5, 0.5, 0.5])
    np.testing.assert_allclose(X[1], [0, 1, 0, 0.5, 0.5, 0.5])
    assert space.decode(X) == [{"kernel": "linear", "C": 1.0}, {"kernel": "rbf", "C": 1.0, "gamma": pytest.approx(1e-2)}]
    U = space._to_unit([{"kernel": "linear", "C": 1.0}])
    np.testing.assert_allclose(U, [[1 / 6, 0.5, 0.5, 0.5]])
    # an inactive categorical has no column set
    ch = chained_space()
    x = ch.encode([{"model": "m1", "x": 0.0, "depth": 1}])[0]
    mode_cols = [i for i, n in enumerate(ch.encoded_names) if n == "mode"]
    assert x[mode_cols].sum() == 0


def _brute_force_grid(space, counts):
    axes = [p._grid(k) for p, k in zip(space.params.values(), counts, strict=True)]
    seen, out = set(), []
    for combo in itertools.product(*axes):
        p = space._prune(dict(zip(space.names, combo, strict=True)))
        key = tuple(sorted(p.items()))
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


@pytest.mark.parametrize("make", [svm_space, chained_space])
def test_grid_lists_each_distinct_point_once(make):
    space = make()
    for k in (1, 2, 3):
        grid = space.grid(points_per_dim=k)
        assert sorted(map(repr, grid)) == sorted(map(repr, _brute_force_grid(space, space.grid_shape(k))))
        assert len({repr(p) for p in grid}) == len(grid)
    for budget in (5, 12, 24, 50, 100):
        grid = space.grid(budget=budget)
        assert 1 <= len(grid) <= budget
        assert len(grid) == len(_brute_force_grid(space, space.grid_shape(budget=budget)))


def test_grid_sizes_of_the_branches():
    # 3 values of C for linear, 3 x 3 of C and gamma for rbf, 3 x 3 x 3 with the degree for poly
    assert len(svm_space().grid(points_per_dim=3)) == 3 + 9 + 27
    # without the conditions the product 3 x 4 x 4 x 4 = 192 would cap the grid far below 50
    grid = svm_space().grid(budget=50)
    assert 40 <= len(grid) <= 50


def test_auto_counts_distinct_points_of_a_conditional_discrete_space():
    space = {"k": Categorical(["a", "b"]), "n": Int(1, 10, when={"k": "a"})}  # 11 points, not 20
    assert choose_method(space, 11) == "grid"
    assert choose_method(space, 10) == "gp"


def test_round_trip_and_equality():
    for space in (svm_space(), chained_space()):
        again = Space.from_dict(space.to_dict())
        assert again == space and hash(again) == hash(space)
    assert Float(0, 1, when={"k": "a"}) != Float(0, 1)
    assert "when" not in Float(0, 1).to_dict()  # unconditional parameters are stored as before
    assert repr(Int(1, 3, when={"k": ["a", "b"]})) == "Int(1, 3, when={'k': ['a', 'b']})"


@pytest.mark.parametrize(("params", "match"), [
    ({"x": Float(0, 1, when={"k": "a"})}, "'k', which is not in the space"),
    ({"x": Float(0, 1, when={"k": "a"}), "k": Categorical(["a"])}, "must come before it"),
    ({"k": Float(0, 1), "x": Float(0, 1, when={"k": 0.5})}, "a Float"),
    ({"k": Categorical(["a", "b"]), "x": Float(0, 1, when={"k": "c"})}, "'k' cannot take"),
    ({"k": Int(1, 3), "x": Float(0, 1, when={"k": 7})}, "'k' cannot take"),
])
def test_bad_conditions_are_refused(params, match):
    with pytest.raises(InputError, match=match):
        Space(params)


@pytest.mark.parametrize(("when", "match"), [
    ("k", "`when` must be a non-empty dict"),
    ({}, "`when` must be a non-empty dict"),
    ({"k": []}, "at least one value"),
    ({"k": [object()]}, "must be str, int, float, bool or None"),
    ({3: "a"}, "keys must be parameter names"),
])
def test_bad_when_is_refused(when, match):
    with pytest.raises(InputError, match=match):
        Float(0, 1, when=when)


# -- the optimisers -----------------------------------------------------------------------------
def svm_like(p):
    """Linear is flat at 1.0 plus a C term; rbf has the best optimum; poly is in between."""
    c = (math.log10(p["C"]) - 1) ** 2
    if p["kernel"] == "linear":
        return 1.0 + 0.1 * c
    g = (math.log10(p["gamma"]) + 2) ** 2
    if p["kernel"] == "rbf":
        return 0.1 * c + 0.2 * g
    return 0.5 + 0.1 * c + 0.2 * g + 0.1 * abs(p["degree"] - 3)


@pytest.mark.parametrize("method", METHODS)
def test_every_optimiser_proposes_valid_points_and_finds_the_best_branch(method):
    space = svm_space()
    seen = []

    def objective(p):
        assert set(p) == expected_names(space, p)  # the objective sees only what applies
        seen.append(p)
        return svm_like(p)

    res = minimize(objective, space, method=method, n_trials=40, rng=0)
    assert res.n_complete == len(seen) > 0
    assert res.best_params["kernel"] == "rbf"
    frame = res.trials
    linear = frame["param_kernel"] == "linear"
    assert frame.loc[linear, "param_gamma"].isna().all() and frame.loc[~linear, "param_gamma"].notna().all()
    if (frame["param_kernel"] == "poly").any() and (frame["param_kernel"] != "poly").any():
        assert str(frame["param_degree"].dtype) == "Int64"  # integers stay integers beside the gaps


@pytest.mark.parametrize("method", ["gp", "de", "random"])
def test_batches_hold_distinct_points(method):
    opt = make_optimizer(method, chained_space(), rng=3, n_trials=30)
    for _ in range(6):
        batch = opt.propose(4)
        assert len({repr(p) for p in batch}) == 4
        for p in batch:
            opt.observe(p, p["x"] ** 2 + p.get("beta", 0.7))


def test_gp_beats_random_search_on_a_conditional_problem():
    # seeded and loose: over 5 seeds the GP's median best loss is below random search's
    def best(method, seed):
        return minimize(svm_like, svm_space(), method=method, n_trials=30, rng=seed).best_value

    gp = np.median([best("gp", s) for s in range(5)])
    rs = np.median([best("random", s) for s in range(5)])
    assert gp < rs


# -- studies, storage, spec, SearchCV -----------------------------------------------------------
def test_stored_conditional_study_resumes(tmp_path):
    path = tmp_path / "s.db"
    minimize(svm_like, svm_space(), method="gp", n_trials=12, storage=path, study="svm", rng=0)
    study = Study.load(path, "svm")
    assert study.space == svm_space()
    res = minimize(svm_like, svm_space(), method="gp", n_trials=20, storage=path, study="svm", rng=0)
    assert res.n_complete == 20
    for p in res.trials.to_dict("records"):
        params = {k[6:]: v for k, v in p.items() if k.startswith("param_")}
        svm_space().validate(params)  # frame rows (NaN for what does not apply) validate


def test_ask_tell_with_enqueued_conditional_point():
    study = Study.create(svm_space(), method="gp", rng=0, n_trials=10)
    study.enqueue({"kernel": "linear", "C": 10.0})
    trial = study.ask()
    assert trial.params == {"kernel": "linear", "C": 10.0}
    study.tell(trial, svm_like(trial.params))
    with pytest.raises(InputError, match="applies only when"):
        study.enqueue({"kernel": "linear", "C": 10.0, "degree": 3})


def test_enqueue_a_partial_conditional_point():
    study = Study.create(svm_space(), method="gp", rng=0, n_trials=10)
    study.enqueue({"kernel": "poly"})  # gamma and degree apply: filled in with C
    study.enqueue({"kernel": "linear", "C": 2.0})  # complete as it is
    first, second = study.ask(), study.ask()
    assert first.params["kernel"] == "poly" and set(first.params) == {"kernel", "C", "gamma", "degree"}
    assert second.params == {"kernel": "linear", "C": 2.0}
    with pytest.raises(InputError, match="depends on \\['kernel'\\]"):
        study.enqueue({"degree": 3})
    with pytest.raises(InputError, match="applies only when"):
        study.enqueue({"kernel": "rbf", "degree": 3})


def test_search_cv_with_a_conditional_space():
    from sklearn.datasets import load_breast_cancer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from scimlkit.tune import SearchCV

    X, y = load_breast_cancer(return_X_y=True)
    X, y = X[::3], y[::3]
    space = {"svc__kernel": Categorical(["linear", "rbf"]), "svc__C": Float(1e-2, 1e2, log=True),
             "svc__gamma": Float(1e-4, 1.0, log=True, when={"svc__kernel": "rbf"})}
    search = SearchCV(make_pipeline(StandardScaler(), SVC()), space, method="random", n_trials=8, cv=3,
                      rng=0).fit(X, y)
    params = search.cv_results_["params"]
    assert all(("svc__gamma" in p) == (p["svc__kernel"] == "rbf") for p in params)
    gamma = search.cv_results_["param_svc__gamma"]
    linear = np.array([p["svc__kernel"] == "linear" for p in params])
    assert np.ma.getmaskarray(gamma)[linear].all()  # masked where it does not apply, as GridSearchCV does
    assert search.best_estimator_.named_steps["svc"].kernel == search.best_params_["svc__kernel"]


def test_spec_reads_when(tmp_path):
    from scimlkit.tune._spec import load_spec

    (tmp_path / "d.csv").write_text("a,b,y\n" + "\n".join(f"{i},{i % 3},{i % 2}" for i in range(30)))
    spec = tmp_path / "s.toml"
    base = '''estimator = "sklearn.svm.SVC"
n_trials = 5
[data]
path = "d.csv"
target = "y"
[space.kernel]
type = "categorical"
choices = ["linear", "rbf"]
[space.gamma]
type = "float"
low = 1e-4
high = 1.0
log = true
'''
    spec.write_text(base + 'when = { kernel = "rbf" }\n')
    space = load_spec(spec).space
    assert space.params["gamma"].when == (("kernel", ("rbf",)),)
    spec.write_text(base + 'when = { kernel = "sigmoid" }\n')
    with pytest.raises(InputError, match=r"\[space\]: parameter 'gamma' has `when` on a value 'kernel' cannot take"):
        load_spec(spec)


def test_slices_figure_shows_a_conditional_parameter_where_it_applies():
    from scimlkit.tune._report import slices_figure

    space = svm_space()
    pts = space.sample(0, 30)
    fig = slices_figure(space, pts, [svm_like(p) for p in pts], best={"kernel": "linear", "C": 1.0})
    gamma_ax = [ax for ax in fig.axes if ax.get_xlabel() == "gamma"][0]
    n_active = sum("gamma" in p for p in pts)
    assert len(gamma_ax.collections[0].get_offsets()) == n_active < 30


def test_report_chapter_of_a_conditional_study():
    from scimlkit.tune._report import study_chapter

    res = minimize(svm_like, svm_space(), method="random", n_trials=20, rng=1)
    chapter = study_chapter(res, svm_space(), rng=0)  # frame rows with <NA> / NaN gaps read back as points
    assert chapter is not None
