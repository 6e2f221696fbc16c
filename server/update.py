"""SPARQL Update and the Graph Store Protocol: writes refused (403) unless the operator enabled updates.

Graph Store writes (PUT, POST, DELETE on /store) are turned into SPARQL Update and take the same path.

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
        max_operators=int(config["MAX_QUERY_OPERATORS"]),
        allowed_endpoints=frozenset(config["ALLOWED_REMOTE_ENDPOINTS"] or ()),
    )
    from server.executor import get_pool
    from server.update_dataset import with_dataset

    sparql = with_dataset(operation.sparql, operation.default_graphs, operation.named_graphs)
    # relative IRIs resolve against the endpoint's own IRI (the protocol's service-defined base)
    get_pool().update(sparql, float(config["QUERY_TIMEOUT_S"]), base_iri=request.base_url)
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

    if _target_graph() == "DEFAULT":
        return answer_query(DEFAULT_CONTENT)
    graph = NamedNode(request.args["graph"])
    if not get_pool().run_ask(
        GRAPH_EXISTS, float(current_app.config["QUERY_TIMEOUT_S"]), substitutions={"graph": graph}
    ):
        raise NotFoundError(f"The store has no graph <{graph.value}>.")
    return answer_query(GRAPH_CONTENT, substitutions={"graph": graph})


def _target_graph() -> str:
    """``GRAPH <iri>`` or ``DEFAULT`` from the request's ``graph``/``default`` parameter.

    :raise 400: neither or both parameters, or a graph that is not an absolute IRI
    """
    from pyoxigraph import NamedNode

    if ("graph" in request.args) == ("default" in request.args):
        raise BadRequestError("Give exactly one of the parameters 'graph' (an IRI) or 'default'.")
    if "default" in request.args:
        return "DEFAULT"
    try:
        return f"GRAPH {NamedNode(request.args['graph'])}"
    except ValueError:
        raise BadRequestError("The 'graph' parameter is not an absolute IRI.") from None


def _body_as_ntriples() -> str:
    """The request body parsed by pyoxigraph and re-serialised as N-Triples.

    The update is then made only of terms pyoxigraph has written itself, never of the client's text.
    :raise 415: a body that is not an RDF triple format   :raise 400: a body that does not parse
    """
    import pyoxigraph as ox

    from server.errors import UnsupportedMediaTypeError

    media_type = request.mimetype or ""
    rdf_format = ox.RdfFormat.from_media_type(media_type) if media_type else None
    if rdf_format is None or rdf_format.supports_datasets:
        raise UnsupportedMediaTypeError(
            f"Send the graph as text/turtle, application/n-triples or application/rdf+xml, not {media_type!r}."
        )
    try:
        triples = list(ox.parse(input=request.get_data(), format=rdf_format, base_iri=request.base_url))
    except SyntaxError as exc:
        raise BadRequestError(f"The body is not valid {media_type}: {exc}") from None
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")


@bp.route("/store", methods=["PUT", "POST", "DELETE"], strict_slashes=False)
def graph_store_write() -> Response:
    """Graph Store Protocol writes, as SPARQL Update: PUT replaces a graph, POST adds to it, DELETE drops it.

    :raise 403: updates disabled   :raise 401: bad token   :raise 404: DELETE of a missing graph
    """
    from pyoxigraph import NamedNode

    from server.executor import get_pool

    check_authorised()
    target = _target_graph()
    timeout = float(current_app.config["QUERY_TIMEOUT_S"])
    existed = target == "DEFAULT" or get_pool().run_ask(
        GRAPH_EXISTS, timeout, substitutions={"graph": NamedNode(request.args["graph"])}
    )
    if request.method == "DELETE":
        if not existed:
            raise NotFoundError(f"The store has no graph <{request.args['graph']}>.")
        update = f"CLEAR {target}" if target == "DEFAULT" else f"DROP {target}"
    else:
        data = _body_as_ntriples()
        insert = f"INSERT DATA {{ {data} }}" if target == "DEFAULT" else f"INSERT DATA {{ {target} {{ {data} }} }}"
        update = f"CLEAR SILENT {target} ; {insert}" if request.method == "PUT" else insert
    get_pool().update(update, timeout)
    current_app.extensions.pop("dmkg_stats", None)
    return Response(status=204 if existed or request.method == "DELETE" else 201)
