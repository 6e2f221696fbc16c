"""What every exporter shares: SPARQL rows from the built store, CURIEs."""

from __future__ import annotations

import pyoxigraph as ox

from kg.curie import compress_or_none

PREFIXES = """PREFIX dmkg: <https://w3id.org/dmkg/vocab/>
PREFIX dmkgid: <https://w3id.org/dmkg/id/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oboInOwl: <http://www.geneontology.org/formats/oboInOwl#>
PREFIX biolink: <https://w3id.org/biolink/vocab/>
PREFIX obo: <http://purl.obolibrary.org/obo/>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


class ExportError(RuntimeError):
    """The graph lacks something an export needs, or holds something it must not publish."""


def select(store: ox.Store, sparql: str, **iris: str) -> list[dict[str, str]]:
    """Rows as {variable: lexical value}; unbound variables are left out of the row. Keyword arguments
    bind variables to IRIs (``case=...``) before the query runs; the query must project them.

    The build writes the union of the named graphs as the default graph; a store without one (built
    before that) is read as the union of its named graphs.
    """
    union = next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is None
    bound = {ox.Variable(name): ox.NamedNode(iri) for name, iri in iris.items()} or None
    result = store.query(PREFIXES + sparql, use_default_graph_as_union=union, substitutions=bound)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def curie(iri: str) -> str:
    """The CURIE of an IRI under the project's prefix map, or the IRI itself when no prefix covers it."""
    return compress_or_none(iri) or iri

