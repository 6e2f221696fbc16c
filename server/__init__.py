"""dmkg's SPARQL endpoint: a Flask application over a pyoxigraph store, safe to expose read-only.

``create_app`` is the application factory: defaults (server/config.py) → instance ``config.py`` →
``DMKG_*`` environment variables → ``test_config``. Run it with ``dmkg serve`` (a production WSGI
server), never with Flask's debug server.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from server import accesslog, app_engine, caching, errors, headers, protocol
from server.config import DEFAULTS


def create_app(test_config: Mapping[str, object] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("DMKG")
    if test_config is not None:
        app.config.update(test_config)
    if not app.config["STORE_PATH"]:
        from kg.paths import default_store

        app.config["STORE_PATH"] = str(default_store())

    errors.init_app(app)
    app_engine.init_app(app)
    protocol.init_app(app)
    accesslog.init_app(app)
    headers.init_app(app)
    caching.init_app(app)
    _init_cors(app)

    from server import browse, health, named, pages, picture_routes, search, sparql, ui, update

    for module in (sparql, health, named, pages, ui, update, search, browse, picture_routes):
        app.register_blueprint(module.bp)
    return app


def _init_cors(app: Flask) -> None:
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
        expose_headers=["Server-Timing", "Content-Type"],
        supports_credentials=False,
        max_age=3600,
    )
