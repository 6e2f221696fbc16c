"""The case's GA4GH Phenopacket, offered by the case's linked-data page.

`/id/case?format=phenopacket`, or `Accept: application/phenopacket+json`, answers with the same document
`dmkg export --format phenopacket --case case` writes (each case has its own). It is built from the
served store once (read-only, in the web process) and kept per store directory and case: a rebuilt
store is a new directory behind the same link.
"""

from __future__ import annotations

import functools
from pathlib import Path

from flask import Request, Response
from pyoxigraph import NamedNode

from server.errors import NotAcceptableError

MEDIA_TYPE = "application/phenopacket+json"
IS_CASE = "ASK { ?entity a <https://w3id.org/dmkg/vocab/Case> }"


def requested(request: Request) -> bool:
    """?format=phenopacket, or an Accept header that names the media type and prefers it to HTML and RDF."""
    if request.args.get("format") == "phenopacket":
        return True
    accept = request.accept_mimetypes
    named = any(value == MEDIA_TYPE for value, _ in accept)
    return named and accept.quality(MEDIA_TYPE) >= max(
        accept.quality(t) for t in ("text/html", "text/turtle")
    )


def offered(pool, node: NamedNode, timeout: float) -> bool:
    return bool(pool.run_ask(IS_CASE, timeout, substitutions={"entity": node}))


@functools.lru_cache(maxsize=16)
def _document(store_dir: str, case: str) -> bytes:
    import pyoxigraph as ox

    from kg.exports.phenopacket import build_phenopacket

    return build_phenopacket(ox.Store.read_only(store_dir), case).json()


def response(pool, node: NamedNode, store_path: str, timeout: float) -> Response:
    """:raise 406: the entity is not a case, so there is no phenopacket of it"""
    if not offered(pool, node, timeout):
        raise NotAcceptableError(f"Only a case has a phenopacket; <{node.value}> is not a dmkg:Case.")
    body = _document(str(Path(store_path).resolve()), node.value)
    answer = Response(body, content_type=MEDIA_TYPE)
    answer.headers["Vary"] = "Accept"
    answer.headers["Content-Disposition"] = 'inline; filename="dmkg.phenopacket.json"'
    return answer
