"""Static checks on a request's SPARQL before any worker sees it.

pyoxigraph runs ``SERVICE <url>`` and ``LOAD <url>`` by opening HTTP connections and has no switch to
turn that off, so a query that contains them must be refused *before* evaluation (unless the target is
allow-listed). The check is rdflib's SPARQL parser walked for ``ServiceGraphPattern`` / ``Load`` nodes —
a real parse, so ``SERVICE`` inside OPTIONAL, UNION, subqueries or FILTER EXISTS is caught and the word
in a literal is not. The parse only happens when the text contains the keyword at all (the common case
costs nothing); a text that mentions it but does not parse is refused (fail closed).

The shape guard exists because pyoxigraph's parser and evaluator recurse over the query's syntax tree
and overflow their stack — killing the process — on a few thousand nested brackets, but equally on
``!`` ×10 000, a chain of 10 000 ``&&``, a property path of 10 000 ``/`` or 30 000 ``|`` steps, or
3 000 MINUS or BIND. So it bounds both the bracket depth (``max_depth``) and the tree's size: the
operators and tree-building keywords, counted by a tokeniser that skips strings, IRIs and comments
(``max_operators``). A worker that still dies is the executor's business (400 or 503, never 500).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef, Variable

from server.errors import BadRequestError, ForbiddenError
from server.lexer import keyword, tokens

_CODEPOINT_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_DATASET_CLAUSE = re.compile(r"(?i)\bfrom\s+(?:named\s+)?(?:<|[A-Za-z_][\w.-]*:|:)")


@dataclass(frozen=True)
class QueryFacts:
    """What the guard learnt about a query that the executor needs."""

    has_dataset_clause: bool  # FROM / FROM NAMED: the query names its own dataset


# keywords that each add a node (or a level) to the algebra tree
_TREE_KEYWORDS = frozenset(
    {"UNION", "MINUS", "OPTIONAL", "FILTER", "BIND", "GRAPH", "SERVICE", "EXISTS", "NOT", "SELECT", "VALUES"}
)
DEFAULT_MAX_OPERATORS = 1000


def check_shape(sparql: str, max_depth: int, max_operators: int = DEFAULT_MAX_OPERATORS) -> None:
    """Refuse (400) a syntax tree deeper than ``max_depth`` brackets or bigger than ``max_operators``."""
    problem = _shape_problem(sparql, max_depth, max_operators)
    if problem:
        raise BadRequestError(problem)


# every operator token contains one of these characters
_OPERATOR_CHARS = "&|!=<>+-*/^?"


def _within_bounds(sparql: str, max_depth: int, max_operators: int) -> bool:
    """An upper bound on depth and size from character counts, at C speed: no deeper than the number
    of opening brackets, no more operators and keywords than operator characters plus keyword
    substrings. Only for ASCII texts (``.upper()`` maps a few other letters onto keywords); any
    text over a bound is tokenised."""
    if not sparql.isascii() or sum(map(sparql.count, "({[")) > max_depth:
        return False
    upper = sparql.upper()
    return sum(map(sparql.count, _OPERATOR_CHARS)) + sum(map(upper.count, _TREE_KEYWORDS)) <= max_operators


@functools.lru_cache(maxsize=1024)
def _shape_problem(sparql: str, max_depth: int, max_operators: int) -> str | None:
    if _within_bounds(sparql, max_depth, max_operators):
        return None
    return _tokenised_problem(sparql, max_depth, max_operators)


def _tokenised_problem(sparql: str, max_depth: int, max_operators: int) -> str | None:
    depth = operators = 0
    for token in tokens(sparql):
        if token.kind == "open":
            depth += 1
            if depth > max_depth:
                return (
                    f"Query refused: brackets are nested more than {max_depth} levels deep "
                    f"(at character {token.start + 1})."
                )
        elif token.kind == "close":
            depth = max(depth - 1, 0)
        elif token.kind == "op" or keyword(token) in _TREE_KEYWORDS:
            operators += 1
            if operators > max_operators:
                return (
                    f"Query refused: it has more than {max_operators} operators and keywords "
                    "(&&, ||, !, comparisons, arithmetic, path / | ^, UNION, MINUS, OPTIONAL, FILTER, BIND, "
                    f"…; the limit was passed at character {token.start + 1}, {token.text!r}), so its syntax "
                    "tree is too large to evaluate safely. Split or simplify it (VALUES and IN lists are "
                    "not limited)."
                )
    return None


def unescape_codepoints(sparql: str) -> str:
    """Apply SPARQL's \\uXXXX escapes the way the engine does *before* parsing (so ``\\u0053ERVICE``
    is SERVICE to oxigraph); the guards must look at the same text."""
    if "\\u" not in sparql and "\\U" not in sparql:
        return sparql

    def decode(match: re.Match) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group()

    return _CODEPOINT_ESCAPE.sub(decode, sparql)


def check_query(
    sparql: str,
    *,
    max_depth: int,
    allowed_endpoints: frozenset[str],
    max_operators: int = DEFAULT_MAX_OPERATORS,
) -> QueryFacts:
    """Raise 400 for SERVICE to a target not allow-listed or a too deep or too large syntax tree;
    return facts for execution."""
    sparql = unescape_codepoints(sparql)
    check_shape(sparql, max_depth, max_operators)
    return _check_query_text(sparql, allowed_endpoints)


@functools.lru_cache(maxsize=1024)
def _check_query_text(sparql: str, allowed_endpoints: frozenset[str]) -> QueryFacts:
    lowered = sparql.lower()
    mentions_service = "service" in lowered
    mentions_from = bool(_DATASET_CLAUSE.search(sparql))
    if not mentions_service and not mentions_from:
        return QueryFacts(has_dataset_clause=False)
    try:
        tree = parseQuery(sparql)
    except RecursionError:
        raise BadRequestError("Query refused: it is nested too deeply to be checked.") from None
    except Exception as error:
        if mentions_service:
            raise BadRequestError(
                f"Query refused: it mentions SERVICE and could not be checked ({_short(error)})."
            ) from None
        return QueryFacts(has_dataset_clause=True)  # oxigraph reports the syntax error itself
    prefixes = _prefixes(tree)
    for node in _walk(tree):
        if node.name == "ServiceGraphPattern":
            _check_remote(node.get("term"), prefixes, allowed_endpoints, "SERVICE", BadRequestError)
    has_dataset = any(node.name == "DatasetClause" for node in _walk(tree))
    return QueryFacts(has_dataset_clause=has_dataset)


def check_update(
    sparql: str,
    *,
    max_depth: int,
    allowed_endpoints: frozenset[str],
    max_operators: int = DEFAULT_MAX_OPERATORS,
) -> None:
    """Refuse an update that reaches out (LOAD, SERVICE) to a target not allow-listed, is too deep or
    too large, or fails to parse."""
    sparql = unescape_codepoints(sparql)
    check_shape(sparql, max_depth, max_operators)
    try:
        tree = parseUpdate(sparql)
    except RecursionError:
        raise BadRequestError("Update refused: it is nested too deeply to be checked.") from None
    except Exception as error:
        raise BadRequestError(f"Update syntax error: {_short(error)}") from None
    prefixes = _prefixes(tree)
    for node in _walk(tree):
        if node.name == "ServiceGraphPattern":
            _check_remote(node.get("term"), prefixes, allowed_endpoints, "SERVICE", BadRequestError)
        elif node.name == "Load":
            _check_remote(node.get("iri"), prefixes, allowed_endpoints, "LOAD", ForbiddenError)


def looks_like_update(sparql: str) -> bool:
    """True if the text parses as SPARQL Update (used to explain a syntax error on ``query=``)."""
    try:
        parseUpdate(sparql)
    except Exception:
        return False
    return True


def _check_remote(term, prefixes: dict[str, str], allowed: frozenset[str], keyword: str, error) -> None:
    iri = _resolve(term, prefixes)
    if iri is not None and iri in allowed:
        return
    if not allowed:
        raise error(
            f"{keyword} is not allowed on this endpoint: it never contacts other servers "
            "(an operator can allow-list endpoints)."
        )
    shown = iri or str(term)
    raise error(f"{keyword} to {shown} is not allowed; allowed endpoints: {', '.join(sorted(allowed))}.")


def _resolve(term, prefixes: dict[str, str]) -> str | None:
    """The absolute IRI a SERVICE/LOAD term names, or None for a variable or an unresolvable name."""
    if isinstance(term, Variable):
        return None
    if isinstance(term, URIRef):
        return str(term)
    if isinstance(term, CompValue) and term.name == "pname":
        base = prefixes.get(term.get("prefix") or "")
        return None if base is None else base + (term.get("localname") or "")
    return None


def _prefixes(tree) -> dict[str, str]:
    return {
        (node.get("prefix") or ""): str(node.get("iri")) for node in _walk(tree) if node.name == "PrefixDecl"
    }


def _walk(node) -> Iterator[CompValue]:
    """Every CompValue in an rdflib parse tree (iterative: deep trees must not recurse in Python)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, CompValue):
            yield current
            stack.extend(current.values())
        elif isinstance(current, (list, tuple)) or type(current).__name__ == "ParseResults":
            stack.extend(current)
        elif isinstance(current, dict):
            stack.extend(current.values())


def _short(error: Exception) -> str:
    text = " ".join(str(error).split())
    return text[:300]
