"""Read and validate the curated source files, reporting errors by file, line and field.

A curator who mistypes a key or a dose must be told where, in the file they edit; pydantic knows the
field path, and PyYAML's node tree knows the line of every value, so the two are joined here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from kg.model import EntitiesSource, LetterSource, ReferenceSource, Source, source_model
from kg.paths import SOURCES_DIR


class SourceError(ValueError):
    """A source file that cannot be used: names the file, the line, the field and the reason."""

    def __init__(self, path: Path, line: int | None, field: str | None, reason: str):
        self.path, self.line, self.field, self.reason = path, line, field, reason
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {field + ': ' if field else ''}{reason}")


@dataclass(frozen=True)
class Sources:
    letter: LetterSource
    entities: EntitiesSource
    references: tuple[ReferenceSource, ...]
    paths: dict[str, Path]

    def all(self) -> list[Source]:
        return [self.entities, self.letter, *self.references]

    def file_name(self, source_id: str) -> str:
        """The source file as a curator finds it in the repository, e.g. kg/sources/references/ref-04.yaml."""
        path = self.paths[source_id]
        folder = "kg/sources/references" if path.parent.name == "references" else "kg/sources"
        return f"{folder}/{path.name}"


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


def read_source(path: Path) -> Source:
    """Parse and validate one source file; raise SourceError naming file, line and field."""
    try:
        text = path.read_text(encoding="utf-8")
        tree = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise SourceError(path, line, None, f"not valid YAML: {exc.problem}") from exc
    except OSError as exc:
        raise SourceError(path, None, None, f"cannot read: {exc.strerror}") from exc
    if not isinstance(data, dict) or "id" not in data:
        raise SourceError(path, 1, "id", "a source file is a mapping with an 'id'")
    try:
        model = source_model(str(data["id"]))
    except ValueError as exc:
        raise SourceError(path, line_of(tree, ("id",)), "id", str(exc)) from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            problems.append((line_of(tree, loc) or 0, ".".join(str(part) for part in loc) or None, error["msg"]))
        problems.sort(key=lambda p: p[0])
        line, field, reason = problems[0]
        more = "".join(f"\n  {path}:{ln}: {fd}: {msg}" for ln, fd, msg in problems[1:])
        raise SourceError(path, line, field, reason + more) from exc


def read_sources(directory: Path = SOURCES_DIR) -> Sources:
    """All source files: letter.yaml, entities.yaml and references/ref-NN.yaml (exactly 16)."""
    paths = {"letter": directory / "letter.yaml", "entities": directory / "entities.yaml"}
    for path in sorted((directory / "references").glob("*.yaml")):
        paths[path.stem] = path
    loaded = {key: read_source(path) for key, path in paths.items()}
    for key, source in loaded.items():
        if source.id != key:
            raise SourceError(paths[key], 1, "id", f"id {source.id!r} does not match the file name {key!r}")
    references = tuple(s for s in loaded.values() if isinstance(s, ReferenceSource))
    numbers = sorted(r.number for r in references)
    if numbers != list(range(1, 17)):
        missing = sorted(set(range(1, 17)) - set(numbers))
        raise SourceError(directory / "references", None, None, f"need references 1-16; missing {missing}")
    return Sources(loaded["letter"], loaded["entities"], references, paths)  # type: ignore[arg-type]
