"""The forecast chapter (its data, then its rendering), write_report, and `curves fit --report`."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

import scimlkit.curves._fit as fit_module
from scimlkit import InputError
from scimlkit.cli import main
from scimlkit.curves import LearningCurveResult, fit_curve, write_report
from scimlkit.curves._report import _from_curve, forecast_chapter, forecast_data, needed_sentence

SIZES = np.array([50, 100, 200, 400, 800, 1600, 3200])
ASYMPTOTE = 0.92


def _truth(n):
    return ASYMPTOTE - 0.9 * np.asarray(n, dtype=float) ** -0.5


@pytest.fixture(scope="module")
def folds():
    return _truth(SIZES)[:, None] + np.random.default_rng(0).normal(0, 0.002, (len(SIZES), 3))


@pytest.fixture(scope="module")
def fit(folds):
    # the first five anchors, one column per fold; the last two are kept back
    return fit_curve(SIZES[:5], folds[:5], families=["pow3", "pow2", "last"], n_bootstrap=15, rng=0)


def _curve(folds) -> LearningCurveResult:
    return LearningCurveResult(sizes=SIZES, scores=folds, train_scores=folds + 0.05, mean=folds.mean(axis=1),
                               std=folds.std(axis=1, ddof=1), fit_seconds=np.zeros(len(SIZES)),
                               scoring="accuracy", n_train=3200)


# -- the data the chapter shows ----------------------------------------------------------------


def test_fit_keeps_the_spread_over_folds(fit, folds):
    np.testing.assert_allclose(fit.score_std, np.std(folds[:5], axis=1, ddof=1), rtol=1e-12)
    assert fit_curve(SIZES, folds.mean(axis=1), families=["pow3"], n_bootstrap=0).score_std is None
    json.dumps(fit.to_dict(), allow_nan=False)


def test_forecast_data_reaches_past_the_sizes_of_interest(fit, folds):
    target, at = 0.9, 20_000
    data = forecast_data(fit, target=target, at=at, later=(SIZES[5:], folds[5:].mean(axis=1)))
    needed = fit.samples_needed(target)
    assert needed.reachable and not needed.already_reached and needed.n > SIZES[4]
    assert data.grid[0] == SIZES[0]
    assert data.grid[-1] >= max(at, needed.n, SIZES[-1]) * 1.9
    # the same numbers as the API gives
    assert data.needed == needed
    np.testing.assert_allclose(data.prediction.score, fit.predict(at).score)
    np.testing.assert_allclose(data.forecast, fit.predict(data.grid).score)
    assert np.all(data.low <= data.forecast + 1e-12) and np.all(data.forecast <= data.high + 1e-12)
    np.testing.assert_allclose(data.errors, fit.score_std)
    # rivals: the simple families that are not part of the forecast, as fitted
    assert set(data.rivals) == {"pow2", "last"} - set(fit.members)
    for name, values in data.rivals.items():
        np.testing.assert_allclose(values, fit.family_curve(name, data.grid))
    if "last" in data.rivals:
        np.testing.assert_allclose(data.rivals["last"], fit.scores[-1])
    # the kept-back measurements against the forecast
    checks = data.checks
    assert checks["size"].tolist() == [1600.0, 3200.0]
    np.testing.assert_allclose(checks["error"], checks["measured"] - fit.predict(SIZES[5:]).score)
    assert checks["within interval"].dtype == bool


def test_forecast_data_without_bootstrap_or_options(folds):
    bare = fit_curve(SIZES[:5], folds[:5].mean(axis=1), families=["pow3", "pow2"], n_bootstrap=0)
    data = forecast_data(bare)
    assert data.low is None and data.high is None and data.errors is None and data.checks is None
    assert data.prediction is None and data.needed is None
    assert data.grid[-1] == pytest.approx(4 * SIZES[4])


def test_needed_sentence_says_the_interval_or_the_message(fit):
    reachable = fit.samples_needed(0.9)
    text = needed_sentence(reachable)
    assert text.startswith("The fitted curve reaches 0.9 at about n=") and "95% interval" in text
    assert f"{reachable.n:,.0f}" in text
    beyond = fit.samples_needed(0.97)
    assert not beyond.reachable
    text = needed_sentence(beyond)
    assert text.startswith("Target 0.97 lies above the fitted asymptote") and text.endswith("reach it.")
    assert text[1:-1] == beyond.message[1:]


# -- rendering ------------------------------------------------------------------------------------


def test_chapter_blocks(fit):
    chapter = forecast_chapter(fit, target=0.9, at=20_000, score_name="accuracy")
    kinds = [b["kind"] for b in chapter.blocks]
    assert kinds == ["paragraph", "metrics", "figure", "heading", "paragraph", "table"]
    labels = dict(chapter.blocks[1]["items"])
    assert labels["forecast by"] == fit.family
    assert {"fitted asymptote", "forecast at n=20,000", "95% interval at n=20,000", "samples for 0.9",
            "95% interval of the samples"} <= set(labels)
    assert float(labels["fitted asymptote"]) == pytest.approx(fit.asymptote, rel=1e-3)
    assert len(chapter.summary) == 3


def test_write_report_reachable_target(fit, tmp_path):
    path = write_report(fit, tmp_path / "curve.html", target=0.9, at=20_000, title="my curve")
    assert path == tmp_path / "curve.html"
    html = path.read_text()
    assert "<title>my curve</title>" in html and html.count("<svg") == 1
    for text in ("Learning-curve forecast", "How many samples for 0.9?", "forecast by", "fitted asymptote",
                 "forecast at n=20,000", "samples for 0.9", "The fitted curve reaches 0.9 at about n=",
                 "error bars show their standard deviation", "extrapolation_error"):
        assert text in html, text
    for family in ("pow3", "pow2", "last"):
        assert f"<td>{family}</td>" in html


def test_write_report_unreachable_target(fit, tmp_path):
    path = write_report(fit, tmp_path, target=0.97)
    assert path == tmp_path / "index.html"
    html = path.read_text()
    assert "Target 0.97 lies above the fitted asymptote" in html and "not reachable" in html
    assert "more data of the same kind is not expected to reach it" in html
    assert "forecast at n=" not in html


def test_write_report_lower_is_better_unreachable(folds, tmp_path):
    errors = 1 - folds[:5]
    fit = fit_curve(SIZES[:5], errors, families=["pow3", "last"], n_bootstrap=10, rng=1)
    html = write_report(fit, tmp_path / "err.html", target=0.05, score_name="error rate").read_text()
    assert "error rate, lower is better" in html and "lies below the fitted asymptote" in html


def test_write_report_with_the_measured_curve(folds, tmp_path):
    curve = _curve(folds)
    # one score per anchor: the error bars come from the curve's folds
    fit = fit_curve(SIZES[:5], curve.mean[:5], families=["pow3", "pow2", "last"], n_bootstrap=10, rng=0)
    html = write_report(fit, tmp_path / "r.html", curve=curve, at=3200).read_text()
    assert "kept back (not used by the fit)" in html  # legend of the figure
    assert "2 measurement(s) not used by the fit" in html and "measurements kept back from the fit" in html
    assert "accuracy, higher is better" in html and "error bars show their standard deviation" in html
    assert "<td>1600</td>" in html and "<td>3200</td>" in html  # the kept-back sizes, in the check table


def test_the_measured_curve_gives_kept_back_points_and_error_bars(folds):
    curve = _curve(folds)
    one = fit_curve(SIZES[:5], curve.mean[:5], families=["pow3"], n_bootstrap=0)
    errors, later, left_out, name = _from_curve(one, curve)
    np.testing.assert_allclose(errors, curve.std[:5])
    np.testing.assert_array_equal(later[0], SIZES[5:])
    np.testing.assert_allclose(later[1], curve.mean[5:])
    assert name == "accuracy"
    # a fit on every other anchor: the skipped sizes are kept back too
    every_other = fit_curve(SIZES[::2], curve.scores[::2], families=["pow3"], n_bootstrap=0)
    errors, later, _, _ = _from_curve(every_other, curve)
    assert errors is None  # the fit has its own spread over folds
    np.testing.assert_array_equal(later[0], SIZES[1::2])
    # a curve measured at other sizes: no error bars borrowed from it
    shifted = _curve(folds)
    shifted = LearningCurveResult(**{**{f: getattr(shifted, f) for f in shifted.__dataclass_fields__},
                                     "sizes": SIZES + 1})
    errors, later, _, _ = _from_curve(one, shifted)
    assert errors is None and len(later[0]) == len(SIZES)


def test_write_report_without_bootstrap(folds, tmp_path):
    fit = fit_curve(SIZES[:5], folds[:5].mean(axis=1), families=["pow3", "pow2"], n_bootstrap=0)
    html = write_report(fit, tmp_path / "r.html", target=0.9, at=10_000).read_text()
    assert "no bootstrap refits were made" in html and "95% interval" not in html


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"fit": "a fit"}, "`fit` must be a CurveFitResult"),
        ({"target": float("nan")}, "`target` must be finite"),
        ({"target": math.inf}, "`target` must be finite"),
        ({"target": "0.9"}, "`target` must be a real number"),
        ({"at": 0}, "`at` must be a positive training-set size, got 0"),
        ({"at": -5.0}, "`at` must be a positive training-set size"),
        ({"at": float("nan")}, "`at` must be finite"),
        ({"curve": pd.DataFrame({"n": [1]})}, "`curve` must be a LearningCurveResult"),
        ({"level": 1.5}, "`level` must be in"),
        ({"title": 3}, "`title` must be a string"),
        ({"path": 42}, "`path` must be a folder or a file name ending in .html"),
        ({"path": "file.txt/x.html"}, "is not a folder"),
        ({"path": "file.txt"}, "is an existing file"),
    ],
)
def test_write_report_bad_input(fit, tmp_path, kwargs, match):
    (tmp_path / "file.txt").write_text("x")
    args = {"fit": fit, "path": tmp_path / "r.html", **kwargs}
    if isinstance(args["path"], str):
        args["path"] = tmp_path / args["path"]
    with pytest.raises(InputError, match=match):
        write_report(args.pop("fit"), args.pop("path"), **args)
    assert not (tmp_path / "r.html").exists()


# -- command line ----------------------------------------------------------------------------------


def _table(tmp_path, folds):
    rows = [{"n": n, "acc": s} for n, row in zip(SIZES, folds) for s in row]
    path = tmp_path / "curve.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_cli_fit_report_json(tmp_path, folds, capsys):
    table = _table(tmp_path, folds)
    out = tmp_path / "out" / "curve.html"
    rc = main(["curves", "fit", str(table), "--size", "n", "--score", "acc", "--target", "0.9", "--at", "20000",
               "--family", "pow3,pow2,last", "--n-bootstrap", "10", "--report", str(out), "--format", "json"])
    captured = capsys.readouterr()
    assert rc == 0 and captured.err.startswith("scimlkit: note:") and len(captured.err.splitlines()) == 1
    data = json.loads(captured.out)
    assert data["report"] == str(out) and out.exists()
    html = out.read_text()
    assert "<svg" in html and "How many samples for 0.9?" in html and "forecast at n=20,000" in html
    assert "curve.csv" in html  # the report's title names the table
    assert "acc, higher is better" in html


def test_cli_fit_report_table_to_a_folder(tmp_path, folds, capsys):
    table = _table(tmp_path, folds)
    rc = main(["curves", "fit", str(table), "--size", "n", "--score", "acc", "--family", "pow3",
               "--n-bootstrap", "5", "--report", str(tmp_path / "rep")])
    out = capsys.readouterr().out
    assert rc == 0 and (tmp_path / "rep" / "index.html").exists()
    assert "report" in out and "index.html" in out


@pytest.mark.parametrize("where, match", [("file.txt", "is an existing file, not a folder"),
                                          ("file.txt/r.html", "is not a folder")])
def test_cli_bad_report_exits_2_before_fitting(tmp_path, folds, capsys, monkeypatch, where, match):
    table = _table(tmp_path, folds)
    (tmp_path / "file.txt").write_text("x")

    def no_fit(*args, **kwargs):
        raise RuntimeError("fit_curve must not run when the report output is bad")

    monkeypatch.setattr(fit_module, "fit_curve", no_fit)
    rc = main(["curves", "fit", str(table), "--size", "n", "--score", "acc", "--report", str(tmp_path / where)])
    captured = capsys.readouterr()
    assert rc == 2 and captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("scimlkit: error: ") and match in lines[0]
    assert "Traceback" not in captured.err
    assert (tmp_path / "file.txt").read_text() == "x"


def test_cli_target_must_be_finite(tmp_path, folds, capsys):
    table = _table(tmp_path, folds)
    rc = main(["curves", "fit", str(table), "--size", "n", "--score", "acc", "--target", "inf"])
    err = capsys.readouterr().err
    assert rc == 2 and "--target: must be a finite number" in err and len(err.strip().splitlines()) == 1
