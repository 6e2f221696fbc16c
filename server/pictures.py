"""Pictures drawn by the server from the store: the treatment timeline of a case and the mechanism graph
around an entity, as SVG (inline on the entity pages, and at their own URLs: server/picture_routes.py),
plus the evidence summary table. Each is computed once per build (server.build_cache) from fixed SPARQL
with the entity bound through substitutions.
"""

from __future__ import annotations

from flask import current_app
from pyoxigraph import NamedNode

from server import evidence_summary, mechanism, timeline
from server.app_engine import get_pool
from server.build_cache import cached
from server.errors import NotFoundError
from server.links import local_href

TIMEOUT_S = 15.0
CASE_LABEL = "SELECT ?case ?label WHERE { ?case <http://www.w3.org/2000/01/rdf-schema#label> ?label } LIMIT 1"


def _base() -> str:
    return str(current_app.config["BASE_IRI"]).rstrip("/")


def node_of(local: str) -> tuple[str, NamedNode]:
    iri = f"{_base()}/{local}"
    try:
        return iri, NamedNode(iri)
    except ValueError:
        raise NotFoundError(f"/{local} is not a valid entity IRI.") from None


def timeline_svg(iri: str) -> str | None:
    """The case's timeline, or None when the entity has no treatment regimens."""

    def compute() -> str | None:
        pool, node = get_pool(), NamedNode(iri)
        courses = pool.select(timeline.COURSES, TIMEOUT_S, substitutions={"case": node})
        if not courses:
            return None
        outcomes = pool.select(timeline.OUTCOMES, TIMEOUT_S, substitutions={"case": node})
        findings = pool.select(timeline.FINDINGS, TIMEOUT_S, substitutions={"case": node})
        label = pool.select(CASE_LABEL, TIMEOUT_S, substitutions={"case": node})
        case_label = label[0]["label"]["value"] if label else iri.rsplit("/", 1)[-1]
        return timeline.to_svg(timeline.read_timeline(case_label, courses, outcomes, findings), _base())

    return cached("timeline", iri, compute)


def mechanism_graph(iri: str) -> mechanism.MechanismGraph:
    edges, labels = cached(
        "mechanism-edges", "", lambda: mechanism.read_edges(get_pool().select(mechanism.EDGES, TIMEOUT_S))
    )
    return mechanism.around(iri, edges, dict(labels))


def mechanism_svg(iri: str) -> str | None:
    def compute() -> str | None:
        graph = mechanism_graph(iri)
        return mechanism.to_svg(graph, _base()) if graph.edges else None

    return cached("mechanism", iri, compute)


def evidence(iri: str) -> list[dict]:
    return cached(
        "evidence",
        iri,
        lambda: evidence_summary.summarise(
            get_pool().select(evidence_summary.CLAIMS, TIMEOUT_S, substitutions={"entity": NamedNode(iri)}),
            _base(),
        ),
    )


def for_entity(iri: str, local: str) -> dict:
    """What an entity page shows besides its triples (empty parts are left out by the template)."""
    graph = mechanism_graph(iri)
    edges = [
        {
            "source_label": graph.labels[e.source],
            "target_label": graph.labels[e.target],
            "claim_href": local_href(e.claim, _base()),
            "predicate": e.predicate,
            "direction": e.direction,
            "modality": e.modality,
            "refs": e.refs,
        }
        for e in graph.edges
    ]
    return {
        "timeline_svg": timeline_svg(iri),
        "timeline_path": f"/pictures/timeline/{local}",
        "mechanism_svg": mechanism_svg(iri),
        "mechanism_path": f"/pictures/mechanism/{local}",
        "mechanism_edges": edges,
        "evidence_groups": evidence(iri),
    }
