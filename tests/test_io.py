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
    with pytest.raises(InputError, match="unsupported extension '.xlsx'"):
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
