"""A document's cases as RDF: patient, case, findings, outcomes, treatment courses and regimens.

Every node is minted under the document's prefix, so two documents' cases never share an IRI, and each
carries its quote, section and the publication that states it.
"""

from __future__ import annotations

from rdflib import URIRef

from kg.model import Case, Finding, Outcome
from kg.rdf_writer import Writer, lit
from kg.vocab import DMKG


def case_graph(w: Writer, c: Case, at: tuple, statedin: URIRef) -> None:
    def provenance(node: URIRef, quote: str, section: str) -> None:
        w.add(node, DMKG.quote, lit(quote))
        w.add(node, DMKG.section, lit(section))
        w.add(node, DMKG.statedIn, statedin)

    p = c.patient
    patient, case = w.mint(p.id), w.mint(c.id)
    person = "woman" if p.sex == "female" else "man"
    w.individual(
        patient,
        [DMKG.Patient],
        p.label,
        f"A patient whose case the source reports: a {p.age_years}-year-old {person}.",
    )
    w.add(patient, DMKG.ageInYears, lit(p.age_years))
    w.add(patient, DMKG.sex, lit(p.sex))
    provenance(patient, p.quote, p.section)
    w.individual(
        case, [DMKG.Case], c.label, f"A case reported in the source, whose diagnosis is {c.diagnosis}."
    )
    w.add(case, DMKG.hasPatient, patient)
    diagnosis = w.entity(c.diagnosis, (*at, "diagnosis"))
    w.add(case, DMKG.hasDiagnosis, diagnosis)
    provenance(case, c.quote, c.section)

    for i, f in enumerate(c.findings):
        node = w.mint(f.id)
        kind = w.cls(f.kind, (*at, "findings", i, "kind"))
        w.individual(node, [kind], f.label, f"A {w.terms.label(kind)} of the reported case: {f.label}.")
        # a declined investigation has no result: it is not a finding of the case
        declined = kind == DMKG.DeclinedInvestigation
        w.add(case, DMKG.hasDeclinedInvestigation if declined else DMKG.hasFinding, node)
        if f.value:
            w.add(node, DMKG.findingValue, lit(f.value))
        if f.body_weight_change is not None:
            w.add(node, DMKG.bodyWeightChange, lit(f.body_weight_change))
        _period(w, node, f)
        for j, key in enumerate(f.shows):
            phenotype = w.entity(key, (*at, "findings", i, "shows", j))
            w.add(node, DMKG.showsPhenotype, phenotype)
            w.add(patient, DMKG.hasPhenotype, phenotype)
        for j, key in enumerate(f.excludes):
            phenotype = w.entity(key, (*at, "findings", i, "excludes", j))
            w.add(node, DMKG.excludesPhenotype, phenotype)
            w.add(patient, DMKG.lacksPhenotype, phenotype)
        provenance(node, f.quote, f.section)

    for i, o in enumerate(c.outcomes):
        node = w.mint(o.id)
        kind = w.cls(o.kind, (*at, "outcomes", i, "kind"))
        definition = f"A treatment outcome of the reported case, of the kind '{w.terms.label(kind)}': "
        w.individual(node, [kind], o.statement, definition + o.statement)
        w.add(node, DMKG.statement, lit(o.statement))
        _period(w, node, o)
        provenance(node, o.quote, o.section)

    drugs = {}
    for i, course in enumerate(c.courses):
        loc = (*at, "courses", i)
        node = w.mint(course.id)
        drug = w.entity(course.drug, (*loc, "drug"))
        drugs[drug] = course
        dose = f"{lit(course.dose_value)} {course.dose_unit}"
        label = f"step {course.step}: {course.drug} {dose} {course.frequency}"
        if w.document and w.document.prefix:  # the letter owns bare labels, as it owns bare IRIs
            label += f" ({w.document.id} {c.id})"
        route = w.terms.label(DMKG[course.route])
        w.individual(node, [DMKG.TreatmentCourse], label, (
            f"A treatment course of the reported case that administers {course.drug} {dose} "
            f"{course.frequency} ({route}), first given at step {course.step}."
        ))
        w.add(case, DMKG.hasTreatmentCourse, node)
        w.add(node, DMKG.stepNumber, lit(course.step))
        w.add(node, DMKG.administersDrug, drug)
        w.add(node, DMKG.doseValue, lit(course.dose_value))
        w.add(node, DMKG.doseUnit, lit(course.dose_unit))
        w.add(node, DMKG.frequency, lit(course.frequency))
        w.add(node, DMKG.hasRoute, w.value(course.route, (*loc, "route")))
        if course.duration_value is not None:
            w.add(node, DMKG.durationValue, lit(course.duration_value))
            w.add(node, DMKG.durationUnit, lit(course.duration_unit or ""))
        w.add(node, DMKG.timing, lit(course.timing))
        for other in course.follows:
            w.add(node, DMKG.followsCourse, w.mint(other))
        provenance(node, course.quote, course.section)
        if course.route_quote:
            w.add(node, DMKG.quote, lit(course.route_quote))
    for regimen in c.regimens:
        node = w.mint(regimen.id)
        w.individual(node, [DMKG.TreatmentRegimen], regimen.label,
                     f"A treatment regimen of the reported case: {regimen.label}.")
        w.add(case, DMKG.hasTreatmentRegimen, node)
        w.add(node, DMKG.stepNumber, lit(regimen.step))
        w.add(node, DMKG.timing, lit(regimen.timing))
        for course in regimen.courses:
            w.add(node, DMKG.includesCourse, w.mint(course))
        if regimen.follows:
            w.add(node, DMKG.followsRegimen, w.mint(regimen.follows))
        for outcome in regimen.outcomes:
            w.add(node, DMKG.hasOutcome, w.mint(outcome))
        provenance(node, regimen.quote, regimen.section)
    for drug in drugs:
        w.add(drug, DMKG.appliedToTreat, diagnosis)


def _period(w: Writer, node: URIRef, item: Finding | Outcome) -> None:
    if item.period_value is not None:
        w.add(node, DMKG.periodValue, lit(item.period_value))
        w.add(node, DMKG.periodUnit, lit(item.period_unit or ""))
    if item.period_anchor:
        w.add(node, DMKG.periodAnchor, lit(item.period_anchor))
