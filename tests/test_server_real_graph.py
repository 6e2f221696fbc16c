"""End to end: `dmkg serve` on the real built graph (the session's `built` fixture from conftest.py)
answers every named query like pyoxigraph in-process, resolves the letter's entities, and runs the
curl examples of server/README.md."""

from __future__ import annotations

import html
import json
import re
import subprocess
import urllib.parse
from xml.etree import ElementTree

import pyoxigraph as ox
import pytest
from server_fixtures import REPO, start_server, stop_server

from kg.catalogue import load_catalogue

README = REPO / "server" / "README.md"
BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture(scope="module")
def real(built, tmp_path_factory):
    server = start_server(
        built.store_path,
        tmp_path_factory.mktemp("real") / "serve.log",
        "--timeout",
        "20",
        env={"DMKG_CATALOGUE_DIR": json.dumps(str(REPO / "queries" / "catalogue"))},
    )
    yield server
    stop_server(server)


@pytest.mark.parametrize("query", load_catalogue(), ids=lambda q: q.name)
def test_named_query_matches_pyoxigraph(real, built, query) -> None:
    answer = real.get(f"/queries/{query.name}")
    assert answer.status == 200, answer.text
    expected = built.store().query(
        query.sparql, substitutions=query.bind({})
    )
    if isinstance(expected, ox.QueryBoolean):
        assert json.loads(answer.body)["boolean"] is bool(expected)
    elif isinstance(expected, ox.QueryTriples):
        assert len(list(ox.parse(answer.body, format=ox.RdfFormat.TURTLE))) == len(set(expected))
    else:
        assert len(json.loads(answer.body)["results"]["bindings"]) == len(list(expected))


def test_whole_graph_streams_complete_over_http(real, built) -> None:
    """Several MB of results (spooled by the worker, streamed by waitress) arrive whole."""
    query = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"
    xml = {"Accept": "application/sparql-results+xml"}
    answer = real.get("/sparql?" + urllib.parse.urlencode({"query": query}), headers=xml)
    assert answer.status == 200 and len(answer.body) > 1024 * 1024
    results = ElementTree.fromstring(answer.body).iter("{http://www.w3.org/2005/sparql-results#}result")
    assert sum(1 for _ in results) == len(list(built.store().query(query)))


def test_http_default_graph_returns_each_fact_once(real) -> None:
    query = """PREFIX dmkg: <https://w3id.org/dmkg/vocab/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?drug ?t WHERE { ?d dmkg:hasTarget ?x . ?d rdfs:label ?drug . ?x rdfs:label ?t }"""
    answer = real.get("/sparql?" + urllib.parse.urlencode({"query": query}), headers={"Accept": "text/csv"})
    rows = answer.text.strip().splitlines()[1:]
    assert answer.status == 200 and "infliximab,TNF-alpha" in rows and len(rows) == len(set(rows))


def test_rituximab_page_shows_the_letters_hedge(real) -> None:
    page = html.unescape(real.get("/id/rituximab", headers=BROWSER).text)
    sections = [
        s for s in page.split('<section class="claim">')[1:] if "claim-letter-rituximab-in-dm" in s[:600]
    ]
    assert len(sections) == 1 and "Modality: <strong>possible</strong> (cue: might)" in sections[0]


def test_efalizumab_page_has_evidence(real) -> None:
    answer = real.get("/id/efalizumab", headers=BROWSER)
    assert answer.status == 200
    page = html.unescape(answer.text)
    assert "<h1>efalizumab</h1>" in page
    assert 'href="http://identifiers.org/drugbank/DB00095">DRUGBANK:DB00095</a>' in page
    assert page.count("<blockquote>") >= 1 and "(reference " in page


def test_ui_lists_the_whole_catalogue(real) -> None:
    page = real.get("/").text
    examples = json.loads(re.search(r"const examples = (\[.*?\]);\n", page).group(1))
    assert [e["name"] for e in examples] == [q.title for q in load_catalogue()]


def readme_commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.startswith("curl ")]


def test_readme_has_curl_examples() -> None:
    assert len(readme_commands()) >= 8


@pytest.mark.parametrize("command", readme_commands())
def test_readme_curl_example(real, command) -> None:
    runnable = command.replace("http://127.0.0.1:8000", real.url)
    result = subprocess.run(["bash", "-c", runnable], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, (command, result.stderr)
    assert result.stdout.strip()
