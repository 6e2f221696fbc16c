"""Check that every quote taken from the letter is a verbatim excerpt of it.

The letter's text stays outside the repository (../shared/seed/report.txt); quotes fold its line
breaks into single spaces and are otherwise exact, including hyphens split across lines.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from kg.read_sources import SourceError, Sources


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def letter_quotes(sources: Sources) -> list[tuple[str, str]]:
    """(where, quote) for every quote the letter source takes from the letter's text."""
    letter = sources.letter
    found = [(f"patient {letter.patient.id}", letter.patient.quote), (f"case {letter.case.id}", letter.case.quote)]
    found += [(f"finding {f.id}", f.quote) for f in letter.findings]
    found += [(f"outcome {o.id}", o.quote) for o in letter.outcomes]
    for c in letter.courses:
        found.append((f"course {c.id}", c.quote))
        if c.route_quote:
            found.append((f"course {c.id} route", c.route_quote))
    found += [(f"regimen {r.id}", r.quote) for r in letter.regimens]
    found += [(f"claim {c.id}", c.quote) for c in letter.claims if c.quote]
    return found


def missing_letter_quotes(sources: Sources, report: Path) -> list[tuple[str, str]]:
    """(where, quote) for every letter quote that is not in the report; empty when all are verbatim."""
    text = normalise(report.read_text(encoding="utf-8"))
    return [(where, quote) for where, quote in letter_quotes(sources) if normalise(quote) not in text]


def check_letter_quotes(sources: Sources, report: Path) -> list[str]:
    """Every letter quote that is not in the report, as 'where: quote'; empty when all are verbatim."""
    return [f"{where}: {quote!r}" for where, quote in missing_letter_quotes(sources, report)]


def require_letter_quotes(sources: Sources, report: Path) -> None:
    """:raise SourceError: naming letter.yaml, the line and the field of the first quote not in the report
    (and listing the others)"""
    missing = missing_letter_quotes(sources, report)
    if not missing:
        return
    path = sources.paths["letter"]
    places = [(*locate_value(path, quote), where, quote) for where, quote in missing]
    line, field, where, quote = places[0]
    others = "".join(f"\n  {path}:{ln}: {fd}: {w}: {q!r}" for ln, fd, w, q in places[1:])
    raise SourceError(path, line, field, f"{where}: quote not found verbatim in {report}: {quote!r}{others}")


def locate_value(path: Path, value: str) -> tuple[int | None, str | None]:
    """The line and field path (e.g. ``findings.3.quote``) of the YAML scalar holding ``value``."""
    wanted = normalise(value)
    stack: list[tuple[yaml.Node | None, tuple]] = [(yaml.compose(path.read_text(encoding="utf-8")), ())]
    while stack:
        node, loc = stack.pop()
        if isinstance(node, yaml.ScalarNode) and normalise(str(node.value)) == wanted:
            return node.start_mark.line + 1, ".".join(map(str, loc))
        if isinstance(node, yaml.MappingNode):
            stack.extend((child, (*loc, key.value)) for key, child in reversed(node.value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, (*loc, i)) for i, child in reversed(list(enumerate(node.value))))
    return None, None
