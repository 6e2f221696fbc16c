"""`dmkg validate` end to end: every broken fixture fails with the right check, the clean fixture and the
real release files pass with zero findings, the build's entry point raises, and the command's exit code
follows the findings."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.validate import validate_command
from kg.checks.validate import (
    ValidationFailed,
    release_files,
    require_valid_release,
    validate_release_files,
)

pytestmark = pytest.mark.java

DATA = Path(__file__).parent / "data" / "validate"

# fixture -> a check that must be among its findings (and the subject it must name)
BROKEN = {
    "broken-undeclared-property.ttl": ("owlapi:undeclared_entities", "https://w3id.org/dmkg/vocab/treats"),
    "broken-punning.ttl": ("owlapi:illegal_punning", "https://w3id.org/dmkg/vocab/dose"),
    "broken-syntax.ttl": ("owlapi:parse_errors", "line 5"),
    "broken-unparsed.ttl": ("owlapi:unparsed_triples", "http://www.w3.org/2002/07/owl#members"),
    "broken-malformed.ttl": ("owlapi:malformed_axioms", "https://w3id.org/dmkg/vocab/Drug"),
    "broken-web-import.ttl": ("owlapi:missing_imports", "http://purl.obolibrary.org/obo/ro.owl"),
    "broken-inconsistent.ttl": ("hermit:inconsistent", "broken-inconsistent.ttl"),
    "broken-unsatisfiable.ttl": ("hermit:unsatisfiable", "https://w3id.org/dmkg/vocab/AntibodyMolecule"),
    "broken-labels.ttl": ("qc:missing-label", "https://w3id.org/dmkg/vocab/Drug"),
    "broken-definitions.ttl": ("qc:definition-lacks-source", "https://w3id.org/dmkg/vocab/Disease"),
    "broken-dc-elements.ttl": ("qc:dc-elements", "https://w3id.org/dmkg/dmkg.owl"),
    "broken-header.ttl": ("qc:ontology-header", "https://w3id.org/dmkg/dmkg.owl"),
    "not-there.owl": ("file:missing", "not-there.owl"),
}


@pytest.fixture(scope="module")
def broken_report():
    return validate_release_files([DATA / name for name in BROKEN])


@pytest.fixture(scope="module")
def good_report():
    return validate_release_files([DATA / "good.ttl", DATA / "good.owl"])


def test_clean_fixtures_pass_every_check(good_report):
    assert good_report.ok, good_report.findings
    for r in good_report.files:
        assert r.owlapi is not None and r.owlapi.counts["classes"] == 4
        assert r.reasoning is not None and r.reasoning.consistent
        assert r.qc == []


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_fixture_fails_with_its_check(broken_report, name):
    check, subject = BROKEN[name]
    report = next(r for r in broken_report.files if r.path.name == name)
    assert not report.ok
    assert any(f.check == check and subject in f.subject for f in report.findings), report.findings


def test_unparsable_file_skips_reasoning_but_is_reported(broken_report):
    report = next(r for r in broken_report.files if r.path.name == "broken-syntax.ttl")
    assert report.reasoning is None
    assert {f.check for f in report.findings} == {"owlapi:parse_errors", "rdf:parse"}


def test_build_entry_point_raises_with_the_findings():
    with pytest.raises(ValidationFailed, match="https://w3id.org/dmkg/vocab/dose") as caught:
        require_valid_release([DATA / "broken-punning.ttl"])
    assert not caught.value.report.ok
    checks = [f.check for _, f in caught.value.report.findings]
    assert "owlapi:illegal_punning" in checks
    assert f"failed with {len(checks)} finding(s)" in str(caught.value)


def test_command_exit_code_follows_findings():
    runner = CliRunner()
    good = runner.invoke(validate_command, [str(DATA / "good.ttl")])
    assert good.exit_code == 0, good.output
    assert "OK: zero findings" in good.output
    assert "TNF : TNF target" in good.output  # the inferred type is reported
    bad = runner.invoke(validate_command, [str(DATA / "broken-punning.ttl"), "--hierarchy"])
    assert bad.exit_code == 1
    assert "owlapi:illegal_punning" in bad.output
    assert "FAILED" in bad.output


def test_release_files_pass_with_zero_findings():
    """The real ontology/dmkg.ttl, dmkg.owl and dmkg-full.owl: loaded, DL, consistent, QC-clean."""
    report = validate_release_files()
    assert [r.path.name for r in report.files] == ["dmkg.ttl", "dmkg.owl", "dmkg-full.owl"]
    assert report.ok, "\n".join(f"{p.name}: {f}" for p, f in report.findings[:40])
    for r in report.files:
        assert r.owlapi.counts["classes"] > 20
        assert r.reasoning.inferred_subclasses, "the defined classes should be classified under their genus"


def test_release_file_list_is_the_three_release_files():
    assert [p.name for p in release_files()] == ["dmkg.ttl", "dmkg.owl", "dmkg-full.owl"]
