"""The HTTP front: waitress, with limits that idle or slow clients cannot exhaust.

waitress stops accepting connections at ``connection_limit`` and closes idle ones only after
``channel_timeout`` (checked every ``cleanup_interval``): 250 clients that connect and send nothing
locked everyone else out for as long as they stayed. Here, when the limit is reached, the least
recently active connections that have no request being processed (idle keep-alive connections, or
requests still arriving byte by byte) are closed to make room — as nginx reuses its keep-alive
connections — so a new client always gets in while a connection is merely idle. Idle connections
are also closed after ``IDLE_TIMEOUT_S``.
"""

from __future__ import annotations

import errno
import logging
import resource
import time

import waitress
from waitress.server import BaseWSGIServer

log = logging.getLogger("dmkg.server")

IDLE_TIMEOUT_S = 30
CLEANUP_INTERVAL_S = 5
CONNECTION_LIMIT = 1000
EVICT_BATCH = 64  # connections made room for at once when the limit is reached


class PortInUseError(RuntimeError):
    pass


def connection_limit(wanted: int = CONNECTION_LIMIT) -> int:
    """As many connections as asked, but within the open-file limit (raised to its hard maximum)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(16, min(wanted, soft - 128))  # room for the store's files and the workers' pipes


def make_server(app, host: str, port: int, **adjustments) -> BaseWSGIServer:
    """A waitress server bound to host:port (listening, not yet serving).

    :raise PortInUseError: the port is taken (or the address cannot be bound), with a one-line reason
    """
    limit = connection_limit()
    try:
        server = waitress.create_server(
            app,
            host=host,
            port=port,
            connection_limit=limit,
            channel_timeout=IDLE_TIMEOUT_S,
            cleanup_interval=CLEANUP_INTERVAL_S,
            asyncore_use_poll=True,  # select() cannot watch more than 1 024 sockets
            **adjustments,
        )
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise PortInUseError(
                f"port {port} on {host} is already in use (another dmkg serve?); choose another with --port"
            ) from None
        raise PortInUseError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    _evict_idle_when_full(server, limit)
    return server


def _evict_idle_when_full(server: BaseWSGIServer, limit: int) -> None:
    """Wrap the listener's ``readable``: at the connection limit, close the stalest idle connections.

    They are only marked (``will_close``, as waitress's own idle timeout does) and closed by the event
    loop in its next round; closing a socket in the middle of a round could hand its file descriptor
    number to a new connection that the round's stale events would then close.
    """
    accept_unless_full = server.readable

    def readable() -> bool:
        if server.accepting and len(server._map) >= limit:
            closing = sum(1 for c in server.active_channels.values() if c.will_close)
            if closing < EVICT_BATCH:
                idle = [c for c in server.active_channels.values() if not c.requests and not c.will_close]
                idle.sort(key=lambda channel: channel.last_activity)
                for channel in idle[: EVICT_BATCH - closing]:
                    channel.will_close = True
                if idle:
                    log.warning(
                        "connection limit %d reached: closed %d idle connections (idle for %.0f s or less)",
                        limit, min(len(idle), EVICT_BATCH - closing), time.time() - idle[0].last_activity,
                    )  # fmt: skip
        return accept_unless_full()

    server.readable = readable
