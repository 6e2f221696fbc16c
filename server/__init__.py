"""dmkg's SPARQL endpoint: a Flask application over a pyoxigraph store, safe to expose read-only.

``create_app`` is the application factory: defaults (server/config.py) → instance ``config.py`` →
``DMKG_*`` environment variables → ``test_config``. Run it with ``dmkg serve`` (a production WSGI
server), never with Flask's debug server.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from server import accesslog, app_engine, caching, cors, errors, headers, protocol, sparql_fast
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
    cors.init_app(app)

    from server import browse, health, named, pages, picture_routes, search, sparql, ui, update

    for module in (sparql, health, named, pages, ui, update, search, browse, picture_routes):
        app.register_blueprint(module.bp)
    sparql_fast.install(app)
    return app
