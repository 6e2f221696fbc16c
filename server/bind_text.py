"""Pre-bound variables for engines that take only query text: a VALUES block at the top of the WHERE.

The local store binds parameters through pyoxigraph ``substitutions``; a remote SPARQL endpoint has
no such parameter. The same bindings are written as ``VALUES (?a ?b) { (t1 t2) }`` placed first in
the query's outermost group (where the bindings flow into every pattern, as substitutions do), with
terms written by pyoxigraph in N-Triples form, never the client's text. tests/test_bind_text.py
checks that every catalogue query answers the same both ways.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pyoxigraph import Literal, NamedNode

from server.errors import BadRequestError

_IRI = re.compile(r"<[^<>\"{}|^`\\\s]*>")
_WORD = re.compile(r"[A-Za-z_]+")
_STRING_QUOTES = ('"""', "'''", '"', "'")


def _outer_group(sparql: str) -> int | None:
    """Index just after the ``{`` that opens the query's WHERE group, or None if it has none."""
    depth = parens = 0
    seen_where = is_construct = False
    form_seen = False
    i, n = 0, len(sparql)
    while i < n:
        char = sparql[i]
        if char == "#":
            end = sparql.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        quote = next((q for q in _STRING_QUOTES if sparql.startswith(q, i)), None)
        if quote:
            i += len(quote)
            while i < n and not sparql.startswith(quote, i):
                i += 2 if sparql[i] == "\\" else 1
            i += len(quote)
            continue
        if char == "<":
            match = _IRI.match(sparql, i)
            if match:
                i = match.end()
                continue
        if char == "?" or char == "$":  # a variable: its name is not a keyword
            match = _WORD.match(sparql, i + 1)
            i = match.end() if match else i + 1
            continue
        if char.isalpha():
            match = _WORD.match(sparql, i)
            word = match.group().upper()
            if depth == 0 and parens == 0:
                if not form_seen and word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                    form_seen, is_construct = True, word == "CONSTRUCT"
                elif word == "WHERE":
                    seen_where = True
            i = match.end()
            continue
        if char == "(":
            parens += 1
        elif char == ")":
            parens = max(parens - 1, 0)
        elif char == "{":
            if depth == 0 and parens == 0 and form_seen and (seen_where or not is_construct):
                return i + 1
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        i += 1
    return None


def with_values(sparql: str, substitutions: Mapping[str, NamedNode | Literal]) -> str:
    """``sparql`` with ``substitutions`` bound by a VALUES block first in its WHERE group.

    :raise 400: the query has no WHERE group to bind into
    """
    if not substitutions:
        return sparql
    at = _outer_group(sparql)
    if at is None:
        raise BadRequestError("This query has no WHERE group, so its parameters cannot be bound.")
    names = " ".join(f"?{name}" for name in substitutions)
    terms = " ".join(str(term) for term in substitutions.values())
    return f"{sparql[:at]} VALUES ({names}) {{ ({terms}) }} {sparql[at:]}"
