"""Check that every quote in the sources is a verbatim excerpt of the text it is taken from.

Each source file names its text (`text:`, paths relative to the repository root; `../shared/` is the
shared folder, DMKG_SHARED when set). Texts stay outside the repository, so a text may be absent: then
its quotes are reported as unchecked, with the reason, never passed over silently. Quotes fold line
breaks into single spaces and are otherwise exact, including hyphens split across lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kg.model import DocumentSource, Source
from kg.paths import resolve_text
from kg.read_sources import Problem, SourceFile, Sources, display


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Quote:
    loc: tuple
    text: str
    url: str | None = None  # a claim that quotes a web page names it; that page is not stored


@dataclass
class QuoteReport:
    checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{self.checked} quotes found verbatim in their texts"
        return text + (f"; {len(self.unchecked)} unchecked (listed)" if self.unchecked else "")


def quotes_of(source: Source) -> list[Quote]:
    """Every quote a source file takes from its text, with its field path."""
    found = []
    if isinstance(source, DocumentSource):
        for i, case in enumerate(source.cases):
            at = ("cases", i)
            found += [Quote((*at, "quote"), case.quote), Quote((*at, "patient", "quote"), case.patient.quote)]
            for key in ("findings", "outcomes", "courses", "regimens"):
                for j, item in enumerate(getattr(case, key)):
                    found.append(Quote((*at, key, j, "quote"), item.quote))
                    if getattr(item, "route_quote", None):
                        found.append(Quote((*at, key, j, "route_quote"), item.route_quote))
    for i, claim in enumerate(source.claims):
        if claim.quote:
            found.append(Quote(("claims", i, "quote"), claim.quote, claim.source_url))
    return found


def check_file(file: SourceFile, read: dict[Path, str] | None = None) -> QuoteReport:
    """The quotes of one file against its texts; `read` holds the texts other files already read
    (normalised), so a text many files quote from, like the shared references, is read once."""
    read = {} if read is None else read
    report = QuoteReport()
    quotes = quotes_of(file.source)
    if not quotes:
        return report
    texts = [resolve_text(p) for p in file.source.text or []]
    missing = [p for p in texts if not p.exists()]
    if not texts or missing:
        why = (
            "the file names no text (add `text:`)"
            if not texts
            else f"text not found: {', '.join(map(str, missing))}"
        )
        report.unchecked += [
            f"{display(file.path)}:{file.line(q.loc)}: {'.'.join(map(str, q.loc))}: {why}" for q in quotes
        ]
        return report
    for p in texts:
        if p not in read:
            read[p] = normalise(p.read_text(encoding="utf-8"))
    corpus = " ".join(read[p] for p in texts)
    for quote in quotes:
        where = ".".join(map(str, quote.loc))
        if normalise(quote.text) in corpus:
            report.checked += 1
        elif quote.url:
            report.unchecked.append(
                f"{display(file.path)}:{file.line(quote.loc)}: {where}: quoted from {quote.url}, "
                "a page that is not stored"
            )
        else:
            report.problems.append(
                Problem(
                    file.path,
                    file.line(quote.loc),
                    where,
                    f"quote not found verbatim in {', '.join(map(str, texts))}: {quote.text!r}",
                )
            )
    return report


def check_quotes(sources: Sources) -> QuoteReport:
    """Every quote of every source file against its text."""
    total = QuoteReport()
    read: dict[Path, str] = {}
    for file in sources.files:
        report = check_file(file, read)
        total.checked += report.checked
        total.problems += report.problems
        total.unchecked += report.unchecked
    return total
