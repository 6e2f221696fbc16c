"""``dmkg serve --backend`` against ``oxigraph serve`` direct, and two replicas against one, in one run.

Usage (about 2 minutes; needs a built store, `dmkg build`)::

    .venv/bin/python -m benchmarks.backend [--store build/store] [--seconds 4] [--out benchmarks/BACKEND.md]

Three set-ups over the same published release (``dmkg publish`` into each ``oxigraph serve``):
``oxigraph serve`` asked directly (the query carries ``FROM <…/graph/default>``, which is what the
front end's ``default-graph-uri`` amounts to), ``dmkg serve --backend`` over that one server, and
``dmkg serve --backend A --backend B`` over two; ``dmkg serve --store`` over the same build gives the
local store's figure for reference. Every cell is one ``benchmarks.loadgen`` process
(keep-alive clients, bounded in requests and time); the figures are ratios of throughputs measured one
after the other in this run, never absolute times from another run.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from benchmarks.common import OXIGRAPH, PYTHON, REPO, free_port
from kg.paths import default_store
from kg.publish import DEFAULT_GRAPH, publish

EFALIZUMAB = "https://w3id.org/dmkg/id/efalizumab"
QUERIES = {
    "point-lookup": f"SELECT ?p ?o WHERE {{ <{EFALIZUMAB}> ?p ?o }}",
    "label-search": "SELECT ?s ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l "
    'FILTER(CONTAINS(LCASE(STR(?l)), "cd")) }',
    "two-hop": "PREFIX dmkg: <https://w3id.org/dmkg/vocab/> SELECT ?drug ?t ?l WHERE { "
    "?drug dmkg:hasTarget ?t . ?t <http://www.w3.org/2000/01/rdf-schema#label> ?l }",
    "group-count": "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n) ?c",
}
CONCURRENCY = (1, 8)


def _wait(url: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout_s} s")


def _start(command: list[str], probe: str, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        command, stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=REPO, start_new_session=True
    )
    try:
        _wait(probe)
    except RuntimeError:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    return process


def _stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def _oxigraph(work: Path, store: Path, name: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = _start(
        [str(OXIGRAPH), "serve", "--location", str(work / name), "--bind", f"127.0.0.1:{port}"],
        base + "/query?" + urllib.parse.urlencode({"query": "ASK {}"}),
        work / f"{name}.log",
    )
    publish(store, base + "/store", update_url=base + "/update")
    return process, base + "/query"


def _front(work: Path, backends: list[str], name: str, *extra: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [str(PYTHON), "-m", "server", "--port", str(port), "--timeout", "30", *extra]
    for url in backends:
        command += ["--backend", url]
    process = _start(command, f"http://127.0.0.1:{port}/health", work / f"{name}.log")
    return process, f"http://127.0.0.1:{port}/sparql"


def _cell(url: str, query: str, concurrency: int, seconds: float, work: Path) -> dict:
    query_file = work / "query.rq"
    query_file.write_text(query, encoding="utf-8")
    done = subprocess.run(
        [
            str(PYTHON),
            "-m",
            "benchmarks.loadgen",
            "--url",
            url,
            "--query-file",
            str(query_file),
            "--concurrency",
            str(concurrency),
            "--requests",
            "2000",
            "--seconds",
            str(seconds),
            "--drain",
            "5",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    out = json.loads(done.stdout)
    answered = len(out["latencies_ms"])
    latencies = sorted(out["latencies_ms"]) or [float("nan")]
    return {
        "rps": answered / out["wall_s"] if out["wall_s"] else 0.0,
        "errors": out["errors"] + out["cut_off"],
        "p50_ms": latencies[len(latencies) // 2],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, default=None, help="store to publish (default: build/store)")
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "BACKEND.md")
    args = ap.parse_args(argv)
    store = args.store or default_store()
    work = Path(tempfile.mkdtemp(prefix="dmkg-bench-backend-"))
    processes: list[subprocess.Popen] = []
    results: dict[str, dict] = {}
    try:
        ox_a, url_a = _oxigraph(work, store, "oxigraph-a")
        ox_b, url_b = _oxigraph(work, store, "oxigraph-b")
        processes += [ox_a, ox_b]
        local, local_url = _front(work, [], "local", "--store", str(store))
        processes.append(local)
        one, one_url = _front(work, [url_a], "front-one")
        two, two_url = _front(work, [url_a, url_b], "front-two")
        processes += [one, two]
        for name, query in QUERIES.items():
            direct_query = query.replace(" WHERE", f" FROM <{DEFAULT_GRAPH}> WHERE", 1)
            for c in CONCURRENCY:
                results[f"{name} c={c}"] = {
                    "oxigraph": _cell(url_a, direct_query, c, args.seconds, work),
                    "local": _cell(local_url, query, c, args.seconds, work),
                    "front-one": _cell(one_url, query, c, args.seconds, work),
                    "front-two": _cell(two_url, query, c, args.seconds, work),
                }
    finally:
        for process in processes:
            _stop(process)
    args.out.write_text(_report(results, args.seconds), encoding="utf-8")
    print(args.out.read_text(encoding="utf-8"))
    return 0


def _report(results: dict[str, dict], seconds: float) -> str:
    lines = [
        "# `dmkg serve --backend` vs `oxigraph serve` direct; two replicas vs one",
        "",
        f"Written by `python -m benchmarks.backend --seconds {seconds:g}` (all cells in one run, one after",
        "the other, on the seed build published into each `oxigraph serve`; cpus: "
        f"{os.cpu_count()}, load average at the end: {os.getloadavg()[0]:.2f}).",
        "",
        "| query | oxigraph direct req/s | front end, 1 replica req/s | front end, 2 replicas req/s "
        "| front/direct | 2 replicas/1 | dmkg serve --store req/s | p50 ms direct / front | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for cell, r in results.items():
        ox, one, two, local = r["oxigraph"], r["front-one"], r["front-two"], r["local"]
        lines.append(
            f"| {cell} | {ox['rps']:.0f} | {one['rps']:.0f} | {two['rps']:.0f} | "
            f"{one['rps'] / ox['rps']:.2f} | {two['rps'] / one['rps']:.2f} | {local['rps']:.0f} | "
            f"{ox['p50_ms']:.1f} / {one['p50_ms']:.1f} | "
            f"{ox['errors'] + one['errors'] + two['errors'] + local['errors']} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
