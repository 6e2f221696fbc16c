"""Writing one source file's assertion graph: literals, minted IRIs, and checked names.

Every name a source uses (an entity key, a dmkg class, property or value, a CURIE) is checked here
against the entity registry and the ontology as it is written; what does not exist is recorded, not
raised, so one pass finds them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from kg.curie import CurieError, expand
from kg.model import DocumentSource
from kg.vocab import DEFINITION, DEFINITION_SOURCE, DMKG, DMKGID, OWL, RDF, RDFS, XSD


class TransformError(ValueError):
    """A source names something that does not exist; `loc` is the field path inside `source_id`."""

    def __init__(self, source_id: str, loc: tuple, reason: str):
        self.source_id, self.loc, self.reason = source_id, loc, reason
        super().__init__(f"{source_id}: {'.'.join(map(str, loc))}: {reason}")


class TransformErrors(ValueError):
    """Every name the sources use that does not exist, so a curator sees them all at once."""

    def __init__(self, errors: list[TransformError]):
        self.errors = errors
        super().__init__("\n".join(map(str, errors)))


@dataclass(frozen=True)
class Terms:
    """The dmkg vocabulary as declared by the ontology, to check every term a source uses."""

    classes: frozenset[URIRef]
    object_properties: frozenset[URIRef]
    individuals: frozenset[URIRef]
    study_designs: frozenset[URIRef]
    labels: dict[URIRef, str]

    @classmethod
    def of(cls, ontology: Graph) -> Terms:
        def dmkg(kind: URIRef) -> frozenset[URIRef]:
            return frozenset(s for s in ontology.subjects(RDF.type, kind) if str(s).startswith(str(DMKG)))

        labels = {s: str(o) for s, o in ontology.subject_objects(RDFS.label) if isinstance(s, URIRef)}
        designs = dmkg(DMKG.StudyDesign)
        return cls(dmkg(OWL.Class), dmkg(OWL.ObjectProperty), dmkg(OWL.NamedIndividual), designs, labels)

    def label(self, iri: URIRef) -> str:
        return self.labels.get(iri, str(iri))


def lit(value: object) -> Literal:
    if isinstance(value, bool):
        return Literal(value)
    if isinstance(value, int):
        return Literal(value, datatype=XSD.integer)
    if isinstance(value, float):
        return Literal(Decimal(str(value)).normalize(), datatype=XSD.decimal)
    return Literal(str(value))


def en(text: str) -> Literal:
    return Literal(text, lang="en")


class Writer:
    """Adds triples to one assertion graph, checking dmkg terms and entity keys as it goes; what does
    not exist is recorded in `errors` and the writing goes on, to find every such name in one pass."""

    def __init__(
        self,
        graph: Graph,
        source_id: str,
        terms: Terms,
        entities: set[str],
        errors: list[TransformError],
        document: DocumentSource | None = None,
    ):
        self.graph, self.source_id, self.terms, self.entities = graph, source_id, terms, entities
        self.errors, self.document = errors, document
        self.local = document.case_nodes() if document else set()

    def fail(self, loc: tuple, reason: str) -> None:
        self.errors.append(TransformError(self.source_id, loc, reason))

    def mint(self, local_id: str) -> URIRef:
        """The IRI of one of the document's own nodes (case, patient, finding, course, …)."""
        return DMKGID[(self.document.prefix if self.document else "") + local_id]

    def add(self, s: Node, p: Node, o: Node | None) -> None:
        if o is not None:
            self.graph.add((s, p, o))

    def term(self, name: str, kinds: Iterable[frozenset[URIRef]], loc: tuple) -> URIRef:
        iri = DMKG[name]
        if not any(iri in kind for kind in kinds):
            self.fail(loc, f"{name!r} is not a term of the right kind in the ontology")
        return iri

    def cls(self, name: str, loc: tuple) -> URIRef:
        return self.term(name, [self.terms.classes], loc)

    def value(self, name: str, loc: tuple) -> URIRef:
        return self.term(name, [self.terms.individuals], loc)

    def entity(self, key: str, loc: tuple) -> URIRef:
        if key not in self.entities:
            self.fail(loc, f"unknown entity {key!r} (see kg/sources/entities.yaml)")
        return DMKGID[key]

    def xref(self, curie: str, loc: tuple) -> URIRef:
        try:
            return URIRef(expand(curie))
        except CurieError as exc:
            self.fail(loc, str(exc))
            return URIRef(f"urn:invalid:{curie}")

    def individual(self, node: URIRef, types: Iterable[URIRef], label: str, definition: str = "") -> None:
        """A named individual with its label and, for individuals the build describes itself, a definition."""
        self.add(node, RDF.type, OWL.NamedIndividual)
        for t in types:
            self.add(node, RDF.type, t)
        self.add(node, RDFS.label, en(label))
        if definition:
            self.define(node, definition)

    def define(self, node: URIRef, definition: str) -> None:
        self.add(node, DEFINITION, en(definition))
        self.add(node, DEFINITION_SOURCE, lit("dmkg curation"))

    def evidence_basis(self, node: URIRef, name: str, loc: tuple) -> None:
        """Every basis is `has evidence basis`; only a study design is also `has study design`."""
        value = self.value(name, loc)
        self.add(node, DMKG.hasEvidenceBasis, value)
        if value in self.terms.study_designs:
            self.add(node, DMKG.hasStudyDesign, value)
