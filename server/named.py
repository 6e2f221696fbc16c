"""Named queries over HTTP: ``/queries`` lists the catalogue, ``/queries/<name>?param=…`` runs one.

Parameters come from the URL and are bound as RDF terms through pyoxigraph substitutions
(kg.catalogue does the strict parsing); the answer is negotiated exactly like ``/sparql``.
"""

from __future__ import annotations

import threading

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from kg.catalogue import CatalogueError, NamedQuery, ParameterError, load_catalogue
from server.errors import BadRequestError, EndpointError, NotFoundError
from server.sparql import answer_query

bp = Blueprint("named", __name__)

_catalogue_lock = threading.Lock()


def catalogue() -> list[NamedQuery]:
    """The app's named queries, read once (they are files of the release, not user data)."""
    app = current_app._get_current_object()
    with _catalogue_lock:
        queries = app.extensions.get("dmkg_catalogue")
        if queries is None:
            directory = app.config["CATALOGUE_DIR"]
            try:
                queries = load_catalogue(directory)
            except CatalogueError as error:
                raise EndpointError(f"The query catalogue is broken: {error}") from None
            app.extensions["dmkg_catalogue"] = queries
    return queries


def describe_query(query: NamedQuery) -> dict:
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "tags": list(query.tags),
        "params": [
            {
                "name": p.name,
                "type": p.type,
                "default": p.default,
                "required": p.required,
                "description": p.description,
            }
            for p in query.params
        ],
        "url": url_for("named.run_named", name=query.name, _external=True),
        "sparql": query.sparql,
    }


@bp.get("/queries")
def list_queries() -> Response:
    return jsonify(queries=[describe_query(q) for q in catalogue()])


@bp.get("/queries/<name>")
def run_named(name: str) -> Response:
    """:raise 404: unknown query   :raise 400: a parameter unknown, missing, repeated or malformed"""
    query = next((q for q in catalogue() if q.name == name), None)
    if query is None:
        known = ", ".join(q.name for q in catalogue()) or "none"
        raise NotFoundError(f"No named query {name!r}; known queries: {known}.")
    values: dict[str, str] = {}
    for key in request.args:
        given = request.args.getlist(key)
        if len(given) > 1:
            raise BadRequestError(f"parameter {key!r}: given {len(given)} times; give it once")
        values[key] = given[0]
    try:
        bound = query.bind(values)
    except ParameterError as error:
        raise BadRequestError(str(error)) from None
    return answer_query(query.sparql, substitutions={var.value: term for var, term in bound.items()})
