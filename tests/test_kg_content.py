"""The built graph says what the letter and its references say: doses, order, outcomes, targets,
phenotypes with HPO identifiers, the 16 references with their (unverified) identifications."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

PREFIXES = """
PREFIX dmkg: <https://w3id.org/dmkg/vocab/>
PREFIX dmkgid: <https://w3id.org/dmkg/id/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX oboInOwl: <http://www.geneontology.org/formats/oboInOwl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
DMKGID = "https://w3id.org/dmkg/id/"


def test_the_patient_is_an_82_year_old_woman_with_dermatomyositis(built):
    rows = built.select(PREFIXES + """
        SELECT ?age ?sex ?dx WHERE { dmkgid:case dmkg:hasPatient ?p ; dmkg:hasDiagnosis ?d .
          ?p dmkg:ageInYears ?age ; dmkg:sex ?sex . ?d rdfs:label ?dx }""")
    assert rows == [{"age": "82", "sex": "female", "dx": "dermatomyositis"}]


def test_treatment_history_in_order_with_dose_route_and_timing(built):
    rows = built.select(PREFIXES + """
        SELECT ?step ?drug ?dose ?unit ?freq ?route ?timing
        WHERE { dmkgid:case dmkg:hasTreatmentCourse ?c .
          ?c dmkg:stepNumber ?step ; dmkg:administersDrug/rdfs:label ?drug ; dmkg:doseValue ?dose ;
             dmkg:doseUnit ?unit ; dmkg:frequency ?freq ; dmkg:hasRoute/rdfs:label ?route ;
             dmkg:timing ?timing }
        ORDER BY ?step ?drug""")
    assert [tuple(r.values()) for r in rows] == [
        ("1", "prednisolone", "60", "mg", "per day", "oral", "initial treatment"),
        ("2", "methotrexate", "15", "mg", "per week", "intravenous",
         "additional, after the initial treatment had not improved the clinical picture"),
        ("3", "efalizumab", "1", "mg/kg body weight", "per week", "subcutaneous",
         "after methotrexate had had no effect"),
        ("3", "prednisolone", "40", "mg", "per day", "route not reported", "with the start of efalizumab"),
        ("4", "azathioprine", "50", "mg", "per day", "route not reported", "not reported"),
        ("4", "efalizumab", "1.8", "mg/kg body weight", "per week", "subcutaneous",
         "during the following month"),
        ("4", "prednisolone", "10", "mg", "per day", "route not reported", "not reported"),
    ]


def test_responses_belong_to_regimens_not_to_single_drugs(built):
    rows = built.select(PREFIXES + """
        SELECT ?step (GROUP_CONCAT(DISTINCT ?drug; separator="+") AS ?drugs)
               (GROUP_CONCAT(DISTINCT ?kind; separator="|") AS ?kinds)
        WHERE { dmkgid:case dmkg:hasTreatmentRegimen ?r .
          ?r dmkg:stepNumber ?step ; dmkg:includesCourse/dmkg:administersDrug/rdfs:label ?drug ;
             dmkg:hasOutcome ?o .
          GRAPH <https://w3id.org/dmkg/graph/letter/assertion> { ?o a ?k }
          FILTER(STRSTARTS(STR(?k), STR(dmkg:))) BIND(STRAFTER(STR(?k), "vocab/") AS ?kind) }
        GROUP BY ?step ORDER BY ?step""")
    table = [(r["step"], "+".join(sorted(r["drugs"].split("+"))), "|".join(sorted(r["kinds"].split("|"))))
             for r in rows]
    assert table == [
        ("1", "prednisolone", "NoResponse"),
        ("2", "methotrexate+prednisolone", "NoResponse"),
        ("3", "efalizumab+prednisolone", "MarkedImprovement|MinorImprovement"),
        ("4", "azathioprine+efalizumab+prednisolone", "StableDisease"),
    ]
    courses = "SELECT ?c ?o WHERE { ?c a dmkg:TreatmentCourse ; dmkg:hasOutcome ?o }"
    assert built.select(PREFIXES + courses) == []
    # starting azathioprine is not evidence for azathioprine
    assert built.select(PREFIXES + """SELECT ?claim WHERE { ?claim dmkg:claimSubject dmkgid:azathioprine ;
        dmkg:hasDirection dmkg:supports }""") == []


def test_methotrexate_was_given_for_8_weeks_added_to_prednisolone(built):
    rows = built.select(PREFIXES + """
        SELECT ?v ?u ?with WHERE {
          dmkgid:course-2-methotrexate dmkg:durationValue ?v ; dmkg:durationUnit ?u .
          ?regimen dmkg:includesCourse dmkgid:course-2-methotrexate , ?with .
          FILTER (?with != dmkgid:course-2-methotrexate) }""")
    assert rows == [{"v": "8", "u": "week", "with": DMKGID + "course-1-prednisolone"}]


def test_weight_course_is_structured(built):
    rows = built.select(PREFIXES + """
        SELECT ?finding ?change ?period ?unit ?anchor WHERE { dmkgid:case dmkg:hasFinding ?finding .
          ?finding dmkg:bodyWeightChange ?change ; dmkg:periodValue ?period ; dmkg:periodUnit ?unit ;
          dmkg:periodAnchor ?anchor } ORDER BY ?change""")
    got = [(r["finding"].rsplit("/", 1)[1], r["change"], r["period"], r["unit"], r["anchor"]) for r in rows]
    assert got == [
        ("finding-weight-loss", "-6", "4", "month", "before presentation"),
        ("finding-weight-gain", "12", "12", "month", "of follow-up"),
    ]


def test_follow_up_outcome_quotes_the_12_kg_weight_gain(built):
    rows = built.select(PREFIXES + "SELECT ?q WHERE { dmkgid:outcome-follow-up dmkg:quote ?q }")
    assert rows and "has gained 12 kg body weight" in rows[0]["q"]


def test_efalizumab_targets_cd11a_the_alpha_subunit_of_lfa1_and_blocks_lfa1_icam1(built):
    rows = built.select(PREFIXES + """
        SELECT DISTINCT ?target ?complex ?process WHERE {
          dmkgid:efalizumab dmkg:hasTarget ?t ; dmkg:inhibitsProcess ?pr .
          ?t rdfs:label ?target ; dmkg:subunitOf/rdfs:label ?complex . ?pr rdfs:label ?process }""")
    assert rows == [{"target": "CD11a", "complex": "LFA-1", "process": "LFA-1/ICAM-1 interaction"}]
    # the genes encoding a protein are related to it, not the same thing
    assert built.select(PREFIXES + "SELECT ?x WHERE { dmkgid:cd11a oboInOwl:hasDbXref ?x }") == []
    matches = built.select(PREFIXES + "SELECT ?x WHERE { dmkgid:cd11a skos:relatedMatch ?x }")
    related = {r["x"] for r in matches}
    assert related == {"http://identifiers.org/hgnc/6148", "http://identifiers.org/ncbigene/3683"}


def test_stated_mechanism_stops_at_t_cell_recruitment_into_the_skin(built):
    """The letter states the chain up to T-cell recruitment into the skin; it links only the general
    recruitment of B and T cells to DM, and as probable: no plain triple may close the chain."""
    reached = built.select(PREFIXES + """
        SELECT ?step WHERE {
          dmkgid:lfa1-icam1-interaction (dmkg:importantFor|dmkg:stepOf|dmkg:promotes)+ ?step }""")
    assert {r["step"].rsplit("/", 1)[1] for r in reached} == {
        "lymphocyte-endothelial-attachment", "lymphocyte-skin-homing", "t-cell-skin-recruitment"}
    assert built.select(PREFIXES + "SELECT ?x WHERE { ?x dmkg:implicatedIn dmkgid:dermatomyositis }") == []
    required = "SELECT ?x WHERE { dmkgid:lfa1-icam1-interaction dmkg:requiredFor ?x }"
    assert built.select(PREFIXES + required) == []


def test_patient_phenotypes_carry_hpo_identifiers(built):
    rows = built.select(PREFIXES + """
        SELECT ?x WHERE { dmkgid:patient dmkg:hasPhenotype ?ph . ?ph oboInOwl:hasDbXref ?x }""")
    assert {r["x"] for r in rows} == {
        "HP:0100539", "HP:0000282", "HP:0010783", "HP:0003701", "HP:0040324", "HP:0002015", "HP:0001824",
        "HP:0003457", "HP:0100614", "HP:0003493",
    }
    excluded = built.select(PREFIXES + """
        SELECT ?label ?x WHERE { dmkgid:patient dmkg:lacksPhenotype ?ph . ?ph rdfs:label ?label
          OPTIONAL { ?ph oboInOwl:hasDbXref ?x } } ORDER BY ?label""")
    assert excluded == [{"label": "elevated circulating creatine kinase", "x": "HP:0003236"},
                        {"label": "malignancy"}]


def test_all_16_references_are_present_and_none_is_upgraded_to_verified(built):
    rows = built.select(PREFIXES + """
        SELECT ?n ?status WHERE {
          ?r a dmkg:CitedReference ; dmkg:referenceNumber ?n ; dmkg:assignmentStatus ?status }
        ORDER BY ?n""")
    assert [int(r["n"]) for r in rows] == list(range(1, 17))
    assert {r["status"] for r in rows} == {"unverified"}


def test_references_cited_for_type_i_interferons_in_dermatomyositis(built):
    rows = built.select(PREFIXES + """
        SELECT DISTINCT ?n ?pmid ?pmidStatus ?status WHERE {
          ?claim dmkg:claimSubject dmkgid:type-i-interferons ; dmkg:claimObject dmkgid:dermatomyositis ;
                 dmkg:statedIn dmkgid:letter ; dmkg:citesReference ?r .
          ?r dmkg:referenceNumber ?n ; dmkg:assignmentStatus ?status ; dmkg:identifiedAs ?pub .
          OPTIONAL { ?pub dmkg:pmid ?pmid ; dmkg:pmidStatus ?pmidStatus } } ORDER BY ?n""")
    assert [int(r["n"]) for r in rows] == [1, 2, 3, 4]
    assert rows[0]["pmid"] == "15852401" and rows[0]["pmidStatus"].startswith("unverified")
    assert {r["status"] for r in rows} == {"unverified"}


@pytest.mark.parametrize(("number", "pmid"), [(5, "11438470"), (11, "12897739"), (12, "17564637"),
                                              (14, "15692974"), (16, "18418411")])
def test_verified_pmids_of_candidate_publications(built, number, pmid):
    rows = built.select(PREFIXES + """
        SELECT ?n ?pmid ?s WHERE { ?r dmkg:referenceNumber ?n ; dmkg:identifiedAs ?p . ?p dmkg:pmid ?pmid ;
          dmkg:pmidStatus ?s }""",
        n=ox.Literal(str(number), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
    assert rows == [{"n": str(number), "pmid": pmid, "s": "verified"}]


def test_every_claim_is_traceable_to_a_source(built):
    rows = built.select(PREFIXES + """
        SELECT ?c WHERE { ?c a dmkg:Claim FILTER NOT EXISTS { ?c dmkg:statedIn ?src }
          FILTER NOT EXISTS { ?c dmkg:quote ?q } }""")
    assert rows == []
    counts = built.select(PREFIXES + "SELECT (COUNT(?c) AS ?n) WHERE { ?c a dmkg:Claim }")
    assert int(counts[0]["n"]) >= 45


def test_each_source_has_assertion_provenance_and_pubinfo_graphs(built):
    rows = built.select("""
        PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?a ?src ?license WHERE {
          GRAPH ?pg { ?a prov:wasDerivedFrom ?src } GRAPH ?ig { ?a dcterms:license ?license }
          FILTER(STRENDS(STR(?pg), "/provenance") && STRENDS(STR(?ig), "/pubinfo")) }""")
    assert len(rows) == 18
    assert {r["license"] for r in rows} == {"https://creativecommons.org/licenses/by/4.0/"}
    references = {f"ref-{n:02d}" for n in range(1, 17)}
    assert {r["a"].rsplit("/", 2)[1] for r in rows} == {"letter", "entities", *references}
