"""Check that every quote taken from the letter is a verbatim excerpt of it.

The letter's text stays outside the repository (../shared/seed/report.txt); quotes fold its line
breaks into single spaces and are otherwise exact, including hyphens split across lines.
"""

from __future__ import annotations

import re
from pathlib import Path

from kg.read_sources import Sources


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


def check_letter_quotes(sources: Sources, report: Path) -> list[str]:
    """Every letter quote that is not in the report, as 'where: quote'; empty when all are verbatim."""
    text = normalise(report.read_text(encoding="utf-8"))
    return [f"{where}: {quote!r}" for where, quote in letter_quotes(sources) if normalise(quote) not in text]
