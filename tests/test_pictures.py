"""Pictures and pages for people on the real graph, through a real `dmkg serve`: the mechanism graph
(Graphviz SVG over the claims, each edge with predicate, modality, references and its claim), the
evidence summary, the treatment timeline, and the named queries as HTML forms with CSV downloads."""

from __future__ import annotations

import csv
import io
import json
import re
from xml.etree import ElementTree

import pytest
from server_fixtures import REPO, start_server, stop_server

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
MODALITIES = {"stated as fact", "probable", "possible", "hypothesis", "unclear", "curator inference"}


@pytest.fixture(scope="module")
def real(built, tmp_path_factory):
    server = start_server(
        built.store_path,
        tmp_path_factory.mktemp("pictures") / "serve.log",
        "--workers",
        "2",
        env={"DMKG_CATALOGUE_DIR": json.dumps(str(REPO / "queries" / "catalogue"))},
    )
    yield server
    stop_server(server)


def _svg(real, path: str) -> ElementTree.Element:
    answer = real.get(path)
    assert answer.status == 200, answer.text
    assert answer.headers["content-type"].startswith("image/svg+xml")
    return ElementTree.fromstring(answer.body)


def _edges(root: ElementTree.Element) -> list[dict]:
    edges = []
    for group in root.iter(SVG + "g"):
        if "edge" in (group.get("class") or "").split():
            link = next(group.iter(SVG + "a"))
            edges.append({"text": [t.text for t in group.iter(SVG + "text")], "href": link.get(XLINK)})
    return edges


def _claim_modality(built, claim_local: str) -> str:
    rows = built.select(
        """PREFIX dmkg: <https://w3id.org/dmkg/vocab/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?claim ?label WHERE { ?claim dmkg:hasModality/rdfs:label ?label }""",
        claim=__import__("pyoxigraph").NamedNode("https://w3id.org/dmkg" + claim_local),
    )
    return rows[0]["label"] if rows else "modality not recorded"


def test_mechanism_graph_of_efalizumab_reaches_dermatomyositis_with_each_edges_modality(real, built) -> None:
    root = _svg(real, "/pictures/mechanism/id/efalizumab.svg")
    assert "efalizumab" in root.find(SVG + "title").text and root.find(SVG + "desc").text
    nodes = {
        t.text
        for g in root.iter(SVG + "g")
        if "node" in (g.get("class") or "").split()
        for t in g.iter(SVG + "title")
    }
    assert {"efalizumab", "CD11a", "LFA-1", "LFA-1/ICAM-1 interaction", "dermatomyositis"} <= nodes
    edges = _edges(root)
    assert len(edges) >= 7
    for edge in edges:
        assert edge["href"].startswith("/id/claim-"), edge
        text = " ".join(edge["text"])
        modality = _claim_modality(built, edge["href"])
        assert modality in MODALITIES, (edge, modality)
        assert modality in text and ("refs " in text or "no reference cited" in text), edge
    labels = [" ".join(e["text"]) for e in edges]
    assert any(label.startswith("has target") for label in labels)
    assert any(label.startswith("implicated in") and "refs 4, 16" in label for label in labels), labels


def test_mechanism_graph_is_on_drug_target_process_and_disease_pages(real) -> None:
    for entity in ("efalizumab", "cd11a", "lymphocyte-skin-homing", "dermatomyositis"):
        page = real.get(f"/id/{entity}", headers=BROWSER).text
        assert 'id="mechanism"' in page and 'aria-labelledby="mechanism-title"' in page, entity
        assert f'href="/pictures/mechanism/id/{entity}.svg"' in page
    png = real.get("/pictures/mechanism/id/efalizumab.png")
    assert png.status == 200 and png.body.startswith(b"\x89PNG\r\n\x1a\n")
    missing = real.get("/pictures/mechanism/id/no-such-thing.svg")
    assert missing.status == 404 and "No mechanism graph" in missing.text


def test_evidence_summary_on_disease_and_drug_pages(real) -> None:
    page = real.get("/id/dermatomyositis", headers=BROWSER).text
    table = page[
        page.index('<table class="evidence-summary">') : page.index(
            "</table>", page.index("evidence-summary")
        )
    ]
    for heading in ("direction", "study design", "evidence level", "modality", "patients"):
        assert f'<th scope="col">{heading}</th>' in table
    assert (
        '<a href="/id/efalizumab">efalizumab</a>' in table
        and '<a href="/id/rituximab">rituximab</a>' in table
    )
    assert "case report" in table and "OCEBM level 4" in table
    drug = real.get("/id/efalizumab", headers=BROWSER).text
    assert (
        '<table class="evidence-summary">' in drug
        and '<a href="/id/allergic-asthma">allergic asthma</a>' in drug
    )


def test_named_queries_are_html_for_a_browser_and_json_for_programs(real) -> None:
    listing = real.get("/queries", headers=BROWSER)
    assert listing.headers["content-type"].startswith("text/html")
    assert 'id="q-treatment-timeline"' in listing.text and "<select" in listing.text
    assert '<option value="dmkgid:efalizumab" selected>efalizumab</option>' in listing.text
    api = json.loads(real.get("/queries").body)
    assert "treatment-timeline" in {q["name"] for q in api["queries"]}
    page = real.get(
        "/queries/mechanism-path?drug=dmkgid%3Aefalizumab&disease=dmkgid%3Adermatomyositis", headers=BROWSER
    )
    assert page.status == 200 and '<table class="answer">' in page.text
    assert '<a href="/id/dermatomyositis"' in page.text
    results = real.get("/queries/mechanism-path", headers={"Accept": "application/sparql-results+json"})
    assert json.loads(results.body)["results"]["bindings"]
    bad = real.get("/queries/mechanism-path?drug=nope%20x", headers=BROWSER)
    assert bad.status == 400 and 'role="alert"' in bad.text and "parameter &#39;drug&#39;" in bad.text


def test_named_query_answer_downloads_as_csv(real, built) -> None:
    answer = real.get("/queries/treatment-timeline.csv?case=dmkgid%3Acase")
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/csv")
    assert 'filename="treatment-timeline.csv"' in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert rows and {"step", "drug"} <= set(rows[0])
    assert real.get("/queries/drug-summary.csv").status == 406  # a graph, not a table
    assert real.get("/queries/nothing.csv").status == 404


def test_case_page_lists_its_courses_in_step_order(real) -> None:
    page = real.get("/id/case", headers=BROWSER).text
    relations = page[
        page.index('<table class="relations">') : page.index("</table>", page.index("relations"))
    ]
    steps: dict[str, list[int]] = {}
    for predicate, step in re.findall(
        r"<tr><td><a [^>]*>([^<]+)</a></td><td><a [^>]*>step (\d+):", relations
    ):
        steps.setdefault(predicate, []).append(int(step))
    assert steps["has treatment regimen"] == [1, 2, 3, 4]
    assert all(numbers == sorted(numbers) for numbers in steps.values()), steps
