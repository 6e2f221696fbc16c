"""The parts of the local worker pool that hold no pool state: one worker's handle (its process,
pipe and poll object), the memory of queries known to be slow, a worker's reply (or its death) made a
result or a typed error, and the one-shot writer process of an update. server/executor.py's WorkerPool
composes them.
"""

from __future__ import annotations

import multiprocessing
import os
import select
import signal
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from server.engine import QueryResult
from server.errors import (
    BadRequestError,
    EndpointError,
    MemoryLimitError,
    ResultTooLargeError,
    WorkerCrashError,
)
from server.worker import QueryTask, stderr_path, writer_main

_PAGE = os.sysconf("SC_PAGE_SIZE")

_READABLE = select.POLLIN | select.POLLHUP | select.POLLERR


@dataclass
class WorkerHandle:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    generation: int
    store_path: str
    start_rss: int = 0
    queries: int = 0
    # one poll object per worker, made once: waiting for a reply is then a single poll(2) call
    # (Connection.poll builds a new selector on every call)
    poller: select.poll = field(default_factory=select.poll)

    def __post_init__(self) -> None:
        self.poller.register(self.conn.fileno(), _READABLE)

    def wait_reply(self, timeout_s: float) -> bool:
        """True when the reply (or the worker's death: EOF) is ready to read within ``timeout_s``."""
        return bool(self.poller.poll(max(timeout_s, 0.0) * 1000))

    def rss(self) -> int:
        try:
            with open(f"/proc/{self.process.pid}/statm", "rb") as handle:
                return int(handle.read().split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            return 0


class KnownSlow:
    """Query texts that recently hit the time or memory limit (bounded, most recent kept)."""

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._keys: OrderedDict[int, None] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(task: QueryTask) -> int:
        return hash((" ".join(task.sparql.split()), task.default_graphs, task.named_graphs,
                     tuple(sorted((k, str(v)) for k, v in task.substitutions.items()))))  # fmt: skip

    def add(self, key: int) -> None:
        with self._lock:
            self._keys[key] = None
            self._keys.move_to_end(key)
            while len(self._keys) > self.capacity:
                self._keys.popitem(last=False)

    def __contains__(self, key: int) -> bool:
        return key in self._keys


def reply_to_result(reply: tuple, memory_message: str) -> QueryResult:
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
    if kind == "memory":
        raise MemoryLimitError(memory_message)
    raise BadRequestError(f"Query evaluation failed: {detail}")


def last_words(log_dir: str, pid: int | None) -> str:
    """The end of a dead worker's stderr (its last words: a Rust allocation failure, a MemoryError)."""
    try:
        with open(stderr_path(log_dir, pid), "rb") as handle:
            handle.seek(max(0, os.fstat(handle.fileno()).st_size - 4096))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def death_error(code: int | None, words: str, memory_text: str) -> EndpointError:
    """Why a worker died on a query, as the client is told: memory limit (503), stack overflow (400),
    anything else (503, try again)."""
    if "memory allocation of" in words or "MemoryError" in words:
        return MemoryLimitError(memory_text)
    if code == -signal.SIGSEGV:
        return BadRequestError(
            "Query refused: evaluating it overflowed the query worker's stack (its syntax tree is too "
            "deep or too large); the worker was replaced. Simplify the query."
        )
    return WorkerCrashError(
        f"The query worker died while evaluating this query (exit code {code}); it was replaced. "
        "Try again; if it happens again, the query is the cause."
    )


def memory_message(memory_bytes: int | None) -> str:
    limit = f"{memory_bytes / 1048576:g} MiB" if memory_bytes else "the machine's memory"
    return (
        f"The query needed more memory than the limit of {limit} per query worker and was stopped. "
        "Narrow it (fewer unbound patterns, LIMIT) or ask the operator for a higher limit."
    )


def run_writer(ctx, store_path: str, sparql: str, deadline: float, base_iri: str | None) -> tuple | None:
    """Run a one-shot writer process; its reply, or None if it passed the deadline (it is then killed)."""
    parent_conn, child_conn = ctx.Pipe()
    process = ctx.Process(
        target=writer_main,
        args=(store_path, sparql, child_conn, base_iri),
        name="dmkg-writer",
        daemon=True,
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
