"""Run the ODK/Mondo-style QC queries (queries/qc/qc-*-violation.rq) against an RDF file.

Why queries as files: each check is a few lines of SPARQL that an ontology editor can read, copy into the
endpoint's UI, and extend without touching Python. Each query projects ?entity ?property ?value and must
return zero rows; every row is one violation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.paths import QUERIES_DIR

QC_DIR = QUERIES_DIR / "qc"
QC_GLOB = "qc-*-violation.rq"
FORMAT_BY_SUFFIX = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".owl": ox.RdfFormat.RDF_XML,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".nt": ox.RdfFormat.N_TRIPLES,
}


@dataclass(frozen=True)
class QcViolation:
    """One row of a QC query: the check's name (file stem without the qc-/-violation affixes) and the row."""

    check: str
    entity: str | None
    property: str | None
    value: str | None


def qc_query_files(qc_dir: Path = QC_DIR) -> list[Path]:
    return sorted(qc_dir.glob(QC_GLOB))


def check_name(query_file: Path) -> str:
    """qc-missing-label-violation.rq -> missing-label."""
    return query_file.stem.removeprefix("qc-").removesuffix("-violation")


def read_release_file(path: Path) -> ox.Store:
    """An in-memory store holding one release file (the files are small; in memory is 4-14x faster)."""
    fmt = FORMAT_BY_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"unknown RDF format for {path} (expected one of {sorted(FORMAT_BY_SUFFIX)})")
    store = ox.Store()
    store.load(path=str(path), format=fmt)
    return store


def _term_text(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        return str(term)
    if isinstance(term, ox.NamedNode):
        return term.value
    return str(term)


def run_qc_queries(store: ox.Store, query_files: list[Path] | None = None) -> list[QcViolation]:
    """Run every QC query on the store; return all rows of all queries as violations."""
    violations: list[QcViolation] = []
    for query_file in query_files if query_files is not None else qc_query_files():
        results = store.query(query_file.read_text(encoding="utf-8"))
        variables = [v.value for v in results.variables]
        if variables[:3] != ["entity", "property", "value"]:
            raise ValueError(f"{query_file.name} must project ?entity ?property ?value, not {variables}")
        name = check_name(query_file)
        for row in results:
            entity, prop, value = (_term_text(row[v]) for v in ("entity", "property", "value"))
            violations.append(QcViolation(name, entity, prop, value))
    return violations


def run_qc_on_file(path: Path, query_files: list[Path] | None = None) -> list[QcViolation]:
    return run_qc_queries(read_release_file(path), query_files)
