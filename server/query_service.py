"""The query service: one SPARQL query, from what was asked to a result, with no Flask in sight.

``run(engine, limits, request) -> QueryResult``: the guard (SERVICE/LOAD, nesting, size of the
syntax tree), content negotiation (decided here, once, from the Accept header), the task, and the
engine (the local worker pool or the remote replicas) within the time limit. Every failure is a typed
EndpointError carrying its HTTP status; translating to and from HTTP is server/answer.py's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode

from server.engine import Engine, QueryResult
from server.errors import NotAcceptableError
from server.formats import GRAPH_TYPES, RESULTS_TYPES, query_types
from server.guard import check_query
from server.worker import QueryTask


@dataclass(frozen=True)
class Limits:
    """The operator's limits that apply to every query (from the app's configuration)."""

    timeout_s: float
    max_result_bytes: int
    max_depth: int
    max_operators: int
    allowed_endpoints: frozenset[str] = frozenset()

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> Limits:
        return cls(
            timeout_s=float(config["QUERY_TIMEOUT_S"]),
            max_result_bytes=int(config["MAX_RESULT_BYTES"]),
            max_depth=int(config["MAX_NESTING_DEPTH"]),
            max_operators=int(config["MAX_QUERY_OPERATORS"]),
            allowed_endpoints=frozenset(config["ALLOWED_REMOTE_ENDPOINTS"] or ()),
        )


@dataclass(frozen=True)
class QueryRequest:
    """What a client asked: the query, its Accept header, its dataset and bound parameters."""

    sparql: str
    accept: str | None = None
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    substitutions: Mapping[str, NamedNode | Literal] = field(default_factory=dict)
    base_iri: str | None = None  # relative IRIs in the query resolve against this (the endpoint's URL)


def run(engine: Engine, limits: Limits, request: QueryRequest) -> QueryResult:
    """Guard, negotiate and evaluate one query.

    :raise 400: SERVICE, too deep nesting or too large a query, syntax error   :raise 406: no acceptable
    format   :raise 413: result over the size cap   :raise 503: time limit passed, or every worker busy
    """
    facts = check_query(
        request.sparql,
        max_depth=limits.max_depth,
        max_operators=limits.max_operators,
        allowed_endpoints=limits.allowed_endpoints,
    )
    results_type, graph_type = query_types(request.accept)
    if results_type is None and graph_type is None:
        raise NotAcceptableError(
            "No acceptable media type; the Accept header must allow one of: "
            + ", ".join([*list(RESULTS_TYPES)[:4], *GRAPH_TYPES])
        )
    task = QueryTask(
        request.sparql,
        results_type=results_type,
        graph_type=graph_type,
        default_graphs=request.default_graphs,
        named_graphs=request.named_graphs,
        own_dataset=facts.has_dataset_clause,
        substitutions=dict(request.substitutions),
        max_bytes=limits.max_result_bytes,
        base_iri=request.base_iri,
    )
    return engine.run(task, limits.timeout_s)
