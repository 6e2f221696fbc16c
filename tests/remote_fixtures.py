"""Real SPARQL engines on loopback for the publish and ``--backend`` tests, and a proxy that misbehaves.

``oxigraph serve`` comes from the PyPI package ``oxigraph`` (a test dependency); Virtuoso from Debian's
``virtuoso-opensource`` (installed by .ci/system-deps.sh), each with its own temporary directory and
loopback ports, stopped after. ``FaultProxy`` stands between a front end and a real engine and can
forward, answer slowly, drop the connection or answer with an HTML error page: the faults a replica
shows in production, made on purpose.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from server_fixtures import free_port, http, start_serve

START_TIMEOUT_S = 60
# the limits of every dmkg serve in the backend tests, local or in front of engines, so answers compare
TIME_LIMIT_S = 3.0
SIZE_LIMIT = 200_000


@dataclass
class Engine:
    """A running SPARQL engine: its query, Graph Store and update endpoints."""

    name: str
    query_url: str
    gsp_url: str
    update_url: str
    process: subprocess.Popen
    log_path: Path
    timeout_param: str | None = None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def _wait_until_answering(engine: Engine) -> Engine:
    deadline = time.monotonic() + START_TIMEOUT_S
    probe = engine.query_url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    while time.monotonic() < deadline:
        if engine.process.poll() is not None:
            raise RuntimeError(f"{engine.name} exited early:\n{engine.log()}")
        try:
            if http(probe, headers={"Accept": "application/sparql-results+json"}, timeout=2).status == 200:
                return engine
        except OSError:
            pass
        time.sleep(0.2)
    engine.stop()
    raise RuntimeError(f"{engine.name} did not answer within {START_TIMEOUT_S} s:\n{engine.log()}")


def oxigraph_binary() -> str:
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        raise RuntimeError("the `oxigraph` command is missing: pip install -e '.[test]'")
    return found


def start_oxigraph(directory: Path) -> Engine:
    """``oxigraph serve`` (read-write: dmkg publish writes to it) over its own store directory."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = directory / "oxigraph.log"
    process = subprocess.Popen(
        [oxigraph_binary(), "serve", "--location", str(directory / "store"), "--bind", f"127.0.0.1:{port}"],
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    return _wait_until_answering(
        Engine("oxigraph serve", base + "/query", base + "/store", base + "/update", process, log_path)
    )


VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = .
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 0
MaxQueryCostEstimationTime = 0
"""
VIRTUOSO_USER = "dba"
VIRTUOSO_PASSWORD = "dba"  # the fresh database's default; the server listens on loopback only


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t")


def start_virtuoso(directory: Path) -> Engine:
    """Virtuoso Open Source 7 on loopback, with a fresh database in ``directory``.

    ResultSetMaxRows is raised from Debian's 10 000 (Virtuoso cuts longer results silently) and the
    server's own time limits are off: dmkg passes its limit per query (``timeout``).
    """
    directory.mkdir(parents=True, exist_ok=True)
    ini = directory / "virtuoso.ini"
    if not ini.exists():  # a restart keeps the database and its ports
        http_port, sql_port = free_port(), free_port()
        ini.write_text(
            VIRTUOSO_INI.format(d=directory, sql_port=sql_port, http_port=http_port), encoding="utf-8"
        )
    http_port = int(
        ini.read_text(encoding="utf-8").split("[HTTPServer]")[1].split("127.0.0.1:")[1].split()[0]
    )
    log_path = directory / "out.log"
    process = subprocess.Popen(
        [str(virtuoso_binary()), "+configfile", str(ini), "+foreground"],
        cwd=directory,
        stdout=log_path.open("a"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{http_port}"
    return _wait_until_answering(
        Engine(
            "Virtuoso",
            base + "/sparql",
            base + "/sparql-graph-crud-auth",
            base + "/sparql-auth",
            process,
            log_path,
            timeout_param="timeout",
        )
    )


ERROR_PAGE = (
    b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\nContent-Length: 58\r\n"
    b"Connection: close\r\n\r\n<html><body><h1>Proxy Error</h1>Bad gateway.</body></html>"
)


class FaultProxy:
    """A loopback TCP proxy to ``upstream`` whose ``mode`` decides each new connection's fate:
    "forward", "slow" (wait ``delay_s`` before forwarding), "drop" (read the request, close) or
    "error" (read the request, answer an HTML 500 page). It counts the connections it saw."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self._mode = "forward"
        self._open: set[socket.socket] = set()
        self.delay_s = 0.0
        self.connections = 0
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, mode: str) -> None:
        """A new fate for every connection from now on: the open (kept-alive) ones are closed."""
        self._mode = mode
        for conn in list(self._open):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn, self.mode), daemon=True).start()

    def _handle(self, conn: socket.socket, mode: str) -> None:
        conn.settimeout(30)
        self._open.add(conn)
        try:
            if mode in ("drop", "error"):
                conn.recv(65536)
                if mode == "error":
                    conn.sendall(ERROR_PAGE)
                return
            if mode == "slow":
                deadline = time.monotonic() + self.delay_s
                while time.monotonic() < deadline and not self._stop.is_set():
                    time.sleep(0.05)
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30)
            pipe = threading.Thread(target=self._pipe, args=(upstream, conn), daemon=True)
            pipe.start()
            self._pipe(conn, upstream)
            pipe.join(30)
            upstream.close()
        except OSError:
            pass
        finally:
            self._open.discard(conn)
            conn.close()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            try:
                target.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def close(self) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(2)


def start_front_end(backends: list[str], log_path: Path, *args: str, env: dict[str, str] | None = None):
    """``dmkg serve --backend …`` (as ``python -m server``) on loopback, over the real catalogue."""
    backend_args = [arg for url in backends for arg in ("--backend", url)]
    return start_serve([*args, *backend_args], log_path, {"DMKG_CATALOGUE_DIR": "null", **(env or {})},
                       start_timeout_s=START_TIMEOUT_S, probe_timeout_s=5)


def load_while_killing(
    server, path: str, kill, threads: int = 3, before: int = 20, after: int = 40, timeout_s: float = 60
) -> tuple[list[tuple[int, str]], int]:
    """GET ``path`` from ``threads`` clients; call ``kill()`` after ``before`` answers and go on for
    ``after`` more. Every request is bounded; returns the answers in arrival order and the index of the
    kill. Bounded in count (``threads`` x 300) and time (``timeout_s``)."""
    answers: list[tuple[int, str]] = []
    stop = threading.Event()

    def client() -> None:
        for _ in range(300):
            if stop.is_set():
                return
            answer = server.get(path, headers={"Accept": "text/csv"}, timeout=30)
            answers.append((answer.status, answer.text))

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + timeout_s
    while len(answers) < before and time.monotonic() < deadline:
        time.sleep(0.05)
    kill()
    killed_at = len(answers)
    while len(answers) < killed_at + after and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    for worker in workers:
        worker.join(45)
    assert not any(worker.is_alive() for worker in workers), "a client hung"
    assert len(answers) >= killed_at + after, "the load stopped making progress after the kill"
    return answers, killed_at


def assert_survived(answers: list[tuple[int, str]], killed_at: int, in_flight: int) -> None:
    """All answers are 200, except at most ``in_flight`` queries that were on the killed replica: those
    get a clear 502 naming what happened; and the last half of the run after the kill is all 200."""
    failed = [(status, text) for status, text in answers if status != 200]
    assert len(failed) <= in_flight, failed
    assert all(status == 502 and "not retried" in text for status, text in failed), failed
    tail = answers[killed_at + (len(answers) - killed_at) // 2 :]
    assert {status for status, _ in tail} == {200}


def checkpoint_and_restart_virtuoso(engine: Engine, directory: Path) -> Engine:
    """Virtuoso 7.2.5 after a publish: a checkpoint (through its own isql client), then a restart.

    Without both, the freshly loaded database answered some named queries wrongly and crashed on
    one (mechanism-path) in our tests; after them it answers as documented in server/README.md.
    """
    ini = (directory / "virtuoso.ini").read_text(encoding="utf-8")
    sql_port = ini.split("[Parameters]")[1].split("127.0.0.1:")[1].split()[0]
    subprocess.run(
        ["isql-vt", f"127.0.0.1:{sql_port}", VIRTUOSO_USER, VIRTUOSO_PASSWORD, "exec=checkpoint;"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    engine.stop()
    return start_virtuoso(directory)
