"""The soak: many clients, a realistic mix of ordinary requests and a few pathological ones.

Ordinary requests are what the endpoint is for (catalogue queries, lookups, searches, CONSTRUCTs,
entity pages, health and VoID); they must be answered 200, and at most 0.5 % of them refused. The
pathological ones (a 6-pattern cartesian product, a sort of 9 million solutions, syntax-tree bombs,
SERVICE) must get their intended refusal (400, 413 or 503), never another status.
"""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field

from benchmarks.reliability.common import Client, percentile

CARTESIAN = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?p ?q ?r }"
)
MEMORY_HOG = (
    "SELECT * WHERE { VALUES ?a { " + " ".join(map(str, range(300))) + " } VALUES ?b { "
    + " ".join(map(str, range(300))) + " } VALUES ?c { " + " ".join(map(str, range(100)))
    + " } } ORDER BY ?c ?b ?a"
)  # fmt: skip
PATHOLOGICAL = {
    "cartesian": CARTESIAN,
    "memory-hog": MEMORY_HOG,
    "not-bomb": "ASK { FILTER(" + "!" * 10_000 + "true) }",
    "and-chain": "ASK { FILTER(" + " && ".join(["true"] * 10_000) + ") }",
    "path-bomb": "ASK { ?s " + "/".join(["<http://e/p>"] * 10_000) + " ?o }",
    "minus-bomb": "ASK { ?s ?p ?o " + " ".join(["MINUS { ?s ?p ?o }"] * 3_000) + " }",
    "brackets": "ASK { FILTER(" + "(" * 5_000 + "true" + ")" * 5_000 + ") }",
    "service": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
}
INTENDED = {400, 413, 503}
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
BASE_IRI = "https://w3id.org/dmkg"


@dataclass
class SoakResult:
    seconds: float = 0.0
    statuses: dict[str, Counter] = field(
        default_factory=lambda: {"ordinary": Counter(), "pathological": Counter()}
    )
    latencies_ms: list[float] = field(default_factory=list)
    unexpected: Counter = field(default_factory=Counter)  # (kind, what, status) not as intended
    per_minute: list[dict] = field(default_factory=list)

    def summary(self) -> dict:
        ordinary = self.statuses["ordinary"]
        total = sum(ordinary.values())
        return {
            "requests": total + sum(self.statuses["pathological"].values()),
            "ordinary": total,
            "ordinary_refused_503": ordinary[503],
            "ordinary_refused_pct": 100 * ordinary[503] / total if total else 0.0,
            "p50_ms": percentile(self.latencies_ms, 0.50),
            "p95_ms": percentile(self.latencies_ms, 0.95),
            "p99_ms": percentile(self.latencies_ms, 0.99),
            "max_ms": max(self.latencies_ms, default=float("nan")),
            "errors_5xx_not_503": sum(n for kind in self.statuses.values() for s, n in kind.items()
                                      if s >= 500 and s != 503),  # fmt: skip
            "no_answer": sum(kind[0] for kind in self.statuses.values()),
        }


def ordinary_requests(port: int) -> list[tuple[str, str, str, bytes | None, dict]]:
    """(what, method, path, body, headers) for the ordinary mix, built from the served graph itself."""
    client = Client(port)
    status, body = client.request("GET", "/queries", headers={"Accept": "application/json"})
    names = [entry["name"] for entry in json.loads(body)["queries"]] if status == 200 else []
    query = ("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), 'https://w3id.org/dmkg/id/')) } "
             "ORDER BY ?s LIMIT 300")  # fmt: skip
    status, body = client.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}))
    entities = [row["s"]["value"] for row in json.loads(body)["results"]["bindings"]] if status == 200 else []
    client.close()
    json_accept = {"Accept": "application/sparql-results+json"}
    mix: list[tuple[str, str, str, bytes | None, dict]] = []
    for name in names:
        mix.append(
            ("named-query", "GET", f"/queries/{name}", None, {"Accept": "application/json, text/turtle"})
        )
    for iri in entities[:100]:
        lookup = f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }} LIMIT 50"
        mix.append(
            ("lookup", "GET", "/sparql?" + urllib.parse.urlencode({"query": lookup}), None, json_accept)
        )
        construct = f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}"
        mix.append(("construct", "POST", "/sparql", construct.encode(),
                    {"Content-Type": "application/sparql-query", "Accept": "text/turtle"}))  # fmt: skip
        path = iri[len(BASE_IRI):]  # /id/… : the page of the entity
        mix.append(("page-html", "GET", path, None, {"Accept": "text/html"}))
        mix.append(("page-turtle", "GET", path, None, {"Accept": "text/turtle"}))
    for word in ("efalizumab", "dermatomyositis", "cd11a", "lfa", "predni", "skin", "interferon", "muscle"):
        search = (f"SELECT ?s ?l WHERE {{ ?s <{RDFS}label> ?l FILTER(CONTAINS(LCASE(STR(?l)), '{word}')) }} "
                  "LIMIT 20")  # fmt: skip
        mix.append(("search", "POST", "/sparql", urllib.parse.urlencode({"query": search}).encode(),
                    {"Content-Type": "application/x-www-form-urlencoded", **json_accept}))  # fmt: skip
    for _ in range(5):
        mix.append(("health", "GET", "/health", None, {}))
    mix.append(("void", "GET", "/.well-known/void", None, {"Accept": "text/turtle"}))
    return mix


def run(port: int, clients: int, minutes: float, pathological_share: float = 0.02, seed: int = 10,
        max_requests_per_client: int = 200_000, on_minute=None) -> SoakResult:
    """Closed-loop clients for ``minutes`` (and at most ``max_requests_per_client`` each)."""
    mix = ordinary_requests(port)
    if not mix:
        raise RuntimeError("the served graph gave no ordinary requests")
    result = SoakResult()
    lock = threading.Lock()
    started = time.monotonic()
    end = started + minutes * 60

    def client_loop(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        client = Client(port, timeout=120)
        for _ in range(max_requests_per_client):
            if time.monotonic() >= end:
                break
            if rng.random() < pathological_share:
                kind, (what, text) = "pathological", rng.choice(list(PATHOLOGICAL.items()))
                method, path, body = "POST", "/sparql", text.encode()
                headers = {"Content-Type": "application/sparql-query"}
            else:
                kind = "ordinary"
                what, method, path, body, headers = rng.choice(mix)
            t0 = time.perf_counter()
            status, _ = client.request(method, path, body, headers)
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                result.statuses[kind][status] += 1
                if kind == "ordinary" and status == 200:
                    result.latencies_ms.append(elapsed)
                if (kind == "ordinary" and status != 200) or (
                    kind == "pathological" and status not in INTENDED
                ):
                    result.unexpected[(kind, what, status)] += 1
        client.close()

    threads = [threading.Thread(target=client_loop, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    minute = 1
    while any(t.is_alive() for t in threads):
        time.sleep(0.5)
        if on_minute and time.monotonic() - started >= minute * 60:
            with lock:
                on_minute(minute, result)
            minute += 1
    result.seconds = time.monotonic() - started
    return result
