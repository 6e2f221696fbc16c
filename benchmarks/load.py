"""Load time and peak RSS: dmkg's store loader (``kg.store.load_store``) vs the Rust ``oxigraph load``.

Each loader runs in its own child process on the same N-Quads file, one after the other, and the
child's peak RSS comes from ``os.wait4`` (the kernel's ru_maxrss of that child only). The ratio
dmkg/oxigraph is computed within the same run, so machine noise hits both sides alike.

    .venv/bin/python -m benchmarks.load benchmarks/data/g-1e5.nq --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import OXIGRAPH, PYTHON, REPO, count_lines

# dmkg's build hands load_store the path of its N-Quads dump (kg/build.py); pyoxigraph streams it,
# as `oxigraph load` does.
_DMKG_CHILD = """
import sys, time
from pathlib import Path
from kg.store import load_store
t = time.perf_counter()
load_store(Path(sys.argv[1]), Path(sys.argv[2]))
print(time.perf_counter() - t)
"""


def _run(cmd: list[str], timeout: float) -> tuple[float, int]:
    """Run `cmd`, return (wall seconds, peak RSS bytes of that child); raise on failure or timeout."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            raise TimeoutError(f"{cmd[0]} exceeded {timeout:.0f}s")
        time.sleep(0.02)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-2000:]}")
    return wall, usage.ru_maxrss * 1024  # Linux reports KiB


def load_dmkg(nq: Path, link: Path, timeout: float) -> tuple[float, int]:
    """Bulk-load with dmkg's loader into `link` (a store symlink, as build/store is)."""
    return _run([str(PYTHON), "-c", _DMKG_CHILD, str(nq), str(link)], timeout)


def load_oxigraph(nq: Path, location: Path, timeout: float) -> tuple[float, int]:
    shutil.rmtree(location, ignore_errors=True)
    return _run([str(OXIGRAPH), "load", "--location", str(location), "--file", str(nq)], timeout)


def measure(nq: Path, work: Path, repeat: int = 1, timeout: float = 600.0) -> dict:
    """Alternate the two loaders `repeat` times; keep the last stores (work/dmkg/store, work/oxigraph)."""
    quads = count_lines(nq)
    rows: dict[str, list[tuple[float, int]]] = {"dmkg": [], "oxigraph": []}
    for _ in range(repeat):
        shutil.rmtree(work / "dmkg", ignore_errors=True)
        (work / "dmkg").mkdir(parents=True)
        rows["dmkg"].append(load_dmkg(nq, work / "dmkg" / "store", timeout))
        rows["oxigraph"].append(load_oxigraph(nq, work / "oxigraph", timeout))
    out: dict = {"file": str(nq), "quads": quads, "repeat": repeat}
    for name, runs in rows.items():
        secs = statistics.median(r[0] for r in runs)
        out[name] = {"seconds": secs, "triples_per_s": quads / secs,
                     "peak_rss_mib": max(r[1] for r in runs) / 2**20, "runs_s": [r[0] for r in runs]}
    out["ratio_triples_per_s"] = out["dmkg"]["triples_per_s"] / out["oxigraph"]["triples_per_s"]
    out["ratio_peak_rss"] = out["dmkg"]["peak_rss_mib"] / out["oxigraph"]["peak_rss_mib"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("nquads", type=Path)
    ap.add_argument("--work", type=Path, default=REPO / "benchmarks" / "work" / "load")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=600.0, help="per-load limit in seconds")
    args = ap.parse_args(argv)
    print(json.dumps(measure(args.nquads, args.work, args.repeat, args.timeout), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
