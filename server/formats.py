"""Media types per query form and content negotiation over them.

Negotiation is Werkzeug's ``accept_mimetypes.best_match`` (q-values, wildcards, specificity); the
order of each table is the server's preference when the client accepts several equally.
"""

from __future__ import annotations

import functools

from pyoxigraph import QueryResultsFormat, RdfFormat
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from server.errors import NotAcceptableError

# SELECT and ASK
RESULTS_TYPES: dict[str, QueryResultsFormat] = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
    "application/json": QueryResultsFormat.JSON,
    "application/xml": QueryResultsFormat.XML,
}

# CONSTRUCT, DESCRIBE, service description, VoID, linked-data pages
GRAPH_TYPES: dict[str, RdfFormat] = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/n-quads": RdfFormat.N_QUADS,
    "application/trig": RdfFormat.TRIG,
}

# the names shown in a 406 (aliases left out)
_ADVERTISED_RESULTS = list(RESULTS_TYPES)[:4]
_ADVERTISED_GRAPH = list(GRAPH_TYPES)


def negotiate(accept: MIMEAccept, offered: list[str]) -> str | None:
    """The best of ``offered`` for this Accept header; a request without one accepts anything (RFC 9110)."""
    if not accept:
        return offered[0]
    return accept.best_match(offered)


def best_results_type(accept: MIMEAccept) -> str | None:
    return negotiate(accept, list(RESULTS_TYPES))


def best_graph_type(accept: MIMEAccept) -> str | None:
    return negotiate(accept, list(GRAPH_TYPES))


_CACHED_ACCEPT_MAX = 512  # longer Accept headers are negotiated every time (the cache stays small)


def query_types(accept_header: str | None) -> tuple[str | None, str | None]:
    """(results type, graph type) for a raw Accept header: the same answer as ``best_results_type`` and
    ``best_graph_type`` on the parsed header, computed once per distinct header (clients repeat theirs)."""
    if accept_header is not None and len(accept_header) > _CACHED_ACCEPT_MAX:
        return _query_types(accept_header)
    return _cached_query_types(accept_header)


def _query_types(accept_header: str | None) -> tuple[str | None, str | None]:
    accept = parse_accept_header(accept_header, MIMEAccept)
    return best_results_type(accept), best_graph_type(accept)


_cached_query_types = functools.lru_cache(maxsize=256)(_query_types)


def not_acceptable(form: str) -> NotAcceptableError:
    """The 406 for a query form: names what the client could ask for instead."""
    offered = _ADVERTISED_GRAPH if form in ("graph", "construct", "describe") else _ADVERTISED_RESULTS
    label = {"select": "SELECT", "ask": "ASK", "graph": "CONSTRUCT/DESCRIBE"}.get(form, form)
    return NotAcceptableError(
        f"No acceptable media type for a {label} result; the Accept header must allow one of: "
        + ", ".join(offered)
    )


def content_type(media_type: str) -> str:
    """The Content-Type for a negotiated type, as pyoxigraph names it (with a charset where it has one)."""
    if media_type in RESULTS_TYPES:
        return RESULTS_TYPES[media_type].media_type
    return GRAPH_TYPES[media_type].media_type
