"""Fixtures for the endpoint tests: a tiny store, the Flask app, and a real ``dmkg serve`` on loopback.

Import with ``from server_fixtures import *`` in a tests/test_server_*.py module. The store is built
from tests/data/tiny.trig, so these tests do not depend on the real build.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.store import MERGE_INTO_DEFAULT_GRAPH

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
TINY_TRIG = DATA / "tiny.trig"
TEST_CATALOGUE = DATA / "catalogue"
TINY_TRIPLES = 47  # triples in tiny.trig, all graphs
ONTOLOGY_GRAPH = "https://w3id.org/dmkg/graph/ontology"
ONTOLOGY_TRIPLES = 13
EFALIZUMAB = "https://w3id.org/dmkg/id/drug/efalizumab"
LIVE_TIMEOUT_S = 2.0
LIVE_MAX_RESULT_BYTES = 20_000


def build_tiny_store(directory: Path) -> Path:
    store = ox.Store(str(directory))
    store.bulk_load(path=str(TINY_TRIG), format=ox.RdfFormat.TRIG)
    store.update(MERGE_INTO_DEFAULT_GRAPH)
    store.flush()
    del store
    return directory


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    """A ``python -m server`` subprocess (the same command as ``dmkg serve``) on 127.0.0.1."""

    url: str
    process: subprocess.Popen
    log_path: Path

    def get(self, path: str, headers: dict[str, str] | None = None, timeout: float = 15):
        return http(self.url + path, headers=headers, timeout=timeout)

    def post(self, path: str, data: bytes, headers: dict[str, str], timeout: float = 15):
        return http(self.url + path, data=data, headers=headers, timeout=timeout)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def http(
    url: str,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 15,
    method=None,
) -> Answer:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(
                response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
            )
    except urllib.error.HTTPError as error:
        return Answer(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


def start_server(store: Path, log_path: Path, *args: str, env: dict[str, str] | None = None) -> LiveServer:
    port = free_port()
    environment = {**os.environ, "DMKG_CATALOGUE_DIR": f'"{TEST_CATALOGUE}"', "PYTHONUNBUFFERED": "1"}
    environment.update(env or {})
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "--store", str(store), "--port", str(port), *args],
        cwd=REPO,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = LiveServer(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dmkg serve exited early:\n{server.log()}")
        try:
            if server.get("/health", timeout=2).status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    stop_server(server)
    raise RuntimeError(f"dmkg serve did not become healthy:\n{server.log()}")


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(5)


@dataclass
class LoopbackListener:
    """A TCP listener on 127.0.0.1 that records every connection made to it (the SSRF witness)."""

    port: int
    connections: list[tuple[str, int]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"


@pytest.fixture(scope="session")
def tiny_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_store(tmp_path_factory.mktemp("tiny") / "store")


@pytest.fixture(scope="session")
def live(tiny_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One real server for the session: 2 s time limit, 20 kB result cap, two workers."""
    log_path = tmp_path_factory.mktemp("live") / "serve.log"
    server = start_server(
        tiny_store,
        log_path,
        "--timeout",
        str(LIVE_TIMEOUT_S),
        "--workers",
        "2",
        "--max-result-bytes",
        str(LIVE_MAX_RESULT_BYTES),
    )
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def app(tiny_store: Path):
    """The Flask app over the tiny store (its own worker pool), for tests the test client covers."""
    from server import create_app

    application = create_app(
        {
            "TESTING": True,
            "STORE_PATH": str(tiny_store),
            "CATALOGUE_DIR": str(TEST_CATALOGUE),
            "QUERY_WORKERS": 2,
            "QUERY_TIMEOUT_S": 5.0,
            "ACCESS_LOG": False,
        }
    )
    yield application
    pool = application.extensions.get("dmkg_pool")
    if pool is not None:
        pool.close()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def listener() -> Iterator[LoopbackListener]:
    """Accepts (and records) connections on a free loopback port until the test ends."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.1)
    witness = LoopbackListener(sock.getsockname()[1])
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, address = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            witness.connections.append(address)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield witness
    stop.set()
    thread.join(2)
    sock.close()


@pytest.fixture()
def store_copy(tiny_store: Path, tmp_path: Path) -> Path:
    """A private copy of the tiny store for tests that write."""
    target = tmp_path / "store"
    shutil.copytree(tiny_store, target)
    return target


__all__ = [
    "Answer",
    "EFALIZUMAB",
    "LIVE_MAX_RESULT_BYTES",
    "LIVE_TIMEOUT_S",
    "LiveServer",
    "ONTOLOGY_GRAPH",
    "ONTOLOGY_TRIPLES",
    "REPO",
    "TEST_CATALOGUE",
    "TINY_TRIPLES",
    "app",
    "build_tiny_store",
    "client",
    "free_port",
    "http",
    "listener",
    "live",
    "start_server",
    "stop_server",
    "store_copy",
    "tiny_store",
]
