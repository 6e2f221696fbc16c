"""Security headers on every response: ``nosniff`` always; a Content-Security-Policy on HTML pages.

Why: pages show text that comes from the store (labels, quotes, IRIs), and with updates enabled a client
can put anything there. Jinja escapes it and pages link only http(s) IRIs; the policy is the second
line: no script runs unless it is one of ours (served from /static, or inline with this response's
nonce), nothing is loaded from elsewhere, no page can frame ours.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g

POLICY = (
    "default-src 'none'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def csp_nonce() -> str:
    """This response's nonce, for the ``nonce`` attribute of an inline ``<script>`` in a template."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _secure(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        if response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = POLICY.format(nonce=csp_nonce())
            response.headers["Referrer-Policy"] = "same-origin"
        return response
