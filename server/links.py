"""Where a browser should go for an IRI: the server's own page for the IRIs it mints, else the IRI."""

from __future__ import annotations


def local_href(iri: str, base: str) -> str:
    """``/id/x`` for ``BASE/id/x``; any other IRI as it is (only http(s) IRIs are links at all)."""
    if iri.startswith(base + "/"):
        return iri[len(base) :]
    return iri if iri.startswith(("http://", "https://")) else ""
