"""Leases on store directories: a process that serves a store holds one, and pruning never deletes a
store under a live lease.

Why a lock file, not a pid file: ``flock`` is released by the kernel when its holder dies (even by
``kill -9``), so a lease can never outlive its process and a reused pid can never fake one. The lease
files live in ``<stores>/.leases/``; a lease is created under a temporary name, locked, then renamed
into place, so a pruner never sees an unlocked lease of a live process.
"""

from __future__ import annotations

import fcntl
import itertools
import os
from pathlib import Path

LEASE_DIR = ".leases"
_serial = itertools.count()


def _lease_dir(store: Path) -> Path:
    return store.parent / LEASE_DIR


class Lease:
    """A shared lock on ``store`` held until :meth:`release` or the death of this process."""

    def __init__(self, store: Path) -> None:
        self.store = store
        directory = _lease_dir(store)
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{store.name}.{os.getpid()}.{next(_serial)}"
        self.path = directory / name
        pending = directory / f".{name}.pending"
        self._fd = os.open(pending, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_SH)
        os.replace(pending, self.path)

    def release(self) -> None:
        if self._fd < 0:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self._fd)
            self._fd = -1


def in_use(store: Path) -> bool:
    """True while any live process holds a lease on ``store``; stale lease files are removed on the way."""
    directory = _lease_dir(store)
    if not directory.is_dir():
        return False
    used = False
    for path in directory.glob(f"{store.name}.*"):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            used = True
        else:
            path.unlink(missing_ok=True)  # its holder is gone
        finally:
            os.close(fd)
    for pending in directory.glob(f".{store.name}.*.pending"):
        _remove_if_unlocked(pending)
    return used


def _remove_if_unlocked(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        path.unlink(missing_ok=True)
    except BlockingIOError:
        pass
    finally:
        os.close(fd)
