"""CPU time per request of each side of a server under load, from /proc (no profiler overhead).

Starts ``dmkg serve`` (or a constant-returning baseline from ``const_server.py``) on loopback, drives one
standard query with ``benchmarks.loadgen`` for a few seconds, and divides the CPU time (user + system)
that the web process and, for dmkg, its query workers used meanwhile by the number of answers.

    .venv/bin/python -m benchmarks.cpu_per_request STORE --query point-lookup --concurrency 8
    .venv/bin/python -m benchmarks.cpu_per_request STORE --server const-flask

Requests are unique (a trailing comment each, as in the headline benchmark); for ``oxigraph`` the
"web process" is the whole Rust server.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import PYTHON, REPO, free_port


def _stat(pid: int) -> tuple[float, float]:
    with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def _session(sid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[3]) == sid:
                        out.append(int(entry))
            except OSError:
                pass
    return out


def _is_query_worker(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"multiprocessing.forkserver" in f.read()
    except OSError:
        return False


def measure(store: Path, query: str, concurrency: int, seconds: float, server: str = "dmkg",
            extra: list[str] | None = None, unique: bool = True) -> dict:
    from benchmarks.common import OXIGRAPH
    from benchmarks.queries import STANDARD, _serve, dmkg_server_command

    q = next(x for x in STANDARD if x.name == query)
    port = free_port()
    path = "/sparql"
    if server == "dmkg":
        cmd = dmkg_server_command(store, port) + (extra or [])
    elif server == "oxigraph":
        cmd = [str(OXIGRAPH), "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}"]
        path = "/query"
    else:
        cmd = [str(PYTHON), "-m", "benchmarks.const_server", server.removeprefix("const-"), str(port), "8"]
    with tempfile.TemporaryDirectory() as tmp:
        with _serve(server, cmd, path, port, Path(tmp) / "serve.log", 60) as srv:
            qfile = Path(tmp) / "q.rq"
            qfile.write_text(q.sparql, encoding="utf-8")
            # the web side: the server process and (granian) its web worker; the query workers are the
            # children of multiprocessing's fork server, which carry its command line
            procs = _session(srv.proc.pid)
            others = [p for p in procs if _is_query_worker(p)]
            webs = [p for p in procs if p not in others]
            before = {p: _stat(p) for p in procs}
            r = subprocess.run(
                [str(PYTHON), "-m", "benchmarks.loadgen", "--url", srv.url, "--query-file", str(qfile),
                 "--accept", q.accept, "--concurrency", str(concurrency), "--requests", "10000000",
                 "--seconds", str(seconds), "--drain", "5", *(["--unique"] if unique else [])],
                cwd=REPO, capture_output=True, check=True)
            after = {p: _stat(p) for p in before if os.path.exists(f"/proc/{p}")}
    data = json.loads(r.stdout)
    n = len(data["latencies_ms"]) or 1
    web_user = sum(after[p][0] - before[p][0] for p in webs if p in after) * 1000 / n
    web_sys = sum(after[p][1] - before[p][1] for p in webs if p in after) * 1000 / n
    workers = sum(sum(after[p]) - sum(before[p]) for p in others if p in after) * 1000 / n
    return {"server": server, "query": query, "concurrency": concurrency, "rps": n / data["wall_s"],
            "web_user_ms": web_user, "web_sys_ms": web_sys, "workers_ms": workers, "errors": data["errors"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--query", default="point-lookup")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--server", default="dmkg", choices=["dmkg", "oxigraph", "const-flask", "const-wsgi",
                                                         "const-granian-flask", "const-granian-wsgi"])
    ap.add_argument("--serve-option", dest="extra", action="append", default=[],
                    help="one more dmkg serve argument (repeat), "
                         "e.g. --serve-option=--workers --serve-option=4")
    args = ap.parse_args(argv)
    res = measure(args.store, args.query, args.concurrency, args.seconds, args.server, args.extra)
    print(json.dumps(res))
    print(f"{res['server']} {res['query']} c={res['concurrency']}: {res['rps']:.0f} requests/s; CPU per "
          f"request: web process {res['web_user_ms']:.3f} ms user + {res['web_sys_ms']:.3f} ms system, "
          f"query workers {res['workers_ms']:.3f} ms", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
