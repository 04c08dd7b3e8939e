"""Run every module's benchmark in turn (``make bench``).

Each ``benchmarks/<module>.py`` runs scimlkit and its anchors side by side in one process and
prints a table of ratios; it also writes that table to ``benchmarks/results/<module>.md``.
``benchmarks/README.md`` holds the latest tables with the machine and versions.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ("experiment", "tune", "tune_pruning", "tune_conditional", "tune_warm", "drift", "calibrate", "curves")


INTRO = """# Benchmarks

Each script runs scimlkit and the libraries users would otherwise pick (the anchors) side by side
in one process and prints ratios. `make bench` runs them all and rewrites this file from
`results/<module>.md`; `python benchmarks/<module>.py --quick` runs a small version of one.
The tables below are the latest full runs, each with its machine and versions.
"""


def collect() -> Path:
    """Rewrite ``benchmarks/README.md`` from the saved ``results/<module>.md`` tables."""
    parts = [INTRO]
    for name in ORDER:
        result = HERE / "results" / f"{name}.md"
        if result.exists():
            parts.append(result.read_text(encoding="utf-8").strip())
        else:
            parts.append(f"### {name}\n\nNo saved result yet.")
    readme = HERE / "README.md"
    readme.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return readme


def main(argv: list[str]) -> int:
    if argv == ["--collect"]:
        print(f"wrote {collect()}")
        return 0
    wanted = [a for a in argv if not a.startswith("-")] or list(ORDER)
    flags = [a for a in argv if a.startswith("-")]
    failed = []
    for name in wanted:
        script = HERE / f"{name}.py"
        if not script.exists():
            print(f"-- {name}: no benchmark script, skipped")
            continue
        print(f"\n==== {name} ====", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call([sys.executable, str(script), *flags])
        print(f"==== {name}: exit {rc}, {time.perf_counter() - t0:.0f} s", flush=True)
        if rc != 0:
            failed.append(name)
    if "--quick" not in flags:
        print(f"wrote {collect()}")
    if failed:
        print(f"benchmarks that failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
