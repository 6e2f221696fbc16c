"""HTTP to other SPARQL engines: one client factory and one way to explain a failed exchange.

Shared by ``dmkg publish`` (Graph Store Protocol writes) and ``dmkg serve --backend`` (queries), so
both speak to an engine with the same authentication options and report its answers the same way.
httpx is used for its authentication schemes (basic, digest, bearer via a header), its per-phase
timeouts and its streaming reads.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import httpx

AUTH_SCHEMES = ("basic", "digest", "bearer")
ANSWER_EXCERPT = 300


@dataclass(frozen=True)
class Credentials:
    """How to authenticate to an engine; ``scheme`` None means anonymous."""

    scheme: str | None = None
    user: str | None = None
    secret: str | None = None  # the password (basic/digest) or the token (bearer)

    @classmethod
    def from_options(
        cls, scheme: str | None, user: str | None, secret_file: Path | None, secret_env: str
    ) -> Credentials:
        """Credentials from CLI options; the secret comes from a file or an environment variable,
        never from the command line (which other users of the machine can read)."""
        if scheme is None:
            return cls()
        secret = (
            secret_file.read_text(encoding="utf-8").strip() if secret_file else os.environ.get(secret_env)
        )
        if not secret:
            raise ValueError(f"--auth {scheme} needs a secret: a file option or the variable {secret_env}")
        if scheme in ("basic", "digest") and not user:
            raise ValueError(f"--auth {scheme} needs --user")
        return cls(scheme, user, secret)

    def httpx_auth(self) -> httpx.Auth | None:
        if self.scheme == "basic":
            return httpx.BasicAuth(self.user or "", self.secret or "")
        if self.scheme == "digest":
            return httpx.DigestAuth(self.user or "", self.secret or "")
        return None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"} if self.scheme == "bearer" else {}


def client(credentials: Credentials, timeout_s: float, connections: int = 10) -> httpx.Client:
    """A pooled client; redirects are not followed (a moved endpoint is a configuration error to show)."""
    return httpx.Client(
        auth=credentials.httpx_auth(),
        headers=credentials.headers(),
        timeout=httpx.Timeout(timeout_s),
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        follow_redirects=False,
        trust_env=False,
    )


def excerpt(body: bytes | str) -> str:
    """The start of a server's answer, on one line, for an error message."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = " ".join(text.split())
    return text[:ANSWER_EXCERPT] + ("…" if len(text) > ANSWER_EXCERPT else "")


def describe_failure(error: httpx.HTTPError) -> str:
    """A transport failure in words: refused, unreachable, timed out or dropped midway."""
    if isinstance(error, httpx.ConnectError):
        return f"cannot connect ({error})"
    if isinstance(error, httpx.TimeoutException):
        return f"no answer in time ({type(error).__name__})"
    if isinstance(error, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return f"the server dropped the connection midway ({error or type(error).__name__})"
    return f"{type(error).__name__}: {error}"
