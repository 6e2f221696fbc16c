"""HermiT (through owlready2) must find an inconsistent individual and an unsatisfiable class, and report
what it inferred beyond the assertions."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.checks.hermit import RDF_TYPE, RDFS_SUBCLASS_OF, reason_file

pytestmark = pytest.mark.java

DATA = Path(__file__).parent / "data" / "validate"
V = "https://w3id.org/dmkg/vocab/"
ID = "https://w3id.org/dmkg/id/"


def test_individual_in_two_disjoint_classes_is_inconsistent():
    result = reason_file(DATA / "broken-inconsistent.ttl")
    assert not result.consistent
    assert result.error


def test_class_below_two_disjoint_classes_is_unsatisfiable():
    result = reason_file(DATA / "broken-unsatisfiable.ttl")
    assert result.consistent
    assert result.unsatisfiable == [V + "AntibodyMolecule"]


@pytest.mark.parametrize("name", ["good.ttl", "good.owl"])
def test_clean_ontology_classifies_and_reports_inferences(name):
    result = reason_file(DATA / name)
    assert result.consistent
    assert result.unsatisfiable == []
    # tnf is the target of infliximab, a TNF inhibitor, so it falls under the defined class TNF target.
    assert result.inferred_types == [(ID + "tnf", V + "TnfTarget")]
    assert result.inferred_subclasses == []
    assert result.hierarchy[V + "TnfInhibitor"] == [V + "Drug"]
    assert result.label(V + "TnfInhibitor") == "TNF inhibitor"
    assert result.inferred_triples() == [(ID + "tnf", RDF_TYPE, V + "TnfTarget")]


def test_defined_class_is_placed_under_its_genus():
    result = reason_file(DATA / "defined-class.ttl")
    assert (V + "AntiCD11aAgent", V + "Drug") in result.inferred_subclasses
    assert (ID + "efalizumab", V + "AntiCD11aAgent") in result.inferred_types
    triples = result.inferred_triples()
    assert (V + "AntiCD11aAgent", RDFS_SUBCLASS_OF, V + "Drug") in triples
    assert (ID + "efalizumab", RDF_TYPE, V + "AntiCD11aAgent") in triples
