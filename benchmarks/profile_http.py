"""Where the web process of ``dmkg serve`` spends its CPU: py-spy on the running server under load.

Starts ``dmkg serve`` on a store (loopback, free port), drives one query at a given concurrency with
``benchmarks.loadgen`` (its own process) and meanwhile samples the *web process only* with
``py-spy record`` (idle threads, i.e. threads blocked in poll/read/lock waits, are not sampled, so
the samples are CPU). The stacks are summarised by inclusive share per component (waitress, Flask
and Werkzeug, the guard, the pool's pipe I/O, logging, ...) and by leaf function.

    .venv/bin/python -m benchmarks.profile_http benchmarks/work/<graph>/dmkg/store --query point-lookup
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
import time
from pathlib import Path

from benchmarks.common import PYTHON, REPO

# leaves that mean "this thread is blocked" (py-spy's idle detection misses some of them): not CPU
BLOCKED = re.compile(r"^(_Worker\.wait_reply|Condition\.wait|_PollLikeSelector\.select|"
                     r"Connection\._poll|wait |"
                     r"Thread\._wait_for_tstate_lock|_ConnectionBase\.poll|Event\.wait|"
                     r"ThreadedTaskDispatcher\.handler_thread|<native>)")

# component -> a pattern on a frame "function (file)"; a stack's samples count for every component
# with a matching frame (inclusive shares: they overlap where components nest)
COMPONENTS = [
    ("waitress (HTTP parsing, channels, socket I/O)", r"\(waitress/"),
    ("granian's WSGI glue (Python side; its Rust HTTP work is native, not sampled)", r"\(granian/"),
    ("the lean /sparql path (server/sparql_fast.py), whole", r"FastSparql\.__call__"),
    ("Flask/Werkzeug request handling (whole view dispatch)", r"Flask\.wsgi_app"),
    ("  the query service (server/query_service.py: guard, negotiation, engine)",
     r"\(server/query_service\.py"),
    ("    guard (server/guard.py)", r"\(server/guard\.py"),
    ("    WorkerPool.run (pickle, pipe write/read, unpickle)", r"WorkerPool\.run "),
    ("      pickling + writing the task", r"WorkerPool\._send |_ConnectionBase\.send_bytes"),
    ("      reading + unpickling the reply", r"_ConnectionBase\.recv_bytes"),
    ("    protocol parsing (server/protocol.py)", r"\(server/protocol\.py"),
    ("    content negotiation (server/formats.py)", r"\(server/formats\.py"),
    ("  access log + Server-Timing (server/accesslog.py)", r"\(server/accesslog\.py"),
    ("    logging module (the log line itself)", r"\(logging/__init__\.py"),
    ("  CORS (flask_cors)", r"\(flask_cors/"),
    ("  ETag, 304, compression (server/caching.py, flask_compress)",
     r"\(server/caching\.py|\(flask_compress/"),
]


def summarise(raw: Path) -> dict:
    total = blocked = 0
    inclusive: collections.Counter[str] = collections.Counter()
    leaves: collections.Counter[str] = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, n_txt = line.rsplit(" ", 1)
        n = int(n_txt)
        frames = [re.sub(r":\d+\)", ")", f) for f in stack.split(";")
                  if not f.startswith(("process ", "thread "))]
        leaf = frames[-1] if frames else "<native>"
        if BLOCKED.match(leaf):
            blocked += n
            continue
        total += n
        leaves[leaf] += n
        joined = "\n".join(frames)
        for name, pattern in COMPONENTS:
            if re.search(pattern, joined):
                inclusive[name] += n
    return {"samples": total, "blocked_samples": blocked,
            "components": [[name, inclusive.get(name, 0)] for name, _ in COMPONENTS],
            "top_leaves": [[k, v] for k, v in leaves.most_common(15)]}


def _web_process(pid: int) -> int:
    """The process that runs the WSGI app: `pid` under waitress, granian's worker (a child) under granian."""
    from benchmarks.cpu_per_request import _is_query_worker, _session

    children = [p for p in _session(pid) if p != pid and not _is_query_worker(p)]
    return children[0] if children else pid


def profile(store: Path, query: str, seconds: float, clients: int, workers: int | None = None,
            rate: int = 200, gil: bool = False) -> dict:
    from benchmarks.common import free_port
    from benchmarks.loadgen import run as _unused  # noqa: F401 - fail early if the module is broken
    from benchmarks.queries import STANDARD, _serve, dmkg_server_command

    pyspy = shutil.which("py-spy", path=str(PYTHON.parent)) or shutil.which("py-spy")
    if pyspy is None:
        return {"error": "py-spy is not installed (pip install py-spy)"}
    q = next(x for x in STANDARD if x.name == query)
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        port = free_port()
        cmd = dmkg_server_command(store, port, workers)
        if cmd is None:
            return {"error": "dmkg serve is not runnable"}
        with _serve("dmkg", cmd, "/sparql", port, tmpd / "serve.log", 60) as server:
            qfile = tmpd / "q.rq"
            qfile.write_text(q.sparql, encoding="utf-8")
            gen = subprocess.Popen(
                [str(PYTHON), "-m", "benchmarks.loadgen", "--url", server.url, "--query-file", str(qfile),
                 "--accept", q.accept, "--concurrency", str(clients), "--requests", "1000000",
                 "--seconds", str(seconds + 2), "--drain", "2", "--unique"],
                cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            time.sleep(1.0)  # warm-up, and the generator's threads are all sending
            raw = tmpd / "raw.txt"
            spy = [pyspy, "record", "--pid", str(_web_process(server.proc.pid)), "--rate", str(rate),
                   "--duration", str(int(seconds)), "--format", "raw", "-o", str(raw)]
            r = subprocess.run(spy + (["--gil"] if gil else []),
                               capture_output=True, text=True, timeout=seconds + 60)
            out_txt, _ = gen.communicate(timeout=seconds + 60)
            if r.returncode != 0 or not raw.exists():
                return {"error": (r.stderr.strip().splitlines() or ["py-spy failed"])[-1]}
            out = summarise(raw)
    data = json.loads(out_txt)
    out.update({"query": query, "clients": clients, "seconds": seconds, "rate": rate,
                "rps_under_profiler": len(data["latencies_ms"]) / data["wall_s"] if data["wall_s"] else 0})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--query", default="point-lookup")
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--gil", action="store_true", help="sample only the thread holding the GIL")
    args = ap.parse_args(argv)
    res = profile(args.store, args.query, args.seconds, args.clients, args.workers, gil=args.gil)
    print(json.dumps(res, indent=1))
    if "samples" in res:
        total = res["samples"] or 1
        print(f"\n{res['rps_under_profiler']:.0f} requests/s under the profiler; {total} CPU samples "
              f"({total / res['seconds'] / res['rate']:.0%} of one core), "
              f"{res['blocked_samples']} blocked", file=sys.stderr)
        for name, n in res["components"]:
            print(f"{n / total:6.1%}  {name}", file=sys.stderr)
        for leaf, n in res["top_leaves"]:
            print(f"{n / total:6.1%}  leaf {leaf}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
