"""The main job: a guided end-to-end run over every module, written to one HTML report.

Each module contributes a chapter from its ``_demo.py``, a function ``run(*, rng, quick)``
returning a :class:`~scimlkit._report.Chapter`. Chapters use only data that ships with
scikit-learn (or data generated from a seed), so the demo runs offline.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

import numpy as np

from . import MODULES
from ._errors import InputError
from ._progress import progress
from ._report import check_report_path, render_report
from ._validation import check_int

__all__ = ["run_demo"]


def _available(only):
    names = []
    for name in MODULES:
        try:
            importlib.import_module(f"scimlkit.{name}._demo")
        except ModuleNotFoundError as exc:
            if exc.name in (f"scimlkit.{name}", f"scimlkit.{name}._demo"):
                continue
            raise
        names.append(name)
    if only:
        unknown = [m for m in only if m not in MODULES]
        if unknown:
            raise InputError(f"`--only` names unknown chapter(s) {unknown}; choose among {', '.join(MODULES)}")
        names = [m for m in names if m in only]
    return names


def run_demo(out: str | Path = "scimlkit-report", *, only=None, quick: bool = False, seed: int = 0,
             stream=None) -> dict:
    """Run every available module's demo chapter and write ``out/index.html``.

    Returns a summary dictionary (chapters, seconds per chapter, summary lines, report path).
    The human-readable summary goes to ``stream`` (standard output by default).
    """
    stream = sys.stdout if stream is None else stream
    names = _available(only)
    seed = check_int(seed, "seed", low=0)
    if Path(out).is_file():  # the demo writes a folder (out/index.html), never over a file
        raise InputError(f"report folder '{out}' is an existing file; pass another --out")
    out = check_report_path(out)  # before the chapters run: a bad output should not cost the whole demo
    chapters, timings = [], {}
    start = time.perf_counter()
    print(f"scimlkit demo: {len(names)} chapter(s) on bundled data (seed {seed})", file=sys.stderr)
    with progress(total=len(names), description="demo") as bar:
        for name in names:
            t0 = time.perf_counter()
            module = importlib.import_module(f"scimlkit.{name}._demo")
            rng = np.random.default_rng([seed, MODULES.index(name)])  # same chapter, same draws, whatever --only says
            chapter = module.run(rng=rng, quick=quick)
            timings[name] = round(time.perf_counter() - t0, 2)
            chapters.append(chapter)
            print(f"\n== {chapter.title} ({timings[name]:.1f} s)", file=stream)
            for line in chapter.summary:
                print(f"  - {line}", file=stream)
            bar.advance(1, status=name)
    path = render_report(chapters, out, title="scimlkit demo report")
    total = time.perf_counter() - start
    print(f"\nReport written to {path} ({total:.1f} s in all)", file=stream)
    return {
        "report": str(path),
        "seconds": round(total, 2),
        "chapters": [{"key": c.key, "title": c.title, "seconds": timings[c.key], "summary": c.summary}
                     for c in chapters],
    }
