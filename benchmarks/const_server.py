"""Baselines for the fixed cost of the HTTP stack: apps that return a constant SPARQL-JSON body at
once, served by waitress exactly as ``dmkg serve`` serves its app (same thread count, loopback).

- ``flask``: a Flask app with one ``/sparql`` view (Flask + Werkzeug + waitress);
- ``wsgi``: a bare WSGI callable (waitress alone);
- ``granian-flask`` / ``granian-wsgi``: the same two apps under granian (a Rust HTTP server running the
  WSGI app in one process with that many blocking threads): the fixed cost of a Rust front end.

    .venv/bin/python -m benchmarks.const_server flask 7000 8
"""

from __future__ import annotations

import sys

BODY = b'{"head":{"vars":["p","o"]},"results":{"bindings":[]}}'
HEADERS = [("Content-Type", "application/sparql-results+json"), ("Content-Length", str(len(BODY)))]


def wsgi_app(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]


def flask_app():
    from flask import Flask, Response

    app = Flask("const")

    @app.route("/sparql", methods=["GET", "POST"])
    def sparql() -> Response:
        return Response(BODY, content_type="application/sparql-results+json")

    return app


def main(argv: list[str]) -> int:
    import waitress

    kind, port, threads = argv[0], int(argv[1]), int(argv[2])
    if kind.startswith("granian-"):
        import os

        target = "benchmarks.const_server:" + ("flask_app()" if kind == "granian-flask" else "wsgi_app")
        os.execv(sys.executable, [sys.executable, "-m", "granian", "--interface", "wsgi", "--host",
                                  "127.0.0.1", "--port", str(port), "--workers", "1", "--blocking-threads",
                                  str(threads), "--no-ws",
                                  "--factory" if kind == "granian-flask" else "--no-ws",
                                  target.removesuffix("()")])
    app = flask_app() if kind == "flask" else wsgi_app
    waitress.serve(app, host="127.0.0.1", port=port, threads=threads, ident="const", connection_limit=200)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
