"""The SPARQL 1.1 Protocol endpoint at ``/sparql``: queries, and the service description without one."""

from __future__ import annotations

from flask import Blueprint, Response, request

from server import describe, writes
from server.answer import answer_query
from server.protocol import read_operation

bp = Blueprint("sparql", __name__)


@bp.route("/sparql", methods=["GET", "POST"], strict_slashes=False)
def endpoint() -> Response:
    operation = read_operation(request)
    if operation is None:
        return describe.service_description()
    if operation.kind == "update":
        return writes.run_update(operation)
    return answer_query(operation.sparql, **operation.dataset())


@bp.get("/.well-known/void")
def void() -> Response:
    """VoID: the dataset, its licence, its named graphs with counts, class and property partitions."""
    return describe.void_description()
