"""The app's engine: the local worker pool, or the remote engine when the app has backends.

Started on first use (``dmkg serve`` starts it before listening) and closed at exit.
"""

from __future__ import annotations

import atexit
import threading

from flask import Flask, current_app

from server.engine import Engine


def init_app(app: Flask) -> None:
    """Close the app's engine (if one was started) when the process exits."""
    atexit.register(lambda: app.extensions.get("dmkg_pool") and app.extensions["dmkg_pool"].close())


def make_engine(config) -> Engine:
    """The local worker pool, or the remote engine when the app is configured with backends."""
    if config["BACKENDS"]:
        from kg.remote_http import Credentials
        from server.remote import RemoteEngine

        credentials = Credentials(config["BACKEND_AUTH"], config["BACKEND_USER"], config["BACKEND_SECRET"])
        return RemoteEngine(list(config["BACKENDS"]), credentials, config["BACKEND_TIMEOUT_PARAM"])
    from server.executor import WorkerPool

    return WorkerPool(
        str(config["STORE_PATH"]),
        int(config["QUERY_WORKERS"]),
        memory_mb=float(config["QUERY_MEMORY_MB"] or 0) or None,
        queue_wait_s=float(config["QUERY_QUEUE_WAIT_S"]),
    )


_lock = threading.Lock()


def get_pool() -> Engine:
    """The current app's engine, started on first use (``dmkg serve`` starts it before listening)."""
    app = current_app._get_current_object()
    engine = app.extensions.get("dmkg_pool")
    if engine is None:
        with _lock:
            engine = app.extensions.get("dmkg_pool")
            if engine is None:
                engine = make_engine(app.config)
                app.extensions["dmkg_pool"] = engine
    return engine
