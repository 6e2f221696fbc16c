"""HTTP caching and compression of answers: ETag from the served build, 304, Cache-Control, gzip/br/zstd.

Why: a read-only store never changes until the next build (a new store directory, named by its
digest), so every answer to a GET is fully determined by the build, the server's code, the URL and
the ``Accept`` header. The ETag is made of exactly those, which lets
a repeated request be answered ``304 Not Modified`` *before* any query runs. The tag is weak: HTML
pages carry a fresh CSP nonce and answers may be compressed, so the bytes may differ while the
content is the same. With updates enabled the store changes in place, so nothing is tagged and
clients must revalidate. Compression is flask-compress's (negotiated by ``Accept-Encoding``, answers
of at least ``COMPRESS_MIN_SIZE`` bytes, streamed ones included).
"""

from __future__ import annotations

import functools
import hashlib
from importlib import metadata
from pathlib import Path

from flask import Flask, Response, current_app, request
from flask_compress import Compress
from werkzeug.wrappers import Request

from server.app_engine import get_pool
from server.engine import Engine
from server.formats import GRAPH_TYPES, RESULTS_TYPES

# answers that describe the server's state right now, not the build: never cached
UNCACHED_ENDPOINTS = frozenset({"health.health", "static"})
CACHE_CONTROL = "public, max-age={max_age}, must-revalidate"
NOT_CACHEABLE = "no-store"


def init_app(app: Flask) -> None:
    app.config.setdefault("HTTP_CACHE_MAX_AGE_S", 60)
    app.config.setdefault("COMPRESS_MIN_SIZE", 1024)
    app.config.setdefault(
        "COMPRESS_MIMETYPES",
        ["text/html", "text/css", "text/plain", "text/javascript", "application/javascript",
         "image/svg+xml", *RESULTS_TYPES, *GRAPH_TYPES],
    )
    Compress(app)  # registered first, so its after_request runs after ours and sees the weak ETag
    app.extensions["dmkg_code_id"] = _code_id()
    app.before_request(_not_modified)
    app.after_request(_tag)


def _code_id() -> str:
    """The server's code and templates: a new release of dmkg must not be answered from old tags."""
    root = Path(__file__).resolve().parent
    stamps = sorted(
        (str(p.relative_to(root)), p.stat().st_mtime_ns)
        for p in [*root.glob("*.py"), *root.glob("templates/*")]
    )
    try:
        version = metadata.version("dmkg")
    except metadata.PackageNotFoundError:
        version = "?"
    return hashlib.sha256(repr((version, stamps)).encode()).hexdigest()[:8]


def _etag() -> str | None:
    """The request's tag, or None when the answer must not be cached."""
    if (
        request.method not in ("GET", "HEAD")
        or request.endpoint in UNCACHED_ENDPOINTS
        or current_app.config["ENABLE_UPDATES"]
    ):
        return None
    return etag_for(get_pool(), current_app, request)


def etag_for(engine: Engine, app: Flask, http_request: Request) -> str:
    """The tag of a cacheable answer: the engine's build identity (the local store's digest directory,
    or a backend's published release), the server's code, the URL and the Accept header."""
    asked = hashlib.sha256(f"{http_request.full_path}\n{http_request.headers.get('Accept', '')}".encode())
    return f"{_build_id(engine.store_path)}-{app.extensions['dmkg_code_id']}-{asked.hexdigest()[:12]}"


@functools.lru_cache(maxsize=16)
def _build_id(store_path: str) -> str:
    return hashlib.sha256(store_path.encode()).hexdigest()[:12]


def cache_control(app: Flask) -> str:
    return CACHE_CONTROL.format(max_age=int(app.config["HTTP_CACHE_MAX_AGE_S"]))


def _not_modified() -> Response | None:
    tag = _etag()
    if tag is None or not request.if_none_match.contains_weak(tag):
        return None
    response = Response(status=304)
    response.set_etag(tag, weak=True)
    response.headers["Cache-Control"] = cache_control(current_app)
    response.headers["Vary"] = "Accept, Accept-Encoding"
    return response


def _tag(response: Response) -> Response:
    if response.status_code == 304 or "Cache-Control" in response.headers:
        return response
    if response.status_code >= 500:  # a timeout or a busy server now says nothing about later
        response.headers["Cache-Control"] = NOT_CACHEABLE
        return response
    tag = _etag() if response.status_code == 200 else None
    if tag is None or response.get_etag()[0] is not None:  # static files carry their own tag
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-cache"
        return response
    response.set_etag(tag, weak=True)
    response.headers["Cache-Control"] = cache_control(current_app)
    vary = response.headers.get("Vary", "")
    if "accept" not in [v.strip().lower() for v in vary.split(",")]:
        response.headers["Vary"] = f"{vary}, Accept" if vary else "Accept"
    return response
