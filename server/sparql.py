"""The SPARQL 1.1 Protocol endpoint at ``/sparql``: queries, and the service description without one."""

from __future__ import annotations

import os
from collections.abc import Mapping

from flask import Blueprint, Response, current_app, g, request
from pyoxigraph import Literal, NamedNode
from werkzeug.wsgi import wrap_file

from server import describe, update
from server.errors import NotAcceptableError
from server.executor import QueryTask, get_pool
from server.formats import GRAPH_TYPES, RESULTS_TYPES, query_types
from server.guard import check_query
from server.protocol import read_operation

bp = Blueprint("sparql", __name__)

STREAM_BLOCK = 256 * 1024


@bp.route("/sparql", methods=["GET", "POST"], strict_slashes=False)
def endpoint() -> Response:
    operation = read_operation(request)
    if operation is None:
        return describe.service_description()
    if operation.kind == "update":
        return update.run_update(operation)
    if operation.names_dataset:
        return answer_query(
            operation.sparql, default_graphs=operation.default_graphs, named_graphs=operation.named_graphs
        )
    return answer_query(operation.sparql)


def answer_query(
    sparql: str,
    *,
    default_graphs: tuple[str, ...] | None = None,
    named_graphs: tuple[str, ...] | None = None,
    substitutions: Mapping[str, NamedNode | Literal] | None = None,
) -> Response:
    """Guard, evaluate in a worker within the time limit, and answer in the negotiated format.

    :raise 400: SERVICE, too deep nesting, syntax error   :raise 406: no acceptable format
    :raise 413: result over the size cap   :raise 503: time limit passed, or every worker busy
    """
    config = current_app.config
    facts = check_query(
        sparql,
        max_depth=int(config["MAX_NESTING_DEPTH"]),
        max_operators=int(config["MAX_QUERY_OPERATORS"]),
        allowed_endpoints=frozenset(config["ALLOWED_REMOTE_ENDPOINTS"] or ()),
    )
    results_type, graph_type = query_types(request.headers.get("Accept"))
    if results_type is None and graph_type is None:
        raise NotAcceptableError(
            "No acceptable media type; the Accept header must allow one of: "
            + ", ".join([*list(RESULTS_TYPES)[:4], *GRAPH_TYPES])
        )
    task = QueryTask(
        sparql,
        results_type=results_type,
        graph_type=graph_type,
        default_graphs=default_graphs,
        named_graphs=named_graphs,
        own_dataset=facts.has_dataset_clause,
        substitutions=dict(substitutions or {}),
        max_bytes=int(config["MAX_RESULT_BYTES"]),
        base_iri=request.base_url,  # relative IRIs resolve against the endpoint, as for updates
    )
    result = get_pool().run(task, float(config["QUERY_TIMEOUT_S"]))
    g.timings["eval"] = result.eval_ms
    if result.path is None:
        response = Response(result.body, content_type=result.media_type)
    else:  # a large, complete result spooled by the worker: streamed from the file in blocks
        handle = open(result.path, "rb")  # noqa: SIM115 - closed by the response
        os.unlink(result.path)
        body = wrap_file(request.environ, handle, buffer_size=STREAM_BLOCK)
        response = Response(body, content_type=result.media_type, direct_passthrough=True)
        response.content_length = result.size
    response.headers["Vary"] = "Accept"
    return response
