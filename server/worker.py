"""What runs inside a query worker process: open the store, evaluate tasks, serialise the results.

Why a module of its own: this code runs in another process, under limits the web process never has —
an address-space limit (``RLIMIT_AS``, the per-query memory limit), a large evaluation stack (pyoxigraph
recurses over the query's syntax tree), and stderr redirected to a file the pool reads when the worker
dies, so that the client learns *why* (memory limit, stack overflow) instead of a bare "died".
"""

from __future__ import annotations

import os
import pickle
import resource
import signal
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

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

# pyoxigraph evaluates recursively over the query's syntax tree: 8 MiB (a main thread's stack) overflow
# at ~3 000 nested MINUS or BIND; the syntax guard refuses far smaller trees, this is the margin behind it
EVALUATION_STACK_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class QueryTask:
    """Everything a worker needs to evaluate and serialise one query (picklable)."""

    sparql: str
    results_type: str | None = "application/sparql-results+json"  # for SELECT/ASK; None = not acceptable
    graph_type: str | None = "text/turtle"  # for CONSTRUCT/DESCRIBE; None = not acceptable
    # the request's dataset (default-graph-uri / named-graph-uri); None: not named by the request
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    # the query names its own dataset (FROM / FROM NAMED): engines must not impose theirs
    own_dataset: bool = False
    substitutions: Mapping[str, NamedNode | Literal] = field(default_factory=dict)
    max_bytes: int = 64 * 1024 * 1024
    base_iri: str | None = None  # relative IRIs in the query resolve against it


# results larger than this travel through a temporary file instead of the pipe, and are streamed
# from that file to the client in blocks: the web process never holds a large result in memory
SPOOL_THRESHOLD = 1024 * 1024


class ResultTooLarge(Exception):
    pass


class CappedSink:
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
            raise ResultTooLarge()
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


def evaluate(store: Store, task: QueryTask, spool_dir: str | None = None) -> tuple:
    """Run one task; returns a picklable ("ok", ...) or ("error", kind, message) tuple."""
    started = time.perf_counter()
    options: dict = {}
    if task.default_graphs is not None or task.named_graphs is not None:
        options["default_graph"] = [NamedNode(g) for g in task.default_graphs or ()]
        options["named_graphs"] = [NamedNode(g) for g in task.named_graphs or ()]
    if task.substitutions:
        options["substitutions"] = {Variable(k): v for k, v in task.substitutions.items()}
    if task.base_iri:
        options["base_iri"] = task.base_iri
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
        sink = CappedSink(task.max_bytes, spool_dir)
        try:
            result.serialize(sink, fmt)
        except BaseException:
            sink.discard()
            raise
    except SyntaxError as error:
        return ("error", "syntax", str(error))
    except ResultTooLarge:
        return ("error", "too_large", str(task.max_bytes))
    except MemoryError:
        return ("error", "memory", "")
    except Exception as error:  # evaluation errors: the message is oxigraph's, safe to show
        return ("error", "evaluation", f"{type(error).__name__}: {error}")
    elapsed = (time.perf_counter() - started) * 1000
    body, path = sink.finish()
    return ("ok", body, fmt.media_type, form, elapsed, path, sink.size)


def stderr_path(log_dir: str, pid: int) -> str:
    """Where a worker's stderr goes: the pool reads its tail when the worker dies."""
    return os.path.join(log_dir, f"{pid}.stderr")


def _limit_memory(memory_bytes: int | None) -> None:
    """Cap the address space at what the worker holds now (store open, stack reserved) plus the budget."""
    if not memory_bytes:
        return
    with open("/proc/self/statm") as handle:
        current = int(handle.read().split()[0]) * resource.getpagesize()
    limit = current + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def worker_main(
    store_path: str,
    conn: Connection,
    spool_dir: str | None = None,
    memory_bytes: int | None = None,
    log_dir: str | None = None,
) -> None:
    """A worker's life: open the store, say ready, then evaluate tasks until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server; it closes our pipe
    if log_dir:
        try:
            fd = os.open(stderr_path(log_dir, os.getpid()), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except OSError:  # the pool is closing
            return
        os.dup2(fd, 2)
        os.close(fd)
    try:
        store = Store.read_only(store_path)
    except Exception as error:
        conn.send(("fatal", f"cannot open the store at {store_path}: {error}"))
        return
    threading.stack_size(EVALUATION_STACK_BYTES)
    loop = threading.Thread(target=_serve_tasks, args=(store, conn, spool_dir, memory_bytes))
    loop.start()
    loop.join()


def _serve_tasks(store: Store, conn: Connection, spool_dir: str | None, memory_bytes: int | None) -> None:
    _limit_memory(memory_bytes)
    conn.send(("ready",))
    while True:
        try:
            task = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        conn.send_bytes(pickle.dumps(evaluate(store, task, spool_dir), pickle.HIGHEST_PROTOCOL))


def writer_main(store_path: str, sparql: str, conn: Connection, base_iri: str | None = None) -> None:
    """A one-shot writer: the store is opened writable only for the duration of one update."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        store = Store(store_path)
        store.update(sparql, base_iri=base_iri)
        store.flush()
    except SyntaxError as error:
        conn.send(("error", "syntax", str(error)))
        return
    except Exception as error:
        conn.send(("error", "evaluation", f"{type(error).__name__}: {error}"))
        return
    conn.send(("ok",))
