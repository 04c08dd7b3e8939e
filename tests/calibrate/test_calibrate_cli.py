"""`scimlkit calibrate fit|apply|threshold`, in-process."""

import json

import joblib
import numpy as np
import pandas as pd
import pytest

from scimlkit.calibrate import best_threshold
from scimlkit.cli import main


@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(0)
    s = rng.normal(size=400) * 3
    y = (rng.random(400) < 1 / (1 + np.exp(-(s / 2 + 0.3)))).astype(int)
    path = tmp_path / "scores.csv"
    pd.DataFrame({"score": s, "label": y, "text": ["a"] * 400}).to_csv(path, index=False)
    return path, s, y


def test_fit_json_and_saved_model(table, tmp_path, capsys):
    path, s, y = table
    out = tmp_path / "cal.joblib"
    rc = main(["calibrate", "fit", str(path), "--score", "score", "--label", "label", "--out", str(out),
               "--format", "json"])
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert data["method"] in {"platt", "isotonic", "beta", "temperature", "histogram"}
    assert data["score_kind"] == "logit" and data["n"] == 400
    before, after = data["metrics"]
    assert after["log_loss"] <= before["log_loss"]
    assert len(data["method_scores"]) == 5
    model = joblib.load(out)
    assert model.method_ == data["method"]
    assert model.transform(s).shape == (400,)


def test_fit_table_output(table, capsys):
    path, _, _ = table
    assert main(["calibrate", "fit", str(path), "--score", "score", "--label", "label",
                 "--method", "platt"]) == 0
    out = capsys.readouterr().out
    assert "method: platt" in out and "log_loss" in out and "read as logits" in out
    assert "ece, mce: top-label" in out


def test_threshold_json_equals_api(table, capsys):
    path, s, y = table
    rc = main(["calibrate", "threshold", str(path), "--score", "score", "--label", "label",
               "--objective", "fbeta", "--beta", "2", "--format", "json"])
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    ref = best_threshold(y, s, "fbeta", beta=2.0)
    assert data["threshold"] == ref.threshold and data["value"] == ref.value
    assert data["tp"] == ref.tp


def test_threshold_cost_table(table, capsys):
    path, _, _ = table
    assert main(["calibrate", "threshold", str(path), "--score", "score", "--label", "label",
                 "--objective", "cost", "--cost-fp", "1", "--cost-fn", "4"]) == 0
    assert "cost_fn" in capsys.readouterr().out


def test_threshold_profit_takes_every_gain_and_cost(table, capsys):
    path, s, y = table
    assert main(["calibrate", "threshold", str(path), "--score", "score", "--label", "label",
                 "--objective", "profit", "--gain-tp", "10", "--gain-tn", "0.5", "--cost-fp", "2",
                 "--cost-fn", "3", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    ref = best_threshold(y, s, "profit", gain_tp=10.0, gain_tn=0.5, cost_fp=2.0, cost_fn=3.0)
    assert data["threshold"] == ref.threshold and data["value"] == pytest.approx(ref.value)
    assert main(["calibrate", "threshold", str(path), "--score", "score", "--label", "label",
                 "--objective", "cost", "--cost-tp", "0.2", "--cost-tn", "0.1", "--format", "json"]) == 0
    ref = best_threshold(y, s, "cost", cost_tp=0.2, cost_tn=0.1)
    assert json.loads(capsys.readouterr().out)["value"] == pytest.approx(ref.value)


@pytest.mark.parametrize("args,message", [
    (["--score", "nope", "--label", "label"], "column 'nope' not found"),
    (["--score", "text", "--label", "label"], "must be numeric"),
    (["--score", "score", "--label", "score"], "only 0 and 1"),
    (["--score", "score", "--label", "label", "--objective", "f1", "--beta", "2"], "takes no parameters"),
    (["--score", "score", "--label", "label", "--objective", "precision_at_recall"], "needs `min_recall`"),
])
def test_bad_input_exits_2(table, capsys, args, message):
    path, _, _ = table
    assert main(["calibrate", "threshold", str(path), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_bad_file_and_one_class_exit_2(tmp_path, capsys):
    assert main(["calibrate", "fit", str(tmp_path / "missing.csv"), "--score", "s", "--label", "y"]) == 2
    assert "does not exist" in capsys.readouterr().err
    path = tmp_path / "one.csv"
    pd.DataFrame({"s": [0.1, 0.5, 0.7], "y": [1, 1, 1]}).to_csv(path, index=False)
    assert main(["calibrate", "fit", str(path), "--score", "s", "--label", "y"]) == 2
    assert "single class" in capsys.readouterr().err
    pd.DataFrame({"s": [0.1, np.nan, 0.7], "y": [0, 1, 1]}).to_csv(path, index=False)
    assert main(["calibrate", "threshold", str(path), "--score", "s", "--label", "y"]) == 2
    assert "NaN" in capsys.readouterr().err
    pd.DataFrame({"s": [0.1, 1.5, 0.7], "y": [0, 1, 1]}).to_csv(path, index=False)
    assert main(["calibrate", "fit", str(path), "--score", "s", "--label", "y",
                 "--score-kind", "probability"]) == 2
    assert "probabilities" in capsys.readouterr().err
    assert main(["calibrate", "fit", str(path), "--score", "s"]) == 2  # argparse: --label missing


def test_apply_a_saved_calibrator(table, tmp_path, capsys):
    path, s, y = table
    model = tmp_path / "cal.joblib"
    assert main(["calibrate", "fit", str(path), "--score", "score", "--label", "label", "--out", str(model)]) == 0
    capsys.readouterr()
    out = tmp_path / "calibrated.parquet"
    assert main(["calibrate", "apply", str(model), str(path), "--score", "score", "--out", str(out),
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    frame = pd.read_parquet(out)
    assert list(frame.columns) == ["score", "label", "text", "score_calibrated"]
    np.testing.assert_allclose(frame["score_calibrated"], joblib.load(model).transform(s))
    assert data["n"] == 400 and data["out"] == str(out)
    # without --out the probabilities come back in the JSON
    assert main(["calibrate", "apply", str(model), str(path), "--score", "score", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["probabilities"]) == 400


def test_fit_refuses_standard_output_for_the_calibrator(table, tmp_path, capsys, monkeypatch):
    path, _, _ = table
    monkeypatch.chdir(tmp_path)
    assert main(["calibrate", "fit", str(path), "--score", "score", "--label", "label", "--out", "-"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "standard output" in err[0] and "--out" in err[0]
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_apply_writes_the_calibrated_table_to_standard_output(table, tmp_path, capsys, fmt):
    import io

    path, s, _ = table
    model = tmp_path / "cal.joblib"
    assert main(["calibrate", "fit", str(path), "--score", "score", "--label", "label", "--out", str(model)]) == 0
    capsys.readouterr()
    assert main(["calibrate", "apply", str(model), str(path), "--score", "score", "--out", "-",
                 "--format", fmt]) == 0
    captured = capsys.readouterr()
    # standard output holds the CSV table alone (for `| head`, `> file.csv`); the summary goes to stderr
    frame = pd.read_csv(io.StringIO(captured.out))
    assert list(frame.columns) == ["score", "label", "text", "score_calibrated"] and len(frame) == 400
    np.testing.assert_allclose(frame["score_calibrated"], joblib.load(model).transform(s), rtol=1e-15)
    assert "mean_probability" in captured.err
    if fmt == "json":
        assert json.loads(captured.err)["out"] == "-"


def test_apply_refuses_files_that_are_not_calibrators(table, tmp_path, capsys):
    path, _, _ = table
    from scimlkit.calibrate import ScoreCalibrator

    joblib.dump({"not": "a calibrator"}, tmp_path / "dict.joblib")
    joblib.dump(ScoreCalibrator("platt"), tmp_path / "unfitted.joblib")
    (tmp_path / "garbage.joblib").write_bytes(b"\x00\x01 not a pickle")
    cases = [(tmp_path / "missing.joblib", "does not exist"), (tmp_path / "dict.joblib", "holds a dict"),
             (tmp_path / "garbage.joblib", "is not a saved calibrator"),
             (tmp_path / "unfitted.joblib", "holds an unfitted calibrator")]
    for model, message in cases:
        assert main(["calibrate", "apply", str(model), str(path), "--score", "score"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err


def test_fit_reports_the_folds_actually_used(tmp_path, capsys):
    # 4 positives: --cv 10 can only run 4 folds, and the output must say so
    rng = np.random.default_rng(0)
    y = np.r_[np.ones(4, int), np.zeros(60, int)]
    path = tmp_path / "few.csv"
    pd.DataFrame({"score": rng.normal(size=64) + 2 * y, "label": y}).to_csv(path, index=False)
    args = ["calibrate", "fit", str(path), "--score", "score", "--label", "label", "--cv", "10"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "4-fold cross-validated candidates" in out and "10-fold" not in out
    assert main([*args, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["cv_folds"] == 4
    assert main([*args[:-2], "--method", "platt", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["cv_folds"] is None


def test_fit_group_column_keeps_groups_whole(tmp_path, capsys):
    from scimlkit.calibrate import ScoreCalibrator

    rng = np.random.default_rng(4)
    user = np.repeat([f"u{i}" for i in range(30)], 8)
    s = rng.normal(size=240) * 2
    y = (rng.random(240) < 1 / (1 + np.exp(-s))).astype(int)
    path = tmp_path / "grouped.parquet"
    pd.DataFrame({"score": s, "label": y, "user": user}).to_parquet(path)
    args = ["calibrate", "fit", str(path), "--score", "score", "--label", "label", "--format", "json"]
    assert main([*args, "--group", "user"]) == 0
    data = json.loads(capsys.readouterr().out)
    ref = ScoreCalibrator(random_state=0).fit(s, y, groups=user)
    assert data["method"] == ref.method_
    assert [r["log_loss"] for r in data["method_scores"]] == pytest.approx(ref.method_scores_["log_loss"].tolist())
    assert main([*args, "--group", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
    frame = pd.read_parquet(path)
    frame.loc[3, "user"] = None
    frame.to_parquet(path)
    assert main([*args, "--group", "user"]) == 2
    assert "'user' (--group) has 1 missing" in capsys.readouterr().err


def test_decimal_score_columns_are_read_as_numbers(table, tmp_path, capsys):
    # pandas reads a Parquet DECIMAL column as decimal.Decimal objects; the API takes them, so must the CLI
    pa = pytest.importorskip("pyarrow")
    from decimal import Decimal

    import pyarrow.parquet as pq

    _, s, y = table
    s = np.round(s, 6)
    path = tmp_path / "decimal.parquet"
    pq.write_table(pa.table({"score": pa.array([Decimal(f"{v:.6f}") for v in s], pa.decimal128(12, 6)),
                             "label": y}), path)
    assert pd.read_parquet(path)["score"].dtype == object
    rc = main(["calibrate", "threshold", str(path), "--score", "score", "--label", "label", "--format", "json"])
    assert rc == 0, capsys.readouterr().err
    ref = best_threshold(y, s, "f1")
    data = json.loads(capsys.readouterr().out)
    assert data["threshold"] == ref.threshold and data["value"] == ref.value
    assert main(["calibrate", "fit", str(path), "--score", "score", "--label", "label", "--method", "platt",
                 "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 400


@pytest.mark.parametrize("column,message", [
    (pd.Series([0.2, True] * 20, dtype=object), "column 'score' must be numeric, got bool values such as True"),
    (pd.Series([0.2, "0.4"] * 20, dtype=object), "column 'score' must be numeric, got str values such as '0.4'"),
    (pd.Series([0.25, None] * 20, dtype=object), "column 'score' contains 20 NaN value(s)"),
])
def test_object_score_columns_that_are_not_all_numbers_are_refused(column, message):
    from scimlkit._errors import InputError
    from scimlkit.calibrate._cli import _read_scores

    with pytest.raises(InputError) as info:
        _read_scores(pd.DataFrame({"score": column}), "score")
    assert str(info.value) == message
    got = _read_scores(pd.DataFrame({"score": pd.Series([0.25, np.float32(0.5), 2], dtype=object)}), "score")
    assert got.dtype == float and got.tolist() == [0.25, 0.5, 2.0]


def test_decimal_score_column_with_a_null_exits_2(tmp_path, capsys):
    pa = pytest.importorskip("pyarrow")
    from decimal import Decimal

    import pyarrow.parquet as pq

    path = tmp_path / "gap.parquet"
    pq.write_table(pa.table({"score": pa.array([Decimal("0.5"), None, Decimal("0.25")] * 10, pa.decimal128(4, 2)),
                             "label": [0, 1, 1] * 10}), path)
    assert main(["calibrate", "fit", str(path), "--score", "score", "--label", "label"]) == 2
    assert "column 'score' contains 10 NaN value(s)" in capsys.readouterr().err


def test_threshold_json_says_when_nothing_is_predicted_positive(tmp_path, capsys):
    # the highest score is a negative and a false positive costs 1000 times a missed positive:
    # every cut costs more than predicting nothing positive
    s = np.array([0.95, 0.9, 0.8, 0.6, 0.4, 0.3, 0.1])
    y = np.array([0, 1, 1, 0, 1, 0, 0])
    path = tmp_path / "top_negative.csv"
    pd.DataFrame({"score": s, "label": y}).to_csv(path, index=False)
    rc = main(["calibrate", "threshold", str(path), "--score", "score", "--label", "label",
               "--objective", "cost", "--cost-fp", "1000", "--format", "json"])
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    ref = best_threshold(y, s, "cost", cost_fp=1000.0)
    assert ref.threshold == np.inf and ref.tp == 0 and ref.fp == 0
    assert data["predicts_none"] is True and data["threshold"] is None
    assert data["tp"] == 0 and data["fp"] == 0 and data["value"] == pytest.approx(ref.value)
    # a finite threshold is written as it is
    assert main(["calibrate", "threshold", str(path), "--score", "score", "--label", "label",
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["predicts_none"] is False and data["threshold"] == best_threshold(y, s, "f1").threshold


def _string_labels(table, tmp_path, positive="spam", negative="ham"):
    path, s, y = table
    out = tmp_path / "named.csv"
    pd.DataFrame({"score": s, "label": np.where(y == 1, positive, negative)}).to_csv(out, index=False)
    return out


def test_pos_label_reads_named_classes_like_0_1(table, tmp_path, capsys):
    path, s, y = table
    named = _string_labels(table, tmp_path)
    for command, extra in (("fit", ["--method", "platt"]), ("threshold", ["--objective", "mcc"])):
        assert main(["calibrate", command, str(path), "--score", "score", "--label", "label", *extra,
                     "--format", "json"]) == 0
        ref = json.loads(capsys.readouterr().out)
        assert main(["calibrate", command, str(named), "--score", "score", "--label", "label", *extra,
                     "--pos-label", "spam", "--format", "json"]) == 0
        got = json.loads(capsys.readouterr().out)
        assert got.pop("pos_label", "spam") == "spam"
        ref.pop("pos_label", None)
        assert got == ref
    # the other class as the positive one: the scores of ham are the same column, so its
    # labels are flipped
    assert main(["calibrate", "threshold", str(named), "--score", "score", "--label", "label",
                 "--pos-label", "ham", "--format", "json"]) == 0
    got = json.loads(capsys.readouterr().out)
    ref = best_threshold(1 - y, s, "f1")
    assert (got["threshold"], got["value"]) == (ref.threshold, ref.value)


def test_pos_label_on_numeric_labels(table, tmp_path, capsys):
    path, s, y = table
    coded = tmp_path / "coded.csv"
    pd.DataFrame({"score": s, "label": np.where(y == 1, 2, 1)}).to_csv(coded, index=False)
    assert main(["calibrate", "threshold", str(coded), "--score", "score", "--label", "label",
                 "--pos-label", "2", "--format", "json"]) == 0
    ref = best_threshold(y, s, "f1")
    assert json.loads(capsys.readouterr().out)["value"] == ref.value


def test_named_labels_errors(table, tmp_path, capsys):
    path, s, y = table
    named = _string_labels(table, tmp_path)
    # without --pos-label: one line that says how to name the positive class
    assert main(["calibrate", "fit", str(named), "--score", "score", "--label", "label"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "must contain only 0 and 1" in err and "--pos-label" in err
    assert main(["calibrate", "threshold", str(named), "--score", "score", "--label", "label",
                 "--pos-label", "eggs"]) == 2
    assert "--pos-label 'eggs' is not a label of column 'label'; its labels are ['ham', 'spam']" in \
        capsys.readouterr().err
    three = tmp_path / "three.csv"
    pd.DataFrame({"score": s, "label": np.array(["a", "b", "c"])[np.arange(400) % 3]}).to_csv(three, index=False)
    assert main(["calibrate", "threshold", str(three), "--score", "score", "--label", "label",
                 "--pos-label", "a"]) == 2
    assert "must hold exactly two labels with --pos-label, got 3" in capsys.readouterr().err
    gap = tmp_path / "gap.csv"
    pd.DataFrame({"score": s, "label": np.where(y == 1, "spam", None)}).to_csv(gap, index=False)
    assert main(["calibrate", "fit", str(gap), "--score", "score", "--label", "label",
                 "--pos-label", "spam"]) == 2
    assert "missing value" in capsys.readouterr().err


def test_weight_column_weights_fit_metrics_and_threshold(table, tmp_path, capsys):
    from scimlkit.calibrate import ScoreCalibrator, calibration_error, log_loss

    path, s, y = table
    w = np.random.default_rng(1).integers(0, 4, size=400)
    weighted = tmp_path / "weighted.csv"
    pd.DataFrame({"score": s, "label": y, "w": w}).to_csv(weighted, index=False)
    assert main(["calibrate", "threshold", str(weighted), "--score", "score", "--label", "label",
                 "--weight", "w", "--format", "json"]) == 0
    got = json.loads(capsys.readouterr().out)
    ref = best_threshold(y, s, "f1", sample_weight=w)
    assert (got["threshold"], got["value"], got["tp"]) == (ref.threshold, ref.value, ref.tp)
    # the weights equal repeated rows in the calibrator, the metrics and the threshold
    repeated = tmp_path / "repeated.csv"
    pd.DataFrame({"score": np.repeat(s, w), "label": np.repeat(y, w)}).to_csv(repeated, index=False)
    assert main(["calibrate", "threshold", str(repeated), "--score", "score", "--label", "label",
                 "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["value"] == pytest.approx(ref.value, rel=1e-12)
    assert main(["calibrate", "fit", str(weighted), "--score", "score", "--label", "label", "--weight", "w",
                 "--method", "platt", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    p = ScoreCalibrator("platt").fit(s, y, sample_weight=w).transform(s)
    after = data["metrics"][1]
    assert after["log_loss"] == pytest.approx(log_loss(y, p, sample_weight=w), rel=1e-9)
    assert after["ece"] == pytest.approx(calibration_error(y, p, n_bins=15, sample_weight=w).ece, rel=1e-9)
    assert data["weight"] == "w"
    assert main(["calibrate", "fit", str(repeated), "--score", "score", "--label", "label",
                 "--method", "platt", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["metrics"][1]["log_loss"] == pytest.approx(after["log_loss"],
                                                                                           rel=1e-6)
    # bad weights: one line naming the option
    pd.DataFrame({"score": s, "label": y, "w": -w}).to_csv(weighted, index=False)
    assert main(["calibrate", "threshold", str(weighted), "--score", "score", "--label", "label",
                 "--weight", "w"]) == 2
    assert "--weight: `sample_weight` must be >= 0" in capsys.readouterr().err


def test_pos_label_on_boolean_labels_takes_the_usual_spellings(table, tmp_path, capsys):
    path, s, y = table
    flags = tmp_path / "flags.csv"
    pd.DataFrame({"score": s, "label": y.astype(bool)}).to_csv(flags, index=False)  # True / False
    for spelling, positive in (("True", 1), ("TRUE", 1), ("true", 1), ("1", 1), ("false", 0), ("0", 0)):
        assert main(["calibrate", "threshold", str(flags), "--score", "score", "--label", "label",
                     "--pos-label", spelling, "--format", "json"]) == 0
        got = json.loads(capsys.readouterr().out)
        ref = best_threshold(y if positive else 1 - y, s, "f1")
        assert (got["threshold"], got["value"], got["pos_label"]) == (ref.threshold, ref.value, spelling)
    assert main(["calibrate", "threshold", str(flags), "--score", "score", "--label", "label",
                 "--pos-label", "maybe"]) == 2
    assert "--pos-label 'maybe' is not a label of column 'label'" in capsys.readouterr().err


def test_label_error_suggests_pos_label_only_for_two_labels(table, tmp_path, capsys):
    path, s, y = table
    named = _string_labels(table, tmp_path)
    assert main(["calibrate", "threshold", str(named), "--score", "score", "--label", "label"]) == 2
    assert capsys.readouterr().err.strip().endswith(
        "; name the positive class with --pos-label ham or --pos-label spam")
    three = tmp_path / "three.csv"
    pd.DataFrame({"score": s, "label": np.array(["a", "b", "c"])[np.arange(400) % 3]}).to_csv(three, index=False)
    assert main(["calibrate", "fit", str(three), "--score", "score", "--label", "label"]) == 2
    err = capsys.readouterr().err
    assert "must contain only 0 and 1" in err and "--pos-label" not in err
    coded = tmp_path / "coded.csv"
    pd.DataFrame({"score": s, "label": np.where(y == 1, 2, 5)}).to_csv(coded, index=False)
    assert main(["calibrate", "fit", str(coded), "--score", "score", "--label", "label"]) == 2
    assert "with --pos-label 2 or --pos-label 5" in capsys.readouterr().err


def test_threshold_json_says_pos_label_and_weight_as_fit_does(table, tmp_path, capsys):
    path, s, y = table
    w = np.random.default_rng(4).uniform(0.5, 2.0, size=400)
    named = tmp_path / "named_w.csv"
    pd.DataFrame({"score": s, "label": np.where(y == 1, "spam", "ham"), "w": w}).to_csv(named, index=False)
    for command in ("fit", "threshold"):
        assert main(["calibrate", command, str(named), "--score", "score", "--label", "label",
                     "--pos-label", "spam", "--weight", "w", "--format", "json"]) == 0
        got = json.loads(capsys.readouterr().out)
        assert (got["pos_label"], got["weight"]) == ("spam", "w")
        assert main(["calibrate", command, str(path), "--score", "score", "--label", "label", "--format", "json"]) == 0
        got = json.loads(capsys.readouterr().out)
        assert (got["pos_label"], got["weight"]) == (None, None)


@pytest.mark.parametrize("command", ["fit", "threshold"])
def test_file_help_names_both_kinds_of_label_column(command, capsys):
    with pytest.raises(SystemExit):
        main(["calibrate", command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "0/1 label column" not in text
    assert "a label column (0/1, or two labels with --pos-label)" in text


def test_home_folder_in_model_paths_is_expanded(table, tmp_path, monkeypatch, capsys):
    # `--out=~/cal.joblib` reaches the program unexpanded (the shell expands `~` only at the
    # start of a word): the calibrator is written to, and read from, the home folder
    path, s, _ = table
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert main(["calibrate", "fit", str(path), "--score", "score", "--label", "label", "--out", "~/cal.joblib",
                 "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["model"] == str(tmp_path / "cal.joblib")
    assert (tmp_path / "cal.joblib").is_file() and not (tmp_path / "~").exists()
    assert main(["calibrate", "apply", "~/cal.joblib", str(path), "--score", "score", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["probabilities"]) == len(s)


def _refused_in_place(capsys, rc, option, path, before):
    """Exit 2, one line naming the option and the file, and the file left as it was."""
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"scimlkit: error: {option} '") and str(path) in err and "same file" in err
    assert path.read_bytes() == before


def test_fit_refuses_to_write_the_calibrator_over_its_table(table, capsys):
    path = table[0]
    before = path.read_bytes()
    rc = main(["calibrate", "fit", str(path), "--score", "score", "--label", "label", "--out", str(path)])
    _refused_in_place(capsys, rc, "--out", path, before)


def test_apply_refuses_to_write_the_scored_table_over_its_input(table, tmp_path, capsys):
    path = table[0]
    model = tmp_path / "cal.joblib"
    assert main(["calibrate", "fit", str(path), "--score", "score", "--label", "label", "--method", "platt",
                 "--out", str(model)]) == 0
    before = path.read_bytes()
    capsys.readouterr()
    rc = main(["calibrate", "apply", str(model), str(path), "--score", "score", "--out", str(path)])
    _refused_in_place(capsys, rc, "--out", path, before)


def test_threshold_refuses_a_report_that_is_its_table(table, tmp_path, capsys):
    path = tmp_path / "scores.html"
    path.write_bytes(table[0].read_bytes())
    before = path.read_bytes()
    rc = main(["calibrate", "threshold", str(path), "--score", "score", "--label", "label", "--report", str(path)])
    _refused_in_place(capsys, rc, "--report", path, before)
