"""``dmkg serve``'s default HTTP front: granian, a Rust HTTP server running the WSGI app.

Why: at seed size almost every query takes well under a millisecond, so a request's cost is the Python
around it, and waitress's own share (HTTP parsing and socket I/O in Python, under the GIL) was the
largest part. Measured side by side (point lookup, 8 clients, unique requests, 10^4 quads): dmkg under
granian answered 1.8-1.9x the requests/s of dmkg under waitress, and a constant Flask view 1.6-2.0x.
Nothing of the safety model moves: the app, its guard and limits, and the one worker pool (query
processes, hard time limit, replacement) are the same; granian runs one web process by default (so the
pool and its limits stay global; ``--web-processes`` runs more, each with its own pool) with ``threads``
blocking threads, and its tokio reactor holds idle and slow connections without a thread each. The
settings reach the web process as ``DMKG_*`` variables (JSON), which ``create_app`` reads. ``--front
waitress`` keeps the pure-Python server.
"""

from __future__ import annotations

import errno
import json
import os
import socket
from pathlib import Path

import click

PARENT_VARIABLE = "DMKG_SERVE_PID"
HEADER_READ_TIMEOUT_MS = 30_000  # a client that sends its headers slower than this is dropped
# connections granian holds at once (its default, 1024, is reached by idle clients alone and then
# nobody else gets in); idle ones cost a tokio task each, requests still wait for one of `threads`
MAX_CONNECTIONS = 16_384


def die_with_serve() -> None:
    """In granian's web worker: die when `dmkg serve` dies, even by ``kill -9`` (else the worker would
    go on serving and holding its store's lease as an orphan)."""
    parent = os.environ.get(PARENT_VARIABLE)
    if parent:
        from kg.children import DieWithParent

        guard = DieWithParent()
        guard.parent = int(parent)
        guard()


def check_port(host: str, port: int) -> None:
    """A port in use is a one-line error before granian starts (it would log a Rust error per worker)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:  # the same words as server/front.py's waitress front
                raise click.ClickException(
                    f"port {port} on {host} is already in use (another dmkg serve?); "
                    "choose another with --port"
                ) from None
            raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def check_store(store: Path) -> None:
    """The store must open before granian starts (a clear one-line error, not a worker crash loop);
    it is closed again at once, before granian forks its web process."""
    import pyoxigraph

    try:
        pyoxigraph.Store.read_only(str(store))
    except Exception as error:  # noqa: BLE001 - any failure to open is the same user error
        raise click.ClickException(f"cannot open the store at {store}: {error}") from None


def serve_granian(
    settings: dict[str, object], host: str, port: int, threads: int, max_url: int, processes: int = 1
) -> None:
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.server import Server

    for key, value in settings.items():
        os.environ[f"DMKG_{key}"] = json.dumps(value)
    os.environ[PARENT_VARIABLE] = str(os.getpid())  # server/wsgi.py: the web worker dies with us
    Server(
        "server.wsgi:app",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=processes,
        blocking_threads=threads,
        websockets=False,
        backpressure=MAX_CONNECTIONS,
        respawn_failed_workers=True,
        http1_settings=HTTP1Settings(
            header_read_timeout=HEADER_READ_TIMEOUT_MS, max_buffer_size=max(417_792, max_url + 64 * 1024)
        ),
        log_access=False,  # dmkg's own access log (server/accesslog.py) writes one line per request
    ).serve()
