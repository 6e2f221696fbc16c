"""`dmkg serve` on the real graph offers the case as a GA4GH Phenopacket: a link on the case's page,
`?format=phenopacket` and `Accept: application/phenopacket+json`; the document is the export's."""

from __future__ import annotations

import html

import phenopackets as pp
import pytest
from google.protobuf import json_format
from server_fixtures import start_server, stop_server

from kg.exports.phenopacket import build_phenopacket

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
PHENOPACKET = {"Accept": "application/phenopacket+json"}


@pytest.fixture(scope="module")
def served(built, tmp_path_factory):
    server = start_server(built.store_path, tmp_path_factory.mktemp("served") / "serve.log")
    yield server
    stop_server(server)


def test_case_page_links_its_phenopacket(served) -> None:
    page = html.unescape(served.get("/id/case", headers=BROWSER).text)
    assert '<a class="phenopacket" href="/id/case?format=phenopacket"' in page
    assert 'rel="alternate" type="application/phenopacket+json"' in page
    assert "GA4GH Phenopacket" not in html.unescape(served.get("/id/efalizumab", headers=BROWSER).text)


@pytest.mark.parametrize(
    ("path", "headers"), [("/id/case?format=phenopacket", BROWSER), ("/id/case", PHENOPACKET)]
)
def test_case_phenopacket_by_parameter_and_by_accept(served, built, path, headers) -> None:
    answer = served.get(path, headers=headers)
    assert answer.status == 200 and answer.headers["content-type"] == "application/phenopacket+json"
    packet = json_format.Parse(answer.text, pp.Phenopacket())
    assert answer.body == build_phenopacket(built.store()).json()
    assert len(packet.medical_actions) == 7 and packet.diseases[0].term.id == "MONDO:0016367"


def test_rdf_and_html_are_still_negotiated_for_the_case(served) -> None:
    assert (
        served.get("/id/case", headers={"Accept": "text/turtle"})
        .headers["content-type"]
        .startswith("text/turtle")
    )
    assert served.get("/id/case", headers={"Accept": "*/*"}).headers["content-type"].startswith("text/html")


def test_a_phenopacket_of_a_non_case_is_not_acceptable(served) -> None:
    answer = served.get("/id/efalizumab?format=phenopacket", headers=BROWSER)
    assert answer.status == 406 and "not a dmkg:Case" in answer.text
