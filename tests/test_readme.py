"""The README's examples do what its text says."""

import re
import shlex
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands():
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", README, re.S):
        lines += [line.split("#")[0].strip() for line in block.splitlines()]
    lines += re.findall(r"\| (scimlkit [^`]*)`", README)  # commands at the end of a pipe in the text
    return [part.strip() for line in lines for part in line.split("&&") if part.strip().startswith("scimlkit ")]


@pytest.mark.parametrize("command", _commands())
def test_every_command_in_the_readme_parses(command):
    from scimlkit.cli import build_parser

    args = build_parser().parse_args(shlex.split(command)[1:])
    assert callable(args.func)


def test_the_python_taste_prints_what_its_comments_say(tmp_path, monkeypatch, capsys):
    from sklearn.metrics import f1_score
    from statsmodels.stats.proportion import proportions_ztest

    block = README.split("<!-- taste:start -->")[1].split("```python")[1].split("```")[0]
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README.md", "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    lift, low, high, pvalue = map(float, lines[0].split())
    # "+8%, delta-method interval, z-test": proportions_ztest([1080, 1000], [10000, 10000])
    assert lift == pytest.approx(0.08) and low < lift < high
    assert pvalue == pytest.approx(proportions_ztest([1080, 1000], [10000, 10000])[1], rel=1e-9)
    assert lines[1] == "31234" and "# 31234 per arm" in block
    assert (tmp_path / "study.db").exists()
    threshold, value = map(float, lines[3].split())
    scores = [0.1, 0.6, 0.4, 0.8, 0.9]
    assert value == pytest.approx(f1_score([0, 0, 1, 1, 1], [int(s >= threshold) for s in scores]))
    assert value == pytest.approx(6 / 7)  # the best cut: every score but 0.1 predicts 1


def test_the_readme_names_no_private_function():
    import importlib

    import scimlkit

    public = {name for module in scimlkit.MODULES for name in importlib.import_module(f"scimlkit.{module}").__all__}
    private = {name for module in ("_io", "_validation", "_results", "_store", "_report")
               for name in getattr(importlib.import_module(f"scimlkit.{module}"), "__all__", [])}
    named = set(re.findall(r"`([A-Za-z_]\w*)(?:\(|`)", README))
    assert not (named & private) - public
