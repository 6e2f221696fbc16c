"""Linked data: minted IRIs resolve to HTML for browsers and RDF by Accept."""

from __future__ import annotations

import html

import pyoxigraph as ox
import pytest
import rdflib
from server_fixtures import EFALIZUMAB

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_html_page_shows_the_entity(live) -> None:
    answer = live.get("/id/drug/efalizumab", headers=BROWSER)
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/html")
    page = html.unescape(answer.text)
    assert "<h1>efalizumab</h1>" in page
    assert "A humanised monoclonal antibody against CD11a." in page  # definition
    assert 'href="/vocab/Drug"' in page and ">drug<" in page  # type, by label, resolvable locally
    assert 'href="http://identifiers.org/drugbank/DB00095">DRUGBANK:DB00095</a>' in page  # xref as link
    assert 'href="http://id.nlm.nih.gov/mesh/C417263">MESH:C417263</a>' in page
    assert "DRUGBANK:DB00095</a>" in page
    assert 'href="/id/target/cd11a"' in page and "CD11a (integrin alpha L)" in page  # outgoing, labelled
    assert 'href="/id/case/course-1"' in page  # incoming


def test_html_page_shows_the_evidence(live) -> None:
    page = html.unescape(live.get("/id/drug/efalizumab", headers=BROWSER).text)
    assert "Efalizumab binds CD11a." in page
    assert "<blockquote>efalizumab, a humanised antibody to CD11a</blockquote>" in page
    assert "the letter" in page  # source, by label
    assert "(reference 4)" in page and "assignment verified" in page


def test_html_is_escaped(client) -> None:
    page = client.get("/id/drug/efalizumab", headers=BROWSER).text
    assert "<script" not in page.lower()


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [("text/turtle", "turtle"), ("application/ld+json", None), ("application/n-triples", "nt")],
)
def test_rdf_by_accept(live, accept, fmt) -> None:
    answer = live.get("/id/drug/efalizumab", headers={"Accept": accept})
    assert answer.status == 200 and answer.headers["content-type"] == accept
    assert "Accept" in answer.headers["vary"]
    if fmt is None:
        triples = [q.triple for q in ox.parse(answer.body, format=ox.RdfFormat.JSON_LD)]
        subjects = {str(t.subject.value) for t in triples}
        assert EFALIZUMAB in subjects and len(triples) == 9
    else:
        graph = rdflib.Graph().parse(data=answer.body, format=fmt)
        assert (
            rdflib.URIRef(EFALIZUMAB),
            rdflib.RDFS.label,
            rdflib.Literal("efalizumab", lang="en"),
        ) in graph
        assert len(graph) == 9  # 7 outgoing + 2 incoming


def test_vocab_term_resolves(client) -> None:
    response = client.get("/vocab/Drug", headers=BROWSER)
    assert response.status_code == 200
    assert "<h1>drug</h1>" in response.text
    assert "/id/drug/efalizumab" in response.text  # instances refer to the class


def test_unknown_entity_is_404(client) -> None:
    assert client.get("/id/drug/nothing-here", headers=BROWSER).status_code == 404
    assert client.get("/id/drug/nothing-here", headers={"Accept": "text/turtle"}).status_code == 404


def test_unacceptable_is_406(client) -> None:
    response = client.get("/id/drug/efalizumab", headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 406 and "text/turtle" in response.text


def test_base_iri_is_configurable(tiny_store) -> None:
    from server import create_app

    app = create_app({"STORE_PATH": str(tiny_store), "BASE_IRI": "https://example.org/elsewhere"})
    try:
        response = app.test_client().get("/id/drug/efalizumab", headers=BROWSER)
        assert response.status_code == 404  # the data's IRIs are under w3id.org, not the configured base
    finally:
        app.extensions["dmkg_pool"].close()
