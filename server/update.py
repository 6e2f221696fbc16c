"""SPARQL Update and the Graph Store Protocol: writes refused (403) unless the operator enabled updates.

Enabling needs both ``ENABLE_UPDATES`` and an ``UPDATE_TOKEN``; the client must send
``Authorization: Bearer <token>``, compared in constant time. Even then an update may not reach out:
LOAD and SERVICE are checked against the allow-list like queries are. An accepted update runs in a
short-lived writer process under the same time limit; afterwards the query workers are recycled so
that they see the new data.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, current_app, request

from server.errors import BadRequestError, ForbiddenError, NotFoundError, UnauthorizedError
from server.guard import check_update
from server.protocol import Operation

bp = Blueprint("update", __name__)

READ_ONLY_MESSAGE = "The server is read-only: SPARQL Update, LOAD and Graph Store writes are disabled."


def updates_enabled() -> bool:
    config = current_app.config
    return bool(config["ENABLE_UPDATES"] and config["UPDATE_TOKEN"])


def check_authorised() -> None:
    """:raise 403: updates disabled   :raise 401: missing or wrong bearer token"""
    if not updates_enabled():
        raise ForbiddenError(READ_ONLY_MESSAGE)
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    expected = str(current_app.config["UPDATE_TOKEN"]).encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected):
        raise UnauthorizedError(
            "Updates need the header 'Authorization: Bearer <token>' with the operator's token.",
            {"WWW-Authenticate": 'Bearer realm="dmkg"'},
        )


def run_update(operation: Operation) -> Response:
    check_authorised()
    config = current_app.config
    check_update(
        operation.sparql,
        max_depth=int(config["MAX_NESTING_DEPTH"]),
        allowed_endpoints=frozenset(config["ALLOWED_REMOTE_ENDPOINTS"] or ()),
    )
    from server.executor import get_pool

    get_pool().update(operation.sparql, float(config["QUERY_TIMEOUT_S"]))
    current_app.extensions.pop("dmkg_stats", None)
    return Response(status=204)


GRAPH_CONTENT = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?graph { ?s ?p ?o } }"
GRAPH_EXISTS = "ASK { GRAPH ?graph { ?s ?p ?o } }"
DEFAULT_CONTENT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


@bp.route("/store", methods=["GET"], strict_slashes=False)
def graph_store_read() -> Response:
    """Graph Store Protocol read: ``?graph=<iri>`` (a named graph) or ``?default`` (the union default graph).

    :raise 400: neither or both of graph/default, or a bad IRI   :raise 404: no such graph
    """
    from pyoxigraph import NamedNode

    from server.executor import get_pool
    from server.sparql import answer_query

    if ("graph" in request.args) == ("default" in request.args):
        raise BadRequestError("Give exactly one of the parameters 'graph' (an IRI) or 'default'.")
    if "default" in request.args:
        return answer_query(DEFAULT_CONTENT)
    try:
        graph = NamedNode(request.args["graph"])
    except ValueError:
        raise BadRequestError("The 'graph' parameter is not an absolute IRI.") from None
    if not get_pool().run_ask(
        GRAPH_EXISTS, float(current_app.config["QUERY_TIMEOUT_S"]), substitutions={"graph": graph}
    ):
        raise NotFoundError(f"The store has no graph <{graph.value}>.")
    return answer_query(GRAPH_CONTENT, substitutions={"graph": graph})


@bp.route("/store", methods=["PUT", "POST", "DELETE", "PATCH"], strict_slashes=False)
def graph_store_write() -> Response:
    """Graph Store Protocol writes: 403 when read-only; with updates on, send SPARQL Update instead."""
    check_authorised()
    raise ForbiddenError(
        "Graph Store Protocol writes are not supported; send a SPARQL Update to /sparql instead."
    )
