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
"""
DMKGID = "https://w3id.org/dmkg/id/"


def test_the_patient_is_an_82_year_old_woman_with_dermatomyositis(built):
    rows = built.select(PREFIXES + """
        SELECT ?age ?sex ?dx WHERE { dmkgid:case dmkg:hasPatient ?p ; dmkg:hasDiagnosis ?d .
          ?p dmkg:ageInYears ?age ; dmkg:sex ?sex . ?d rdfs:label ?dx }""")
    assert rows == [{"age": "82", "sex": "female", "dx": "dermatomyositis"}]


def test_treatment_history_in_order_with_dose_route_and_response(built):
    rows = built.select(PREFIXES + """
        SELECT ?step ?drug ?dose ?unit ?freq ?route (GROUP_CONCAT(DISTINCT ?kind; separator="|") AS ?kinds)
        WHERE { dmkgid:case dmkg:hasTreatmentCourse ?c .
          ?c dmkg:stepNumber ?step ; dmkg:administersDrug/rdfs:label ?drug ; dmkg:doseValue ?dose ;
             dmkg:doseUnit ?unit ; dmkg:frequency ?freq ; dmkg:hasRoute/rdfs:label ?route ; dmkg:hasOutcome ?o .
          GRAPH <https://w3id.org/dmkg/graph/letter/assertion> { ?o a ?k }
          FILTER(STRSTARTS(STR(?k), STR(dmkg:))) BIND(STRAFTER(STR(?k), "vocab/") AS ?kind) }
        GROUP BY ?step ?drug ?dose ?unit ?freq ?route ORDER BY ?step ?drug""")
    table = [(r["step"], r["drug"], r["dose"], r["unit"], r["freq"], r["route"], "|".join(sorted(r["kinds"].split("|"))))
             for r in rows]
    assert table == [
        ("1", "prednisolone", "60", "mg", "per day", "oral", "NoResponse"),
        ("2", "methotrexate", "15", "mg", "per week", "intravenous", "NoResponse"),
        ("3", "efalizumab", "1", "mg/kg body weight", "per week", "subcutaneous",
         "MarkedImprovement|MinorImprovement"),
        ("3", "prednisolone", "40", "mg", "per day", "route not reported", "MarkedImprovement|MinorImprovement"),
        ("4", "azathioprine", "50", "mg", "per day", "route not reported", "SustainedRemission"),
        ("4", "efalizumab", "1.8", "mg/kg body weight", "per week", "subcutaneous", "SustainedRemission"),
        ("4", "prednisolone", "10", "mg", "per day", "route not reported", "SustainedRemission"),
    ]


def test_methotrexate_was_given_for_8_weeks_added_to_prednisolone(built):
    rows = built.select(PREFIXES + """
        SELECT ?v ?u ?with WHERE { dmkgid:course-2-methotrexate dmkg:durationValue ?v ; dmkg:durationUnit ?u ;
          dmkg:coAdministeredWith ?with }""")
    assert rows == [{"v": "8", "u": "week", "with": DMKGID + "course-1-prednisolone"}]


def test_follow_up_outcome_quotes_the_12_kg_weight_gain(built):
    rows = built.select(PREFIXES + "SELECT ?q WHERE { dmkgid:outcome-follow-up dmkg:quote ?q }")
    assert rows and "has gained 12 kg body weight" in rows[0]["q"]


def test_efalizumab_targets_cd11a_the_alpha_subunit_of_lfa1_and_blocks_lfa1_icam1(built):
    rows = built.select(PREFIXES + """
        SELECT DISTINCT ?target ?complex ?process WHERE { dmkgid:efalizumab dmkg:hasTarget ?t ; dmkg:inhibitsProcess ?pr .
          ?t rdfs:label ?target ; dmkg:subunitOf/rdfs:label ?complex . ?pr rdfs:label ?process }""")
    assert rows == [{"target": "CD11a", "complex": "LFA-1", "process": "LFA-1/ICAM-1 interaction"}]
    xrefs = {r["x"] for r in built.select(PREFIXES + "SELECT ?x WHERE { dmkgid:cd11a oboInOwl:hasDbXref ?x }")}
    assert xrefs == {"HGNC:6148", "NCBIGene:3683"}


def test_mechanism_reaches_dermatomyositis_through_lymphocyte_skin_homing(built):
    rows = built.select(PREFIXES + """
        SELECT ?step WHERE {
          dmkgid:lfa1-icam1-interaction (dmkg:requiredFor|dmkg:promotes)+ ?step .
          ?step dmkg:implicatedIn dmkgid:dermatomyositis }""")
    assert {r["step"] for r in rows} == {DMKGID + "t-cell-skin-recruitment"}


def test_patient_phenotypes_carry_hpo_identifiers(built):
    rows = built.select(PREFIXES + """
        SELECT ?x WHERE { dmkgid:patient dmkg:hasPhenotype ?ph . ?ph oboInOwl:hasDbXref ?x }""")
    assert {r["x"] for r in rows} == {
        "HP:0100539", "HP:0000282", "HP:0010783", "HP:0003701", "HP:0040324", "HP:0002015", "HP:0001824",
        "HP:0003458", "HP:0100614", "HP:0003493",
    }
    excluded = built.select(PREFIXES + """
        SELECT ?label ?x WHERE { dmkgid:patient dmkg:lacksPhenotype ?ph . ?ph rdfs:label ?label
          OPTIONAL { ?ph oboInOwl:hasDbXref ?x } } ORDER BY ?label""")
    assert excluded == [{"label": "elevated circulating creatine kinase", "x": "HP:0003236"},
                        {"label": "malignancy"}]


def test_all_16_references_are_present_and_none_is_upgraded_to_verified(built):
    rows = built.select(PREFIXES + """
        SELECT ?n ?status WHERE { ?r a dmkg:CitedReference ; dmkg:referenceNumber ?n ; dmkg:assignmentStatus ?status }
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
          dmkg:pmidStatus ?s }""", n=ox.Literal(str(number), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
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
        SELECT ?a ?src ?license WHERE { GRAPH ?pg { ?a prov:wasDerivedFrom ?src } GRAPH ?ig { ?a dcterms:license ?license }
          FILTER(STRENDS(STR(?pg), "/provenance") && STRENDS(STR(?ig), "/pubinfo")) }""")
    assert len(rows) == 18
    assert {r["license"] for r in rows} == {"https://creativecommons.org/licenses/by/4.0/"}
    assert {r["a"].rsplit("/", 2)[1] for r in rows} == {"letter", "entities", *(f"ref-{n:02d}" for n in range(1, 17))}
