import math

import numpy as np
import pytest

from scimlkit._errors import InputError
from scimlkit.tune import (
    AutoOptimizer,
    Categorical,
    DifferentialEvolution,
    Float,
    Int,
    Space,
    choose_method,
    make_optimizer,
)


def loop(opt, f, n, batch=1):
    for _ in range(n // batch):
        for p in opt.propose(batch):
            opt.observe(p, f(p))
    return opt


# -- differential evolution ----------------------------------------------------------
def test_de_population_is_sized_for_small_budgets():
    space6 = {f"x{i}": Float(0, 1) for i in range(6)}
    assert make_optimizer("de", space6).popsize == 16  # 2 d + 4, not SciPy's 15 d = 90
    assert make_optimizer("de", space6, n_trials=50).popsize == 8
    assert make_optimizer("de", space6, popsize=5).popsize == 5
    assert make_optimizer("de", {f"x{i}": Float(0, 1) for i in range(40)}).popsize == 30


def test_de_converges_on_a_sphere_and_beats_random_search():
    space = {f"x{i}": Float(-5, 5) for i in range(4)}

    def sphere(p):
        return sum(v * v for v in p.values())

    de = [loop(make_optimizer("de", space, rng=s, n_trials=300), sphere, 300).best[1] for s in range(3)]
    rnd = [loop(make_optimizer("random", space, rng=s), sphere, 300).best[1] for s in range(3)]
    assert max(de) < 0.2 and np.median(de) < np.median(rnd) / 5


def test_de_replaces_a_member_only_when_its_trial_is_better():
    opt = make_optimizer("de", {"x": Float(0, 1), "y": Float(0, 1)}, rng=0, popsize=4)
    loop(opt, lambda p: p["x"] + p["y"], 4)
    before = sorted(opt._pop_y)
    trial = opt.propose(1)[0]
    opt.observe(trial, math.nan)  # a failed trial never enters the population
    assert sorted(opt._pop_y) == before
    trial = opt.propose(1)[0]
    opt.observe(trial, -1.0)
    assert min(opt._pop_y) == -1.0 and len(opt._pop_y) == 4


def test_de_integer_and_categorical_handling():
    space = {"k": Int(1, 50, log=True), "c": Categorical(["a", "b", "c"]), "x": Float(0, 1)}
    opt = make_optimizer("de", space, rng=1, n_trials=120)
    loop(opt, lambda p: abs(p["k"] - 12) + (p["c"] != "c") + p["x"], 120)
    best, value = opt.best
    assert best["c"] == "c" and abs(best["k"] - 12) <= 1 and value < 1.2


def test_de_foreign_points_seed_the_population():
    space = Space({"x": Float(0, 1)})
    opt = DifferentialEvolution(space, rng=0, popsize=4)
    for x in (0.1, 0.2, 0.3, 0.4, 0.05):
        opt.observe({"x": x}, x)
    assert sorted(round(v, 2) for v in opt._pop_y) == [0.05, 0.1, 0.2, 0.3]  # 0.4 replaced


def test_de_options_are_validated():
    space = {"x": Float(0, 1)}
    with pytest.raises(InputError, match="`popsize`"):
        make_optimizer("de", space, popsize=2)
    with pytest.raises(InputError, match="`crossover`"):
        make_optimizer("de", space, crossover=1.5)
    with pytest.raises(InputError, match="`mutation`"):
        make_optimizer("de", space, mutation="big")


# -- auto -------------------------------------------------------------------------------
def test_auto_chooses_per_space_and_budget():
    small = {"k": Int(1, 4), "c": Categorical(["a", "b"])}
    assert choose_method(small, n_trials=8) == "grid"
    assert choose_method(small, n_trials=7) == "gp"
    mixed = {"lr": Float(1e-4, 1, log=True), "k": Int(1, 10)}
    assert choose_method(mixed, 100) == "gp" and choose_method(mixed, None) == "gp"
    assert choose_method(mixed, 2000) == "de"
    wide = {f"x{i}": Float(0, 1) for i in range(30)}
    assert choose_method(wide, 100) == "de"
    opt = make_optimizer("auto", small, n_trials=8)
    assert isinstance(opt, AutoOptimizer) and opt.method == "grid"
    assert len(opt.propose(8)) == 8 and opt.exhausted


def test_auto_runs_the_same_points_as_its_choice():
    space = {"x": Float(-1, 1), "y": Float(-1, 1)}

    def f(p):
        return (p["x"] - 0.3) ** 2 + p["y"] ** 2

    a = loop(make_optimizer("auto", space, rng=3, n_trials=12), f, 12)
    g = loop(make_optimizer("gp", space, rng=3, n_trials=12), f, 12)
    assert a.best == g.best and a.n_observed == 12


def test_auto_forwards_every_hook_of_the_base_to_its_choice():
    # the wrapper keeps no state of its own: a base-class method it does not forward would read
    # or edit the wrapper's empty lists (a pending point that never clears, a wrong budget)
    from scimlkit.tune import Optimizer

    not_forwarded = {
        "__init__", "__dict__", "__weakref__", "__module__", "__doc__", "__abstractmethods__",
        "_abc_impl", "__annotations__", "__static_attributes__", "__firstlineno__",
        "name", "_defaults",  # class settings of the wrapper itself
        "_observed",  # called by the inner optimiser's own observe
    }
    hooks = set(vars(Optimizer)) - not_forwarded
    assert hooks >= {"propose", "observe", "_replace_pending", "_propose_fixed", "forget_pending", "pending",
                     "_budget_left", "_n_taken", "exhausted", "best", "_data"}
    assert sorted(hooks - set(vars(AutoOptimizer))) == []


@pytest.mark.parametrize("space, method", [({"x": Float(-1, 1), "k": Int(1, 5)}, "gp"),
                                           ({"k": Int(1, 3), "c": Categorical(["a", "b"])}, "grid")])
def test_auto_changes_and_counts_the_pending_points_of_its_choice(space, method):
    opt = make_optimizer("auto", space, rng=0, n_trials=6)
    assert opt.method == method
    first = opt.propose(1)[0]
    changed = {**first, "k": 3 if first["k"] != 3 else 2}
    opt._replace_pending(first, changed)
    assert opt.pending == [changed]
    assert opt._budget_left() == 5 and opt._n_taken() == 1
    opt.observe(changed, 1.0)
    assert opt.pending == [] and opt._budget_left() == 5


def test_auto_hands_over_from_gp_to_de_on_long_open_ended_studies(monkeypatch):
    import scimlkit.tune._optimizers as mod

    monkeypatch.setattr(mod, "GP_MAX_TRIALS", 15)
    space = {"x": Float(-1, 1), "y": Float(-1, 1)}
    opt = make_optimizer("auto", space, rng=0)
    assert opt.method == "gp"
    loop(opt, lambda p: p["x"] ** 2 + p["y"] ** 2, 16)
    best = opt.best
    opt.propose(1)
    assert opt.method == "de" and opt.n_observed == 16 and opt.best == best
    assert len(opt.pending) == 1
