"""Two probes a soak does not cover: idle and slow connections, and queries that want gigabytes."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field

from benchmarks.reliability.common import Client, tree_rss
from benchmarks.reliability.soak import CARTESIAN, MEMORY_HOG


@dataclass
class ConnectionProbe:
    idle_connections: int = 0
    idle_health: list[tuple[int, float]] = field(default_factory=list)  # (status, seconds)
    slow_connections: int = 0
    slow_health: list[tuple[int, float]] = field(default_factory=list)


def _timed_health(port: int) -> tuple[int, float]:
    started = time.monotonic()
    client = Client(port, timeout=30)
    status, _ = client.request("GET", "/health")
    client.close()
    return status, time.monotonic() - started


def connections(port: int, idle: int = 2000, slow: int = 300, slow_seconds: float = 12) -> ConnectionProbe:
    """``idle`` connections that send nothing, then ``slow`` ones that send a header byte a second
    (slowloris); meanwhile a new client asks /health."""
    result = ConnectionProbe(idle_connections=idle, slow_connections=slow)
    sockets: list[socket.socket] = []
    try:
        for _ in range(idle):
            sockets.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        for _ in range(3):
            result.idle_health.append(_timed_health(port))
    finally:
        for sock in sockets:
            sock.close()
    sockets = []
    stop = threading.Event()
    try:
        for _ in range(slow):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            sockets.append(sock)

        def drip() -> None:
            while not stop.wait(1.0):
                for sock in sockets:
                    try:
                        sock.sendall(b"a")
                    except OSError:
                        pass

        dripper = threading.Thread(target=drip, daemon=True)
        dripper.start()
        end = time.monotonic() + slow_seconds
        while time.monotonic() < end:
            result.slow_health.append(_timed_health(port))
            time.sleep(0.5)
        stop.set()
        dripper.join(5)
    finally:
        stop.set()
        for sock in sockets:
            sock.close()
    return result


@dataclass
class MemoryProbe:
    baseline: int = 0
    peak: int = 0
    after: int = 0
    answers: list[tuple[str, int, str]] = field(default_factory=list)


def memory(port: int, server_pid: int, settle_s: float = 5) -> MemoryProbe:
    """Two memory hogs and two 6-pattern cartesian products at once; the tree's RSS before, at the
    peak and after."""
    result = MemoryProbe(baseline=tree_rss(server_pid))
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            result.peak = max(result.peak, tree_rss(server_pid))
            done.wait(0.2)

    def ask(name: str, text: str) -> None:
        client = Client(port, timeout=120)
        status, body = client.request(
            "POST", "/sparql", text.encode(), {"Content-Type": "application/sparql-query"}
        )
        client.close()
        result.answers.append((name, status, body.decode("utf-8", "replace").strip()[:160]))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    askers = [threading.Thread(target=ask, args=(name, text))
              for name, text in (("memory-hog", MEMORY_HOG), ("memory-hog", MEMORY_HOG + " "),
                                 ("cartesian", CARTESIAN), ("cartesian", CARTESIAN + " "))]  # fmt: skip
    for thread in askers:
        thread.start()
    for thread in askers:
        thread.join(300)
    done.set()
    sampler.join(5)
    time.sleep(settle_s)
    result.after = tree_rss(server_pid)
    return result
