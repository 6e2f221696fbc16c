"""``/drugs``: every drug of the graph with its classes, for the header's drug list."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template

from server.app_engine import get_pool
from server.build_cache import cached
from server.links import local_href

bp = Blueprint("browse", __name__)

TIMEOUT_S = 10.0
DRUGS = """PREFIX dmkg: <https://w3id.org/dmkg/vocab/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX oio: <http://www.geneontology.org/formats/oboInOwl#>
SELECT ?drug ?label (GROUP_CONCAT(DISTINCT ?classLabel; separator=", ") AS ?classes)
       (GROUP_CONCAT(DISTINCT ?synonym; separator=", ") AS ?synonyms)
WHERE {
  ?drug a/rdfs:subClassOf* dmkg:Drug ; rdfs:label ?label .
  OPTIONAL { ?drug a ?class . ?class rdfs:label ?classLabel FILTER(?class != dmkg:Drug) }
  OPTIONAL { ?drug oio:hasExactSynonym|oio:hasRelatedSynonym ?synonym }
} GROUP BY ?drug ?label ORDER BY LCASE(STR(?label))"""


@bp.get("/drugs")
def drugs() -> Response:
    base = str(current_app.config["BASE_IRI"]).rstrip("/")

    def compute() -> list[dict]:
        return [
            {
                "href": local_href(r["drug"]["value"], base),
                "label": r["label"]["value"],
                "classes": r.get("classes", {}).get("value", ""),
                "synonyms": r.get("synonyms", {}).get("value", ""),
            }
            for r in get_pool().select(DRUGS, TIMEOUT_S)
        ]

    html = render_template("drugs.html", drugs=cached("drugs", "", compute))
    return Response(html, content_type="text/html; charset=utf-8")
