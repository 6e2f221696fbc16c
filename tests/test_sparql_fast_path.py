"""server/sparql_fast.py answers /sparql queries without Flask's request machinery; these tests hold it
to the Flask route's answers, request by request: status, every header (Server-Timing's durations
aside) and body, errors and the hand-over cases (compression, CORS, conditional requests) included."""

from __future__ import annotations

import logging
import urllib.parse

import pytest
from server_fixtures import EFALIZUMAB, TINY_TRIPLES
from werkzeug.test import Client

EVERYTHING = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
LABEL = f"SELECT ?label WHERE {{ <{EFALIZUMAB}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"


def get(query: str, **params: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query, **params})


REQUESTS = {
    "select json": ("GET", get(COUNT), {"Accept": "application/sparql-results+json"}, None),
    "select csv": ("GET", get(LABEL), {"Accept": "text/csv"}, None),
    "no accept": ("GET", get(LABEL), {}, None),
    "construct turtle": ("GET", get(EVERYTHING), {"Accept": "text/turtle"}, None),
    "post query": ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, COUNT),
    "dataset": ("GET", get(COUNT, **{"default-graph-uri": "https://w3id.org/dmkg/graph/ontology"}), {}, None),
    "syntax error": ("GET", get("SELECT ?x WHERE { ?x"), {}, None),
    "not acceptable": ("GET", get(COUNT), {"Accept": "image/png"}, None),
    "service": ("GET", get("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"), {}, None),
    "empty query": ("GET", "/sparql?query=", {}, None),
    "update by get": ("GET", "/sparql?query=ASK%7B%7D&update=CLEAR%20ALL", {}, None),
    "query twice": ("GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", {}, None),
    "url too long": ("GET", get("ASK {}", pad="x" * 70_000), {}, None),
    "body too large": (
        "POST",
        "/sparql",
        {"Content-Type": "application/sparql-query"},
        "ASK {} #" + "x" * 1_100_000,
    ),
    "gzip large": ("GET", get(EVERYTHING), {"Accept": "text/turtle", "Accept-Encoding": "gzip"}, None),
    "gzip small": ("GET", get(COUNT), {"Accept-Encoding": "gzip, br"}, None),
    "cross-origin": ("GET", get(COUNT), {"Origin": "https://example.org"}, None),
    "conditional": ("GET", get(COUNT), {"If-None-Match": 'W/"nothing"'}, None),
}


@pytest.fixture()
def both(app):
    """The app with the fast path (as served) and Flask alone, over the same started engine; the fast
    client also counts the requests that reached Flask."""
    flask_only = app.wsgi_app.wsgi_app
    reached = []

    def counting(environ, start_response):
        reached.append(environ["PATH_INFO"])
        return flask_only(environ, start_response)

    app.test_client().get(get("ASK {}"))  # starts the engine (the fast path needs a running one)
    fast = app.wsgi_app
    original = fast.wsgi_app
    fast.wsgi_app = counting
    try:
        yield Client(fast), Client(flask_only), reached
    finally:
        fast.wsgi_app = original


def _answer(client: Client, name: str):
    method, path, headers, body = REQUESTS[name]
    response = client.open(path, method=method, headers=headers, data=body)
    shown = {k: v for k, v in response.headers.items() if k != "Server-Timing"}
    return response.status_code, shown, response.get_data()


@pytest.mark.parametrize("name", list(REQUESTS))
def test_fast_path_answers_as_flask_does(both, name: str) -> None:
    fast, flask_only, _ = both
    status, headers, body = _answer(fast, name)
    assert (status, headers, body) == _answer(flask_only, name)
    assert status != 500


def test_plain_queries_never_reach_flask(both) -> None:
    fast, _, reached = both
    status, headers, body = _answer(fast, "select json")
    assert status == 200 and f'"value":"{TINY_TRIPLES}"' in body.decode().replace(" ", "")
    assert headers["ETag"].startswith('W/"') and headers["X-Content-Type-Options"] == "nosniff"
    for name in ("select csv", "post query", "dataset", "construct turtle", "gzip small"):
        assert _answer(fast, name)[0] == 200
    assert reached == []
    for name in ("cross-origin", "conditional"):
        _answer(fast, name)
    no_query = fast.get("/sparql?xquery=1")  # the service description (it names live worker counts)
    assert no_query.status_code == 200 and b"sd:Service" in no_query.get_data()
    assert len(reached) == 3


def test_fast_path_logs_the_same_access_line(app, both, caplog) -> None:
    fast, flask_only, _ = both
    app.config["ACCESS_LOG"] = True
    try:
        with caplog.at_level(logging.INFO, logger="dmkg.access"):
            for client in (fast, flask_only):
                client.get(get(COUNT))
    finally:
        app.config["ACCESS_LOG"] = False
    lines = [r.getMessage().rsplit(" ", 1)[0] for r in caplog.records if r.name == "dmkg.access"]
    assert len(lines) == 2 and lines[0] == lines[1] and '"GET /sparql?query=SELECT' in lines[0]
    assert lines[0].endswith(" 200 " + lines[0].split(" 200 ")[1])


def test_server_timing_says_how_long_the_query_took(both) -> None:
    fast, _, _ = both
    response = fast.get(get(COUNT))
    timing = response.headers["Server-Timing"]
    assert timing.startswith("eval;dur=") and ", total;dur=" in timing
