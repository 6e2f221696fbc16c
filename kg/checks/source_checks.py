"""Checks across source files, shared by `dmkg check` (report everything) and `dmkg build` (stop).

What one file cannot know: that two documents would mint the same IRI, that a claim cites a reference
its document does not list, that two claims say the same, that a case has no outcome, that an
identifier is not a verified row of ../shared/sources/identifiers.tsv, that a name is not an entity
or an ontology term, and that a quote is not in its text. `dmkg check` adds the offline HPO check
(kg/checks/hpo_check.py), which the build runs as a step of its own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from kg.checks.hpo_check import check_hpo_ids
from kg.checks.identifiers import identifiers_table, verified_identifiers
from kg.checks.quotes import check_quotes
from kg.model import DocumentSource, EntitiesSource
from kg.paths import SOURCES_DIR
from kg.read_sources import (
    DOCUMENT_FILE,
    ENTITIES_FILE,
    Problem,
    SourceFile,
    Sources,
    display,
    load_sources,
    scalars,
)
from kg.transform import TransformErrors, build_dataset


@dataclass
class CheckResult:
    problems: list[Problem] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)  # what could not be checked, and why
    quotes_checked: int = 0


def cross_file_problems(sources: Sources) -> list[Problem]:
    """IRI collisions, publications described twice, references cited but not listed, duplicate claims
    and cases without outcomes."""
    problems: list[Problem] = []
    minted: dict[str, Path] = {e.id: sources.file("entities").path for e in sources.entities.entities}
    publications: dict[str, tuple[object, Path]] = {}
    named: list[tuple[SourceFile, str]] = []  # references that name a publication described elsewhere
    for file in sources.files:
        source = file.source
        pub = source.publication
        if isinstance(pub, str):
            named.append((file, pub))
        elif pub.id in publications and publications[pub.id][0] != pub:
            problems.append(
                Problem(
                    file.path,
                    file.line(("publication", "id")),
                    "publication.id",
                    f"publication {pub.id!r} is described differently in {display(publications[pub.id][1])}",
                )
            )
        else:
            publications.setdefault(pub.id, (pub, file.path))
        for i, claim in enumerate(source.claims):
            if claim.id in {c.id for c in source.claims[:i]}:
                problems.append(
                    Problem(
                        file.path,
                        file.line(("claims", i, "id")),
                        f"claims.{i}.id",
                        f"claim id {claim.id!r} is used twice in this file",
                    )
                )
        same = Counter((c.subject, c.predicate, c.object, c.direction, tuple(c.about)) for c in source.claims)
        for i, claim in enumerate(source.claims):
            key = (claim.subject, claim.predicate, claim.object, claim.direction, tuple(claim.about))
            if same[key] > 1 and key in {
                (c.subject, c.predicate, c.object, c.direction, tuple(c.about)) for c in source.claims[:i]
            }:
                problems.append(
                    Problem(
                        file.path,
                        file.line(("claims", i)),
                        f"claims.{i}",
                        f"duplicate claim: {claim.subject} {claim.predicate} {claim.object} "
                        "is already stated in this file; merge the two",
                    )
                )
        if not isinstance(source, DocumentSource) or file.key != source.id:
            continue
        document = next(d for d in sources.documents if d.id == source.id)
        listed = {r.number for r in document.references}
        for i, claim in enumerate(source.claims):
            for j, number in enumerate(claim.cites):
                if number not in listed:
                    problems.append(
                        Problem(
                            file.path,
                            file.line(("claims", i, "cites", j)),
                            f"claims.{i}.cites.{j}",
                            f"reference {number} is cited but not listed "
                            f"(no {document.folder.name}/references/ref-{number:02d}.yaml)",
                        )
                    )
        for i, case in enumerate(source.cases):
            if not case.outcomes:
                problems.append(
                    Problem(
                        file.path,
                        file.line(("cases", i, "id")),
                        f"cases.{i}",
                        f"case {case.id!r} has no outcomes: record what the report says of "
                        "the response, or why it says nothing",
                    )
                )
            for local in case.local_ids():
                iri = source.prefix + local
                if iri in minted and minted[iri] != file.path:
                    problems.append(
                        Problem(
                            file.path,
                            file.line(("cases", i)),
                            f"cases.{i}",
                            f"{local!r} would mint dmkgid:{iri}, already minted by {display(minted[iri])}",
                        )
                    )
                minted.setdefault(iri, file.path)
    for file, pub in named:
        if pub not in publications:
            problems.append(
                Problem(
                    file.path,
                    file.line(("publication",)),
                    "publication",
                    f"no source file describes publication {pub!r}",
                )
            )
    keys = Counter(f.key for f in sources.files)
    for file in sources.files:
        if keys[file.key] > 1:
            problems.append(
                Problem(
                    file.path,
                    1,
                    "id",
                    f"source {file.key!r} is defined by more than one file; "
                    "give each document its own iri_prefix",
                )
            )
    return problems


def label_problems(sources: Sources) -> list[Problem]:
    """Labels a curator wrote that another node already carries: the graph's QC rejects duplicate
    labels, and here they are found with the file and line to change."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}

    def label(file: SourceFile, loc: tuple, text: str) -> None:
        key = text.casefold()
        where = f"{display(file.path)}:{file.line(loc)}"
        if key in seen:
            problems.append(
                Problem(
                    file.path,
                    file.line(loc),
                    ".".join(map(str, loc)),
                    f"label {text!r} is already used at {seen[key]}; labels must be unique",
                )
            )
        seen.setdefault(key, where)

    for file in sources.files:
        source = file.source
        for i, entity in enumerate(getattr(source, "entities", [])):
            label(file, ("entities", i, "label"), entity.label)
        for i, case in enumerate(getattr(source, "cases", [])):
            label(file, ("cases", i, "label"), case.label)
            label(file, ("cases", i, "patient", "label"), case.patient.label)
            for key, attr in (("findings", "label"), ("outcomes", "statement"), ("regimens", "label")):
                for j, item in enumerate(getattr(case, key)):
                    label(file, ("cases", i, key, j, attr), getattr(item, attr))
    return problems


def identifier_problems(entities: EntitiesSource, path: Path, table: Path) -> list[Problem]:
    """Every external identifier of the registry must be a verified row of identifiers.tsv."""
    verified = verified_identifiers(table)
    problems = []
    for i, entity in enumerate(entities.entities):
        for key in ("xrefs", "close_match", "broad_match", "related_match"):
            for curie in getattr(entity, key):
                if curie not in verified:
                    problems.append(
                        Problem(
                            path, None, f"entities.{i}.{key}", f"{curie} is not a verified row of {table}"
                        )
                    )
    return problems


def transform_problems(sources: Sources, ontology: Graph) -> list[Problem]:
    """Names that are neither entities nor ontology terms, found by turning the sources into RDF."""
    try:
        build_dataset(sources, ontology)
    except TransformErrors as exc:
        return located(sources, exc)
    return []


def located(sources: Sources, exc: TransformErrors) -> list[Problem]:
    """Transform errors as problems naming the file and line a curator must edit."""
    return [
        Problem(
            sources.file(e.source_id).path,
            sources.file(e.source_id).line(e.loc),
            ".".join(map(str, e.loc)),
            e.reason,
        )
        for e in exc.errors
    ]


def consistency(sources: Sources) -> CheckResult:
    """Everything but the ontology terms: what `dmkg build` checks before it transforms."""
    result = CheckResult(problems=cross_file_problems(sources) + label_problems(sources))
    table = identifiers_table()
    registry = sources.file("entities")
    if table.exists():
        for problem in identifier_problems(sources.entities, registry.path, table):
            line = registry.line(
                tuple(int(p) if p.isdigit() else p for p in (problem.field or "").split("."))
            )
            result.problems.append(Problem(problem.path, line, problem.field, problem.reason))
    else:
        result.unchecked.append(f"identifiers: {table} not found, so no identifier was checked against it")
    quotes = check_quotes(sources)
    result.problems += quotes.problems
    result.unchecked += quotes.unchecked
    result.quotes_checked = quotes.checked
    return result


def todo_problems(sources: Sources) -> list[Problem]:
    """Values a scaffolded file still leaves to fill in (they start with TODO)."""
    problems = [
        Problem(file.path, node.start_mark.line + 1, ".".join(map(str, loc)) or None,
                f"not filled in: {node.value!r}")
        for file in sources.files
        for loc, node in scalars(file.tree)
        if str(node.value).startswith("TODO")
    ]
    return sorted(problems, key=lambda p: (str(p.path), p.line or 0))


def documents_to_check(path: Path) -> tuple[Path, tuple[Path, ...]]:
    """What `dmkg check PATH` reads: a sources folder as a whole, or one document (a folder, or a file
    inside it) together with the default sources, so collisions with them are found too."""
    path = path.resolve()
    if path.is_file():
        path = path.parent.parent if path.parent.name == "references" else path.parent
    if (path / ENTITIES_FILE).exists():
        return path, ()
    return SOURCES_DIR, (path,)


def check(path: Path = SOURCES_DIR) -> CheckResult:
    """Every problem of the sources at `path`, without building: `dmkg check`."""
    from kg import ontology_release

    directory, extra = documents_to_check(path)
    if extra and not (extra[0] / DOCUMENT_FILE).exists():
        return CheckResult(
            problems=[
                Problem(
                    extra[0],
                    None,
                    None,
                    f"neither a sources folder (with "
                    f"{ENTITIES_FILE}) nor a document folder (with {DOCUMENT_FILE})",
                )
            ]
        )
    sources, problems = load_sources(directory, extra)
    if sources is None:
        return CheckResult(problems=problems)
    result = consistency(sources)
    result.problems += transform_problems(sources, ontology_release.read_edit()) + todo_problems(sources)
    result.problems += [p.as_problem() for p in check_hpo_ids(sources)]
    return result
