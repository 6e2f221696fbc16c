"""An access log line and a ``Server-Timing`` header for every request.

waitress logs no requests of its own; operators expect one line per request with status, size and
time. ``Server-Timing`` lets a browser's devtools show how much of a response was query evaluation.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

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
        parts = [f"{name};dur={ms:.1f}" for name, ms in g.get("timings", {}).items()]
        parts.append(f"total;dur={total_ms:.1f}")
        response.headers["Server-Timing"] = ", ".join(parts)
        if app.config["ACCESS_LOG"]:
            path = request.full_path if request.query_string else request.path
            if len(path) > _MAX_LOGGED_PATH:
                path = path[:_MAX_LOGGED_PATH] + "..."
            log.info(
                '%s "%s %s" %s %s %.1fms',
                request.remote_addr or "-",
                request.method,
                path,
                response.status_code,
                response.calculate_content_length() or "-",
                total_ms,
            )
        return response
