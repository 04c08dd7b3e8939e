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
    text = capsys.readouterr().out
    assert "day-2" in text
    # every check's data was ok: no data-state column beside the alert column
    header = _header(text, first="check_id")
    assert "alert" in header and "status" not in header and "data" not in header

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


@pytest.mark.parametrize("out,message", [
    (".", "is a folder"),
    ("{d}", "is a folder"),
    ("", "must not be empty"),
    ("{d}/ref.csv/ref.profile", "is not a folder"),
    ("-", "standard output"),
])
def test_fit_bad_out_exits_2_with_one_line(files, capsys, monkeypatch, out, message):
    monkeypatch.chdir(files)
    rc = main(["drift", "fit", str(files / "ref.csv"), "--out", out.format(d=files)])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and message in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("out,message", [
    ("{d}/ref.csv", "is an existing file, not a folder"),
    ("", "empty string"),
    ("{d}/ref.csv/report", "is not a folder"),
    ("{d}/folder.html", "is a folder"),
    ("-", "standard output"),
])
def test_report_bad_out_exits_2_with_one_line(files, capsys, monkeypatch, out, message):
    monkeypatch.chdir(files)
    (files / "folder.html").mkdir()
    main(["drift", "fit", str(files / "ref.csv"), "--out", str(files / "ref.profile")])
    capsys.readouterr()
    rc = main(["drift", "report", str(files / "ref.profile"), str(files / "moved.csv"), "--out", out.format(d=files)])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and message in err and len(err.splitlines()) == 1
    assert not (files / "index.html").exists()


def test_report_write_failure_exits_2(files, capsys, monkeypatch):
    import scimlkit._report._render

    def refuse(chapters, path, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(scimlkit._report._render, "render_report", refuse)
    main(["drift", "fit", str(files / "ref.csv"), "--out", str(files / "ref.profile")])
    capsys.readouterr()
    rc = main(["drift", "report", str(files / "ref.profile"), str(files / "moved.csv"), "--out", str(files / "r")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "could not be written: Permission denied" in err and len(err.splitlines()) == 1


def test_column_named_numeric_and_categorical_is_refused(files, capsys):
    rc = main(["drift", "fit", str(files / "ref.csv"), "--out", str(files / "p.profile"),
               "--numeric", "x", "--categorical", "x,plan"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "x named in both --numeric and --categorical" in err
    assert not (files / "p.profile").exists()


def test_history_shows_a_missing_batch_label_blank(files, capsys):
    profile, db = str(files / "ref.profile"), str(files / "h.db")
    main(["drift", "fit", str(files / "ref.csv"), "--out", profile])
    main(["drift", "check", profile, str(files / "moved.csv"), "--store", db])  # no label
    main(["drift", "check", profile, str(files / "moved.csv"), "--store", db, "--batch", ""])
    capsys.readouterr()
    for argv in (["drift", "history", db], ["drift", "history", db, "--column", "x"]):
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert "nan" not in out and "None" not in out


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_history_writes_its_rows_to_a_table(files, capsys, suffix):
    from scimlkit._io import read_table

    profile, db = str(files / "ref.profile"), str(files / "h.db")
    main(["drift", "fit", str(files / "ref.csv"), "--out", profile])
    main(["drift", "check", profile, str(files / "same.parquet"), "--store", db, "--batch", "day-1"])
    main(["drift", "check", profile, str(files / "moved.csv"), "--store", db, "--batch", "day-2"])
    capsys.readouterr()
    assert main(["drift", "history", db, "--out", str(files / f"h{suffix}")]) == 0
    assert "2 rows written to" in capsys.readouterr().out
    table = read_table(files / f"h{suffix}")
    assert table["batch"].tolist() == ["day-1", "day-2"] and table["alert"].tolist() == [False, True]
    assert {"id", "health", "created"} <= set(table.columns)
    assert main(["drift", "history", db, "--column", "x", "--out", str(files / f"x{suffix}")]) == 0
    capsys.readouterr()
    rows = read_table(files / f"x{suffix}")
    assert rows["batch"].tolist() == ["day-1", "day-2"] and rows["alert"].tolist() == [False, True]
    assert main(["drift", "history", db, "--out", str(files / "h.xlsx")]) == 2
    assert "unsupported extension '.xlsx'" in capsys.readouterr().err


def test_multivariate_on_a_tiny_reference_says_why(files, capsys):
    pd.DataFrame({"x": [0.1, 0.5, 0.9]}).to_csv(files / "tiny.csv", index=False)
    main(["drift", "fit", str(files / "tiny.csv"), "--out", str(files / "tiny.profile")])
    capsys.readouterr()
    rc = main(["drift", "check", str(files / "tiny.profile"), str(files / "moved.csv"), "--multivariate"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "reference had only 3 row(s)" in err and "sample_size > 0" not in err


def test_tiny_and_huge_values_fit_check_and_report(files, capsys):
    gen = np.random.default_rng(1)
    tiny = pd.DataFrame({"a": np.arange(100) * 5e-324})  # subnormal
    huge = pd.DataFrame({"a": np.r_[np.full(100, 1e308), np.full(100, -1e308)], "b": gen.normal(size=200)})
    tiny.to_csv(files / "tiny.csv", index=False)
    huge.to_csv(files / "huge.csv", index=False)
    huge.assign(a=gen.normal(size=200)).to_csv(files / "huge_moved.csv", index=False)
    for name, batch in (("tiny", "tiny.csv"), ("huge", "huge_moved.csv")):
        profile = str(files / f"{name}.profile")
        assert main(["drift", "fit", str(files / f"{name}.csv"), "--out", profile]) == 0
        assert capsys.readouterr().err == ""
        assert main(["drift", "check", profile, str(files / batch), "--format", "json"]) == 0
        rows = {r["column"]: r for r in json.loads(capsys.readouterr().out)["table"]}
        assert rows["a"]["status"] == "ok"
        assert main(["drift", "report", profile, str(files / batch), "--out", str(files / f"{name}_report")]) == 0
        assert capsys.readouterr().err == ""  # no overflow / invalid-value warnings
    assert rows["a"]["alert"] and "<svg" in (files / "huge_report" / "index.html").read_text()


def test_history_of_an_empty_file_is_refused_and_left_empty(tmp_path, capsys):
    empty = tmp_path / "history.db"
    empty.touch()
    assert main(["drift", "history", str(empty)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "empty file" in err
    assert empty.stat().st_size == 0


def test_the_table_lists_a_few_unseen_categories_and_json_a_capped_list(files, capsys):
    main(["drift", "fit", str(files / "ref.csv"), "--out", str(files / "ref.profile")])
    new = pd.DataFrame({"x": np.zeros(40), "y": np.zeros(40), "plan": [f"sku-{i:03d}" for i in range(40)]})
    new.to_csv(files / "new.csv", index=False)
    capsys.readouterr()
    assert main(["drift", "check", str(files / "ref.profile"), str(files / "new.csv")]) == 0
    text = capsys.readouterr().out
    assert "sku-000" in text and "(+35 more)" in text and "sku-039" not in text
    assert main(["drift", "check", str(files / "ref.profile"), str(files / "new.csv"), "--format", "json"]) == 0
    row = next(r for r in json.loads(capsys.readouterr().out)["table"] if r["column"] == "plan")
    # the report's own list: the 20 most frequent (ties by name) and the count of the rest
    assert row["unseen"].split(",")[:20] == [f"sku-{i:03d}" for i in range(20)]
    assert row["unseen"].endswith(",... (+20 more)")


def test_history_of_two_named_monitors_in_one_file(files, capsys):
    db = files / "shared.db"
    for name in ("churn", "fraud"):
        assert main(["drift", "fit", str(files / "ref.csv"), "--out", str(files / f"{name}.profile"),
                     "--name", name, "--format", "json"]) == 0
        assert json.loads(capsys.readouterr().out)["name"] == name
        assert main(["drift", "check", str(files / f"{name}.profile"), str(files / "same.parquet"),
                     "--store", str(db), "--batch", f"{name}-1", "--format", "json"]) == 0
        checked = json.loads(capsys.readouterr().out)
        assert checked["monitor"] == name
    assert main(["drift", "history", str(db), "--monitor", "fraud", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["monitor"], r["batch"]) for r in rows] == [("fraud", "fraud-1")]
    assert rows[0]["created"] == checked["timestamp"]  # the same ISO 8601 text in both outputs
    assert main(["drift", "history", str(db), "--column", "x", "--monitor", "churn", "--format", "json"]) == 0
    assert [r["batch"] for r in json.loads(capsys.readouterr().out)] == ["churn-1"]
    assert main(["drift", "history", str(db), "--monitor", "nobody"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no checks of monitor 'nobody'" in err[0]


def _header(text, first="column"):
    """The cells of the header row of the table ``drift check`` (or ``drift history``) printed."""
    line = next(row for row in text.splitlines() if first in row and "alert" in row)
    return [cell.strip() for cell in line.strip("┃│ ").replace("│", "┃").split("┃")]


def test_check_table_does_not_show_ok_next_to_an_alert(files, capsys):
    # the data state (``status``: empty, constant, ...) read "ok" next to "alert True" for a
    # drifted column; it is titled "data" and shown only when some column's data is not ok
    profile = files / "ref.profile"
    main(["drift", "fit", str(files / "ref.csv"), "--out", str(profile)])
    capsys.readouterr()
    assert main(["drift", "check", str(profile), str(files / "moved.csv")]) == 0
    header = _header(capsys.readouterr().out)
    assert header[0] == "column" and "alert" in header and "effect" in header
    assert "status" not in header and "data" not in header
    # an empty batch column: its data state is shown, in a column titled "data"
    moved = pd.read_csv(files / "moved.csv").assign(y=np.nan)
    moved.to_csv(files / "empty_y.csv", index=False)
    assert main(["drift", "check", str(profile), str(files / "empty_y.csv")]) == 0
    text = capsys.readouterr().out
    header = _header(text)
    assert "data" in header and "status" not in header
    rows = {line.split("│")[1].strip(): line for line in text.splitlines() if line.count("│") > 3}
    assert "current_empty" in rows["y"] and "current_empty" not in rows["x"]
    # JSON keeps its keys
    assert main(["drift", "check", str(profile), str(files / "empty_y.csv"), "--format", "json"]) == 0
    table = {r["column"]: r for r in json.loads(capsys.readouterr().out)["table"]}
    assert table["y"]["status"] == "current_empty" and table["x"]["status"] == "ok"


def _refused_in_place(capsys, rc, option, path, before):
    """Exit 2, one line naming the option and the file, and the file left as it was."""
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"scimlkit: error: {option} '") and str(path) in err and "same file" in err
    assert path.read_bytes() == before


def test_fit_refuses_to_write_the_profile_over_its_reference(files, capsys):
    data = files / "ref.csv"
    before = data.read_bytes()
    rc = main(["drift", "fit", str(data), "--out", str(data)])
    _refused_in_place(capsys, rc, "--out", data, before)


def test_check_refuses_a_store_that_is_its_batch(files, capsys):
    main(["drift", "fit", str(files / "ref.csv"), "--out", str(files / "ref.profile")])
    batch = files / "moved.csv"
    before = batch.read_bytes()
    capsys.readouterr()
    rc = main(["drift", "check", str(files / "ref.profile"), str(batch), "--store", str(batch)])
    _refused_in_place(capsys, rc, "--store", batch, before)


def test_history_refuses_to_write_the_rows_over_the_history(files, capsys):
    db = files / "history.csv"  # a history may have any name, that of a table too
    main(["drift", "fit", str(files / "ref.csv"), "--out", str(files / "ref.profile")])
    main(["drift", "check", str(files / "ref.profile"), str(files / "moved.csv"), "--store", str(db)])
    before = db.read_bytes()
    capsys.readouterr()
    rc = main(["drift", "history", str(db), "--out", str(db)])
    _refused_in_place(capsys, rc, "--out", db, before)


def test_report_refuses_to_write_the_report_over_the_history(files, capsys):
    db = files / "history.html"
    main(["drift", "fit", str(files / "ref.csv"), "--out", str(files / "ref.profile")])
    main(["drift", "check", str(files / "ref.profile"), str(files / "moved.csv"), "--store", str(db)])
    before = db.read_bytes()
    capsys.readouterr()
    rc = main(["drift", "report", str(files / "ref.profile"), str(files / "moved.csv"), "--store", str(db),
               "--out", str(db)])
    _refused_in_place(capsys, rc, "--out", db, before)


def test_report_folder_inside_the_store_is_refused_before_the_check_is_stored(files, capsys):
    # the check was recorded in h.db first, then the report failed: now nothing is written
    profile = files / "ref.profile"
    main(["drift", "fit", str(files / "ref.csv"), "--out", str(profile)])
    capsys.readouterr()
    db = files / "h.db"
    for out in (db, db / "r.html"):
        rc = main(["drift", "report", str(profile), str(files / "moved.csv"), "--store", str(db), "--out", str(out)])
        err = capsys.readouterr().err
        assert rc == 2 and len(err.strip().splitlines()) == 1 and "--store" in err, err
        assert not db.exists()


def test_history_last_shows_the_latest_checks_only(files, capsys):
    profile, db = str(files / "ref.profile"), str(files / "h.db")
    main(["drift", "fit", str(files / "ref.csv"), "--out", profile])
    for day in ("d1", "d2", "d3", "d4"):
        main(["drift", "check", profile, str(files / "moved.csv"), "--store", db, "--batch", day])
    capsys.readouterr()
    assert main(["drift", "history", db, "--last", "2", "--format", "json"]) == 0
    assert [row["batch"] for row in json.loads(capsys.readouterr().out)] == ["d3", "d4"]
    assert main(["drift", "history", db, "--column", "x", "--last", "3", "--format", "json"]) == 0
    assert [row["batch"] for row in json.loads(capsys.readouterr().out)] == ["d2", "d3", "d4"]
    assert main(["drift", "history", db, "--last", "10", "--format", "json"]) == 0  # more than recorded: all
    assert len(json.loads(capsys.readouterr().out)) == 4
    assert main(["drift", "history", db, "--last", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--last" in err


def test_fit_options_name_columns_whose_csv_header_holds_spaces(tmp_path, capsys):
    gen = np.random.default_rng(2)
    body = "\n".join(f"{i},{gen.normal():.4f},{gen.choice(['a', 'b'])},{gen.integers(0, 3)}" for i in range(400))
    (tmp_path / "ref.csv").write_text("id, price, plan, code\n" + body + "\n")  # columns ' price', ' plan', ' code'
    out = tmp_path / "p.profile"
    rc = main(["drift", "fit", str(tmp_path / "ref.csv"), "--out", str(out), "--exclude", "id, price",
               "--categorical", "code", "--format", "json"])
    assert rc == 0, capsys.readouterr().err
    from scimlkit.drift import DriftMonitor

    assert DriftMonitor.load(out).kinds_ == {" plan": "categorical", " code": "categorical"}
    # a name that is no column, even spaces aside, is still refused
    capsys.readouterr()
    assert main(["drift", "fit", str(tmp_path / "ref.csv"), "--out", str(out), "--exclude", "cost"]) == 2
    assert "cost" in capsys.readouterr().err


def test_report_takes_report_as_other_commands_spell_it(files, capsys):
    profile = files / "ref.profile"
    assert main(["drift", "fit", str(files / "ref.csv"), "--out", str(profile), "--format", "json"]) == 0
    capsys.readouterr()
    out = files / "r.html"
    assert main(["drift", "report", str(profile), str(files / "moved.csv"), "--report", str(out),
                 "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["report"] == str(out) and out.exists()
