"""Replace a file so that a reader sees the old content or the new, never half of it.

Why one helper: every file dmkg replaces (release files, the N-Quads dump, the build report, the search
index, exports) needs the same four steps: a temporary file in the same directory (a rename across
file systems is a copy), fsync (else a crash may leave the new name pointing at empty blocks), one
rename, and the temporary file removed when the writer fails. Temporary names end in ``.<pid>.tmp`` so
kg/workspace.py can remove what a killed build left behind.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield an empty temporary file beside ``path`` to write (by name: sqlite, a serializer); when the
    block ends it is synced and renamed onto ``path``, or removed if the block raised."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.{os.getpid()}.tmp")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666))
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)


def write_bytes(path: Path, data: bytes) -> Path:
    with replacing(path) as tmp:
        tmp.write_bytes(data)
    return path


def write_text(path: Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable; a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
