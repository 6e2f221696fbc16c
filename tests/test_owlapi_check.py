"""The OWL API checker must catch what Protégé would stumble over, and stay silent on a clean file.

All fixtures go through one JVM call (module-scoped fixture): the JVM start is the slow part.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.checks.owlapi_check import FINDING_KINDS, OwlApiResult, owlapi_classpath, run_owlapi_check

pytestmark = pytest.mark.java

DATA = Path(__file__).parent / "data" / "validate"
FIXTURES = [
    "good.ttl",
    "broken-undeclared-property.ttl",
    "broken-punning.ttl",
    "broken-syntax.ttl",
    "broken-web-import.ttl",
    "with-import/main.ttl",
    "good.owl",
    "missing-file.ttl",
    "sparql-prefix.ttl",
    "broken-unparsed.ttl",
    "broken-malformed.ttl",
]


@pytest.fixture(scope="module")
def results() -> dict[str, OwlApiResult]:
    paths = [DATA / name for name in FIXTURES]
    return {name: result for name, result in zip(FIXTURES, run_owlapi_check(paths), strict=True)}


def test_clean_ontology_has_no_findings_and_real_content(results):
    good = results["good.ttl"]
    assert good.loaded
    assert good.finding_count == 0, good.problems
    assert good.format == "Turtle"
    assert good.ontology_iri == "https://w3id.org/dmkg/dmkg.owl"
    assert good.version_iri == "https://w3id.org/dmkg/releases/2026-01-01/dmkg.owl"
    assert good.counts["classes"] == 4
    assert good.counts["object_properties"] == 1
    assert good.counts["data_properties"] == 1
    assert good.counts["individuals"] == 2


def test_rdfxml_release_format_is_read_too(results):
    good = results["good.owl"]
    assert good.loaded
    assert good.format == "RDF/XML Syntax"
    assert good.finding_count == 0, good.problems
    assert good.counts["classes"] == 4


def test_undeclared_property_is_reported(results):
    result = results["broken-undeclared-property.ttl"]
    assert result.loaded
    assert result.problems["undeclared_entities"] == [
        "https://w3id.org/dmkg/vocab/treats (Annotation property)"
    ]
    assert any("UseOfUndeclaredAnnotationProperty" in v for v in result.problems["dl_violations"])


def test_object_and_data_property_punning_is_reported(results):
    result = results["broken-punning.ttl"]
    assert result.problems["illegal_punning"] == [
        "https://w3id.org/dmkg/vocab/dose is both Object property and Data property"
    ]


def test_syntax_error_is_a_parse_error_with_its_line(results):
    # Protégé's way of loading lets the lenient OBO parser "succeed" on broken Turtle; the checker says so
    # and quotes the Turtle parser's own error.
    result = results["broken-syntax.ttl"]
    assert len(result.problems["parse_errors"]) == 1
    error = result.problems["parse_errors"][0]
    assert error.startswith("read as OBO Format, not Turtle")
    assert "line 5" in error
    assert result.finding_count == 1


def test_sparql_style_prefix_loads_as_in_protege(results):
    result = results["sparql-prefix.ttl"]
    assert result.loaded
    assert result.format == "Turtle"
    assert result.finding_count == 0, result.problems


def test_triple_the_owlapi_cannot_use_is_reported_as_unparsed(results):
    result = results["broken-unparsed.ttl"]
    assert result.problem_totals["unparsed_triples"] == 1
    assert "<http://www.w3.org/2002/07/owl#members>" in result.problems["unparsed_triples"][0]


def test_unreadable_class_expression_is_reported_once_as_malformed(results):
    result = results["broken-malformed.ttl"]
    assert result.problems["malformed_axioms"] == [
        "unreadable construct in EquivalentClasses(<http://org.semanticweb.owlapi/error#Error1> "
        "<https://w3id.org/dmkg/vocab/Drug>)"
    ]
    assert result.problems["undeclared_entities"] == []  # the placeholder is not reported twice


def test_web_import_is_reported_not_fetched(results):
    result = results["broken-web-import.ttl"]
    assert result.problems["missing_imports"][0].startswith("http://purl.obolibrary.org/obo/ro.owl: ")
    assert "import-not-in-catalog-v001.xml" in result.problems["missing_imports"][0]


def test_import_resolved_through_local_catalog(results):
    result = results["with-import/main.ttl"]
    assert result.imports == ["https://w3id.org/dmkg/imports/external_terms.owl"]
    assert result.problems["missing_imports"] == []
    # The imported stub declares MONDO's dermatomyositis, so using it here is not an undeclared entity.
    assert result.finding_count == 0, result.problems


def test_missing_file_is_a_parse_error(results):
    result = results["missing-file.ttl"]
    assert not result.loaded
    assert result.problems["parse_errors"][0].startswith("no such file")


def test_every_kind_is_reported_for_a_loaded_file(results):
    assert set(results["good.ttl"].problems) == set(FINDING_KINDS)


def test_classpath_has_one_quiet_logging_binding():
    names = [p.name for p in owlapi_classpath()]
    assert "owlapi-distribution.jar" in names
    assert "slf4j-api.jar" in names
    assert "slf4j-nop.jar" in names
    assert "slf4j-simple.jar" not in names


def test_the_checker_is_compiled_once_per_machine_and_anew_when_its_source_changes(tmp_path, monkeypatch):
    """Every build (any DMKG_BUILD) reuses one compilation in the cache; a changed source gets its own."""
    from kg.checks import owlapi_check

    monkeypatch.setenv("DMKG_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("DMKG_BUILD", str(tmp_path / "build-1"))
    owlapi_classpath.cache_clear()  # asked dpkg once per process: ask again, into this cache
    first = owlapi_check.ensure_checker_compiled()
    assert first.parent == tmp_path / "cache" and (first / "OntologyCheck.class").is_file()
    compiled_at = (first / "OntologyCheck.class").stat().st_mtime_ns
    monkeypatch.setenv("DMKG_BUILD", str(tmp_path / "build-2"))
    assert owlapi_check.ensure_checker_compiled() == first
    assert (first / "OntologyCheck.class").stat().st_mtime_ns == compiled_at  # not compiled again
    assert not (tmp_path / "build-2").exists()
    changed = tmp_path / "OntologyCheck.java"
    changed.write_text(owlapi_check.CHECKER_SOURCE.read_text() + "\n// changed\n")
    monkeypatch.setattr(owlapi_check, "CHECKER_SOURCE", changed)
    second = owlapi_check.ensure_checker_compiled()
    assert second != first and (second / "OntologyCheck.class").is_file()
    assert sorted(p.name for p in (tmp_path / "cache").iterdir() if p.name.startswith(".")) == []
    remembered = json.loads((tmp_path / "cache" / "owlapi-classpath.json").read_text())
    assert remembered["jars"] == [str(p) for p in owlapi_classpath()]
    assert any(jar.endswith("owlapi-distribution.jar") or "owlapi" in jar for jar in remembered["jars"])
