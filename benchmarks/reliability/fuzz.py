"""The fuzzer: mutated requests over every path and method, sent as raw HTTP on loopback.

Every request is built from a seeded generator (the same seed gives the same 10⁴ requests): a path
(every route of the endpoint, plus broken ones), a method (the usual ones and nonsense), parameters,
headers and a body drawn from real queries and updates mutated by deleting, duplicating, truncating,
flipping bytes and inserting hostile fragments. Raw sockets, so that malformed request lines, bytes
http.client would refuse to send and wrong lengths reach the server too. Target: no 5xx other than
503 (a limit), every request answered, the server alive at the end.
"""

from __future__ import annotations

import random
import select
import socket
import threading
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field

from benchmarks.reliability.soak import PATHOLOGICAL

PATHS = ["/", "/sparql", "/sparql/", "/queries", "/queries/treatment-timeline", "/queries/mechanism-path",
         "/queries/no-such-query", "/id/efalizumab", "/id/case", "/id/", "/id/%00", "/vocab/Drug", "/store",
         "/.well-known/void", "/health", "/static/dmkg.css", "/static/../server/config.py", "/nope",
         "//sparql", "/sparql%2F..", "/id/%C0%AF", "/queries/%ZZ", "/id/" + "a" * 5000]  # fmt: skip
METHODS = ["GET", "GET", "GET", "POST", "POST", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE",
           "FOO", "get", ""]  # fmt: skip
CONTENT_TYPES = ["application/sparql-query", "application/sparql-update", "application/x-www-form-urlencoded",
                 "text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json",
                 "multipart/form-data; boundary=x", "text/plain", "application/sparql-query; charset=UTF-16",
                 "", ";;;", "application/x-www-form-urlencoded; charset=latin1"]  # fmt: skip
ACCEPTS = ["*/*", "application/sparql-results+json", "text/csv", "text/turtle", "text/html",
           "application/xml", "image/png", "text/*;q=abc",
           "application/sparql-results+xml;q=0.1, text/tab-separated-values", "", "*/*;q=0",
           "application/n-quads", ",,,,"]  # fmt: skip
QUERIES = [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 10",
    "ASK { ?s a <https://w3id.org/dmkg/vocab/Drug> }",
    "CONSTRUCT WHERE { <https://w3id.org/dmkg/id/efalizumab> ?p ?o }",
    "DESCRIBE <https://w3id.org/dmkg/id/case>",
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?l WHERE { ?s rdfs:label ?l "
    "FILTER(REGEX(?l, 'e.*a', 'i')) } ORDER BY ?l LIMIT 5",
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "SELECT * FROM <https://w3id.org/dmkg/graph/ontology> WHERE { ?s ?p ?o } LIMIT 3",
    "SELECT ?x WHERE { ?x <http://e/p>+ ?y } LIMIT 5",
    "SELECT * WHERE { VALUES ?x { 1 2 3 } BIND(?x * 2 AS ?y) FILTER(?y > 2) }",
    *(text[:3000] for text in PATHOLOGICAL.values()),
]
UPDATES = [
    "INSERT DATA { <https://w3id.org/dmkg/id/fuzz> <http://www.w3.org/2000/01/rdf-schema#label> 'fuzz' }",
    "DELETE WHERE { <https://w3id.org/dmkg/id/fuzz> ?p ?o }",
    "CLEAR SILENT GRAPH <https://example.org/fuzz>",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "WITH <https://example.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
]
HOSTILE = ["{", "}", "(", ")", "[", "]", "SELECT", "SERVICE <http://127.0.0.1:9/>", "\\u0053ERVICE", "\x00",
           "%", '"', "'''", "<", ">", "#", "\\", "\ud7ff", "é", "\u202e", "&&", "||", "!", "/", "|", "^",
           "MINUS {}", "OPTIONAL", "UNION", "FILTER(", "BIND(1 AS ?x)", "VALUES ?x {", "?", "$", "_:b", "@en",
           "^^", "\"" + "x" * 10000 + "\"", "1e999999", "LIMIT 99999999999999999999", "GRAPH ?g {", ";",
           "."]  # fmt: skip


MAX_TEXT = 64 * 1024  # a mutated text is cut here (bodies past the server's limit are made separately)


def mutate(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 5)):
        text = text[:MAX_TEXT]
        if not text:
            text = rng.choice(HOSTILE)
        i, j = sorted(rng.randrange(len(text) + 1) for _ in range(2))
        choice = rng.randrange(6)
        if choice == 0:
            text = text[:i] + text[j:]
        elif choice == 1:
            text = text[:j] + text[i:j] * rng.randint(2, 200) + text[j:]
        elif choice == 2:
            text = text[:i] + rng.choice(HOSTILE) + text[i:]
        elif choice == 3:
            text = text[:i]
        elif choice == 4 and text:
            k = rng.randrange(len(text))
            text = text[:k] + chr(rng.randrange(1, 0x2FFF)) + text[k + 1:]
        else:
            text = text + rng.choice(HOSTILE) * rng.randint(1, 3000)
    return text[:MAX_TEXT]


def build_request(rng: random.Random, token: str) -> tuple[str, bytes, int]:
    """(a short label, the raw request bytes, the length of its head): a request whose
    Content-Length promises more than it sends is labelled ``incomplete``."""
    method = rng.choice(METHODS)
    path = rng.choice(PATHS)
    params: list[tuple[str, str]] = []
    body = b""
    headers: dict[str, str] = {"Host": "127.0.0.1"}
    roll = rng.random()
    text = (
        mutate(rng.choice(UPDATES if roll < 0.2 else QUERIES), rng)
        if rng.random() < 0.8
        else rng.choice(QUERIES)
    )
    if roll < 0.2:
        key = "update"
    elif roll < 0.6:
        key = "query"
    else:
        key = rng.choice(["query", "update", "graph", "default", "drug", "default-graph-uri",
                          "named-graph-uri", "using-graph-uri", "x" * 300, ""])  # fmt: skip
    where = rng.random()
    if where < 0.4:
        params.append((key, text))
    elif where < 0.8:
        ctype = rng.choice(CONTENT_TYPES)
        headers["Content-Type"] = ctype
        body = (urllib.parse.urlencode({key: text}) if "form" in ctype else text).encode(
            "utf-8", "surrogatepass"
        )
    else:
        body = bytes(rng.randrange(256) for _ in range(rng.randint(0, 4000)))
        headers["Content-Type"] = rng.choice(CONTENT_TYPES)
    for _ in range(rng.randint(0, 3)):
        name = rng.choice(["default-graph-uri", "named-graph-uri", "using-graph-uri", "graph", "default",
                           "drug", "disease", "format"])  # fmt: skip
        params.append((name, mutate("https://w3id.org/dmkg/graph/ontology", rng)))
    if rng.random() < 0.7:
        headers["Accept"] = rng.choice(ACCEPTS)
    if rng.random() < 0.5:
        headers["Authorization"] = rng.choice(
            [f"Bearer {token}", "Bearer nope", "Basic Zm9vOmJhcg==", "Bearer"]
        )
    if rng.random() < 0.02:
        body = (body or b"x") * (1 + 1_300_000 // max(len(body), 1))  # past the 1 MiB body limit
    target = path + ("?" + urllib.parse.urlencode(params, errors="surrogatepass") if params else "")
    if rng.random() < 0.03:
        target = path + "?" + "q=" + "%" * rng.randint(1, 70000)  # past the URL limit, broken escapes
    head = f"{method} {target} HTTP/1.1\r\n"
    if rng.random() < 0.02:
        head = rng.choice(["GARBAGE\r\n", f"{method} {target}\r\n", f"{method}  HTTP/9.9\r\n"])
    length = len(body) if rng.random() > 0.02 else rng.randint(0, 10)
    headers["Content-Length"] = str(length)
    headers["Connection"] = "close"
    header_lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head_bytes = (head + header_lines).encode("latin-1", "replace") + b"\r\n"
    label = f"{method or '(none)'} {path}" + (" incomplete" if length > len(body) else "")
    return label, head_bytes + body, len(head_bytes)


@dataclass
class FuzzResult:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    by_method: dict[str, Counter] = field(default_factory=dict)
    bad: list[str] = field(default_factory=list)  # 5xx other than 503, or no answer
    unanswered: int = 0  # complete requests without an answer
    incomplete_unanswered: int = 0  # requests that promised a longer body than they sent

    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500 and status != 503)


def send_raw(port: int, raw: bytes, head_length: int, timeout: float = 90) -> int:
    """The status code of the answer, 0 for none (closed before a status line, timeout, garbage).

    The head goes first; if the server already answers (a body past the limit: 413), the body is not
    sent, so that the answer is not lost to a reset.
    """
    data = b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            try:
                sock.sendall(raw[:head_length])
                if not select.select([sock], [], [], 0.05)[0]:
                    sock.sendall(raw[head_length:])
            except OSError:
                pass
            try:
                while b"\r\n" not in data:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                while sock.recv(65536):
                    pass  # read the whole answer
            except OSError:
                pass  # a reset after the status line still counts as that answer
    except OSError:
        return 0
    return _status(data)


def _status(data: bytes) -> int:
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def run(
    port: int, requests: int, token: str, seed: int = 10, threads: int = 8, is_alive=lambda: True
) -> FuzzResult:
    rng = random.Random(seed)
    result = FuzzResult()
    lock = threading.Lock()
    position = iter(range(requests))

    def worker() -> None:
        while True:
            with lock:  # the requests come from one seeded sequence, made as they are sent
                index = next(position, None)
                if index is None:
                    return
                label, raw, head_length = build_request(rng, token)
            # a request that promised more body than it sent gets no answer until the server's idle timeout:
            # the client gives up after 3 s instead of holding a thread for 30
            status = send_raw(port, raw, head_length, timeout=3 if label.endswith(" incomplete") else 90)
            with lock:
                result.requests += 1
                result.statuses[status] += 1
                result.by_method.setdefault(label.split(" ")[0], Counter())[status] += 1
                if status == 0 and label.endswith(" incomplete"):
                    result.incomplete_unanswered += 1  # the server waits for the promised body, then closes
                elif (status >= 500 and status != 503) or status == 0:
                    result.unanswered += status == 0
                    if len(result.bad) < 20:
                        result.bad.append(f"{status} {label} {raw[:200]!r}")

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return result
