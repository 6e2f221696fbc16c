"""The graph says exactly what its sources say: modality, predicates, identifiers, statuses, one answer.

Each test reads the built graph (or the shared records it must agree with) and fails on a graph that
states more than the letter or the verified records do.
"""

from __future__ import annotations

import re
import subprocess

import yaml

from kg.checks.identifiers import identifiers_table, verified_identifiers
from kg.paths import shared_dir
from tests.test_cli import DMKG

PREFIXES = """
PREFIX dmkg: <https://w3id.org/dmkg/vocab/>
PREFIX dmkgid: <https://w3id.org/dmkg/id/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oboInOwl: <http://www.geneontology.org/formats/oboInOwl#>
PREFIX biolink: <https://w3id.org/biolink/vocab/>
"""
# hedge cues (after the BioScope speculation guidelines), as words of a quote
HEDGE_CUES = re.compile(
    r"\b(might|may|could|possibl\w*|potential\w*|probabl\w*|likely|suggest\w*|propos\w*|assum\w*|"
    r"hypothes\w*|unclear|unknown|uncertain)\b", re.IGNORECASE)
HEDGED = {"probable", "possible", "hypothesis", "unclear"}


def short(iri: str) -> str:
    return iri.rsplit("/", 1)[1]


def claims(built) -> list[dict]:
    return built.select(PREFIXES + """
        SELECT ?claim ?modality ?direction ?quote ?s ?p ?o ?plain WHERE {
          ?claim a dmkg:Claim ; dmkg:hasModality ?modality ; dmkg:hasDirection ?direction ;
                 dmkg:claimSubject ?s ; dmkg:claimPredicate ?p ; dmkg:claimObject ?o .
          OPTIONAL { ?claim dmkg:quote ?quote }
          BIND (EXISTS { ?s ?p ?o } AS ?plain) }""")


def test_every_claim_has_one_modality_from_the_ontology(built) -> None:
    rows = built.select(PREFIXES + """
        SELECT ?claim (COUNT(DISTINCT ?m) AS ?n) (SAMPLE(?label) AS ?l) WHERE {
          ?claim a dmkg:Claim
          OPTIONAL { ?claim dmkg:hasModality ?m . ?m a dmkg:Modality ; rdfs:label ?label } }
        GROUP BY ?claim""")
    assert rows and all(r["n"] == "1" and r.get("l") for r in rows), [r for r in rows if r["n"] != "1"]


def test_no_quote_with_a_hedge_cue_is_stored_as_plain_fact(built) -> None:
    rows = claims(built)
    hedged_quotes = [r for r in rows if r.get("quote") and HEDGE_CUES.search(r["quote"])]
    # the letter hedges with might, suggest, probably, proposed, potentially, ...
    assert len(hedged_quotes) >= 11
    as_fact = [(short(r["claim"]), HEDGE_CUES.search(r["quote"]).group(0)) for r in hedged_quotes
               if short(r["modality"]) == "statedAsFact"]
    assert as_fact == []
    cues = built.select(PREFIXES + """SELECT ?claim ?cue ?quote WHERE {
        ?claim dmkg:modalityCue ?cue ; dmkg:quote ?quote }""")
    assert cues and all(c["cue"].lower() in c["quote"].lower() for c in cues)


def test_only_claims_stated_as_fact_become_plain_triples(built) -> None:
    rows = claims(built)
    hedged = [r for r in rows if short(r["modality"]) in HEDGED | {"curatorInference"}]
    assert {short(r["claim"]) for r in hedged} >= {
        "claim-letter-rituximab-in-dm", "claim-letter-lymphocytes-ifn-in-dm",
        "claim-letter-dm-type-i-ifn-driven",
        "claim-letter-lymphocytes-ifn-in-cle", "claim-letter-efalizumab-in-renal-transplantation",
        "claim-letter-dm-pathogenesis-unclear",
        "claim-entities-t-cell-skin-recruitment-kind-of-t-cell-recruitment"}
    assert [short(r["claim"]) for r in hedged if r["plain"] == "true"] == []
    plain_not_fact = [short(r["claim"]) for r in rows
                      if r["plain"] == "true" and short(r["modality"]) != "statedAsFact"]
    assert plain_not_fact == []
    assert not built.store().query(
        PREFIXES + "ASK { dmkgid:rituximab dmkg:reportedEffectiveIn dmkgid:dermatomyositis }")


def test_rituximab_evidence_is_possible_next_to_the_candidate_papers_own_claim(built) -> None:
    from tests.catalogue_engines import plain_rows
    from tests.test_catalogue_queries import BY_NAME

    rows = plain_rows(built.store(), BY_NAME["drug-disease-evidence"], {"drug": "dmkgid:rituximab"})
    by_claim = {short(r["claim"]): r for r in rows}
    letter = by_claim["claim-letter-rituximab-in-dm"]
    assert (letter["modalityLabel"], letter["cues"], letter["refNumber"], letter["assignmentStatus"]) == (
        "possible", "might", "14", "unverified")
    assert short(letter["design"]) == "citedLiterature" and short(letter["level"]) == "notGraded"
    candidate = by_claim["claim-ref-14-rituximab-pilot-improvement"]
    assert short(candidate["source"]) == "pub-levine-2005" and "refNumber" not in candidate
    assert (short(candidate["design"]), candidate["patients"], candidate["modalityLabel"]) == (
        "openLabelPilotStudy", "7", "stated as fact")
    assert (candidate["endpoint"], short(candidate["endpointKind"])) == (
        "muscle strength", "clinicalEndpoint")


def test_predicates_no_stronger_than_the_sentence(built) -> None:
    rows = built.select(PREFIXES + """SELECT ?claim ?p WHERE { ?claim dmkg:claimPredicate ?p ;
        dmkg:statedIn dmkgid:letter }""")
    predicate = {short(r["claim"]): short(r["p"]) for r in rows}
    assert predicate["claim-letter-interaction-for-firm-attachment"] == "importantFor"  # "important for"
    assert predicate["claim-letter-firm-attachment-in-skin-homing"] == "stepOf"  # "during"
    assert predicate["claim-letter-corticosteroids-first-line"] == "firstLineTreatmentFor"
    assert "requiredFor" not in predicate.values()
    # "recruitment of B- and T lymphocytes" in DM is not "T-cell recruitment into the skin"
    subjects = {short(r["s"]) for r in claims(built) if short(r["o"]) == "dermatomyositis"
                and short(r["p"]) == "implicatedIn"}
    assert "t-cell-skin-recruitment" not in subjects and "t-cell-recruitment" in subjects


def test_recalcitrant_courses_respond_poorly_they_do_not_refute(built) -> None:
    rows = built.select(PREFIXES + """SELECT ?s ?o ?direction ?design WHERE {
        ?c dmkg:claimPredicate dmkg:respondsPoorlyTo ; dmkg:claimSubject ?s ; dmkg:claimObject ?o ;
           dmkg:hasDirection ?direction ; dmkg:hasEvidenceBasis ?design }""")
    assert {(short(r["s"]), short(r["o"]), short(r["direction"]), short(r["design"])) for r in rows} == {
        ("recalcitrant-dermatomyositis", kind, "supports", "citedLiterature")
        for kind in ("Corticosteroid", "ImmunomodulatoryDrug", "Immunosuppressant")}
    assert built.select(PREFIXES + "SELECT ?c WHERE { ?c dmkg:hasDirection dmkg:refutes }") == []


def test_letter_claims_take_no_design_from_an_unverified_assignment(built) -> None:
    rows = built.select(PREFIXES + """SELECT DISTINCT ?claim ?designLabel ?quote WHERE {
        ?claim dmkg:statedIn dmkgid:letter ;
        dmkg:citesReference ?ref ; dmkg:hasEvidenceBasis/rdfs:label ?designLabel ; dmkg:quote ?quote }""")
    assert rows
    for row in rows:  # "design not stated", the author's own reasoning, or the design the sentence names
        label = row["designLabel"]
        assert (label.startswith("cited literature") or label == "mechanistic reasoning"
                or label in row["quote"]), row


def test_candidate_claims_count_the_patients_with_the_disease(built) -> None:
    rows = built.select(PREFIXES + """SELECT ?claim ?n WHERE {
        ?claim dmkg:numberOfPatients ?n ; dmkg:claimObject dmkgid:dermatomyositis }""")
    patients = {short(r["claim"]): r["n"] for r in rows}
    assert patients["claim-ref-01-ifn-genes-in-dm-muscle"] == "14"  # 14 DM of 67
    assert patients["claim-ref-04-mxa-cxcr3-in-dm-skin"] == "11"  # 11 DM of 23 donors


def test_surrogate_and_non_significant_endpoints_are_not_reported_effective(built) -> None:
    rows = built.select(PREFIXES + """SELECT ?claim ?p ?direction ?kind ?significant WHERE {
        ?claim dmkg:statedIn dmkgid:pub-gauvreau-2003 ; dmkg:claimPredicate ?p ;
        dmkg:hasDirection ?direction ; dmkg:hasEndpointKind ?kind ;
        dmkg:statisticallySignificant ?significant }""")
    got = {(short(r["claim"]), short(r["p"]), short(r["direction"]), short(r["kind"]), r["significant"])
           for r in rows}
    assert got == {
        ("claim-ref-11-efalizumab-late-asthmatic-response", "studiedInTrialFor", "noEffect",
         "surrogateEndpoint", "false"),
        ("claim-ref-11-efalizumab-sputum-cells", "studiedInTrialFor", "supports", "surrogateEndpoint",
         "true"),
    }


def _xref_curies(built) -> set[str]:
    rows = built.select(PREFIXES + "SELECT DISTINCT ?x WHERE { ?s oboInOwl:hasDbXref ?x }")
    return {r["x"] for r in rows}


def test_no_recalled_identifier_is_a_plain_cross_reference(built) -> None:
    xrefs = _xref_curies(built)
    assert "PMID:15852401" not in xrefs  # reference 1's candidate PMID is "unverified, from memory"
    assert "ATC:H02AB" not in xrefs  # verified=no in identifiers.tsv
    verified_pmids = {f"PMID:{r['pmid']}" for r in built.select(PREFIXES + """
        SELECT ?pmid WHERE { ?p dmkg:pmid ?pmid ; dmkg:pmidStatus "verified" }""")}
    assert xrefs - verified_identifiers(identifiers_table()) - verified_pmids == set()
    assert {x for x in xrefs if x.startswith("PMID:")} == verified_pmids


def test_mappings_say_no_more_than_is_true(built) -> None:
    dm = built.select(PREFIXES + """SELECT ?p ?x WHERE {
        dmkgid:dermatomyositis ?p ?x FILTER (CONTAINS(STR(?x), 'M33')) }""")
    assert [(short(r["p"]), r["x"]) for r in dm] == [
        ("core#broadMatch", "http://purl.bioontology.org/ontology/ICD10CM/M33")]
    genes = built.select(PREFIXES + """SELECT ?s ?p ?x WHERE { ?s ?p ?x
        FILTER (STRSTARTS(STR(?x), "http://identifiers.org/hgnc/")
                || STRSTARTS(STR(?x), "http://identifiers.org/ncbigene/")) }""")
    assert genes and {short(r["p"]) for r in genes} == {"core#relatedMatch"}
    unjustified = built.select(PREFIXES + """SELECT ?ph WHERE { ?ph a dmkg:Phenotype
        FILTER NOT EXISTS { ?ph dmkg:mappingJustification ?why } }""")
    assert unjustified == []


def test_hpo_choices_say_no_more_than_the_text(built) -> None:
    emg = built.select(PREFIXES + """SELECT ?x WHERE {
        dmkgid:finding-emg dmkg:showsPhenotype/oboInOwl:hasDbXref ?x }""")
    assert {r["x"] for r in emg} == {"HP:0003457", "HP:0100614"}  # EMG abnormality, not "myopathic"
    intro = built.select(PREFIXES + """SELECT ?x WHERE {
        ?c dmkg:statedIn dmkgid:letter ; dmkg:section "introduction" ;
        dmkg:claimPredicate dmkg:hasPhenotype ; dmkg:claimObject/oboInOwl:hasDbXref ?x }""")
    assert {r["x"] for r in intro} == {"HP:0003701", "HP:0001041", "HP:0000282", "HP:0025508"}


def test_bibliographic_status_is_never_above_the_record(built) -> None:
    record = yaml.safe_load((shared_dir() / "sources" / "references.yaml").read_text(encoding="utf-8"))
    doubt = re.compile(r"unverified|from memory|in part|partly|not found", re.IGNORECASE)
    rows = built.select(PREFIXES + """SELECT ?n ?status WHERE { ?r dmkg:referenceNumber ?n ;
        dmkg:identifiedAs/dmkg:bibliographicStatus ?status }""")
    status = {int(r["n"]): r["status"] for r in rows}
    assert len(status) == 16
    for entry in record["references"]:
        candidate = entry["best_candidate"]
        fields = " ".join(str(candidate.get(k) or "") for k in ("biblio_verification", "pmid", "doi"))
        if doubt.search(fields):
            assert status[entry["number"]] != "verified", entry["number"]
    assert {n for n, s in status.items() if s == "partly verified"} >= {1, 9, 11, 12, 13, 14}


def test_timing_is_not_spread_and_the_pathogenesis_is_unclear(built) -> None:
    courses = built.select(PREFIXES + "SELECT ?c ?t WHERE { ?c a dmkg:TreatmentCourse ; dmkg:timing ?t }")
    timing = {short(r["c"]): r["t"] for r in courses}
    assert timing["course-4-efalizumab"] == "during the following month"
    assert timing["course-4-prednisolone"] == timing["course-4-azathioprine"] == "not reported"
    unclear = built.select(PREFIXES + """SELECT ?quote WHERE {
        ?c dmkg:hasModality dmkg:unclear ; dmkg:quote ?quote ;
        dmkg:modalityCue "unclear" }""")
    assert unclear == [{"quote": "The pathogenesis of DM is unclear"}]


TARGETS = PREFIXES + """SELECT ?drug ?t WHERE {
  ?d dmkg:hasTarget ?x . ?d rdfs:label ?drug . ?x rdfs:label ?t }
ORDER BY ?drug ?t"""


def test_default_graph_queries_return_each_fact_once(built) -> None:
    rows = [(r["drug"], r["t"]) for r in built.select(TARGETS)]
    assert rows == sorted(set(rows))
    assert ("infliximab", "TNF-alpha") in rows and ("efalizumab", "CD11a") in rows
    # the per-source graphs still say who states it
    sources = built.select(PREFIXES + """SELECT DISTINCT ?g WHERE {
        GRAPH ?g { dmkgid:infliximab dmkg:hasTarget dmkgid:tnf-alpha } }""")
    assert len(sources) == 2


def test_cli_query_returns_each_fact_once(built) -> None:
    out = subprocess.run([*DMKG, "query", TARGETS, "--format", "csv", "--store", str(built.store_path)],
                         capture_output=True, text=True, check=True).stdout.strip().splitlines()
    assert out[0] == "drug,t" and len(out[1:]) == len(set(out[1:])) and "infliximab,TNF-alpha" in out


def test_export_holds_each_default_graph_triple_once(built, tmp_path) -> None:
    target = tmp_path / "dmkg.nt"
    subprocess.run([*DMKG, "export", "--format", "ntriples", "--output", str(target),
                    "--store", str(built.store_path)], check=True, capture_output=True)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines and len(lines) == len(set(lines))
    targets = [line for line in lines if "/vocab/hasTarget>" in line and "/id/infliximab>" in line]
    assert len(targets) == 1



def test_every_entity_of_the_edit_file_is_labelled_and_defined() -> None:
    from rdflib import RDF, RDFS, BNode, Graph, URIRef

    from kg.paths import ONTOLOGY_DIR

    edit = Graph().parse(ONTOLOGY_DIR / "dmkg-edit.ttl")
    definition = URIRef("http://purl.obolibrary.org/obo/IAO_0000115")
    declared = {s for s in edit.subjects(RDF.type, None) if not isinstance(s, BNode)}
    assert len(declared) > 200
    assert [s for s in declared if (s, RDFS.label, None) not in edit] == []
    header = URIRef("https://w3id.org/dmkg/dmkg.owl")
    assert [s for s in declared - {header} if (s, definition, None) not in edit] == []
