"""One conformance suite run over every optimiser behind ``make_optimizer``."""

import math

import numpy as np
import pytest

from scimlkit._errors import InputError
from scimlkit.tune import Categorical, Float, Int, Optimizer, Space, make_optimizer

METHODS = ["auto", "gp", "de", "random", "sobol", "grid"]


def mixed_space():
    return Space({
        "lr": Float(1e-4, 1.0, log=True),
        "x": Float(-2.0, 3.0),
        "n": Int(1, 64, log=True),
        "k": Int(0, 4),
        "kind": Categorical(["a", "b", None]),
    })


def objective(p):
    return (
        (math.log10(p["lr"]) + 2) ** 2
        + (p["x"] - 0.5) ** 2
        + 0.1 * abs(p["n"] - 8)
        + 0.3 * abs(p["k"] - 2)
        + (0.0 if p["kind"] == "b" else 0.5)
    )


def run(method, seed, n_trials=14, batch=1, fail_every=0):
    space = mixed_space()
    opt = make_optimizer(method, space, rng=seed, n_trials=n_trials)
    proposals = []
    i = 0
    while i < n_trials and not opt.exhausted:
        points = opt.propose(batch)
        for p in points:
            i += 1
            proposals.append(p)
            value = math.nan if fail_every and i % fail_every == 0 else objective(p)
            opt.observe(p, value)
    return opt, proposals


@pytest.mark.parametrize("method", METHODS)
def test_is_an_optimizer_with_its_name(method):
    opt = make_optimizer(method, mixed_space(), rng=0, n_trials=10)
    assert isinstance(opt, Optimizer)
    assert opt.name == method
    assert opt.best is None and opt.n_observed == 0 and opt.pending == []


@pytest.mark.parametrize("method", METHODS)
def test_respects_bounds_and_types(method):
    space = mixed_space()
    opt, proposals = run(method, 0)
    assert len(proposals) == (12 if method == "grid" else 14)  # the 14-point budget grid has 12
    for p in proposals:
        assert list(p) == space.names
        assert space.validate(p) == p
        assert type(p["lr"]) is float and type(p["x"]) is float
        assert type(p["n"]) is int and type(p["k"]) is int
        assert p["kind"] in ("a", "b", None)
    params, value = opt.best
    assert value == min(objective(p) for p in proposals)
    assert objective(params) == value


@pytest.mark.parametrize("method", METHODS)
def test_reproducible_with_a_seed(method):
    _, a = run(method, 7, batch=2)
    _, b = run(method, 7, batch=2)
    assert a == b
    if method != "grid":
        _, c = run(method, 8, batch=2)
        assert a != c


@pytest.mark.parametrize("method", METHODS)
def test_failed_trials_do_not_break_it(method):
    opt, proposals = run(method, 1, fail_every=3)
    assert len(proposals) == (12 if method == "grid" else 14)
    finite = [objective(p) for i, p in enumerate(proposals, 1) if i % 3 != 0]
    assert opt.best[1] == min(finite)
    # every trial failing: still proposes, best stays None
    opt = make_optimizer(method, mixed_space(), rng=2, n_trials=12)
    for _ in range(6):
        for p in opt.propose(1):
            opt.observe(p, float("inf") if p["k"] % 2 else math.nan)
    assert opt.best is None and opt.n_observed == 6
    assert len(opt.propose(2)) == 2


@pytest.mark.parametrize("method", METHODS)
def test_batch_propose_with_pending_points(method):
    opt = make_optimizer(method, mixed_space(), rng=3, n_trials=20)
    first = opt.propose(3)
    second = opt.propose(3)  # nothing observed yet: all six are pending
    assert len(opt.pending) == 6
    keys = {tuple(sorted((k, repr(v)) for k, v in p.items())) for p in first + second}
    assert len(keys) == 6  # no point proposed twice
    for p in reversed(first + second):  # observed out of order
        opt.observe(p, objective(p))
    assert opt.pending == []
    # asynchronous loop: keep two points in flight
    inflight = opt.propose(2)
    for _ in range(6):
        done = inflight.pop(0)
        opt.observe(done, objective(done))
        inflight += opt.propose(1)
    assert len(opt.pending) == 2 and opt.n_observed == 12


@pytest.mark.parametrize("method", METHODS)
def test_observing_foreign_and_repeated_points(method):
    space = mixed_space()
    opt = make_optimizer(method, space, rng=4, n_trials=20)
    foreign = space.sample(123, 5)
    for p in foreign:
        opt.observe(p, objective(p))
    opt.observe(foreign[0], objective(foreign[0]))  # the same point twice
    opt.observe({**foreign[1], "n": 3.0}, 1e-9)  # an integral float is accepted
    assert opt.n_observed == 7
    assert opt.best[1] == 1e-9 and opt.best[0]["n"] == 3
    new = opt.propose(3)
    assert len(new) == 3
    for p in new:
        assert space.validate(p) == p
        opt.observe(p, objective(p))


@pytest.mark.parametrize("method", METHODS)
def test_bad_observations_and_options(method):
    opt = make_optimizer(method, mixed_space(), rng=0, n_trials=10)
    p = opt.propose(1)[0]
    with pytest.raises(InputError, match="`value` must be a real number"):
        opt.observe(p, "0.5")
    with pytest.raises(InputError, match="must be in"):
        opt.observe({**p, "x": 10.0}, 1.0)
    with pytest.raises(InputError, match="`n` must be"):
        opt.propose(0)
    with pytest.raises(InputError, match="unknown option"):
        make_optimizer(method, mixed_space(), no_such_option=1)


@pytest.mark.parametrize("method", METHODS)
def test_single_parameter_spaces(method):
    for space in ({"x": Float(0.0, 1.0)}, {"c": Categorical(["a", "b", "c"])}, {"k": Int(1, 3)}):
        opt = make_optimizer(method, space, rng=5, n_trials=8)
        seen = 0
        while seen < 8 and not opt.exhausted:
            for p in opt.propose(1):
                opt.observe(p, float(hash(repr(p)) % 7))
                seen += 1
        assert opt.best is not None


def test_unknown_method():
    with pytest.raises(InputError, match="`method` must be one of"):
        make_optimizer("tpe", mixed_space())
    with pytest.raises(InputError, match="`method` must be one of"):
        make_optimizer(None, mixed_space())
    with pytest.raises(InputError, match="at least one parameter"):
        make_optimizer("random", {})
    with pytest.raises(InputError, match="n_trials"):
        make_optimizer("random", mixed_space(), n_trials=0)


def test_grid_exhausts_and_skips_observed_points():
    space = Space({"k": Int(0, 3), "c": Categorical(["a", "b"])})
    opt = make_optimizer("grid", space)
    assert len(opt.points) == 8
    opt.observe({"k": 0, "c": "a"}, 1.0)  # a resumed trial
    got = opt.propose(100)
    assert len(got) == 7 and {"k": 0, "c": "a"} not in got
    assert opt.exhausted and opt.propose(1) == []


def test_resumed_random_and_sobol_do_not_repeat_their_first_points():
    space = mixed_space()
    for method in ("random", "sobol"):
        first = make_optimizer(method, space, rng=9).propose(4)
        resumed = make_optimizer(method, space, rng=9)
        for p in first:
            resumed.observe(p, objective(p))
        nxt = resumed.propose(4)
        assert not any(p in first for p in nxt)


def test_sobol_is_more_even_than_random():
    # Sobol' points: every one of the 16 cells of a 4 x 4 grid holds exactly one of 16 points
    space = Space({"x": Float(0, 1), "y": Float(0, 1)})
    pts = make_optimizer("sobol", space, rng=0).propose(16)
    cells = {(int(p["x"] * 4), int(p["y"] * 4)) for p in pts}
    assert len(cells) == 16
    assert np.isclose(np.mean([p["x"] for p in pts]), 0.5, atol=0.05)
