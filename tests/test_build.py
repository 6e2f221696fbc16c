"""`dmkg build`: deterministic, atomic, reasoned and validated; stale release files are caught."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rdflib import Literal
from source_copies import copy_sources, replace_in

from kg import ontology_release
from kg.build import BuildError, build
from kg.checks.shacl import check_shapes
from kg.read_sources import SourceError, read_sources
from kg.transform import build_dataset
from kg.vocab import DMKG, DMKGID, HAS_DBXREF

INFERRED = "https://w3id.org/dmkg/graph/inferred"
LETTER = "letter/document.yaml"


@pytest.fixture()
def build_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("DMKG_BUILD", str(tmp_path / "build"))
    return tmp_path / "build"


def test_committed_release_files_are_up_to_date():
    edit = ontology_release.read_edit()
    dataset = build_dataset(read_sources(), edit)
    release = ontology_release.build_release(edit, dataset)
    full = ontology_release.build_full(release, dataset)
    for path, data in ontology_release.release_files(release, full).items():
        assert path.read_bytes() == data, f"{path.name} is stale: run `dmkg build` and commit it"


def test_release_header_has_version_iri_licence_and_creator():
    text = ontology_release.RELEASE_TTL.read_text(encoding="utf-8")
    version = ontology_release.version()
    assert f"<https://w3id.org/dmkg/releases/{version}/dmkg.owl>" in text
    assert "dcterms:license <https://creativecommons.org/licenses/by/4.0/>" in text
    assert "dcterms:creator" in text


def test_two_builds_give_byte_identical_nquads(built, build_dir):
    build(write_release=False)
    assert (build_dir / "dmkg.nq").read_bytes() == built.nquads.read_bytes()


@pytest.mark.java
def test_reasoner_inferences_are_materialised(built):
    """The store's inferred graph holds exactly the reviewed inferences of
    tests/data/expected-inferences.tsv."""
    rows = built.select(f"""
        SELECT ?s ?p ?o WHERE {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} }}""")
    kind = {"http://www.w3.org/1999/02/22-rdf-syntax-ns#type": "type",
            "http://www.w3.org/2000/01/rdf-schema#subClassOf": "subclass"}
    local = {(kind[r["p"]], r["s"].rsplit("/", 1)[1], r["o"].rsplit("/", 1)[1]) for r in rows}
    lines = (
        (Path(__file__).parent / "data" / "expected-inferences.tsv").read_text(encoding="utf-8").splitlines()
    )
    expected = {(k, s.split(":", 1)[1], o.split(":", 1)[1])
                for k, s, _, o, _ in (line.split("\t") for line in lines[4:] if line)}
    assert local == expected
    assert ("type", "regimen-3", "RespondingTreatmentRegimen") in local
    assert ("type", "regimen-4", "RespondingTreatmentRegimen") not in local


def _broken_sources(tmp_path: Path, file: str, old: str, new: str) -> tuple[Path, int]:
    directory = copy_sources(tmp_path)
    return directory, replace_in(directory / file, old, new)


def _snapshot(build_dir: Path) -> dict[str, bytes | str]:
    return {"link": os.readlink(build_dir / "store"), "nq": (build_dir / "dmkg.nq").read_bytes()}


def test_unknown_entity_fails_with_line_and_leaves_store_untouched(tmp_path, build_dir):
    build(write_release=False)
    before = _snapshot(build_dir)
    directory, line = _broken_sources(
        tmp_path, LETTER, "        drug: methotrexate", "        drug: methotrexat"
    )
    with pytest.raises(SourceError) as info:
        build(directory, write_release=False)
    assert (info.value.path.name, info.value.line, info.value.field) == (
        "document.yaml",
        line,
        "cases.0.courses.1.drug",
    )
    assert "unknown entity 'methotrexat'" in info.value.reason
    assert _snapshot(build_dir) == before


def test_unknown_ontology_term_fails_with_line(tmp_path, build_dir):
    directory, line = _broken_sources(
        tmp_path, LETTER, "    predicate: hasTarget", "    predicate: hasTargett"
    )
    with pytest.raises(SourceError) as info:
        build(directory, write_release=False)
    assert info.value.line == line and "hasTargett" in info.value.reason
    assert not (build_dir / "store").exists()


def test_a_misquoted_letter_fails_the_build(tmp_path, build_dir):
    directory, line = _broken_sources(
        tmp_path, LETTER, '"Muscle biopsy was denied."', '"Muscle biopsy was refused."'
    )
    with pytest.raises(SourceError) as info:
        build(directory, write_release=False)
    assert (info.value.line, info.value.field) == (line, "cases.0.findings.9.quote")
    assert (
        "quote not found verbatim" in info.value.reason
        and "'Muscle biopsy was refused.'" in info.value.reason
    )
    assert not (build_dir / "store").exists()


def test_shacl_names_the_node_of_an_incomplete_course_and_a_bad_identifier():
    edit = ontology_release.read_edit()
    full = ontology_release.build_full(
        ontology_release.build_release(edit, build_dataset(read_sources(), edit)),
        build_dataset(read_sources(), edit),
    )
    assert check_shapes(full) == []
    full.remove((DMKGID["course-2-methotrexate"], DMKG.doseUnit, None))
    full.add((DMKGID["efalizumab"], HAS_DBXREF, Literal("MONDO:12")))
    messages = [str(v) for v in check_shapes(full)]
    assert any("course-2-methotrexate" in m and "dose unit" in m for m in messages)
    assert any("efalizumab" in m and "well-formed CURIE" in m for m in messages)


def test_a_data_file_that_breaks_a_shape_fails_the_build_naming_the_node(tmp_path, build_dir):
    directory, _ = _broken_sources(tmp_path, LETTER, "        drug: azathioprine", "        drug: cd11a")
    with pytest.raises(BuildError) as info:
        build(directory, write_release=False)
    message = str(info.value)
    assert message.startswith("SHACL validation failed")
    assert (
        "https://w3id.org/dmkg/id/course-4-azathioprine https://w3id.org/dmkg/vocab/administersDrug"
        in message
    )
    assert not (build_dir / "store").exists()


def test_a_new_store_keeps_the_one_it_replaced_and_drops_older_ones(tmp_path):
    from kg.store import load_store

    link = tmp_path / "store"
    stores = []
    for n in range(3):
        dump = tmp_path / f"{n}.nq"
        dump.write_text(f"<urn:s> <urn:p> \"{n}\" <urn:g> .\n", encoding="utf-8")
        stores.append(load_store(dump, link))
    assert link.resolve() == stores[2]
    assert stores[1].exists() and not stores[0].exists()
