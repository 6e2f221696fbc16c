"""The parts of the local worker pool that hold no pool state: one worker's handle (its process,
pipe and poll object), the memory of queries known to be slow, and a worker's reply made a result or
a typed error. server/executor.py's WorkerPool composes them.
"""

from __future__ import annotations

import multiprocessing
import os
import select
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from server.engine import QueryResult
from server.errors import BadRequestError, MemoryLimitError, ResultTooLargeError
from server.worker import QueryTask

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
