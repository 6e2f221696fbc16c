"""The W3C SPARQL 1.1 Protocol's update cases, runnable against any endpoint on loopback.

The cases follow the protocol test suite (kasei/sparql11-protocolvalidator, the W3C protocol manifest):
update by form and by body, the update dataset (``using-graph-uri``, ``using-named-graph-uri``), the
service-defined base IRI, and the negative cases (GET, two updates, wrong or missing media type,
non-UTF-8, bad syntax, a dataset given twice). ``tests/test_update_protocol.py`` requires dmkg to pass
all of them; the reliability rig runs them against dmkg and ``oxigraph serve`` side by side.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

DATA = "http://kasei.us/2009/09/sparql/data/"
PREFIXES = "PREFIX dc: <http://purl.org/dc/terms/>\nPREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
SEED = PREFIXES + "CLEAR ALL ;\nINSERT DATA {\n" + "".join(
    f"  GRAPH <{DATA}data{i}.rdf> {{ <{DATA}data{i}.rdf> a foaf:Document }}\n" for i in (1, 2, 3)
) + "} ;\n"
COPY = "INSERT {{ GRAPH <{target}> {{ ?s a dc:BibliographicResource }} }}\nWHERE {{ {where} }}"
CONFLICT = (
    "PREFIX foaf: <http://xmlns.com/foaf/0.1/>\nWITH <http://example/addresses>\n"
    "DELETE { ?person foaf:givenName 'Bill' }\nINSERT { ?person foaf:givenName 'William' }\n"
    "WHERE { ?person foaf:givenName 'Bill' }"
)


@dataclass
class Endpoint:
    """Where to send queries and updates, and the headers an update needs (a bearer token for dmkg)."""

    query_url: str
    update_url: str
    update_headers: dict[str, str]

    def send(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
        """One request exactly as given (http.client adds no Content-Type of its own, urllib would)."""
        parts = urllib.parse.urlsplit(url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def update(self, text: str, params: list[tuple[str, str]] = (), form: bool = False) -> int:
        url = self.update_url + ("?" + urllib.parse.urlencode(params) if params and not form else "")
        if form:
            body = urllib.parse.urlencode([("update", text), *params]).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
        else:
            body, headers = text.encode(), {"Content-Type": "application/sparql-update"}
        return self.send("POST", url, body, {**headers, **self.update_headers})[0]

    def ask(self, text: str) -> bool | None:
        status, body = self.send("POST", self.query_url, text.encode(),
                                 {"Content-Type": "application/sparql-query",
                                  "Accept": "application/sparql-results+json"})  # fmt: skip
        return json.loads(body)["boolean"] if status == 200 else None

    def select_one(self, text: str) -> str | None:
        status, body = self.send("POST", self.query_url, text.encode(),
                                 {"Content-Type": "application/sparql-query",
                                  "Accept": "application/sparql-results+json"})  # fmt: skip
        if status != 200:
            return None
        rows = json.loads(body)["results"]["bindings"]
        return rows[0]["o"]["value"] if rows else None


def _copied(endpoint: Endpoint, target: str, sources: tuple[int, ...], absent: tuple[int, ...] = ()) -> bool:
    present = all(endpoint.ask(f"ASK {{ GRAPH <{target}> {{ <{DATA}data{i}.rdf> a <http://purl.org/dc/terms/"
                               "BibliographicResource> } }") for i in sources)  # fmt: skip
    missing = not any(
        endpoint.ask(f"ASK {{ GRAPH <{target}> {{ <{DATA}data{i}.rdf> ?p ?o }} }}") for i in absent
    )
    return present and missing


def _dataset_case(
    params: list[tuple[str, str]], where: str, sources: tuple[int, ...], absent: tuple[int, ...]
):
    target = "http://example.org/protocol-update-dataset-test/"

    def case(endpoint: Endpoint) -> bool:
        status = endpoint.update(SEED + COPY.format(target=target, where=where), params)
        return 200 <= status < 300 and _copied(endpoint, target, sources, absent)

    return case


def _base_case(endpoint: Endpoint) -> bool:
    graph = "http://example.org/protocol-base-test/"
    status = endpoint.update(f"CLEAR SILENT GRAPH <{graph}> ; INSERT DATA {{ GRAPH <{graph}> "
                             "{ <http://example.org/s> <http://example.org/p> <test> } }")  # fmt: skip
    value = endpoint.select_one(f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ <http://example.org/s> ?p ?o }} }}")
    return 200 <= status < 300 and value is not None and value.startswith("http") and value.endswith("/test")


def _status_case(send: Callable[[Endpoint], int], expected: Callable[[int], bool]):
    return lambda endpoint: expected(send(endpoint))


def _is_4xx(status: int) -> bool:
    return 400 <= status < 500


def _raw(method: str, body: bytes, content_type: str | None, query: str = ""):
    def send(endpoint: Endpoint) -> int:
        headers = dict(endpoint.update_headers)
        if content_type:
            headers["Content-Type"] = content_type
        url = endpoint.update_url + (f"?{query}" if query else "")
        return endpoint.send(method, url, body if method != "GET" else None, headers)[0]

    return send


D = [("using-graph-uri", f"{DATA}data1.rdf")]
CASES: dict[str, Callable[[Endpoint], bool]] = {
    "update_post_form": lambda e: 200 <= e.update("CLEAR ALL", form=True) < 300,
    "update_post_direct": lambda e: 200 <= e.update("CLEAR ALL") < 300,
    "update_dataset_default_graph": _dataset_case(D, "?s a foaf:Document", (1,), (2, 3)),
    "update_dataset_default_graphs": _dataset_case(
        [*D, ("using-graph-uri", f"{DATA}data2.rdf")], "?s a foaf:Document", (1, 2), (3,)
    ),
    "update_dataset_named_graphs": _dataset_case(
        [("using-named-graph-uri", f"{DATA}data{i}.rdf") for i in (1, 2)],
        "GRAPH ?g { ?s a foaf:Document }",
        (1, 2),
        (3,),
    ),  # fmt: skip
    "update_dataset_full": _dataset_case(
        [*D, ("using-named-graph-uri", f"{DATA}data2.rdf")],
        "{ ?s a foaf:Document } UNION { GRAPH ?g { ?s a foaf:Document } }",
        (1, 2),
        (3,),
    ),  # fmt: skip
    "update_base_uri": _base_case,
    "bad_update_get": _status_case(_raw("GET", b"", None, "update=CLEAR%20ALL"), _is_4xx),
    "bad_multiple_updates": _status_case(
        _raw("POST", b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", "application/x-www-form-urlencoded"),
        _is_4xx,
    ),
    "bad_update_wrong_media_type": _status_case(_raw("POST", b"CLEAR NAMED", "text/plain"), _is_4xx),
    "bad_update_missing_form_type": _status_case(_raw("POST", b"update=CLEAR%20NAMED", None), _is_4xx),
    "bad_update_missing_direct_type": _status_case(_raw("POST", b"CLEAR NAMED", None), _is_4xx),
    "bad_update_non_utf8": _status_case(
        _raw("POST", "CLEAR NAMED".encode("utf-16"), "application/sparql-update; charset=UTF-16"), _is_4xx
    ),
    "bad_update_syntax": _status_case(
        _raw("POST", b"update=CLEAR%20XYZ", "application/x-www-form-urlencoded"), _is_4xx
    ),
    "bad_update_dataset_conflict": _status_case(
        lambda e: e.update(CONFLICT, [("using-named-graph-uri", "http://example/people")], form=True), _is_4xx
    ),
}


def run_cases(endpoint: Endpoint) -> dict[str, bool]:
    """Every case, in order, against ``endpoint`` (which must allow updates): {case: passed}."""
    results = {}
    for name, case in CASES.items():
        try:
            results[name] = bool(case(endpoint))
        except (OSError, ValueError, KeyError):
            results[name] = False
    return results
