"""The query UI at ``/``: YASGUI served from local files, with the catalogue's queries as example tabs.

YASGUI (``@zazuko/yasgui``) is vendored into ``server/static/vendor/yasgui`` by
``server/vendor-yasgui.sh`` at set-up; nothing is loaded from a CDN and the page makes no call to an
outside service: the LOV class/property completers are dropped and the prefix completer is fed from
``ontology/prefixes.yaml``. Without the vendored files (or without JavaScript) a plain form still works.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, Response, render_template

from kg import curie
from server.app_catalogue import catalogue

bp = Blueprint("ui", __name__)

VENDOR_DIR = Path(__file__).parent / "static" / "vendor" / "yasgui"

DEFAULT_QUERY = """PREFIX dmkg: <https://w3id.org/dmkg/vocab/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?entity ?label WHERE {
  ?entity rdfs:label ?label .
}
LIMIT 25
"""


@bp.get("/")
def index() -> Response:
    examples = [{"name": q.title, "query": q.sparql_with_defaults(), "id": q.name} for q in catalogue()]
    prefixes = curie.prefix_map()
    fingerprint = hashlib.sha256(repr((examples, prefixes)).encode()).hexdigest()[:12]
    html = render_template(
        "index.html",
        examples=examples,
        prefixes=[f"{prefix}: <{iri}>" for prefix, iri in prefixes.items()],
        default_query=DEFAULT_QUERY,
        persistence_id=f"dmkg-yasgui-{fingerprint}",
        has_yasgui=(VENDOR_DIR / "yasgui.min.js").is_file(),
    )
    return Response(html, content_type="text/html; charset=utf-8")
