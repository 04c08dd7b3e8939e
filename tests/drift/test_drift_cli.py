"""`scimlkit drift ...` commands, run in-process."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scimlkit.cli import main


@pytest.fixture()
def files(tmp_path):
    gen = np.random.default_rng(0)
    ref = pd.DataFrame({"x": gen.normal(size=4000), "y": gen.normal(size=4000), "plan": gen.choice(["a", "b"], 4000)})
    same = pd.DataFrame({"x": gen.normal(size=1000), "y": gen.normal(size=1000), "plan": gen.choice(["a", "b"], 1000)})
    moved = same.assign(x=same["x"] + 1.0)
    ref.to_csv(tmp_path / "ref.csv", index=False)
    same.to_parquet(tmp_path / "same.parquet")
    moved.to_csv(tmp_path / "moved.csv", index=False)
    return tmp_path


def test_fit_check_history_report(files, capsys):
    profile, db = files / "ref.profile", files / "history.db"
    assert main(["drift", "fit", str(files / "ref.csv"), "--out", str(profile), "--format", "json"]) == 0
    fitted = json.loads(capsys.readouterr().out)
    assert fitted["columns"] == 3 and fitted["categorical"] == 1 and profile.exists()

    rc = main(["drift", "check", str(profile), str(files / "same.parquet"), "--store", str(db), "--batch", "day-1",
               "--fail-on-drift", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["alert"] is False and out["batch"] == "day-1"
    assert {row["column"] for row in out["table"]} == {"x", "y", "plan"}

    rc = main(["drift", "check", str(profile), str(files / "moved.csv"), "--store", str(db), "--batch", "day-2",
               "--fail-on-drift"])
    text = capsys.readouterr().out
    assert rc == 1 and "1 of 3 column(s) drifted (x)" in text
    # without --fail-on-drift an alert still exits 0
    assert main(["drift", "check", str(profile), str(files / "moved.csv")]) == 0
    capsys.readouterr()

    assert main(["drift", "history", str(db), "--format", "json"]) == 0
    history = json.loads(capsys.readouterr().out)
    assert [h["batch"] for h in history] == ["day-1", "day-2"] and [h["alert"] for h in history] == [False, True]
    assert main(["drift", "history", str(db), "--column", "x"]) == 0
    assert "day-2" in capsys.readouterr().out

    out_dir = files / "report"
    rc = main(["drift", "report", str(profile), str(files / "moved.csv"), "--store", str(db), "--batch", "day-3",
               "--out", str(out_dir), "--format", "json"])
    assert rc == 0
    written = json.loads(capsys.readouterr().out)
    html = (out_dir / "index.html").read_text()
    assert written["report"].endswith("index.html") and "<svg" in html and "Health score" in html
    assert "Drifted column &#39;x&#39;" in html or "Drifted column 'x'" in html


@pytest.mark.parametrize("argv,message", [
    (["drift", "check", "{d}/nope.profile", "{d}/same.parquet"], "does not exist"),
    (["drift", "check", "{d}/ref.csv", "{d}/same.parquet"], "not a readable scimlkit drift profile"),
    (["drift", "history", "{d}/ref.csv"], "not a SQLite database"),
    (["drift", "history", "{d}/none.db"], "does not exist"),
    (["drift", "fit", "{d}/ref.csv"], "--out"),
    (["drift", "check", "{d}/ref.profile", "{d}/same.parquet", "--alpha", "2"], "alpha"),
])
def test_bad_input_exits_2_with_one_line(files, capsys, argv, message):
    main(["drift", "fit", str(files / "ref.csv"), "--out", str(files / "ref.profile")])
    capsys.readouterr()
    rc = main([a.format(d=files) for a in argv])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and message in err and len(err.splitlines()) == 1


def test_missing_column_in_batch(files, capsys):
    main(["drift", "fit", str(files / "ref.csv"), "--out", str(files / "ref.profile")])
    pd.DataFrame({"x": [1.0, 2.0]}).to_csv(files / "narrow.csv", index=False)
    rc = main(["drift", "check", str(files / "ref.profile"), str(files / "narrow.csv")])
    err = capsys.readouterr().err
    assert rc == 2 and "lacks 2 reference column(s)" in err
