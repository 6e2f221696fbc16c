"""What a public endpoint must withstand: SSRF via SERVICE/LOAD, runaway queries, nesting bombs,
crashing workers, updates without permission. Real HTTP on loopback wherever the rule is about the
running server; a loopback listener is the witness that no outbound connection is ever opened."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse

import pytest
from server_fixtures import LIVE_TIMEOUT_S, TEST_CATALOGUE, TINY_TRIPLES, http, start_server, stop_server

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def query_url(live, query: str, **params: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query, **params})


def test_listener_would_see_pyoxigraph_federation(listener) -> None:
    """The witness works: plain pyoxigraph, outside the server, does connect to a SERVICE on loopback."""
    code = (
        "import pyoxigraph as ox\n"
        "try:\n"
        f"    list(ox.Store().query('SELECT * {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}'))\n"
        "except Exception:\n"
        "    pass\n"
    )
    subprocess.run([sys.executable, "-c", code], timeout=60, check=True)
    assert listener.connections, "pyoxigraph was expected to contact the SERVICE endpoint"


SERVICE_QUERIES = [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?x ?y ?z OPTIONAL {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ {{ ?x ?y ?z }} UNION {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "SELECT * WHERE {{ ?x ?y ?z FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "PREFIX remote: <{base}> SELECT * WHERE {{ SERVICE remote:sparql {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    "ASK {{ sErViCe <{url}> {{ ?s ?p ?o }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
]


@pytest.mark.parametrize("template", SERVICE_QUERIES)
def test_service_anywhere_is_400_and_nothing_connects(live, listener, template) -> None:
    query = template.format(url=listener.url, base=listener.url.removesuffix("sparql"))
    answer = live.get(query_url(live, query))
    assert answer.status == 400, answer.text
    assert "SERVICE" in answer.text
    form = live.post("/sparql", query.encode(), {"Content-Type": "application/sparql-query"})
    assert form.status == 400
    time.sleep(0.2)
    assert listener.connections == []


def test_the_word_service_in_a_literal_is_fine(live) -> None:
    query = 'SELECT ?x WHERE { BIND("the SERVICE keyword" AS ?x) }'
    assert live.get(query_url(live, query)).status == 200


def test_dataset_iris_never_fetched(live, listener) -> None:
    """FROM, default-graph-uri, named-graph-uri and DESCRIBE of a remote IRI: looked up in the store only."""
    for query, params in [
        (f"SELECT * FROM <{listener.url}> WHERE {{ ?s ?p ?o }}", {}),
        (f"SELECT * FROM NAMED <{listener.url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
        ("SELECT * WHERE { ?s ?p ?o }", {"default-graph-uri": listener.url}),
        ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": listener.url}),
        (f"DESCRIBE <{listener.url}>", {}),
    ]:
        answer = live.get(query_url(live, query, **params))
        assert answer.status == 200, answer.text
    time.sleep(0.2)
    assert listener.connections == []


def test_update_and_load_are_403_and_nothing_connects(live, listener) -> None:
    for body, content_type in [
        (urllib.parse.urlencode({"update": f"LOAD <{listener.url}>"}), "application/x-www-form-urlencoded"),
        (f"LOAD <{listener.url}>", "application/sparql-update"),
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "application/sparql-update"),
        ("DELETE WHERE { ?s ?p ?o }", "application/sparql-update"),
    ]:
        answer = live.post("/sparql", body.encode(), {"Content-Type": content_type})
        assert answer.status == 403, answer.text
        assert "read-only" in answer.text
    time.sleep(0.2)
    assert listener.connections == []
    count = live.get(query_url(live, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
    assert json.loads(count.body)["results"]["bindings"][0]["n"]["value"] == str(TINY_TRIPLES)


def test_graph_store_writes_are_403(live) -> None:
    for method in ("PUT", "POST", "DELETE"):
        answer = http(
            live.url + "/store?default", data=b"<urn:a> <urn:b> <urn:c> .", method=method,
            headers={"Content-Type": "text/turtle"},
        )  # fmt: skip
        assert answer.status == 403, (method, answer.text)


def test_update_over_get_is_400(live) -> None:
    answer = live.get("/sparql?" + urllib.parse.urlencode({"update": "DELETE WHERE { ?s ?p ?o }"}))
    assert answer.status == 400


def test_timeout_stops_the_query_and_the_server_keeps_serving(live) -> None:
    started = time.monotonic()
    results: dict[str, object] = {}

    def slow() -> None:
        results["slow"] = live.get(query_url(live, CARTESIAN), timeout=30)

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)
    quick = live.get(query_url(live, "ASK { ?s ?p ?o }"))  # the other worker answers meanwhile
    assert quick.status == 200
    thread.join(30)
    elapsed = time.monotonic() - started
    slow_answer = results["slow"]
    assert slow_answer.status == 503
    assert "timed out" in slow_answer.text and f"{LIVE_TIMEOUT_S:g} s" in slow_answer.text
    assert elapsed < LIVE_TIMEOUT_S + 3
    # the killed worker is replaced: the pool is whole again and keeps answering
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        health = json.loads(live.get("/health").body)
        if health["idle"] == health["workers"] and health["replaced"] >= 1:
            break
        time.sleep(0.1)
    assert health["replaced"] >= 1 and health["idle"] == 2
    for _ in range(4):
        assert live.get(query_url(live, "ASK { ?s ?p ?o }")).status == 200


def test_named_query_timeout_too(live) -> None:
    answer = live.get("/queries/sleep")
    assert answer.status == 503 and "timed out" in answer.text


def _descendants_cpu_seconds(root: int) -> float:
    """CPU time (user + system) used so far by every descendant of ``root`` (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry)] = int(fields[1])
    family, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - family
        family |= frontier
    ticks = 0
    for pid in family:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def test_timed_out_work_really_stops(live) -> None:
    """After a timeout nothing under the server keeps burning CPU: the worker was killed, not abandoned."""
    assert live.get(query_url(live, CARTESIAN)).status == 503
    time.sleep(0.5)
    before = _descendants_cpu_seconds(live.process.pid)
    time.sleep(1.5)
    used = _descendants_cpu_seconds(live.process.pid) - before
    assert used < 0.5, f"the server's processes used {used:.2f} s of CPU while idle"


def test_nesting_bomb_is_refused_and_server_survives(live) -> None:
    bomb = "SELECT * WHERE { FILTER(" + "(" * 7000 + "1" + ")" * 7000 + ") }"  # ~15 kB
    for answer in (
        live.post("/sparql", bomb.encode(), {"Content-Type": "application/sparql-query"}),
        live.post("/sparql", ("SELECT * WHERE " + "{" * 7000 + "}" * 7000).encode(),
                  {"Content-Type": "application/sparql-query"}),
    ):  # fmt: skip
        assert answer.status == 400
        assert "nested" in answer.text
    assert live.get("/health").status == 200


def test_crashing_worker_is_replaced(tiny_store) -> None:
    """With the shape guard switched off, a deep enough bomb overflows the worker's evaluation stack: the
    client gets a clear 400 (the query is the cause, never a 500), and the pool replaces the worker so
    the next queries succeed."""
    from server import create_app

    app = create_app({"STORE_PATH": str(tiny_store), "QUERY_WORKERS": 1, "MAX_NESTING_DEPTH": 10**7,
                      "MAX_QUERY_OPERATORS": 10**7, "ACCESS_LOG": False,
                      "QUERY_TIMEOUT_S": 20.0})  # fmt: skip
    client = app.test_client()
    try:
        bomb = "SELECT * WHERE { FILTER(" + "(" * 400_000 + "1" + ")" * 400_000 + ") }"
        response = client.post("/sparql", data=bomb, content_type="application/sparql-query")
        assert response.status_code == 400, response.text
        assert "overflowed the query worker's stack" in response.text
        assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
        assert app.extensions["dmkg_pool"].replaced == 1
    finally:
        app.extensions["dmkg_pool"].close()


def test_busy_pool_answers_503_not_a_hang(tiny_store) -> None:
    from server import create_app
    from server.app_engine import get_pool
    from server.errors import QueryTimeoutError
    from server.worker import QueryTask

    app = create_app({"STORE_PATH": str(tiny_store), "QUERY_WORKERS": 1, "QUERY_TIMEOUT_S": 1.0,
                      "QUERY_QUEUE_WAIT_S": 1.0, "ACCESS_LOG": False})  # fmt: skip
    with app.app_context():
        pool = get_pool()
    try:
        blocker = threading.Thread(
            target=lambda: pytest.raises(QueryTimeoutError, pool.run, QueryTask(CARTESIAN), 4.0)
        )
        blocker.start()
        time.sleep(0.2)
        started = time.monotonic()
        response = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
        assert response.status_code == 503
        assert "busy" in response.text and response.headers["Retry-After"]
        assert time.monotonic() - started < 2
        blocker.join(10)
    finally:
        pool.close()


def test_updates_need_the_token_and_never_load(store_copy, listener) -> None:
    from server import create_app

    app = create_app({"STORE_PATH": str(store_copy), "ENABLE_UPDATES": True, "UPDATE_TOKEN": "s3cret-token",
                      "QUERY_WORKERS": 1, "ACCESS_LOG": False})  # fmt: skip
    client = app.test_client()
    insert = "INSERT DATA { <urn:dmkg:test> <urn:dmkg:p> 'added' }"
    try:
        no_token = client.post("/sparql", data=insert, content_type="application/sparql-update")
        assert no_token.status_code == 401 and "Bearer" in no_token.headers["WWW-Authenticate"]
        wrong = client.post("/sparql", data=insert, content_type="application/sparql-update",
                            headers={"Authorization": "Bearer s3cret-tokeN"})  # fmt: skip
        assert wrong.status_code == 401
        good = {"Authorization": "Bearer s3cret-token"}
        load = client.post("/sparql", data=f"LOAD <{listener.url}>", content_type="application/sparql-update",
                           headers=good)  # fmt: skip
        assert load.status_code == 403 and "LOAD" in load.text
        service = f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"
        assert client.post("/sparql", data={"update": service}, headers=good).status_code == 400
        done = client.post("/sparql", data=insert, content_type="application/sparql-update", headers=good)
        assert done.status_code == 204, done.text
        ask = client.get("/sparql", query_string={"query": "ASK { <urn:dmkg:test> <urn:dmkg:p> 'added' }"})
        assert json.loads(ask.data)["boolean"] is True
        sd = client.get("/sparql", headers={"Accept": "text/turtle"})
        assert b"SPARQL11Update" in sd.data
    finally:
        app.extensions["dmkg_pool"].close()
    time.sleep(0.2)
    assert listener.connections == []


def test_updates_enabled_without_token_stay_read_only(store_copy) -> None:
    from server import create_app

    app = create_app({"STORE_PATH": str(store_copy), "ENABLE_UPDATES": True, "UPDATE_TOKEN": None})
    response = app.test_client().post(
        "/sparql", data="INSERT DATA { <urn:a> <urn:b> <urn:c> }", content_type="application/sparql-update"
    )
    assert response.status_code == 403


def test_serve_refuses_updates_without_a_token(tiny_store, tmp_path) -> None:
    with pytest.raises(RuntimeError, match="needs a token"):
        server = start_server(tiny_store, tmp_path / "log", "--enable-updates")
        stop_server(server)


def test_allow_listed_service_is_the_only_exception(tiny_store, tmp_path, listener) -> None:
    """An operator's allow-list lets exactly that endpoint through (and then pyoxigraph does connect)."""
    other = f"http://127.0.0.1:{listener.port}/other"
    server = start_server(tiny_store, tmp_path / "log", "--allow-remote", listener.url, "--timeout", "3",
                          env={"DMKG_CATALOGUE_DIR": f'"{TEST_CATALOGUE}"'})  # fmt: skip
    try:
        refused = server.get(query_url(server, f"SELECT * WHERE {{ SERVICE <{other}> {{ ?s ?p ?o }} }}"))
        assert refused.status == 400 and listener.url in refused.text
        time.sleep(0.2)
        assert listener.connections == []
        server.get(query_url(server, f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"))
        assert listener.connections  # the allow-listed endpoint was contacted
    finally:
        stop_server(server)


def test_update_waits_for_running_queries(store_copy) -> None:
    """No reader is open while the writer writes: an update that cannot get every worker is not applied."""
    from server import create_app
    from server.app_engine import get_pool
    from server.errors import QueryTimeoutError
    from server.worker import QueryTask

    app = create_app({"STORE_PATH": str(store_copy), "ENABLE_UPDATES": True, "UPDATE_TOKEN": "t",
                      "QUERY_WORKERS": 1, "QUERY_TIMEOUT_S": 1.0, "ACCESS_LOG": False})  # fmt: skip
    with app.app_context():
        pool = get_pool()
    client = app.test_client()
    insert = "INSERT DATA { <urn:dmkg:late> <urn:dmkg:p> 1 }"
    headers = {"Authorization": "Bearer t"}
    try:
        blocker = threading.Thread(
            target=lambda: pytest.raises(QueryTimeoutError, pool.run, QueryTask(CARTESIAN), 2.5)
        )
        blocker.start()
        time.sleep(0.2)
        busy = client.post("/sparql", data=insert, content_type="application/sparql-update", headers=headers)
        assert busy.status_code == 503 and "not applied" in busy.text
        blocker.join(10)
        done = client.post("/sparql", data=insert, content_type="application/sparql-update", headers=headers)
        assert done.status_code == 204
        ask = client.get("/sparql", query_string={"query": "ASK { <urn:dmkg:late> ?p ?o }"})
        assert json.loads(ask.data)["boolean"] is True
    finally:
        pool.close()


def test_graph_store_writes_with_updates_enabled(store_copy) -> None:
    """PUT creates or replaces a graph, POST adds to it, DELETE drops it; all behind the token."""
    from server import create_app

    app = create_app({"STORE_PATH": str(store_copy), "ENABLE_UPDATES": True, "UPDATE_TOKEN": "s3cret-token",
                      "QUERY_WORKERS": 1, "ACCESS_LOG": False})  # fmt: skip
    client = app.test_client()
    good = {"Authorization": "Bearer s3cret-token"}
    graph = {"graph": "https://example.org/g/notes"}
    turtle = "@prefix ex: <https://example.org/> . ex:a ex:says 'first' ."

    def triples() -> set[tuple[str, str]]:
        answer = client.get("/store", query_string=graph, headers={"Accept": "application/n-triples"})
        return {tuple(line.split(" ", 2)[1:]) for line in answer.text.splitlines() if line} \
            if answer.status_code == 200 else set()

    try:
        assert (
            client.put("/store", query_string=graph, data=turtle, content_type="text/turtle").status_code
            == 401
        )
        created = client.put(
            "/store", query_string=graph, data=turtle, content_type="text/turtle", headers=good
        )
        assert created.status_code == 201, created.text
        assert triples() == {("<https://example.org/says>", '"first" .')}
        second = "<https://example.org/a> <https://example.org/says> 'second' ."
        added = client.post("/store", query_string=graph, data=second, content_type="text/turtle",
                            headers=good)  # fmt: skip
        assert added.status_code == 204 and len(triples()) == 2
        replaced = client.put("/store", query_string=graph, data=turtle.replace("first", "third"),
                              content_type="text/turtle", headers=good)  # fmt: skip
        assert replaced.status_code == 204 and triples() == {("<https://example.org/says>", '"third" .')}
        bad = client.put(
            "/store", query_string=graph, data="not turtle {", content_type="text/turtle", headers=good
        )
        assert bad.status_code == 400 and "not valid text/turtle" in bad.text
        quads = client.put(
            "/store", query_string=graph, data="", content_type="application/n-quads", headers=good
        )
        assert quads.status_code == 415
        assert client.delete("/store", query_string=graph, headers=good).status_code == 204
        assert client.get("/store", query_string=graph).status_code == 404
        assert client.delete("/store", query_string=graph, headers=good).status_code == 404
    finally:
        app.extensions["dmkg_pool"].close()


def test_graph_store_writes_are_403_when_read_only(client) -> None:
    answer = client.put("/store", query_string={"graph": "https://example.org/g"}, data="",
                        content_type="text/turtle")  # fmt: skip
    assert answer.status_code == 403 and "read-only" in answer.text


def test_worker_that_died_while_idle_is_replaced_without_failing_a_query(tiny_store) -> None:
    """The pool does not check each worker's liveness per request; a worker killed while idle is found
    when the task cannot be handed to it, and the query goes to a fresh worker instead of failing."""
    import os
    import signal

    from server import create_app
    from server.app_engine import get_pool

    app = create_app({"STORE_PATH": str(tiny_store), "QUERY_WORKERS": 1, "ACCESS_LOG": False})
    with app.app_context():
        pool = get_pool()
    try:
        client = app.test_client()
        assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
        idle = pool._idle.get_nowait()  # the pool's one worker, idle: look at it and put it back
        pool._idle.put(idle)
        os.kill(idle.process.pid, signal.SIGKILL)
        idle.process.join(5)
        response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
        assert response.status_code == 200, response.text
        assert response.json["boolean"] is True
        assert pool.replaced == 1
    finally:
        pool.close()
