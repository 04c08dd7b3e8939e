import json
from dataclasses import FrozenInstanceError, dataclass

import numpy as np
import pandas as pd
import pytest

from scimlkit._results import Result, jsonable


@dataclass(frozen=True, slots=True)
class _Example(Result):
    statistic: float
    pvalue: float
    n: int
    values: np.ndarray
    label: str = "z"

    def doubled(self) -> float:
        return 2 * self.statistic


def _example():
    return _Example(statistic=np.float64(1.5), pvalue=float("nan"), n=np.int64(10), values=np.array([1.0, np.inf]))


def test_to_dict_is_json_ready():
    d = _example().to_dict()
    assert d == {"statistic": 1.5, "pvalue": None, "n": 10, "values": [1.0, None], "label": "z"}
    json.dumps(d, allow_nan=False)


def test_frozen_and_slotted():
    res = _example()
    with pytest.raises(FrozenInstanceError):
        res.statistic = 2.0
    assert not hasattr(res, "__dict__")
    assert res.doubled() == 3.0


def test_to_frame_keeps_scalars():
    frame = _example().to_frame()
    assert list(frame.columns) == ["statistic", "pvalue", "n", "label"]
    assert frame.loc[0, "n"] == 10


def test_repr_html_escapes():
    html = _Example(1.0, 0.5, 3, np.zeros(2), label="<b>")._repr_html_()
    assert "&lt;b&gt;" in html and "_Example" in html and "array(2,)" in html


def test_jsonable_handles_pandas_and_nested():
    frame = pd.DataFrame({"a": [1.0, np.nan]})
    assert jsonable({"f": frame, "t": (np.int32(1),)}) == {"f": [{"a": 1.0}, {"a": None}], "t": [1]}
    assert jsonable(pd.Timestamp("2026-01-02")) == "2026-01-02T00:00:00"


def test_jsonable_writes_numpy_times_as_iso_text():
    # datetime64[ns].item() is a whole number of nanoseconds, not a time
    assert jsonable(np.datetime64("2026-01-02T03:04:05.000000000")) == "2026-01-02T03:04:05"
    stamps = np.array(["2026-01-02", "NaT"], dtype="datetime64[ns]")
    assert jsonable({"t": stamps}) == {"t": ["2026-01-02T00:00:00", None]}
    assert jsonable(np.timedelta64(90, "s")) == pd.Timedelta(seconds=90).isoformat()
    assert jsonable({2, 1}) == [1, 2]
    json.dumps(jsonable(stamps), allow_nan=False)


def test_jsonable_dates_durations_indexes_and_object_arrays():
    import datetime

    days = pd.date_range("2024-01-01", periods=2)
    out = jsonable({
        "index": days,
        "durations": pd.to_timedelta([90, None], unit="s"),
        "counts": pd.array([1, None], dtype="Int64"),
        "by_day": pd.Series([1, 2], index=days),
        "keys": {pd.Timestamp("2024-01-03"): 1, 7: 2},
        "python": datetime.timedelta(seconds=90),
        "numpy": np.timedelta64(90, "s"),
        "objects": np.array([1.0, np.inf, "a"], dtype=object),
    })
    assert json.loads(json.dumps(out, allow_nan=False)) == {
        "index": ["2024-01-01T00:00:00", "2024-01-02T00:00:00"],
        "durations": ["P0DT0H1M30S", None],
        "counts": [1, None],
        "by_day": {"2024-01-01T00:00:00": 1, "2024-01-02T00:00:00": 2},
        "keys": {"2024-01-03T00:00:00": 1, "7": 2},
        "python": "P0DT0H1M30S",
        "numpy": "P0DT0H1M30S",
        "objects": [1.0, None, "a"],
    }
