"""`write_report` and `scimlkit calibrate fit|threshold --report`: the HTML report of one's own scores."""

import json
import re

import numpy as np
import pandas as pd
import pytest

from scimlkit import InputError
from scimlkit.calibrate import (
    PlattCalibrator,
    ScoreCalibrator,
    best_threshold,
    brier_score,
    calibration_error,
    log_loss,
    write_report,
)
from scimlkit.calibrate._report import report_data
from scimlkit.cli import main


def _scores(n=300, seed=0):
    rng = np.random.default_rng(seed)
    s = rng.normal(size=n) * 2
    y = (rng.random(n) < 1 / (1 + np.exp(-(s / 2 + 0.3)))).astype(int)
    return s, y


def _headings(html):
    return re.findall(r"<h[23]>(.*?)</h[23]>", html)


# -- the Python API ---------------------------------------------------------------------------

def test_fitted_here_shows_before_after_candidates_and_threshold(tmp_path):
    s, y = _scores()
    path = write_report(y, s, tmp_path / "out", n_boot=20, rng=0)
    assert path == tmp_path / "out" / "index.html"
    html = path.read_text()
    assert _headings(html) == ["Calibration and decision threshold", "Calibration", "Decision threshold"]
    assert html.count("<svg") == 2  # reliability before | after, threshold curve
    assert "Candidate methods" in html and "in-sample" in html and "logistic function" in html
    assert "before (raw, logistic)" in html and "exact optimum" in html


def test_held_out_calibrator_without_threshold(tmp_path):
    s, y = _scores(400)
    cal = ScoreCalibrator(random_state=0).fit(s[:200], y[:200])
    path = write_report(y[200:], s[200:], tmp_path / "r.html", calibrator=cal, objective=None, n_boot=20,
                        rng=0, title="held-out <check>")
    html = path.read_text()
    assert path == tmp_path / "r.html"
    assert "<title>held-out &lt;check&gt;</title>" in html
    assert _headings(html) == ["Probability calibration", "Calibration"]
    assert html.count("<svg") == 1 and "Decision threshold" not in html
    assert "held-out check" in html and f"after ({cal.method_})" in html and "Candidate methods" in html


def test_no_calibrator_reports_the_raw_probabilities(tmp_path):
    s, y = _scores()
    p = 1 / (1 + np.exp(-s))
    path = write_report(y, p, tmp_path, calibrator=None, objective="precision_at_recall", min_recall=0.8,
                        n_boot=0, rng=0)
    html = path.read_text()
    assert html.count("<svg") == 2 and "Candidate methods" not in html and "after (" not in html
    assert "No calibrator was applied" in html and "min_recall = 0.8" in html


def test_report_data_numbers_are_those_of_the_public_functions():
    s, y = _scores()
    cal = PlattCalibrator().fit(s, y)
    p = cal.transform(s)
    raw = 1 / (1 + np.exp(-s))
    d = report_data(y, s, calibrator=cal, in_sample=True, objective="fbeta", objective_params={"beta": 2.0},
                    n_boot=10, rng=0)
    assert d.calibration == "fitted" and d.method == "PlattCalibrator" and d.score_kind == "logit"
    before, after = d.metrics
    for row, q in ((before, raw), (after, p)):
        ce = calibration_error(y, q, n_bins=15)
        assert row["log_loss"] == pytest.approx(log_loss(y, q), rel=1e-12)
        assert row["brier"] == pytest.approx(brier_score(y, q), rel=1e-12)
        assert (row["ece"], row["mce"]) == (ce.ece, ce.mce)
    ref = best_threshold(y, p, "fbeta", beta=2.0)  # on the calibrated probabilities
    assert (d.threshold.threshold, d.threshold.value) == (ref.threshold, ref.value)
    assert d.after.ece < d.before.ece  # the raw logistic map is off (slope 1/2, offset 0.3)
    # same seed, same bands
    again = report_data(y, s, calibrator=cal, in_sample=True, objective=None, n_boot=10, rng=0)
    np.testing.assert_array_equal(again.before.band_low, d.before.band_low)


@pytest.mark.parametrize("kwargs,message", [
    ({"y_true": [0, 1, 2] * 100}, "`y_true` must contain only 0 and 1, got also [2.0]"),
    ({"y_true": [0, 1]}, "`y_true` and `y_score` must have the same length, got 2 and 300"),
    ({"y_score": np.r_[np.nan, np.zeros(299)]}, "`y_score` contains 1 NaN value(s)"),
    ({"calibrator": "magic"}, "`calibrator` must be one of 'auto', 'platt'"),
    ({"calibrator": ScoreCalibrator()}, "`calibrator` (ScoreCalibrator) is not fitted"),
    ({"calibrator": object()}, "`calibrator` must be 'auto', a method name, None, or a fitted calibrator"),
    ({"objective": "speed"}, "`objective` must be one of 'f1'"),
    ({"beta": 2.0}, "objective 'f1' takes no parameters; got also `beta`"),
    ({"objective": None, "beta": 2.0}, "`beta` is a parameter of the threshold objective, but `objective` is None"),
    ({"score_kind": "probability"}, "`y_score` must be probabilities in [0, 1] for score_kind='probability'"),
    ({"n_boot": -1}, "`n_boot` must be in [0, inf]"),
    ({"path": 5}, "`path` must be a folder or a .html file name"),
])
def test_bad_input_names_the_parameter(tmp_path, kwargs, message):
    s, y = _scores()
    args = {"y_true": y, "y_score": s, "path": tmp_path / "r.html", **kwargs}
    with pytest.raises(InputError) as info:
        write_report(args.pop("y_true"), args.pop("y_score"), args.pop("path"), **args)
    assert message in str(info.value)
    assert not (tmp_path / "r.html").exists()


def test_a_calibrator_fitted_on_other_kinds_of_scores_is_refused(tmp_path):
    s, y = _scores()
    cal = ScoreCalibrator("platt").fit(1 / (1 + np.exp(-s)), y)  # fitted on probabilities
    with pytest.raises(InputError, match=r"`y_score` must be probabilities in \[0, 1\] for this calibrator"):
        write_report(y, s, tmp_path, calibrator=cal)
    with pytest.raises(InputError, match="`score_kind` is 'logit' but the calibrator was fitted on probability"):
        write_report(y, 1 / (1 + np.exp(-s)), tmp_path, calibrator=cal, score_kind="logit")
    iso = PlattCalibrator().fit(s, y)
    iso.transform = lambda x: np.full(len(x), 2.0)
    with pytest.raises(InputError, match=r"`calibrator` must return probabilities in \[0, 1\], got values from 2"):
        write_report(y, s, tmp_path, calibrator=iso)


def test_bad_path_is_refused_before_any_fitting(tmp_path, monkeypatch):
    s, y = _scores()
    (tmp_path / "file").write_text("x")

    def boom(*args, **kwargs):
        raise AssertionError("fitted before the output was checked")

    monkeypatch.setattr(ScoreCalibrator, "fit", boom)
    with pytest.raises(InputError, match=r"`path`: report output '.*file' is an existing file, not a folder"):
        write_report(y, s, tmp_path / "file")
    with pytest.raises(InputError, match=r"`path`: cannot create the report folder .* is not a folder"):
        write_report(y, s, tmp_path / "file" / "r.html")
    assert (tmp_path / "file").read_text() == "x"


# -- the command line -------------------------------------------------------------------------

@pytest.fixture
def table(tmp_path):
    s, y = _scores()
    path = tmp_path / "scores.csv"
    pd.DataFrame({"score": s, "prob": 1 / (1 + np.exp(-s)), "label": y}).to_csv(path, index=False)
    return path


def test_fit_report_json(table, tmp_path, capsys):
    out = tmp_path / "fit.html"
    assert main(["calibrate", "fit", str(table), "--score", "score", "--label", "label", "--report", str(out),
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["report"] == str(out) and data["model"] is None
    html = out.read_text()
    assert html.count("<svg") == 1 and "Candidate methods" in html and "Decision threshold" not in html
    assert f"after ({data['method']}, in-sample)" in html  # the same rows as the printed table


def test_fit_report_table_and_without_report(table, tmp_path, capsys):
    assert main(["calibrate", "fit", str(table), "--score", "score", "--label", "label", "--method", "platt",
                 "--report", str(tmp_path / "folder")]) == 0
    assert f"report written to {tmp_path / 'folder' / 'index.html'}" in capsys.readouterr().out
    assert (tmp_path / "folder" / "index.html").is_file()
    assert main(["calibrate", "fit", str(table), "--score", "score", "--label", "label", "--method", "platt",
                 "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["report"] is None


@pytest.mark.parametrize("column,figures", [("score", 1), ("prob", 2)])
def test_threshold_report_json(table, tmp_path, capsys, column, figures):
    out = tmp_path / "thr.html"
    assert main(["calibrate", "threshold", str(table), "--score", column, "--label", "label",
                 "--objective", "fbeta", "--beta", "2", "--report", str(out), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["report"] == str(out) and data["objective"] == "fbeta"
    html = out.read_text()
    # the curve; the reliability diagram only when the scores are probabilities
    assert html.count("<svg") == figures and "Decision threshold" in html
    assert f"{data['value']:.4f}" in html


@pytest.mark.parametrize("command", ["fit", "threshold"])
@pytest.mark.parametrize("report", ["file", "file/sub.html"])
def test_bad_report_exits_2_before_the_work(table, tmp_path, capsys, command, report):
    (tmp_path / "file").write_text("x")
    model = tmp_path / "cal.joblib"
    extra = ["--out", str(model)] if command == "fit" else []
    rc = main(["calibrate", command, str(table), "--score", "score", "--label", "label",
               "--report", str(tmp_path / report), *extra])
    captured = capsys.readouterr()
    assert rc == 2 and captured.out == ""
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert captured.err.startswith("scimlkit: error: ") and "file" in captured.err
    assert not model.exists() and (tmp_path / "file").read_text() == "x"


def test_a_calibrator_class_is_refused(tmp_path):
    from scimlkit import InputError
    from scimlkit.calibrate import PlattCalibrator, write_report

    with pytest.raises(InputError, match="got the class PlattCalibrator"):
        write_report([0, 1, 0, 1], [0.1, 0.8, 0.3, 0.6], tmp_path / "r.html", calibrator=PlattCalibrator)


def test_threshold_report_bands_follow_the_seed(table, tmp_path):
    def report(seed, name):
        out = tmp_path / name
        assert main(["calibrate", "threshold", str(table), "--score", "prob", "--label", "label",
                     "--report", str(out), "--seed", str(seed), "--format", "json"]) == 0
        html = out.read_text()
        return html[html.index("<svg"):]  # the figures, past any date in the header

    first, again, other = report(1, "a.html"), report(1, "b.html"), report(2, "c.html")
    assert first == again and first != other


def test_sample_weight_equals_repeated_rows(tmp_path):
    s, y = _scores()
    w = np.random.default_rng(2).integers(0, 4, size=s.size)
    cal = PlattCalibrator().fit(s, y)
    weighted = report_data(y, s, calibrator=cal, objective="mcc", n_boot=0, sample_weight=w.astype(float))
    repeated = report_data(np.repeat(y, w), np.repeat(s, w), calibrator=cal, objective="mcc", n_boot=0)
    for a, b in zip(weighted.metrics, repeated.metrics):
        assert a.pop("probabilities") == b.pop("probabilities")
        assert a == pytest.approx(b, rel=1e-9)
    np.testing.assert_allclose(weighted.after.observed, repeated.after.observed, rtol=1e-12)
    assert (weighted.threshold.threshold, weighted.threshold.value) == pytest.approx(
        (repeated.threshold.threshold, repeated.threshold.value), rel=1e-12)
    # write_report takes the weights (also for a calibrator it fits) and says so
    html = write_report(y, s, tmp_path, n_boot=10, rng=0, sample_weight=w).read_text()
    assert "weighted by the sample weights" in html
    with pytest.raises(InputError, match="`sample_weight` must have 300 values, got 2"):
        write_report(y, s, tmp_path, sample_weight=[1, 2])
    with pytest.raises(InputError, match="leaves only class 1 with positive weight"):
        write_report(y, s, tmp_path, sample_weight=y)


def test_weighted_report_names_the_sections_it_has(tmp_path, table, capsys):
    s, y = _scores()
    w = np.random.default_rng(3).uniform(0.5, 2.0, size=s.size)
    both = write_report(y, s, tmp_path / "a.html", n_boot=0, rng=0, sample_weight=w).read_text()
    assert "Diagrams, metrics and threshold weighted by the sample weights." in both
    alone = write_report(y, s, tmp_path / "b.html", objective=None, n_boot=0, rng=0, sample_weight=w).read_text()
    assert "Diagrams and metrics weighted by the sample weights." in alone and "threshold weighted" not in alone
    # the threshold command on decision values: the threshold section alone
    frame = pd.read_csv(table).assign(w=w)
    frame.to_csv(table, index=False)
    out = tmp_path / "c.html"
    assert main(["calibrate", "threshold", str(table), "--score", "score", "--label", "label", "--weight", "w",
                 "--report", str(out)]) == 0
    assert "Threshold weighted by the sample weights." in out.read_text()


def test_auto_with_too_few_positive_weight_rows_says_the_others_weigh_zero(tmp_path):
    s, y = _scores()
    w = np.ones(s.size)
    w[np.flatnonzero(y == 1)[1:]] = 0  # one positive row keeps its weight
    with pytest.raises(InputError) as info:
        write_report(y, s, tmp_path, sample_weight=w)
    assert str(info.value) == (f"calibrator='auto' needs at least 2 samples with positive weight of each class "
                               f"in `y_true`, got 1 of class 1 ({int(y.sum()) - 1} more of zero weight)")
    with pytest.raises(InputError, match=r"at least 2 samples of each class in `y_true`, got 1 of class 1$"):
        write_report(y[w > 0], s[w > 0], tmp_path)
    write_report(y, s, tmp_path, sample_weight=w, calibrator="platt", n_boot=0)  # a named method fits
