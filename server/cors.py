"""CORS for the read-only API (flask-cors): any origin by default, never with credentials."""

from __future__ import annotations

from flask import Flask

# what a script on another origin may read of an answer (flask-cors sends them sorted)
EXPOSED_HEADERS = ("Content-Type", "Server-Timing")


def wildcard_headers() -> list[tuple[str, str]]:
    """What flask-cors adds to an answer of a ``*`` API to a request without ``Origin``
    (server/sparql_fast.py writes them itself; tests/test_sparql_fast_path.py compares)."""
    return [
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Expose-Headers", ", ".join(EXPOSED_HEADERS)),
    ]


def init_app(app: Flask) -> None:
    """CORS for the read-only API; credentials are never allowed, so ``*`` stays safe."""
    origins = app.config["CORS_ORIGINS"]
    if not origins:
        return
    from flask_cors import CORS

    api = {"origins": origins, "supports_credentials": False, "send_wildcard": origins == "*"}
    CORS(
        app,
        resources={
            r"/sparql*": api,
            r"/queries*": api,
            r"/.well-known/*": api,
            r"/id/*": api,
            r"/vocab/*": api,
        },
        methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type", "Accept"],
        expose_headers=list(EXPOSED_HEADERS),
        supports_credentials=False,
        max_age=3600,
    )
