"""The endpoint under abuse (issue 10): syntax-tree bombs, memory hogs, a pool kept busy by
pathological queries, idle connections, a port already taken, hostile IRIs in pages. Real servers on
loopback or the app with its real worker pool; every loop bounded."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

import pytest
from server_fixtures import REPO, start_server, stop_server

BOMBS = {
    "not": "ASK { FILTER(" + "!" * 10_000 + "true) }",
    "and": "ASK { FILTER(" + " && ".join(["true"] * 10_000) + ") }",
    "sequence path": "ASK { ?s " + "/".join(["<http://e/p>"] * 10_000) + " ?o }",
    "alternative path": "ASK { ?s " + "|".join(["<http://e/p>"] * 20_000) + " ?o }",
    "minus": "ASK { ?s ?p ?o " + " ".join(["MINUS { ?s ?p ?o }"] * 3_000) + " }",
    "bind": "ASK { " + " ".join(f"BIND(1 AS ?v{i})" for i in range(3_000)) + " }",
}
# 300 × 300 × 100 solutions sorted: several GB if nothing stops it
MEMORY_HOG = (
    "SELECT * WHERE { VALUES ?a { " + " ".join(map(str, range(300))) + " } VALUES ?b { "
    + " ".join(map(str, range(300))) + " } VALUES ?c { " + " ".join(map(str, range(100)))
    + " } } ORDER BY ?c ?b ?a"
)  # fmt: skip
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def sparql_post(live, query: str):
    return live.post("/sparql", query.encode(), {"Content-Type": "application/sparql-query"})


@pytest.mark.parametrize("name", list(BOMBS))
def test_syntax_tree_bombs_are_400_before_any_worker(live, name) -> None:
    """Not only brackets: every deep or huge expression is refused by the guard with a clear 400."""
    before = json.loads(live.get("/health").body)["replaced"]
    answer = sparql_post(live, BOMBS[name])
    assert answer.status == 400, answer.text
    assert "syntax tree is too large" in answer.text and "1000 operators" in answer.text
    health = json.loads(live.get("/health").body)
    assert health["status"] == "ok" and health["replaced"] == before  # no worker died


def test_a_query_within_the_guard_still_runs(live) -> None:
    query = "ASK { FILTER(" + " && ".join(["true"] * 200) + ") }"
    answer = sparql_post(live, query)
    assert answer.status == 200 and json.loads(answer.body)["boolean"] is True


def test_memory_limit_per_worker_is_503_naming_the_limit(tiny_store) -> None:
    from server import create_app

    app = create_app({"STORE_PATH": str(tiny_store), "QUERY_WORKERS": 1, "QUERY_MEMORY_MB": 128,
                      "QUERY_TIMEOUT_S": 60.0, "ACCESS_LOG": False})  # fmt: skip
    client = app.test_client()
    try:
        response = client.post("/sparql", data=MEMORY_HOG, content_type="application/sparql-query")
        assert response.status_code == 503, response.text
        assert "more memory than the limit of 128 MiB per query worker" in response.text
        ask = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
        assert ask.status_code == 200 and ask.json["boolean"] is True
    finally:
        app.extensions["dmkg_pool"].close()


def test_an_ordinary_query_waits_for_a_worker_instead_of_503(tiny_store) -> None:
    """The wait for a free worker has its own budget: a query queued behind one that runs to the time
    limit is answered, not refused."""
    from server import create_app

    app = create_app({"STORE_PATH": str(tiny_store), "QUERY_WORKERS": 1, "QUERY_TIMEOUT_S": 1.0,
                      "QUERY_QUEUE_WAIT_S": 20.0, "ACCESS_LOG": False})  # fmt: skip
    client = app.test_client()
    try:
        blocker = threading.Thread(target=lambda: client.get("/sparql", query_string={"query": CARTESIAN}))
        blocker.start()
        time.sleep(0.3)
        response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
        assert response.status_code == 200, response.text
        blocker.join(10)
    finally:
        app.extensions["dmkg_pool"].close()


def test_known_pathological_queries_cannot_take_every_worker(tiny_store) -> None:
    """A query that hit the time limit may then occupy at most size - 1 workers: while copies of it are
    hammered in, ordinary queries keep being answered at once."""
    from server import create_app

    app = create_app({"STORE_PATH": str(tiny_store), "QUERY_WORKERS": 2, "QUERY_TIMEOUT_S": 1.0,
                      "QUERY_QUEUE_WAIT_S": 0.5, "ACCESS_LOG": False})  # fmt: skip
    client = app.test_client()
    try:
        assert client.get("/sparql", query_string={"query": CARTESIAN}).status_code == 503  # now known
        statuses: list[int] = []
        hammers = [
            threading.Thread(
                target=lambda: statuses.append(
                    client.get("/sparql", query_string={"query": CARTESIAN}).status_code
                )
            )
            for _ in range(4)
        ]
        for thread in hammers:
            thread.start()
        time.sleep(0.2)
        ordinary = [client.get("/sparql", query_string={"query": f"ASK {{ ?s ?p {i} }}"}) for i in range(10)]
        assert [r.status_code for r in ordinary] == [200] * 10, [r.text for r in ordinary]
        for thread in hammers:
            thread.join(10)
        assert set(statuses) == {503}  # the copies were stopped at the limit or refused as busy
    finally:
        app.extensions["dmkg_pool"].close()


@pytest.mark.parametrize("front", ["granian", "waitress"])
def test_idle_connections_cannot_lock_out_a_new_client(tiny_store, tmp_path, front) -> None:
    """1 100 connections that send nothing (past waitress's connection limit, and past granian's
    default backpressure of 1 024): a new client is still served, by either front end."""
    server = start_server(tiny_store, tmp_path / "serve.log", "--front", front)
    host, port = urllib.parse.urlsplit(server.url).netloc.split(":")
    idle: list[socket.socket] = []
    try:
        for _ in range(1100):
            sock = socket.create_connection((host, int(port)), timeout=5)
            idle.append(sock)
        answer = server.get("/health", timeout=8)
        assert answer.status == 200
    finally:
        for sock in idle:
            sock.close()
        stop_server(server)
    if front == "waitress":  # server/front.py made room by closing the least recently active ones
        assert "connection limit" in server.log() and "closed" in server.log()


def test_port_in_use_is_one_clear_line(live, tiny_store) -> None:
    port = urllib.parse.urlsplit(live.url).port
    second = subprocess.run(
        [sys.executable, "-m", "server", "--store", str(tiny_store), "--port", str(port)],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert second.returncode != 0
    assert "Traceback" not in second.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1


def test_a_stopped_server_leaves_no_temporary_files_or_workers(tiny_store, tmp_path) -> None:
    """SIGTERM stops the server like Ctrl-C: its workers end and its temporary directories go."""
    private = tmp_path / "tmp"
    private.mkdir()
    server = start_server(tiny_store, tmp_path / "serve.log", "--workers", "2", env={"TMPDIR": str(private)})
    try:
        assert server.get("/health").status == 200
        assert {"results", "workers"} <= {p.name.split("-")[1] for p in private.iterdir() if "-" in p.name}
    finally:
        stop_server(server)
    assert server.process.returncode == 0
    assert list(private.iterdir()) == []
