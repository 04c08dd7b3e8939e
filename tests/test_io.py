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
