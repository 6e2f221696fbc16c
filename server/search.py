"""``GET /search?q=…``: the full-text index of the served store, as an HTML page or JSON (by Accept or
``format=json``).

The index is the one `dmkg build` wrote beside the store the worker pool reads; for a store built
otherwise it is made once from the store (through the workers) into the server's temporary folder.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from kg.search_index import EXTRACT, MAX_QUERY_CHARS, SearchError, index_path, search, write_index
from server.app_engine import get_pool
from server.errors import BadRequestError
from server.formats import negotiate
from server.links import local_href

bp = Blueprint("search", __name__)

INDEX_TIMEOUT_S = 30.0
_lock = threading.Lock()


def current_index() -> Path:
    """The index of the store the pool serves; built from the store once if the build left none."""
    pool = get_pool()
    beside = index_path(pool.store_path)
    if beside.is_file():
        return beside
    app = current_app._get_current_object()
    with _lock:
        made = app.extensions.get("dmkg_search_index")
        if made is None or made[0] != pool.store_path:
            rows = pool.select(EXTRACT, INDEX_TIMEOUT_S)
            folder = Path(tempfile.mkdtemp(prefix="dmkg-search-"))
            path = write_index(
                ((r["s"]["value"], r["field"]["value"], r["text"]["value"]) for r in rows),
                folder / "index.sqlite",
            )
            made = app.extensions["dmkg_search_index"] = (pool.store_path, path)
    return made[1]


@bp.get("/search")
def search_page() -> Response:
    """:raise 400: (JSON) empty, too long or wordless text; bad limit. The HTML page says it inline."""
    wants_json = request.args.get("format") == "json" or (
        request.args.get("format") is None
        and negotiate(request.accept_mimetypes, ["text/html", "application/json"]) == "application/json"
    )
    query = request.args.get("q", "")
    limit_text = request.args.get("limit", "20")
    error, hits = None, []
    try:
        if not limit_text.isdigit():
            raise SearchError(f"limit must be a whole number, got {limit_text[:20]!r}")
        hits = search(current_index(), query, int(limit_text))
    except SearchError as exc:
        error = str(exc)
    base = str(current_app.config["BASE_IRI"]).rstrip("/")
    if wants_json:
        if error:
            raise BadRequestError(f"parameter 'q': {error}" if "limit" not in error else error)
        results = [{**h.as_dict(), "href": local_href(h.iri, base)} for h in hits]
        return jsonify(query=query, results=results)
    html = render_template(
        "search.html",
        query=query[:MAX_QUERY_CHARS],
        error=error,
        base=base,
        hits=[{"hit": h, "href": local_href(h.iri, base)} for h in hits],
    )
    return Response(html, status=400 if error and query else 200, content_type="text/html; charset=utf-8")
