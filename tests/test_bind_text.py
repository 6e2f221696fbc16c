"""Parameters bound as text (a VALUES block first in the WHERE) answer as pyoxigraph substitutions do.

This is how ``dmkg serve --backend`` binds a named query's parameters for an engine that only takes
query text; the check runs every catalogue query both ways on the built graph.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.catalogue import load_catalogue
from server.bind_text import with_values
from server.errors import BadRequestError

IRI = ox.NamedNode("https://w3id.org/dmkg/id/efalizumab")


def _answer(result) -> object:
    if isinstance(result, ox.QueryTriples):
        return {str(t) for t in result}
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    names = [v.value for v in result.variables]
    return [tuple(str(s[n]) if s[n] is not None else None for n in names) for s in result]


@pytest.mark.parametrize("query", load_catalogue(), ids=lambda q: q.name)
def test_catalogue_query_bound_as_text_answers_the_same(query, built) -> None:
    store = built.store()
    bound = query.bind({})
    substituted = _answer(store.query(query.sparql, use_default_graph_as_union=True, substitutions=bound))
    as_text = with_values(query.sparql, {v.value: term for v, term in bound.items()})
    assert _answer(store.query(as_text, use_default_graph_as_union=True)) == substituted


@pytest.mark.parametrize(
    ("sparql", "expected"),
    [
        (
            "SELECT ?x WHERE { ?x ?p ?o }",
            "SELECT ?x WHERE { VALUES (?x) { (<https://w3id.org/dmkg/id/efalizumab>) }  ?x ?p ?o }",
        ),
        ("ASK { ?x ?p ?o }", "ASK { VALUES (?x) { (<https://w3id.org/dmkg/id/efalizumab>) }  ?x ?p ?o }"),
        (
            "CONSTRUCT { ?x ?p ?o } WHERE { ?x ?p ?o }",
            "CONSTRUCT { ?x ?p ?o } WHERE { VALUES (?x) { (<https://w3id.org/dmkg/id/efalizumab>) }  "
            "?x ?p ?o }",
        ),
        (
            "CONSTRUCT WHERE { ?x ?p ?o }",
            "CONSTRUCT WHERE { VALUES (?x) { (<https://w3id.org/dmkg/id/efalizumab>) }  ?x ?p ?o }",
        ),
        (
            '# a { in a comment\nSELECT ("{" AS ?b) (EXISTS { ?x ?p ?o } AS ?e) WHERE { ?x ?p ?o }',
            '# a { in a comment\nSELECT ("{" AS ?b) (EXISTS { ?x ?p ?o } AS ?e) WHERE { VALUES (?x) '
            "{ (<https://w3id.org/dmkg/id/efalizumab>) }  ?x ?p ?o }",
        ),
        (
            "PREFIX w: <http://e/where> SELECT * { ?x ?p ?o }",
            "PREFIX w: <http://e/where> SELECT * { VALUES (?x) { (<https://w3id.org/dmkg/id/efalizumab>) }  "
            "?x ?p ?o }",
        ),
    ],
)
def test_the_values_block_opens_the_outer_where(sparql: str, expected: str) -> None:
    assert with_values(sparql, {"x": IRI}) == expected


def test_literal_terms_are_written_by_pyoxigraph() -> None:
    term = ox.Literal('say "hi"\n', language="en")
    bound = with_values("SELECT ?x WHERE { }", {"x": term})
    rows = list(ox.Store().query(bound))
    assert rows[0]["x"] == term


def test_a_query_without_where_group_cannot_be_bound() -> None:
    with pytest.raises(BadRequestError):
        with_values("DESCRIBE ?x", {"x": IRI})
