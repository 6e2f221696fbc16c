"""`dmkg export --format kgx`: the graph as KGX nodes and edges files with Biolink categories and predicates.

Edges come from the claim nodes, not the plain triples, because only claims carry what a Biolink
association needs: the knowledge level (a single case report is `observation`, never `biolink:treats`),
the agent type, the evidence code, the quote, the publication, and dmkg's modality (stated as fact,
possible, hypothesis, ...). Biolink has no slot for modality or for dmkg's evidence direction, so those
travel in `dmkg_`-prefixed columns, which KGX carries through as extra properties. The patient's
phenotypes become `biolink:has_phenotype` edges from the patient, a `biolink:Case` (excluded ones
with `negated`).
Categories and predicates are read from the ontology's own SKOS alignments to Biolink.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg import atomic
from kg.exports import biolink
from kg.exports.common import ExportError, curie, select

NODE_COLUMNS = ["id", "category", "name", "description", "xref", "iri"]
EDGE_COLUMNS = [
    "id",
    "subject",
    "predicate",
    "object",
    "knowledge_level",
    "agent_type",
    "publications",
    "has_evidence",
    "negated",
    "supporting_text",
    "original_predicate",
    "dmkg_modality",
    "dmkg_modality_cue",
    "dmkg_direction",
]
EXTENSION_COLUMNS = {c for c in EDGE_COLUMNS if c.startswith("dmkg_")}
ROOT_PREDICATE = "biolink:related_to"  # for a dmkg property none of whose ancestors is aligned to Biolink
MAPPING_ORDER = {"exactMatch": 0, "closeMatch": 1, "broadMatch": 2}

CATEGORY_QUERY = """
SELECT DISTINCT ?e ?category WHERE {
  ?e a ?class . ?class rdfs:subClassOf* ?mapped .
  ?mapped skos:exactMatch|skos:closeMatch ?category .
  FILTER(STRSTARTS(STR(?e), STR(dmkgid:)) && STRSTARTS(STR(?category), STR(biolink:)))
  FILTER(REGEX(STR(?category), "^https://w3id.org/biolink/vocab/[A-Z]"))
}"""
NODE_QUERY = """
SELECT ?e ?label ?definition (GROUP_CONCAT(DISTINCT ?x; separator="|") AS ?xrefs) WHERE {
  ?e rdfs:label ?label . FILTER(STRSTARTS(STR(?e), STR(dmkgid:)))
  OPTIONAL { ?e oboInOwl:hasDbXref ?x }
  OPTIONAL { ?e dcterms:bibliographicCitation ?definition }
} GROUP BY ?e ?label ?definition"""
PREDICATE_QUERY = """
SELECT ?p ?kind ?biolink WHERE {
  VALUES ?kind { skos:exactMatch skos:closeMatch skos:broadMatch }
  ?p ?kind ?biolink FILTER(STRSTARTS(STR(?biolink), STR(biolink:)))
}"""
PARENT_QUERY = (
    "SELECT ?p ?parent WHERE { ?p rdfs:subPropertyOf ?parent FILTER(STRSTARTS(STR(?p), STR(dmkg:))) }"
)
CLAIM_QUERY = """
SELECT ?claim ?s ?p ?o ?level ?agent ?eco ?quote ?direction ?modality ?pub ?pmid
       (GROUP_CONCAT(DISTINCT ?cue; separator="|") AS ?cues) WHERE {
  ?claim a dmkg:Claim ; dmkg:claimSubject ?s ; dmkg:claimPredicate ?p ; dmkg:claimObject ?o ;
         biolink:knowledge_level ?level ; biolink:agent_type ?agent ; dmkg:evidenceCode ?eco ;
         dmkg:statedIn ?pub ; dmkg:hasDirection ?d .
  ?d rdfs:label ?direction .
  OPTIONAL { ?claim dmkg:quote ?quote }
  OPTIONAL { ?claim dmkg:hasModality/rdfs:label ?modality }
  OPTIONAL { ?claim dmkg:modalityCue ?cue }
  OPTIONAL { ?pub oboInOwl:hasDbXref ?pmid FILTER(STRSTARTS(?pmid, "PMID:")) }
  FILTER(?p != rdf:type)
} GROUP BY ?claim ?s ?p ?o ?level ?agent ?eco ?quote ?direction ?modality ?pub ?pmid ORDER BY ?claim"""
PHENOTYPE_QUERY = """
SELECT ?patient ?phenotype ?negated ?quote ?pub WHERE {
  ?case dmkg:hasPatient ?patient ; dmkg:hasFinding ?finding .
  ?finding dmkg:quote ?quote ; dmkg:statedIn ?pub .
  { ?finding dmkg:showsPhenotype ?phenotype BIND(false AS ?negated) }
  UNION { ?finding dmkg:excludesPhenotype ?phenotype BIND(true AS ?negated) }
} ORDER BY ?patient ?phenotype ?quote"""


@dataclass(frozen=True)
class KgxFiles:
    nodes: Path
    edges: Path
    node_count: int
    edge_count: int
    left_out: list[str]


def _node_id(iri: str, categories: list[str], xrefs: list[str]) -> str:
    """The node's preferred Biolink identifier: an exact cross-reference in the category's preferred
    namespace, else the dmkg CURIE."""
    for category in categories:
        for prefix in biolink.id_prefixes(category):
            for xref in xrefs:
                if xref.split(":", 1)[0] == prefix:
                    return xref
    return curie(iri)


def _predicates(store: ox.Store) -> dict[str, str]:
    """dmkg property -> Biolink predicate: its own closest mapping, else its nearest mapped ancestor's;
    a property with neither (implicatedIn, promotes, requiredFor) is only `biolink:related_to`, and its
    dmkg predicate travels in `original_predicate`."""
    best: dict[str, tuple[int, str]] = {}
    for row in select(store, PREDICATE_QUERY):
        rank = MAPPING_ORDER[row["kind"].rsplit("#", 1)[1]]
        if biolink.toolkit().is_predicate(curie(row["biolink"])) and rank < best.get(row["p"], (9, ""))[0]:
            best[row["p"]] = (rank, curie(row["biolink"]))
    parents: dict[str, list[str]] = {}
    for row in select(store, PARENT_QUERY):
        parents.setdefault(row["p"], []).append(row["parent"])

    def mapped(p: str, depth: int = 0) -> str | None:
        if p in best:
            return best[p][1]
        found = [
            m for parent in sorted(parents.get(p, [])) if depth < 10 and (m := mapped(parent, depth + 1))
        ]
        return found[0] if found else None

    return {p: m for p in {*best, *parents} if (m := mapped(p))}


def kgx_rows(store: ox.Store) -> tuple[list[dict], list[dict], list[str]]:
    """Nodes and edges as KGX rows (multivalued fields joined with '|'), and the claims left out."""
    categories: dict[str, set[str]] = {}
    for row in select(store, CATEGORY_QUERY):
        categories.setdefault(row["e"], set()).add(curie(row["category"]))
    info = {row["e"]: row for row in select(store, NODE_QUERY)}
    predicates = _predicates(store)
    ids: dict[str, str] = {}
    nodes: dict[str, dict] = {}

    def node(iri: str) -> str | None:
        if iri not in categories or iri not in info:
            return None
        if iri not in ids:
            cats = sorted(categories[iri])
            xrefs = [x for x in info[iri].get("xrefs", "").split("|") if x]
            ids[iri] = _node_id(iri, cats, xrefs)
            nodes[ids[iri]] = {
                "id": ids[iri],
                "category": "|".join(cats),
                "name": info[iri]["label"],
                "description": info[iri].get("definition", ""),
                "xref": "|".join(sorted(set(xrefs) - {ids[iri]})),
                "iri": iri,
            }
        return ids[iri]

    edges, left_out = [], []
    for row in select(store, CLAIM_QUERY):
        subject, obj = node(row["s"]), node(row["o"])
        if subject is None or obj is None:
            ends = [curie(row[k]) for k, n in (("s", subject), ("o", obj)) if n is None]
            left_out.append(
                f"claim {curie(row['claim'])}: {' and '.join(ends)} has no Biolink category "
                "(a dmkg class, or an entity whose class has no Biolink alignment)"
            )
            continue
        publication = row.get("pmid") or node(row["pub"]) or curie(row["pub"])
        edges.append(
            {
                "id": curie(row["claim"]),
                "subject": subject,
                "predicate": predicates.get(row["p"], ROOT_PREDICATE),
                "object": obj,
                "knowledge_level": row["level"],
                "agent_type": row["agent"],
                "publications": publication,
                "has_evidence": curie(row["eco"]),
                "negated": "True" if row["direction"] == "refutes" else "",
                "supporting_text": row.get("quote", ""),
                "original_predicate": curie(row["p"]),
                "dmkg_modality": row.get("modality", ""),
                "dmkg_modality_cue": row.get("cues", ""),
                "dmkg_direction": row["direction"],
            }
        )
    seen = set()
    for row in select(store, PHENOTYPE_QUERY):
        case, phenotype = node(row["patient"]), node(row["phenotype"])
        slug = row["phenotype"].rsplit("/", 1)[1]
        if case is None or phenotype is None or (case, phenotype, row["negated"]) in seen:
            continue
        seen.add((case, phenotype, row["negated"]))
        negated = row["negated"] == "true"
        edges.append(
            {
                "id": f"{curie(row['patient'])}-{'lacks' if negated else 'has'}-{slug}",
                "subject": case,
                "predicate": "biolink:has_phenotype",
                "object": phenotype,
                "knowledge_level": "observation",
                "agent_type": "manual_agent",
                "publications": node(row["pub"]) or curie(row["pub"]),
                "has_evidence": "",
                "negated": "True" if negated else "",
                "supporting_text": row["quote"],
                "original_predicate": "dmkg:excludesPhenotype" if negated else "dmkg:showsPhenotype",
                "dmkg_modality": "",
                "dmkg_modality_cue": "",
                "dmkg_direction": "",
            }
        )
    for edge in edges:
        for pub in edge["publications"].split("|"):
            if pub.startswith("dmkgid:") and pub not in nodes:
                raise ExportError(f"publication {pub} of {edge['id']} has no Biolink category")
    return sorted(nodes.values(), key=lambda n: n["id"]), edges, left_out


def _tsv(rows: list[dict], columns: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def export_kgx(store: ox.Store, directory: Path, stem: str = "dmkg") -> KgxFiles:
    """Write `<stem>_nodes.tsv` and `<stem>_edges.tsv` (KGX's TSV layout) into DIRECTORY."""
    nodes, edges, left_out = kgx_rows(store)
    nodes_path = atomic.write_bytes(directory / f"{stem}_nodes.tsv", _tsv(nodes, NODE_COLUMNS))
    edges_path = atomic.write_bytes(directory / f"{stem}_edges.tsv", _tsv(edges, EDGE_COLUMNS))
    return KgxFiles(nodes_path, edges_path, len(nodes), len(edges), left_out)
