"""``/health``: answers 200 only when a query worker really evaluates a query within a short deadline.

The counts are those of the web process that answered (each has a pool of its own); ``web_processes``
says how many there are."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from server.app_engine import get_pool
from server.errors import EndpointError
from server.worker import QueryTask

bp = Blueprint("health", __name__)

HEALTH_TIMEOUT_S = 5.0


@bp.get("/health")
def health() -> Response:
    pool = get_pool()
    stats = {**pool.stats(), "web_processes": int(current_app.config["WEB_PROCESSES"])}
    try:
        pool.run(QueryTask("ASK {}"), HEALTH_TIMEOUT_S, wait_s=HEALTH_TIMEOUT_S)
    except EndpointError as error:
        response = jsonify(status="unavailable", reason=error.message, **stats)
        response.status_code = 503
        return response
    return jsonify(status="ok", **stats)
