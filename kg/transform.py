"""Turn the validated source files into RDF: one assertion, provenance and pubinfo graph per source.

Each source document gets the nanopublication shape, so "where does this fact come from" is always a
GRAPH lookup away. A claim is reified KGX-style (a dmkg:Claim node with subject, predicate, object,
modality and evidence). Only a claim that a document or the entity registry states as fact, that
supports its statement and relates individuals also stands as a plain triple, so a plain triple never
reads as fact what a source hedges; what candidate publications report stays in claim nodes.

Each document mints its case's IRIs under its own prefix (kg.model.DocumentSource), and its numbered
references as `<document id>-ref-NN`, so documents never collide.
"""

from __future__ import annotations

from rdflib import BNode, Dataset, Graph, Literal, URIRef

from kg.case_rdf import case_graph
from kg.model import Claim, DocumentSource, EntitiesSource, Publication, ReferenceSource, Synonym
from kg.rdf_writer import Terms, TransformError, TransformErrors, Writer, en, lit
from kg.read_sources import SourceFile, Sources
from kg.vocab import (
    BIOLINK,
    CURATORS,
    DCTERMS,
    DMKG,
    DMKGID,
    HAS_DBXREF,
    LICENSE,
    OIO,
    PROV,
    RDF,
    RDFS,
    SKOS,
    XSD,
    source_graphs,
)


def publication_iri(publication: Publication) -> URIRef:
    return DMKGID[publication.id]


def reference_iri(document_id: str, number: int) -> URIRef:
    """Reference NUMBER of a document, e.g. dmkgid:letter-ref-14."""
    return DMKGID[f"{document_id}-ref-{number:02d}"]


def claim_iri(source_id: str, claim_id: str) -> URIRef:
    return DMKGID[f"claim-{source_id}-{claim_id}"]


def _publication(w: Writer, pub: Publication) -> URIRef:
    node = publication_iri(pub)
    w.individual(node, [DMKG.Publication], pub.title or pub.citation, f"A publication: {pub.citation}")
    w.add(node, DCTERMS.bibliographicCitation, lit(pub.citation))
    fields = [
        (DMKG.publicationYear, pub.year),
        (DMKG.pmid, pub.pmid),
        (DMKG.pmidStatus, pub.pmid_status),
        (DMKG.doi, pub.doi),
        (DMKG.doiStatus, pub.doi_status),
        (DMKG.pmcid, pub.pmcid),
        (DMKG.summary, pub.summary),
        (DMKG.numberOfPatients, pub.number_of_patients),
        (DMKG.bibliographicStatus, pub.bibliographic_status),
        (DMKG.bibliographicNote, pub.bibliographic_note),
    ]
    for prop, value in fields:
        if value is not None:
            w.add(node, prop, lit(value))
    if pub.pmid and pub.pmid_status == "verified":
        w.add(node, HAS_DBXREF, lit(f"PMID:{pub.pmid}"))
    if pub.study_design:
        w.evidence_basis(node, pub.study_design, ("publication", "study_design"))
    return node


def _is_class(name: str) -> bool:
    """Source files name ontology classes in CamelCase and entities by lower-case slugs."""
    return name[:1].isupper()


def _node_of(w: Writer, name: str, loc: tuple) -> URIRef:
    """A claim's subject or object: an entity key, a node of the document's cases (a course or a
    regimen), or (for statements about kinds) a dmkg class."""
    if _is_class(name):
        return w.cls(name, loc)
    if name in w.local:
        return w.mint(name)
    return w.entity(name, loc)


def _claims(w: Writer, source: EntitiesSource | DocumentSource | ReferenceSource, statedin: URIRef) -> None:
    # what a candidate publication reports stays reified: which paper a reference is remains unverified
    plain_allowed = not isinstance(source, ReferenceSource)
    for i, claim in enumerate(source.claims):
        loc = ("claims", i)
        node = claim_iri(w.source_id, claim.id)
        subject = _node_of(w, claim.subject, (*loc, "subject"))
        if claim.predicate == "type":
            predicate, obj = RDF.type, w.cls(claim.object, (*loc, "object"))
        else:
            predicate = w.term(claim.predicate, [w.terms.object_properties], (*loc, "predicate"))
            obj = _node_of(w, claim.object, (*loc, "object"))
        where = source.publication.title or w.source_id
        modality = w.terms.label(DMKG[claim.modality])
        definition = f"A claim of '{where}', {modality}: {claim.statement}"
        w.individual(node, [DMKG.Claim], claim.statement, definition)
        _claim_evidence(w, claim, node, loc)
        w.add(node, DMKG.claimSubject, subject)
        w.add(node, DMKG.claimPredicate, predicate)
        w.add(node, DMKG.claimObject, obj)
        w.add(node, DMKG.statedIn, statedin)
        for course in claim.about:
            w.add(node, DMKG.concerns, w.mint(course))
        for number in claim.cites:
            w.add(node, DMKG.citesReference, reference_iri(w.document.id if w.document else "", number))
        about_individuals = not _is_class(claim.subject) and (
            predicate == RDF.type or not _is_class(claim.object)
        )
        if claim.shortcut and about_individuals and plain_allowed:
            w.add(subject, predicate, obj)


def _claim_evidence(w: Writer, claim: Claim, node: URIRef, loc: tuple) -> None:
    w.add(node, DMKG.statement, lit(claim.statement))
    w.add(node, DMKG.hasDirection, w.value(claim.direction, (*loc, "direction")))
    w.add(node, DMKG.hasModality, w.value(claim.modality, (*loc, "modality")))
    for cue in claim.modality_cues:
        w.add(node, DMKG.modalityCue, lit(cue))
    if claim.endpoint:
        w.add(node, DMKG.endpoint, lit(claim.endpoint))
    if claim.endpoint_kind:
        w.add(node, DMKG.hasEndpointKind, w.value(claim.endpoint_kind, (*loc, "endpoint_kind")))
    if claim.statistically_significant is not None:
        w.add(node, DMKG.statisticallySignificant, lit(claim.statistically_significant))
    w.evidence_basis(node, claim.study_design, (*loc, "study_design"))
    w.add(node, DMKG.hasEvidenceLevel, w.value(claim.evidence_level, (*loc, "evidence_level")))
    w.add(node, DMKG.evidenceCode, w.xref(claim.evidence_code, (*loc, "evidence_code")))
    w.add(node, BIOLINK.knowledge_level, lit(claim.knowledge_level))
    w.add(node, BIOLINK.agent_type, lit("manual_agent"))
    w.add(node, DMKG.section, lit(claim.section))
    if claim.quote:
        w.add(node, DMKG.quote, lit(claim.quote))
    if claim.number_of_patients:
        w.add(node, DMKG.numberOfPatients, lit(claim.number_of_patients))
    if claim.source_url:
        w.add(node, DCTERMS.source, URIRef(claim.source_url))


def _entities(w: Writer, source: EntitiesSource) -> None:
    for i, e in enumerate(source.entities):
        loc = ("entities", i)
        node = DMKGID[e.id]
        w.individual(node, [w.cls(t, (*loc, "types", j)) for j, t in enumerate(e.types)], e.label)
        for synonym in e.synonyms:
            _synonym(w, node, synonym if isinstance(synonym, Synonym) else Synonym(text=synonym))
        for j, curie in enumerate(e.xrefs):
            w.add(node, HAS_DBXREF, lit(curie))
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
            w.add(node, DMKG.mappingJustification, en(e.mapping_justification))


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


def _synonym(w: Writer, node: URIRef, synonym: Synonym) -> None:
    """The OBO scope property, and the dmkg synonym-type property (a sub-property of it) where typed."""
    w.add(node, SYNONYM_SCOPE[synonym.scope], lit(synonym.text))
    if synonym.type:
        w.add(node, SYNONYM_TYPE[synonym.type], lit(synonym.text))


def _reference(w: Writer, ref: ReferenceSource, publication: URIRef, document: DocumentSource) -> None:
    node = reference_iri(document.id, ref.number)
    w.individual(node, [DMKG.CitedReference], f"reference {ref.number} of {document.name}",
                 f"A cited reference: entry {ref.number} of the reference list of {document.name}.")
    w.add(node, DMKG.referenceNumber, lit(ref.number))
    w.add(node, DMKG.citedFor, lit(ref.cited_for))
    w.add(node, DMKG.referenceOf, publication_iri(document.publication))
    w.add(node, DMKG.identifiedAs, publication)
    w.add(node, DMKG.assignmentStatus, lit(ref.assignment_status))
    if ref.assignment_note:
        w.add(node, DMKG.assignmentNote, lit(ref.assignment_note))
    for alternative in ref.alternatives:
        w.add(node, DMKG.alternativeCandidate, lit(alternative))


def build_dataset(sources: Sources, ontology: Graph) -> Dataset:
    """All sources as quads: per source file an assertion, a provenance and a pubinfo graph.

    Raises TransformErrors naming every unknown entity, ontology term or CURIE.
    """
    terms = Terms.of(ontology)
    entity_keys = {e.id for e in sources.entities.entities}
    dataset = Dataset()
    errors: list[TransformError] = []
    for file in sources.files:
        _source_graphs(dataset, sources, file, terms, entity_keys, errors)
    if errors:
        raise TransformErrors(errors)
    _no_blank_nodes(dataset)
    return dataset


def _source_graphs(dataset: Dataset, sources: Sources, file: SourceFile, terms: Terms, entity_keys: set[str],
                   errors: list[TransformError]) -> None:
    source = file.source
    assertion, provenance, pubinfo = source_graphs(file.key)
    w = Writer(dataset.graph(assertion), file.key, terms, entity_keys, errors, file.document)
    pub = source.publication
    publication = DMKGID[pub] if isinstance(pub, str) else _publication(w, pub)
    if isinstance(source, EntitiesSource):
        _entities(w, source)
    elif isinstance(source, DocumentSource):
        for i, case in enumerate(source.cases):
            case_graph(w, case, ("cases", i), publication)
    elif isinstance(source, ReferenceSource) and file.document:
        _reference(w, source, publication, file.document)
    _claims(w, source, publication)  # type: ignore[arg-type]

    prov = dataset.graph(provenance)
    prov.add((assertion, PROV.wasDerivedFrom, publication))
    prov.add((assertion, PROV.wasAttributedTo, CURATORS))
    prov.add((assertion, DCTERMS.source, Literal(sources.file_name(file.key))))
    info = dataset.graph(pubinfo)
    info.add((assertion, DCTERMS.license, LICENSE))
    info.add((assertion, DCTERMS.created, Literal(source.curated_on, datatype=XSD.date)))
    info.add((assertion, DCTERMS.creator, CURATORS))
    if file.document:
        # the document this file is part of, so VoID and `dmkg stats` can list documents
        info.add((assertion, DCTERMS.isPartOf, publication_iri(file.document.publication)))
    info.add((CURATORS, RDF.type, PROV.Agent))
    info.add((CURATORS, RDFS.label, en("dmkg curators")))


def _no_blank_nodes(dataset: Dataset) -> None:
    for s, p, o, _ in dataset.quads():
        if isinstance(s, BNode) or isinstance(o, BNode):
            raise AssertionError(f"blank node in KG output: {s} {p} {o}")
