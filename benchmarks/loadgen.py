"""A bounded HTTP load generator for one SPARQL query, meant to run in its own process.

`concurrency` threads each hold one keep-alive connection and send ``GET <path>?query=...`` until
`requests` have been issued or `seconds` have passed, whichever comes first. No request is issued
after `seconds`; a request already in flight then is given `drain` more seconds to finish (its
answer counts, and the wall time runs until the last answer). A request still unanswered after that
is *cut off*: reported as ``cut_off``, separately from errors (it was neither answered nor refused).
The process therefore ends within about `seconds + drain`.
With ``--unique`` every request's query text ends in a comment of its own (``# request N``), so no
result cache anywhere can answer it: the server parses and evaluates each one.
Prints one JSON object: latencies (ms) of successful requests, error count and kinds (answers other
than 200, connection failures), cut-off count, wall time.

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

CUT_OFF = "cut_off"


def run(url: str, query: str, accept: str, concurrency: int, requests: int, seconds: float,
        warmup: int = 1, drain: float | None = None, unique: bool = False) -> dict:
    parts = urllib.parse.urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the load generator only talks to loopback servers")
    sent = 0  # requests built so far: with `unique`, each request's text ends in its own comment

    def target() -> str:
        nonlocal sent
        with lock:
            sent += 1
            text = f"{query}\n# request {sent}" if unique else query
        return f"{parts.path or '/'}?{urllib.parse.urlencode({'query': text})}"

    headers = {"Accept": accept}
    lock = threading.Lock()
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    issued = 0
    last_done: float | None = None  # when the last request ended with an answer or an error
    drain = seconds if drain is None else drain
    end = time.perf_counter() + seconds  # no request is issued after this
    hard_end = end + drain  # an in-flight request is abandoned (cut off) after this

    def connect(timeout: float) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(parts.hostname, parts.port, timeout=max(0.05, timeout))

    def one(conn: http.client.HTTPConnection) -> tuple[http.client.HTTPConnection, float | None, str | None]:
        remaining = hard_end - time.perf_counter()
        if conn.sock is not None:
            conn.sock.settimeout(max(0.05, remaining))
        conn.timeout = max(0.05, remaining)
        t = time.perf_counter()
        try:
            conn.request("GET", target(), headers=headers)
            resp = conn.getresponse()
            resp.read()
            dt = time.perf_counter() - t
            if resp.status != 200:
                return conn, None, f"HTTP {resp.status}"
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = connect(hard_end - time.perf_counter())
            return conn, dt, None
        except TimeoutError:  # socket.timeout: still unanswered at hard_end
            conn.close()
            return connect(hard_end - time.perf_counter()), None, CUT_OFF
        except Exception as e:  # noqa: BLE001 - any failure is one counted error, the run goes on
            conn.close()
            return connect(hard_end - time.perf_counter()), None, type(e).__name__

    # warm-up, not counted: first-request costs (imports, caches, connection set-up)
    conn = connect(seconds)
    for _ in range(warmup):
        conn, _, _ = one(conn)
    conn.close()
    end = time.perf_counter() + seconds
    hard_end = end + drain
    start = time.perf_counter()

    def worker() -> None:
        nonlocal issued, last_done
        conn = connect(seconds)
        while True:
            with lock:
                if issued >= requests or time.perf_counter() >= end:
                    break
                issued += 1
            conn, dt, err = one(conn)
            with lock:
                if err != CUT_OFF:
                    last_done = time.perf_counter()
                if err is None:
                    latencies.append(dt * 1000)
                else:
                    errors[err] += 1
        conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=max(0.0, hard_end - time.perf_counter()) + 2.0)
    with lock:
        cut_off = errors.pop(CUT_OFF, 0)
        unfinished = issued - len(latencies) - sum(errors.values()) - cut_off
        cut_off += max(0, unfinished)  # a thread still stuck past hard_end + 2 s
        # throughput's denominator: until the last answer; if requests were cut off the server was
        # busy with them until hard_end, so count the whole window (conservative)
        stop = min(time.perf_counter(), hard_end) if cut_off else (last_done or time.perf_counter())
        wall = stop - start
        return {"latencies_ms": list(latencies), "errors": sum(errors.values()), "error_kinds": dict(errors),
                "cut_off": cut_off, "issued": issued, "wall_s": wall, "concurrency": concurrency,
                "seconds": seconds, "drain_s": drain}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--query-file", required=True)
    ap.add_argument("--accept", default="application/sparql-results+json")
    ap.add_argument("--concurrency", type=int, default=1)
    ap.add_argument("--requests", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=10.0, help="no request is issued after this")
    ap.add_argument("--drain", type=float, default=None,
                    help="extra seconds for requests in flight at --seconds (default: --seconds); "
                         "still unanswered then: cut off")
    ap.add_argument("--unique", action="store_true",
                    help="end every request's query with its own comment, so that no cache can answer it")
    args = ap.parse_args(argv)
    with open(args.query_file, encoding="utf-8") as f:
        query = f.read()
    out = run(args.url, query, args.accept, args.concurrency, args.requests, args.seconds, drain=args.drain,
              unique=args.unique)
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
