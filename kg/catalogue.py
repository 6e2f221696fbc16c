"""The named-query catalogue: ``queries/catalogue/NNN-name.rq`` files with a grlc-style ``#+`` YAML header.

One parse serves every consumer (``dmkg query``, ``/queries`` over HTTP, the UI's example tabs), so a
query's title, parameters and defaults are written once. Parameters are bound as RDF terms through
pyoxigraph ``substitutions`` and are parsed strictly: a value is never pasted into SPARQL text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml
from pyoxigraph import Literal, NamedNode, Store, Variable

from kg import curie
from kg.paths import QUERIES_DIR

CATALOGUE_DIR = QUERIES_DIR / "catalogue"
PARAM_TYPES = ("iri", "string", "integer", "decimal", "boolean")

_XSD = "http://www.w3.org/2001/XMLSchema#"
_FILE_NAME = re.compile(r"^\d+-(?P<name>[a-z0-9][a-z0-9-]*)\.rq$")
_ABSOLUTE_IRI = re.compile(r"^(?:https?://[^\s<>\"{}|^`\\]+|urn:[^\s<>\"{}|^`\\]+)$")
_HEADER_LINE = "#+"

Term = NamedNode | Literal


class CatalogueError(ValueError):
    """A catalogue file that cannot be read: the message names the file and, if known, the line."""


class ParameterError(ValueError):
    """A parameter value that cannot be bound; ``param`` names the parameter at fault."""

    def __init__(self, param: str, reason: str) -> None:
        super().__init__(f"parameter {param!r}: {reason}")
        self.param = param
        self.reason = reason


@dataclass(frozen=True)
class Param:
    """One declared query parameter; ``default`` is ``None`` when the parameter is required."""

    name: str
    type: str = "string"
    default: str | None = None
    description: str = ""

    @property
    def required(self) -> bool:
        return self.default is None

    def parse(self, value: str) -> Term:
        """Turn a user-supplied string into an RDF term of this parameter's type, or raise ParameterError."""
        text = value.strip()
        if self.type == "iri":
            return NamedNode(_parse_iri(self.name, text))
        if self.type == "string":
            return Literal(value)
        if self.type == "integer":
            if not re.fullmatch(r"[+-]?[0-9]+", text):
                raise ParameterError(self.name, f"expected an integer, got {value!r}")
            return Literal(str(int(text)), datatype=NamedNode(_XSD + "integer"))
        if self.type == "decimal":
            if not re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", text):
                raise ParameterError(self.name, f"expected a decimal number, got {value!r}")
            number = Decimal(text)
            return Literal(format(number, "f"), datatype=NamedNode(_XSD + "decimal"))
        if self.type == "boolean":
            lowered = text.lower()
            if lowered not in ("true", "false", "1", "0"):
                raise ParameterError(self.name, f"expected true or false, got {value!r}")
            return Literal(str(lowered in ("true", "1")).lower(), datatype=NamedNode(_XSD + "boolean"))
        raise ParameterError(self.name, f"unknown type {self.type!r}")  # unreachable after load checks


def _parse_iri(param: str, text: str) -> str:
    """Accept ``<absolute IRI>``, a bare absolute http(s)/urn IRI, or a CURIE from the prefix map."""
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    if _ABSOLUTE_IRI.match(text):
        return text
    if re.match(r"^[A-Za-z][\w.-]*:[^\s<>\"{}|^`\\]*$", text):
        try:
            iri = curie.expand(text)
        except curie.CurieError as error:
            raise ParameterError(param, str(error)) from None
        if _ABSOLUTE_IRI.match(iri):
            return iri
    raise ParameterError(
        param, f"expected a CURIE from the prefix map or an absolute http(s)/urn IRI, got {text!r}"
    )


@dataclass(frozen=True)
class NamedQuery:
    """One catalogue query: its header metadata and the SPARQL text (which declares its own PREFIXes)."""

    name: str
    title: str
    description: str
    tags: tuple[str, ...]
    params: tuple[Param, ...]
    example: str
    sparql: str
    path: Path
    extra: Mapping[str, object] = field(default_factory=dict)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def sparql_with_defaults(self) -> str:
        """The query text with a trailing VALUES clause binding the parameters that have defaults.

        For showing a runnable example (the UI's tabs). The values are the defaults of the release's own
        catalogue, parsed into RDF terms and written in their canonical N-Triples form — never user input.
        """
        defaults = [p for p in self.params if p.default is not None]
        if not defaults:
            return self.sparql
        names = " ".join(f"?{p.name}" for p in defaults)
        terms = " ".join(str(p.parse(p.default)) for p in defaults)
        return f"{self.sparql.rstrip()}\nVALUES ({names}) {{ ({terms}) }}\n"

    def bind(self, values: Mapping[str, str]) -> dict[Variable, Term]:
        """Parse ``values`` (strings) plus defaults into pyoxigraph substitutions for ``Store.query``."""
        for name in values:
            if self.param(name) is None:
                known = ", ".join(p.name for p in self.params) or "none"
                raise ParameterError(name, f"unknown parameter for query {self.name!r} (known: {known})")
        bound: dict[Variable, Term] = {}
        for param in self.params:
            value = values.get(param.name, param.default)
            if value is None:
                raise ParameterError(param.name, "is required and has no default")
            bound[Variable(param.name)] = param.parse(str(value))
        return bound


def load_catalogue(directory: Path | None = None) -> list[NamedQuery]:
    """Read every ``NNN-name.rq`` file of ``directory`` (default: queries/catalogue), in file order."""
    directory = CATALOGUE_DIR if directory is None else Path(directory)
    if not directory.is_dir():
        return []
    queries = [load_query(path) for path in sorted(directory.glob("*.rq"))]
    names = [q.name for q in queries]
    for name in names:
        if names.count(name) > 1:
            raise CatalogueError(f"{directory}: two catalogue files define the query name {name!r}")
    return queries


def load_query(path: Path) -> NamedQuery:
    """Parse one catalogue file; errors name the file and the line at fault."""
    match = _FILE_NAME.match(path.name)
    if not match:
        raise CatalogueError(f"{path}: file name must look like NNN-some-name.rq")
    lines = path.read_text(encoding="utf-8").splitlines()
    header_lines: list[str] = []
    for line in lines:
        if not line.startswith(_HEADER_LINE):
            break
        header_lines.append(line[len(_HEADER_LINE) :].removeprefix(" "))
    sparql = "\n".join(lines[len(header_lines) :]).strip() + "\n"
    try:
        header = yaml.safe_load("\n".join(header_lines)) if header_lines else {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        reason = getattr(error, "problem", None) or str(error)
        raise CatalogueError(f"{path}{where}: malformed #+ header: {reason}") from None
    if not isinstance(header, dict):
        raise CatalogueError(f"{path}:1: the #+ header must be a YAML mapping")
    title = header.get("title")
    if not isinstance(title, str) or not title.strip():
        raise CatalogueError(f"{path}:{_line_of(header_lines, 'title')}: header needs a 'title'")
    tags = header.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise CatalogueError(f"{path}:{_line_of(header_lines, 'tags')}: 'tags' must be a list of strings")
    params = tuple(_read_params(path, header_lines, header.get("params") or {}))
    for param in params:
        if not re.search(rf"[?$]{re.escape(param.name)}\b", sparql):
            raise CatalogueError(
                f"{path}:{_line_of(header_lines, param.name)}: parameter {param.name!r} "
                f"is not a variable ?{param.name} of the query"
            )
    _check_binds(path, sparql, params)
    known = {"title", "description", "tags", "params", "example"}
    return NamedQuery(
        name=match["name"],
        title=title.strip(),
        description=str(header.get("description") or "").strip(),
        tags=tuple(tags),
        params=params,
        example=str(header.get("example") or "").rstrip(),
        sparql=sparql,
        path=path,
        extra={k: v for k, v in header.items() if k not in known},
    )


_SAMPLE_VALUES = {
    "iri": "urn:dmkg:sample",
    "string": "sample",
    "integer": "1",
    "decimal": "1.0",
    "boolean": "true",
}


def _check_binds(path: Path, sparql: str, params: tuple[Param, ...]) -> None:
    """Dry-run the query on an empty store with every parameter bound, so a query that cannot be bound
    fails when the catalogue is read, not when a user calls it. pyoxigraph binds (SEP-0007) only
    variables a SELECT *projects*: ``SELECT ?drug ?target`` or ``SELECT *``, and ``GROUP BY ?drug`` with
    aggregates."""
    if "service" in sparql.lower():
        return  # an ASK would be evaluated, and SERVICE would reach out: never contact a server while loading
    substitutions = {
        Variable(p.name): p.parse(p.default if p.default is not None else _SAMPLE_VALUES[p.type])
        for p in params
    }
    try:
        Store().query(sparql, substitutions=substitutions or None)
    except SyntaxError as error:
        raise CatalogueError(f"{path}: SPARQL syntax error: {error}") from None
    except Exception as error:
        raise CatalogueError(
            f"{path}: the query cannot be bound with its parameters ({error}); a SELECT must project "
            "every parameter variable (e.g. SELECT ?drug ... or SELECT *)"
        ) from None


def _read_params(path: Path, header_lines: list[str], raw: object) -> list[Param]:
    if not isinstance(raw, dict):
        raise CatalogueError(f"{path}:{_line_of(header_lines, 'params')}: 'params' must be a mapping")
    params = []
    for name, spec in raw.items():
        line = _line_of(header_lines, str(name))
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise CatalogueError(f"{path}:{line}: parameter name {name!r} is not a SPARQL variable name")
        spec = {"type": spec} if isinstance(spec, str) else (spec or {})
        if not isinstance(spec, dict):
            raise CatalogueError(f"{path}:{line}: parameter {name!r} must be a mapping")
        kind = spec.get("type", "string")
        if kind not in PARAM_TYPES:
            raise CatalogueError(
                f"{path}:{line}: parameter {name!r} has unknown type {kind!r} "
                f"(one of {', '.join(PARAM_TYPES)})"
            )
        default = spec.get("default")
        if isinstance(default, bool):
            default = str(default).lower()
        param = Param(
            name=name,
            type=kind,
            default=None if default is None else str(default),
            description=str(spec.get("description") or ""),
        )
        if param.default is not None:
            try:
                param.parse(param.default)
            except ParameterError as error:
                raise CatalogueError(f"{path}:{line}: default of {error}") from None
        params.append(param)
    return params


def _line_of(header_lines: list[str], key: str) -> int:
    """1-based file line of the first header line mentioning ``key:`` (the header starts at line 1)."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*:")
    for number, line in enumerate(header_lines, start=1):
        if pattern.match(line):
            return number
    return 1
