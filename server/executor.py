"""Query evaluation in a pool of long-lived worker processes, each holding ``Store.read_only(path)``.

Why processes: pyoxigraph has no timeout and an evaluation blocks inside ``Store.query`` (no thread
can stop it), and a pathological query can crash the evaluating process. A worker that passes its
deadline is killed and replaced; a worker that dies is replaced; the web process never runs a query.
Why long-lived: opening the store and forking per query costs far more than a heavy query's overhead
on a warm worker. Results are serialised by pyoxigraph inside the worker, straight to bytes, up to
``max_bytes`` — so the client gets either the complete result or a clear error, never a cut-off body.
"""

from __future__ import annotations

import atexit
import glob
import json
import logging
import multiprocessing
import os
import pickle
import queue
import select
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from flask import Flask, current_app
from pyoxigraph import (
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QueryTriples,
    RdfFormat,
    Store,
    Variable,
)

from server.errors import (
    BadRequestError,
    EndpointError,
    QueryTimeoutError,
    ResultTooLargeError,
    ServerBusyError,
    StoreUnavailableError,
    WorkerCrashError,
)

log = logging.getLogger("dmkg.server")

_START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class QueryTask:
    """Everything a worker needs to evaluate and serialise one query (picklable)."""

    sparql: str
    results_type: str | None = "application/sparql-results+json"  # for SELECT/ASK; None = not acceptable
    graph_type: str | None = "text/turtle"  # for CONSTRUCT/DESCRIBE; None = not acceptable
    # the request's dataset (default-graph-uri / named-graph-uri); None: not named by the request
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    substitutions: Mapping[str, NamedNode | Literal] = field(default_factory=dict)
    max_bytes: int = 64 * 1024 * 1024


# results larger than this travel through a temporary file instead of the pipe, and are streamed
# from that file to the client in blocks: the web process never holds a large result in memory
SPOOL_THRESHOLD = 1024 * 1024


@dataclass(frozen=True)
class QueryResult:
    body: bytes  # the whole result, unless it was spooled to ``path``
    media_type: str
    form: str  # "select", "ask" or "graph"
    eval_ms: float
    path: str | None = None  # a complete, spooled result; whoever takes it must delete it
    size: int = 0

    def read_bytes(self) -> bytes:
        """The whole result as bytes (for small internal queries); removes a spooled file."""
        if self.path is None:
            return self.body
        try:
            with open(self.path, "rb") as handle:
                return handle.read()
        finally:
            os.unlink(self.path)


class _ResultTooLarge(Exception):
    pass


class _CappedSink:
    """A write-only file for pyoxigraph's serialisers that refuses to grow past ``limit`` bytes and
    moves to a file in ``spool_dir`` once past SPOOL_THRESHOLD."""

    def __init__(self, limit: int, spool_dir: str | None = None) -> None:
        self.limit = limit
        self.spool_dir = spool_dir
        self.size = 0
        self.chunks: list[bytes] = []
        self.file = None
        self.path: str | None = None

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise _ResultTooLarge()
        if self.file is None and self.spool_dir and self.size > SPOOL_THRESHOLD:
            fd, self.path = tempfile.mkstemp(prefix=f"{os.getpid()}-", dir=self.spool_dir)
            self.file = os.fdopen(fd, "wb")
            self.file.writelines(self.chunks)
            self.chunks = []
        if self.file is not None:
            self.file.write(data)
        else:
            self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def finish(self) -> tuple[bytes, str | None]:
        if self.file is not None:
            self.file.close()
        return b"".join(self.chunks), self.path

    def discard(self) -> None:
        if self.file is not None:
            self.file.close()
            os.unlink(self.path)


def _evaluate(store: Store, task: QueryTask, spool_dir: str | None = None) -> tuple:
    """Run one task inside a worker; returns a picklable ("ok", ...) or ("error", kind, message) tuple."""
    started = time.perf_counter()
    options: dict = {}
    if task.default_graphs is not None or task.named_graphs is not None:
        options["default_graph"] = [NamedNode(g) for g in task.default_graphs or ()]
        options["named_graphs"] = [NamedNode(g) for g in task.named_graphs or ()]
    if task.substitutions:
        options["substitutions"] = {Variable(k): v for k, v in task.substitutions.items()}
    try:
        result = store.query(task.sparql, **options)
        if isinstance(result, QueryTriples):
            form, media_type = "graph", task.graph_type
        elif isinstance(result, QueryBoolean):
            form, media_type = "ask", task.results_type
        else:
            form, media_type = "select", task.results_type
        if media_type is None:
            return ("error", "not_acceptable", form)
        if form == "graph":
            fmt: RdfFormat | QueryResultsFormat = RdfFormat.from_media_type(media_type)
        else:
            fmt = QueryResultsFormat.from_media_type(media_type)
        sink = _CappedSink(task.max_bytes, spool_dir)
        try:
            result.serialize(sink, fmt)
        except BaseException:
            sink.discard()
            raise
    except SyntaxError as error:
        return ("error", "syntax", str(error))
    except _ResultTooLarge:
        return ("error", "too_large", str(task.max_bytes))
    except Exception as error:  # evaluation errors: the message is oxigraph's, safe to show
        return ("error", "evaluation", f"{type(error).__name__}: {error}")
    elapsed = (time.perf_counter() - started) * 1000
    body, path = sink.finish()
    return ("ok", body, fmt.media_type, form, elapsed, path, sink.size)


def _worker_main(store_path: str, conn: Connection, spool_dir: str | None = None) -> None:
    """A worker's life: open the store, say ready, then evaluate tasks until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server; it closes our pipe
    try:
        store = Store.read_only(store_path)
    except Exception as error:
        conn.send(("fatal", f"cannot open the store at {store_path}: {error}"))
        return
    conn.send(("ready",))
    while True:
        try:
            task = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        conn.send_bytes(pickle.dumps(_evaluate(store, task, spool_dir), pickle.HIGHEST_PROTOCOL))


def _writer_main(store_path: str, sparql: str, conn: Connection) -> None:
    """A one-shot writer: the store is opened writable only for the duration of one update."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        store = Store(store_path)
        store.update(sparql)
        store.flush()
    except SyntaxError as error:
        conn.send(("error", "syntax", str(error)))
        return
    except Exception as error:
        conn.send(("error", "evaluation", f"{type(error).__name__}: {error}"))
        return
    conn.send(("ok",))


_READABLE = select.POLLIN | select.POLLHUP | select.POLLERR


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    generation: int = 0
    # one poll object per worker, made once: waiting for a reply is then a single poll(2) call
    # (Connection.poll builds a new selector on every call)
    poller: select.poll = field(default_factory=select.poll)

    def __post_init__(self) -> None:
        self.poller.register(self.conn.fileno(), _READABLE)

    def wait_reply(self, timeout_s: float) -> bool:
        """True when the reply (or the worker's death: EOF) is ready to read within ``timeout_s``."""
        return bool(self.poller.poll(max(timeout_s, 0.0) * 1000))


class WorkerPool:
    """A fixed number of query workers; ``run`` lends one to a request and enforces the deadline."""

    def __init__(self, store_path: str, size: int) -> None:
        # resolved once: `dmkg build` swaps the build/store symlink, and every worker (replacements too)
        # must serve the same build until the server is restarted
        self.store_path = os.path.realpath(store_path)
        self.spool_dir = tempfile.mkdtemp(prefix="dmkg-results-")
        self.size = size
        self.replaced = 0
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(["server.executor"])
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._closed = False
        self._lock = threading.Lock()
        self._writer_lock = threading.Lock()
        self.generation = 0  # bumped by an update: older workers may hold a stale view of the store
        try:
            for _ in range(size):
                self._idle.put(self._start_worker())
        except BaseException:
            self.close()
            raise

    def _start_worker(self) -> _Worker:
        generation = self.generation  # read before the store is opened: the worker sees at least this
        parent_conn, child_conn = self._ctx.Pipe()
        process = self._ctx.Process(
            target=_worker_main,
            args=(self.store_path, child_conn, self.spool_dir),
            name="dmkg-query-worker",
            daemon=True,
        )
        process.start()
        child_conn.close()
        if not parent_conn.poll(_START_TIMEOUT_S):
            process.kill()
            raise StoreUnavailableError(f"a query worker did not start within {_START_TIMEOUT_S:g} s")
        try:
            hello = parent_conn.recv()
        except (EOFError, OSError):
            hello = ("fatal", "a query worker died while opening the store")
        if hello[0] != "ready":
            process.join(5)
            raise StoreUnavailableError(hello[1])
        return _Worker(process, parent_conn, generation)

    def _discard(self, worker: _Worker, replace: bool = True) -> None:
        """Kill a worker (timed out, dead or stale); by default start its replacement in the background."""
        worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
        for partial in glob.glob(os.path.join(self.spool_dir, f"{worker.process.pid}-*")):
            os.unlink(partial)  # a result it was spooling when it was stopped
        if replace:
            self._spawn_replacement()

    def _spawn_replacement(self) -> None:
        if not self._closed:
            threading.Thread(target=self._replace, name="dmkg-worker-replacer", daemon=True).start()

    def _replace(self) -> None:
        delay = 0.1
        while not self._closed:
            try:
                worker = self._start_worker()
            except Exception as error:  # keep trying: a transient failure must not shrink the pool forever
                log.error("could not start a replacement query worker: %s", error)
                time.sleep(delay)
                delay = min(delay * 2, 10.0)
                continue
            with self._lock:
                self.replaced += 1
            self._give_back(worker)
            return

    def _acquire(self, deadline: float) -> _Worker:
        while True:
            remaining = deadline - time.monotonic()
            try:
                worker = self._idle.get(timeout=max(remaining, 0.001))
            except queue.Empty:
                raise ServerBusyError(
                    f"All {self.size} query workers stayed busy for the whole time limit; try again later.",
                    {"Retry-After": "5"},
                ) from None
            # no per-request liveness check (a waitpid): a worker that died while idle is found when
            # the task cannot be sent to it (run() then takes another worker; the task never ran)
            if worker.generation == self.generation:
                return worker
            self._discard(worker, replace=False)  # opened before the last update: reopen now
            try:
                return self._start_worker()
            except EndpointError:
                self._spawn_replacement()
                raise

    def run(self, task: QueryTask, timeout_s: float) -> QueryResult:
        """Evaluate ``task`` within ``timeout_s`` (wait for a worker included) or raise an EndpointError."""
        if self._closed:
            raise StoreUnavailableError("the server is shutting down")
        deadline = time.monotonic() + timeout_s
        payload = pickle.dumps(task, pickle.HIGHEST_PROTOCOL)
        worker: _Worker | None = self._send(payload, deadline)
        try:
            if not worker.wait_reply(deadline - time.monotonic()):
                log.warning(
                    "query stopped at the %g s limit; worker %s killed", timeout_s, worker.process.pid
                )
                self._discard(worker)
                worker = None
                raise QueryTimeoutError(
                    f"Query timed out: it ran longer than the limit of {timeout_s:g} s and was stopped. "
                    "Narrow it (LIMIT, more specific patterns) or ask the operator for a longer limit.",
                    {"Retry-After": "1"},
                )
            reply = pickle.loads(worker.conn.recv_bytes())
        except (EOFError, OSError):
            if worker is not None:
                log.error("query worker %s died (exit code %s)", worker.process.pid, worker.process.exitcode)
                self._discard(worker)
                worker = None
            raise WorkerCrashError(
                "The query worker died while evaluating this query (it was replaced); "
                "the query may be too deeply nested or too large."
            ) from None
        finally:
            if worker is not None:
                self._give_back(worker)
        return _reply_to_result(reply, task)

    def _send(self, payload: bytes, deadline: float) -> _Worker:
        """Hand an encoded task to an idle worker; the worker, which now owns the task.

        A worker that died while idle cannot take the task (its end of the pipe is closed, so the
        write fails): it is replaced and the task goes to the next idle worker, within the deadline.
        """
        for _ in range(self.size + 1):
            worker = self._acquire(deadline)
            try:
                worker.conn.send_bytes(payload)
                return worker
            except OSError:
                log.error("query worker %s had died while idle; replaced", worker.process.pid)
                self._discard(worker)
        raise WorkerCrashError("Every query worker had died; they are being replaced. Try again shortly.")

    def _give_back(self, worker: _Worker) -> None:
        """Return a worker to the pool, or stop it if the pool has been closed meanwhile."""
        if self._closed:
            self._discard(worker, replace=False)
        else:
            self._idle.put(worker)

    def update(self, sparql: str, timeout_s: float) -> None:
        """Apply a SPARQL Update in a one-shot writer process, with no reader open meanwhile.

        oxigraph calls reading a store that another process writes undefined behaviour, so the update
        first takes every worker out of the pool (waiting for running queries, within the deadline),
        stops them, writes, and then starts fresh workers that see the new data.
        """
        deadline = time.monotonic() + timeout_s
        if not self._writer_lock.acquire(timeout=timeout_s):
            raise ServerBusyError("Another update is still running; try again later.", {"Retry-After": "5"})
        held: list[_Worker] = []
        try:
            try:
                while len(held) < self.size:
                    held.append(self._acquire(deadline))
            except ServerBusyError:
                for worker in held:
                    self._idle.put(worker)
                raise ServerBusyError(
                    "Queries kept running for the whole time limit; the update was not applied.",
                    {"Retry-After": "5"},
                ) from None
            with self._lock:
                self.generation += 1  # any replacement started before now is stale
            for worker in held:
                self._discard(worker, replace=False)
            try:
                reply = self._write(sparql, deadline)
            finally:
                for _ in held:
                    try:
                        self._idle.put(self._start_worker())
                    except EndpointError:
                        self._spawn_replacement()
        finally:
            self._writer_lock.release()
        if reply is None:
            raise QueryTimeoutError(f"Update timed out after {timeout_s:g} s and was stopped.")
        if reply[0] != "ok":
            if reply[1] == "syntax":
                raise BadRequestError(f"Update syntax error: {reply[2]}")
            raise EndpointError(f"Update failed: {reply[2]}")

    def _write(self, sparql: str, deadline: float) -> tuple | None:
        """Run the writer process; its reply, or None if it passed the deadline (it is then killed)."""
        parent_conn, child_conn = self._ctx.Pipe()
        process = self._ctx.Process(
            target=_writer_main, args=(self.store_path, sparql, child_conn), name="dmkg-writer", daemon=True
        )
        try:
            process.start()
            child_conn.close()
            if parent_conn.poll(max(deadline - time.monotonic(), 0)):
                return parent_conn.recv()
            return None
        except (EOFError, OSError):
            return ("error", "evaluation", "the update process died")
        finally:
            process.kill()  # a no-op if it has finished; stops it at the deadline otherwise
            process.join(5)
            parent_conn.close()

    def select(self, sparql: str, timeout_s: float, **task_options) -> list[dict[str, dict]]:
        """Run a SELECT for the server's own use (pages, VoID); rows as SPARQL-JSON term dicts."""
        task = QueryTask(
            sparql, results_type="application/sparql-results+json", graph_type=None, **task_options
        )
        result = self.run(task, timeout_s)
        return json.loads(result.read_bytes())["results"]["bindings"]

    def run_ask(self, sparql: str, timeout_s: float, **task_options) -> bool:
        """Run an ASK for the server's own use."""
        task = QueryTask(
            sparql, results_type="application/sparql-results+json", graph_type=None, **task_options
        )
        return bool(json.loads(self.run(task, timeout_s).read_bytes())["boolean"])

    def stats(self) -> dict[str, int]:
        return {"workers": self.size, "idle": self._idle.qsize(), "replaced": self.replaced}

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            worker.conn.close()
            worker.process.kill()
            worker.process.join(5)
        shutil.rmtree(self.spool_dir, ignore_errors=True)


def _reply_to_result(reply: tuple, task: QueryTask) -> QueryResult:
    if reply[0] == "ok":
        _, body, media_type, form, eval_ms, path, size = reply
        return QueryResult(body, media_type, form, eval_ms, path, size)
    kind, detail = reply[1], reply[2]
    if kind == "syntax":
        raise BadRequestError(f"Query syntax error: {detail}")
    if kind == "not_acceptable":
        from server.formats import not_acceptable

        raise not_acceptable(detail)
    if kind == "too_large":
        raise ResultTooLargeError(
            f"The result is larger than the limit of {int(detail):,} bytes; nothing was sent. "
            "Add a LIMIT, select fewer variables or use a more specific pattern."
        )
    raise EndpointError(f"Query evaluation failed: {detail}")


def init_app(app: Flask) -> None:
    """Close the app's pool (if one was started) when the process exits."""
    atexit.register(lambda: app.extensions.get("dmkg_pool") and app.extensions["dmkg_pool"].close())


_pool_lock = threading.Lock()


def _make_engine(config):
    """The local worker pool, or the remote engine when the app is configured with backends."""
    if config["BACKENDS"]:
        from kg.remote_http import Credentials
        from server.remote import RemoteEngine

        credentials = Credentials(config["BACKEND_AUTH"], config["BACKEND_USER"], config["BACKEND_SECRET"])
        return RemoteEngine(list(config["BACKENDS"]), credentials, config["BACKEND_TIMEOUT_PARAM"])
    return WorkerPool(str(config["STORE_PATH"]), int(config["QUERY_WORKERS"]))


def get_pool() -> WorkerPool:
    """The current app's worker pool, started on first use (``dmkg serve`` starts it before listening)."""
    app = current_app._get_current_object()
    pool = app.extensions.get("dmkg_pool")
    if pool is None:
        with _pool_lock:
            pool = app.extensions.get("dmkg_pool")
            if pool is None:
                pool = _make_engine(app.config)
                app.extensions["dmkg_pool"] = pool
    return pool
