"""The main job: every available chapter runs (quick mode) and lands in one report."""

import importlib
import json

import pytest

from scimlkit import MODULES
from scimlkit._demo import run_demo
from scimlkit.cli import main


def _has_demo(name):
    try:
        importlib.import_module(f"scimlkit.{name}._demo")
    except ModuleNotFoundError:
        return False
    return True


AVAILABLE = [m for m in MODULES if _has_demo(m)]


@pytest.mark.parametrize("name", AVAILABLE)
def test_chapter_renders(tmp_path, name, capsys):
    summary = run_demo(tmp_path, only=[name], quick=True, seed=1)
    (chapter,) = summary["chapters"]
    assert chapter["key"] == name and chapter["summary"], "a chapter prints at least one summary line"
    html = (tmp_path / "index.html").read_text()
    assert f'id="{name}"' in html and "<svg" in html
    assert "Report written to" in capsys.readouterr().out


def test_demo_cli_json(tmp_path, capsys):
    only = ",".join(AVAILABLE[:1]) or "experiment"
    if not AVAILABLE:
        pytest.skip("no chapter available")
    assert main(["demo", "--quick", "--only", only, "--out", str(tmp_path / "r"), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["report"].endswith("index.html") and out["chapters"]
