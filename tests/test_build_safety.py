"""A build killed at any moment leaves the previous store serving, its child JVMs die with it, and
the next build removes whatever it left; a quote changed in a source is reported at its line (issue 10)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from source_copies import copy_sources, replace_in

from kg.paths import REPO_ROOT
from kg.read_sources import SourceError


def children(pid: int) -> dict[int, str]:
    """The direct children of ``pid`` as {pid: command name} (Linux /proc)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            head, tail = open(f"/proc/{entry}/stat").read().rsplit(")", 1)
        except OSError:
            continue
        if int(tail.split()[1]) == pid:
            found[int(entry)] = head.split("(", 1)[1]
    return found


def alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def leftovers(build_dir: Path) -> list[Path]:
    stores = build_dir / "stores"
    found = [p for p in stores.iterdir() if p.name.endswith(".loading")] if stores.is_dir() else []
    found += list(build_dir.glob("*.tmp")) + list(build_dir.glob(".*.link"))
    if (build_dir / "tmp").is_dir():
        found += list((build_dir / "tmp").iterdir())
    return found


def test_a_changed_letter_quote_names_file_line_and_field(tmp_path, monkeypatch) -> None:
    from kg.build import build

    sources = copy_sources(tmp_path)
    letter = sources / "letter" / "document.yaml"
    line = replace_in(letter, '"erythema extending to the chest"', '"erythema extending to the chesT"')
    monkeypatch.setenv("DMKG_BUILD", str(tmp_path / "build"))
    with pytest.raises(SourceError) as info:
        build(sources, write_release=False)
    assert (info.value.path, info.value.line) == (letter, line)
    assert info.value.field is not None and info.value.field.endswith(".quote")
    assert f"document.yaml:{line}: {info.value.field}: " in str(info.value)
    assert "not found verbatim" in str(info.value) and "chesT" in str(info.value)
    assert not (tmp_path / "build" / "store").exists()  # nothing written


@pytest.mark.slow
@pytest.mark.java
def test_a_build_killed_during_reasoning(built, tmp_path, monkeypatch) -> None:
    """kill -9 while HermiT or the OWL API runs: the JVM dies too, the previous store still serves, and
    the next build leaves nothing behind."""
    from kg.build import build

    build_dir = tmp_path / "build"
    shutil.copytree(built.build_dir, build_dir, symlinks=True)
    previous = (build_dir / "store").resolve()
    env = {**os.environ, "DMKG_BUILD": str(build_dir)}
    process = subprocess.Popen(
        [sys.executable, "-c", "from kg.build import build; build(write_release=False)"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    jvms: list[int] = []
    deadline = time.monotonic() + 180
    while not jvms and process.poll() is None and time.monotonic() < deadline:
        jvms = [pid for pid, name in children(process.pid).items() if name == "java"]
        time.sleep(0.05)
    assert jvms, "the build never started a JVM"
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    deadline = time.monotonic() + 15
    while any(alive(pid) for pid in jvms) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in jvms), "the JVM outlived the killed build"
    assert (build_dir / "store").resolve() == previous
    store = ox.Store.read_only(str(build_dir / "store"))
    assert len(store) > 1000  # the previous store is whole
    assert leftovers(build_dir)  # the killed build's temporary directory is still there ...
    monkeypatch.setenv("DMKG_BUILD", str(build_dir))
    build(write_release=False)
    assert leftovers(build_dir) == []  # ... and gone after the next build
    assert len(ox.Store.read_only(str(build_dir / "store"))) > 1000


def test_stale_staging_of_a_killed_build_is_removed(tmp_path) -> None:
    """What a bulk load killed half-way leaves (a staging store, a temporary link, temp files) is removed
    by the next build, which owns the build directory through its lock."""
    from kg.workspace import WorkspaceBusy, workspace

    build_dir = tmp_path / "build"
    (build_dir / "stores" / ".0123456789abcdef.4242.loading").mkdir(parents=True)
    (build_dir / "dmkg.nq.tmp").write_text("half", encoding="utf-8")
    os.symlink("stores/x", build_dir / ".store.4242.link")
    (build_dir / "tmp" / "4242").mkdir(parents=True)
    with workspace(build_dir) as tmp:
        assert leftovers(build_dir) == [tmp]  # only this build's own temporary directory
        with pytest.raises(WorkspaceBusy), workspace(build_dir):
            pass
    assert leftovers(build_dir) == []
