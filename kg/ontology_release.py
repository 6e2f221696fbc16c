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
from kg.vocab import DMKGID, GRAPH, ONTOLOGY_IRI, OWL, RDF, RDFS

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


def build_release(edit: Graph, data: Dataset) -> Graph:
    """The TBox release: the edit file, a version IRI, and the individuals its axioms name.

    Defined classes such as 'anti-CD11a agent' name individuals (CD11a) that live in the KG; declaring
    them here (type and label) keeps the release self-contained for the OWL API and Protégé.
    """
    release = _bind(Graph())
    for triple in edit:
        release.add(triple)
    v = version()
    release.add((ONTOLOGY_IRI, OWL.versionIRI, URIRef(f"https://w3id.org/dmkg/releases/{v}/dmkg.owl")))
    release.add((ONTOLOGY_IRI, OWL.versionInfo, Literal(v)))
    named = {o for o in edit.objects(None, OWL.hasValue) if isinstance(o, URIRef) and str(o).startswith(str(DMKGID))}
    for individual in named:
        release.add((individual, RDF.type, OWL.NamedIndividual))
        for p in (RDF.type, RDFS.label):
            for _, _, o, g in data.quads((individual, p, None, None)):
                if str(g.identifier if isinstance(g, Graph) else g).startswith(str(GRAPH)):
                    release.add((individual, p, o))
    return release


def build_full(release: Graph, data: Dataset) -> Graph:
    """The release plus every assertion graph (not provenance or pubinfo, which describe graphs)."""
    full = _bind(Graph())
    for triple in release:
        full.add(triple)
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
