"""Shared fixtures: the real graph, built once per test session into a temporary build directory."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from server_fixtures import (
    LIVE_MAX_RESULT_BYTES,
    LIVE_TIMEOUT_S,
    TEST_CATALOGUE,
    LiveServer,
    LoopbackListener,
    build_tiny_store,
    start_server,
    stop_server,
)
from source_copies import FIXTURE_DOCUMENT

from kg.paths import report_text


@dataclass(frozen=True)
class BuiltGraph:
    build_dir: Path
    store_path: Path
    nquads: Path

    def store(self) -> ox.Store:
        return ox.Store.read_only(str(self.store_path))

    def select(self, sparql: str, **bindings: ox.NamedNode | ox.Literal) -> list[dict[str, str]]:
        """Rows as {variable: lexical value} over the default graph (each fact once)."""
        result = self.store().query(
            sparql, substitutions={ox.Variable(k): v for k, v in bindings.items()} or None
        )
        names = [v.value for v in result.variables]
        return [{n: s[n].value for n in names if s[n] is not None} for s in result]


@contextmanager
def _build_dir(directory: Path) -> Iterator[Path]:
    """DMKG_BUILD pointing at `directory` while a build runs, restored afterwards."""
    previous = os.environ.get("DMKG_BUILD")
    os.environ["DMKG_BUILD"] = str(directory)
    try:
        yield directory
    finally:
        if previous is None:
            os.environ.pop("DMKG_BUILD", None)
        else:
            os.environ["DMKG_BUILD"] = previous


def _built(tmp_path_factory: pytest.TempPathFactory, name: str, **options) -> Iterator[BuiltGraph]:
    from kg.build import build

    if not report_text().exists():
        pytest.fail(f"the letter's text is needed at {report_text()} (set DMKG_SHARED)")
    with _build_dir(tmp_path_factory.mktemp(name)) as directory:
        build(write_release=False, **options)
        yield BuiltGraph(directory, directory / "store", directory / "dmkg.nq")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltGraph]:
    """`dmkg build` of the real sources, without touching the repository's build/ or release files."""
    yield from _built(tmp_path_factory, "build")


@pytest.fixture(scope="session")
def built_two(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltGraph]:
    """The real sources and the synthetic fixture document (tests/data/sources/fixture-synthetic)."""
    yield from _built(tmp_path_factory, "build-two", extra_documents=(FIXTURE_DOCUMENT,))


# a build runs the OWL API checker and HermiT, so every test on a built graph needs Java
JAVA_FIXTURES = frozenset({"built", "built_two", "build_dir"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs a build (by the fixtures it uses) with `java`, so `-m "not java"`
    leaves out exactly the tests a machine without Java cannot run."""
    for item in items:
        if JAVA_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.java)


NO_JVM = "-XX:+DmkgTestNotMarkedJava"


@pytest.fixture(autouse=True)
def _no_jvm_unless_marked_java(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard of the `java` marker: in a test without it every JVM refuses to start (an option no JVM
    knows, in the JVM's own JAVA_TOOL_OPTIONS, which subprocesses inherit), so a test that needs Java
    but lacks the marker fails on every machine, not only on one without Java."""
    if request.node.get_closest_marker("java") is None:
        monkeypatch.setenv("JAVA_TOOL_OPTIONS", NO_JVM)


# --- the endpoint: a tiny store, the Flask app, a real dmkg serve (helpers in server_fixtures.py) ---


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


@pytest.fixture(scope="module")
def local(built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """dmkg serve over the real build with the backend tests' limits: the answers a front end over
    another engine (oxigraph serve, Virtuoso) must give too."""
    from remote_fixtures import SIZE_LIMIT, TIME_LIMIT_S

    server = start_server(
        built.store_path,
        tmp_path_factory.mktemp("local") / "serve.log",
        "--timeout",
        str(TIME_LIMIT_S),
        "--workers",
        "2",
        "--max-result-bytes",
        str(SIZE_LIMIT),
        env={"DMKG_CATALOGUE_DIR": "null"},
    )
    yield server
    stop_server(server)
