"""`dmkg validate`: every ontology release file must load cleanly in the OWL API, be OWL 2 DL, classify
with HermiT and pass the QC queries, with zero findings.

Why one module that only orchestrates: the checks live in kg/checks/owlapi_check.py (Protégé's parser and the
OWL 2 DL profile), kg/checks/hermit.py (reasoning) and kg/checks/qc.py (SPARQL QC queries, including labels,
definitions and the ontology header); this module turns their results into one list of findings per file,
which the report printer and CLI command (kg/checks/validate_report.py) and the build share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from kg.checks.hermit import ReasoningResult, content_key, reason_store
from kg.checks.owlapi_check import CheckerUnavailable, OwlApiResult, OwlApiRun
from kg.checks.qc import QcViolation, read_release_file, run_qc_queries
from kg.paths import RELEASE_FULL, RELEASE_OWL, RELEASE_TTL

RELEASE_FILES = (RELEASE_TTL, RELEASE_OWL, RELEASE_FULL)


@dataclass(frozen=True)
class Finding:
    """One problem in one file. `check` names where it comes from, e.g. "owlapi:undeclared_entities",
    "hermit:unsatisfiable" or "qc:missing-label"; `subject` is the IRI (or line) it is about."""

    check: str
    subject: str
    detail: str = ""


@dataclass
class FileReport:
    path: Path
    owlapi: OwlApiResult | None = None
    reasoning: ReasoningResult | None = None
    qc: list[QcViolation] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


@dataclass
class ValidationReport:
    files: list[FileReport]

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    @property
    def findings(self) -> list[tuple[Path, Finding]]:
        return [(f.path, finding) for f in self.files for finding in f.findings]


class ValidationFailed(RuntimeError):
    """Raised by `require_valid_release` so that `dmkg build` stops on a broken release file."""

    def __init__(self, report: ValidationReport):
        self.report = report
        lines = [f"{path.name}: [{f.check}] {f.subject} {f.detail}".rstrip() for path, f in report.findings]
        shown = "\n".join(lines[:20]) + (f"\n… and {len(lines) - 20} more" if len(lines) > 20 else "")
        super().__init__(f"ontology validation failed with {len(lines)} finding(s):\n{shown}")


def release_files() -> list[Path]:
    return list(RELEASE_FILES)


def _owlapi_findings(result: OwlApiResult) -> list[Finding]:
    findings = []
    for kind, items in result.problems.items():
        check = "owl2dl:profile" if kind == "dl_violations" else f"owlapi:{kind}"
        findings.extend(Finding(check, item) for item in items)
        hidden = result.problem_totals.get(kind, len(items)) - len(items)
        if hidden > 0:
            findings.append(Finding(check, f"… {hidden} more not listed by the checker"))
    return findings


def _reasoning_findings(result: ReasoningResult) -> list[Finding]:
    if not result.consistent:
        return [Finding("hermit:inconsistent", str(result.path.name), result.error or "")]
    return [Finding("hermit:unsatisfiable", iri, result.label(iri)) for iri in result.unsatisfiable]


def _qc_findings(violations: list[QcViolation]) -> list[Finding]:
    return [
        Finding(f"qc:{v.check}", v.entity or "(no entity)", " ".join(x for x in (v.property, v.value) if x))
        for v in violations
    ]


def validate_release_files(paths: Sequence[Path] | None = None) -> ValidationReport:
    """Run every check on every file (the three release files by default) and collect the findings.

    Never raises for a bad ontology: a missing file, a parse error or missing Java are findings too, so
    the report always says everything that is wrong at once.
    """
    paths = list(paths) if paths is not None else release_files()
    reports = [FileReport(path) for path in paths]
    present = [r for r in reports if r.path.is_file()]
    for r in reports:
        if not r.path.is_file():
            r.findings.append(Finding("file:missing", str(r.path), "run `dmkg build` to generate it"))

    owlapi: OwlApiRun | CheckerUnavailable | None = None
    if present:  # the OWL API's JVM works in the background while HermiT and the QC queries run
        try:
            owlapi = OwlApiRun([r.path for r in present])
        except CheckerUnavailable as exc:
            owlapi = exc

    later: dict[Path, list[Finding]] = {}
    reasoned: dict[str, ReasoningResult] = {}
    try:
        for r in present:
            found = later[r.path] = []
            try:
                store = read_release_file(r.path)
            except (SyntaxError, OSError, ValueError) as exc:
                found.append(Finding("rdf:parse", str(r.path.name), str(exc)))
                continue
            r.qc = run_qc_queries(store)
            found.extend(_qc_findings(r.qc))
            key = content_key(store)
            try:
                if key not in reasoned:
                    reasoned[key] = reason_store(store, r.path)
                r.reasoning = replace(reasoned[key], path=r.path)
            except Exception as exc:  # noqa: BLE001 - a reasoner crash is a finding, not a traceback
                found.append(Finding("hermit:error", str(r.path.name), f"{type(exc).__name__}: {exc}"))
                continue
            found.extend(_reasoning_findings(r.reasoning))
    except BaseException:
        if isinstance(owlapi, OwlApiRun):
            owlapi.stop()
        raise

    if isinstance(owlapi, OwlApiRun):
        for r, result in zip(present, owlapi.results(), strict=True):
            r.owlapi = result
            r.findings.extend(_owlapi_findings(result))
    elif isinstance(owlapi, CheckerUnavailable):
        for r in present:
            r.findings.append(Finding("owlapi:unavailable", str(r.path.name), str(owlapi)))
    for r in present:
        r.findings.extend(later[r.path])
    return ValidationReport(reports)


def require_valid_release(paths: Sequence[Path] | None = None) -> ValidationReport:
    """For `dmkg build`: validate and raise `ValidationFailed` (listing the findings) on any finding."""
    report = validate_release_files(paths)
    if not report.ok:
        raise ValidationFailed(report)
    return report
