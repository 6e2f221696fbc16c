"""Run a catalogue query on two engines and reduce both answers to comparable Python values.

pyoxigraph serves the graph; rdflib over the N-Quads export is the second opinion, so a catalogue
query that leans on one engine's quirk (or on row order where none is promised) shows up as a diff.
Columns named in a query's ``lists`` header hold GROUP_CONCAT values, whose item order SPARQL leaves
open; they are compared as sorted lists.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph as ox
import rdflib
from rdflib.term import BNode, Literal, URIRef

from kg.catalogue import NamedQuery

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LIST_SEPARATOR = " | "

Cell = tuple | None


def _ox_cell(term: object) -> Cell:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return ("lit", term.value, None, term.language)
        return ("lit", term.value, term.datatype.value, None)
    return ("bnode",)


def _rdflib_cell(term: object) -> Cell:
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ("iri", str(term))
    if isinstance(term, Literal):
        if term.language:
            return ("lit", str(term), None, term.language)
        return ("lit", str(term), str(term.datatype or XSD_STRING), None)
    if isinstance(term, BNode):
        return ("bnode",)
    raise TypeError(f"unexpected term {term!r}")


def _to_rdflib(term: ox.NamedNode | ox.Literal) -> rdflib.term.Identifier:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def _list_columns(query: NamedQuery) -> set[str]:
    return set(query.extra.get("lists") or [])


def _normalise(row: dict[str, Cell], lists: set[str]) -> tuple:
    out = []
    for name, cell in row.items():
        if name in lists and cell is not None:
            cell = (cell[0], tuple(sorted(cell[1].split(LIST_SEPARATOR))), *cell[2:])
        out.append((name, cell))
    return tuple(out)


def oxigraph_answer(store: ox.Store, query: NamedQuery, values: Mapping[str, str] | None = None):
    """("rows", [normalised row, ...] in result order) or ("triples", {triple, ...})."""
    result = store.query(
        query.sparql, substitutions=query.bind(values or {})
    )
    if isinstance(result, ox.QueryTriples):
        return "triples", {(_ox_cell(t.subject), _ox_cell(t.predicate), _ox_cell(t.object)) for t in result}
    if isinstance(result, ox.QueryBoolean):
        return "boolean", bool(result)
    names = [v.value for v in result.variables]
    lists = _list_columns(query)
    return "rows", [_normalise({n: _ox_cell(s[n]) for n in names}, lists) for s in result]


def rdflib_answer(dataset: rdflib.Dataset, query: NamedQuery, values: Mapping[str, str] | None = None):
    """The same answer from rdflib's engine, with parameters bound through ``initBindings``."""
    bindings = {rdflib.Variable(v.value): _to_rdflib(t) for v, t in query.bind(values or {}).items()}
    result = dataset.query(query.sparql, initBindings=bindings)
    if result.type == "CONSTRUCT":
        return "triples", {tuple(_rdflib_cell(t) for t in triple) for triple in result.graph}
    if result.type == "ASK":
        return "boolean", bool(result.askAnswer)
    names = [str(v) for v in result.vars]
    lists = _list_columns(query)
    return "rows", [_normalise({n: _rdflib_cell(row[n]) for n in names}, lists) for row in result]


def plain_rows(store: ox.Store, query: NamedQuery, values: Mapping[str, str] | None = None) -> list[dict]:
    """Rows as {variable: lexical value} (IRIs and literals alike), unbound variables left out."""
    result = store.query(
        query.sparql, substitutions=query.bind(values or {})
    )
    names = [v.value for v in result.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in result]
