"""The OBO releases of the ontology: `dmkg.obo` and `dmkg.json` (obographs), as ODK publishes them.

Both come from the same release graph as dmkg.owl (the edit file plus its version), so a curator edits
one file. The OBO text is written here and then parsed by fastobo, whose own obographs serialiser writes
the JSON: a release that fastobo cannot read is never written. OBO 1.4 has no place for OWL value
restrictions (owl:hasValue), unions, inverse-property restrictions or data ranges; those axioms stay in
dmkg.owl only (ontology/README.md lists them).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Iterator

import fastobo
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from kg.curie import compress_or_none, prefix_map
from kg.paths import RELEASE_JSON, RELEASE_OBO
from kg.vocab import (
    DEFINITION,
    DEFINITION_SOURCE,
    DMKG,
    DMKGID,
    HAS_DBXREF,
    HAS_EXACT_SYNONYM,
    OWL,
    RDF,
    RDFS,
)

# Prefixes that OBO resolves without an idspace line (purl.obolibrary.org/obo/PREFIX_).
OBO_PREFIXES = {prefix for prefix, iri in prefix_map().items() if iri.endswith(f"/obo/{prefix}_")}
IDSPACES = ("dmkg", "dmkgid", "skos", "dcterms", "oboInOwl", "biolink", "owl", "rdfs", "xsd")
CURIE_ONLY = re.compile(r"^[A-Za-z][A-Za-z0-9.]*:[^\s;,]+$")
PROPERTY_FLAGS = {
    OWL.TransitiveProperty: "is_transitive",
    OWL.SymmetricProperty: "is_symmetric",
    OWL.FunctionalProperty: "is_functional",
    OWL.InverseFunctionalProperty: "is_inverse_functional",
    OWL.AsymmetricProperty: "is_asymmetric",
    OWL.ReflexiveProperty: "is_reflexive",
}
MAPPINGS = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")


class OboReleaseError(RuntimeError):
    """fastobo could not read the generated OBO text: a term the edit file declares cannot be written."""


def _id(node: Node) -> str | None:
    """The OBO identifier of a named node (a CURIE of the prefix map), or None for anything else."""
    if not isinstance(node, URIRef):
        return None
    return compress_or_none(str(node))


def _unquoted(text: str) -> str:
    """An OBO unquoted value: backslash, braces and '!' would start an escape, qualifier or comment."""
    text = " ".join(str(text).split())
    return re.sub(r"([\\{}!])", r"\\\1", text)


def _quoted(text: str) -> str:
    return '"' + " ".join(str(text).split()).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _sorted_ids(nodes: Iterable[Node]) -> list[str]:
    return sorted({i for i in map(_id, nodes) if i})


def _definition(graph: Graph, s: URIRef) -> Iterator[str]:
    definition = graph.value(s, DEFINITION)
    sources = sorted(str(o) for o in graph.objects(s, DEFINITION_SOURCE))
    xrefs = [x for x in sources if CURIE_ONLY.match(x)]
    if definition is not None:
        yield f"def: {_quoted(definition)} [{', '.join(xrefs)}]"
    for text in sources:
        if text not in xrefs or definition is None:
            yield f"property_value: IAO:0000119 {_quoted(text)} xsd:string"


def _annotations(graph: Graph, s: URIRef) -> Iterator[str]:
    label = graph.value(s, RDFS.label)
    if label is not None:
        yield f"name: {_unquoted(label)}"
    yield from _definition(graph, s)
    for comment in sorted(str(o) for o in graph.objects(s, RDFS.comment)):
        yield f"comment: {_unquoted(comment)}"
    for synonym in sorted(str(o) for o in graph.objects(s, HAS_EXACT_SYNONYM)):
        yield f"synonym: {_quoted(synonym)} EXACT []"
    for xref in sorted(str(o) for o in graph.objects(s, HAS_DBXREF)):
        yield f"xref: {xref}"
    for name in MAPPINGS:
        for target in _sorted_ids(graph.objects(s, URIRef(f"http://www.w3.org/2004/02/skos/core#{name}"))):
            yield f"property_value: skos:{name} {target}"


def _restriction(graph: Graph, node: BNode) -> tuple[str, str] | None:
    """(property, filler) of an existential restriction on named terms; None for what OBO cannot say."""
    prop, filler = graph.value(node, OWL.onProperty), graph.value(node, OWL.someValuesFrom)
    if _id(prop) and _id(filler):
        return _id(prop), _id(filler)
    return None


def _class_axioms(graph: Graph, s: URIRef) -> Iterator[str]:
    for parent in graph.objects(s, RDFS.subClassOf):
        if _id(parent):
            yield f"is_a: {_id(parent)}"
        elif isinstance(parent, BNode) and (pair := _restriction(graph, parent)):
            yield f"relationship: {pair[0]} {pair[1]}"
    for equivalent in graph.objects(s, OWL.equivalentClass):
        members = graph.value(equivalent, OWL.intersectionOf) if isinstance(equivalent, BNode) else None
        if members is None:
            continue
        parts = list(Collection(graph, members))
        genus = [_id(p) for p in parts if _id(p)]
        differentia = [_restriction(graph, p) for p in parts if isinstance(p, BNode)]
        if len(genus) == 1 and differentia and all(differentia):
            yield f"intersection_of: {genus[0]}"
            yield from (f"intersection_of: {p} {f}" for p, f in differentia)
    for axiom in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        members = [_id(m) for m in Collection(graph, graph.value(axiom, OWL.members))]
        if _id(s) in members:
            yield from (f"disjoint_from: {m}" for m in members if m and m != _id(s))


def _term(graph: Graph, s: URIRef) -> list[str]:
    lines = [f"id: {_id(s)}", *_annotations(graph, s)]
    axioms = sorted(_class_axioms(graph, s))
    return [
        "[Term]",
        *lines,
        *(a for a in axioms if a.startswith("is_a")),
        *(a for a in axioms if not a.startswith("is_a")),
    ]


def _typedef(graph: Graph, s: URIRef, metadata: bool) -> list[str]:
    lines = ["[Typedef]", f"id: {_id(s)}", *_annotations(graph, s)]
    lines += [f"domain: {d}" for d in _sorted_ids(graph.objects(s, RDFS.domain))[:1]]
    if graph.value(s, RDF.type) == OWL.ObjectProperty or (s, RDF.type, OWL.ObjectProperty) in graph:
        lines += [f"range: {r}" for r in _sorted_ids(graph.objects(s, RDFS.range))[:1]]
    lines += [f"inverse_of: {i}" for i in _sorted_ids(graph.objects(s, OWL.inverseOf))]
    # a parent outside dmkg (e.g. oboInOwl:hasRelatedSynonym) has no [Typedef] here, and OBO readers
    # cannot resolve an is_a to it
    ours = (p for p in graph.objects(s, RDFS.subPropertyOf) if isinstance(p, URIRef) and p.startswith(DMKG))
    lines += [f"is_a: {p}" for p in _sorted_ids(ours)]
    lines += [f"{flag}: true" for kind, flag in PROPERTY_FLAGS.items() if (s, RDF.type, kind) in graph]
    if metadata:
        lines.append("is_metadata_tag: true")
    return lines


def _instance(graph: Graph, s: URIRef) -> list[str]:
    lines = ["[Instance]", f"id: {_id(s)}", *_annotations(graph, s)]
    types = [t for t in _sorted_ids(graph.objects(s, RDF.type)) if not t.startswith("owl:")]
    return lines + [f"instance_of: {t}" for t in types]


def _ours(graph: Graph, kind: URIRef, namespace=DMKG) -> list[URIRef]:
    return sorted(
        s for s in graph.subjects(RDF.type, kind) if isinstance(s, URIRef) and s.startswith(namespace)
    )


def obo_text(release: Graph) -> str:
    """OBO 1.4 text of the release: header, [Term]s, [Typedef]s and [Instance]s in a stable order."""
    ontology = graph_ontologies(release)[0]
    version = str(release.value(ontology, OWL.versionIRI))
    prefixes = prefix_map()
    header = [
        "format-version: 1.4",
        f"data-version: {release.value(ontology, OWL.versionInfo)}",
        *(f"idspace: {p} {prefixes[p]}" for p in IDSPACES),
        "ontology: dmkg",
        f"property_value: owl:versionIRI {_quoted(version)} xsd:anyURI",
    ]
    for p, o in sorted(release.predicate_objects(ontology)):
        if p in (RDF.type, OWL.versionIRI):
            continue
        curie = compress_or_none(str(p))
        if curie and isinstance(o, Literal):
            header.append(f"property_value: {curie} {_quoted(o)} xsd:string")
        elif curie and isinstance(o, URIRef):
            header.append(f"property_value: {curie} {_quoted(o)} xsd:anyURI")
    frames = [_term(release, s) for s in _ours(release, OWL.Class)]
    frames += [_typedef(release, s, False) for s in _ours(release, OWL.ObjectProperty)]
    frames += [_typedef(release, s, False) for s in _ours(release, OWL.DatatypeProperty)]
    frames += [_typedef(release, s, True) for s in _ours(release, OWL.AnnotationProperty)]
    frames += [_instance(release, s) for s in _ours(release, OWL.NamedIndividual)]
    frames += [_instance(release, s) for s in _ours(release, OWL.NamedIndividual, DMKGID)]
    return "\n".join(header) + "\n\n" + "\n\n".join("\n".join(f) for f in frames) + "\n"


def graph_ontologies(graph: Graph) -> list[URIRef]:
    return sorted(s for s in graph.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef))


def obographs_json(doc: fastobo.doc.OboDoc, ontology: URIRef, version: str) -> bytes:
    """fastobo's obographs serialisation with sorted keys (stable bytes).

    fastobo names the graph after the OBO Library's PURL pattern (obo/dmkg.owl); dmkg is not an OBO
    Library ontology, so the graph gets the ontology's own IRI and version IRI, as in dmkg.owl.
    """
    buffer = io.BytesIO()
    fastobo.dump_graph(doc, buffer)
    data = json.loads(buffer.getvalue())
    for graph in data["graphs"]:
        graph["id"] = str(ontology)
        graph["meta"]["version"] = version
    return (json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def obo_release_files(release: Graph) -> dict:
    """The bytes of dmkg.obo and dmkg.json; raise OboReleaseError when fastobo rejects the OBO text."""
    text = obo_text(release)
    ontology = graph_ontologies(release)[0]
    try:
        doc = fastobo.loads(text)
    except (SyntaxError, ValueError) as exc:
        raise OboReleaseError(f"generated {RELEASE_OBO.name} does not parse with fastobo: {exc}") from exc
    version = str(release.value(ontology, OWL.versionIRI))
    return {RELEASE_OBO: text.encode("utf-8"), RELEASE_JSON: obographs_json(doc, ontology, version)}
