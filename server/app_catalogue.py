"""The app's named queries (queries/catalogue, or CATALOGUE_DIR), read once per app.

They are files of the release, not user data; ``/queries``, the UI's example tabs and the
named-query pages all read them from here.
"""

from __future__ import annotations

import threading

from flask import current_app

from kg.catalogue import CatalogueError, NamedQuery, load_catalogue
from server.errors import EndpointError

_catalogue_lock = threading.Lock()


def catalogue() -> list[NamedQuery]:
    """The app's named queries, read once (they are files of the release, not user data)."""
    app = current_app._get_current_object()
    with _catalogue_lock:
        queries = app.extensions.get("dmkg_catalogue")
        if queries is None:
            directory = app.config["CATALOGUE_DIR"]
            try:
                queries = load_catalogue(directory)
            except CatalogueError as error:
                raise EndpointError(f"The query catalogue is broken: {error}") from None
            app.extensions["dmkg_catalogue"] = queries
    return queries
