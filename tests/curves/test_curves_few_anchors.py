"""`fit_curve` on two anchors: the last-value baseline wins by default, and says so."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from scimlkit import SmallSampleWarning
from scimlkit.curves import fit_curve


def test_two_rising_anchors_warn_that_the_last_value_is_carried_forward():
    with pytest.warns(SmallSampleWarning, match="last-value baseline"):
        fit = fit_curve([100, 200], [0.5, 0.6], n_bootstrap=0)
    assert fit.family == "last"
    assert fit.predict(10_000).score[0] == pytest.approx(0.6)


def test_no_warning_when_a_shaped_family_is_tested_or_named():
    n = np.array([100, 200, 400])
    with warnings.catch_warnings():
        warnings.simplefilter("error", SmallSampleWarning)
        fit_curve(n, 0.9 - n ** -0.5, n_bootstrap=0)
        fit_curve(n[:2], [0.5, 0.6], families=["pow2"], n_bootstrap=0)
