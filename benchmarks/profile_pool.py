"""Profile dmkg serve's query path through ``server.executor.WorkerPool`` with py-spy (if installed).

8 client threads send one query through a 2-worker pool for a few seconds, under
``py-spy record --subprocesses``; the raw stacks are summarised per process (web side vs workers) and
by leaf function, which shows whether the workers or the dispatching process is the bottleneck.

    .venv/bin/python -m benchmarks.profile_pool benchmarks/work/<graph>/dmkg/store --query point-lookup
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.common import PYTHON, REPO


def _child(store: str, query: str, seconds: float, clients: int) -> None:
    from benchmarks.queries import STANDARD
    from server.executor import QueryTask, WorkerPool

    q = next(q for q in STANDARD if q.name == query)
    pool = WorkerPool(store, 2)
    task = QueryTask(q.sparql, results_type="application/sparql-results+json", graph_type="text/turtle")
    end = time.perf_counter() + seconds
    done = [0]

    def client() -> None:
        while time.perf_counter() < end:
            pool.run(task, 30.0)
            done[0] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    pool.close()
    print(json.dumps({"rps": done[0] / seconds}))


def summarise(raw: Path) -> dict:
    by_proc: collections.Counter[str] = collections.Counter()
    leaves: collections.Counter[tuple[str, str]] = collections.Counter()
    inclusive: collections.Counter[tuple[str, str]] = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, n = line.rsplit(" ", 1)
        frames = stack.split(";")
        procs = [f for f in frames if f.startswith("process ")]
        kind = "worker" if "_worker_main" in stack else ("web" if len(procs) == 1 else "other")
        by_proc[kind] += int(n)
        code = [re.sub(r":\d+\)", ")", f) for f in frames if not f.startswith("process ")]
        leaves[(kind, code[-1] if code else "<native>")] += int(n)
        for f in set(code):
            inclusive[(kind, f)] += int(n)
    return {"samples": dict(by_proc),
            "top_leaves": [[k[0], k[1], v] for k, v in leaves.most_common(12)],
            "inclusive": [[k[0], k[1], v] for k, v in inclusive.most_common(60)
                          if "server/executor.py" in k[1] or "connection.py" in k[1]][:16]}


def profile(store: Path, query: str, seconds: float, clients: int = 8) -> dict:
    pyspy = shutil.which("py-spy", path=str(PYTHON.parent)) or shutil.which("py-spy")
    if pyspy is None:
        return {"error": "py-spy is not installed (pip install py-spy)"}
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.txt"
        cmd = [pyspy, "record", "--subprocesses", "--rate", "250", "--format", "raw", "-o", str(raw), "--",
               str(PYTHON), "-m", "benchmarks.profile_pool", "--child", str(store), "--query", query,
               "--seconds", str(seconds), "--clients", str(clients)]
        r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=seconds + 90)
        if r.returncode != 0 or not raw.exists():
            return {"error": (r.stderr.strip().splitlines() or ["py-spy failed"])[-1]}
        out = summarise(raw)
    rps = re.search(r'\{"rps": ([0-9.]+)\}', r.stdout)
    out.update({"query": query, "clients": clients, "seconds": seconds,
                "rps_under_profiler": float(rps.group(1)) if rps else None})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--query", default="point-lookup")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(str(args.store), args.query, args.seconds, args.clients)
        return 0
    print(json.dumps(profile(args.store, args.query, args.seconds, args.clients), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
