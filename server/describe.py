"""What the endpoint and its data are: the SPARQL 1.1 Service Description and a VoID description.

Both are RDF built as pyoxigraph triples and written by pyoxigraph's serialisers in the negotiated
format. The statistics (graphs, triple counts, classes, properties) are computed once per process by
queries through the worker pool: the store is read-only, so they cannot drift while we serve it.
"""

from __future__ import annotations

import threading

from flask import Response, current_app, redirect, request, url_for
from pyoxigraph import BlankNode, Literal, NamedNode, Triple, serialize

from server.app_engine import get_pool
from server.errors import NotAcceptableError
from server.formats import GRAPH_TYPES, best_graph_type

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCTERMS = "http://purl.org/dc/terms/"
FORMATS = "http://www.w3.org/ns/formats/"
XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")

_RESULT_FORMATS = [
    "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
    "Turtle", "N-Triples", "RDF_XML", "JSON-LD", "N-Quads", "TriG",
]  # fmt: skip

STATS_TIMEOUT_S = 120.0
_stats_lock = threading.Lock()


def _node(iri: str) -> NamedNode:
    return NamedNode(iri)


def _count(n: int) -> Literal:
    return Literal(str(n), datatype=XSD_INTEGER)


def store_stats() -> dict:
    """Graph, class and property counts of the served store, computed once per app."""
    app = current_app._get_current_object()
    with _stats_lock:
        stats = app.extensions.get("dmkg_stats")
        if stats is None:
            pool = get_pool()
            select = pool.select
            graphs = select(
                "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
                STATS_TIMEOUT_S,
            )
            total = select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", STATS_TIMEOUT_S)
            classes = select(
                "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) } "
                "GROUP BY ?c ORDER BY ?c",
                STATS_TIMEOUT_S,
            )
            properties = select(
                "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p", STATS_TIMEOUT_S
            )
            licences = select(
                "SELECT DISTINCT ?l WHERE { ?d a <http://rdfs.org/ns/void#Dataset> ; "
                "<http://purl.org/dc/terms/license> ?l FILTER(isIRI(?l)) }",
                STATS_TIMEOUT_S,
            )
            parts = select(
                "SELECT ?d ?g ?c WHERE { GRAPH ?i { ?g <http://purl.org/dc/terms/isPartOf> ?d } "
                "OPTIONAL { ?d <http://purl.org/dc/terms/bibliographicCitation> ?c } } ORDER BY ?d ?g",
                STATS_TIMEOUT_S,
            )
            documents: dict[str, dict] = {}
            for r in parts:
                citation = r.get("c", {}).get("value")
                doc = documents.setdefault(r["d"]["value"], {"citation": citation, "graphs": []})
                doc["graphs"].append(r["g"]["value"])
            stats = {
                "documents": documents,
                "graphs": [
                    (r["g"]["value"], int(r["n"]["value"])) for r in graphs if r["g"]["type"] == "uri"
                ],
                "triples": int(total[0]["n"]["value"]) if total else 0,
                "classes": [(r["c"]["value"], int(r["n"]["value"])) for r in classes],
                "properties": [(r["p"]["value"], int(r["n"]["value"])) for r in properties],
                "licences": [r["l"]["value"] for r in licences],
            }
            app.extensions["dmkg_stats"] = stats
    return stats


def _negotiated_graph(triples: list[Triple]) -> Response:
    media_type = best_graph_type(request.accept_mimetypes)
    if media_type is None:
        raise NotAcceptableError(
            "No acceptable media type for this RDF description; the Accept header must allow one of: "
            + ", ".join(GRAPH_TYPES)
        )
    fmt = GRAPH_TYPES[media_type]
    prefixes = {"sd": SD, "void": VOID, "dcterms": DCTERMS, "formats": FORMATS}
    body = serialize(triples, format=fmt, prefixes=prefixes)
    response = Response(body, content_type=fmt.media_type)
    response.headers["Vary"] = "Accept"
    return response


def service_description() -> Response:
    """SPARQL 1.1 Service Description for GET /sparql without a query; a browser is sent to the UI."""
    accept = request.accept_mimetypes
    if (
        accept.best_match(["text/turtle", "text/html"]) == "text/html"
        and accept["text/html"] > accept["text/turtle"]
    ):
        return redirect(url_for("ui.index"))
    endpoint = _node(request.base_url)
    service = BlankNode()
    triples = [
        Triple(service, RDF_TYPE, _node(SD + "Service")),
        Triple(service, _node(SD + "endpoint"), endpoint),
        Triple(service, _node(SD + "supportedLanguage"), _node(SD + "SPARQL11Query")),
        Triple(service, _node(SD + "feature"), _node(SD + "UnionDefaultGraph")),
        Triple(
            service, _node(SD + "defaultEntailmentRegime"), _node("http://www.w3.org/ns/entailment/Simple")
        ),
    ]
    if current_app.config["ENABLE_UPDATES"] and current_app.config["UPDATE_TOKEN"]:
        triples.append(Triple(service, _node(SD + "supportedLanguage"), _node(SD + "SPARQL11Update")))
    triples += [
        Triple(service, _node(SD + "resultFormat"), _node(FORMATS + name)) for name in _RESULT_FORMATS
    ]
    stats = store_stats()
    dataset, default_graph = BlankNode(), BlankNode()
    triples += [
        Triple(service, _node(SD + "defaultDataset"), dataset),
        Triple(dataset, RDF_TYPE, _node(SD + "Dataset")),
        Triple(dataset, _node(SD + "defaultGraph"), default_graph),
        Triple(default_graph, RDF_TYPE, _node(SD + "Graph")),
        Triple(default_graph, _node(VOID + "triples"), _count(stats["triples"])),
    ]
    for graph_iri, count in stats["graphs"]:
        named, graph = BlankNode(), BlankNode()
        triples += [
            Triple(dataset, _node(SD + "namedGraph"), named),
            Triple(named, RDF_TYPE, _node(SD + "NamedGraph")),
            Triple(named, _node(SD + "name"), _node(graph_iri)),
            Triple(named, _node(SD + "graph"), graph),
            Triple(graph, RDF_TYPE, _node(SD + "Graph")),
            Triple(graph, _node(VOID + "triples"), _count(count)),
        ]
    return _negotiated_graph(triples)


def void_description() -> Response:
    """VoID: the dataset, its licence, its named graphs with counts, class and property partitions."""
    config = current_app.config
    stats = store_stats()
    dataset = _node(request.base_url + "#dataset")
    base = str(config["BASE_IRI"]).rstrip("/")
    licences = stats["licences"] or ([config["DATASET_LICENSE"]] if config["DATASET_LICENSE"] else [])
    triples = [
        Triple(dataset, RDF_TYPE, _node(VOID + "Dataset")),
        Triple(dataset, _node(DCTERMS + "title"), Literal(str(config["DATASET_TITLE"]))),
        Triple(dataset, _node(VOID + "sparqlEndpoint"), _node(request.url_root + "sparql")),
        Triple(dataset, _node(VOID + "uriSpace"), Literal(base + "/id/")),
        Triple(dataset, _node(VOID + "vocabulary"), _node(base + "/vocab/")),
        Triple(dataset, _node(VOID + "triples"), _count(stats["triples"])),
        Triple(dataset, _node(VOID + "classes"), _count(len(stats["classes"]))),
        Triple(dataset, _node(VOID + "properties"), _count(len(stats["properties"]))),
    ]
    triples += [Triple(dataset, _node(DCTERMS + "license"), _node(licence)) for licence in licences]
    subsets = {}
    for graph_iri, count in stats["graphs"]:
        subset = subsets[graph_iri] = BlankNode()
        triples += [
            Triple(dataset, _node(VOID + "subset"), subset),
            Triple(subset, RDF_TYPE, _node(VOID + "Dataset")),
            Triple(subset, _node(SD + "name"), _node(graph_iri)),
            Triple(subset, _node(VOID + "triples"), _count(count)),
        ]
    counts = dict(stats["graphs"])
    for document, about in stats["documents"].items():
        # one subset per source document, made of the assertion graphs of its files
        subset = BlankNode()
        triples += [
            Triple(dataset, _node(VOID + "subset"), subset),
            Triple(subset, RDF_TYPE, _node(VOID + "Dataset")),
            Triple(subset, _node(DCTERMS + "source"), _node(document)),
            Triple(subset, _node(VOID + "triples"), _count(sum(counts.get(g, 0) for g in about["graphs"]))),
        ]
        if about["citation"]:
            triples.append(Triple(subset, _node(DCTERMS + "title"), Literal(about["citation"])))
        triples += [Triple(subset, _node(VOID + "subset"), subsets[g])
                    for g in about["graphs"] if g in subsets]
    partitions = [("classPartition", "class", "entities", stats["classes"]),
                  ("propertyPartition", "property", "triples", stats["properties"])]
    for link, key, measure, counts in partitions:
        for iri, count in counts:
            partition = BlankNode()
            triples += [
                Triple(dataset, _node(VOID + link), partition),
                Triple(partition, _node(VOID + key), _node(iri)),
                Triple(partition, _node(VOID + measure), _count(count)),
            ]
    return _negotiated_graph(triples)
