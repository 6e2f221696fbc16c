"""Turn the validated source files into RDF: one assertion, provenance and pubinfo graph per source.

Each source document gets the nanopublication shape, so "where does this fact come from" is always a
GRAPH lookup away. A claim is reified KGX-style (a dmkg:Claim node with subject, predicate, object,
modality and evidence). Only a claim that the letter or the entity registry states as fact, that
supports its statement and relates individuals also stands as a plain triple, so a plain triple never
reads as fact what a source hedges; what candidate publications report stays in claim nodes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from kg.curie import CurieError, expand
from kg.model import (
    Claim,
    EntitiesSource,
    Finding,
    LetterSource,
    Outcome,
    Publication,
    ReferenceSource,
    Source,
    Synonym,
)
from kg.read_sources import Sources
from kg.vocab import (
    BIOLINK,
    CURATORS,
    DCTERMS,
    DEFINITION,
    DEFINITION_SOURCE,
    DMKG,
    DMKGID,
    HAS_DBXREF,
    LICENSE,
    OIO,
    OWL,
    PROV,
    RDF,
    RDFS,
    SKOS,
    XSD,
    source_graphs,
)


class TransformError(ValueError):
    """A source names something that does not exist; `loc` is the field path inside `source_id`."""

    def __init__(self, source_id: str, loc: tuple, reason: str):
        self.source_id, self.loc, self.reason = source_id, loc, reason
        super().__init__(f"{source_id}: {'.'.join(map(str, loc))}: {reason}")


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


SYNONYM_SCOPE = {
    "exact": OIO.hasExactSynonym,
    "related": OIO.hasRelatedSynonym,
    "narrow": OIO.hasNarrowSynonym,
    "broad": OIO.hasBroadSynonym,
}
SYNONYM_TYPE = {
    "abbreviation": DMKG.abbreviation,
    "brand name": DMKG.brandName,
    "gene symbol": DMKG.geneSymbol,
}


def _lit(value: object) -> Literal:
    if isinstance(value, bool):
        return Literal(value)
    if isinstance(value, int):
        return Literal(value, datatype=XSD.integer)
    if isinstance(value, float):
        return Literal(Decimal(str(value)).normalize(), datatype=XSD.decimal)
    return Literal(str(value))


def _en(text: str) -> Literal:
    return Literal(text, lang="en")


class _Writer:
    """Adds triples to one assertion graph, checking dmkg terms and entity keys as it goes."""

    def __init__(self, graph: Graph, source_id: str, terms: Terms, entities: set[str]):
        self.graph, self.source_id, self.terms, self.entities = graph, source_id, terms, entities

    def add(self, s: Node, p: Node, o: Node | None) -> None:
        if o is not None:
            self.graph.add((s, p, o))

    def term(self, name: str, kinds: Iterable[frozenset[URIRef]], loc: tuple) -> URIRef:
        iri = DMKG[name]
        if not any(iri in kind for kind in kinds):
            raise TransformError(self.source_id, loc, f"{name!r} is not a term of the right kind in the ontology")
        return iri

    def cls(self, name: str, loc: tuple) -> URIRef:
        return self.term(name, [self.terms.classes], loc)

    def value(self, name: str, loc: tuple) -> URIRef:
        return self.term(name, [self.terms.individuals], loc)

    def entity(self, key: str, loc: tuple) -> URIRef:
        if key not in self.entities:
            raise TransformError(self.source_id, loc, f"unknown entity {key!r} (see kg/sources/entities.yaml)")
        return DMKGID[key]

    def xref(self, curie: str, loc: tuple) -> URIRef:
        try:
            return URIRef(expand(curie))
        except CurieError as exc:
            raise TransformError(self.source_id, loc, str(exc)) from exc

    def individual(self, node: URIRef, types: Iterable[URIRef], label: str, definition: str = "") -> None:
        """A named individual with its label and, for individuals the build describes itself, a definition."""
        self.add(node, RDF.type, OWL.NamedIndividual)
        for t in types:
            self.add(node, RDF.type, t)
        self.add(node, RDFS.label, _en(label))
        if definition:
            self.define(node, definition)

    def define(self, node: URIRef, definition: str) -> None:
        self.add(node, DEFINITION, _en(definition))
        self.add(node, DEFINITION_SOURCE, _lit("dmkg curation"))

    def evidence_basis(self, node: URIRef, name: str, loc: tuple) -> None:
        """Every basis is `has evidence basis`; only a study design is also `has study design`."""
        value = self.value(name, loc)
        self.add(node, DMKG.hasEvidenceBasis, value)
        if value in self.terms.study_designs:
            self.add(node, DMKG.hasStudyDesign, value)


def publication_iri(publication: Publication) -> URIRef:
    return DMKGID[publication.id]


def reference_iri(number: int) -> URIRef:
    return DMKGID[f"letter-ref-{number:02d}"]


def claim_iri(source_id: str, claim_id: str) -> URIRef:
    return DMKGID[f"claim-{source_id}-{claim_id}"]


def _publication(w: _Writer, pub: Publication) -> URIRef:
    node = publication_iri(pub)
    w.individual(node, [DMKG.Publication], pub.title or pub.citation, f"A publication: {pub.citation}")
    w.add(node, DCTERMS.bibliographicCitation, _lit(pub.citation))
    fields = [
        (DMKG.publicationYear, pub.year), (DMKG.pmid, pub.pmid), (DMKG.pmidStatus, pub.pmid_status),
        (DMKG.doi, pub.doi), (DMKG.doiStatus, pub.doi_status), (DMKG.pmcid, pub.pmcid),
        (DMKG.summary, pub.summary), (DMKG.numberOfPatients, pub.number_of_patients),
        (DMKG.bibliographicStatus, pub.bibliographic_status), (DMKG.bibliographicNote, pub.bibliographic_note),
    ]
    for prop, value in fields:
        if value is not None:
            w.add(node, prop, _lit(value))
    if pub.pmid and pub.pmid_status == "verified":
        w.add(node, HAS_DBXREF, _lit(f"PMID:{pub.pmid}"))
    if pub.study_design:
        w.evidence_basis(node, pub.study_design, ("publication", "study_design"))
    return node


def _is_class(name: str) -> bool:
    """Source files name ontology classes in CamelCase and entities by lower-case slugs."""
    return name[:1].isupper()


def _node_of(w: _Writer, name: str, loc: tuple) -> URIRef:
    """A claim's subject or object: an entity key, or (for statements about kinds) a dmkg class."""
    if _is_class(name):
        return w.cls(name, loc)
    return w.entity(name, loc)


def _claims(w: _Writer, source: Source, statedin: URIRef) -> None:
    # what a candidate publication reports stays reified: which paper a reference is remains unverified
    plain_allowed = not isinstance(source, ReferenceSource)
    for i, claim in enumerate(source.claims):
        loc = ("claims", i)
        node = claim_iri(source.id, claim.id)
        subject = _node_of(w, claim.subject, (*loc, "subject"))
        if claim.predicate == "type":
            predicate, obj = RDF.type, w.cls(claim.object, (*loc, "object"))
        else:
            predicate = w.term(claim.predicate, [w.terms.object_properties], (*loc, "predicate"))
            obj = _node_of(w, claim.object, (*loc, "object"))
        where = source.publication.title or source.id
        modality = w.terms.label(DMKG[claim.modality])
        definition = f"A claim of '{where}', {modality}: {claim.statement}"
        w.individual(node, [DMKG.Claim], claim.statement, definition)
        _claim_evidence(w, claim, node, loc)
        w.add(node, DMKG.claimSubject, subject)
        w.add(node, DMKG.claimPredicate, predicate)
        w.add(node, DMKG.claimObject, obj)
        w.add(node, DMKG.statedIn, statedin)
        for course in claim.about:
            w.add(node, DMKG.concerns, DMKGID[course])
        for number in claim.cites:
            w.add(node, DMKG.citesReference, reference_iri(number))
        about_individuals = not _is_class(claim.subject) and (predicate == RDF.type or not _is_class(claim.object))
        if claim.shortcut and about_individuals and plain_allowed:
            w.add(subject, predicate, obj)


def _claim_evidence(w: _Writer, claim: Claim, node: URIRef, loc: tuple) -> None:
    w.add(node, DMKG.statement, _lit(claim.statement))
    w.add(node, DMKG.hasDirection, w.value(claim.direction, (*loc, "direction")))
    w.add(node, DMKG.hasModality, w.value(claim.modality, (*loc, "modality")))
    for cue in claim.modality_cues:
        w.add(node, DMKG.modalityCue, _lit(cue))
    if claim.endpoint:
        w.add(node, DMKG.endpoint, _lit(claim.endpoint))
    if claim.endpoint_kind:
        w.add(node, DMKG.hasEndpointKind, w.value(claim.endpoint_kind, (*loc, "endpoint_kind")))
    if claim.statistically_significant is not None:
        w.add(node, DMKG.statisticallySignificant, _lit(claim.statistically_significant))
    w.evidence_basis(node, claim.study_design, (*loc, "study_design"))
    w.add(node, DMKG.hasEvidenceLevel, w.value(claim.evidence_level, (*loc, "evidence_level")))
    w.add(node, DMKG.evidenceCode, w.xref(claim.evidence_code, (*loc, "evidence_code")))
    w.add(node, BIOLINK.knowledge_level, _lit(claim.knowledge_level))
    w.add(node, BIOLINK.agent_type, _lit("manual_agent"))
    w.add(node, DMKG.section, _lit(claim.section))
    if claim.quote:
        w.add(node, DMKG.quote, _lit(claim.quote))
    if claim.number_of_patients:
        w.add(node, DMKG.numberOfPatients, _lit(claim.number_of_patients))
    if claim.source_url:
        w.add(node, DCTERMS.source, URIRef(claim.source_url))


def _entities(w: _Writer, source: EntitiesSource) -> None:
    for i, e in enumerate(source.entities):
        loc = ("entities", i)
        node = DMKGID[e.id]
        w.individual(node, [w.cls(t, (*loc, "types", j)) for j, t in enumerate(e.types)], e.label)
        for synonym in e.synonyms:
            _synonym(w, node, synonym if isinstance(synonym, Synonym) else Synonym(text=synonym))
        for j, curie in enumerate(e.xrefs):
            w.add(node, HAS_DBXREF, _lit(curie))
            w.add(node, SKOS.exactMatch, w.xref(curie, (*loc, "xrefs", j)))
        for j, curie in enumerate(e.close_match):
            w.add(node, SKOS.closeMatch, w.xref(curie, (*loc, "close_match", j)))
        for j, curie in enumerate(e.broad_match):
            w.add(node, SKOS.broadMatch, w.xref(curie, (*loc, "broad_match", j)))
        for j, curie in enumerate(e.related_match):
            w.add(node, SKOS.relatedMatch, w.xref(curie, (*loc, "related_match", j)))
        if e.definition:
            w.define(node, e.definition)
        if e.mapping_justification:
            w.add(node, DMKG.mappingJustification, _en(e.mapping_justification))


def _synonym(w: _Writer, node: URIRef, synonym: Synonym) -> None:
    """The OBO scope property, and the dmkg synonym-type property (a sub-property of it) where typed."""
    w.add(node, SYNONYM_SCOPE[synonym.scope], _lit(synonym.text))
    if synonym.type:
        w.add(node, SYNONYM_TYPE[synonym.type], _lit(synonym.text))


def _case(w: _Writer, letter: LetterSource, statedin: URIRef) -> None:
    def provenance(node: URIRef, quote: str, section: str) -> None:
        w.add(node, DMKG.quote, _lit(quote))
        w.add(node, DMKG.section, _lit(section))
        w.add(node, DMKG.statedIn, statedin)

    p, c = letter.patient, letter.case
    patient, case = DMKGID[p.id], DMKGID[c.id]
    person = "woman" if p.sex == "female" else "man"
    definition = f"A patient whose case the letter reports: a {p.age_years}-year-old {person}."
    w.individual(patient, [DMKG.Patient], p.label, definition)
    w.add(patient, DMKG.ageInYears, _lit(p.age_years))
    w.add(patient, DMKG.sex, _lit(p.sex))
    provenance(patient, p.quote, p.section)
    diagnosis = w.entity(c.diagnosis, ("case", "diagnosis"))
    definition = f"A case, the one the letter reports, whose diagnosis is {c.diagnosis}."
    w.individual(case, [DMKG.Case], c.label, definition)
    w.add(case, DMKG.hasPatient, patient)
    w.add(case, DMKG.hasDiagnosis, diagnosis)
    provenance(case, c.quote, c.section)

    for i, f in enumerate(letter.findings):
        node = DMKGID[f.id]
        kind = w.cls(f.kind, ("findings", i, "kind"))
        w.individual(node, [kind], f.label, f"A {w.terms.label(kind)} of the reported case: {f.label}.")
        # a declined investigation has no result: it is not a finding of the case
        declined = kind == DMKG.DeclinedInvestigation
        w.add(case, DMKG.hasDeclinedInvestigation if declined else DMKG.hasFinding, node)
        if f.value:
            w.add(node, DMKG.findingValue, _lit(f.value))
        if f.body_weight_change is not None:
            w.add(node, DMKG.bodyWeightChange, _lit(f.body_weight_change))
        _period(w, node, f)
        for j, key in enumerate(f.shows):
            phenotype = w.entity(key, ("findings", i, "shows", j))
            w.add(node, DMKG.showsPhenotype, phenotype)
            w.add(patient, DMKG.hasPhenotype, phenotype)
        for j, key in enumerate(f.excludes):
            phenotype = w.entity(key, ("findings", i, "excludes", j))
            w.add(node, DMKG.excludesPhenotype, phenotype)
            w.add(patient, DMKG.lacksPhenotype, phenotype)
        provenance(node, f.quote, f.section)

    for i, o in enumerate(letter.outcomes):
        node = DMKGID[o.id]
        kind = w.cls(o.kind, ("outcomes", i, "kind"))
        definition = f"A treatment outcome of the reported case, of the kind '{w.terms.label(kind)}': "
        w.individual(node, [kind], o.statement, definition + o.statement)
        w.add(node, DMKG.statement, _lit(o.statement))
        _period(w, node, o)
        provenance(node, o.quote, o.section)

    drugs = {}
    for i, course in enumerate(letter.courses):
        loc = ("courses", i)
        node = DMKGID[course.id]
        drug = w.entity(course.drug, (*loc, "drug"))
        drugs[drug] = course
        label = f"step {course.step}: {course.drug} {_lit(course.dose_value)} {course.dose_unit} {course.frequency}"
        route = w.terms.label(DMKG[course.route])
        w.individual(node, [DMKG.TreatmentCourse], label, (
            f"A treatment course of the reported case that administers {course.drug} "
            f"{_lit(course.dose_value)} {course.dose_unit} {course.frequency} ({route}), "
            f"first given at step {course.step}."
        ))
        w.add(case, DMKG.hasTreatmentCourse, node)
        w.add(node, DMKG.stepNumber, _lit(course.step))
        w.add(node, DMKG.administersDrug, drug)
        w.add(node, DMKG.doseValue, _lit(course.dose_value))
        w.add(node, DMKG.doseUnit, _lit(course.dose_unit))
        w.add(node, DMKG.frequency, _lit(course.frequency))
        w.add(node, DMKG.hasRoute, w.value(course.route, (*loc, "route")))
        if course.duration_value is not None:
            w.add(node, DMKG.durationValue, _lit(course.duration_value))
            w.add(node, DMKG.durationUnit, _lit(course.duration_unit or ""))
        w.add(node, DMKG.timing, _lit(course.timing))
        for other in course.follows:
            w.add(node, DMKG.followsCourse, DMKGID[other])
        provenance(node, course.quote, course.section)
        if course.route_quote:
            w.add(node, DMKG.quote, _lit(course.route_quote))
    for regimen in letter.regimens:
        node = DMKGID[regimen.id]
        w.individual(node, [DMKG.TreatmentRegimen], regimen.label,
                     f"A treatment regimen of the reported case: {regimen.label}.")
        w.add(case, DMKG.hasTreatmentRegimen, node)
        w.add(node, DMKG.stepNumber, _lit(regimen.step))
        w.add(node, DMKG.timing, _lit(regimen.timing))
        for course in regimen.courses:
            w.add(node, DMKG.includesCourse, DMKGID[course])
        if regimen.follows:
            w.add(node, DMKG.followsRegimen, DMKGID[regimen.follows])
        for outcome in regimen.outcomes:
            w.add(node, DMKG.hasOutcome, DMKGID[outcome])
        provenance(node, regimen.quote, regimen.section)
    for drug in drugs:
        w.add(drug, DMKG.appliedToTreat, diagnosis)


def _period(w: _Writer, node: URIRef, item: Finding | Outcome) -> None:
    if item.period_value is not None:
        w.add(node, DMKG.periodValue, _lit(item.period_value))
        w.add(node, DMKG.periodUnit, _lit(item.period_unit or ""))
    if item.period_anchor:
        w.add(node, DMKG.periodAnchor, _lit(item.period_anchor))


def _reference(w: _Writer, ref: ReferenceSource, publication: URIRef, letter: URIRef) -> None:
    node = reference_iri(ref.number)
    w.individual(node, [DMKG.CitedReference], f"reference {ref.number} of the letter",
                 f"A cited reference: entry {ref.number} of the letter's reference list.")
    w.add(node, DMKG.referenceNumber, _lit(ref.number))
    w.add(node, DMKG.citedFor, _lit(ref.cited_for))
    w.add(node, DMKG.referenceOf, letter)
    w.add(node, DMKG.identifiedAs, publication)
    w.add(node, DMKG.assignmentStatus, _lit(ref.assignment_status))
    if ref.assignment_note:
        w.add(node, DMKG.assignmentNote, _lit(ref.assignment_note))
    for alternative in ref.alternatives:
        w.add(node, DMKG.alternativeCandidate, _lit(alternative))


def build_dataset(sources: Sources, ontology: Graph) -> Dataset:
    """All sources as quads: per source an assertion, a provenance and a pubinfo graph."""
    terms = Terms.of(ontology)
    entity_keys = {e.id for e in sources.entities.entities} | sources.letter.case_nodes()
    letter_iri = publication_iri(sources.letter.publication)
    dataset = Dataset()
    for source in sources.all():
        assertion, provenance, pubinfo = source_graphs(source.id)
        graph = dataset.graph(assertion)
        w = _Writer(graph, source.id, terms, entity_keys)
        publication = _publication(w, source.publication)
        if isinstance(source, EntitiesSource):
            _entities(w, source)
        elif isinstance(source, LetterSource):
            _case(w, source, publication)
        elif isinstance(source, ReferenceSource):
            _reference(w, source, publication, letter_iri)
        _claims(w, source, publication)

        prov = dataset.graph(provenance)
        prov.add((assertion, PROV.wasDerivedFrom, publication))
        prov.add((assertion, PROV.wasAttributedTo, CURATORS))
        prov.add((assertion, DCTERMS.source, Literal(sources.file_name(source.id))))
        info = dataset.graph(pubinfo)
        info.add((assertion, DCTERMS.license, LICENSE))
        info.add((assertion, DCTERMS.created, Literal(source.curated_on, datatype=XSD.date)))
        info.add((assertion, DCTERMS.creator, CURATORS))
        info.add((CURATORS, RDF.type, PROV.Agent))
        info.add((CURATORS, RDFS.label, _en("dmkg curators")))
    _no_blank_nodes(dataset)
    return dataset


def _no_blank_nodes(dataset: Dataset) -> None:
    for s, p, o, _ in dataset.quads():
        if isinstance(s, BNode) or isinstance(o, BNode):
            raise AssertionError(f"blank node in KG output: {s} {p} {o}")
