"""Linked data: every IRI dmkg mints under BASE_IRI (``/id/…``, ``/vocab/…``) resolves here.

A browser gets an HTML page (label, definition, types, xrefs as links, relations both ways with
labels, and the evidence: claims with their quotes, sources and cited references); an RDF client gets
the entity's triples (both directions) as Turtle, JSON-LD, N-Triples… by Accept. The entity IRI is
bound into fixed queries through substitutions, never pasted into SPARQL text. Queries see the union
of all graphs.
"""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, render_template, request
from pyoxigraph import NamedNode

from kg import curie
from server import phenopacket, pictures
from server.answer import answer_query
from server.app_engine import get_pool
from server.errors import NotAcceptableError, NotFoundError
from server.formats import GRAPH_TYPES, negotiate

bp = Blueprint("pages", __name__)

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DEFINITION = "http://purl.obolibrary.org/obo/IAO_0000115"
DB_XREF = "http://www.geneontology.org/formats/oboInOwl#hasDbXref"
EXACT_MATCH = "http://www.w3.org/2004/02/skos/core#exactMatch"

PAGE_TIMEOUT_S = 10.0
MAX_ROWS = 2000

_LABELLED = "OPTIONAL {{ ?{v} <http://www.w3.org/2000/01/rdf-schema#label> ?{v}Label }}"

EXISTS = "ASK { { ?entity ?p ?o } UNION { ?s ?p ?entity } }"
OUTGOING = f"""SELECT ?entity ?p ?o ?pLabel ?oLabel WHERE {{
  ?entity ?p ?o . {_LABELLED.format(v="p")} {_LABELLED.format(v="o")}
}} LIMIT {MAX_ROWS}"""
INCOMING = f"""SELECT ?entity ?s ?p ?sLabel ?pLabel WHERE {{
  ?s ?p ?entity . {_LABELLED.format(v="s")} {_LABELLED.format(v="p")}
}} LIMIT {MAX_ROWS}"""
# the evidence model of dmkg's vocabulary (a store without it simply shows no evidence)
EVIDENCE = """PREFIX dmkg: <https://w3id.org/dmkg/vocab/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?entity ?claim ?role ?modalityLabel ?cue ?statement ?quote ?source ?sourceLabel ?ref ?refNumber ?status
WHERE {
  ?claim a dmkg:Claim .
  { ?claim dmkg:claimSubject ?entity BIND("subject" AS ?role) }
  UNION { ?claim dmkg:claimObject ?entity BIND("object" AS ?role) }
  OPTIONAL { ?claim dmkg:hasModality/rdfs:label ?modalityLabel }
  OPTIONAL { ?claim dmkg:modalityCue ?cue }
  OPTIONAL { ?claim dmkg:statement ?statement }
  OPTIONAL { ?claim dmkg:quote ?quote }
  OPTIONAL { ?claim dmkg:statedIn ?source OPTIONAL { ?source rdfs:label ?sourceLabel } }
  OPTIONAL { ?claim dmkg:citesReference ?ref
             OPTIONAL { ?ref dmkg:referenceNumber ?refNumber }
             OPTIONAL { ?ref dmkg:assignmentStatus ?status } }
} ORDER BY ?claim ?refNumber LIMIT 500"""
CONSTRUCT = "CONSTRUCT { ?entity ?p ?o . ?s ?q ?entity } WHERE { { ?entity ?p ?o } UNION { ?s ?q ?entity } }"


@bp.get("/id/<path:local>")
@bp.get("/vocab/<path:local>")
def entity(local: str) -> Response:
    """:raise 404: no triple mentions the entity   :raise 406: neither HTML nor an RDF format acceptable"""
    base = str(current_app.config["BASE_IRI"]).rstrip("/")
    iri = base + request.path
    try:
        node = NamedNode(iri)
    except ValueError:
        raise NotFoundError(f"{request.path} is not a valid entity IRI.") from None
    wants_phenopacket = phenopacket.requested(request)
    media_type = negotiate(request.accept_mimetypes, ["text/html", *GRAPH_TYPES])
    if media_type is None and not wants_phenopacket:
        raise NotAcceptableError(
            "The Accept header must allow text/html or one of: " + ", ".join(GRAPH_TYPES)
        )
    pool = get_pool()
    exists = pool.run_ask(EXISTS, PAGE_TIMEOUT_S, substitutions={"entity": node})
    if not exists:
        raise NotFoundError(f"Nothing is known about <{iri}>.")
    if wants_phenopacket:
        return phenopacket.response(pool, node, current_app.config["STORE_PATH"], PAGE_TIMEOUT_S)
    if media_type != "text/html":
        response = answer_query(CONSTRUCT, substitutions={"entity": node})
        response.headers["Vary"] = "Accept"
        return response
    outgoing = pool.select(OUTGOING, PAGE_TIMEOUT_S, substitutions={"entity": node})
    incoming = pool.select(INCOMING, PAGE_TIMEOUT_S, substitutions={"entity": node})
    evidence = pool.select(EVIDENCE, PAGE_TIMEOUT_S, substitutions={"entity": node})
    page = _page_model(iri, base, outgoing, incoming, evidence)
    page.update(pictures.for_entity(iri, request.path.lstrip("/")))
    page["phenopacket"] = phenopacket.offered(pool, node, PAGE_TIMEOUT_S)
    response = Response(render_template("entity.html", **page), content_type="text/html; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response


def web_link(iri: str) -> str | None:
    """``iri`` if a browser may follow it (http or https), else None: a ``javascript:`` or ``data:`` IRI
    in the store is shown as text, never made a link."""
    return iri if urlsplit(iri).scheme.lower() in ("http", "https") else None


def _page_model(iri: str, base: str, outgoing: list, incoming: list, evidence: list) -> dict:
    """Turn query rows into what the template shows (labels chosen, links made, duplicates merged)."""
    labels: dict[str, str] = {}

    def remember(term: dict, label: dict | None) -> None:
        if label and term["type"] == "uri":
            if term["value"] not in labels or label.get("xml:lang") == "en":
                labels[term["value"]] = label["value"]

    for row in outgoing:
        remember(row["p"], row.get("pLabel"))
        remember(row["o"], row.get("oLabel"))
    for row in incoming:
        remember(row["s"], row.get("sLabel"))
        remember(row["p"], row.get("pLabel"))

    def link(term: dict) -> dict:
        value = term["value"]
        if term["type"] != "uri":
            return {"text": value, "href": None, "literal": True, "lang": term.get("xml:lang")}
        href = value[len(base) :] if value.startswith(base + "/") else web_link(value)
        shown = labels.get(value) or curie.compress_or_none(value) or value
        return {"text": shown, "href": href, "iri": value, "literal": False}

    values_of: dict[str, list[dict]] = defaultdict(list)
    relations: dict[tuple[str, str], dict] = {}
    for row in outgoing:
        predicate, obj = row["p"]["value"], row["o"]
        if obj not in values_of[predicate]:
            values_of[predicate].append(obj)
        key = (predicate, obj["value"] + obj.get("xml:lang", ""))
        relations.setdefault(key, {"predicate": link(row["p"]), "object": link(obj)})
    incoming_rel: dict[tuple[str, str], dict] = {}
    for row in incoming:
        key = (row["s"]["value"], row["p"]["value"])
        incoming_rel.setdefault(key, {"subject": link(row["s"]), "predicate": link(row["p"])})

    label_terms = values_of.get(RDFS_LABEL, [])
    label = next((t["value"] for t in label_terms if t.get("xml:lang") == "en"), None)
    label = label or (label_terms[0]["value"] if label_terms else curie.compress_or_none(iri) or iri)
    definitions = [t["value"] for t in values_of.get(DEFINITION, [])]
    xrefs = []
    for term in values_of.get(DB_XREF, []):
        try:
            href = web_link(curie.expand(term["value"]))
        except (curie.CurieError, ValueError):
            href = None
        xrefs.append({"text": term["value"], "href": href})
    claims: dict[str, dict] = {}
    for row in evidence:
        claim = claims.setdefault(
            row["claim"]["value"],
            {
                "claim": link(row["claim"]),
                "role": row["role"]["value"],
                "modality": row.get("modalityLabel", {}).get("value"),
                "cues": [],
                "statement": row.get("statement", {}).get("value"),
                "quote": row.get("quote", {}).get("value"),
                "source": link(row["source"]) if "source" in row else None,
                "references": [],
            },
        )
        if "cue" in row and row["cue"]["value"] not in claim["cues"]:
            claim["cues"].append(row["cue"]["value"])
        if "sourceLabel" in row and claim["source"]:
            claim["source"]["text"] = row["sourceLabel"]["value"]
        if "ref" in row:
            reference = {
                "link": link(row["ref"]),
                "number": row.get("refNumber", {}).get("value"),
                "status": row.get("status", {}).get("value"),
            }
            if reference not in claim["references"]:
                claim["references"].append(reference)
    shown = {RDFS_LABEL, DEFINITION, DB_XREF, EXACT_MATCH, RDF_TYPE}
    return {
        "iri": iri,
        "curie": curie.compress_or_none(iri),
        "label": label,
        "definitions": definitions,
        "types": [link(t) for t in values_of.get(RDF_TYPE, [])],
        "xrefs": xrefs,
        "exact_matches": [link(t) for t in values_of.get(EXACT_MATCH, [])],
        "outgoing": sorted((r for (p, _), r in relations.items() if p not in shown), key=_in_order),
        "incoming": sorted(incoming_rel.values(), key=_in_order),
        "claims": list(claims.values()),
        "truncated": len(outgoing) >= MAX_ROWS or len(incoming) >= MAX_ROWS,
    }


def _natural(text: str) -> list:
    """Sort key reading digit runs as numbers: "step 2" before "step 10"."""
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", text)]


def _in_order(relation: dict) -> tuple:
    """Relations by predicate, then by the other end in natural order (the case's steps 1, 2, 3, 4)."""
    other = relation.get("object") or relation["subject"]
    return (_natural(relation["predicate"]["text"]), _natural(other["text"]))
