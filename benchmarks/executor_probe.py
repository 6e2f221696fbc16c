"""Cost of dmkg serve's isolation layer alone: ``server.executor.WorkerPool.run`` vs the same
evaluation in-process (``server.worker.evaluate`` on a local read-only store), no HTTP, no Flask.

Both sides evaluate and serialise with pyoxigraph to bytes; the difference is the price of the worker
pool (pickling the task, the pipe round trip, copying the body back). Threads play the clients.

    .venv/bin/python -m benchmarks.executor_probe benchmarks/work/<graph>/dmkg/store --seconds 1
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from pathlib import Path


def _drive(call, concurrency: int, requests: int, seconds: float) -> dict:
    lat: list[float] = []
    lock = threading.Lock()
    issued = 0
    end = time.perf_counter() + seconds

    def worker() -> None:
        nonlocal issued
        while True:
            with lock:
                if issued >= requests or time.perf_counter() >= end:
                    return
                issued += 1
            t = time.perf_counter()
            call()
            with lock:
                lat.append((time.perf_counter() - t) * 1000)

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - start
    return {"p50_ms": statistics.median(lat), "rps": len(lat) / wall, "n": len(lat)}


def probe(store_path: Path, seconds: float, requests: int, concurrencies: tuple[int, ...],
          workers: int) -> dict:
    from pyoxigraph import Store

    from benchmarks.queries import STANDARD
    from server.executor import QueryTask, WorkerPool
    from server.worker import evaluate as _evaluate

    local = Store.read_only(str(store_path))
    pool = WorkerPool(str(store_path), workers)
    out = {}
    try:
        for q in STANDARD:
            task = QueryTask(q.sparql, results_type="application/sparql-results+json",
                             graph_type="text/turtle")
            row = {}
            for c in concurrencies:
                # pyoxigraph results are consumed in the thread that created them: _evaluate does both
                row[f"inproc@{c}"] = _drive(lambda t=task: _evaluate(local, t), c, requests, seconds)
                row[f"pool@{c}"] = _drive(lambda t=task: pool.run(t, 30.0), c, requests, seconds)
                row[f"ratio_rps@{c}"] = row[f"pool@{c}"]["rps"] / row[f"inproc@{c}"]["rps"]
            out[q.name] = row
    finally:
        pool.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--concurrency", type=lambda s: tuple(int(x) for x in s.split(",")), default=(1, 8))
    args = ap.parse_args(argv)
    res = probe(args.store, args.seconds, args.requests, args.concurrency, args.workers)
    for name, row in res.items():
        cells = "  ".join(
            f"c={c}: inproc {row[f'inproc@{c}']['p50_ms']:.2f}ms/{row[f'inproc@{c}']['rps']:.0f}rps"
            f" pool {row[f'pool@{c}']['p50_ms']:.2f}ms/{row[f'pool@{c}']['rps']:.0f}rps"
            f" ×{row[f'ratio_rps@{c}']:.2f}" for c in args.concurrency)
        print(f"{name:26s} {cells}", file=sys.stderr)
    json.dump(res, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
