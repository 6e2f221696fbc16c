"""Search over the real graph: the FTS5 index `dmkg build` writes beside the store, `dmkg search` on the
command line and `GET /search` on a real `dmkg serve` give the same ranked answers; bad input gets a
clear answer and never a 500; the index always belongs to the store the link names."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest
from server_fixtures import REPO, start_server, stop_server

from kg.search_index import MAX_QUERY_CHARS, SearchError, build_for_store, index_path, search
from kg.store import load_store, write_nquads

ID = "https://w3id.org/dmkg/id/"
DMKG = [str(Path(sys.executable).with_name("dmkg"))]


@pytest.fixture(scope="module")
def real(built, tmp_path_factory):
    server = start_server(
        built.store_path,
        tmp_path_factory.mktemp("search") / "serve.log",
        "--workers",
        "2",
        env={"DMKG_CATALOGUE_DIR": json.dumps(str(REPO / "queries" / "catalogue"))},
    )
    yield server
    stop_server(server)


def test_build_writes_the_index_beside_the_store_it_indexes(built) -> None:
    store_dir = built.store_path.resolve()
    assert index_path(built.store_path) == store_dir.with_name(store_dir.name + ".search.sqlite")
    assert index_path(built.store_path).is_file()


@pytest.mark.parametrize(
    "words, entity",
    [
        ("CD11a", "cd11a"),
        ("ITGAL", "cd11a"),
        ("DB00095", "efalizumab"),
        ("HP:0002015", "dysphagia"),
        ("efalizumab", "efalizumab"),
        ("Gottron papules", "gottron-papules"),
        ("LFA1", "lfa-1"),
    ],
)
def test_labels_synonyms_and_identifiers_find_their_entity_first(built, words, entity) -> None:
    hits = search(index_path(built.store_path), words)
    assert hits and hits[0].iri == ID + entity, [h.iri for h in hits[:5]]


def test_a_word_of_a_quote_finds_the_sentence_and_its_claim(built) -> None:
    hits = search(index_path(built.store_path), "gottron")
    assert hits[0].iri == ID + "gottron-papules" and hits[0].kind == "phenotype"
    claim = next(h for h in hits if h.kind == "claim")
    assert "Gottron papules" in claim.label
    assert "<mark>Gottron</mark>" in claim.snippet_html


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "type a word"),
        ("   ", "type a word"),
        ('"*()^:', "type a word"),
        ("x" * (MAX_QUERY_CHARS + 1), "at most"),
        (" ".join(["w"] * 13), "at most 12"),
    ],
)
def test_bad_input_is_refused_with_a_reason(built, text, message) -> None:
    with pytest.raises(SearchError, match=message):
        search(index_path(built.store_path), text)


@pytest.mark.parametrize(
    "text",
    [
        'gottron" OR "x',
        "NEAR(gottron papules)",
        "gottron*",
        "'; DROP TABLE entries; --",
        "label:gottron",
        "gottron AND NOT papules",
    ],
)
def test_fts_operators_and_injection_are_read_as_words(built, text) -> None:
    hits = search(index_path(built.store_path), text)
    assert all(isinstance(h.label, str) for h in hits)
    assert search(index_path(built.store_path), "gottron")[0].iri == ID + "gottron-papules"  # index intact


def test_cli_gives_the_same_results(built) -> None:
    result = subprocess.run(
        [*DMKG, "search", "--store", str(built.store_path), "--format", "json", "gottron"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    cli = [r["iri"] for r in json.loads(result.stdout)["results"]]
    assert cli == [h.iri for h in search(index_path(built.store_path), "gottron")]
    table = subprocess.run(
        [*DMKG, "search", "--store", str(built.store_path), "ITGAL"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert table.returncode == 0 and "dmkgid:cd11a" in table.stdout
    empty = subprocess.run(
        [*DMKG, "search", "--store", str(built.store_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert empty.returncode == 2 and "type a word" in empty.stderr and "Traceback" not in empty.stderr


def test_http_search_json_matches_the_index(real, built) -> None:
    answer = real.get("/search?q=HP%3A0002015", headers={"Accept": "application/json"})
    assert answer.status == 200
    results = json.loads(answer.body)["results"]
    assert results[0]["iri"] == ID + "dysphagia" and results[0]["href"] == "/id/dysphagia"
    assert [r["iri"] for r in json.loads(real.get("/search?q=gottron&format=json").body)["results"]] == [
        h.iri for h in search(index_path(built.store_path), "gottron")
    ]


def test_http_search_html_shows_ranked_snippets(real) -> None:
    page = real.get("/search?q=gottron", headers={"Accept": "text/html"}).text
    assert page.index('href="/id/gottron-papules"') < page.index("claim-letter-dm-phenotype-gottron")
    assert "<mark>Gottron</mark> papules" in page
    assert 'role="search"' in page and 'name="q"' in page


@pytest.mark.parametrize(
    "query",
    ["", "%22%2A%28%29", "x" * 300, "%27%3B+DROP+TABLE+entries", "a%00b", "%F0%9F%98%80", "NEAR%28a+b%29"],
)
def test_http_bad_input_never_a_500(real, query) -> None:
    for accept in ("text/html", "application/json"):
        answer = real.get(f"/search?q={query}", headers={"Accept": accept})
        assert answer.status in (200, 400), (query, accept, answer.status, answer.text[:300])
        if answer.status == 400:
            assert "Traceback" not in answer.text and (
                "type a word" in answer.text or "at most" in answer.text
            )
    assert real.get("/search?q=a&limit=abc").status == 400
    assert real.get("/search?q=a&limit=1000&format=json").status == 400


def test_search_box_is_on_every_page(real) -> None:
    for path in ("/", "/id/efalizumab", "/drugs", "/queries", "/search"):
        page = real.get(path, headers={"Accept": "text/html"}).text
        assert '<form role="search" method="get" action="/search"' in page, path
        for link in ('href="/id/case"', 'href="/drugs"', 'href="/queries/reference-list"'):
            assert link in page, (path, link)


def test_the_index_is_swapped_with_the_store_and_old_ones_pruned(tmp_path: Path) -> None:
    link = tmp_path / "store"
    written = []
    for n in range(3):
        label = ox.Quad(ox.NamedNode(f"https://w3id.org/dmkg/id/x{n}"),
                        ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal(f"word{n}"))
        dump = write_nquads([label], tmp_path / f"d{n}.nq")
        written.append(load_store(dump, link, sidecar=build_for_store))
        assert [h.iri for h in search(index_path(link), f"word{n}")] == [f"https://w3id.org/dmkg/id/x{n}"]
    sidecars = sorted(p.name for p in (tmp_path / "stores").glob("*.search.sqlite"))
    assert sidecars == sorted(p.name + ".search.sqlite" for p in written[1:])


def test_a_store_without_an_index_is_indexed_by_the_server(built, tmp_path) -> None:
    """A store copied without its index (or built by other means) is indexed once by the server."""
    store = tmp_path / "copy"
    shutil.copytree(built.store_path.resolve(), store)
    assert not index_path(store).exists()
    server = start_server(store, tmp_path / "serve.log")
    try:
        answer = server.get("/search?q=" + urllib.parse.quote("ITGAL") + "&format=json")
        assert answer.status == 200
        assert json.loads(answer.body)["results"][0]["iri"] == ID + "cd11a"
    finally:
        stop_server(server)
    assert not index_path(store).exists()  # the store's folder is left as it was
