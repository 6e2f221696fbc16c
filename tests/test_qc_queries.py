"""Each QC query (queries/qc/qc-*-violation.rq) catches its defect in a small broken fixture, names the
right entity, and stays silent on the clean fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.checks.qc import QC_DIR, check_name, qc_query_files, run_qc_on_file

DATA = Path(__file__).parent / "data" / "validate"
V = "https://w3id.org/dmkg/vocab/"
ID = "https://w3id.org/dmkg/id/"
DCT = "http://purl.org/dc/terms/"
OWL = "http://www.w3.org/2002/07/owl#"

# check -> (fixture, the entities it must report, exactly)
EXPECTED = {
    "missing-label": ("broken-labels.ttl", {V + "Drug"}),
    "multiple-labels": ("broken-labels.ttl", {V + "Disease"}),
    "label-not-english": ("broken-labels.ttl", {V + "Case"}),
    "label-with-iri": ("broken-labels.ttl", {V + "Phenotype"}),
    "duplicate-label": ("broken-labels.ttl", {V + "TreatmentCourse", V + "Course"}),
    "missing-definition": ("broken-definitions.ttl", {V + "Drug"}),
    "definition-lacks-source": ("broken-definitions.ttl", {V + "Disease"}),
    "multiple-definitions": ("broken-definitions.ttl", {V + "Case"}),
    "dc-elements": ("broken-dc-elements.ttl", {"https://w3id.org/dmkg/dmkg.owl"}),
    "deprecated-term-in-use": ("broken-deprecated.ttl", {V + "OldDrug"}),
    "dangling-reference": ("broken-dangling.ttl", {V + "Drgu", ID + "cd11a"}),
    "unlabelled-annotation-property": ("broken-header.ttl", {DCT + "license"}),
    "ontology-header": ("broken-header.ttl", {"https://w3id.org/dmkg/dmkg.owl"}),
}


def _violations(fixture: str, check: str):
    query = QC_DIR / f"qc-{check}-violation.rq"
    return run_qc_on_file(DATA / fixture, [query])


def test_every_qc_query_has_a_failing_fixture():
    assert {check_name(q) for q in qc_query_files()} == set(EXPECTED)


@pytest.mark.parametrize("check", sorted(EXPECTED))
def test_query_catches_its_defect(check):
    fixture, entities = EXPECTED[check]
    found = _violations(fixture, check)
    assert {v.entity for v in found} == entities
    assert all(v.check == check for v in found)


@pytest.mark.parametrize("check", sorted(EXPECTED))
def test_query_is_silent_on_the_clean_fixture(check):
    assert _violations("good.ttl", check) == []
    assert _violations("good.owl", check) == []


def test_deprecated_term_rows_name_each_use():
    found = _violations("broken-deprecated.ttl", "deprecated-term-in-use")
    uses = {(v.property, v.value) for v in found}
    assert uses == {
        ("http://www.w3.org/2000/01/rdf-schema#subClassOf", V + "Biologic"),
        ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", ID + "efalizumab"),
    }  # the replacement pointer (IAO:0100001) is not a use


def test_definition_source_may_be_an_axiom_annotation():
    found = _violations("broken-definitions.ttl", "definition-lacks-source")
    assert V + "Gene" not in {v.entity for v in found}


def test_deprecated_class_needs_no_definition():
    found = _violations("broken-definitions.ttl", "missing-definition")
    assert V + "Obsolete" not in {v.entity for v in found}


def test_header_reports_each_missing_or_malformed_field():
    found = _violations("broken-header.ttl", "ontology-header")
    assert {(v.property, v.value) for v in found} == {
        (OWL + "versionIRI", None),
        (DCT + "creator", None),
        (DCT + "license", '"CC-BY 4.0"'),
    }


def test_header_requires_exactly_one_ontology():
    found = _violations("broken-two-ontologies.ttl", "ontology-header")
    counts = [v.value for v in found if v.entity is None]
    assert counts == ['"2"^^<http://www.w3.org/2001/XMLSchema#integer>']
    assert [v for v in _violations("broken-labels.ttl", "ontology-header") if v.entity is None]


def test_duplicate_labels_within_a_kind_only():
    """Two claims with one label collide; a class and its individual sharing a name do not."""
    found = _violations("broken-labels.ttl", "duplicate-label")
    assert ID + "course-1" not in {v.entity for v in found}
    two_individuals = _violations("duplicate-individual-labels.ttl", "duplicate-label")
    assert {v.entity for v in two_individuals} == {ID + "claim-a", ID + "claim-b"}


def test_dc_elements_rows_name_the_properties():
    found = _violations("broken-dc-elements.ttl", "dc-elements")
    assert {v.property for v in found} == {
        "http://purl.org/dc/elements/1.1/title",
        "http://purl.org/dc/elements/1.1/creator",
    }


def test_query_must_project_entity_property_value(tmp_path):
    bad = tmp_path / "qc-bad-violation.rq"
    bad.write_text("SELECT ?s WHERE { ?s ?p ?o }")
    with pytest.raises(ValueError, match="must project"):
        run_qc_on_file(DATA / "good.ttl", [bad])
