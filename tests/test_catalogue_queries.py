"""The question catalogue (queries/catalogue) answers with the real content of the letter and its references.

Every query runs on the built graph with pyoxigraph and, for the catalogue-wide check, on rdflib over
the N-Quads export of the same build: both engines must give the same rows (as sets; GROUP_CONCAT
lists compared as sorted lists). The content tests pin the doses, targets, HPO ids, PMIDs and
verification statuses a clinician-researcher would read off the answers.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib
from catalogue_engines import oxigraph_answer, plain_rows, rdflib_answer

from kg.catalogue import load_catalogue

CATALOGUE = load_catalogue()
BY_NAME = {q.name: q for q in CATALOGUE}
ID = "https://w3id.org/dmkg/id/"
V = "https://w3id.org/dmkg/vocab/"

# rdflib 7.6 warns about its own Dataset internals on every triple lookup
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def store(built) -> ox.Store:
    return built.store()


@pytest.fixture(scope="module")
def dataset(built) -> rdflib.Dataset:
    ds = rdflib.Dataset()
    ds.parse(str(built.nquads), format="nquads")
    return ds


def rows(store: ox.Store, name: str, **values: str) -> list[dict]:
    return plain_rows(store, BY_NAME[name], values)


def short(iri: str) -> str:
    return iri.removeprefix(ID).removeprefix(V)


# --- the catalogue as a whole ---------------------------------------------------------------------------


def test_catalogue_covers_the_issue() -> None:
    assert len(CATALOGUE) >= 15
    assert {
        "treatment-timeline",
        "treatment-response",
        "mechanism-path",
        "drug-disease-evidence",
        "drug-other-diseases",
        "drugs-by-target",
        "drugs-by-inferred-class",
        "drugs-in-class",
        "repurposing-candidates",
        "shared-mechanisms",
        "patient-phenotypes",
        "diagnostic-findings",
        "statement-provenance",
        "reference-list",
        "drug-summary",
        "class-counts",
        "graph-sizes",
    } <= set(BY_NAME)


@pytest.mark.parametrize("query", CATALOGUE, ids=lambda q: q.name)
def test_header_is_complete(query) -> None:
    assert query.title and query.description and query.example, query.path
    assert "PREFIX" in query.sparql or "dmkg" not in query.sparql, "each query declares its own prefixes"
    for param in query.params:
        assert param.default is not None and param.description, f"{query.name}: {param.name}"
    # pyoxigraph binds a parameter only if it is projected; rdflib would silently ignore the difference
    projection = query.sparql.split("WHERE", 1)[0]
    for param in query.params:
        assert f"?{param.name}" in projection, f"{query.name}: ?{param.name} must be projected"


@pytest.mark.parametrize("query", CATALOGUE, ids=lambda q: q.name)
def test_same_answer_on_rdflib(query, store, dataset) -> None:
    kind, ours = oxigraph_answer(store, query)
    other_kind, theirs = rdflib_answer(dataset, query)
    assert kind == other_kind
    if kind == "rows":
        assert sorted(map(repr, ours)) == sorted(map(repr, theirs))
    else:
        assert ours == theirs


@pytest.mark.parametrize(
    "name,values",
    [
        ("drug-disease-evidence", {"drug": "dmkgid:prednisolone"}),
        ("mechanism-path", {"drug": "dmkgid:lfa-1"}),
        ("drugs-by-target", {"target": "dmkgid:cd20"}),
        ("drugs-in-class", {"class": "dmkg:MonoclonalAntibody"}),
        (
            "statement-provenance",
            {"subject": "dmkgid:infliximab", "predicate": "dmkg:hasTarget", "object": "dmkgid:tnf-alpha"},
        ),
        ("drug-summary", {"drug": "dmkgid:rituximab"}),
    ],
)
def test_same_answer_on_rdflib_with_parameters(name, values, store, dataset) -> None:
    query = BY_NAME[name]
    kind, ours = oxigraph_answer(store, query, values)
    _, theirs = rdflib_answer(dataset, query, values)
    assert ours, f"{name} {values} should not be empty"
    assert sorted(map(repr, ours)) == sorted(map(repr, theirs))


# --- the case -------------------------------------------------------------------------------------------


def test_treatment_timeline(store) -> None:
    got = [
        (
            int(r["step"]),
            r["drugLabel"],
            r["dose"],
            r["unit"],
            r["routeLabel"],
            r["frequency"],
            r.get("duration"),
            sorted(filter(None, r["coMedication"].split(" | "))),
            sorted(r["response"].split(" | ")),
            r["timing"],
        )
        for r in rows(store, "treatment-timeline")
    ]
    assert got == [
        (1, "prednisolone", "60", "mg", "oral", "per day", None, ["methotrexate 15 mg"],
         ["step 1: no response", "step 2: no response"], "initial treatment"),
        (2, "methotrexate", "15", "mg", "intravenous", "per week", "8", ["prednisolone 60 mg"],
         ["step 2: no response"],
         "additional, after the initial treatment had not improved the clinical picture"),
        (3, "efalizumab", "1", "mg/kg body weight", "subcutaneous", "per week", None, ["prednisolone 40 mg"],
         ["step 3: marked improvement", "step 3: minor improvement"], "after methotrexate had had no effect"),
        (3, "prednisolone", "40", "mg", "route not reported", "per day", None,
         ["efalizumab 1 mg/kg body weight"], ["step 3: marked improvement", "step 3: minor improvement"],
         "with the start of efalizumab"),
        (4, "azathioprine", "50", "mg", "route not reported", "per day", None,
         ["efalizumab 1.8 mg/kg body weight", "prednisolone 10 mg"], ["step 4: stable clinical picture"],
         "not reported"),
        (4, "efalizumab", "1.8", "mg/kg body weight", "subcutaneous", "per week", None,
         ["azathioprine 50 mg", "prednisolone 10 mg"], ["step 4: stable clinical picture"],
         "during the following month"),
        (4, "prednisolone", "10", "mg", "route not reported", "per day", None,
         ["azathioprine 50 mg", "efalizumab 1.8 mg/kg body weight"], ["step 4: stable clinical picture"],
         "not reported"),
    ]
    assert rows(store, "treatment-timeline")[1]["durationUnit"] == "week"


def test_failed_and_helped_regimens_with_their_quotes(store) -> None:
    got = rows(store, "treatment-response")
    verdicts = {
        (int(r["step"]), tuple(sorted(r["courses"].split(" | "))), r["verdict"], short(r["outcomeType"]))
        for r in got
    }
    assert verdicts == {
        (1, ("prednisolone 60 mg per day",), "no response", "NoResponse"),
        (2, ("methotrexate 15 mg per week", "prednisolone 60 mg per day"), "no response", "NoResponse"),
        (3, ("efalizumab 1 mg/kg body weight per week", "prednisolone 40 mg per day"), "improved",
         "MarkedImprovement"),
        (3, ("efalizumab 1 mg/kg body weight per week", "prednisolone 40 mg per day"), "improved",
         "MinorImprovement"),
        (4, ("azathioprine 50 mg per day", "efalizumab 1.8 mg/kg body weight per week",
             "prednisolone 10 mg per day"), "stable", "StableDisease"),
    }
    quotes = {int(r["step"]): r["quote"] for r in got if r["verdict"] == "no response"}
    assert quotes[1] == (
        "Initial treatment with 60 mg prednisolone per day did not improve the clinical picture.")
    assert quotes[2].startswith("Additional intravenous administration of 15 mg methotrexate")


def test_patient_phenotypes_with_hpo_ids(store) -> None:
    got = rows(store, "patient-phenotypes")
    present = {short(r["phenotype"]): r.get("hpo") for r in got if r["status"] == "present"}
    assert present == {
        "periorbital-oedema": "HP:0100539",
        "facial-oedema": "HP:0000282",
        "erythema": "HP:0010783",
        "heliotrope-rash": "HP:0040324",
        "proximal-muscle-weakness": "HP:0003701",
        "dysphagia": "HP:0002015",
        "weight-loss": "HP:0001824",
        "interface-dermatitis": None,
        "perivascular-lymphocytic-infiltrate": None,
        "dermal-mucin-deposition": None,
        "emg-abnormality": "HP:0003457",
        "myositis": "HP:0100614",
        "antinuclear-antibody-positivity": "HP:0003493",
    }
    absent = {short(r["phenotype"]): r.get("hpo") for r in got if r["status"] == "absent"}
    assert absent == {"elevated-creatine-kinase": "HP:0003236", "malignancy": None}
    close = {short(r["phenotype"]): r["hpoCloseMatch"] for r in got if "hpoCloseMatch" in r}
    assert close == {"perivascular-lymphocytic-infiltrate": "http://purl.obolibrary.org/obo/HP_0031190"}
    assert got[0]["status"] == "present" and got[-1]["status"] == "absent"


def test_diagnostic_findings(store) -> None:
    got = rows(store, "diagnostic-findings")
    assert len(got) == 16
    by_id = {short(r["finding"]): r for r in got}
    assert short(by_id["finding-ana"]["kind"]) == "SerologyFinding"
    assert by_id["finding-ana"]["value"] == "1:80, granular pattern"
    assert short(by_id["finding-muscle-biopsy-declined"]["kind"]) == "DeclinedInvestigation"
    assert by_id["finding-emg"]["value"] == "biceps brachii muscle"
    assert by_id["finding-skin-histology"]["quote"].startswith(
        "Histology of lesional skin biopsy, taken from the chest"
    )
    assert {short(r["kind"]) for r in got} == {
        "ClinicalSign",
        "HistoryFinding",
        "HistologyFinding",
        "ElectromyographyFinding",
        "DeclinedInvestigation",
        "SerologyFinding",
        "LaboratoryFinding",
        "ScreeningFinding",
    }


# --- mechanism ------------------------------------------------------------------------------------------

EFALIZUMAB_TO_DM = {
    ("efalizumab", "hasTarget", "cd11a"),
    ("efalizumab", "inhibitsProcess", "lfa1-icam1-interaction"),
    ("cd11a", "subunitOf", "lfa-1"),
    ("lfa-1", "participatesIn", "lfa1-icam1-interaction"),
    ("lfa1-icam1-interaction", "importantFor", "lymphocyte-endothelial-attachment"),
    ("lymphocyte-endothelial-attachment", "stepOf", "lymphocyte-skin-homing"),
    ("lymphocyte-skin-homing", "promotes", "t-cell-skin-recruitment"),
    ("t-cell-skin-recruitment", "kindOf", "t-cell-recruitment"),
    ("t-cell-recruitment", "implicatedIn", "dermatomyositis"),
}


def test_mechanism_path_efalizumab_to_dermatomyositis(store) -> None:
    got = rows(store, "mechanism-path")
    assert {(short(r["from"]), short(r["link"]), short(r["to"])) for r in got} == EFALIZUMAB_TO_DM
    depth = {(short(r["from"]), short(r["to"])): int(r["depth"]) for r in got}
    assert depth[("efalizumab", "cd11a")] == 0
    assert depth[("cd11a", "lfa-1")] == 1
    assert depth[("lfa-1", "lfa1-icam1-interaction")] == 2
    assert depth[("lymphocyte-skin-homing", "t-cell-skin-recruitment")] == 5
    assert depth[("t-cell-skin-recruitment", "t-cell-recruitment")] == 6
    assert depth[("t-cell-recruitment", "dermatomyositis")] == 7
    # every edge says how strongly it is stated: the chain is only as strong as its weakest edge
    modality = {(short(r["from"]), short(r["to"])): r["modalityLabel"] for r in got}
    assert modality[("t-cell-recruitment", "dermatomyositis")] == "probable"
    assert modality[("t-cell-skin-recruitment", "t-cell-recruitment")] == "curator inference"
    others = {m for k, m in modality.items() if k[1] not in ("t-cell-recruitment", "dermatomyositis")}
    assert others == {"stated as fact"}
    refs = {(short(r["from"]), short(r["to"])): r["references"] for r in got}
    assert sorted(refs[("t-cell-recruitment", "dermatomyositis")].split(" | ")) == ["16", "4"]
    assert [int(r["depth"]) for r in got] == sorted(int(r["depth"]) for r in got)
    # neither ICAM-1 nor CD18 lies on a path from efalizumab, though both are linked to the same nodes
    assert not {"icam-1", "cd18"} & {short(r["from"]) for r in got}


def test_mechanism_path_is_found_not_written(store) -> None:
    assert rows(store, "mechanism-path", drug="dmkgid:infliximab") == []  # TNF is not implicated in DM here
    assert rows(store, "mechanism-path", disease="dmkgid:psoriasis") == []
    assert {
        (short(r["from"]), short(r["to"])) for r in rows(store, "mechanism-path", drug="dmkgid:lfa-1")
    } == {
        ("lfa-1", "lfa1-icam1-interaction"),
        ("lfa1-icam1-interaction", "lymphocyte-endothelial-attachment"),
        ("lymphocyte-endothelial-attachment", "lymphocyte-skin-homing"),
        ("lymphocyte-skin-homing", "t-cell-skin-recruitment"),
        ("t-cell-skin-recruitment", "t-cell-recruitment"),
        ("t-cell-recruitment", "dermatomyositis"),
    }


def test_shared_mechanisms_of_dm_and_cle(store) -> None:
    got = {
        (short(r["mechanism"]), short(r["linkA"]), short(r["linkB"]), int(r["claimsA"]), int(r["claimsB"]),
         r["modalitiesA"], r["modalitiesB"])
        for r in rows(store, "shared-mechanisms")
    }
    assert got == {
        ("type-i-interferons", "implicatedIn", "implicatedIn", 1, 1, "hypothesis", "hypothesis"),
        ("type-i-interferons", "implicatedIn", "associatedWith", 1, 1, "hypothesis", "stated as fact"),
        ("type-i-interferons", "associatedWith", "implicatedIn", 1, 1, "stated as fact", "hypothesis"),
        ("type-i-interferons", "associatedWith", "associatedWith", 1, 1, "stated as fact", "stated as fact"),
        ("autoaggressive-lymphocyte-response", "implicatedIn", "implicatedIn", 1, 1, "hypothesis",
         "hypothesis"),
    }


HYPOTHESIS = """
@prefix dmkg: <https://w3id.org/dmkg/vocab/> . @prefix dmkgid: <https://w3id.org/dmkg/id/> .
dmkgid:lymphocyte-skin-homing dmkg:implicatedIn dmkgid:cutaneous-lupus-erythematosus .
dmkgid:claim-test-homing-in-cle a dmkg:Claim ; dmkg:claimSubject dmkgid:lymphocyte-skin-homing ;
  dmkg:claimPredicate dmkg:implicatedIn ; dmkg:claimObject dmkgid:cutaneous-lupus-erythematosus ;
  dmkg:hasDirection dmkg:supports ; dmkg:hasModality dmkg:hypothesis .
"""


def test_repurposing_candidates(built, store, dataset) -> None:
    query = BY_NAME["repurposing-candidates"]
    # efalizumab reaches a mechanism of DM, but already has DM evidence; nothing reaches CLE's mechanisms
    assert rows(store, "repurposing-candidates") == []
    assert rows(store, "repurposing-candidates", disease="dmkgid:dermatomyositis") == []
    # once skin homing is implicated in CLE, efalizumab (no CLE evidence) becomes a candidate
    augmented = ox.Store()
    augmented.bulk_load(path=str(built.nquads), format=ox.RdfFormat.N_QUADS)
    augmented.load(HYPOTHESIS.encode(), format=ox.RdfFormat.TURTLE)
    got = plain_rows(augmented, query)
    assert {(short(r["drug"]), short(r["firstLink"]), short(r["mechanism"])) for r in got} == {
        ("efalizumab", "hasTarget", "lymphocyte-skin-homing"),
        ("efalizumab", "inhibitsProcess", "lymphocyte-skin-homing"),
    }
    other = rdflib.Dataset()
    other.parse(str(built.nquads), format="nquads")
    other.parse(data=HYPOTHESIS, format="turtle")
    assert sorted(map(repr, oxigraph_answer(augmented, query)[1])) == sorted(
        map(repr, rdflib_answer(other, query)[1])
    )


# --- drugs ----------------------------------------------------------------------------------------------


def test_drug_disease_evidence_efalizumab(store) -> None:
    got = rows(store, "drug-disease-evidence")
    assert {
        (short(r["claim"]), short(r["direction"]), short(r["design"]), short(r["level"]), r["patients"])
        for r in got
    } == {
        ("claim-letter-case-efalizumab-helped", "supports", "caseReport", "level4", "1"),
        ("claim-letter-case-regimen-4-stable", "supports", "caseReport", "level4", "1"),
    }
    assert all(short(r["source"]) == "letter" and "refNumber" not in r for r in got)
    # the stable 12 months are the regimen's, and the row says so
    about = {short(r["claim"]): short(r["about"]) for r in got}
    assert about["claim-letter-case-regimen-4-stable"] == "regimen-4"
    assert {r["modalityLabel"] for r in got} == {"stated as fact"}


def test_drug_disease_evidence_prednisolone_includes_corticosteroid_claims(store) -> None:
    got = rows(store, "drug-disease-evidence", drug="dmkgid:prednisolone")
    claims = {short(r["claim"]): (short(r["about"]), short(r["direction"])) for r in got}
    assert claims == {
        "claim-letter-case-prednisolone-failed": ("prednisolone", "noEffect"),
        "claim-letter-figure-oral-corticosteroids": ("regimen-2", "noEffect"),
        "claim-letter-corticosteroids-first-line": ("Corticosteroid", "supports"),
        "claim-letter-case-regimen-4-stable": ("regimen-4", "supports"),
    }
    corticosteroid = next(r for r in got if short(r["about"]) == "Corticosteroid")
    assert short(corticosteroid["relation"]) == "firstLineTreatmentFor"
    assert [r for r in got if "refNumber" in r] == []


def test_drug_disease_evidence_rituximab_cites_levine_with_pmid(store) -> None:
    got = rows(store, "drug-disease-evidence", drug="dmkgid:rituximab")
    found = {(short(r["claim"]), short(r["design"]), short(r["level"]), short(r["modality"])) for r in got}
    assert found == {
        ("claim-letter-rituximab-in-dm", "citedLiterature", "notGraded", "possible"),
        ("claim-ref-14-rituximab-pilot-improvement", "openLabelPilotStudy", "level4", "statedAsFact"),
    }
    ref = next(r for r in got if "refNumber" in r)
    assert (ref["refNumber"], ref["refPmid"], ref["refPmidStatus"], ref["assignmentStatus"]) == (
        "14",
        "15692974",
        "verified",
        "unverified",
    )


def test_other_diseases_of_efalizumab(store) -> None:
    got = {
        (
            short(r["other"]),
            short(r["relation"]),
            short(r["modality"]),
            short(r["direction"]),
            int(r["claims"]),
            int(r["publications"]),
        )
        for r in rows(store, "drug-other-diseases")
    }
    assert got == {
        ("psoriasis", "developedFor", "statedAsFact", "supports", 1, 1),
        ("allergic-asthma", "reportedEffectiveIn", "statedAsFact", "supports", 1, 1),
        ("allergic-asthma", "studiedInTrialFor", "statedAsFact", "supports", 1, 1),
        ("allergic-asthma", "studiedInTrialFor", "statedAsFact", "noEffect", 1, 1),
        ("kidney-transplant-rejection", "reportedEffectiveIn", "possible", "supports", 1, 1),
        ("kidney-transplant-rejection", "studiedInTrialFor", "statedAsFact", "supports", 1, 1),
    }


def test_drugs_by_target(store) -> None:
    got = rows(store, "drugs-by-target")
    assert [(short(r["drug"]), short(r["directTarget"]), r["encodingGene"]) for r in got] == [
        ("efalizumab", "cd11a", "http://identifiers.org/hgnc/6148")
    ]
    assert [short(r["drug"]) for r in rows(store, "drugs-by-target", target="dmkgid:tnf-alpha")] == [
        "infliximab"
    ]
    assert [short(r["drug"]) for r in rows(store, "drugs-by-target", target="dmkgid:cd20")] == ["rituximab"]
    assert [short(r["drug"]) for r in rows(store, "drugs-by-target", target="dmkgid:dhfr")] == [
        "methotrexate"
    ]


def test_drug_classes_come_from_the_reasoner(store) -> None:
    got = [(short(r["drug"]), short(r["class"])) for r in rows(store, "drugs-by-inferred-class")]
    assert got == [
        ("efalizumab", "LFA1Antagonist"),
        ("efalizumab", "AntiCD11aAgent"),
        ("infliximab", "AntiTNFAlphaAgent"),
        ("rituximab", "AntiCD20Agent"),
    ]


def test_drugs_in_class(store) -> None:
    assert [(short(r["drug"]), r["inferred"]) for r in rows(store, "drugs-in-class")] == [
        ("infliximab", "true")
    ]
    assert [
        (short(r["drug"]), short(r["directClass"]), r["inferred"])
        for r in rows(store, "drugs-in-class", **{"class": "dmkg:LFA1Antagonist"})
    ] == [("efalizumab", "LFA1Antagonist", "true")]
    antibodies = rows(store, "drugs-in-class", **{"class": "dmkg:MonoclonalAntibody"})
    assert [(short(r["drug"]), r["inferred"]) for r in antibodies] == [
        ("efalizumab", "false"),
        ("infliximab", "false"),
        ("rituximab", "false"),
    ]
    corticosteroids = rows(store, "drugs-in-class", **{"class": "dmkg:Corticosteroid"})
    assert [(short(r["drug"]), short(r["directClass"])) for r in corticosteroids] == [
        ("prednisolone", "Glucocorticoid")
    ]


def test_drug_summary_construct(store) -> None:
    triples = {
        (short(t.subject.value), short(t.predicate.value), t.object.value)
        for t in store.query(
            BY_NAME["drug-summary"].sparql,
            substitutions=BY_NAME["drug-summary"].bind({}),
        )
    }
    facts = {(p.rsplit("#", 1)[-1], short(o)) for s, p, o in triples if s == "efalizumab"}
    assert {
        ("hasTarget", "cd11a"),
        ("inhibitsProcess", "lfa1-icam1-interaction"),
        ("appliedToTreat", "dermatomyositis"),
        ("developedFor", "psoriasis"),
        ("reportedEffectiveIn", "allergic-asthma"),
        ("type", "AntiCD11aAgent"),
        ("type", "MonoclonalAntibody"),
        ("hasDbXref", "DRUGBANK:DB00095"),
        ("hasRelatedSynonym", "Raptiva"),
    } <= facts
    # the summary is of facts: "potentially effective in renal transplantation" is possible, not a fact
    assert not {f for f in facts if f[1] == "kidney-transplant-rejection"}
    subjects = {s for s, _, _ in triples}
    assert "rituximab" not in subjects and "infliximab" not in subjects
    assert ("cd11a", "http://www.w3.org/2000/01/rdf-schema#label", "CD11a") in triples


# --- provenance and references -------------------------------------------------------------------------


def test_statement_provenance(store) -> None:
    got = rows(store, "statement-provenance")
    assert {
        (short(r["claim"]), r["graph"], r["refNumber"], short(r["refPublication"]), r["assignmentStatus"])
        for r in got
    } == {
        (
            "claim-letter-efalizumab-blocks-lfa1-icam1",
            "https://w3id.org/dmkg/graph/letter/assertion",
            "9",
            "pub-jullien-2004",
            "unverified",
        ),
        (
            "claim-letter-efalizumab-blocks-lfa1-icam1",
            "https://w3id.org/dmkg/graph/letter/assertion",
            "10",
            "pub-schoen-2003",
            "unverified",
        ),
    }
    assert got[0]["quote"] == "The molecule blocks the inter- action between LFA1 and ICAM1"
    assert got[0]["section"] == "discussion"
    tnf = rows(
        store,
        "statement-provenance",
        subject="dmkgid:infliximab",
        predicate="dmkg:hasTarget",
        object="dmkgid:tnf-alpha",
    )
    assert {(short(r["claim"]), r.get("refNumber")) for r in tnf} == {
        ("claim-entities-infliximab-targets-tnf-alpha", None),
        ("claim-letter-infliximab-targets-tnf", "15"),
    }


def test_reference_list(store) -> None:
    got = rows(store, "reference-list")
    assert [int(r["number"]) for r in got] == list(range(1, 17))
    assert {r["assignmentStatus"] for r in got} == {"unverified"}
    by_number = {int(r["number"]): r for r in got}
    assert (short(by_number[4]["publication"]), by_number[4]["doi"], by_number[4]["doiStatus"]) == (
        "pub-wenzel-2006",
        "10.1111/j.1365-2230.2006.02150.x",
        "verified",
    )
    assert "pmid" not in by_number[4]
    assert (by_number[11]["pmid"], by_number[11]["pmidStatus"]) == ("12897739", "verified")
    assert (by_number[1]["pmid"], by_number[1]["pmidStatus"]) == ("15852401", "unverified, from memory")
    assert by_number[13]["bibliographicStatus"] == "partly verified"
    assert by_number[14]["citedFor"] == "anti-B-cell antibody rituximab might be effective in DM"


# --- statistics -----------------------------------------------------------------------------------------


def _quads(built) -> list[tuple[str, str, str, str]]:
    out = []
    for quad in ox.parse(path=str(built.nquads), format=ox.RdfFormat.N_QUADS):
        if isinstance(quad.graph_name, ox.NamedNode):  # the default graph repeats the named graphs' triples
            out.append((str(quad.subject), quad.predicate.value, str(quad.object), quad.graph_name.value))
    return out


def test_graph_sizes_match_the_export(built, store) -> None:
    quads = _quads(built)
    expected = {}
    for _, _, _, g in quads:
        expected[g] = expected.get(g, 0) + 1
    got = {r["graph"]: int(r["triples"]) for r in rows(store, "graph-sizes")}
    assert got == expected
    assert {
        "https://w3id.org/dmkg/graph/ontology",
        "https://w3id.org/dmkg/graph/inferred",
        "https://w3id.org/dmkg/graph/letter/assertion",
        "https://w3id.org/dmkg/graph/ref-16/pubinfo",
    } <= set(got)


def test_class_counts(built, store) -> None:
    got = {
        short(r["class"]): (int(r["individuals"]), int(r["inferredOnly"]))
        for r in rows(store, "class-counts")
    }
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    claims = {s for s, p, o, _ in _quads(built) if p == rdf_type and o == f"<{V}Claim>"}
    assert got["Claim"] == (len(claims), 0)
    assert got["CitedReference"] == (16, 0)
    assert got["TreatmentCourse"] == (7, 0)
    assert got["FailedTreatmentCourse"] == (2, 2)
    assert got["TreatmentRegimen"] == (4, 0)
    assert got["FailedTreatmentRegimen"] == (2, 2)
    assert got["AntiTNFAlphaAgent"] == (1, 1)
    assert got["Patient"] == (1, 0)


def test_statement_provenance_shows_each_identifier_with_its_own_status(store) -> None:
    got = rows(store, "statement-provenance", subject="dmkgid:type-i-interferons",
               predicate="dmkg:implicatedIn", object="dmkgid:dermatomyositis")
    letter = {int(r["refNumber"]): r for r in got if r.get("refNumber")}
    assert sorted(letter) == [1, 2, 3, 4]
    assert (letter[1]["refPmid"], letter[1]["refPmidStatus"]) == ("15852401", "unverified, from memory")
    assert (letter[4]["refDoi"], letter[4]["refDoiStatus"]) == (
        "10.1111/j.1365-2230.2006.02150.x", "verified")
    assert "refPmid" not in letter[2] and letter[2]["refBibliographicStatus"] == "unverified"
    assert {r["assignmentStatus"] for r in letter.values()} == {"unverified"}
