"""``dmkg publish`` over the Graph Store Protocol to real engines on loopback.

Oxigraph server (anonymous, load-then-swap through its update endpoint), dmkg's own endpoint with a
bearer token (PUT in place), and faults: nothing listening, refused credentials, a connection
dropped midway — each a clear error naming the graph, and a re-run that completes the job.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from remote_fixtures import FaultProxy, start_oxigraph
from server_fixtures import REPO, free_port, start_server, stop_server

from kg.publish import DEFAULT_GRAPH, RELEASE_GRAPH, PublishError, manifest_graphs, publish
from kg.remote_http import Credentials

NT = ox.RdfFormat.N_TRIPLES


def local_counts(store_path: Path) -> dict[str, int]:
    store = ox.Store.read_only(str(store_path))
    counts = {g.value: len(list(store.quads_for_pattern(None, None, None, g))) for g in store.named_graphs()}
    default = len(list(store.quads_for_pattern(None, None, None, ox.DefaultGraph())))
    # an empty default graph is published as what dmkg serves for it: the union of the graphs
    counts[DEFAULT_GRAPH] = default or len({(q.subject, q.predicate, q.object) for q in store})
    return counts


def engine_graphs(query_url: str) -> dict[str, int]:
    """Triples per named graph as the engine itself reports them (its SPARQL endpoint, not GSP)."""
    answer = httpx.post(
        query_url,
        data={"query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    answer.raise_for_status()
    return {row["g"]["value"]: int(row["n"]["value"]) for row in answer.json()["results"]["bindings"]}


@pytest.fixture()
def oxigraph(tmp_path: Path):
    engine = start_oxigraph(tmp_path / "oxigraph")
    yield engine
    engine.stop()


def test_publish_swaps_in_every_graph_and_verifies(tiny_store: Path, oxigraph) -> None:
    report = publish(tiny_store, oxigraph.gsp_url, update_url=oxigraph.update_url)
    expected = local_counts(tiny_store)
    assert report.swapped
    assert {g: n for g, n in report.graphs.items() if g != RELEASE_GRAPH} == expected
    on_engine = engine_graphs(oxigraph.query_url)
    assert {g: n for g, n in on_engine.items() if g != RELEASE_GRAPH} == expected  # no staging graph left
    manifest = httpx.get(
        oxigraph.gsp_url, params={"graph": RELEASE_GRAPH}, headers={"Accept": "application/n-triples"}
    )
    assert set(manifest_graphs(manifest.content)) == set(expected)


def test_publishing_twice_leaves_the_same_data_and_drops_what_a_release_lost(
    tiny_store: Path, oxigraph, tmp_path: Path
) -> None:
    bigger = tmp_path / "bigger"
    store = ox.Store(str(bigger))
    store.extend(ox.Store.read_only(str(tiny_store)))
    store.add(
        ox.Quad(
            ox.NamedNode("urn:x"), ox.NamedNode("urn:y"), ox.Literal("z"), ox.NamedNode("urn:extra-graph")
        )
    )
    store.flush()
    del store
    publish(bigger, oxigraph.gsp_url, update_url=oxigraph.update_url)
    assert "urn:extra-graph" in engine_graphs(oxigraph.query_url)
    first = publish(tiny_store, oxigraph.gsp_url, update_url=oxigraph.update_url)
    assert first.dropped == ["urn:extra-graph"]
    after_first = engine_graphs(oxigraph.query_url)
    second = publish(tiny_store, oxigraph.gsp_url, update_url=oxigraph.update_url)
    assert second.dropped == [] and second.release == first.release
    assert engine_graphs(oxigraph.query_url) == after_first
    assert "urn:extra-graph" not in after_first


def test_cli_publish_reports_graphs(tiny_store: Path, oxigraph) -> None:
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "dmkg"),
            "publish",
            "--to",
            oxigraph.gsp_url,
            "--store",
            str(tiny_store),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "https://w3id.org/dmkg/graph/ontology" in done.stdout
    assert "each graph PUT in place" in done.stderr


def test_nothing_listening_names_the_graph_and_the_failure(tiny_store: Path) -> None:
    with pytest.raises(PublishError) as error:
        publish(tiny_store, f"http://127.0.0.1:{free_port()}/store")
    assert f"<{RELEASE_GRAPH}>" in str(error.value) and "cannot connect" in str(error.value)


def test_bearer_token_to_dmkg_and_refused_credentials(tiny_store: Path, tmp_path: Path) -> None:
    target = tmp_path / "target"
    target_store = ox.Store(str(target))
    target_store.flush()
    del target_store
    token = tmp_path / "token"
    token.write_text("s3cret-token\n")
    server = start_server(
        target, tmp_path / "serve.log", "--enable-updates", "--update-token-file", str(token)
    )
    try:
        with pytest.raises(PublishError) as refused:
            publish(tiny_store, server.url + "/store", credentials=Credentials("bearer", None, "wrong"))
        message = str(refused.value)
        assert "refused the credentials (401 " in message and "graph <https://w3id.org/dmkg/graph/" in message
        report = publish(
            tiny_store,
            server.url + "/store",
            credentials=Credentials("bearer", None, "s3cret-token"),
            update_url=server.url + "/sparql",
        )
        assert {g: n for g, n in report.graphs.items() if g != RELEASE_GRAPH} == local_counts(tiny_store)
    finally:
        stop_server(server)


def test_dropped_connection_midway_then_a_rerun_completes(tiny_store: Path, oxigraph) -> None:
    port = int(oxigraph.gsp_url.rsplit(":", 1)[1].split("/")[0])
    proxy = FaultProxy(port)
    try:
        proxy.mode = "drop"
        with pytest.raises(PublishError) as dropped:
            publish(tiny_store, proxy.url("/store"), update_url=proxy.url("/update"))
        assert "dropped the connection" in str(dropped.value) and "graph <" in str(dropped.value)
        proxy.mode = "error"
        with pytest.raises(PublishError) as error_page:
            publish(tiny_store, proxy.url("/store"))
        assert "answered 500" in str(error_page.value) and "Proxy Error" in str(error_page.value)
        proxy.mode = "forward"
        report = publish(tiny_store, proxy.url("/store"), update_url=proxy.url("/update"))
        assert {g: n for g, n in report.graphs.items() if g != RELEASE_GRAPH} == local_counts(tiny_store)
    finally:
        proxy.close()
