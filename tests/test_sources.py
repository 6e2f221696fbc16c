"""Source files: they validate, quote their texts verbatim, use only verified identifiers, and a broken
one is rejected with its file, line and field."""

from __future__ import annotations

import re

import pytest
import yaml
from source_copies import copy_sources, replace_in

from kg.checks.identifiers import verified_identifiers
from kg.checks.quotes import check_quotes, normalise, quotes_of
from kg.checks.source_checks import consistency
from kg.paths import SOURCES_DIR, shared_dir
from kg.read_sources import SourceError, read_source, read_sources


@pytest.fixture(scope="module")
def sources():
    return read_sources()


def letter(sources):
    return next(d for d in sources.documents if d.id == "letter")


def test_all_sources_validate(sources):
    [case] = letter(sources).source.cases
    assert case.patient.age_years == 82
    assert len(letter(sources).references) == 16
    assert len(case.courses) == 7
    assert [f.key for f in sources.files][:3] == ["entities", "letter", "ref-01"]


def test_every_quote_is_verbatim_in_its_text(sources):
    assert len(quotes_of(letter(sources).source)) > 60
    report = check_quotes(sources)
    assert report.problems == [] and report.unchecked == []
    assert report.checked > 80


def test_reference_claims_quote_the_reference_record(sources):
    record = yaml.safe_load((shared_dir() / "sources" / "references.yaml").read_text(encoding="utf-8"))
    summaries = {r["number"]: normalise(r["best_candidate"]["summary"]) for r in record["references"]}
    for ref in letter(sources).references:
        for claim in ref.claims:
            assert normalise(claim.quote) in summaries[ref.number], (ref.id, claim.id)


def test_entity_claims_quote_a_shared_source_or_name_a_url(sources):
    text = normalise((shared_dir() / "sources" / "identifiers.tsv").read_text(encoding="utf-8")
                     + (shared_dir() / "sources" / "references.yaml").read_text(encoding="utf-8"))
    for claim in sources.entities.claims:
        if claim.modality == "curatorInference":
            assert claim.quote is None and claim.knowledge_level == "logical_entailment", claim.id
            continue
        assert claim.source_url or normalise(claim.quote) in text, claim.id


def test_every_xref_is_a_verified_identifier(sources):
    verified = verified_identifiers(shared_dir() / "sources" / "identifiers.tsv")
    used = {x for e in sources.entities.entities
            for x in [*e.xrefs, *e.close_match, *e.broad_match, *e.related_match]}
    assert used - verified == set()
    edit = (SOURCES_DIR.parent.parent / "ontology" / "dmkg-edit.ttl").read_text(encoding="utf-8")
    class_xrefs = {x for line in edit.splitlines() if "hasDbXref" in line
                   for x in re.findall(r'"([A-Za-z][A-Za-z0-9.]*:[^"\s]+)"', line)}
    assert class_xrefs and class_xrefs <= verified


def test_pmids_are_those_of_the_reference_record(sources):
    record = (shared_dir() / "sources" / "references.yaml").read_text(encoding="utf-8")
    for ref in letter(sources).references:
        if ref.publication.pmid:
            assert ref.publication.pmid in record


def test_a_misspelt_key_names_file_line_and_field(tmp_path):
    directory = copy_sources(tmp_path)
    line = replace_in(directory / "letter" / "document.yaml", "        dose_unit: mg/kg body weight",
                 "        dose_units: mg/kg body weight")
    with pytest.raises(SourceError) as info:
        read_sources(directory)
    assert info.value.path.name == "document.yaml"
    assert f"document.yaml:{line}: cases.0.courses.2.dose_units: Extra inputs are not permitted" in str(
        info.value
    )
    assert (info.value.field, info.value.line) == ("cases.0.courses.2.dose_unit", line - 4)


def test_a_negative_dose_is_rejected_at_its_line(tmp_path):
    directory = copy_sources(tmp_path)
    line = replace_in(
        directory / "letter" / "document.yaml", "        dose_value: 60", "        dose_value: -60"
    )
    with pytest.raises(SourceError) as info:
        read_sources(directory)
    assert (info.value.line, info.value.field) == (line, "cases.0.courses.0.dose_value")
    assert "greater than 0" in info.value.reason


def test_invalid_yaml_names_its_line(tmp_path):
    directory = copy_sources(tmp_path)
    path = directory / "letter" / "references" / "ref-07.yaml"
    line = replace_in(path, "number: 7", "number: [7")
    with pytest.raises(SourceError) as info:
        read_source(path)
    assert info.value.path == path and "not valid YAML" in info.value.reason
    assert info.value.line is not None and info.value.line >= line


def test_a_reference_cited_but_not_listed_is_named_at_its_line(tmp_path):
    directory = copy_sources(tmp_path)
    (directory / "letter" / "references" / "ref-16.yaml").unlink()
    problems = [str(p) for p in consistency(read_sources(directory)).problems]
    text = (directory / "letter" / "document.yaml").read_text(encoding="utf-8").splitlines()
    assert problems and all("reference 16 is cited but not listed" in p for p in problems)
    for problem in problems:
        line = int(problem.split(":")[1])
        assert "cites:" in text[line - 1] and "16" in text[line - 1], problem


def test_a_claim_without_quote_reference_or_url_is_rejected(tmp_path):
    directory = copy_sources(tmp_path)
    path = directory / "entities.yaml"
    replace_in(
        path, "    source_url: https://api.fda.gov/drug/label.json?search=openfda.brand_name%3ARituxan\n", ""
    )
    with pytest.raises(SourceError, match="needs a quote, cited references or a source_url"):
        read_sources(directory)
