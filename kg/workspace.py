"""The build directory as a workspace that one build owns at a time.

Why: a build killed at any moment (``kill -9`` included) must leave nothing behind for long. The build
holds an ``flock`` on ``build/.build.lock`` (released by the kernel however the build ends), keeps its
temporary files under ``build/tmp/`` (its child processes too, through TMPDIR), and, once it holds the
lock, removes what an earlier, killed build left: staging stores, temporary links and files, build/tmp.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


class WorkspaceBusy(RuntimeError):
    """Another build is running in the same build directory."""


@contextlib.contextmanager
def workspace(
    build: Path, store_dirs: tuple[Path, ...] = (), release_dirs: tuple[Path, ...] = ()
) -> Iterator[Path]:
    """Hold the build lock, clean the leftovers of killed builds, and yield a private temporary dir.

    ``store_dirs``: where store links live besides ``build`` (``dmkg build --store``); ``release_dirs``:
    folders the build writes release files into (their ``*.<pid>.tmp`` of dead builds are removed).
    """
    build.mkdir(parents=True, exist_ok=True)
    fd = os.open(build / ".build.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WorkspaceBusy(
                f"another `dmkg build` is running in {build}; wait for it to finish"
            ) from None
        remove_leftovers(build, store_dirs, release_dirs)
        tmp = build / "tmp" / str(os.getpid())
        tmp.mkdir(parents=True)
        saved = tempfile.tempdir, os.environ.get("TMPDIR")
        tempfile.tempdir = str(tmp)
        os.environ["TMPDIR"] = str(tmp)
        try:
            yield tmp
        finally:
            tempfile.tempdir = saved[0]
            if saved[1] is None:
                os.environ.pop("TMPDIR", None)
            else:
                os.environ["TMPDIR"] = saved[1]
            shutil.rmtree(tmp, ignore_errors=True)
    finally:
        os.close(fd)


def remove_leftovers(
    build: Path, store_dirs: tuple[Path, ...] = (), release_dirs: tuple[Path, ...] = ()
) -> list[Path]:
    """Delete what killed builds left behind (call only while holding the lock); the paths removed."""
    found: list[Path] = []
    for directory in {build, *store_dirs}:
        stores = directory / "stores"
        if stores.is_dir():
            found += [p for p in stores.iterdir()
                      if p.name.startswith(".") and p.name.endswith((".loading", ".tmp"))]  # fmt: skip
        found += [p for p in directory.glob(".*.link") if p.is_symlink()]
    found += list(build.glob("*.tmp"))
    for directory in release_dirs:  # shared with builds in other build directories: only dead ones'
        found += [p for p in directory.glob("*.*.tmp") if not _alive(p.name.rsplit(".", 2)[-2])]
    if (build / "tmp").is_dir():
        found += list((build / "tmp").iterdir())
    for path in found:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return found


def _alive(pid: str) -> bool:
    if not pid.isdigit():
        return True  # not ours: leave it
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
