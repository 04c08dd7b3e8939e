"""Regression tests: the majority-weight rule of samples_needed only for members heading for the
perfect score, prob_reachable against the interval, the CLI's JSON help, the default number of
sizes on small data, and the warning when best_possible defaults to 0."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from scimlkit import DegenerateDataWarning, InputError
from scimlkit.cli import main
from scimlkit.curves import fit_curve, learning_curve

N8 = np.geomspace(50, 6400, 8).round()
TRUE = 0.93 - 1.2 * N8 ** -0.5  # asymptote 0.93


# -- 1: the majority-weight rule ------------------------------------------------------------


def test_disagreement_between_bounded_members_uses_the_mixture():
    fit = fit_curve(N8, TRUE, families=["pow3", "pow4"], select="average", n_average=2, n_bootstrap=0)
    # on noiseless pow3 anchors pow4 is fitted on the same curve (b = 0): one model, averaged once
    assert fit.members == ("pow3",) and "pow4" in fit.params
    params = {**fit.params, "pow3": {"a": 1.2, "b": 0.5, "c": 0.07}, "pow4": {**fit.params["pow4"], "c": 0.09}}
    mix = dataclasses.replace(fit, members=("pow3", "pow4"), params=params, weights={"pow3": 0.4, "pow4": 0.6})
    # pow3 (40% of the weight) levels off at 0.93, pow4 at 0.91, the forecast at 0.918: neither
    # member heads for the perfect score, so the forecast's own answer stands (it was "not
    # expected to be reached: members carrying 60% of the weight ... do not reach it")
    res = mix.samples_needed(0.916)  # the last anchor measured 0.915
    assert res.reachable and res.n is not None
    assert mix.predict(res.n * 0.99).score[0] < 0.916 <= mix.predict(res.n * 1.01).score[0]


def test_majority_rule_names_the_members_heading_for_the_perfect_score():
    fit = fit_curve(N8, TRUE, families=["pow3", "pow2"], select="average", n_average=2, n_bootstrap=0)
    lop = dataclasses.replace(fit, weights={"pow2": 0.4, "pow3": 0.6})
    res = lop.samples_needed(0.95)  # only pow2, levelling off at 1, carries the average past it
    assert not res.reachable and "perfect score (pow2)" in res.message


# -- 2: prob_reachable agrees with the interval ---------------------------------------------


def test_prob_reachable_agrees_with_an_unbounded_high():
    y = TRUE[:, None] + np.random.default_rng(1).normal(0, 0.01, (8, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_curve(N8, y, rng=0, n_bootstrap=60)
    for target in (0.9, 0.925, 0.93, 0.95):
        res = fit.samples_needed(target)
        assert res.high is not None and res.prob_reachable is not None
        if np.isinf(res.high):  # the band's pessimistic edge never reaches the target
            assert res.prob_reachable < 0.975  # it was 1.0 at 0.9 with high = inf
        else:
            assert res.prob_reachable >= 0.97
        if np.isinf(res.low):
            assert res.prob_reachable < 0.03
    assert np.isinf(fit.samples_needed(0.9).high)


# -- 3: the CLI's help for the JSON fields --------------------------------------------------


def test_cli_help_says_when_there_is_no_interval(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["curves", "fit", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "a measured score already reaches the target" in text
    # the case it describes: bootstrap refits, yet no interval
    rng = np.random.default_rng(0)
    path = tmp_path / "c.csv"
    pd.DataFrame([{"n": n, "acc": a + rng.normal(0, 0.01)} for n, a in zip(N8, TRUE) for _ in range(5)]
                 ).to_csv(path, index=False)
    assert main(["curves", "fit", str(path), "--size", "n", "--score", "acc", "--target", "0.5",
                 "--format", "json", "--n-bootstrap", "20"]) == 0
    import json

    needed = json.loads(capsys.readouterr().out)["samples_needed"]
    assert needed["already_reached"] and not needed["has_interval"] and needed["n"] == 50


# -- 4: the default number of sizes on small data -------------------------------------------


def test_default_sizes_fit_small_data_and_an_explicit_count_is_checked():
    from sklearn.linear_model import LogisticRegression

    gen = np.random.default_rng(0)
    X = gen.normal(size=(20, 3))
    y = (X[:, 0] + gen.normal(size=20) > 0).astype(int)
    lc = learning_curve(LogisticRegression(), X, y, cv=5, rng=0)  # training folds of 16
    assert lc.sizes.tolist() == [10, 11, 12, 13, 14, 15, 16]  # it raised "at most 7"
    with pytest.raises(InputError, match="at most 7"):
        learning_curve(LogisticRegression(), X, y, cv=5, sizes=10, rng=0)
    tiny = learning_curve(LogisticRegression(), X[:10], y[:10], cv=2, rng=0)  # folds of 5 < min_size
    assert tiny.sizes.tolist() == [5]


# -- 5: best_possible taken as 0 for scores that are all <= 0 -------------------------------

N6 = np.geomspace(20, 640, 6).round()
R2 = 0.2 - 3.0 * N6 ** -0.35  # an R² still below 0 at every anchor; its limit is 0.2


def test_best_possible_zero_by_the_sign_rule_warns():
    with pytest.warns(DegenerateDataWarning, match="best_possible` was taken as 0 because every score is <= 0"):
        fit = fit_curve(N6, R2, families=["pow3"], n_bootstrap=0)
    assert fit.best_possible == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_curve(N6, R2, families=["pow3"], n_bootstrap=0, best_possible=1.0)
        fit_curve(N8, TRUE, families=["pow3"], n_bootstrap=0)  # positive scores: no warning
    assert fit.asymptote == pytest.approx(0.2, abs=1e-6)


def test_cli_prints_the_best_possible_warning_on_one_line(tmp_path, capsys):
    path = tmp_path / "r2.csv"
    pd.DataFrame({"n": N6, "r2": R2}).to_csv(path, index=False)
    assert main(["curves", "fit", str(path), "--size", "n", "--score", "r2", "--family", "pow3",
                 "--n-bootstrap", "0"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("scimlkit: warning:") and "--best-possible" in err[0]
