"""Helpers for the endpoint tests: a tiny store, HTTP on loopback, and a real ``dmkg serve`` started and
stopped. The fixtures built on them (tiny_store, app, client, live, listener, store_copy) live in
tests/conftest.py, so every test module gets them without importing anything. The tiny store is built
from tests/data/tiny.trig, so these tests do not depend on the real build.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

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
    """``dmkg serve --store STORE`` over the test catalogue."""
    env = {"DMKG_CATALOGUE_DIR": f'"{TEST_CATALOGUE}"', **(env or {})}
    return start_serve(["--store", str(store), *args], log_path, env)


def start_serve(
    args: list[str],
    log_path: Path,
    env: dict[str, str],
    start_timeout_s: float = 30,
    probe_timeout_s: float = 2,
) -> LiveServer:
    """``python -m server ARGS`` (the command ``dmkg serve`` runs) on a free loopback port, once it
    answers /health; its output goes to ``log_path``, which the error quotes if it never does."""
    port = free_port()
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", **env}
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "--port", str(port), *args],
        cwd=REPO,
        env=environment,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    server = LiveServer(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + start_timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dmkg serve {' '.join(args)} exited early:\n{server.log()}")
        try:
            if server.get("/health", timeout=probe_timeout_s).status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    stop_server(server)
    raise RuntimeError(f"dmkg serve {' '.join(args)} did not become healthy:\n{server.log()}")


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
