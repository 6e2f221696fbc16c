"""Query evaluation in a pool of long-lived worker processes, each holding ``Store.read_only(path)``.

Why processes: pyoxigraph has no timeout and an evaluation blocks inside ``Store.query`` (no thread
can stop it), and a pathological query can crash the evaluating process. A worker that passes its
deadline is killed and replaced; a worker that dies is replaced and the client is told why (stack
overflow: 400; memory limit: 503); the web process never runs a query. Why long-lived: opening the
store and forking per query costs far more than a heavy query's overhead on a warm worker.

The pool also follows the store link that ``dmkg build`` swaps (server/pool_follow.py).
"""

from __future__ import annotations

import glob
import logging
import multiprocessing
import os
import pickle
import queue
import shutil
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from kg.lease import Lease
from server.engine import QueryResult, ask, select_rows
from server.errors import (
    BadRequestError,
    EndpointError,
    QueryTimeoutError,
    ServerBusyError,
    StoreUnavailableError,
    WorkerCrashError,
)
from server.pool_follow import StoreFollowing
from server.pool_parts import (
    KnownSlow,
    WorkerHandle,
    death_error,
    last_words,
    memory_message,
    reply_to_result,
    run_writer,
)
from server.worker import SPOOL_THRESHOLD, QueryTask, stderr_path, worker_main

__all__ = ["SPOOL_THRESHOLD", "QueryResult", "QueryTask", "WorkerPool"]

log = logging.getLogger("dmkg.server")

_START_TIMEOUT_S = 60.0
# a worker whose resident memory grew this far past its start is replaced after its query: memory
# returns to the baseline after every spike (the allocator keeps freed memory otherwise)
_RECYCLE_GROWTH_BYTES = 256 * 1024 * 1024
# its memory is read (from /proc) after a query that took this long, and after every n-th query
# anyway: growing by hundreds of MiB takes far longer than a light query, which then skips the read
_RSS_CHECK_AFTER_S = 0.005
_RSS_CHECK_EVERY = 64


class WorkerPool(StoreFollowing):
    """A fixed number of query workers; ``run`` lends one to a request and enforces the deadline.

    A request waits up to ``queue_wait_s`` for a free worker (then 503 busy); the time limit counts
    from the moment a worker has the query. Queries that recently hit a limit may occupy at most
    ``size - 1`` workers at once, so that they cannot starve the ordinary ones.
    """

    def __init__(
        self, store_path: str, size: int, *, memory_mb: float | None = None, queue_wait_s: float = 30.0
    ) -> None:
        self.link_path = store_path  # `dmkg build` swaps this link; the pool follows it
        self.store_path = os.path.realpath(store_path)
        self.spool_dir = tempfile.mkdtemp(prefix="dmkg-results-")
        self.log_dir = tempfile.mkdtemp(prefix="dmkg-workers-")  # each worker's stderr
        self.size = size
        self.memory_bytes = int(memory_mb * 1024 * 1024) if memory_mb else None
        self.queue_wait_s = queue_wait_s
        self.replaced = 0
        self.switches = 0
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(["server.worker"])
        # C-implemented, no Python-level condition variable per put and get (a light query has many)
        self._idle: queue.SimpleQueue[WorkerHandle] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self._writer_lock = threading.Lock()
        self.generation = 0  # bumped by an update or a store switch: older workers are stale
        self._live: Counter[int] = Counter()  # workers alive or starting, per generation
        self._users: Counter[str] = Counter()  # workers alive or starting, per store path
        self._leases: dict[str, Lease | None] = {}
        self._known_slow = KnownSlow()
        self._slow_slots = threading.BoundedSemaphore(max(1, size - 1))
        self._next_follow = 0.0
        self._switching = False
        self._failed_target: str | None = None
        self._hold(self.store_path)
        try:
            for _ in range(size):
                self._idle.put(self._new_worker(self.store_path, self.generation))
        except BaseException:
            self.close()
            raise

    # --- workers -------------------------------------------------------------------------------

    def _start_process(self, path: str, generation: int) -> WorkerHandle:
        parent_conn, child_conn = self._ctx.Pipe()
        process = self._ctx.Process(
            target=worker_main,
            args=(path, child_conn, self.spool_dir, self.memory_bytes, self.log_dir),
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
            self._forget_files(process.pid)
            raise StoreUnavailableError(hello[1])
        worker = WorkerHandle(process, parent_conn, generation, path)
        worker.start_rss = worker.rss()
        return worker

    def _reserve(self, path: str, generation: int) -> None:
        with self._lock:
            self._live[generation] += 1
            self._users[path] += 1

    def _unreserve(self, path: str, generation: int) -> None:
        with self._lock:
            self._live[generation] -= 1
            self._users[path] -= 1
            unused = self._users[path] <= 0 and path != self.store_path
        if unused:
            self._release(path)

    def _new_worker(self, path: str, generation: int) -> WorkerHandle:
        """Start a worker now (counted from the start, so that top-ups never overshoot)."""
        self._reserve(path, generation)
        try:
            return self._start_process(path, generation)
        except BaseException:
            self._unreserve(path, generation)
            raise

    def _discard(self, worker: WorkerHandle, top_up: bool = True) -> None:
        """Kill a worker (timed out, dead or stale); by default bring the pool back to its size."""
        worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
        self._forget_files(worker.process.pid)
        self._unreserve(worker.store_path, worker.generation)
        if top_up:
            self._top_up()

    def _forget_files(self, pid: int | None) -> None:
        for leftover in glob.glob(os.path.join(self.spool_dir, f"{pid}-*")):
            os.unlink(leftover)  # a result it was spooling when it was stopped
        if pid is not None:
            Path(stderr_path(self.log_dir, pid)).unlink(missing_ok=True)

    def _top_up(self) -> None:
        """Start replacements in the background until the current generation has ``size`` workers."""
        with self._lock:
            if self._closed:
                return
            generation, path = self.generation, self.store_path
            missing = self.size - self._live[generation]
            self._live[generation] += max(missing, 0)
            self._users[path] += max(missing, 0)
        for _ in range(missing):
            threading.Thread(
                target=self._replace, args=(path, generation), name="dmkg-worker-replacer", daemon=True
            ).start()

    def _replace(self, path: str, generation: int) -> None:
        """Start one reserved worker; keep trying (a transient failure must not shrink the pool)."""
        delay = 0.1
        while not self._closed and generation == self.generation:
            try:
                worker = self._start_process(path, generation)
            except Exception as error:
                log.error("could not start a replacement query worker: %s", error)
                time.sleep(delay)
                delay = min(delay * 2, 10.0)
                continue
            with self._lock:
                self.replaced += 1
            self._give_back(worker)
            return
        self._unreserve(path, generation)
        self._top_up()

    def _give_back(self, worker: WorkerHandle, busy_s: float = 0.0) -> None:
        """Return a worker to the pool; stop it if the pool was closed or it serves an old generation,
        or if it grew too far (read after a query of ``busy_s`` seconds, see _RSS_CHECK_AFTER_S)."""
        worker.queries += 1
        if self._closed or worker.generation != self.generation:
            self._discard(worker, top_up=not self._closed)
        elif (
            busy_s >= _RSS_CHECK_AFTER_S or worker.queries % _RSS_CHECK_EVERY == 0
        ) and worker.rss() - worker.start_rss > _RECYCLE_GROWTH_BYTES:
            log.info("query worker %s grew past its memory baseline; replaced", worker.process.pid)
            self._discard(worker)
        else:
            self._idle.put(worker)

    def _acquire(self, deadline: float) -> WorkerHandle:
        while True:
            remaining = deadline - time.monotonic()
            try:
                worker = self._idle.get(timeout=max(remaining, 0.001))
            except queue.Empty:
                raise ServerBusyError(
                    f"All {self.size} query workers stayed busy for {self.queue_wait_s:g} s; "
                    "try again later.",
                    {"Retry-After": "5"},
                ) from None
            # no per-request liveness check (a waitpid): a worker that died while idle is found when
            # the task cannot be sent to it (run() then takes another worker; the task never ran)
            if worker.generation == self.generation:
                return worker
            self._discard(worker)  # opened before the last update or store switch

    # --- queries -------------------------------------------------------------------------------

    def run(self, task: QueryTask, timeout_s: float, wait_s: float | None = None) -> QueryResult:
        """Evaluate ``task`` within ``timeout_s`` once a worker has it (waiting for one at most ``wait_s``,
        by default the pool's queue budget), or raise an EndpointError."""
        if self._closed:
            raise StoreUnavailableError("the server is shutting down")
        self._follow_store()
        wait_deadline = time.monotonic() + (self.queue_wait_s if wait_s is None else wait_s)
        key = KnownSlow.key(task)
        slot = None
        if key in self._known_slow:
            slot = self._slow_slots
            if not slot.acquire(timeout=max(wait_deadline - time.monotonic(), 0)):
                raise ServerBusyError(
                    "This query recently hit the server's limits and copies of it already occupy the "
                    "workers it may use; try again later.",
                    {"Retry-After": "5"},
                )
        try:
            return self._run(task, timeout_s, wait_deadline, key)
        finally:
            if slot is not None:
                slot.release()

    def _run(self, task: QueryTask, timeout_s: float, wait_deadline: float, key: int) -> QueryResult:
        payload = pickle.dumps(task, pickle.HIGHEST_PROTOCOL)
        worker: WorkerHandle | None = self._send(payload, wait_deadline)
        deadline = time.monotonic() + timeout_s
        try:
            if not worker.wait_reply(deadline - time.monotonic()):
                log.warning(
                    "query stopped at the %g s limit; worker %s killed", timeout_s, worker.process.pid
                )
                self._discard(worker)
                worker = None
                self._known_slow.add(key)
                raise QueryTimeoutError(
                    f"Query timed out: it ran longer than the limit of {timeout_s:g} s and was stopped. "
                    "Narrow it (LIMIT, more specific patterns) or ask the operator for a longer limit.",
                    {"Retry-After": "1"},
                )
            reply = pickle.loads(worker.conn.recv_bytes())
        except (EOFError, OSError):
            if worker is None:
                raise
            error = self._death(worker)
            worker = None
            self._known_slow.add(key)
            raise error from None
        finally:
            if worker is not None:
                self._give_back(worker, time.monotonic() + timeout_s - deadline)
        if reply[0] == "error" and reply[1] == "memory":
            self._known_slow.add(key)
        return reply_to_result(reply, self._memory_message())

    def _death(self, worker: WorkerHandle) -> EndpointError:
        """Replace a worker that died on a query, and say why, from its exit signal and last words."""
        worker.process.join(5)
        code = worker.process.exitcode
        words = last_words(self.log_dir, worker.process.pid)
        log.error("query worker %s died (exit code %s): %s", worker.process.pid, code, words[-300:])
        self._discard(worker)
        return death_error(code, words, self._memory_message())

    def _memory_message(self) -> str:
        return memory_message(self.memory_bytes)

    def _send(self, payload: bytes, deadline: float) -> WorkerHandle:
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

    # --- updates -------------------------------------------------------------------------------

    def update(self, sparql: str, timeout_s: float, base_iri: str | None = None) -> None:
        """Apply a SPARQL Update in a one-shot writer process, with no reader open meanwhile.

        oxigraph calls reading a store that another process writes undefined behaviour, so the update
        first takes every worker out of the pool (waiting for running queries, within the deadline),
        stops them, writes, and then starts fresh workers that see the new data.
        """
        deadline = time.monotonic() + timeout_s
        if not self._writer_lock.acquire(timeout=timeout_s):
            raise ServerBusyError("Another update is still running; try again later.", {"Retry-After": "5"})
        held: list[WorkerHandle] = []
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
                self._discard(worker, top_up=False)
            try:
                reply = run_writer(self._ctx, self.store_path, sparql, deadline, base_iri)
            finally:
                for _ in held:
                    try:
                        self._idle.put(self._new_worker(self.store_path, self.generation))
                    except EndpointError:
                        self._top_up()
        finally:
            self._writer_lock.release()
        if reply is None:
            raise QueryTimeoutError(f"Update timed out after {timeout_s:g} s and was stopped.")
        if reply[0] != "ok":
            if reply[1] == "syntax":
                raise BadRequestError(f"Update syntax error: {reply[2]}")
            raise EndpointError(f"Update failed: {reply[2]}")

    # --- the server's own queries, stats, shutdown ---------------------------------------------

    def select(self, sparql: str, timeout_s: float, **task_options) -> list[dict[str, dict]]:
        return select_rows(self, sparql, timeout_s, **task_options)

    def run_ask(self, sparql: str, timeout_s: float, **task_options) -> bool:
        return ask(self, sparql, timeout_s, **task_options)

    def stats(self) -> dict[str, int | str]:
        return {"workers": self.size, "idle": self._idle.qsize(), "replaced": self.replaced,
                "store": os.path.basename(self.store_path), "switches": self.switches}  # fmt: skip

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
        for path in list(self._leases):
            self._release(path)
        shutil.rmtree(self.spool_dir, ignore_errors=True)
        shutil.rmtree(self.log_dir, ignore_errors=True)
