"""Generate the ontology release files from the hand-edited source (ODK style: edit file -> releases).

dmkg.ttl and dmkg.owl are the TBox with its version IRI; dmkg-full.owl adds every individual of the
knowledge graph so the whole graph can be browsed and classified in Protégé. The version comes from
pyproject.toml, not the clock, so the same sources always give the same bytes.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph

from kg.curie import prefix_map
from kg.paths import EDIT_ONTOLOGY, RELEASE_FULL, RELEASE_OWL, RELEASE_TTL, REPO_ROOT
from kg.vocab import DCTERMS, ONTOLOGY_IRI, OWL, RDFS

SPARQL_PREFIX_LINE = re.compile(r"^PREFIX (\S*:) (<[^>]*>)$", re.MULTILINE)


def version() -> str:
    """The release version: pyproject.toml's in a checkout, the installed distribution's otherwise."""
    pyproject = REPO_ROOT / "pyproject.toml"
    if not pyproject.is_file():
        from importlib.metadata import version as installed_version

        return installed_version("dmkg")
    with pyproject.open("rb") as handle:
        return tomllib.load(handle)["project"]["version"]


def _bind(graph: Graph) -> Graph:
    for prefix, namespace in prefix_map().items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def read_edit(path: Path = EDIT_ONTOLOGY) -> Graph:
    return Graph().parse(path, format="turtle")


def _header(graph: Graph, source: Graph, name: str, label: str, description: str) -> None:
    """The edit file's header under the release's own ontology IRI and version IRI.

    dmkg.owl and dmkg-full.owl are two ontologies (Protégé and the OWL API treat one IRI as one
    ontology), so each gets its IRI, `https://w3id.org/dmkg/<name>`, and a version IRI under releases/.
    """
    iri = URIRef(f"https://w3id.org/dmkg/{name}")
    for _, p, o in source.triples((ONTOLOGY_IRI, None, None)):
        if p not in (DCTERMS.description, OWL.versionIRI, OWL.versionInfo, RDFS.label):
            graph.add((iri, p, o))
    graph.add((iri, DCTERMS.description, Literal(description, lang="en")))
    graph.add((iri, RDFS.label, Literal(label, lang="en")))
    v = version()
    graph.add((iri, OWL.versionIRI, URIRef(f"https://w3id.org/dmkg/releases/{v}/{name}")))
    graph.add((iri, OWL.versionInfo, Literal(v)))


def build_release(edit: Graph, data: Dataset) -> Graph:
    """The TBox release: the edit file with a version IRI. Defined classes name classes, never
    individuals of the KG, so the release needs nothing from the data and classifies on its own."""
    release = _bind(Graph())
    for triple in edit:
        if triple[0] != ONTOLOGY_IRI:
            release.add(triple)
    description = str(edit.value(ONTOLOGY_IRI, DCTERMS.description))
    note = "Release file generated from ontology/dmkg-edit.ttl; edit that file, not this one."
    _header(release, edit, "dmkg.owl", "dmkg ontology", f"{description} {note}")
    return release


def build_full(release: Graph, data: Dataset) -> Graph:
    """The release plus every assertion graph (not provenance or pubinfo, which describe graphs),
    as its own ontology: dmkg-full.owl."""
    full = _bind(Graph())
    for triple in release:
        if triple[0] != ONTOLOGY_IRI:
            full.add(triple)
    description = (
        "The dmkg ontology together with every individual of the knowledge graph: the case, its findings, "
        "treatment courses and regimens, drugs, targets, publications and claims. Release file generated "
        "from ontology/dmkg-edit.ttl and kg/sources/; edit those, not this one."
    )
    _header(full, release, "dmkg-full.owl", "dmkg ontology with the knowledge graph", description)
    for s, p, o, g in data.quads((None, None, None, None)):
        if str(g).endswith("/assertion"):
            full.add((s, p, o))
    return full


def canonical_ntriples(graph: Graph) -> bytes:
    """Sorted N-Triples with canonical blank-node labels: the same graph always gives the same bytes."""
    lines = to_canonical_graph(graph).serialize(format="nt").splitlines()
    return ("\n".join(sorted(line for line in lines if line.strip())) + "\n").encode("utf-8")


def rdfxml(graph: Graph) -> bytes:
    """RDF/XML for Protégé and the OWL API, written in a stable order by pyoxigraph."""
    triples = ox.parse(input=canonical_ntriples(graph), format=ox.RdfFormat.N_TRIPLES)
    return ox.serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=prefix_map())


def turtle(graph: Graph) -> bytes:
    """rdflib's stable longturtle, with `@prefix` lines: the OWL API's own Turtle parser rejects
    SPARQL-style `PREFIX` lines. Protégé then falls back to the RDF4J parser, but an OWL API tool told
    the file is Turtle (ROBOT, the checker's error diagnosis) does not."""
    text = graph.serialize(format="longturtle")
    return SPARQL_PREFIX_LINE.sub(r"@prefix \1 \2 .", text).encode("utf-8")


def release_files(release: Graph, full: Graph) -> dict[Path, bytes]:
    """The bytes of each release file, so a build can write them atomically and a test can diff them."""
    return {
        RELEASE_TTL: turtle(release),
        RELEASE_OWL: rdfxml(release),
        RELEASE_FULL: rdfxml(full),
    }
