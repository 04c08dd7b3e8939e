"""Drift benchmark: a day's check of 30 features against a fitted reference.

100,000 x 30 reference against a 50,000 x 30 batch (``--quick``: 20,000 x 30 against 10,000 x 30),
with three features shifted by 0.1 SD. Side by side in one run:

- scimlkit ``DriftMonitor.check`` (profile already fitted), in this process;
- the plain recipe: a loop of ``scipy.stats.ks_2samp`` plus a 20-bin histogram Jensen-Shannon
  distance per column, in this process;
- alibi-detect's ``TabularDrift`` and Evidently's ``DataDriftPreset``, each in its own virtualenv
  under ``benchmarks/_out/`` (created from pinned requirements when missing, since they pin
  older NumPy / pandas than this project), reading the same data from Parquet in a subprocess.

Usage: ``python benchmarks/drift.py [--quick] [--no-anchors]``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial.distance import jensenshannon

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_time, machine, markdown_table, save_results, versions  # noqa: E402
from scimlkit.drift import DriftMonitor  # noqa: E402

OUT = Path(__file__).resolve().parent / "_out"
ANCHORS = {
    "alibi-detect": ["alibi-detect==0.13.0", "pyarrow==17.0.0"],  # pyarrow 26 does not load with its NumPy 1.26
    "evidently": ["evidently==0.7.23", "pandas==2.3.3", "pyarrow==26.0.1"],
}

_ANCHOR_SCRIPT = {
    "alibi-detect": """
        import json, sys, time, warnings
        warnings.filterwarnings("ignore")
        import numpy as np, pandas as pd
        from importlib.metadata import version
        ref = pd.read_parquet(sys.argv[1]); cur = pd.read_parquet(sys.argv[2])
        from alibi_detect.cd import TabularDrift
        x_ref, x_cur = ref.to_numpy(np.float32), cur.to_numpy(np.float32)
        t0 = time.perf_counter()
        detector = TabularDrift(x_ref, p_val=0.05, correction="bonferroni")
        t_init = time.perf_counter() - t0
        times = []
        for _ in range(int(sys.argv[3])):
            t0 = time.perf_counter()
            out = detector.predict(x_cur, drift_type="feature")
            times.append(time.perf_counter() - t0)
        flagged = [c for c, d in zip(ref.columns, np.atleast_1d(out["data"]["is_drift"])) if d]
        print(json.dumps({"seconds": min(times), "setup": t_init, "flagged": flagged,
                          "version": "alibi-detect " + version("alibi-detect") + ", numpy " + np.__version__}))
    """,
    "evidently": """
        import json, sys, time, warnings
        warnings.filterwarnings("ignore")
        import numpy as np, pandas as pd
        from importlib.metadata import version
        ref = pd.read_parquet(sys.argv[1]); cur = pd.read_parquet(sys.argv[2])
        from evidently import Report
        from evidently.presets import DataDriftPreset
        times = []
        for _ in range(int(sys.argv[3])):
            t0 = time.perf_counter()
            snapshot = Report([DataDriftPreset()]).run(cur, ref)
            result = snapshot.dict()
            times.append(time.perf_counter() - t0)
        flagged = []
        for metric in result["metrics"]:
            name, cfg = metric["metric_name"], metric.get("config", {})
            if name.startswith("ValueDrift(") and "threshold" in cfg:
                value = float(metric["value"])
                p_value_method = "p_value" in name
                drift = value < cfg["threshold"] if p_value_method else value >= cfg["threshold"]
                if drift:
                    flagged.append(cfg["column"])
        print(json.dumps({"seconds": min(times), "setup": 0.0, "flagged": flagged,
                          "version": "evidently " + version("evidently") + ", pandas " + pd.__version__}))
    """,
}


def make_data(n_ref: int, n_cur: int, seed: int = 0):
    """30 features: 20 normal, 5 log-normal, 5 integer counts; 3 shifted by 0.1 SD in the batch."""
    gen = np.random.default_rng(seed)

    def draw(n):
        cols = {}
        for i in range(20):
            cols[f"n{i:02d}"] = gen.normal(10 * i, 1 + i / 10, n)
        for i in range(5):
            cols[f"l{i}"] = gen.lognormal(0, 0.5 + i / 5, n)
        for i in range(5):
            cols[f"p{i}"] = gen.poisson(3 + 4 * i, n).astype(float)
        return pd.DataFrame(cols)

    ref, cur = draw(n_ref), draw(n_cur)
    for name in ("n00", "n05", "l0"):
        cur[name] += 0.1 * ref[name].std()
    return ref, cur, ["n00", "n05", "l0"]


def plain_recipe(ref: pd.DataFrame, cur: pd.DataFrame, alpha: float = 0.05):
    """A loop of ks_2samp plus a histogram JSD per column, Bonferroni-corrected."""
    flagged = []
    for name in ref.columns:
        a, b = ref[name].to_numpy(), cur[name].to_numpy()
        res = stats.ks_2samp(a, b)
        edges = np.histogram_bin_edges(np.r_[a, b], bins=20)
        jensenshannon(np.histogram(a, edges)[0], np.histogram(b, edges)[0], base=2)
        if res.pvalue < alpha / ref.shape[1]:
            flagged.append(name)
    return flagged


def ensure_venv(name: str) -> tuple[Path | None, str]:
    """The anchor's virtualenv python, created from pinned requirements when missing."""
    venv = OUT / f"venv-{name.split('-')[0]}"
    python = venv / "bin" / "python"
    stamp = venv / ".requirements"
    wanted = "\n".join(ANCHORS[name])
    if python.exists() and (not stamp.exists() or stamp.read_text() == wanted):
        if not stamp.exists():
            check = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                                    *ANCHORS[name]], capture_output=True, text=True)
            if check.returncode != 0:
                return None, f"pip install failed: {check.stderr.strip().splitlines()[-1:]}"
            stamp.write_text(wanted)
        return python, "existing venv"
    print(f"   creating {venv.name} ({', '.join(ANCHORS[name])}) ...", flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
    if made.returncode != 0:
        return None, f"venv creation failed: {made.stderr.strip()[:200]}"
    inst = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *ANCHORS[name]],
                          capture_output=True, text=True)
    if inst.returncode != 0:
        tail = [line for line in inst.stderr.splitlines() if line.strip() and not line.startswith("WARNING")]
        return None, f"pip install failed: {' '.join(tail[-1:])[:200]}"
    stamp.write_text(wanted)
    return python, "new venv"


def run_anchor(name: str, ref_path: Path, cur_path: Path, repeat: int, timeout: float) -> dict:
    python, how = ensure_venv(name)
    if python is None:
        return {"error": how}
    script = OUT / f"drift_anchor_{name}.py"
    script.write_text(textwrap.dedent(_ANCHOR_SCRIPT[name]))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    try:
        proc = subprocess.run([str(python), str(script), str(ref_path), str(cur_path), str(repeat)],
                              capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout:.0f} s"}
    if proc.returncode != 0:
        tail = [line for line in proc.stderr.splitlines() if line.strip()]
        return {"error": f"failed: {' '.join(tail[-1:])[:200]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    anchors = "--no-anchors" not in argv
    n_ref, n_cur = (20_000, 10_000) if quick else (100_000, 50_000)
    repeat = 3 if quick else 5
    ref, cur, shifted = make_data(n_ref, n_cur)
    print(f"drift benchmark: reference {n_ref:,} x 30, batch {n_cur:,} x 30 (shifted: {', '.join(shifted)})", flush=True)

    t0 = time.perf_counter()
    monitor = DriftMonitor(sample_size=5000, rng=0).fit(ref)
    fit_s = time.perf_counter() - t0
    OUT.mkdir(parents=True, exist_ok=True)
    profile_file = monitor.save(OUT / "drift_profile.npz")
    profile_bytes = profile_file.stat().st_size
    check_s = best_time(lambda: monitor.check(cur), repeat=repeat)
    report = monitor.check(cur)
    tracemalloc.start()
    monitor.check(cur)
    peak_check = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    tracemalloc.start()
    DriftMonitor(sample_size=5000, rng=0).fit(ref)
    peak_fit = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    exact_d = np.array([stats.ks_2samp(ref[c], cur[c]).statistic for c in ref.columns])
    max_err = float(np.max(np.abs(report.table["statistic"].to_numpy() - exact_d)))
    print(f"   scimlkit check {check_s:.3f} s; flagged {report.drifted()}", flush=True)

    plain_s = best_time(lambda: plain_recipe(ref, cur), repeat=max(2, repeat - 2))
    plain_flagged = plain_recipe(ref, cur)
    print(f"   plain recipe {plain_s:.3f} s; flagged {plain_flagged}", flush=True)

    rows = [
        {"tool": "scimlkit DriftMonitor.check", "where": "this venv", "seconds": check_s, "x slower than scimlkit": 1.0,
         "flagged": ", ".join(report.drifted())},
        {"tool": "plain recipe (ks_2samp + histogram JSD loop)", "where": "this venv", "seconds": plain_s,
         "x slower than scimlkit": plain_s / check_s, "flagged": ", ".join(plain_flagged)},
    ]
    notes = []
    if anchors:
        data_dir = OUT / "drift_data"
        data_dir.mkdir(parents=True, exist_ok=True)
        ref_path, cur_path = data_dir / f"ref_{n_ref}.parquet", data_dir / f"cur_{n_cur}.parquet"
        ref.to_parquet(ref_path)
        cur.to_parquet(cur_path)
        for name, label in (("alibi-detect", "alibi-detect TabularDrift (KS, Bonferroni)"),
                            ("evidently", "Evidently DataDriftPreset")):
            print(f"   running {name} ...", flush=True)
            res = run_anchor(name, ref_path, cur_path, repeat=1 if name == "evidently" else max(1, repeat - 2),
                             timeout=1800)
            if "error" in res:
                rows.append({"tool": label, "where": f"own venv ({name})", "seconds": float("nan"),
                             "x slower than scimlkit": float("nan"), "flagged": f"cannot run: {res['error']}"})
                notes.append(f"{label}: cannot run ({res['error']})")
            else:
                rows.append({"tool": label, "where": f"own venv ({res['version']})", "seconds": res["seconds"],
                             "x slower than scimlkit": res["seconds"] / check_s,
                             "flagged": ", ".join(res["flagged"]) if len(res["flagged"]) <= 8
                             else f"{len(res['flagged'])} columns"})
                print(f"   {name} {res['seconds']:.3f} s", flush=True)

    table = markdown_table(rows, ["tool", "where", "seconds", "x slower than scimlkit", "flagged"])
    facts = markdown_table([
        {"quantity": "profile fit (100k x 30 -> profile)" if not quick else "profile fit", "value": f"{fit_s:.2f} s"},
        {"quantity": "profile file size", "value": f"{profile_bytes / 2**20:.2f} MiB"},
        {"quantity": "profile in memory (arrays + 5,000-row sample)", "value": f"{monitor.profile_.nbytes() / 2**20:.2f} MiB"},
        {"quantity": "peak traced memory of one check", "value": f"{peak_check / 2**20:.1f} MiB"},
        {"quantity": "peak traced memory of fit", "value": f"{peak_fit / 2**20:.1f} MiB"},
        {"quantity": "largest error of the profile KS statistic against exact ks_2samp", "value": f"{max_err:.2e} (bound 5e-4)"},
        {"quantity": "raw reference data in memory", "value": f"{ref.memory_usage(deep=True).sum() / 2**20:.1f} MiB"},
    ], ["quantity", "value"])
    ratio_plain = plain_s / check_s
    ev = next((r for r in rows if r["tool"].startswith("Evidently")), None)
    targets = [f"- check vs plain recipe: {ratio_plain:.1f}x faster (target 5x: {'met' if ratio_plain >= 5 else 'not met'})"]
    if ev is not None and ev["seconds"] == ev["seconds"]:
        r = ev["seconds"] / check_s
        targets.append(f"- check vs Evidently: {r:.0f}x faster (target 50x: {'met' if r >= 50 else 'not met'})")
    else:
        targets.append("- check vs Evidently: not measured (see the table)")
    text = "\n".join([
        f"## drift ({'quick' if quick else 'full'}): reference {n_ref:,} x 30 vs batch {n_cur:,} x 30",
        "",
        "Three of 30 features shifted by 0.1 SD (n00, n05, l0); 20 normal, 5 log-normal, 5 integer-count "
        "features. Times are the best of several runs of one check (the reference is fitted beforehand; "
        "alibi-detect's detector is built beforehand, Evidently has no separate fit step). The anchors run in "
        "their own virtualenvs (they pin older NumPy / pandas), single-threaded BLAS/OpenMP, reading the same "
        "data from Parquet.",
        "",
        table,
        "",
        facts,
        "",
        *targets,
        *(f"- {n}" for n in notes),
        "",
        f"Machine: {machine()}; load average during the run {os.getloadavg()[0]:.1f} "
        "(the machine is shared; every row above ran in the same minutes)",
        f"Versions: {versions('scimlkit', 'numpy', 'scipy', 'pandas')}",
    ])
    print(text)
    path = save_results("drift-quick" if quick else "drift", text)  # a quick run keeps the full table
    print(f"\nsaved to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
