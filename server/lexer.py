"""A SPARQL tokeniser for the checks made before a query reaches a worker.

Why not a parser: the checks (the size and depth of the syntax tree, the keywords at the top level of
an update) must cost microseconds on every request and must not themselves recurse; a regular
tokeniser that knows strings, IRIs and comments is enough to see the structure that matters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*(?:'''|$)|\"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|$)
               |'(?:[^'\\\n]|\\.)*(?:'|$)|"(?:[^"\\\n]|\\.)*(?:"|$))
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00b7-\uffff]+)
  | (?P<bnode>_:[\w.\-\u00b7-\uffff]*)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<number>[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)
  | (?P<name>[A-Za-z_\u00c0-\uffff][\w.\-\u00b7-\uffff]*(?::[\w.\-:%\\\u00b7-\uffff]*)?
             |:[\w.\-:%\\\u00b7-\uffff]*)
  | (?P<datatype>\^\^)
  | (?P<op>&&|\|\||!=|<=|>=|[!=<>+\-*/|^?])
  | (?P<open>[({\[])
  | (?P<close>[)}\]])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str  # op, open, close, name, iri, string, var, bnode, number, langtag, datatype, other
    text: str
    start: int


def tokens(sparql: str) -> Iterator[Token]:
    """The significant tokens of ``sparql`` (no whitespace, no comments)."""
    for match in _TOKEN.finditer(sparql):
        kind = match.lastgroup
        if kind not in ("space", "comment"):
            yield Token(kind, match.group(), match.start())


def keyword(token: Token) -> str | None:
    """The upper-cased keyword a name token is (names with a colon are prefixed names, not keywords)."""
    if token.kind == "name" and ":" not in token.text:
        return token.text.upper()
    return None
