import json
import math

import numpy as np
import pytest

from scimlkit._errors import InputError
from scimlkit.tune import Categorical, Float, Int, Space, as_space


def mixed_space():
    return Space({
        "lr": Float(1e-4, 1.0, log=True),
        "x": Float(-2.0, 3.0),
        "n": Int(1, 64, log=True),
        "k": Int(0, 4),
        "kind": Categorical(["a", "b", None, True]),
    })


# -- construction and bad input ---------------------------------------------------------
@pytest.mark.parametrize("cls", [Float, Int])
def test_inverted_or_equal_bounds(cls):
    with pytest.raises(InputError, match="`low` must be smaller than `high`"):
        cls(3, 1)
    with pytest.raises(InputError, match="smaller"):
        cls(2, 2)


@pytest.mark.parametrize("cls", [Float, Int])
def test_log_needs_positive_low(cls):
    with pytest.raises(InputError, match="> 0 when log=True"):
        cls(0, 10, log=True)
    with pytest.raises(InputError, match="> 0 when log=True"):
        cls(-1, 10, log=True)


def test_bad_bounds_types():
    with pytest.raises(InputError, match="finite"):
        Float(0, math.inf)
    with pytest.raises(InputError, match="real number"):
        Float("0", 1)
    with pytest.raises(InputError, match="integer"):
        Int(0.5, 3)
    with pytest.raises(InputError, match="True or False"):
        Float(1, 2, log="yes")


def test_categorical_validation():
    with pytest.raises(InputError, match="empty"):
        Categorical([])
    with pytest.raises(InputError, match="distinct"):
        Categorical(["a", "a"])
    with pytest.raises(InputError, match="str, int, float, bool or None"):
        Categorical([[1, 2], "a"])
    with pytest.raises(InputError, match="list of values"):
        Categorical("abc")
    with pytest.raises(InputError, match="NaN"):
        Categorical([1.0, math.nan])


def test_empty_and_bad_space():
    with pytest.raises(InputError, match="at least one parameter"):
        Space({})
    with pytest.raises(InputError, match="Float, Int or Categorical"):
        Space({"x": 3})
    with pytest.raises(InputError, match="Space or a dict"):
        as_space([Float(0, 1)])
    assert as_space({"x": ["a", "b"]}).params["x"] == Categorical(["a", "b"])


def test_validate_coerces_and_rejects():
    space = mixed_space()
    ok = space.validate({"lr": np.float64(0.01), "x": 1, "n": 4.0, "k": np.int64(2), "kind": None})
    assert ok == {"lr": 0.01, "x": 1.0, "n": 4, "k": 2, "kind": None}
    assert type(ok["n"]) is int and type(ok["x"]) is float and type(ok["lr"]) is float
    base = {"lr": 0.01, "x": 1.0, "n": 4, "k": 2, "kind": "a"}
    with pytest.raises(InputError, match=r"missing"):
        space.validate({k: v for k, v in base.items() if k != "x"})
    with pytest.raises(InputError, match=r"not in the space"):
        space.validate({**base, "extra": 1})
    with pytest.raises(InputError, match=r"'x' must be in \[-2, 3\]"):
        space.validate({**base, "x": 3.5})
    with pytest.raises(InputError, match=r"'n' must be an integer"):
        space.validate({**base, "n": 2.5})
    with pytest.raises(InputError, match=r"'kind' must be one of"):
        space.validate({**base, "kind": "z"})
    with pytest.raises(InputError, match=r"real number"):
        space.validate({**base, "x": "1"})


def test_categorical_bool_and_int_are_told_apart():
    space = Space({"c": Categorical([True, 2, "x"])})
    assert space.validate({"c": True})["c"] is True
    assert space.validate({"c": 2.0})["c"] == 2
    assert space.encode([{"c": True}, {"c": 2}]).tolist() == [[1, 0, 0], [0, 1, 0]]


# -- sampling -------------------------------------------------------------------------
def test_sample_types_bounds_and_reproducibility():
    space = mixed_space()
    pts = space.sample(3, 200)
    assert pts == space.sample(3, 200)
    assert pts != space.sample(4, 200)
    for p in pts:
        assert space.validate(p) == p
        assert type(p["lr"]) is float and type(p["n"]) is int and type(p["k"]) is int
    assert space.sample(0, 0) == []


def test_sample_log_uniform_and_integer_frequencies():
    # log-uniform on [1e-4, 1]: P(x < 1e-2) = 1/2; integers 0..4 equally likely (1/5 each).
    n = 4000
    space = Space({"lr": Float(1e-4, 1.0, log=True), "k": Int(0, 4)})
    pts = space.sample(11, n)
    frac = np.mean([p["lr"] < 1e-2 for p in pts])
    assert abs(frac - 0.5) < 4 * math.sqrt(0.25 / n)  # 4 binomial standard errors
    counts = np.bincount([p["k"] for p in pts], minlength=5) / n
    assert np.all(np.abs(counts - 0.2) < 4 * math.sqrt(0.16 / n))


# -- encodings --------------------------------------------------------------------------
def test_encode_decode_roundtrip_and_layout():
    space = mixed_space()
    assert space.encoded_names == ["lr", "x", "n", "k", "kind", "kind", "kind", "kind"]
    pts = space.sample(0, 50)
    X = space.encode(pts)
    assert X.shape == (50, 8) and X.min() >= 0 and X.max() <= 1
    back = space.decode(X)
    for p, q in zip(pts, back, strict=True):
        assert q["n"] == p["n"] and q["k"] == p["k"] and q["kind"] == p["kind"]
        assert q["lr"] == pytest.approx(p["lr"], rel=1e-12)
        assert q["x"] == pytest.approx(p["x"], rel=1e-12, abs=1e-12)


def test_encode_warps_log_and_integers():
    space = Space({"lr": Float(1e-3, 1e-1, log=True), "k": Int(1, 4)})
    X = space.encode([{"lr": 1e-2, "k": 1}, {"lr": 1e-3, "k": 4}])
    # log scale: 1e-2 is half-way; integers own equal cells of [0.5, 4.5]: 1 -> 1/8, 4 -> 7/8
    np.testing.assert_allclose(X, [[0.5, 0.125], [0.0, 0.875]])


def test_decode_rounds_clips_and_takes_argmax():
    space = Space({"k": Int(0, 9), "c": Categorical(["a", "b", "c"])})
    out = space.decode(np.array([[0.37, 0.2, 0.9, 0.1], [1.7, 0.5, 0.1, 0.2], [-3.0, 0, 0, 1]]))
    assert out == [{"k": 3, "c": "b"}, {"k": 9, "c": "a"}, {"k": 0, "c": "c"}]
    with pytest.raises(InputError, match=r"shape \(n, 4\)"):
        space.decode(np.zeros((2, 3)))


# -- grid -----------------------------------------------------------------------------
def test_grid_with_points_per_dim():
    space = Space({"x": Float(0, 1), "lr": Float(1e-3, 1e-1, log=True), "c": Categorical(["a", "b"])})
    grid = space.grid(points_per_dim=3)
    assert len(grid) == 3 * 3 * 2
    assert sorted({g["x"] for g in grid}) == [0.0, 0.5, 1.0]
    np.testing.assert_allclose(sorted({g["lr"] for g in grid}), [1e-3, 1e-2, 1e-1])


def test_grid_within_budget():
    space = mixed_space()
    for budget in (1, 7, 24, 50, 100, 500):
        grid = space.grid(budget=budget)
        assert 1 <= len(grid) <= budget
        assert len({json.dumps(g, sort_keys=True) for g in grid}) == len(grid)
        for g in grid:
            assert space.validate(g) == g
    # categoricals are covered first; a small integer range is never exceeded
    assert {g["kind"] for g in space.grid(budget=24)} == {"a", "b", None, True}
    assert sorted({g["k"] for g in Space({"k": Int(0, 4)}).grid(budget=100)}) == [0, 1, 2, 3, 4]


# -- description -----------------------------------------------------------------------
def test_to_dict_from_dict_roundtrip_through_json():
    space = mixed_space()
    d = json.loads(json.dumps(space.to_dict()))
    again = Space.from_dict(d)
    assert again == space and again.names == space.names
    assert again != Space({"x": Float(0, 1)})
    with pytest.raises(InputError, match="unknown type"):
        Space.from_dict({"params": {"x": {"type": "complex"}}})
    with pytest.raises(InputError, match="lacks 'high'"):
        Space.from_dict({"params": {"x": {"type": "float", "low": 0}}})
    with pytest.raises(InputError, match="'params' dict"):
        Space.from_dict([1, 2])


def test_len_names_params_repr():
    space = mixed_space()
    assert len(space) == 5 and space.names[0] == "lr"
    assert isinstance(space.params["kind"], Categorical)
    assert "Float(0.0001, 1.0, log=True)" in repr(space)


def test_space_conversions_reject_bad_input():
    space = Space({"x": Float(0, 1), "n": Int(1, 8, log=True)})
    with pytest.raises(InputError, match="`X` must be a numeric array"):
        space.decode("abc")
    with pytest.raises(InputError, match="`points` must be a parameter dict"):
        space.encode(5)
    description = space.to_dict()
    description["params"]["n"]["log"] = "no"  # not a boolean: refused, not read as True
    with pytest.raises(InputError, match="log"):
        Space.from_dict(description)


def test_choose_method_and_relevance_check_their_arguments():
    from scimlkit.tune import choose_method, parameter_relevance

    space = {"x": Float(0, 1)}
    with pytest.raises(InputError, match="`n_trials`"):
        choose_method(space, -1)
    with pytest.raises(InputError, match="`values` must be numbers"):
        parameter_relevance(space, [{"x": 0.1}, {"x": 0.2}, {"x": 0.3}], ["a", "b", "c"])
