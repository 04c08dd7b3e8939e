"""Each family is recovered exactly from noiseless anchors."""

from __future__ import annotations

import numpy as np
import pytest

from scimlkit.curves import fit_curve
from scimlkit.curves._families import FAMILIES
from scimlkit.curves._fit import _to_scaled

# Loss-orientation parameters (see each family's formula); every curve decreases over the
# anchors and stays above 0, so it is a valid error-rate curve and 1 - L a valid accuracy curve.
TRUTH = {
    "pow2": [0.9, 0.45],
    "pow3": [0.8, 0.5, 0.05],
    "pow4": [0.02, 1.0, 0.08, 0.7],
    "log2": [0.03, 0.5],
    "ilog2": [1.2, 0.02],
    "exp3": [0.3, 0.002, 0.1],
    "exp4": [0.05, -0.5, 0.1, 0.6],
    "mmf4": [0.5, 300.0, 0.05, 1.2],
    "wbl4": [0.1, 0.4, 0.05, 0.6],
    "janoschek": [0.05, 0.5, 0.1, 0.6],
}
SIZES = np.geomspace(20, 5000, 12)


def test_every_fitted_family_has_a_truth_case():
    assert set(TRUTH) == set(FAMILIES) - {"last"}


@pytest.mark.parametrize("name", sorted(TRUTH))
@pytest.mark.parametrize("higher", [True, False])
def test_recovers_noiseless_parameters(name, higher):
    truth = np.array(TRUTH[name])
    loss = FAMILIES[name].loss(SIZES, truth)
    assert np.all(np.diff(loss) < 0) and loss.min() > 0
    scores = 1.0 - loss if higher else loss
    fit = fit_curve(SIZES, scores, families=[name], higher_is_better=higher, n_bootstrap=0)
    est = np.array(list(fit.params[name].values()))
    # The anchors are exact, the model is identifiable from 12 anchors over 2.4 decades, and
    # the final solve runs to relative tolerances of 1e-12; a wrong local optimum would be
    # off by far more than 1e-6, so rtol=1e-6 separates the two with a wide margin.
    np.testing.assert_allclose(est, truth, rtol=1e-6, atol=1e-9)
    assert fit.family == name
    assert fit.higher_is_better is higher


def test_last_family_is_the_last_value():
    fit = fit_curve([10, 20, 40], [0.5, 0.6, 0.65], families=["last"], n_bootstrap=0)
    assert fit.params["last"]["c"] == pytest.approx(0.35)
    np.testing.assert_allclose(fit.predict([80, 1e6]).score, 0.65)


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_rescaling_round_trip(name):
    # natural(theta, s) maps parameters on x = n / s to the formula in n; _to_scaled inverts it
    fam = FAMILIES[name]
    natural = np.array(TRUTH[name])
    scale = 1.0 if fam.uses_log_n else 3000.0
    scaled = _to_scaled(fam, natural, scale)
    np.testing.assert_allclose(fam.natural(scaled, scale), natural, rtol=1e-12)
    np.testing.assert_allclose(fam.loss(SIZES / scale if not fam.uses_log_n else SIZES, scaled),
                               fam.loss(SIZES, natural), rtol=1e-10)


def test_formulas_are_documented():
    for fam in FAMILIES.values():
        assert "L(n) =" in fam.formula
