"""Rebuilding while a server runs is an ordinary workflow: the server moves to the new store by itself
without failing a request, and a store a running server uses is never pruned (issue 10)."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from server_fixtures import start_server, stop_server

from kg.store import load_store

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?p ?q ?r }"


def build(directory: Path, label: str, triples: int = 40) -> Path:
    """What `dmkg build` does to the store: a new store directory, the link swapped, old ones pruned."""
    nquads = directory / f"{label}.nq"
    lines = [f'<https://e/{label}/{i}> <https://e/p> "{label}" .' for i in range(triples)]  # default graph
    nquads.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_store(nquads, directory / "store")


def served_label(server) -> str:
    answer = server.get(
        "/sparql?" + urllib.parse.urlencode({"query": "SELECT DISTINCT ?o WHERE { ?s ?p ?o }"})
    )
    assert answer.status == 200, answer.text
    return json.loads(answer.body)["results"]["bindings"][0]["o"]["value"]


def wait_until_served(server, label: str, seconds: float = 20) -> None:
    """Until 10 answers in a row come from the store ``label``: with several web processes each moves
    to the new store by itself, within about a second of its next request."""
    deadline, in_a_row = time.monotonic() + seconds, 0
    while in_a_row < 10 and time.monotonic() < deadline:
        in_a_row = in_a_row + 1 if served_label(server) == label else 0
        if in_a_row == 0:
            time.sleep(0.2)
    assert in_a_row == 10, f"not every web process serves {label!r} after {seconds:g} s"


@pytest.mark.parametrize(
    "processes", [["--workers", "2"], ["--web-processes", "2", "--workers", "4"]], ids=["one", "two"]
)
def test_rebuilds_while_serving_fail_no_request(tmp_path, processes) -> None:
    first = build(tmp_path, "first")
    server = start_server(tmp_path / "store", tmp_path / "serve.log", "--timeout", "1", *processes)
    failures: list[str] = []
    stop = threading.Event()

    def hammer() -> None:  # an ordinary client the whole time (bounded: at most 2 000 requests)
        for _ in range(2000):
            if stop.is_set():
                return
            answer = server.get("/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}))
            if answer.status != 200:
                failures.append(f"{answer.status} {answer.text}")

    client = threading.Thread(target=hammer)
    try:
        assert served_label(server) == "first"
        client.start()
        # two builds in a row: the served store is neither the new one nor the one it replaced
        second = build(tmp_path, "second")
        third = build(tmp_path, "third")
        assert first.is_dir() and second.is_dir() and third.is_dir()  # `first` is leased by the server
        # queries that hit the time limit: their workers are replaced, on a store that must still exist
        for _ in range(2):
            assert server.get("/sparql?" + urllib.parse.urlencode({"query": SLOW})).status == 503
        wait_until_served(server, "third")  # moved by itself, no restart
        build(tmp_path, "fourth")
        wait_until_served(server, "fourth")
        # the stores nobody serves any more are pruned by the next build; the served one stays
        build(tmp_path, "fifth")
        assert not first.exists() and not second.exists()
        health = server.get("/health")
        assert health.status == 200
    finally:
        stop.set()
        if client.is_alive():
            client.join(30)
        stop_server(server)
    assert failures == []


def test_a_store_under_a_lease_is_never_pruned(tmp_path) -> None:
    """The lease is a lock held by the serving process: pruning respects it, and it dies with its holder."""
    from kg.lease import Lease, in_use

    first = build(tmp_path, "first")
    lease = Lease(first)
    build(tmp_path, "second")
    build(tmp_path, "third")
    assert first.is_dir() and in_use(first)
    lease.release()
    assert not in_use(first)
    build(tmp_path, "fourth")
    assert not first.exists()


def test_a_killed_server_leaves_no_lease(tmp_path) -> None:
    from kg.lease import in_use

    first = build(tmp_path, "first")
    server = start_server(tmp_path / "store", tmp_path / "serve.log", "--workers", "1")
    try:
        assert in_use(first)
    finally:
        server.process.kill()
        server.process.wait(10)
    # granian's web process holds the lease; the kernel kills it when dmkg serve dies (PDEATHSIG),
    # a moment later: bounded wait for that, not for anything slower
    deadline = time.monotonic() + 10
    while in_use(first) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not in_use(first)
