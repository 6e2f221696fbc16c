"""The Graph Store Protocol at ``/store``: reads, and writes refused (403) unless updates are enabled.

Graph Store writes (PUT, POST, DELETE) are turned into SPARQL Update and take the path of
server/writes.py (the bearer token, the guard, the one-shot writer).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from server.errors import BadRequestError, NotFoundError
from server.writes import check_authorised

bp = Blueprint("update", __name__)

GRAPH_CONTENT = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?graph { ?s ?p ?o } }"
GRAPH_EXISTS = "ASK { GRAPH ?graph { ?s ?p ?o } }"
DEFAULT_CONTENT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


@bp.route("/store", methods=["GET"], strict_slashes=False)
def graph_store_read() -> Response:
    """Graph Store Protocol read: ``?graph=<iri>`` (a named graph) or ``?default`` (the union default graph).

    :raise 400: neither or both of graph/default, or a bad IRI   :raise 404: no such graph
    """
    from pyoxigraph import NamedNode

    from server.answer import answer_query
    from server.app_engine import get_pool

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
            "Send the graph as text/turtle, application/n-triples or application/rdf+xml, "
            f"not {media_type!r}."
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

    from server.app_engine import get_pool

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
        quads = data if target == "DEFAULT" else f"{target} {{ {data} }}"
        insert = f"INSERT DATA {{ {quads} }}"
        update = f"CLEAR SILENT {target} ; {insert}" if request.method == "PUT" else insert
    get_pool().update(update, timeout)
    current_app.extensions.pop("dmkg_stats", None)
    return Response(status=204 if existed or request.method == "DELETE" else 201)
