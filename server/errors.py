"""The one mapping from failures to HTTP answers: a short plain-text message, never a traceback.

Every error the endpoint raises on purpose is an :class:`EndpointError` carrying its status; anything
else is logged with its traceback and answered with a generic 500.
"""

from __future__ import annotations

import logging

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

log = logging.getLogger("dmkg.server")


class EndpointError(Exception):
    """An error whose message is safe to show to the client."""

    status = 500

    def __init__(self, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class BadRequestError(EndpointError):
    status = 400


class UnauthorizedError(EndpointError):
    status = 401


class ForbiddenError(EndpointError):
    status = 403


class NotFoundError(EndpointError):
    status = 404


class NotAcceptableError(EndpointError):
    status = 406


class PayloadTooLargeError(EndpointError):
    status = 413


class ResultTooLargeError(PayloadTooLargeError):
    """The result exceeds MAX_RESULT_BYTES: the client must narrow the query (413, as oxigraph's peers do)."""


class UriTooLongError(EndpointError):
    status = 414


class UnsupportedMediaTypeError(EndpointError):
    status = 415


class QueryTimeoutError(EndpointError):
    status = 503


class ServerBusyError(EndpointError):
    status = 503


class WorkerCrashError(EndpointError):
    """A worker died on a request for a reason not known to be the query's fault: try again later."""

    status = 503


class MemoryLimitError(EndpointError):
    """The query needed more memory than the per-worker limit (QUERY_MEMORY_MB)."""

    status = 503


class StoreUnavailableError(EndpointError):
    status = 503


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    response = Response(message.rstrip("\n") + "\n", status=status, mimetype="text/plain")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(EndpointError)
    def _endpoint_error(error: EndpointError) -> Response:
        return error_response(error.status, error.message, error.headers)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        response = error_response(error.code or 500, f"{error.name}: {error.description}")
        allow = error.get_response().headers.get("Allow")
        if allow:
            response.headers["Allow"] = allow
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(500, "Internal server error (the details are in the server log).")
