"""``dmkg serve --backend`` over real ``oxigraph serve`` replicas holding a ``dmkg publish``ed build.

The same endpoint as over the local store: every named query gives the same answer, negotiation, the
descriptions, pages and safety (SERVICE, nesting, size, read-only, time limit) behave as locally; and
replicas fail on purpose: killed mid-run, too slow, answering an error page.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest
from backend_compare import named_rows, rows, triples
from remote_fixtures import (
    SIZE_LIMIT,
    TIME_LIMIT_S,
    FaultProxy,
    assert_survived,
    load_while_killing,
    start_front_end,
    start_oxigraph,
)
from server_fixtures import http, stop_server

from kg.catalogue import load_catalogue
from kg.publish import publish

EFALIZUMAB = "https://w3id.org/dmkg/id/efalizumab"


def sparql_get(server, query: str, accept: str = "application/sparql-results+json", **params: str):
    return server.get(
        "/sparql?" + urllib.parse.urlencode({"query": query, **params}), headers={"Accept": accept}
    )


@pytest.fixture(scope="module")
def replicas(built, tmp_path_factory: pytest.TempPathFactory):
    """Two oxigraph serve replicas, each loaded by dmkg publish with the real build."""
    engines = [start_oxigraph(tmp_path_factory.mktemp(f"replica{i}")) for i in (1, 2)]
    try:
        for engine in engines:
            publish(built.store_path, engine.gsp_url, update_url=engine.update_url)
        yield engines
    finally:
        for engine in engines:
            engine.stop()


@pytest.fixture(scope="module")
def remote(replicas, tmp_path_factory: pytest.TempPathFactory):
    server = start_front_end(
        [replicas[0].query_url],
        tmp_path_factory.mktemp("front") / "serve.log",
        "--timeout",
        str(TIME_LIMIT_S),
        "--max-result-bytes",
        str(SIZE_LIMIT),
    )
    yield server
    stop_server(server)


# --- the same answers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("query", load_catalogue(), ids=lambda q: q.name)
def test_named_query_answers_as_the_local_store(query, local, remote) -> None:
    accept = {"Accept": "application/sparql-results+json, application/n-triples;q=0.9"}
    ours, theirs = (
        local.get(f"/queries/{query.name}", headers=accept),
        remote.get(f"/queries/{query.name}", headers=accept),
    )
    assert ours.status == theirs.status == 200, theirs.text
    if ours.headers["content-type"] == "application/n-triples":
        assert triples(theirs.body, "application/n-triples") == triples(ours.body, "application/n-triples")
    else:
        assert named_rows(theirs.body, query) == named_rows(ours.body, query)


@pytest.mark.parametrize(
    "accept",
    [
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ],
)
def test_results_formats_are_byte_identical(accept, local, remote) -> None:
    query = (
        "SELECT DISTINCT ?s ?label (LANG(?label) AS ?lang) (DATATYPE(?label) AS ?dt) WHERE { ?s <http://www.w3.org/2000/01/"
        "rdf-schema#label> ?label FILTER(isIRI(?s)) } ORDER BY ?s ?label LIMIT 50"
    )
    ours, theirs = sparql_get(local, query, accept), sparql_get(remote, query, accept)
    assert theirs.status == 200 and theirs.headers["content-type"] == ours.headers["content-type"]
    assert theirs.body == ours.body


@pytest.mark.parametrize(
    "accept", ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"]
)
def test_construct_in_every_graph_format(accept, local, remote) -> None:
    query = f"CONSTRUCT {{ <{EFALIZUMAB}> ?p ?o }} WHERE {{ <{EFALIZUMAB}> ?p ?o }}"
    ours, theirs = sparql_get(local, query, accept), sparql_get(remote, query, accept)
    assert theirs.status == 200 and theirs.headers["content-type"] == ours.headers["content-type"]
    assert triples(theirs.body, accept) == triples(ours.body, accept) and triples(ours.body, accept)


def test_typed_and_tagged_literals_and_ask(local, remote) -> None:
    query = (
        'SELECT ?x WHERE { VALUES ?x { "1.50"^^<http://www.w3.org/2001/XMLSchema#decimal> "chat"@fr '
        '"2020-01-01"^^<http://www.w3.org/2001/XMLSchema#date> 42 true } }'
    )
    assert rows(sparql_get(remote, query).body) == rows(sparql_get(local, query).body)
    ask = f"ASK {{ <{EFALIZUMAB}> ?p ?o }}"
    assert (
        json.loads(sparql_get(remote, ask).body)
        == json.loads(sparql_get(local, ask).body)
        == {"head": {}, "boolean": True}
    )


def test_dataset_of_the_request_and_graph_queries(local, remote) -> None:
    graphs = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    assert rows(sparql_get(remote, graphs).body) == rows(sparql_get(local, graphs).body)
    count = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT * WHERE { ?s ?p ?o } }"
    for params in ({}, {"default-graph-uri": "https://w3id.org/dmkg/graph/ontology"}):
        assert rows(sparql_get(remote, count, **params).body) == rows(sparql_get(local, count, **params).body)
    with_from = "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/dmkg/graph/ontology> WHERE { ?s ?p ?o }"
    assert rows(sparql_get(remote, with_from).body) == rows(sparql_get(local, with_from).body)


def test_descriptions_pages_ui_and_health(local, remote) -> None:
    for path, accept in [("/sparql", "text/turtle"), ("/.well-known/void", "text/turtle")]:
        ours, theirs = (
            local.get(path, headers={"Accept": accept}),
            remote.get(path, headers={"Accept": accept}),
        )
        assert theirs.status == 200
        assert (
            len(list(ox.parse(theirs.body, format=ox.RdfFormat.TURTLE)))
            == len(list(ox.parse(ours.body, format=ox.RdfFormat.TURTLE)))
            > 0
        )
    page = remote.get("/id/efalizumab", headers={"Accept": "text/html"})
    assert page.status == 200 and "efalizumab" in page.text
    assert remote.get("/id/efalizumab", headers={"Accept": "text/turtle"}).status == 200
    assert remote.get("/id/no-such-thing", headers={"Accept": "text/html"}).status == 404
    assert remote.get("/", headers={"Accept": "text/html"}).status == 200
    assert [q["name"] for q in json.loads(remote.get("/queries").body)["queries"]] == [
        q.name for q in load_catalogue()
    ]
    health = json.loads(remote.get("/health").body)
    assert health["status"] == "ok" and health["backends"] == 1


@pytest.mark.parametrize(
    "path",
    [
        "/drugs",
        "/search?q=efalizumab",
        "/queries",
        "/queries/drugs-by-target",
        "/queries/treatment-timeline.csv",
        "/id/efalizumab",
        "/id/case",
        "/pictures/mechanism/id/efalizumab.svg",
    ],
)
def test_pages_and_pictures_are_the_same(path: str, local, remote) -> None:
    headers = {"Accept": "text/html"}
    ours, theirs = local.get(path, headers=headers), remote.get(path, headers=headers)
    assert ours.status == 200, ours.text[:300]
    assert theirs.status == 200 and theirs.headers["content-type"] == ours.headers["content-type"]
    assert theirs.body.replace(remote.url.encode(), b"") == ours.body.replace(local.url.encode(), b"")


# --- every safety stays on -----------------------------------------------------------------------------


def test_service_and_load_refused_and_nothing_connects(remote, listener) -> None:
    answer = sparql_get(remote, f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}")
    assert answer.status == 400 and "SERVICE is not allowed" in answer.text
    update = remote.post(
        "/sparql", f"LOAD <{listener.url}>".encode(), {"Content-Type": "application/sparql-update"}
    )
    assert update.status == 403
    time.sleep(0.2)
    assert listener.connections == []


def test_nesting_syntax_and_size_limits(local, remote) -> None:
    deep = "SELECT * WHERE " + "{" * 200 + " ?s ?p ?o " + "}" * 200
    assert sparql_get(remote, deep).status == 400
    bad = "SELECT * WHERE { ?s ?p }"
    ours, theirs = sparql_get(local, bad), sparql_get(remote, bad)
    assert theirs.status == ours.status == 400 and theirs.text == ours.text
    big = "SELECT * WHERE { ?s ?p ?o }"
    ours, theirs = sparql_get(local, big), sparql_get(remote, big)
    assert theirs.status == ours.status == 413 and theirs.text == ours.text


def test_not_acceptable_and_read_only(local, remote) -> None:
    ask = "ASK { ?s ?p ?o }"
    assert (
        sparql_get(remote, ask, "text/turtle").status == sparql_get(local, ask, "text/turtle").status == 406
    )
    for method in ("PUT", "DELETE"):
        assert http(remote.url + "/store?default", data=b"", method=method).status == 403


# --- replicas that fail on purpose ---------------------------------------------------------------------


def test_slow_replica_is_cut_at_the_time_limit(replicas, tmp_path: Path) -> None:
    port = int(replicas[0].query_url.split(":")[2].split("/")[0])
    proxy = FaultProxy(port)
    server = start_front_end([proxy.url("/query")], tmp_path / "serve.log", "--timeout", str(TIME_LIMIT_S))
    try:
        proxy.mode, proxy.delay_s = "slow", 30
        started = time.monotonic()
        answer = sparql_get(server, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
        elapsed = time.monotonic() - started
        assert answer.status == 503 and "timed out" in answer.text
        assert elapsed < TIME_LIMIT_S + 2
        proxy.mode = "forward"
        assert sparql_get(server, "ASK {}").status == 200  # the front end itself is fine
    finally:
        stop_server(server)
        proxy.close()


def test_error_page_replica_is_taken_out_and_queries_go_to_the_other(replicas, tmp_path: Path) -> None:
    port = int(replicas[0].query_url.split(":")[2].split("/")[0])
    proxy = FaultProxy(port)
    server = start_front_end(
        [proxy.url("/query"), replicas[1].query_url], tmp_path / "serve.log", "--timeout", str(TIME_LIMIT_S)
    )
    try:
        proxy.mode = "error"
        answers = [
            sparql_get(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }} # {i}") for i in range(6)
        ]
        assert [a.status for a in answers] == [200] * 6
        health = json.loads(server.get("/health").body)
        assert health["out_of_service"] == [proxy.url("/query")]
        assert "answered 500" in server.log() and "Proxy Error" in server.log()
    finally:
        stop_server(server)
        proxy.close()


def test_only_replica_answering_error_pages_is_a_clear_502(replicas, tmp_path: Path) -> None:
    port = int(replicas[0].query_url.split(":")[2].split("/")[0])
    proxy = FaultProxy(port)
    server = start_front_end([proxy.url("/query")], tmp_path / "serve.log", "--timeout", str(TIME_LIMIT_S))
    try:
        proxy.mode = "error"
        answer = sparql_get(server, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
        assert answer.status == 502 and "answered 500" in answer.text and "Proxy Error" in answer.text
    finally:
        stop_server(server)
        proxy.close()


def test_replica_killed_mid_run(built, tmp_path: Path) -> None:
    """Two replicas under a steady load; one is killed; queries keep being answered, none hangs."""
    engines = [start_oxigraph(tmp_path / f"r{i}") for i in (1, 2)]
    server = None
    try:
        for engine in engines:
            publish(built.store_path, engine.gsp_url, update_url=engine.update_url)
        server = start_front_end(
            [e.query_url for e in engines], tmp_path / "serve.log", "--timeout", str(TIME_LIMIT_S)
        )
        answers, killed_at = load_while_killing(server, "/queries/drugs-by-target", engines[0].process.kill)
        assert_survived(answers, killed_at, in_flight=3)
        health = json.loads(server.get("/health").body)
        assert health["status"] == "ok" and health["out_of_service"] == [engines[0].query_url]
    finally:
        if server is not None:
            stop_server(server)
        for engine in engines:
            engine.stop()
