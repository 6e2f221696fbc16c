"""Real SPARQL clients against the running server: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from server_fixtures import EFALIZUMAB, TINY_TRIPLES
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

LABEL = f"SELECT ?label WHERE {{ <{EFALIZUMAB}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"


def wrapper(live, query: str, fmt, method=None) -> SPARQLWrapper:
    client = SPARQLWrapper(live.url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    if method:
        client.setMethod(method)
    client.setTimeout(15)
    return client


def test_sparqlwrapper_select_json_get_and_post(live) -> None:
    for method in (None, POST):
        result = wrapper(live, LABEL, JSON, method).queryAndConvert()
        assert result["results"]["bindings"][0]["label"]["value"] == "efalizumab"


def test_sparqlwrapper_select_xml_and_csv(live) -> None:
    xml = wrapper(live, LABEL, XML).queryAndConvert()
    assert "efalizumab" in xml.toxml()
    csv = wrapper(live, LABEL, CSV).queryAndConvert()
    assert csv.decode().splitlines() == ["label", "efalizumab"]


def test_sparqlwrapper_ask_and_construct(live) -> None:
    assert wrapper(live, "ASK { ?s ?p ?o }", JSON).queryAndConvert()["boolean"] is True
    graph = wrapper(live, "CONSTRUCT WHERE { ?s ?p ?o }", TURTLE).queryAndConvert()
    parsed = rdflib.Graph().parse(data=graph, format="turtle") if isinstance(graph, bytes) else graph
    assert len(parsed) == TINY_TRIPLES


def test_rdflib_sparqlstore(live) -> None:
    graph = rdflib.Graph(store=SPARQLStore(live.url + "/sparql", returnFormat="json", method="POST"))
    labels = [str(row.label) for row in graph.query(LABEL)]
    assert labels == ["efalizumab"]
    assert (rdflib.URIRef(EFALIZUMAB), rdflib.RDFS.label, None) in graph
    assert len(list(graph.triples((rdflib.URIRef(EFALIZUMAB), None, None)))) == 7
