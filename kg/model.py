"""The schema of the curated source files, as pydantic models.

A source document is a folder under kg/sources/: `document.yaml` (the publication, its cases and its
claims) and `references/ref-NN.yaml` (its numbered references, any number of them); the entity
registry `entities.yaml` is shared by all documents. Unknown fields are rejected (a misspelt key must
not vanish silently), identifiers are slugs, and cross-references inside one file are checked here;
references across files are checked by kg.checks.source_checks, and ontology terms by kg.transform.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Curie = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.]*:[^\s:]+$")]
TermName = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9]*$")]
Text = Annotated[str, Field(min_length=1)]

KnowledgeLevel = Literal[
    "knowledge_assertion", "logical_entailment", "prediction", "statistical_association", "observation",
]
Direction = Literal["supports", "refutes", "noEffect"]
Modality = Literal["statedAsFact", "probable", "possible", "hypothesis", "unclear", "curatorInference"]
HEDGED: frozenset[str] = frozenset({"probable", "possible", "hypothesis"})
VerificationStatus = Literal["verified", "partly verified", "unverified"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Publication(Strict):
    id: Slug
    title: Text | None = None
    citation: Text
    year: int | None = None
    pmid: Annotated[str, Field(pattern=r"^[0-9]+$")] | None = None
    pmid_status: Text | None = None
    doi: Annotated[str, Field(pattern=r"^10\.\S+$")] | None = None
    doi_status: Text | None = None
    pmcid: Annotated[str, Field(pattern=r"^PMC[0-9]+$")] | None = None
    summary: Text | None = None
    study_design: TermName | None = None
    number_of_patients: Annotated[int, Field(ge=1)] | None = None
    bibliographic_status: VerificationStatus
    bibliographic_note: Text | None = None

    @model_validator(mode="after")
    def _status_with_identifier(self) -> Publication:
        if self.pmid and not self.pmid_status:
            raise ValueError("pmid needs pmid_status (where it was seen, or 'unverified')")
        if self.doi and not self.doi_status:
            raise ValueError("doi needs doi_status (where it was seen, or 'unverified')")
        return self


class Claim(Strict):
    """One statement, reified KGX-style; `assert_edge` adds the plain triple when it is supported."""

    id: Slug
    statement: Text
    subject: Text
    predicate: TermName
    object: Text
    direction: Direction = "supports"
    modality: Modality
    modality_cues: list[Text] = []
    cites: list[Annotated[int, Field(ge=1)]] = []
    about: list[Slug] = []
    study_design: TermName
    evidence_level: TermName
    evidence_code: Curie
    knowledge_level: KnowledgeLevel
    number_of_patients: Annotated[int, Field(ge=1)] | None = None
    endpoint: Text | None = None
    endpoint_kind: Literal["clinicalEndpoint", "surrogateEndpoint"] | None = None
    statistically_significant: bool | None = None
    quote: Text | None = None
    source_url: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = None
    section: Text
    assert_edge: bool = True

    @model_validator(mode="after")
    def _traceable(self) -> Claim:
        if not (self.quote or self.cites or self.source_url or self.modality == "curatorInference"):
            raise ValueError("a claim needs a quote, cited references or a source_url")
        if not self.evidence_code.startswith("ECO:"):
            raise ValueError(f"evidence_code must be an ECO term, not {self.evidence_code!r}")
        if self.modality == "statedAsFact" and self.modality_cues:
            raise ValueError(
                "a claim stated as fact has no modality_cues; set the modality the cues call for"
            )
        if self.modality in HEDGED | {"unclear"} and not self.modality_cues:
            raise ValueError(
                f"modality {self.modality!r} needs the hedge words of the quote in modality_cues"
            )
        for cue in self.modality_cues:
            if self.quote and cue.lower() not in self.quote.lower():
                raise ValueError(f"modality cue {cue!r} does not occur in the quote")
        if self.modality in HEDGED and self.knowledge_level != "prediction":
            raise ValueError(
                "a hedged claim (probable, possible, hypothesis) has knowledge_level 'prediction'"
            )
        if self.modality == "curatorInference" and (
            self.quote or self.knowledge_level != "logical_entailment"
        ):
            raise ValueError("a curator inference has no quote and knowledge_level 'logical_entailment'")
        return self

    @property
    def shortcut(self) -> bool:
        """Whether the claim may also stand as a plain triple: only what its source states as fact."""
        return self.modality == "statedAsFact" and self.direction == "supports" and self.assert_edge


class Synonym(Strict):
    """A synonym with its OBO scope; a plain string in the source is an exact synonym."""

    text: Text
    scope: Literal["exact", "related", "narrow", "broad"] = "exact"
    type: Literal["abbreviation", "brand name", "gene symbol"] | None = None


class Entity(Strict):
    id: Slug
    label: Text
    types: list[TermName] = Field(min_length=1)
    definition: Text | None = None
    synonyms: list[Text | Synonym] = []
    xrefs: list[Curie] = []  # exact matches: oboInOwl:hasDbXref and skos:exactMatch
    close_match: list[Curie] = []
    broad_match: list[Curie] = []
    related_match: list[Curie] = []  # e.g. the gene that encodes a protein
    mapping_justification: Text | None = None


class Patient(Strict):
    id: Slug
    label: Text
    age_years: Annotated[int, Field(ge=0, le=130)]
    sex: Literal["female", "male"]
    quote: Text
    section: Text




FindingKind = Literal[
    "ClinicalSign", "HistoryFinding", "HistologyFinding", "ElectromyographyFinding", "SerologyFinding",
    "LaboratoryFinding", "ScreeningFinding", "DeclinedInvestigation",
]


class Finding(Strict):
    id: Slug
    kind: FindingKind
    label: Text
    value: Text | None = None
    body_weight_change: float | None = None
    period_value: Annotated[float, Field(gt=0)] | None = None
    period_unit: Literal["day", "week", "month", "year"] | None = None
    period_anchor: Text | None = None
    shows: list[Slug] = []
    excludes: list[Slug] = []
    quote: Text
    section: Text


class Outcome(Strict):
    id: Slug
    kind: Literal["NoResponse", "MarkedImprovement", "MinorImprovement", "StableDisease"]
    statement: Text
    period_value: Annotated[float, Field(gt=0)] | None = None
    period_unit: Literal["day", "week", "month", "year"] | None = None
    period_anchor: Text | None = None
    quote: Text
    section: Text


class Course(Strict):
    id: Slug
    step: Annotated[int, Field(ge=1)]
    drug: Slug
    dose_value: Annotated[float, Field(gt=0)]
    dose_unit: Text
    frequency: Text
    route: Literal["oral", "intravenous", "subcutaneous", "routeNotReported"]
    route_quote: Text | None = None
    duration_value: Annotated[float, Field(gt=0)] | None = None
    duration_unit: Text | None = None
    timing: Text = "not reported"
    follows: list[Slug] = []
    quote: Text
    section: Text


class Regimen(Strict):
    """The courses given together at one step: the letter reports responses per step, not per drug."""

    id: Slug
    step: Annotated[int, Field(ge=1)]
    label: Text
    courses: list[Slug] = Field(min_length=1)
    follows: Slug | None = None
    outcomes: list[Slug] = Field(min_length=1)
    timing: Text = "not reported"
    quote: Text
    section: Text


class Case(Strict):
    """One patient's illness as the document tells it; its ids are local to the document."""

    id: Slug
    label: Text
    diagnosis: Slug
    quote: Text
    section: Text
    patient: Patient
    findings: list[Finding] = []
    outcomes: list[Outcome] = []
    courses: list[Course] = []
    regimens: list[Regimen] = []

    def local_ids(self) -> list[str]:
        """Every id this case mints, in file order (the build turns each into an IRI)."""
        return [self.id, self.patient.id, *(f.id for f in self.findings), *(o.id for o in self.outcomes),
                *(c.id for c in self.courses), *(r.id for r in self.regimens)]

    @model_validator(mode="after")
    def _internal_references(self) -> Case:
        courses = {c.id for c in self.courses}
        regimens = {r.id for r in self.regimens}
        outcomes = {o.id for o in self.outcomes}
        for course in self.courses:
            for other in course.follows:
                if other not in courses:
                    raise ValueError(f"course {course.id!r} names unknown course {other!r}")
        for regimen in self.regimens:
            for course in regimen.courses:
                if course not in courses:
                    raise ValueError(f"regimen {regimen.id!r} names unknown course {course!r}")
            for outcome in regimen.outcomes:
                if outcome not in outcomes:
                    raise ValueError(f"regimen {regimen.id!r} names unknown outcome {outcome!r}")
            if regimen.follows and regimen.follows not in regimens:
                raise ValueError(f"regimen {regimen.id!r} follows unknown regimen {regimen.follows!r}")
        return self


TextPaths = Annotated[list[Text], Field(min_length=1)]


class Source(Strict):
    """What every source file has: an id, a curation date, the publication it records, its claims,
    and where the text its quotes are taken from lives (paths relative to the repository root)."""

    id: Slug
    curated_on: datetime.date
    publication: Publication
    text: TextPaths | None = None
    claims: list[Claim] = []

    @model_validator(mode="before")
    @classmethod
    def _one_text_path(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("text"), str):
            return {**data, "text": [data["text"]]}
        return data


class EntitiesSource(Source):
    id: Literal["entities"]
    entities: list[Entity]


class DocumentSource(Source):
    """A report (letter, case report, case series, study): its cases and claims.

    Its ids become IRIs as `iri_prefix` + id; the prefix defaults to the document id and a hyphen, so
    two documents' cases never collide. The first document, the letter, keeps the bare IRIs it had
    before documents had folders (`iri_prefix: ""`).
    """

    iri_prefix: Annotated[str, Field(pattern=r"^([a-z0-9]+(?:-[a-z0-9]+)*-)?$")] | None = None
    short_name: Text | None = None  # how labels name it: "reference 14 of the letter"
    cases: list[Case] = []

    @property
    def prefix(self) -> str:
        return f"{self.id}-" if self.iri_prefix is None else self.iri_prefix

    @property
    def name(self) -> str:
        return self.short_name or f"document {self.id}"

    def case_nodes(self) -> set[str]:
        """The cases' own nodes a claim may name as subject: their courses and regimens."""
        return {c.id for case in self.cases for c in case.courses} | \
               {r.id for case in self.cases for r in case.regimens}

    @model_validator(mode="after")
    def _internal_references(self) -> DocumentSource:
        seen: dict[str, str] = {}
        for case in self.cases:
            for local in case.local_ids():
                if local in seen:
                    raise ValueError(f"id {local!r} is used twice (cases {seen[local]!r} and {case.id!r})")
                seen[local] = case.id
        nodes = self.case_nodes()
        for claim in self.claims:
            for node in claim.about:
                if node not in nodes:
                    raise ValueError(f"claim {claim.id!r} is about unknown course or regimen {node!r}")
        return self


class ReferenceSource(Source):
    """A numbered reference of a document. Its publication is described here, or named by the id of a
    publication another source file describes (two documents citing one paper describe it once)."""

    publication: Publication | Slug  # type: ignore[assignment]
    number: Annotated[int, Field(ge=1)]
    cited_for: Text
    assignment_status: VerificationStatus
    assignment_note: Text | None = None
    alternatives: list[Text] = []

    @model_validator(mode="after")
    def _number_matches_id(self) -> ReferenceSource:
        if self.id != reference_id(self.number):
            raise ValueError(f"id {self.id!r} does not match number {self.number} "
                             f"(expected {reference_id(self.number)!r})")
        return self


def reference_id(number: int) -> str:
    """The file id of a document's reference NUMBER: ref-01, ref-02, … ref-123."""
    return f"ref-{number:02d}"
