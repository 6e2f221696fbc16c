"""``dmkg serve --web-processes N``: N granian web processes, each with its own pool of the query
workers it was given, every limit still on. A real server on loopback; every loop bounded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from server_fixtures import REPO, TINY_TRIPLES, start_server, stop_server

from server.serve import _processes_and_workers

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
FORKSERVER = b"multiprocessing.forkserver"


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _processes(root: int) -> tuple[list[int], list[int]]:
    """(web processes, query workers) under ``dmkg serve``: the web processes are its children, the
    query workers the children of a web process's forkserver."""
    tree = _children()
    web = [pid for pid in tree.get(root, []) if FORKSERVER not in _cmdline(pid)]
    forkservers = [pid for w in web for pid in tree.get(w, []) if FORKSERVER in _cmdline(pid)]
    return web, [pid for f in forkservers for pid in tree.get(f, [])]


def _count(server) -> int:
    answer = server.get("/sparql?" + urllib.parse.urlencode({"query": COUNT}), timeout=30)
    assert answer.status == 200, answer.text
    return int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])


def test_two_web_processes_share_out_the_workers_and_keep_the_time_limit(tiny_store, tmp_path) -> None:
    server = start_server(
        tiny_store, tmp_path / "serve.log", "--web-processes", "2", "--workers", "4", "--timeout", "1"
    )
    try:
        deadline = time.monotonic() + 30  # the second web process may still be starting its pool
        while (found := _processes(server.process.pid)) and len(found[1]) < 4 and time.monotonic() < deadline:
            time.sleep(0.2)
        web, workers = found
        assert len(web) == 2 and len(workers) == 4, (web, workers)
        with ThreadPoolExecutor(8) as clients:
            counts = list(clients.map(lambda _: _count(server), range(40)))
        assert counts == [TINY_TRIPLES] * 40
        stopped = server.post("/sparql", CARTESIAN.encode(), {"Content-Type": "application/sparql-query"})
        assert stopped.status == 503 and "limit of 1 s" in stopped.text
        assert _count(server) == TINY_TRIPLES
    finally:
        stop_server(server)
    assert server.process.returncode == 0
    assert all(not Path(f"/proc/{pid}").exists() for pid in web + workers)


def test_web_processes_from_the_environment(tiny_store, tmp_path) -> None:
    server = start_server(tiny_store, tmp_path / "serve.log", env={"DMKG_WEB_PROCESSES": "1"})
    try:
        health = json.loads(server.get("/health").body)
        assert health["web_processes"] == 1 and health["workers"] == 2
    finally:
        stop_server(server)


def test_too_few_workers_for_the_web_processes_is_one_clear_error(tiny_store) -> None:
    command = [sys.executable, "-m", "server", "--store", str(tiny_store), "--web-processes", "2"]
    run = subprocess.run([*command, "--workers", "3"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "--web-processes 2 needs --workers 4 or more" in run.stderr and "Traceback" not in run.stderr


def test_defaults_one_web_process_per_cpu_with_two_workers_each(tiny_store, tmp_path) -> None:
    expected = max(1, min(os.cpu_count() or 1, 4))
    server = start_server(tiny_store, tmp_path / "serve.log")
    try:
        health = json.loads(server.get("/health").body)
        assert health["web_processes"] == expected and health["workers"] == 2
        deadline = time.monotonic() + 30
        while len(_processes(server.process.pid)[1]) < 2 * expected and time.monotonic() < deadline:
            time.sleep(0.2)
        web, workers = _processes(server.process.pid)
        assert (len(web), len(workers)) == (expected, 2 * expected)
    finally:
        stop_server(server)


@pytest.mark.parametrize(
    ("asked", "workers", "updates", "chosen"),
    [
        (None, None, False, (max(1, min(os.cpu_count() or 1, 4)), 2 * max(1, min(os.cpu_count() or 1, 4)))),
        (None, 2, False, (1, 2)),  # two workers given: one pool of two
        (None, 1, False, (1, 1)),
        (None, None, True, (1, 2)),  # updates stop every reader of the one pool first
        (3, None, False, (3, 6)),
        (2, 4, False, (2, 4)),
    ],
)
def test_how_processes_and_workers_are_chosen(asked, workers, updates, chosen) -> None:
    assert _processes_and_workers(asked, workers, updates) == chosen
