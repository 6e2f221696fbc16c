"""From an HTTP request to the query service and back: the one translation every query route uses.

``/sparql``, the named queries, the linked-data pages and the Graph Store reads all answer a query
through ``answer_query``: it reads the Accept header and the endpoint's URL from the request, runs the
query service (server/query_service.py) on the app's engine, and turns the result into a response —
streamed from a file in blocks when the engine spooled a large result.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping

from flask import Response, current_app, g, request
from pyoxigraph import Literal, NamedNode
from werkzeug.sansio.utils import get_current_url
from werkzeug.wrappers import Request
from werkzeug.wsgi import wrap_file

from server import query_service
from server.app_engine import get_pool
from server.engine import QueryResult

STREAM_BLOCK = 256 * 1024


def answer_query(
    sparql: str,
    *,
    default_graphs: tuple[str, ...] | None = None,
    named_graphs: tuple[str, ...] | None = None,
    substitutions: Mapping[str, NamedNode | Literal] | None = None,
) -> Response:
    """Answer ``sparql`` for the current request in the negotiated format (errors: see query_service.run)."""
    asked = asked_query(
        request, sparql, default_graphs=default_graphs, named_graphs=named_graphs, substitutions=substitutions
    )
    result = query_service.run(get_pool(), query_service.Limits.from_config(current_app.config), asked)
    return respond(result)


def asked_query(
    http_request: Request,
    sparql: str,
    *,
    default_graphs: tuple[str, ...] | None = None,
    named_graphs: tuple[str, ...] | None = None,
    substitutions: Mapping[str, NamedNode | Literal] | None = None,
) -> query_service.QueryRequest:
    """What an HTTP request asks of the query service (server/sparql_fast.py builds it without Flask)."""
    return query_service.QueryRequest(
        sparql,
        accept=http_request.headers.get("Accept"),
        default_graphs=default_graphs,
        named_graphs=named_graphs,
        substitutions=dict(substitutions or {}),
        # relative IRIs resolve against the endpoint, as for updates
        base_iri=_base_url(http_request.scheme, http_request.host, http_request.root_path, http_request.path),
    )


@functools.lru_cache(maxsize=256)
def _base_url(scheme: str, host: str, root_path: str, path: str) -> str:
    """``Request.base_url``, computed once per endpoint and host (it decodes the URL to an IRI, a
    seventh of a light query's Python in the web process)."""
    return get_current_url(scheme, host, root_path, path)


def respond(result: QueryResult) -> Response:
    g.timings["eval"] = result.eval_ms
    if result.path is None:
        response = Response(result.body, content_type=result.media_type)
    else:  # a large, complete result spooled by the engine: streamed from the file in blocks
        handle = open(result.path, "rb")  # noqa: SIM115 - closed by the response
        os.unlink(result.path)
        body = wrap_file(request.environ, handle, buffer_size=STREAM_BLOCK)
        response = Response(body, content_type=result.media_type, direct_passthrough=True)
        response.content_length = result.size
    response.headers["Vary"] = "Accept"
    return response
