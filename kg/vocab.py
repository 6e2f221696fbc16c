"""The namespaces dmkg writes, and the IRIs of its named graphs.

Terms of the dmkg vocabulary are checked against the ontology at build time (see kg.transform), so a
mistyped local name fails the build instead of minting an undeclared term.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from kg.curie import prefix_map

_P = prefix_map()
DMKG = Namespace(_P["dmkg"])
DMKGID = Namespace(_P["dmkgid"])
GRAPH = Namespace(_P["dmkggraph"])
OBO = Namespace(_P["obo"])
OIO = Namespace(_P["oboInOwl"])
BIOLINK = Namespace(_P["biolink"])

ONTOLOGY_IRI = URIRef("https://w3id.org/dmkg/dmkg.owl")
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
CURATORS = DMKGID["dmkg-curators"]

DEFINITION = OBO.IAO_0000115
DEFINITION_SOURCE = OBO.IAO_0000119
HAS_DBXREF = OIO.hasDbXref
HAS_EXACT_SYNONYM = OIO.hasExactSynonym

ONTOLOGY_GRAPH = GRAPH["ontology"]
INFERRED_GRAPH = GRAPH["inferred"]


def source_graphs(source_id: str) -> tuple[URIRef, URIRef, URIRef]:
    """The assertion, provenance and pubinfo graphs of one source document (nanopublication shape)."""
    return (GRAPH[f"{source_id}/assertion"], GRAPH[f"{source_id}/provenance"], GRAPH[f"{source_id}/pubinfo"])


__all__ = ["DCTERMS", "OWL", "PROV", "RDF", "RDFS", "SKOS", "XSD"]
