"""kg/atomic.py: a replaced file holds the old content or the new, and a failed writer leaves no trace."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from kg import atomic


def test_write_replaces_the_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.json"
    atomic.write_text(target, "old\n")
    atomic.write_bytes(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]


def test_a_writer_that_raises_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "dmkg.nq"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="serializer failed"), atomic.replacing(target) as tmp:
        tmp.write_text("half of the new", encoding="utf-8")
        raise RuntimeError("serializer failed")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["dmkg.nq"]


def test_a_writer_by_name_sqlite(tmp_path: Path) -> None:
    target = tmp_path / "index.sqlite"
    with atomic.replacing(target) as tmp, closing(sqlite3.connect(tmp)) as db, db:
        db.execute("CREATE TABLE t (x)")
        db.execute("INSERT INTO t VALUES (42)")
    with closing(sqlite3.connect(target)) as db:
        assert db.execute("SELECT x FROM t").fetchall() == [(42,)]
    assert [p.name for p in tmp_path.iterdir()] == ["index.sqlite"]


def test_temporary_names_end_in_the_pid_the_workspace_cleans_up_by(tmp_path: Path) -> None:
    with atomic.replacing(tmp_path / "dmkg.ttl") as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".dmkg.ttl.")
        assert tmp.name.rsplit(".", 2)[-2:] == [str(os.getpid()), "tmp"]


def test_the_new_file_has_the_permissions_of_a_plainly_written_one(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.write_bytes(b"x")
    atomic.write_bytes(tmp_path / "atomic", b"x")
    assert (tmp_path / "atomic").stat().st_mode == plain.stat().st_mode
