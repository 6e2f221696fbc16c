"""What every part of the reliability rig shares: a loopback-only HTTP client, the server under test,
and the memory of a process tree read from /proc."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import PYTHON, REPO, free_port

PAGE = os.sysconf("SC_PAGE_SIZE")


def descendants(root: int) -> set[int]:
    """``root`` and every process below it (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = int(open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    family, frontier = {root}, {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - family
        family |= frontier
    return family


def tree_rss(root: int) -> int:
    """Resident memory of ``root`` and all its descendants, bytes."""
    total = 0
    for pid in descendants(root):
        try:
            total += int(open(f"/proc/{pid}/statm").read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def command_name(pid: int) -> str:
    try:
        return open(f"/proc/{pid}/comm").read().strip()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@dataclass
class MemorySampler:
    """Samples a process tree's RSS once a second in a thread: (seconds since start, bytes, label)."""

    root: int
    samples: list[tuple[float, int, str]] = field(default_factory=list)
    phase: str = "start"

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.monotonic() - self._started, tree_rss(self.root), self.phase))
            self._stop.wait(1.0)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


class Client:
    """One keep-alive connection to a loopback server; reconnects after a failure."""

    def __init__(self, port: int, timeout: float = 60) -> None:
        self.port, self.timeout = port, timeout
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """(status, body); status 0 means no answer (connection refused, reset or timed out)."""
        for attempt in (0, 1):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.connection.request(method, path, body=body, headers=headers or {})
                response = self.connection.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, data
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt:  # a kept-alive connection the server closed meanwhile gets one retry
                    return 0, b""
        return 0, b""

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


@dataclass
class Server:
    """``dmkg serve`` in its own process group on a free loopback port."""

    process: subprocess.Popen
    port: int
    log: Path

    @classmethod
    def start(cls, store: Path, log: Path, *args: str, env: dict[str, str] | None = None) -> Server:
        port = free_port()
        handle = log.open("w")
        process = subprocess.Popen(
            [str(PYTHON), "-m", "server", "--store", str(store), "--host", "127.0.0.1", "--port", str(port),
             *args],
            cwd=REPO, env={**os.environ, **(env or {})}, stdout=handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        server = cls(process, port, log)
        deadline = time.monotonic() + 60
        client = Client(port, timeout=5)
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"dmkg serve exited:\n{log.read_text()[-2000:]}")
            if client.request("GET", "/health")[0] == 200:
                client.close()
                return server
            time.sleep(0.2)
        server.stop()
        raise RuntimeError("dmkg serve did not become healthy")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
