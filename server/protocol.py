"""Reading a SPARQL 1.1 Protocol request: which operation, its text, and its dataset.

The three query forms (GET ``?query=``, POST form, POST ``application/sparql-query``) and the two
update forms (POST form ``update=``, POST ``application/sparql-update``) are told apart here and
nowhere else. Werkzeug has already percent-decoded ``request.args``/``request.form`` exactly once;
nothing here decodes again.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Request, request
from pyoxigraph import NamedNode

from server.errors import BadRequestError, UnsupportedMediaTypeError, UriTooLongError

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Operation:
    """One protocol operation: ``kind`` is "query" or "update"."""

    kind: str
    sparql: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    @property
    def names_dataset(self) -> bool:
        """True if the request itself names the dataset (default-graph-uri / named-graph-uri)."""
        return bool(self.default_graphs or self.named_graphs)

    def dataset(self) -> dict[str, tuple[str, ...]]:
        """The dataset the request names, as keyword arguments; none: the engine's own default."""
        if not self.names_dataset:
            return {}
        return {"default_graphs": self.default_graphs, "named_graphs": self.named_graphs}


def read_operation(request: Request) -> Operation | None:
    """Parse the request; ``None`` means a GET without a query (answer with the service description).

    :raise 400: query or update missing, given twice, or given both in the URL and the body; bad IRIs
    :raise 415: a POST whose Content-Type is none of the protocol's
    """
    if request.method == "GET":
        if "update" in request.args:
            raise BadRequestError("SPARQL Update must be sent with POST, not GET.")
        if "query" not in request.args:
            if request.args.getlist("default-graph-uri") or request.args.getlist("named-graph-uri"):
                raise BadRequestError("Missing the 'query' parameter.")
            return None
        return _operation("query", _single(request.args.getlist("query"), "query"), request.args, "query")

    mimetype = request.mimetype
    if mimetype == FORM_TYPE:
        form, args = request.form, request.args
        for name in ("query", "update"):
            if name in form and name in args:
                raise BadRequestError(f"The '{name}' parameter is given both in the URL and in the body.")
        if "query" in form and "update" in form:
            raise BadRequestError("A request may carry a 'query' or an 'update', not both.")
        if "update" in form:
            return _operation("update", _single(form.getlist("update"), "update"), form, "update", args)
        if "query" in form:
            return _operation("query", _single(form.getlist("query"), "query"), form, "query", args)
        if "query" in args:
            raise BadRequestError("A POSTed form must carry the 'query' in the body, not in the URL.")
        raise BadRequestError("Missing the 'query' (or 'update') parameter in the form body.")
    if mimetype in (QUERY_TYPE, UPDATE_TYPE):
        kind = "query" if mimetype == QUERY_TYPE else "update"
        if "query" in request.args or "update" in request.args:
            raise BadRequestError(
                f"The {kind} is the body of an {mimetype} request; "
                "it must not also be given as a URL parameter."
            )
        text = _decode(request.get_data(cache=False), mimetype)
        if not text.strip():
            raise BadRequestError(f"The {kind} in the request body is empty.")
        graph_params = _graph_params(kind)
        return Operation(
            kind,
            text,
            _iris(request.args.getlist(graph_params[0]), graph_params[0]),
            _iris(request.args.getlist(graph_params[1]), graph_params[1]),
        )
    shown = mimetype or "none"
    raise UnsupportedMediaTypeError(
        f"Unsupported Content-Type {shown!r}; POST a query as {QUERY_TYPE} or {FORM_TYPE} "
        f"(updates as {UPDATE_TYPE})."
    )


def _operation(kind: str, text: str, params, name: str, extra=None) -> Operation:
    if not text.strip():
        raise BadRequestError(f"The '{name}' parameter is empty.")
    default_name, named_name = _graph_params(kind)
    defaults = params.getlist(default_name) + (extra.getlist(default_name) if extra is not None else [])
    named = params.getlist(named_name) + (extra.getlist(named_name) if extra is not None else [])
    return Operation(kind, text, _iris(defaults, default_name), _iris(named, named_name))


def _graph_params(kind: str) -> tuple[str, str]:
    if kind == "update":
        return ("using-graph-uri", "using-named-graph-uri")
    return ("default-graph-uri", "named-graph-uri")


def _single(values: list[str], name: str) -> str:
    if len(values) > 1:
        raise BadRequestError(f"The '{name}' parameter is given {len(values)} times; give it exactly once.")
    return values[0]


def _iris(values: list[str], name: str) -> tuple[str, ...]:
    for value in values:
        try:
            NamedNode(value)
        except ValueError:
            raise BadRequestError(
                f"The '{name}' parameter is not an absolute IRI: {value[:200]!r}."
            ) from None
    return tuple(values)


def _decode(body: bytes, mimetype: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequestError(f"The {mimetype} body is not valid UTF-8 (byte {error.start + 1}).") from None


def init_app(app: Flask) -> None:
    """Refuse over-long URLs (414) before any parsing; bodies are capped by MAX_CONTENT_LENGTH (413)."""

    @app.before_request
    def _limit_url() -> None:
        check_url_length(request, int(app.config["MAX_URL_LENGTH"]))


def check_url_length(request: Request, limit: int) -> None:
    if len(request.query_string) + len(request.path) > limit:
        raise UriTooLongError(
            f"The URL is longer than {limit:,} bytes; POST the query as {QUERY_TYPE} instead.")
