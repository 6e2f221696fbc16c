"""The named queries for people: an HTML page of the catalogue, a form per query (entities offered by
label), its answer as a table linking to the entity pages, and the answer as a CSV download.

Programs keep the JSON/SPARQL-results API at the same URLs (server.named decides by the Accept header
and owns the routes); the CSV download has its own URL, ``/queries/<name>.csv``, so a link can fetch it.
"""

from __future__ import annotations

import json
import re

from flask import Response, current_app, render_template, request
from pyoxigraph import NamedNode, RdfFormat, parse

from kg import curie
from kg.catalogue import NamedQuery, Param, ParameterError
from server.app_engine import get_pool
from server.build_cache import cached
from server.errors import BadRequestError
from server.links import local_href
from server.worker import QueryTask

TIMEOUT_S = 15.0
MAX_ROWS = 1000
MAX_OPTIONS = 300
OWL = "http://www.w3.org/2002/07/owl#"
# the classes of a parameter's default value, with their labels and how many entities each has
CLASSES_OF = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?default ?class (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?member) AS ?members) WHERE {
  ?default a/rdfs:subClassOf* ?class . ?member a/rdfs:subClassOf* ?class .
  OPTIONAL { ?class rdfs:label ?l }
  FILTER(STRSTARTS(STR(?class), "https://w3id.org/dmkg/vocab/"))
} GROUP BY ?default ?class ORDER BY DESC(?members)"""
MEMBERS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?class ?entity (SAMPLE(?l) AS ?label) WHERE { ?entity a/rdfs:subClassOf* ?class ; rdfs:label ?l }
GROUP BY ?class ?entity"""
KIND_OF = "SELECT ?default ?kind WHERE { ?default a ?kind }"
SAME_KIND = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?kind ?entity (SAMPLE(?l) AS ?label) WHERE {
  ?entity a ?kind ; rdfs:label ?l FILTER(STRSTARTS(STR(?entity), "https://w3id.org/dmkg/vocab/"))
} GROUP BY ?kind ?entity"""
LABELS = """SELECT ?entity (SAMPLE(?l) AS ?label)
WHERE { ?entity <http://www.w3.org/2000/01/rdf-schema#label> ?l } GROUP BY ?entity"""


def _shown(iri: str) -> str:
    return curie.compress_or_none(iri) or iri


def _options(param: Param) -> list[dict]:
    """Entities like the parameter's default, by label: members of the default's class named like the
    parameter (``drug``, ``disease``, ``diseaseA``, ``case``), else of its widest dmkg class; for a class
    or property default, the vocabulary's classes or properties of that kind."""

    def compute() -> list[dict]:
        default = param.parse(param.default)
        pool = get_pool()
        kinds = {
            r["kind"]["value"] for r in pool.select(KIND_OF, TIMEOUT_S, substitutions={"default": default})
        }
        schema = kinds & {OWL + "Class", OWL + "ObjectProperty", OWL + "DatatypeProperty"}
        if schema:
            rows = pool.select(SAME_KIND, TIMEOUT_S, substitutions={"kind": NamedNode(sorted(schema)[0])})
        else:
            classes = pool.select(CLASSES_OF, TIMEOUT_S, substitutions={"default": default})
            if not classes:
                return []
            wanted = re.sub(r"[A-Z]$", "", param.name).casefold()
            named = [c for c in classes if c.get("label", {}).get("value", "").casefold() == wanted]
            chosen = (named or classes)[0]["class"]["value"]
            rows = pool.select(MEMBERS, TIMEOUT_S, substitutions={"class": NamedNode(chosen)})
        options = {r["entity"]["value"]: r["label"]["value"] for r in rows}
        return [
            {"value": _shown(iri), "label": label}
            for iri, label in sorted(options.items(), key=lambda item: item[1].casefold())
        ][:MAX_OPTIONS]

    if param.type != "iri" or param.default is None:
        return []
    return cached("options", f"{param.name}={param.default}", compute)


def _form(query: NamedQuery, values: dict[str, str]) -> list[dict]:
    fields = []
    for param in query.params:
        current = values.get(param.name, param.default or "")
        options = _options(param)
        if options and current and current not in {o["value"] for o in options}:
            options = [{"value": current, "label": current}, *options]
        fields.append({"param": param, "value": current, "options": options})
    return fields


def _cell(term: dict, labels: dict[str, str], base: str) -> dict:
    if term["type"] == "uri":
        return {
            "text": labels.get(term["value"]) or _shown(term["value"]),
            "href": local_href(term["value"], base),
            "title": term["value"],
        }
    return {"text": term["value"], "href": "", "title": ""}


def _labels(iris: set[str]) -> dict[str, str]:
    if not iris:
        return {}
    values = " ".join(str(NamedNode(iri)) for iri in sorted(iris)[:MAX_ROWS])
    rows = get_pool().select(
        LABELS.replace("WHERE {", f"WHERE {{ VALUES ?entity {{ {values} }}", 1), TIMEOUT_S
    )
    return {r["entity"]["value"]: r["label"]["value"] for r in rows}


def answer_table(query: NamedQuery, bound: dict) -> dict:
    """Run the query with its bound parameters; rows of cells (IRIs shown by label, linked)."""
    base = str(current_app.config["BASE_IRI"]).rstrip("/")
    task = QueryTask(
        query.sparql,
        results_type="application/sparql-results+json",
        graph_type="application/n-triples",
        substitutions={var.value: term for var, term in bound.items()},
        max_bytes=int(current_app.config["MAX_RESULT_BYTES"]),
    )
    result = get_pool().run(task, float(current_app.config["QUERY_TIMEOUT_S"]))
    body = result.read_bytes()
    if result.form == "graph":
        names = ["subject", "predicate", "object"]
        rows = []
        for triple in parse(body, format=RdfFormat.N_TRIPLES):
            rows.append(
                {
                    n: {"type": "uri" if isinstance(t, NamedNode) else "literal", "value": t.value}
                    for n, t in zip(names, (triple.subject, triple.predicate, triple.object), strict=True)
                }
            )
    elif result.form == "ask":
        return {
            "columns": ["answer"],
            "rows": [[{"text": str(json.loads(body)["boolean"]).lower(), "href": ""}]],
            "truncated": False,
            "form": "ask",
        }
    else:
        data = json.loads(body)
        names, rows = data["head"]["vars"], data["results"]["bindings"]
    truncated = len(rows) > MAX_ROWS
    rows = rows[:MAX_ROWS]
    labels = _labels({t["value"] for row in rows for t in row.values() if t["type"] == "uri"})
    table = [
        [_cell(row[n], labels, base) if n in row else {"text": "", "href": ""} for n in names] for row in rows
    ]
    return {"columns": names, "rows": table, "truncated": truncated, "form": result.form}


def render_list(queries: list[NamedQuery]) -> Response:
    html = render_template("queries.html", queries=[{"query": q, "fields": _form(q, {})} for q in queries])
    return Response(html, content_type="text/html; charset=utf-8")


def render_query(query: NamedQuery, values: dict[str, str]) -> Response:
    values = {k: v for k, v in values.items() if v.strip()}  # a form's empty field: the default
    error, answer = None, None
    try:
        bound = query.bind(values)
    except ParameterError as exc:
        error = str(exc)
    else:
        answer = answer_table(query, bound)
    csv_url = f"/queries/{query.name}.csv" + (
        f"?{request.query_string.decode('latin-1')}" if request.query_string else ""
    )
    html = render_template(
        "query.html", query=query, fields=_form(query, values), error=error, answer=answer, csv_url=csv_url
    )
    return Response(html, status=400 if error else 200, content_type="text/html; charset=utf-8")


def csv_response(query: NamedQuery, values: dict[str, str]) -> Response:
    """The answer as a CSV attachment.   :raise 400: a bad parameter   :raise 406: a graph-valued query"""
    try:
        bound = query.bind(values)
    except ParameterError as error:
        raise BadRequestError(str(error)) from None
    task = QueryTask(
        query.sparql,
        results_type="text/csv",
        graph_type=None,
        substitutions={var.value: term for var, term in bound.items()},
        max_bytes=int(current_app.config["MAX_RESULT_BYTES"]),
    )
    result = get_pool().run(task, float(current_app.config["QUERY_TIMEOUT_S"]))
    response = Response(result.read_bytes(), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{query.name}.csv"'
    return response
