"""A bounded HTTP load generator for one SPARQL query, meant to run in its own process.

`concurrency` threads each hold one keep-alive connection and send ``GET <path>?query=...`` until
`requests` answers are in or `seconds` have passed, whichever comes first. Every request has the
remaining wall time as its socket timeout, so the process always ends in about `seconds`.
Prints one JSON object: latencies (ms) of successful requests, error count and kinds, wall time.

    .venv/bin/python -m benchmarks.loadgen --url http://127.0.0.1:7878/query --query-file q.rq \
        --concurrency 8 --requests 200 --seconds 10
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
import urllib.parse
from collections import Counter


def run(url: str, query: str, accept: str, concurrency: int, requests: int, seconds: float,
        warmup: int = 1) -> dict:
    parts = urllib.parse.urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the load generator only talks to loopback servers")
    target = f"{parts.path or '/'}?{urllib.parse.urlencode({'query': query})}"
    headers = {"Accept": accept}
    lock = threading.Lock()
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    issued = 0
    end = time.perf_counter() + seconds

    def connect(timeout: float) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(parts.hostname, parts.port, timeout=max(0.05, timeout))

    def one(conn: http.client.HTTPConnection) -> tuple[http.client.HTTPConnection, float | None, str | None]:
        remaining = end - time.perf_counter()
        if conn.sock is not None:
            conn.sock.settimeout(max(0.05, remaining))
        conn.timeout = max(0.05, remaining)
        t = time.perf_counter()
        try:
            conn.request("GET", target, headers=headers)
            resp = conn.getresponse()
            resp.read()
            dt = time.perf_counter() - t
            if resp.status != 200:
                return conn, None, f"HTTP {resp.status}"
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = connect(end - time.perf_counter())
            return conn, dt, None
        except Exception as e:  # noqa: BLE001 - any failure is one counted error, the run goes on
            conn.close()
            return connect(end - time.perf_counter()), None, type(e).__name__

    # warm-up, not counted: first-request costs (imports, caches, connection set-up)
    conn = connect(seconds)
    for _ in range(warmup):
        conn, _, _ = one(conn)
    conn.close()
    end = time.perf_counter() + seconds
    start = time.perf_counter()

    def worker() -> None:
        nonlocal issued
        conn = connect(seconds)
        while True:
            with lock:
                if issued >= requests or time.perf_counter() >= end:
                    break
                issued += 1
            conn, dt, err = one(conn)
            with lock:
                if err is None:
                    latencies.append(dt * 1000)
                else:
                    errors[err] += 1
        conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=max(0.0, end - time.perf_counter()) + 2.0)
    wall = time.perf_counter() - start
    with lock:
        unfinished = issued - len(latencies) - sum(errors.values())
        if unfinished > 0:
            errors["unfinished"] += unfinished
        return {"latencies_ms": list(latencies), "errors": sum(errors.values()), "error_kinds": dict(errors),
                "wall_s": wall, "concurrency": concurrency}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--query-file", required=True)
    ap.add_argument("--accept", default="application/sparql-results+json")
    ap.add_argument("--concurrency", type=int, default=1)
    ap.add_argument("--requests", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args(argv)
    with open(args.query_file, encoding="utf-8") as f:
        query = f.read()
    out = run(args.url, query, args.accept, args.concurrency, args.requests, args.seconds)
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
