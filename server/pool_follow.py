"""The worker pool follows the store link: when ``dmkg build`` swaps it, a full set of workers starts
on the new store in the background and is swapped in at once (no request fails or waits); the old
store stays leased (kg/lease.py: never pruned) until its last worker has finished.

A part of server/executor.py's WorkerPool (which inherits it), kept apart because it is the one
piece of the pool that runs beside the requests, in a thread of its own.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from pathlib import Path

from kg.lease import Lease
from server.errors import EndpointError
from server.pool_parts import WorkerHandle

log = logging.getLogger("dmkg.server")

_FOLLOW_EVERY_S = 1.0  # how often a request may look whether the store link moved


class StoreFollowing:
    """Switching to the store the link names, and the leases on the stores in use."""

    def _follow_store(self) -> None:
        """At most once a second: if the store link points elsewhere, switch to it in the background."""
        now = time.monotonic()
        if now < self._next_follow or self._switching:
            return
        self._next_follow = now + _FOLLOW_EVERY_S
        target = os.path.realpath(self.link_path)
        if target in (self.store_path, self._failed_target) or not os.path.isdir(target):
            return
        with self._lock:
            if self._switching:
                return
            self._switching = True
        threading.Thread(target=self._switch, args=(target,), name="dmkg-store-switch", daemon=True).start()

    def _switch(self, target: str) -> None:
        """Start a full set of workers on ``target``, then swap them in; the old ones retire when idle."""
        try:
            with self._writer_lock:
                self._hold(target)
                generation = self.generation + 1
                fresh: list[WorkerHandle] = []
                try:
                    for _ in range(self.size):
                        fresh.append(self._new_worker(target, generation))
                except EndpointError as error:
                    log.error(
                        "staying on %s: cannot serve the new store %s: %s", self.store_path, target, error
                    )
                    self._failed_target = target
                    for worker in fresh:
                        self._discard(worker, top_up=False)
                    self._release(target)
                    return
                with self._lock:
                    old_path, self.store_path, self.generation = self.store_path, target, generation
                    self.switches += 1
                for worker in fresh:
                    self._idle.put(worker)
                self._drain_stale()
                with self._lock:
                    unused = self._users[old_path] <= 0
                if unused:
                    self._release(old_path)
                log.info("now serving %s (was %s)", target, old_path)
        finally:
            self._switching = False

    def _drain_stale(self) -> None:
        keep = []
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            if worker.generation == self.generation:
                keep.append(worker)
            else:
                self._discard(worker, top_up=False)
        for worker in keep:
            self._idle.put(worker)

    def _hold(self, path: str) -> None:
        if path in self._leases:
            return
        try:
            self._leases[path] = Lease(Path(path))
        except OSError as error:  # a read-only parent directory: serve without a lease
            log.warning("no lease on %s (%s): a build may prune it while it is served", path, error)
            self._leases[path] = None

    def _release(self, path: str) -> None:
        held = self._leases.pop(path, None)
        if held is not None:
            held.release()
