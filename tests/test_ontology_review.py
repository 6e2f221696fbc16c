"""The ontology as an OBO reviewer and a clinician read it: every inference HermiT draws is one of a
reviewed list, both release files give the same class tree, a reuser's classes classify as expected,
roles are applied by one stated criterion, and every entity is defined."""

from __future__ import annotations

import csv
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from kg.checks.hermit import reason_file, reason_store
from kg.curie import prefix_map
from kg.paths import ONTOLOGY_DIR, RELEASE_FULL, RELEASE_OWL
from kg.read_sources import read_sources
from kg.vocab import DCTERMS, DMKG, DMKGID, OIO

DATA = Path(__file__).parent / "data"
EXAMPLE = ONTOLOGY_DIR / "examples" / "reuser-example.ttl"
EX = "https://example.org/reuser/"
V = str(DMKG)


def _curie(iri: str) -> str:
    for prefix, namespace in sorted(prefix_map().items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _expected() -> set[tuple[str, str, str]]:
    with (DATA / "expected-inferences.tsv").open(encoding="utf-8") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t")
        return {(r["kind"], r["subject"], r["object"]) for r in rows}


@pytest.fixture(scope="module")
def full():
    return reason_file(RELEASE_FULL)


@pytest.fixture(scope="module")
def reuser():
    store = ox.Store()
    store.load(path=str(RELEASE_OWL), format=ox.RdfFormat.RDF_XML)
    store.load(path=str(EXAMPLE), format=ox.RdfFormat.TURTLE)
    return reason_store(store, EXAMPLE)


@pytest.mark.java
def test_every_inference_is_in_the_reviewed_expectation_file(full):
    got = {("subclass", _curie(c), _curie(p)) for c, p in full.inferred_subclasses}
    got |= {("type", _curie(i), _curie(c)) for i, c in full.inferred_types}
    expected = _expected()
    assert full.consistent and full.unsatisfiable == []
    assert sorted(got - expected) == [], "new inferences: review them and add them to expected-inferences.tsv"
    assert sorted(expected - got) == [], "inferences gone: review them and remove them from the file"


@pytest.mark.java
def test_the_tbox_release_gives_the_same_class_tree_as_the_full_release(full):
    tbox = reason_file(RELEASE_OWL)
    classes = set(tbox.hierarchy)
    assert {c: tbox.hierarchy[c] for c in classes} == {c: full.hierarchy[c] for c in classes}
    assert tbox.inferred_types == []


def test_what_a_clinician_would_not_sign_is_not_expected():
    expected = _expected()
    subjects_of = {(s, o) for _, s, o in expected}
    # course 1 (prednisolone 60 mg/day alone) is a monotherapy: no combination label on it
    monotherapy = ("dmkgid:regimen-1", "dmkgid:course-1-prednisolone")
    assert not any(s in monotherapy and "Combination" in o for s, o in subjects_of)
    # no response credited to azathioprine, to a single course, or to the stable step 4
    assert not any("Responding" in o and "course" in s for s, o in subjects_of)
    assert ("dmkgid:regimen-4", "dmkg:RespondingTreatmentRegimen") not in subjects_of
    assert not any(s == "dmkgid:azathioprine" for s, _ in subjects_of)
    # hedged claims ("suggest", "proposed", "probably") fill no class
    filled = {s for s, o in subjects_of if o == "dmkg:TypeIInterferonAssociatedDisease"}
    assert not {s for s in filled if s.startswith("dmkgid:")}
    # the anti-CD11a agent is not an LFA-1 antagonist by the subunit alone: no subclass axiom between them
    assert ("subclass", "dmkg:AntiCD11aAgent", "dmkg:LFA1Antagonist") not in expected


@pytest.mark.java
def test_reuser_antibody_drug_that_is_a_protein_is_satisfiable(reuser):
    assert reuser.consistent
    assert EX + "TherapeuticAntibody" not in reuser.unsatisfiable
    assert set(reuser.hierarchy[EX + "TherapeuticAntibody"]) == {V + "MonoclonalAntibody", V + "Drug"}


@pytest.mark.java
def test_reuser_drug_that_targets_some_cd11a_classifies_under_anti_cd11a_agent(reuser):
    assert (EX + "AntiCD11aAntibody", V + "AntiCD11aAgent") in reuser.inferred_subclasses


@pytest.mark.java
def test_an_anti_cd18_drug_is_an_lfa1_antagonist_only_if_it_blocks_lfa1_icam1_binding(reuser):
    parents = dict.fromkeys(reuser.hierarchy, [])
    parents.update(reuser.hierarchy)
    assert V + "LFA1Antagonist" not in parents[EX + "AntiCD18Antibody"]
    assert (EX + "BlockingAntiCD18Antibody", V + "LFA1Antagonist") in reuser.inferred_subclasses


@pytest.mark.java
def test_sibling_disjointness_catches_a_patient_that_is_a_treatment_course(reuser):
    assert reuser.unsatisfiable == [EX + "PatientCourseMixUp"]


def _release(path: Path) -> Graph:
    return Graph().parse(path, format="xml")


def test_release_files_have_their_own_ontology_and_version_iris_and_creators_as_iris():
    headers = {}
    for path in (RELEASE_OWL, RELEASE_FULL):
        graph = _release(path)
        (iri,) = list(graph.subjects(RDF.type, OWL.Ontology))
        headers[path.name] = (iri, graph.value(iri, OWL.versionIRI))
        assert str(iri) == f"https://w3id.org/dmkg/{path.name}"
        assert str(graph.value(iri, OWL.versionIRI)).endswith(f"/{path.name}")
        creators = list(graph.objects(iri, DCTERMS.creator))
        assert creators and all(isinstance(c, URIRef) for c in creators)
        text = " ".join(str(o) for o in graph.objects(iri, None))
        assert "generated" in text.lower() and "this edit file" not in text.lower()
    assert len({h for h, _ in headers.values()}) == 2 and len({v for _, v in headers.values()}) == 2


def test_every_individual_of_the_full_release_has_one_definition():
    graph = _release(RELEASE_FULL)
    individuals = set(graph.subjects(RDF.type, OWL.NamedIndividual))
    assert len(individuals) > 150
    definition = URIRef("http://purl.obolibrary.org/obo/IAO_0000115")
    undefined = sorted(str(i) for i in individuals if len(set(graph.objects(i, definition))) != 1)
    assert undefined == []


def test_roles_are_applied_by_one_criterion_the_verified_atc_code():
    """Immunosuppressant exactly for ATC L04A, antimetabolite exactly for ATC L01B; every drug a drug."""
    entities = read_sources().entities.entities
    drugs = [e for e in entities if "Drug" in e.types]
    assert {e.id for e in drugs} == {
        "efalizumab", "prednisolone", "methotrexate", "azathioprine", "rituximab", "infliximab"
    }
    for e in drugs:
        atc = [x.split(":", 1)[1] for x in e.xrefs if x.startswith("ATC:")]
        assert ("Immunosuppressant" in e.types) == any(code.startswith("L04A") for code in atc), e.id
        assert ("Antimetabolite" in e.types) == any(code.startswith("L01B") for code in atc), e.id


def test_synonym_scopes_and_types():
    graph = _release(RELEASE_FULL)

    def synonyms(key: str, prop: URIRef) -> set[str]:
        return {str(o) for o in graph.objects(DMKGID[key], prop)}

    assert synonyms("dermatomyositis", OIO.hasRelatedSynonym) == {"DM"}
    assert synonyms("dermatomyositis", DMKG.abbreviation) == {"DM"}
    assert synonyms("cutaneous-lupus-erythematosus", DMKG.abbreviation) == {"CLE"}
    assert synonyms("efalizumab", DMKG.brandName) == {"Raptiva"}
    assert not synonyms("efalizumab", OIO.hasExactSynonym)
    for key, symbol in [("cd11a", "ITGAL"), ("cd20", "MS4A1"), ("tnf-alpha", "TNF")]:
        assert synonyms(key, DMKG.geneSymbol) == {symbol}
        assert symbol not in synonyms(key, OIO.hasExactSynonym)
    assert synonyms("type-i-interferons", OIO.hasNarrowSynonym) == {"interferon alpha/beta"}
    # the same holds on the classes of the edit file
    assert (DMKG.Dermatomyositis, DMKG.abbreviation, None) in graph
    assert not list(graph.objects(DMKG.Dermatomyositis, OIO.hasExactSynonym))


def test_labels_say_what_the_iri_says():
    graph = _release(RELEASE_OWL)
    label = {s: str(o) for s, o in graph.subject_objects(RDFS.label)}
    assert label[DMKG.AntiTNFAlphaAgent] == "anti-TNF-alpha agent"
    assert label[DMKG.MonoclonalAntibodyTherapyCourse] == "monoclonal antibody therapy course"
    assert "stable" in label[DMKG.StableDisease] and "improvement" not in label[DMKG.StableDisease]
    assert "refractory" not in label[DMKG.CaseWithFailedGlucocorticoidRegimen]


def test_no_definition_carries_a_claim_of_the_letter():
    graph = _release(RELEASE_OWL)
    definition = URIRef("http://purl.obolibrary.org/obo/IAO_0000115")
    for cls in (DMKG.Corticosteroid, DMKG.Psoriasis, DMKG.Dermatomyositis, DMKG.KidneyTransplantRejection):
        text = str(graph.value(cls, definition)).lower()
        assert not any(word in text for word in ("first-line", "efalizumab", "developed for", "aims to")), cls


def test_evidence_value_sets_keep_designs_apart_from_inference_and_assays():
    graph = _release(RELEASE_OWL)
    designs = set(graph.subjects(RDF.type, DMKG.StudyDesign))
    assert DMKG.caseReport in designs and DMKG.randomisedControlledTrial in designs
    assert not designs & {DMKG.mechanisticReasoning, DMKG.citedLiterature, DMKG.immunohistology,
                          DMKG.geneExpressionProfiling}
    assert DMKG.mechanisticReasoning in set(graph.subjects(RDF.type, DMKG.InferenceKind))
    assert DMKG.immunohistology in set(graph.subjects(RDF.type, DMKG.AssayKind))
    value_sets = list(graph.subjects(RDF.type, OWL.AllDifferent))
    assert len(value_sets) >= 6


def test_a_single_case_report_is_not_graded_as_a_controlled_investigation():
    """ECO:0000180 is 'clinical study evidence' (a controlled investigation); ECO has no case-report
    term (identifiers.tsv), so the letter's own observations carry the verified ECO:0000204
    'author statement' with the study design 'case report'."""
    letter = next(d for d in read_sources().documents if d.id == "letter").source
    case_claims = [c for c in letter.claims if c.study_design == "caseReport"]
    assert len(case_claims) == 5
    assert {c.evidence_code for c in case_claims} == {"ECO:0000204"}
