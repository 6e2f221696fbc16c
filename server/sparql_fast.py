"""The ``/sparql`` query path without Flask's per-request machinery, for the answer most clients get.

Why: at seed size a query takes ~0.1 ms in its worker, while Flask's request context, URL routing and
its before/after hooks cost several times that in the one web process (profiles in
benchmarks/RESULTS.md). This WSGI layer answers ``GET /sparql?query=`` and ``POST
application/sparql-query`` itself, with the same protocol parsing, guard, query service and engine
as the Flask view, and writes the headers of the common answer: 200, small, not compressed, not
cross-origin. Everything else goes through Flask — other routes, methods and forms, updates,
conditional requests, a server with updates enabled — and so does every answer this layer cannot
finish alone (an error, a result to compress, stream or send cross-origin): that result is handed to
Flask's own after-request hooks in a request context, so header logic lives in one place only.
tests/test_sparql_fast_path.py compares both paths, header by header.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from flask import Flask, Response, g
from werkzeug.wrappers import Request

from server import query_service
from server.accesslog import log_request, server_timing
from server.answer import asked_query, respond
from server.caching import cache_control, etag_for
from server.cors import wildcard_headers
from server.engine import QueryResult
from server.protocol import QUERY_TYPE, check_url_length, read_operation

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


class FastSparql:
    """WSGI middleware in front of ``app.wsgi_app`` (see the module's docstring)."""

    def __init__(self, app: Flask, wsgi_app: WsgiApp) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        engine = self.app.extensions.get("dmkg_pool")
        config = self.app.config
        if engine is None or not self._takes(environ, config):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        request = Request(environ)
        request.max_content_length = config["MAX_CONTENT_LENGTH"]  # Flask's own request reads it the same
        try:
            check_url_length(request, int(config["MAX_URL_LENGTH"]))
            operation = read_operation(request)
            if operation is None:  # no query after all (e.g. ``?xquery=``): the service description
                return self.wsgi_app(environ, start_response)
            asked = asked_query(request, operation.sparql, **operation.dataset())
            result = query_service.run(engine, query_service.Limits.from_config(config), asked)
        except Exception as error:  # noqa: BLE001 - Flask's registered handlers answer (EndpointError: its status)
            return self._through_flask(environ, start_response, started, error=error)
        if result.path is not None or (
            len(result.body) >= int(config["COMPRESS_MIN_SIZE"]) and _asks_compression(environ)
        ):
            return self._through_flask(environ, start_response, started, result=result)
        total_ms = (time.perf_counter() - started) * 1000
        headers = [
            ("Content-Type", result.media_type),
            ("Content-Length", str(len(result.body))),
            ("Vary", "Accept, Accept-Encoding"),
            ("X-Content-Type-Options", "nosniff"),
            ("Server-Timing", server_timing({"eval": result.eval_ms}, total_ms)),
        ]
        if request.method == "GET":
            headers += [
                ("ETag", f'W/"{etag_for(engine, self.app, request)}"'),
                ("Cache-Control", cache_control(self.app)),
            ]
        else:  # a POSTed query is not cacheable (the same as server/caching.py's hook)
            headers.append(("Cache-Control", "no-cache"))
        if config["CORS_ORIGINS"] == "*":
            headers += wildcard_headers()
        start_response("200 OK", headers)
        if config["ACCESS_LOG"]:
            log_request(request, 200, len(result.body), total_ms)
        return [result.body]

    @staticmethod
    def _takes(environ: dict, config) -> bool:
        """Requests this layer answers: a plain query to /sparql, not conditional, without ``Origin`` (the
        CORS answer is flask-cors's), on a read-only server whose API is open to any origin or none."""
        if config["ENABLE_UPDATES"] or environ.get("PATH_INFO") != "/sparql":
            return False
        if (
            "HTTP_IF_NONE_MATCH" in environ
            or "HTTP_ORIGIN" in environ
            or config["CORS_ORIGINS"] not in ("*", None, "")
        ):
            return False
        method = environ.get("REQUEST_METHOD")
        if method == "GET":
            return "query=" in environ.get("QUERY_STRING", "")
        if method == "POST":
            return environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower() == QUERY_TYPE
        return False

    def _through_flask(
        self,
        environ: dict,
        start_response: Callable,
        started: float,
        *,
        result: QueryResult | None = None,
        error: Exception | None = None,
    ) -> Iterable[bytes]:
        """Finish in a Flask request context: the view's response (or the registered error handler's)
        through every after-request hook, exactly as the Flask route would have answered."""
        with self.app.request_context(environ):
            g.started = started
            g.timings = {}
            try:
                if error is not None:
                    response: Response = self.app.handle_user_exception(error)
                else:
                    response = respond(result)
                response = self.app.process_response(response)
            except Exception as failure:  # noqa: BLE001 - as Flask itself: log, answer 500
                response = self.app.make_response(self.app.handle_exception(failure))
            return response(environ, start_response)


def _asks_compression(environ: dict) -> bool:
    """Any coding flask-compress could choose (it decides which, and whether, in the Flask hooks)."""
    accepted = environ.get("HTTP_ACCEPT_ENCODING", "").lower()
    return any(coding in accepted for coding in ("gzip", "br", "zstd", "deflate", "*"))


def install(app: Flask) -> None:
    app.wsgi_app = FastSparql(app, app.wsgi_app)
