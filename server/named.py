"""Named queries over HTTP: ``/queries`` lists the catalogue, ``/queries/<name>?param=…`` runs one.

Parameters come from the URL and are bound as RDF terms through pyoxigraph substitutions
(kg.catalogue does the strict parsing); the answer is negotiated exactly like ``/sparql``.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, url_for

from kg.catalogue import NamedQuery, ParameterError
from server import named_pages
from server.answer import answer_query
from server.app_catalogue import catalogue
from server.errors import BadRequestError, NotFoundError
from server.formats import GRAPH_TYPES, RESULTS_TYPES, negotiate

bp = Blueprint("named", __name__)


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


def _wants_html(api_types: list[str]) -> bool:
    """A browser (text/html preferred) gets the page; programs keep the API (its types come first)."""
    return negotiate(request.accept_mimetypes, [*api_types, "text/html"]) == "text/html"


def request_values() -> dict[str, str]:
    """:raise 400: a parameter given more than once"""
    values: dict[str, str] = {}
    for key in request.args:
        given = request.args.getlist(key)
        if len(given) > 1:
            raise BadRequestError(f"parameter {key!r}: given {len(given)} times; give it once")
        values[key] = given[0]
    return values


@bp.get("/queries")
def list_queries() -> Response:
    if _wants_html(["application/json"]):
        return named_pages.render_list(catalogue())
    return jsonify(queries=[describe_query(q) for q in catalogue()])


def _named(name: str) -> NamedQuery:
    query = next((q for q in catalogue() if q.name == name), None)
    if query is None:
        known = ", ".join(q.name for q in catalogue()) or "none"
        raise NotFoundError(f"No named query {name!r}; known queries: {known}.")
    return query


@bp.get("/queries/<name>.csv")
def download_csv(name: str) -> Response:
    """The answer as a CSV file, for a download link on the query's page."""
    return named_pages.csv_response(_named(name), request_values())


@bp.get("/queries/<name>")
def run_named(name: str) -> Response:
    """:raise 404: unknown query   :raise 400: a parameter unknown, missing, repeated or malformed"""
    query = _named(name)
    values = request_values()
    if _wants_html([*RESULTS_TYPES, *GRAPH_TYPES]):
        return named_pages.render_query(query, values)
    try:
        bound = query.bind(values)
    except ParameterError as error:
        raise BadRequestError(str(error)) from None
    return answer_query(query.sparql, substitutions={var.value: term for var, term in bound.items()})
