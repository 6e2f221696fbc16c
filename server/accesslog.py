"""An access log line and a ``Server-Timing`` header for every request.

waitress logs no requests of its own; operators expect one line per request with status, size and
time. ``Server-Timing`` lets a browser's devtools show how much of a response was query evaluation.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request
from werkzeug.wrappers import Request

log = logging.getLogger("dmkg.access")

_MAX_LOGGED_PATH = 300


def init_app(app: Flask) -> None:
    @app.before_request
    def _start_clock() -> None:
        g.started = time.perf_counter()
        g.timings = {}

    @app.after_request
    def _finish(response: Response) -> Response:
        started = g.get("started")
        total_ms = (time.perf_counter() - started) * 1000 if started else 0.0
        response.headers["Server-Timing"] = server_timing(g.get("timings", {}), total_ms)
        if app.config["ACCESS_LOG"]:
            log_request(request, response.status_code, response.calculate_content_length(), total_ms)
        return response


def configure_logging() -> None:
    """The served process's logging: one line per record on stderr, without the record fields nobody
    reads (caller, thread, process), which the logging HOWTO's "Optimization" section switches off:
    at a few thousand requests a second the access log was a fifth of the web process's Python."""
    logging._srcfile = None  # no stack walk for the caller's file and line
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")


def server_timing(timings: dict[str, float], total_ms: float) -> str:
    parts = [f"{name};dur={ms:.1f}" for name, ms in timings.items()]
    parts.append(f"total;dur={total_ms:.1f}")
    return ", ".join(parts)


def log_request(http_request: Request, status: int, size: int | None, total_ms: float) -> None:
    path = http_request.full_path if http_request.query_string else http_request.path
    if len(path) > _MAX_LOGGED_PATH:
        path = path[:_MAX_LOGGED_PATH] + "..."
    log.info(
        '%s "%s %s" %s %s %.1fms',
        http_request.remote_addr or "-",
        http_request.method,
        path,
        status,
        size or "-",
        total_ms,
    )
