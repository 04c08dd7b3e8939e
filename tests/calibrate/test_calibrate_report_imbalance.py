"""The calibration report on rare positives: reliability diagrams that show the data."""

import re

import numpy as np
import pandas as pd
import pytest

from scimlkit import InputError
from scimlkit.calibrate import (
    IsotonicCalibrator,
    PlattCalibrator,
    reliability_diagram,
    write_report,
)
from scimlkit.calibrate._report import report_data
from scimlkit.cli import main


def _rare(n=10_000, n_pos=10, seed=3):
    rng = np.random.default_rng(seed)
    y = np.zeros(n, dtype=int)
    y[rng.choice(n, n_pos, replace=False)] = 1
    p = 1 / (1 + np.exp(-(-6 + 3 * y + rng.normal(size=n))))
    return p, y


def test_rare_positives_get_equal_mass_bins_and_zoomed_axes():
    p, y = _rare()
    # equal-width bins over [0, 1] hold these probabilities in three bins of ten
    assert np.count_nonzero(reliability_diagram(y, p, n_boot=0).count) <= 3
    data = report_data(y, p, objective=None, n_boot=20, rng=0)
    assert data.before.strategy == "quantile"

    from scimlkit.calibrate._report import _axis_top, reliability_strategy

    assert reliability_strategy(p, 10) == "quantile"
    assert np.count_nonzero(data.before.count) == 10
    ref = reliability_diagram(y, p, strategy="quantile", n_boot=20, rng=0)
    np.testing.assert_array_equal(data.before.observed, ref.observed)
    assert 0 < _axis_top(data.before) < 0.05


def test_spread_probabilities_keep_equal_width_bins():
    from scimlkit.calibrate._report import _axis_top, reliability_strategy

    rng = np.random.default_rng(0)
    p = rng.random(2000)
    y = (rng.random(2000) < p).astype(int)
    assert reliability_strategy(p, 10) == "uniform"
    data = report_data(y, p, objective=None, n_boot=0)
    assert data.before.strategy == "uniform" and _axis_top(data.before) == 1.0
    forced = report_data(y, p, objective=None, n_boot=0, strategy="quantile")
    assert forced.before.strategy == "quantile" and not forced.switched_binning
    with pytest.raises(InputError, match="`strategy` must be one of"):
        reliability_strategy(p, 10, "equal")


def test_report_of_rare_positives_says_how_it_bins(tmp_path):
    p, y = _rare()
    html = write_report(y, p, tmp_path / "r.html", calibrator="platt", n_boot=20, rng=0).read_text()
    data = report_data(y, p, calibrator=PlattCalibrator().fit(p, y), in_sample=True, objective=None, n_boot=0)
    filled = data.before.count[data.before.count > 0]
    assert filled.min() == filled.max()  # 10,000 distinct probabilities
    assert f"equal-mass bins of the probabilities each diagram shows (10 before calibration, {filled.min():,} " \
           "samples each" in html
    assert "so the axes end at" in html and "the same in both diagrams" in html
    assert "equal-width bins over [0, 1] would leave more than half of them empty" in html
    assert not re.search(r"\bnan\b", html, flags=re.IGNORECASE)
    html = write_report(y, p, tmp_path / "u.html", calibrator=None, strategy="uniform", n_boot=20,
                        rng=0).read_text()
    assert "equal-width bins (3 not empty)" in html
    with pytest.raises(InputError, match="`strategy` must be one of"):
        write_report(y, p, tmp_path / "x.html", strategy="width")


def test_cli_fit_report_on_text_labels_with_rare_positives(tmp_path, capsys):
    p, y = _rare()
    path = tmp_path / "scores.csv"
    pd.DataFrame({"score": p, "label": np.where(y == 1, "spam", "ham")}).to_csv(path, index=False)
    out = tmp_path / "report.html"
    rc = main(["calibrate", "fit", str(path), "--score", "score", "--label", "label", "--pos-label", "spam",
               "--method", "platt", "--report", str(out), "--format", "json"])
    assert rc == 0
    capsys.readouterr()
    assert "equal-mass bins of the probabilities each diagram shows (10 before calibration" in out.read_text()


def test_report_takes_text_labels_and_refuses_a_probability_matrix(tmp_path):
    p, y = _rare()
    text = np.where(y == 1, "spam", "ham")
    a = report_data(y, p, objective="f1", n_boot=0)
    path = write_report(text, p, tmp_path / "t.html", calibrator=None, pos_label="spam", n_boot=0)
    assert f"{a.n_positive} positive" in path.read_text()
    with pytest.raises(InputError, match="`pos_label` 'eggs' is not a label"):
        write_report(text, p, tmp_path / "e.html", calibrator=None, pos_label="eggs")
    P = np.column_stack([1 - p, p / 2, p / 2])
    with pytest.raises(InputError, match=r"one score per sample .* got shape \(10000, 3\)"):
        write_report(np.zeros(p.size, dtype=int), P, tmp_path / "m.html")
    with pytest.raises(InputError, match=r"probability of class 1 per sample .* got shape \(10000, 3\)"):
        reliability_diagram(np.zeros(p.size, dtype=int), P)


def test_the_two_diagrams_share_one_scale():
    from scimlkit.calibrate._report import _axis_top, reliability_figure

    p, y = _rare()
    data = report_data(y, p, calibrator=IsotonicCalibrator().fit(p, y), objective=None, n_boot=0)
    tops = _axis_top(data.before), _axis_top(data.after)
    assert tops[0] != tops[1]  # each alone would end elsewhere
    fig = reliability_figure(data.before, data.after)
    limits = [ax.get_xlim()[1] for ax in fig.axes]
    assert limits == [max(tops), max(tops)]
    # spread probabilities before calibration keep the unit square in both diagrams
    rng = np.random.default_rng(0)
    q = rng.random(2000)
    z = (rng.random(2000) < q ** 3).astype(int)
    data = report_data(z, q, calibrator=IsotonicCalibrator().fit(q, z), objective=None, n_boot=0)
    assert [ax.get_xlim()[1] for ax in reliability_figure(data.before, data.after).axes] == [1.0, 1.0]


def test_tied_scores_report_the_bins_they_fill(tmp_path):
    rng = np.random.default_rng(1)
    y = (rng.random(10_000) < 0.003).astype(int)
    p = np.round(rng.beta(0.5, 30, 10_000), 2)  # heavy ties: quantile edges merge
    data = report_data(y, p, calibrator=None, objective=None, n_boot=0)
    assert data.before.strategy == "quantile"
    filled = data.before.count[data.before.count > 0]
    assert filled.min() != filled.max()
    html = write_report(y, p, tmp_path / "r.html", calibrator=None, objective=None, n_boot=0).read_text()
    assert filled.min() >= 100
    assert f"{filled.min():,} to {filled.max():,} samples each, tied scores sharing a bin" in html
    # an uneven split of distinct scores is no tie; weights are never called ties
    gen = np.random.default_rng(2)
    q, z = gen.random(10_005), (gen.random(10_005) < 0.01).astype(int)
    html = write_report(z, q ** 8, tmp_path / "u.html", calibrator=None, objective=None, n_boot=0,
                        strategy="quantile").read_text()
    assert "1,000 to 1,001 samples each" in html and "tied scores" not in html
    html = write_report(z, q ** 8, tmp_path / "w.html", calibrator=None, objective=None, n_boot=0,
                        strategy="quantile", sample_weight=gen.uniform(0.5, 2.0, 10_005)).read_text()
    assert " weight each" in html and "tied scores" not in html
