"""``drift.write_report``: the HTML report of one check, from Python."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scimlkit import InputError
from scimlkit.drift import DriftHistory, DriftMonitor, write_report


@pytest.fixture(scope="module")
def checked():
    gen = np.random.default_rng(0)
    ref = pd.DataFrame({"x": gen.normal(size=4000), "y": gen.normal(size=4000),
                        "plan": gen.choice(["a", "b"], 4000)})
    monitor = DriftMonitor(rng=0).fit(ref)
    batch = pd.DataFrame({"x": gen.normal(0.6, 1, 800), "y": gen.normal(size=800),
                          "plan": gen.choice(["a", "b"], 800, p=[0.2, 0.8])})
    return monitor, batch


def test_report_draws_the_drifted_columns_and_the_history(checked, tmp_path):
    monitor, batch = checked
    history = DriftHistory(tmp_path / "h.db")
    for day in ("d1", "d2"):
        report = monitor.check(batch, batch=day, store=history)
    assert sorted(report.drifted()) == ["plan", "x"]
    path = write_report(report, tmp_path / "r.html", reference=monitor, current=batch, history=history,
                        title="inputs")
    text = path.read_text()
    assert "<title>inputs</title>" in text
    assert text.count("Drifted column") == 2 and "Health score of every recorded check" in text
    assert text.count("<svg") == 3
    # the profile alone, the history as a frame; without a batch only the tables
    path = write_report(report, tmp_path / "r2", reference=monitor.profile_, current=batch,
                        history=history.history())
    assert path.read_text().count("<svg") == 3
    assert write_report(report, tmp_path / "r3.html").read_text().count("<svg") == 0


def test_bad_input_is_named(checked, tmp_path):
    monitor, batch = checked
    report = monitor.check(batch)
    with pytest.raises(InputError, match="`report` must be a DriftReport"):
        write_report(monitor, tmp_path / "r.html")
    with pytest.raises(InputError, match="`current` needs `reference`"):
        write_report(report, tmp_path / "r.html", current=batch)
    with pytest.raises(InputError, match="not fitted"):
        write_report(report, tmp_path / "r.html", reference=DriftMonitor(), current=batch)
    with pytest.raises(InputError, match="lacks the checked column"):
        write_report(report, tmp_path / "r.html", reference=monitor, current=batch.drop(columns="y"))
    with pytest.raises(InputError, match="`history` must be"):
        write_report(report, tmp_path / "r.html", history=[1, 2])
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match="existing file"):
        write_report(report, tmp_path / "f")
    assert not (tmp_path / "r.html").exists()


def test_histogram_of_a_discrete_column_uses_the_reference_bins():
    # bins are right-closed (a value equal to a knot is in the bin it closes): a batch equal to
    # the reference draws the same histogram (left-closed bins drew it one value to the right)
    from scimlkit.drift._report import _numeric_figure

    values = np.random.default_rng(0).poisson(6, 3000).astype(float)
    monitor = DriftMonitor().fit(pd.DataFrame({"n": values}))
    fig = _numeric_figure(monitor.profile_.columns["n"], values, "n")
    ref, cur = (patch.get_data().values for patch in fig.axes[0].patches)
    np.testing.assert_allclose(cur, ref, rtol=1e-12)
