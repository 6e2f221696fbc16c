"""Read and validate the curated source files, reporting every problem by file, line and field.

A curator who mistypes a key or a dose must be told where, in the file they edit; pydantic knows the
field path, and PyYAML's node tree knows the line of every value, so the two are joined here. Each
file is parsed once: the node tree gives both the lines and the data.

Layout: `entities.yaml` (the shared entity registry) and one folder per source document, holding
`document.yaml` and `references/ref-NN.yaml`, any number of each.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from kg.model import DocumentSource, EntitiesSource, ReferenceSource, Source
from kg.paths import REPO_ROOT, SOURCES_DIR

DOCUMENT_FILE = "document.yaml"
ENTITIES_FILE = "entities.yaml"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a source file, printed as `path:line: field: reason`."""

    path: Path
    line: int | None
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{display(self.path)}:{self.line}" if self.line else display(self.path)
        return f"{where}: {self.field + ': ' if self.field else ''}{self.reason}"


class SourceError(ValueError):
    """Source files that cannot be used: names the file, line and field of the first problem, and
    lists the others below it."""

    def __init__(
        self, path: Path, line: int | None, field: str | None, reason: str, more: tuple[Problem, ...] = ()
    ):
        self.path, self.line, self.field, self.reason, self.more = path, line, field, reason, more
        first = Problem(path, line, field, reason)
        super().__init__("\n  ".join(str(p) for p in (first, *more)))

    @classmethod
    def of(cls, problems: list[Problem]) -> SourceError:
        first = problems[0]
        return cls(first.path, first.line, first.field, first.reason, tuple(problems[1:]))


def display(path: Path) -> str:
    """A path as a curator types it: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class SourceFile:
    """One parsed source file. `key` names its graphs and claims: the document id for a document, its
    prefixed reference id (`ref-14` in the letter, `<doc>-ref-01` elsewhere) for a reference."""

    key: str
    source: Source
    path: Path
    tree: yaml.Node = field(repr=False, compare=False)
    document: DocumentSource | None = None

    def line(self, loc: tuple) -> int | None:
        return line_of(self.tree, loc)


@dataclass(frozen=True)
class Document:
    source: DocumentSource
    folder: Path
    references: tuple[ReferenceSource, ...]

    @property
    def id(self) -> str:
        return self.source.id


@dataclass(frozen=True)
class Sources:
    entities: EntitiesSource
    documents: tuple[Document, ...]
    files: tuple[SourceFile, ...]

    def file(self, key: str) -> SourceFile:
        return next(f for f in self.files if f.key == key)

    def file_name(self, key: str) -> str:
        """The source file as a curator finds it, e.g. kg/sources/letter/references/ref-04.yaml."""
        return display(self.file(key).path)


def line_of(node: yaml.Node | None, loc: tuple) -> int | None:
    """The 1-based line of the value at `loc` in a composed YAML tree (or of its nearest parent)."""
    line = node.start_mark.line + 1 if node else None
    for key in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            child = node.value[key]
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


def scalars(tree: yaml.Node | None) -> Iterator[tuple[tuple, yaml.ScalarNode]]:
    """Every scalar value of a composed YAML tree with its field path (mapping keys, list indexes), so
    a check can read the already parsed file and still name the line and field of what it finds."""
    todo: list[tuple[tuple, yaml.Node]] = [((), tree)] if tree is not None else []
    while todo:
        loc, node = todo.pop()
        if isinstance(node, yaml.ScalarNode):
            yield loc, node
        elif isinstance(node, yaml.SequenceNode):
            todo += [((*loc, i), child) for i, child in enumerate(node.value)]
        elif isinstance(node, yaml.MappingNode):
            todo += [((*loc, key.value), value) for key, value in node.value]


def _parse(path: Path) -> tuple[yaml.Node, object]:
    text = path.read_text(encoding="utf-8")
    loader = yaml.SafeLoader(text)
    try:
        tree = loader.get_single_node()
        return tree, loader.construct_document(tree) if tree is not None else None
    finally:
        loader.dispose()


def read_file(
    path: Path, model: type[Source], expected_id: str
) -> tuple[yaml.Node | None, Source | None, list[Problem]]:
    """Parse and validate one source file: (tree, model, problems), the model None when invalid."""
    try:
        tree, data = _parse(path)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        return None, None, [Problem(path, line, None, f"not valid YAML: {exc.problem}")]
    except OSError as exc:
        return None, None, [Problem(path, None, None, f"cannot read: {exc.strerror}")]
    if not isinstance(data, dict) or "id" not in data:
        return tree, None, [Problem(path, 1, "id", "a source file is a mapping with an 'id'")]
    if str(data["id"]) != expected_id:
        return (
            tree,
            None,
            [
                Problem(
                    path,
                    line_of(tree, ("id",)),
                    "id",
                    f"id {data['id']!r} does not match its file or folder name {expected_id!r}",
                )
            ],
        )
    try:
        return tree, model.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(part for part in error["loc"] if not str(part).startswith("function-"))
            reason = error["msg"].removeprefix("Value error, ")
            problems.append(Problem(path, line_of(tree, loc) or 1, ".".join(map(str, loc)) or None, reason))
        return tree, None, sorted(problems, key=lambda p: p.line or 0)


def read_source(path: Path) -> Source:
    """One source file on its own (its kind from its place in the layout); raise SourceError."""
    if path.name == ENTITIES_FILE:
        model, expected = EntitiesSource, "entities"
    elif path.name == DOCUMENT_FILE:
        model, expected = DocumentSource, path.parent.name
    else:
        model, expected = ReferenceSource, path.stem
    _, source, problems = read_file(path, model, expected)
    if problems:
        raise SourceError.of(problems)
    return source  # type: ignore[return-value]


def document_folders(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def load_sources(
    directory: Path = SOURCES_DIR, extra: tuple[Path, ...] = ()
) -> tuple[Sources | None, list[Problem]]:
    """Every source file under `directory` (and the document folders in `extra`), with every problem
    found in them; Sources is None when any file is invalid."""
    problems: list[Problem] = []
    files: list[SourceFile] = []
    tree, entities, found = read_file(directory / ENTITIES_FILE, EntitiesSource, "entities")
    problems += found
    if entities:
        files.append(SourceFile("entities", entities, directory / ENTITIES_FILE, tree))
    documents = []
    folders = document_folders(directory) if directory.is_dir() else []
    for folder in [*folders, *(f for f in extra if f.resolve() not in {x.resolve() for x in folders})]:
        document = _load_document(folder, files, problems)
        if document:
            documents.append(document)
    if problems or entities is None:
        return None, problems
    return Sources(entities, tuple(documents), tuple(files)), problems  # type: ignore[arg-type]


def _load_document(folder: Path, files: list[SourceFile], problems: list[Problem]) -> Document | None:
    path = folder / DOCUMENT_FILE
    if not path.exists():
        problems.append(
            Problem(
                folder,
                None,
                None,
                f"a source document folder needs a {DOCUMENT_FILE} (`dmkg new-source ID` writes one)",
            )
        )
        return None
    tree, document, found = read_file(path, DocumentSource, folder.name)
    problems += found
    if document is None:
        return None
    files.append(SourceFile(document.id, document, path, tree, document))
    references = []
    for ref_path in sorted((folder / "references").glob("*.yaml")):
        ref_tree, ref, found = read_file(ref_path, ReferenceSource, ref_path.stem)
        problems += found
        if ref is not None:
            references.append(ref)
            files.append(SourceFile(document.prefix + ref.id, ref, ref_path, ref_tree, document))  # type: ignore
    return Document(document, folder, tuple(references))  # type: ignore[arg-type]


def read_sources(directory: Path = SOURCES_DIR, extra: tuple[Path, ...] = ()) -> Sources:
    """All source files, valid each on its own; raise SourceError naming every problem."""
    sources, problems = load_sources(directory, extra)
    if problems or sources is None:
        raise SourceError.of(problems or [Problem(directory, None, None, "no sources")])
    return sources
