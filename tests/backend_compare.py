"""Compare two dmkg endpoints' answers to the same request: the local store against a remote backend.

SELECT answers are compared as parsed terms (type, value, datatype, language), in order when the query
orders, as multisets otherwise; columns a catalogue query declares as ``lists`` (GROUP_CONCAT) as
sorted items, since SPARQL leaves their order open. Graph answers are compared as sets of triples.
"""

from __future__ import annotations

import json
import re

import pyoxigraph as ox

from kg.catalogue import NamedQuery

LIST_SEPARATOR = " | "
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _cell(term: dict | None, is_list: bool) -> tuple | None:
    if term is None:
        return None
    value = term["value"]
    if is_list:
        value = tuple(sorted(value.split(LIST_SEPARATOR)))
    datatype = term.get("datatype") or (
        XSD_STRING if term["type"] == "literal" and "xml:lang" not in term else None
    )
    return (term["type"], value, datatype, term.get("xml:lang"))


def rows(body: bytes, lists: set[str] = frozenset(), ordered: bool = True) -> list[tuple]:
    data = json.loads(body)
    if "boolean" in data:
        return [("boolean", data["boolean"])]
    names = data["head"]["vars"]
    found = [tuple((n, _cell(b.get(n), n in lists)) for n in names) for b in data["results"]["bindings"]]
    return found if ordered else sorted(found, key=repr)


def orders(sparql: str) -> bool:
    return re.search(r"(?i)\border\s+by\b", sparql) is not None


def named_rows(body: bytes, query: NamedQuery) -> list[tuple]:
    return rows(body, set(query.extra.get("lists") or []), orders(query.sparql))


def triples(body: bytes, media_type: str) -> set[tuple]:
    parsed = ox.parse(body, format=ox.RdfFormat.from_media_type(media_type))
    return {
        (str(t.subject), str(t.predicate), str(t.object))
        for t in parsed
        if not isinstance(t.subject, ox.BlankNode)
    }
