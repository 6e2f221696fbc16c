"""The query service runs without Flask: an engine, the limits and a request in, a result or a typed
error out — the same code path the HTTP routes take (server/answer.py only translates)."""

from __future__ import annotations

import json

import pytest

from server.errors import BadRequestError, NotAcceptableError, ResultTooLargeError
from server.executor import WorkerPool
from server.query_service import Limits, QueryRequest, run

LIMITS = Limits(timeout_s=5.0, max_result_bytes=20_000, max_depth=128, max_operators=10_000)


@pytest.fixture(scope="module")
def pool(tiny_store):
    engine = WorkerPool(str(tiny_store), 1)
    yield engine
    engine.close()


def test_a_query_negotiated_and_answered(pool) -> None:
    request = QueryRequest("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", accept="text/csv")
    result = run(pool, LIMITS, request)
    assert result.media_type.startswith("text/csv") and result.form == "select"
    assert result.read_bytes().decode().splitlines()[0] == "n"
    as_json = run(pool, LIMITS, QueryRequest("ASK { ?s ?p ?o }", accept="application/sparql-results+json"))
    assert json.loads(as_json.read_bytes()) == {"head": {}, "boolean": True}


def test_typed_errors(pool) -> None:
    with pytest.raises(BadRequestError, match="SERVICE"):
        run(pool, LIMITS, QueryRequest("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"))
    with pytest.raises(BadRequestError, match="nested"):
        run(pool, LIMITS, QueryRequest("SELECT * WHERE " + "{" * 200 + "}" * 200))
    with pytest.raises(NotAcceptableError):
        run(pool, LIMITS, QueryRequest("ASK {}", accept="image/png"))
    with pytest.raises(ResultTooLargeError):
        run(
            pool,
            LIMITS,
            QueryRequest("SELECT * WHERE { ?s ?p ?o ?a ?b ?c }".replace(" ?a ?b ?c", " . ?a ?b ?c")),
        )
