"""The fitted curve as a forecasting object: consistency of samples_needed across targets and
the forecast below the measured sizes."""

import warnings

import numpy as np
import pytest

from scimlkit.curves import fit_curve

SIZES = np.geomspace(50, 6400, 8).round()


def _noisy_fit(seed):
    rng = np.random.default_rng(seed)
    folds = (0.92 - 0.9 * SIZES ** -0.45)[:, None] + rng.normal(0, 0.01, (8, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_curve(SIZES, folds, rng=3, n_bootstrap=30)


def test_a_higher_target_never_needs_fewer_samples():
    fit = _noisy_fit(1)
    # targets from below every measured score to past the last one, densest around the
    # measured scores, where "already reached" meets the fitted crossing
    targets = np.unique(np.concatenate([np.linspace(fit.scores.min() - 0.01, fit.asymptote, 20),
                                        fit.scores - 1e-4, fit.scores + 1e-4]))
    needed = [fit.samples_needed(t) for t in targets]
    sizes = np.array([r.n if r.reachable else np.inf for r in needed])
    assert np.all(sizes[1:] >= sizes[:-1] * (1 - 1e-9)), list(zip(targets, sizes))
    for r in needed:
        if r.already_reached:  # the smoothed crossing, held within the measured sizes
            assert fit.sizes.min() <= r.n <= fit.sizes.max()
            assert r.low is None or r.low <= r.n <= r.high


def test_a_target_past_the_curve_at_the_smallest_size_reports_that_size():
    fit = _noisy_fit(1)  # first anchor 0.7674, second 0.809; the fitted curve at n=50 is about 0.771
    res = fit.samples_needed(0.7697)
    assert res.already_reached and res.n == SIZES[0] and res.low is None
    assert "smallest measured size n=50" in res.message


def test_ilog2_is_never_better_below_its_singularity():
    # ilog2, L = c + a / log(n), lives on n > 1; below 1 the formula turned negative and the
    # clipped loss said "perfect score" (predict(0.5) gave accuracy 1.0, better than at n=2)
    n = np.array([50, 100, 200, 400, 800, 1600])
    fit = fit_curve(n, 0.95 - 0.4 / np.log(n), families=["ilog2"], n_bootstrap=0)
    with pytest.warns(UserWarning, match="below the smallest measured size"):
        score = fit.predict([0.5, 1.0, 2.0]).score
    assert score[0] <= score[1] <= score[2] < 0.95
    curve = fit.family_curve("ilog2", [0.5, 2.0])
    assert curve[0] <= curve[1]


@pytest.mark.parametrize("family, curve", [
    ("pow3", lambda n: 0.9 - 0.8 * n ** -0.5), ("pow3", lambda n: 0.2 + 1.5 * n ** -0.5),
    # families that reach their limit in floating point (a finite n was reported)
    ("janoschek", lambda n: 0.9 - 0.5 * np.exp(-n / 300)), ("pow4", lambda n: 0.9 - 0.5 * np.exp(-n / 300)),
    ("wbl4", lambda n: 0.9 - 0.8 * n ** -0.5), ("exp3", lambda n: 0.9 - 0.5 * np.exp(-n / 300)),
])
def test_a_target_at_the_reported_asymptote_is_called_the_asymptote(family, curve):
    # the asymptote as reported comes back from the loss units a rounding step off: it was
    # "not reached by n=1e+12" on one side and "the fitted asymptote" on the other
    n = np.array([50, 100, 200, 400, 800, 1600])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_curve(n, curve(n), families=[family], n_bootstrap=0)
    for target in (fit.asymptote, np.nextafter(fit.asymptote, -1), np.nextafter(fit.asymptote, 2)):
        res = fit.samples_needed(target)
        assert not res.reachable and "is the fitted asymptote" in res.message, (target, res.message)


@pytest.mark.parametrize("rows, match", [
    ("0,0.5\n10,0.6\n20,0.7\n", "column 'n' (--size) must be positive"),
    ("-5,0.5\n10,0.6\n20,0.7\n", "column 'n' (--size) must be positive"),
])
def test_cli_names_the_size_column_of_a_bad_size(tmp_path, capsys, rows, match):
    from scimlkit.cli import main

    path = tmp_path / "c.csv"
    path.write_text("n,acc\n" + rows)
    assert main(["curves", "fit", str(path), "--size", "n", "--score", "acc"]) == 2
    err = capsys.readouterr().err
    assert match in err and len(err.strip().splitlines()) == 1, err


def test_an_early_lucky_measurement_does_not_set_the_samples_needed():
    # 0.80 is measured at n=20, but the scores fall back after it: the smoothed curve's crossing
    # (about 37) answers, not the first measurement (capping at it gave optimistic answers)
    n = np.array([10, 20, 30, 40, 60, 80, 100, 140])
    scores = np.array([0.70, 0.80, 0.78, 0.79, 0.82, 0.84, 0.85, 0.86])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_curve(n, scores, rng=0, n_bootstrap=30)
    res = fit.samples_needed(0.80)
    assert res.already_reached and 30 < res.n < 60
    assert "measured 0.8 at n=20; the fitted curve reaches it at n=" in res.message
    # a crossing past the largest measured size is held there, its interval kept
    last = fit.samples_needed(0.86)
    assert last.n == 140 and last.low <= 140 and "past the largest measured size n=140" in last.message


def test_a_target_the_curve_reaches_near_its_asymptote_is_reachable():
    # within 1e-9 of the asymptote was called the asymptote itself, though exp3 reaches
    # 0.9 - 3e-10 at n = 300 ln(0.5 / 3e-10) = 6370
    n = np.array([50, 100, 200, 400, 800, 1600])
    fit = fit_curve(n, 0.9 - 0.5 * np.exp(-n / 300), families=["exp3"], n_bootstrap=0)
    res = fit.samples_needed(fit.asymptote - 3e-10)
    assert res.reachable and res.n == pytest.approx(300 * np.log(0.5 / 3e-10), rel=1e-3)


@pytest.mark.parametrize("amp", [1e-5, 1e-6])
def test_the_asymptote_of_near_perfect_scores_is_called_so(amp):
    # scores of 0.99999 and up: the losses are tiny but the target's rounding is that of the
    # best possible score (1): the asymptote was read as "above" or "not reached"
    n = np.array([50, 100, 200, 400, 800, 1600, 3200])
    fit = fit_curve(n, 1 - (0.3 * amp + amp * (n / 50.0) ** -0.5), families=["pow3"], n_bootstrap=0, rng=0)
    for target in (fit.asymptote, np.nextafter(fit.asymptote, 0)):
        res = fit.samples_needed(target)
        assert not res.reachable and "is the fitted asymptote" in res.message, res.message

