import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scimlkit._errors import InputError
from scimlkit._io import read_table, write_table


@pytest.fixture
def frame():
    return pd.DataFrame({"group": ["a", "b", "a"], "y": [1.0, 0.0, 1.0]})


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".tsv", ".feather"])
def test_round_trip(tmp_path, frame, suffix):
    path = write_table(frame, tmp_path / f"t{suffix}")
    back = read_table(path, columns=["group", "y"])
    pd.testing.assert_frame_equal(back, frame)


def test_npy(tmp_path):
    np.save(tmp_path / "x.npy", np.arange(6.0).reshape(3, 2))
    assert list(read_table(tmp_path / "x.npy").columns) == ["x0", "x1"]


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="FILE '.*nope.csv' does not exist"):
        read_table(tmp_path / "nope.csv", name="FILE")


def test_unknown_column_lists_available(tmp_path, frame):
    path = write_table(frame, tmp_path / "t.csv")
    with pytest.raises(InputError, match="column 'metric' not found in file '.*t.csv'; available: group, y"):
        read_table(path, columns=["metric"])


def test_bad_extension_empty_and_corrupt(tmp_path):
    (tmp_path / "t.xlsx").write_text("x")
    with pytest.raises(InputError, match=r"unsupported extension '.xlsx' \(a spreadsheet: save the sheet as CSV\)"):
        read_table(tmp_path / "t.xlsx")
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(InputError, match="is empty"):
        read_table(tmp_path / "e.csv")
    (tmp_path / "c.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(InputError, match="could not be read as parquet"):
        read_table(tmp_path / "c.parquet")
    with pytest.raises(InputError, match="is a directory"):
        read_table(tmp_path)


# -- separators other than the comma in a .csv file ---------------------------------------------
SEPARATED = pd.DataFrame({"arm": ["a", "b", "a", "b"], "conv": [1, 0, 1, 1], "pre": [2, 3, 4, 5]})


@pytest.mark.parametrize("sep", [";", "\t", "|"], ids=["semicolon", "tab", "bar"])
@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_csv_with_another_separator_is_split_into_its_columns(tmp_path, sep, suffix):
    path = tmp_path / f"t{suffix}"
    SEPARATED.to_csv(path, sep=sep, index=False)
    back = read_table(path, columns=["arm", "conv"], name="FILE")
    pd.testing.assert_frame_equal(back, SEPARATED, check_dtype=False)
    assert back["conv"].dtype == np.int64


def test_a_one_column_csv_stays_one_column(tmp_path):
    (tmp_path / "one.csv").write_text("x\n1\n2\n")
    assert list(read_table(tmp_path / "one.csv").columns) == ["x"]
    # a name holding a separator that no data line uses is one column's name
    (tmp_path / "eur.csv").write_text("revenue (EUR; net)\n1.5\n2.5\n")
    assert read_table(tmp_path / "eur.csv").to_dict("list") == {"revenue (EUR; net)": [1.5, 2.5]}
    (tmp_path / "quoted.csv").write_text('name; x\n"a;b"\n"c"\n')  # a separator inside quotes splits nothing
    assert read_table(tmp_path / "quoted.csv").to_dict("list") == {"name; x": ["a;b", "c"]}
    write_table(pd.DataFrame({"p(y=1|x)": [0.2, 0.7]}), tmp_path / "p.csv")
    assert read_table(tmp_path / "p.csv").to_dict("list") == {"p(y=1|x)": [0.2, 0.7]}


def test_decimal_commas_that_start_late_in_a_large_file(tmp_path):
    # pandas types a large file in chunks: the column must not come out part ints, part text
    lines = [f"{i};3" for i in range(600_000)] + [f"{i};3,5" for i in range(5)]
    (tmp_path / "late.csv").write_text("id;v\n" + "\n".join(lines) + "\n")
    v = read_table(tmp_path / "late.csv")["v"]
    assert v.dtype == np.float64 and v.iloc[0] == 3.0 and v.iloc[-1] == 3.5


def test_semicolon_csv_with_decimal_commas_reads_numbers(tmp_path):
    # Excel's European export: semicolons, decimal commas, a byte-order mark, CRLF line ends
    (tmp_path / "eu.csv").write_bytes("\ufeffarm;rev;n\r\na;1,5;3\r\nb;-2,25;4\r\na;10;5\r\n".encode())
    back = read_table(tmp_path / "eu.csv")
    assert list(back.columns) == ["arm", "rev", "n"]
    assert back["rev"].tolist() == [1.5, -2.25, 10.0] and back["n"].dtype == np.int64


def test_decimal_commas_are_left_as_text_when_another_column_uses_points(tmp_path):
    (tmp_path / "mixed.csv").write_text("arm;rev;cost\na;1,5;2.5\nb;2,5;3.5\n")
    back = read_table(tmp_path / "mixed.csv")
    assert back["rev"].tolist() == ["1,5", "2,5"]  # ambiguous: not guessed
    assert back["cost"].tolist() == [2.5, 3.5]
    # whole numbers written with a point ("10.0") are decimals with points too
    (tmp_path / "whole.csv").write_text("id;price;qty\n1;10.0;1,000\n2;20.0;2,500\n")
    assert read_table(tmp_path / "whole.csv")["qty"].tolist() == ["1,000", "2,500"]
    # a float column with gaps and whole values may be integers with gaps: the commas are read
    (tmp_path / "gaps.csv").write_text("id;n;rev\n1;10;1,5\n2;;2,5\n")
    assert read_table(tmp_path / "gaps.csv")["rev"].tolist() == [1.5, 2.5]


def test_semicolon_csv_reaches_the_commands(tmp_path, capsys):
    from scimlkit.cli import main

    gen = np.random.default_rng(0)
    frame = pd.DataFrame({"arm": np.repeat(["a", "b"], 200), "rev": gen.normal(size=400)})
    frame.to_csv(tmp_path / "ab.csv", sep=";", index=False)
    rc = main(["experiment", "analyze", str(tmp_path / "ab.csv"), "--group", "arm", "--metric", "rev",
               "--format", "json"])
    assert rc == 0, capsys.readouterr().err
    capsys.readouterr()


# -- repeated column names ----------------------------------------------------------------------
@pytest.mark.parametrize("suffix,sep", [(".csv", ","), (".csv", ";"), (".tsv", "\t"), (".csv.gz", ",")])
def test_a_header_that_repeats_a_name_is_refused(tmp_path, suffix, sep):
    path = tmp_path / f"dup{suffix}"
    pd.DataFrame([["a", 1, 2]], columns=["arm", "m", "m"]).to_csv(path, sep=sep, index=False)
    with pytest.raises(InputError, match=r"FILE '.*dup.*' has the column 'm' more than once"):
        read_table(path, name="FILE")


@pytest.mark.parametrize("suffix", [".parquet", ".feather"])
def test_parquet_and_feather_with_a_repeated_name_are_refused_naming_it(tmp_path, suffix):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.feather
    import pyarrow.parquet

    table = pa.table([pa.array([1, 2]), pa.array([3, 4]), pa.array([5, 6])], names=["m", "m", "x"])
    path = tmp_path / f"dup{suffix}"
    (pyarrow.parquet.write_table if suffix == ".parquet" else pyarrow.feather.write_feather)(table, path)
    with pytest.raises(InputError, match="has the column 'm' more than once"):
        read_table(path)


def test_unnamed_columns_are_not_repeats(tmp_path):
    (tmp_path / "u.csv").write_text(",,x\n1,2,3\n")
    assert read_table(tmp_path / "u.csv").shape == (1, 3)


def test_commands_refuse_a_repeated_metric_column(tmp_path, capsys):
    from scimlkit.cli import main

    (tmp_path / "dup.csv").write_text("arm,m,m\na,1,100\nb,2,200\na,3,300\nb,4,400\n")
    rc = main(["experiment", "analyze", str(tmp_path / "dup.csv"), "--group", "arm", "--metric", "m"])
    err = capsys.readouterr().err
    assert rc == 2 and "has the column 'm' more than once" in err


def test_write_table_lists_every_accepted_extension(tmp_path, frame):
    with pytest.raises(InputError) as info:
        write_table(frame, tmp_path / "t.xlsx")
    for suffix in (".csv", ".csv.gz", ".tsv", ".parquet", ".pq", ".feather"):
        assert suffix in str(info.value)
    path = write_table(frame, tmp_path / "t.csv.gz")
    pd.testing.assert_frame_equal(read_table(path), frame)


@pytest.mark.parametrize("suffix", [".parquet", ".feather"])
def test_a_column_of_several_value_types_is_written_as_text(tmp_path, suffix):
    # a parameter whose choices are "sqrt", 0.5 and None: Arrow holds one type per column
    frame = pd.DataFrame({"mf": pd.Series(["sqrt", 0.5, None], dtype=object), "n": [1, 2, 3]})
    back = read_table(write_table(frame, tmp_path / f"t{suffix}"))
    assert back["mf"].iloc[:2].tolist() == ["sqrt", "0.5"] and back["mf"].isna().iloc[2]
    assert back["n"].tolist() == [1, 2, 3]
    assert frame["mf"].tolist() == ["sqrt", 0.5, None]  # the caller's frame is left as it was


def test_write_table_names_a_path_it_cannot_write(tmp_path, frame):
    with pytest.raises(InputError, match="could not write '.*missing.*t.csv'"):
        write_table(frame, tmp_path / "missing" / "t.csv")


# -- standard input, tables without rows, more kinds of file -------------------------------------
def _pipe(monkeypatch, data: bytes):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_dash_reads_a_csv_piped_on_standard_input(monkeypatch):
    _pipe(monkeypatch, b"arm;rev\na;1,5\nb;2,25\n")
    back = read_table("-", columns=["rev"], name="FILE")
    assert back.to_dict("list") == {"arm": ["a", "b"], "rev": [1.5, 2.25]}
    _pipe(monkeypatch, b"PAR1,x\n1,2\n")  # text that begins like a Parquet file is still text
    assert read_table("-").to_dict("list") == {"PAR1": [1], "x": [2]}


@pytest.mark.parametrize("kind", ["parquet", "feather", "csv.gz", "npy"])
def test_dash_recognises_binary_tables_by_their_first_bytes(tmp_path, monkeypatch, frame, kind):
    if kind == "npy":
        np.save(tmp_path / "t.npy", np.arange(6.0).reshape(3, 2))
        expected = pd.DataFrame({"x0": [0.0, 2.0, 4.0], "x1": [1.0, 3.0, 5.0]})
    else:
        write_table(frame, tmp_path / f"t.{kind}")
        expected = frame
    _pipe(monkeypatch, (tmp_path / f"t.{kind}").read_bytes())
    pd.testing.assert_frame_equal(read_table("-"), expected, check_dtype=False)


def test_dash_with_nothing_piped_in_or_an_empty_stream(monkeypatch):
    import sys

    class Terminal:
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdin", Terminal())
    with pytest.raises(InputError, match=r"FILE '-' \(standard input\): nothing is piped in"):
        read_table("-", name="FILE")
    _pipe(monkeypatch, b"")
    with pytest.raises(InputError, match=r"FILE '-' \(standard input\) is empty"):
        read_table("-", name="FILE")


def test_commands_read_standard_input(tmp_path, monkeypatch, capsys):
    import json

    from scimlkit.cli import main

    _pipe(monkeypatch, b"score,y\n0.1,0\n0.4,0\n0.35,1\n0.8,1\n")
    assert main(["calibrate", "threshold", "-", "--score", "score", "--label", "y", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["threshold"] == pytest.approx(0.225)  # midway 0.1 | 0.35 (F1 0.8)
    _pipe(monkeypatch, b"score,y\n0.1,0\n")
    assert main(["calibrate", "threshold", "-", "--score", "nope", "--label", "y"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "column 'nope' not found in FILE '-' (standard input)" in err


def test_a_table_without_rows_is_refused_naming_the_file(tmp_path):
    (tmp_path / "h.csv").write_text("score,y\n")
    with pytest.raises(InputError, match=r"FILE '.*h.csv' has no rows, only column names \(score, y\)"):
        read_table(tmp_path / "h.csv", columns=["score"], name="FILE")
    pd.DataFrame({"a": pd.Series([], dtype=float)}).to_parquet(tmp_path / "h.parquet")
    with pytest.raises(InputError, match="h.parquet' has no rows"):
        read_table(tmp_path / "h.parquet")


@pytest.mark.parametrize("argv", [
    ["calibrate", "threshold", "{f}", "--score", "score", "--label", "y"],
    ["experiment", "analyze", "{f}", "--group", "y", "--metric", "score"],
    ["drift", "fit", "{f}", "--out", "{d}/p.npz"],
    ["curves", "fit", "{f}", "--size", "score", "--score", "y"],
], ids=lambda a: " ".join(a[:2]))
def test_commands_name_a_header_only_file(tmp_path, capsys, argv):
    from scimlkit.cli import main

    (tmp_path / "h.csv").write_text("score,y\n")
    rc = main([a.format(f=tmp_path / "h.csv", d=tmp_path) for a in argv])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "h.csv' has no rows" in err


def test_tsv_gz_round_trip(tmp_path, frame):
    path = write_table(frame, tmp_path / "t.tsv.gz")
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    pd.testing.assert_frame_equal(read_table(path, columns=["group"]), frame)


def test_structured_npy_gives_a_column_per_field(tmp_path):
    np.save(tmp_path / "s.npy", np.array([(1, 2.5), (3, 4.5)], dtype=[("n", "i4"), ("v", "f8")]))
    assert read_table(tmp_path / "s.npy", columns=["v"]).to_dict("list") == {"n": [1, 3], "v": [2.5, 4.5]}


def test_a_csv_that_is_not_utf8_says_so(tmp_path):
    (tmp_path / "l.csv").write_bytes("name,v\nJosé,1\n".encode("latin-1"))
    with pytest.raises(InputError, match="l.csv' is not UTF-8 text .*save it with the UTF-8 encoding"):
        read_table(tmp_path / "l.csv")


def test_home_folder_in_a_path_is_expanded(tmp_path, monkeypatch, frame):
    monkeypatch.setenv("HOME", str(tmp_path))
    write_table(frame, "~/t.parquet")
    pd.testing.assert_frame_equal(read_table("~/t.parquet"), frame)


def test_a_parquet_index_comes_back_as_columns_and_rows_are_renumbered(tmp_path):
    users = pd.DataFrame({"user": ["u1", "u2", "u3"], "arm": ["a", "b", "a"], "y": [1.0, 0.0, 1.0]})
    users.set_index("user").to_parquet(tmp_path / "named.parquet")  # the index is stored as metadata
    back = read_table(tmp_path / "named.parquet", columns=["user", "arm"], name="FILE")
    pd.testing.assert_frame_equal(back, users)
    users.iloc[[2, 0]].to_parquet(tmp_path / "filtered.parquet")  # row labels 2, 0 stored too
    back = read_table(tmp_path / "filtered.parquet")
    assert list(back.index) == [0, 1] and list(back.columns) == ["user", "arm", "y"]


@pytest.mark.parametrize("sep,suffix", [(",", ".csv"), ("\t", ".tsv")])
def test_a_column_is_typed_from_the_whole_of_a_large_file(tmp_path, sep, suffix):
    # pandas types a large file in chunks by default: codes 0-4 with one word in the last rows
    # came out as int 0 in the first chunks and text '0' in the later ones (two arms, two categories)
    rows = [f"{i % 5}{sep}{i % 2}" for i in range(300_000)] + [f"unknown{sep}1"]
    (tmp_path / f"codes{suffix}").write_text(f"code{sep}y\n" + "\n".join(rows) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no pandas DtypeWarning reaches the user
        code = read_table(tmp_path / f"codes{suffix}")["code"]
    assert set(code.map(type)) == {str} and code.nunique() == 6


def test_a_header_only_table_is_accepted_when_asked(tmp_path):
    (tmp_path / "known.csv").write_text("x,score\n")
    back = read_table(tmp_path / "known.csv", columns=["score"], allow_empty=True)
    assert list(back.columns) == ["x", "score"] and len(back) == 0
    with pytest.raises(InputError, match="no rows"):
        read_table(tmp_path / "known.csv")


def test_tsv_piped_in_with_a_comma_in_its_header_is_split_at_tabs(monkeypatch):
    _pipe(monkeypatch, b"score\ty\tnote (a, b)\n0.2\t0\tx\n0.7\t1\ty\n")
    back = read_table("-")
    assert back.to_dict("list") == {"score": [0.2, 0.7], "y": [0, 1], "note (a, b)": ["x", "y"]}
    # a comma in every line ("Last, First", decimal commas) does not make tab-separated text CSV
    _pipe(monkeypatch, b"name, first\tweight, kg\nDoe, J\t2,5\nRoe, K\t3,5\n")
    assert read_table("-").to_dict("list") == {"name, first": ["Doe, J", "Roe, K"], "weight, kg": ["2,5", "3,5"]}


def test_the_first_byte_that_is_not_utf8_is_located_in_the_whole_file(tmp_path):
    # pandas reads in chunks and tells the position within the chunk
    text = "name,v\n" + "abc,1\n" * 50_000 + "José,2\n"
    (tmp_path / "l.csv").write_bytes(text.encode("latin-1"))
    where = text.encode("latin-1").index(b"\xe9")
    with pytest.raises(InputError, match=rf"at byte {where}\)"):
        read_table(tmp_path / "l.csv")


def test_nested_npy_fields_become_one_column_each(tmp_path):
    arr = np.zeros(3, dtype=[("a", "f8"), ("b", [("c", "i4"), ("d", "f4")])])
    arr["a"], arr["b"]["c"], arr["b"]["d"] = [1, 2, 3], [4, 5, 6], [0.5, 1.5, 2.5]
    np.save(tmp_path / "n.npy", arr)
    back = read_table(tmp_path / "n.npy")
    assert back.to_dict("list") == {"a": [1.0, 2.0, 3.0], "b.c": [4, 5, 6], "b.d": [0.5, 1.5, 2.5]}
    np.save(tmp_path / "s.npy", np.zeros(3, dtype=[("a", "f8"), ("v", "f8", (2,))]))
    with pytest.raises(InputError, match="field 'v' holding arrays of shape"):
        read_table(tmp_path / "s.npy")


def test_missing_values_are_pandas_own_by_default(tmp_path):
    # the same frame as pandas.read_csv(path): "NA", "None" and "null" are gaps in every column
    path = tmp_path / "t.csv"
    path.write_text("region,size,note\nNA,1.5,None\nEU,NA,null\nAPAC,,\nNA,2,x\n")
    frame = read_table(path)
    pd.testing.assert_frame_equal(frame, pd.read_csv(path))
    assert frame["region"].isna().tolist() == [True, False, False, True]
    assert frame["note"].isna().tolist() == [True, True, True, False]
    np.testing.assert_array_equal(frame["size"].to_numpy(), [1.5, np.nan, np.nan, 2.0])


def test_booleans_with_gaps_and_all_missing_number_columns_read_as_pandas_does(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("flag,x,code,y\nTrue,NA,NA,1\nNA,NA,null,2\nFalse,NA,NA,3\n")
    frame = read_table(path)
    assert frame["flag"].tolist()[::2] == [True, False] and pd.isna(frame["flag"].iloc[1])
    assert frame["flag"].dtype == object  # pandas' booleans with a gap
    assert frame["x"].dtype == np.float64 and frame["x"].isna().all()
    assert frame["code"].dtype == np.float64 and frame["code"].isna().all()
    # a semicolon file with decimal commas: an NA gap leaves the column numbers
    eu = tmp_path / "eu.csv"
    eu.write_text("arm;rev;land\na;1,5;NA\nb;NA;EU\nc;2,25;NA\n")
    frame = read_table(eu)
    np.testing.assert_array_equal(frame["rev"].to_numpy(), [1.5, np.nan, 2.25])
    assert frame["land"].isna().tolist() == [True, False, True]


def test_na_values_lists_exactly_the_missing_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("region,size,note,code\nNA,1.5,None,-999\nEU,NA,null,3\nAPAC,,,-999.0\nNA,2,x,4\n")
    # only empty cells: a region NA and a note None are values; a column of numbers holding "NA"
    # is text (the words are not gaps in some columns only)
    only_empty = read_table(path, na_values=[])
    assert only_empty["region"].tolist() == ["NA", "EU", "APAC", "NA"]
    assert only_empty["note"].tolist()[:2] == ["None", "null"] and pd.isna(only_empty["note"].iloc[2])
    assert only_empty["size"].tolist()[:2] == ["1.5", "NA"]
    assert only_empty["code"].tolist() == [-999.0, 3.0, -999.0, 4.0]
    na = read_table(path, na_values=["NA", "-999"])
    assert na["region"].isna().tolist() == [True, False, False, True]
    assert na["note"].tolist()[:2] == ["None", "null"]
    assert na["size"].dtype == np.float64
    np.testing.assert_array_equal(na["code"].to_numpy(), [np.nan, 3.0, np.nan, 4.0])  # -999.0 too, as pandas
    pd.testing.assert_frame_equal(na, pd.read_csv(path, keep_default_na=False, na_values=["", "NA", "-999"]))
    assert read_table(path, na_values="NA")["note"].tolist()[:2] == ["None", "null"]  # one text
    with pytest.raises(InputError, match="na_values"):
        read_table(path, na_values=object())


def test_na_values_in_typed_files_marks_text_categories_and_numbers(tmp_path):
    frame = pd.DataFrame({"region": ["NA", "EU", "-", None], "cat": pd.Categorical(["NA", "EU", "-", "EU"]),
                          "n": [1, -999, 3, 4], "f": [1.5, -999.0, np.nan, 2.0], "flag": [True, False, True, False],
                          "codes": pd.Categorical([1, -999, 2, 2])})
    for suffix in (".parquet", ".feather"):
        path = write_table(frame, tmp_path / f"t{suffix}")
        back = read_table(path)  # as stored
        assert back["region"].tolist()[:3] == ["NA", "EU", "-"] and back["n"].tolist() == [1, -999, 3, 4]
        back = read_table(path, na_values=["NA", "-", "-999"])
        assert back["region"].isna().tolist() == [True, False, True, True], suffix
        assert back["cat"].isna().tolist() == [True, False, True, False], suffix
        assert list(back["cat"].cat.categories) == ["EU"], suffix  # the category itself is gone
        assert back["codes"].isna().tolist() == [False, True, False, False], suffix
        np.testing.assert_array_equal(back["n"].to_numpy(), [1.0, np.nan, 3.0, 4.0])
        np.testing.assert_array_equal(back["f"].to_numpy(), [1.5, np.nan, np.nan, 2.0])
        assert back["flag"].tolist() == [True, False, True, False]
        assert read_table(path, na_values=[])["region"].tolist()[:3] == ["NA", "EU", "-"]
    # a CSV file read with the same list gives the same gaps
    csv = read_table(write_table(frame, tmp_path / "t.csv"), na_values=["NA", "-", "-999"])
    assert csv["region"].isna().tolist() == [True, False, True, True] and csv["n"].isna().tolist()[1]


def test_na_values_leave_the_arrays_of_a_list_column_alone(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"tags": [["a"], ["NA"], []], "s": ["NA", "x", "y"]}).to_parquet(path)
    back = read_table(path, na_values=["NA"])
    assert back["s"].isna().tolist() == [True, False, False]
    assert [list(v) for v in back["tags"]] == [["a"], ["NA"], []]


def test_write_table_to_standard_output(capsys):
    from scimlkit._io import table_on_stdout, table_options

    with table_options():
        assert write_table(pd.DataFrame({"a": [1, 2], "b": ["x", "NA"]}), "-") == Path("-")
        assert table_on_stdout()
    assert not table_on_stdout()
    assert capsys.readouterr().out == "a,b\n1,x\n2,NA\n"
    # called from Python, outside a command line, nothing else changes
    write_table(pd.DataFrame({"a": [1]}), "-")
    assert not table_on_stdout()
    assert capsys.readouterr().out == "a\n1\n"


@pytest.mark.parametrize("text, sep", [("a,b\n1,2,\n3,4,\n", ","), ("a;b\n1,5;2;\n2,5;3;\n", ";"),
                                       ("a\tb\r\n1\t2\t\r\n3\t4\t\r\n", "\t"), ("a,b\n1,2, \n3,4, \n", ","),
                                       ("a,b\n1,2,,\n3,4,,\n", ","), ("a,b\n1,2,\n3,4\n", ",")])
def test_a_separator_ending_every_row_keeps_the_columns_in_place(tmp_path, text, sep):
    # pandas took the first column as row labels and shifted every other one left (a read 2, 4;
    # b all missing)
    path = tmp_path / ("t.tsv" if sep == "\t" else "t.csv")
    path.write_bytes(text.encode())
    back = read_table(path, columns=["a", "b"])
    assert list(back.columns) == ["a", "b"] and back["b"].tolist() == [2, 3 if sep == ";" else 4]
    assert back["a"].tolist() == ([1.5, 2.5] if sep == ";" else [1, 3])


@pytest.mark.parametrize("text", ["a,b\n1,2,3\n4,5\n", "a,b\n1,2,\n3,4,5\n", "a,b\n1,2,3,4\n5,6,7,8\n"])
def test_a_row_with_a_value_past_the_header_is_refused(tmp_path, text):
    (tmp_path / "t.csv").write_text(text)
    with pytest.raises(InputError, match=r"more values than its header has column names \(2\)"):
        read_table(tmp_path / "t.csv")


@pytest.mark.parametrize("text, name", [
    ("baseMean\tlog2FoldChange\tpvalue\nENSG01\t10.5\t1.2\t0.01\nENSG02\t3.1\t-0.4\tNA\n", "t.tsv"),
    ("baseMean;log2FoldChange;pvalue\nENSG01;10,5;1,2;0,01\nENSG02;3,1;-0,4;NA\n", "t.csv"),
])
def test_row_labels_without_a_name_in_the_header_are_the_first_column(tmp_path, text, name):
    # R's write.table writes the rows' labels without naming them in the header: pandas reads
    # them as the index; here they are the first column, named as pandas names an unnamed one
    (tmp_path / name).write_text(text)
    back = read_table(tmp_path / name)
    assert list(back.columns) == ["Unnamed: 0", "baseMean", "log2FoldChange", "pvalue"]
    assert back["Unnamed: 0"].tolist() == ["ENSG01", "ENSG02"] and back["baseMean"].tolist() == [10.5, 3.1]
    assert back["pvalue"].iloc[0] == 0.01 and np.isnan(back["pvalue"].iloc[1])


@pytest.mark.parametrize("text, expected", [
    ("\na;b\nr1;1,5;2\nr2;3;4\n", {"Unnamed: 0": ["r1", "r2"], "a": [1.5, 3.0], "b": [2, 4]}),  # a blank line first
    ("\na,b\n1,2,,\n3,4,,\n", {"a": [1, 3], "b": [2, 4]}),
    ("a,b\nr1,1,2,\nr2,3,4,\n", {"Unnamed: 0": ["r1", "r2"], "a": [1, 3], "b": [2, 4]}),  # labels and a separator
])
def test_rows_past_the_header_after_a_blank_line_or_with_labels_and_separators(tmp_path, text, expected):
    (tmp_path / "t.csv").write_text(text)
    assert read_table(tmp_path / "t.csv").to_dict("list") == expected


def test_row_labels_beside_a_column_named_like_them_are_refused(tmp_path):
    (tmp_path / "t.csv").write_text("Unnamed: 0,b\nr1,1,2\nr2,3,4\n")
    with pytest.raises(InputError, match="more values than its header has column names"):
        read_table(tmp_path / "t.csv")


def test_a_zip_of_two_tables_names_them(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "t.csv.zip", "w") as archive:
        archive.writestr("a.csv", "x\n1\n")
        archive.writestr("b.csv", "x\n1\n")
    with pytest.raises(InputError, match=r"the archive holds 2 files \(a.csv, b.csv\), not one"):
        read_table(tmp_path / "t.csv.zip")


def test_a_zip_with_a_folder_entry_or_mac_resource_forks_reads_its_one_table(tmp_path):
    import zipfile

    for extra in (["data/"], ["__MACOSX/", "__MACOSX/._t.csv"]):
        path = tmp_path / "t.csv.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for entry in extra:
                archive.writestr(entry, "" if entry.endswith("/") else "\x00\x05")
            archive.writestr("data/t.csv" if extra == ["data/"] else "t.csv", "x,y\n1,2\n")
        assert read_table(path).to_dict("list") == {"x": [1], "y": [2]}


@pytest.mark.parametrize("suffix", [".csv.bz2", ".csv.xz", ".csv.zip", ".tsv.bz2", ".tsv.xz", ".TSV.ZIP"])
def test_compressed_tables_round_trip(tmp_path, frame, suffix):
    # pandas reads these; they were refused as an unsupported extension '.bz2'
    path = write_table(frame, tmp_path / f"t{suffix}")
    pd.testing.assert_frame_equal(read_table(path, columns=["group", "y"]), frame)


@pytest.mark.parametrize("compress", ["bz2", "xz", "zip"])
def test_compressed_semicolon_tables_and_piped_archives_are_read(tmp_path, monkeypatch, compress):
    import bz2
    import io
    import lzma
    import sys
    import zipfile

    text = b"\xef\xbb\xbfarm;rev\r\na;1,5\r\nb;2,25\r\n"  # a spreadsheet's export: BOM, CRLF, decimal commas
    if compress == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("sales.csv", text)
        data = buffer.getvalue()
    else:
        data = {"bz2": bz2.compress, "xz": lzma.compress}[compress](text)
    (tmp_path / f"sales.csv.{compress}").write_bytes(data)
    back = read_table(tmp_path / f"sales.csv.{compress}")
    assert back["arm"].tolist() == ["a", "b"] and back["rev"].tolist() == [1.5, 2.25]

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    back = read_table("-")
    assert back["arm"].tolist() == ["a", "b"] and back["rev"].tolist() == [1.5, 2.25]


def test_a_piped_table_whose_first_column_begins_like_bzip2_is_text(monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"BZh9,b\n1,2\n")))
    assert read_table("-").columns.tolist() == ["BZh9", "b"]


def test_the_first_byte_that_is_not_utf8_is_found_without_holding_the_file(tmp_path):
    # the whole file was read into memory to name the byte in the error
    import tracemalloc

    size = 16 << 20
    (tmp_path / "big.csv").write_bytes(b"a\n" + b"1\n" * (size // 2) + "caf\xe9\n".encode("latin-1"))
    from scimlkit._io import _first_bad_byte

    tracemalloc.start()
    try:
        where = _first_bad_byte(tmp_path / "big.csv")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert where == f" (invalid continuation byte at byte {size + 5})" and peak < size // 4
    text = "a\n" + "x" * ((1 << 20) - 3) + "é" + "\n"  # a character split by a chunk's end is no error
    (tmp_path / "split.csv").write_bytes(text.encode() + b"\xff\n")
    with pytest.raises(InputError, match=rf"invalid start byte at byte {len(text.encode())}\)"):
        read_table(tmp_path / "split.csv")
