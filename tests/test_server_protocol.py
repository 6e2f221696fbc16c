"""SPARQL 1.1 Protocol rules of /sparql: request forms, errors, negotiation, dataset, descriptions."""

from __future__ import annotations

import json
import os
import urllib.parse

import pyoxigraph as ox
import pytest
import rdflib
from server_fixtures import EFALIZUMAB, ONTOLOGY_GRAPH, ONTOLOGY_TRIPLES, TINY_TRIPLES

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SELECT_ONE = f"SELECT ?label WHERE {{ <{EFALIZUMAB}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"
CONSTRUCT = f"CONSTRUCT {{ <{EFALIZUMAB}> ?p ?o }} WHERE {{ <{EFALIZUMAB}> ?p ?o }}"
FORM = "application/x-www-form-urlencoded"


def count_of(response) -> int:
    return int(json.loads(response.data)["results"]["bindings"][0]["n"]["value"])


# --- the three query forms, over real HTTP ------------------------------------------------------------


def test_get_query_over_http(live) -> None:
    answer = live.get("/sparql?" + urllib.parse.urlencode({"query": SELECT_ONE}))
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/sparql-results+json"
    assert json.loads(answer.body)["results"]["bindings"][0]["label"]["value"] == "efalizumab"
    assert "eval;dur=" in answer.headers["server-timing"]


def test_post_form_over_http(live) -> None:
    body = urllib.parse.urlencode({"query": SELECT_ONE}).encode()
    answer = live.post("/sparql", body, {"Content-Type": FORM})
    assert answer.status == 200
    assert "efalizumab" in answer.text


def test_post_direct_over_http(live) -> None:
    answer = live.post("/sparql", SELECT_ONE.encode(), {"Content-Type": "application/sparql-query"})
    assert answer.status == 200
    assert "efalizumab" in answer.text


def test_trailing_slash_is_the_same_endpoint(client) -> None:
    response = client.get("/sparql/", query_string={"query": SELECT_ONE})
    assert response.status_code == 200


def test_percent_encoded_iri_is_decoded_once(client) -> None:
    # rdflib-endpoint's double decoding turned %20 into a space and broke the IRI
    query = "SELECT * WHERE { BIND(<http://example.org/a%20b> AS ?x) }"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200
    assert json.loads(response.data)["results"]["bindings"][0]["x"]["value"] == "http://example.org/a%20b"


# --- protocol errors --------------------------------------------------------------------------------


def test_query_twice_in_url_is_400(client) -> None:
    response = client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert response.status_code == 400
    assert "'query'" in response.text and "2 times" in response.text


def test_query_in_url_and_form_body_is_400(client) -> None:
    response = client.post("/sparql?query=ASK%7B%7D", data={"query": "ASK {}"}, content_type=FORM)
    assert response.status_code == 400
    assert "both in the URL and in the body" in response.text


def test_query_in_url_and_direct_body_is_400(client) -> None:
    response = client.post("/sparql?query=ASK%7B%7D", data="ASK {}", content_type="application/sparql-query")
    assert response.status_code == 400
    assert "URL parameter" in response.text


def test_missing_query_in_form_is_400(client) -> None:
    response = client.post("/sparql", data={"other": "x"}, content_type=FORM)
    assert response.status_code == 400
    assert "Missing the 'query'" in response.text


def test_empty_direct_body_is_400(client) -> None:
    response = client.post("/sparql", data="  ", content_type="application/sparql-query")
    assert response.status_code == 400


def test_unsupported_content_type_is_415(client) -> None:
    response = client.post("/sparql", data="ASK {}", content_type="text/plain")
    assert response.status_code == 415
    assert "application/sparql-query" in response.text


def test_wrong_method_is_405_with_allow(client) -> None:
    response = client.put("/sparql", data="ASK {}", content_type="application/sparql-query")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"] and "POST" in response.headers["Allow"]


def test_syntax_error_is_400_with_position(live) -> None:
    answer = live.get("/sparql?" + urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p }"}))
    assert answer.status == 400
    assert answer.headers["content-type"].startswith("text/plain")
    assert "error at 1:" in answer.text
    assert "Traceback" not in answer.text


def test_not_utf8_body_is_400(client) -> None:
    response = client.post("/sparql", data=b"ASK { \xff }", content_type="application/sparql-query")
    assert response.status_code == 400
    assert "UTF-8" in response.text


def test_update_sent_as_query_is_a_syntax_error(client) -> None:
    response = client.get("/sparql", query_string={"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"})
    assert response.status_code == 400


# --- content negotiation ---------------------------------------------------------------------------

SELECT_CASES = [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv; charset=utf-8"),
    ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
    ("text/*", "text/csv; charset=utf-8"),
    ("application/sparql-results+xml;q=0.5, text/csv", "text/csv; charset=utf-8"),
    ("text/csv;q=0.2, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("application/sparql-results+xml, application/rdf+xml", "application/sparql-results+xml"),
    ("text/html, */*;q=0.1", "application/sparql-results+json"),
]


@pytest.mark.parametrize(("accept", "expected"), SELECT_CASES)
def test_select_negotiation(client, accept, expected) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", query_string={"query": SELECT_ONE}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == expected
    assert b"efalizumab" in response.data


CONSTRUCT_CASES = [
    (None, "text/turtle"),
    ("*/*", "text/turtle"),
    ("application/n-triples", "application/n-triples"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/ld+json", "application/ld+json"),
    ("application/n-quads", "application/n-quads"),
    ("application/trig", "application/trig"),
    ("application/sparql-results+xml, application/rdf+xml", "application/rdf+xml"),
    ("text/turtle;q=0.1, application/ld+json;q=0.9", "application/ld+json"),
]


@pytest.mark.parametrize(("accept", "expected"), CONSTRUCT_CASES)
def test_construct_negotiation_and_parse(client, accept, expected) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", query_string={"query": CONSTRUCT}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == expected
    parser = {
        "text/turtle": "turtle",
        "application/n-triples": "nt",
        "application/ld+json": "json-ld",
        "application/rdf+xml": "xml",
        "application/n-quads": "nquads",
        "application/trig": "trig",
    }[expected]
    if parser in ("nquads", "trig", "json-ld"):  # pyoxigraph's parsers (rdflib's warn on datasets)
        quads = list(ox.parse(response.data, format=ox.RdfFormat.from_media_type(expected)))
        assert len(quads) == 7
    else:
        assert len(rdflib.Graph().parse(data=response.data, format=parser)) == 7


@pytest.mark.parametrize("query", [SELECT_ONE, "ASK { ?s ?p ?o }"])
def test_results_forms_406_names_result_types(client, query) -> None:
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/turtle"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text and "text/csv" in response.text


def test_construct_406_names_rdf_types(client) -> None:
    headers = {"Accept": "application/sparql-results+json"}
    response = client.get("/sparql", query_string={"query": CONSTRUCT}, headers=headers)
    assert response.status_code == 406
    assert "text/turtle" in response.text and "application/ld+json" in response.text


def test_html_only_is_406(client) -> None:
    response = client.get("/sparql", query_string={"query": SELECT_ONE}, headers={"Accept": "text/html"})
    assert response.status_code == 406


def test_ask_in_csv_and_xml(client) -> None:
    for accept in ("application/sparql-results+xml", "application/sparql-results+json"):
        response = client.get(
            "/sparql", query_string={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": accept}
        )
        assert response.status_code == 200
        assert b"true" in response.data


# --- dataset: union default graph, protocol graphs, FROM --------------------------------------------


def test_default_graph_is_the_union(client) -> None:
    assert count_of(client.get("/sparql", query_string={"query": COUNT})) == TINY_TRIPLES


def test_default_graph_uri_restricts_the_default_graph(client) -> None:
    response = client.get("/sparql", query_string={"query": COUNT, "default-graph-uri": ONTOLOGY_GRAPH})
    assert count_of(response) == ONTOLOGY_TRIPLES


def test_named_graph_uri_only_gives_an_empty_default_graph(client) -> None:
    response = client.get("/sparql", query_string={"query": COUNT, "named-graph-uri": ONTOLOGY_GRAPH})
    assert count_of(response) == 0
    in_graphs = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = client.get("/sparql", query_string={"query": in_graphs, "named-graph-uri": ONTOLOGY_GRAPH})
    assert count_of(response) == ONTOLOGY_TRIPLES


def test_protocol_graphs_override_from(client) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{ONTOLOGY_GRAPH}> WHERE {{ ?s ?p ?o }}"
    other = "https://w3id.org/dmkg/graph/letter/provenance"
    assert count_of(client.get("/sparql", query_string={"query": query})) == ONTOLOGY_TRIPLES
    assert count_of(client.get("/sparql", query_string={"query": query, "default-graph-uri": other})) == 1


def test_graph_uris_in_form_body(client) -> None:
    data = {"query": COUNT, "default-graph-uri": ONTOLOGY_GRAPH}
    assert count_of(client.post("/sparql", data=data, content_type=FORM)) == ONTOLOGY_TRIPLES


def test_bad_graph_uri_names_the_parameter(client) -> None:
    response = client.get("/sparql", query_string={"query": COUNT, "named-graph-uri": "not an iri"})
    assert response.status_code == 400
    assert "named-graph-uri" in response.text


# --- size limits ------------------------------------------------------------------------------------


def test_body_over_limit_is_413(client) -> None:
    query = "ASK {} #" + "x" * (1024 * 1024)
    response = client.post("/sparql", data=query, content_type="application/sparql-query")
    assert response.status_code == 413


def test_url_over_limit_is_414(client) -> None:
    query = "ASK {} #" + "x" * (70 * 1024)
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 414
    assert "POST" in response.text


def test_result_over_cap_is_413_over_http(live) -> None:
    query = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"  # 47 x 47 rows, far over the 20 kB cap
    answer = live.get("/sparql?" + urllib.parse.urlencode({"query": query}))
    assert answer.status == 413
    assert "larger than the limit" in answer.text and "LIMIT" in answer.text
    small = live.get("/sparql?" + urllib.parse.urlencode({"query": query + " LIMIT 3"}))
    assert small.status == 200 and len(json.loads(small.body)["results"]["bindings"]) == 3


# --- service description, VoID, health, CORS, access log --------------------------------------------


def test_service_description(live) -> None:
    answer = live.get("/sparql", headers={"Accept": "text/turtle"})
    assert answer.status == 200
    graph = rdflib.Graph().parse(data=answer.body, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = next(graph.subjects(rdflib.RDF.type, sd.Service))
    assert (service, sd.endpoint, rdflib.URIRef(live.url + "/sparql")) in graph
    assert (service, sd.feature, sd.UnionDefaultGraph) in graph
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in graph
    assert (service, sd.supportedLanguage, sd.SPARQL11Update) not in graph
    names = set(graph.objects(None, sd.name))
    assert rdflib.URIRef(ONTOLOGY_GRAPH) in names and len(names) == 5


def test_service_description_in_json_ld(client) -> None:
    response = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/ld+json"
    assert len(list(ox.parse(response.data, format=ox.RdfFormat.JSON_LD))) > 10


def test_browser_on_the_endpoint_goes_to_the_ui(client) -> None:
    response = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/")


def test_void(live) -> None:
    answer = live.get("/.well-known/void")
    assert answer.status == 200 and answer.headers["content-type"] == "text/turtle"
    graph = rdflib.Graph().parse(data=answer.body, format="turtle")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    dataset = next(graph.subjects(rdflib.RDF.type, void.Dataset))
    assert graph.value(dataset, void.triples).toPython() == TINY_TRIPLES
    assert graph.value(dataset, rdflib.DCTERMS.license) is not None
    assert graph.value(dataset, void.sparqlEndpoint) == rdflib.URIRef(live.url + "/sparql")
    classes = {graph.value(p, void["class"]) for p in graph.objects(dataset, void.classPartition)}
    assert rdflib.URIRef("https://w3id.org/dmkg/vocab/Drug") in classes
    properties = {graph.value(p, void.property) for p in graph.objects(dataset, void.propertyPartition)}
    assert rdflib.RDFS.label in properties
    subsets = list(graph.objects(dataset, void.subset))
    assert len(subsets) == 5


def test_health(live) -> None:
    answer = live.get("/health")
    assert answer.status == 200
    body = json.loads(answer.body)
    assert body["status"] == "ok" and body["workers"] == 2


def test_cors_default_any_origin_without_credentials(live) -> None:
    answer = live.get("/sparql?query=ASK%7B%7D", headers={"Origin": "https://example.org"})
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in answer.headers


def test_cors_preflight(client) -> None:
    response = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_cors_can_be_restricted(tiny_store) -> None:
    from server import create_app

    app = create_app({"STORE_PATH": str(tiny_store), "CORS_ORIGINS": ["https://good.example"]})
    with app.test_client() as client:
        good = client.get("/sparql", headers={"Origin": "https://good.example", "Accept": "text/turtle"})
        evil = client.get("/sparql", headers={"Origin": "https://evil.example", "Accept": "text/turtle"})
    app.extensions["dmkg_pool"].close()
    assert "Access-Control-Allow-Origin" not in evil.headers
    assert good.headers["Access-Control-Allow-Origin"] == "https://good.example"


def test_access_log_has_a_line_per_request(live) -> None:
    live.get("/sparql?query=ASK%7B%7D&marker=access-log-probe")
    assert '"GET /sparql?query=ASK%7B%7D&marker=access-log-probe" 200' in live.log()


def test_no_stack_trace_on_internal_error(client, app) -> None:
    # a broken worker pool (store path gone) must answer plainly, not with a traceback
    from server import create_app

    broken = create_app({"STORE_PATH": "/nonexistent/store", "ACCESS_LOG": False})
    response = broken.test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 503
    assert "Traceback" not in response.text and "cannot open the store" in response.text


# --- Graph Store Protocol (read) ------------------------------------------------------------------


def test_graph_store_get_named_graph(client) -> None:
    response = client.get("/store", query_string={"graph": ONTOLOGY_GRAPH}, headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/turtle"
    assert len(rdflib.Graph().parse(data=response.data, format="turtle")) == ONTOLOGY_TRIPLES


def test_graph_store_get_default_is_the_union(client) -> None:
    response = client.get("/store?default", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert len(rdflib.Graph().parse(data=response.data, format="nt")) == TINY_TRIPLES


def test_graph_store_errors(client) -> None:
    assert client.get("/store").status_code == 400
    assert client.get("/store", query_string={"graph": "not an iri"}).status_code == 400
    missing = client.get("/store", query_string={"graph": "https://w3id.org/dmkg/graph/nothing"})
    assert missing.status_code == 404


def test_large_result_is_spooled_and_streamed_complete(tiny_store) -> None:
    """A result past the spool threshold travels through a temporary file and arrives whole."""
    from server import create_app
    from server.executor import SPOOL_THRESHOLD

    app = create_app({"STORE_PATH": str(tiny_store), "QUERY_WORKERS": 1, "ACCESS_LOG": False})
    query = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } LIMIT 20000"
    try:
        response = app.test_client().get("/sparql", query_string={"query": query})
        assert response.status_code == 200
        assert int(response.headers["Content-Length"]) == len(response.data) > SPOOL_THRESHOLD
        assert len(json.loads(response.data)["results"]["bindings"]) == 20000
        pool = app.extensions["dmkg_pool"]
        assert os.listdir(pool.spool_dir) == []  # the spooled file is gone once sent
    finally:
        app.extensions["dmkg_pool"].close()
