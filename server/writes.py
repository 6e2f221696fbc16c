"""SPARQL Update: refused (403) unless the operator enabled updates, then guarded and applied.

Enabling needs both ``ENABLE_UPDATES`` and an ``UPDATE_TOKEN``; the client must send
``Authorization: Bearer <token>``, compared in constant time. Even then an update may not reach out:
LOAD and SERVICE are checked against the allow-list like queries are. An accepted update runs in a
short-lived writer process under the same time limit; afterwards the query workers are recycled so
that they see the new data. Used by ``/sparql`` (update operations) and ``/store`` (Graph Store writes).
"""

from __future__ import annotations

import hmac

from flask import Response, current_app, request

from server.errors import ForbiddenError, UnauthorizedError
from server.guard import check_update
from server.protocol import Operation

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
        max_operators=int(config["MAX_QUERY_OPERATORS"]),
        allowed_endpoints=frozenset(config["ALLOWED_REMOTE_ENDPOINTS"] or ()),
    )
    from server.app_engine import get_pool
    from server.update_dataset import with_dataset

    sparql = with_dataset(operation.sparql, operation.default_graphs, operation.named_graphs)
    # relative IRIs resolve against the endpoint's own IRI (the protocol's service-defined base)
    get_pool().update(sparql, float(config["QUERY_TIMEOUT_S"]), base_iri=request.base_url)
    current_app.extensions.pop("dmkg_stats", None)
    return Response(status=204)
