"""`dmkg export --format sssom`: every mapping and cross-reference of the graph as an SSSOM mapping set.

One row per skos:exactMatch/closeMatch/broadMatch/narrowMatch/relatedMatch and oboInOwl:hasDbXref
statement of the store, with justification semapv:ManualMappingCuration, the row of
shared/sources/identifiers.tsv the identifier was read from (or the reference record a PMID comes from,
or the edit file for an ontology alignment), and a confidence per mapping kind (mapping_confidence.tsv).
An identifier that identifiers.tsv marks as recalled or unverified, or a PMID whose status is not
"verified", is never written: it is reported as left out instead.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg import atomic
from kg.curie import compress_or_none, prefix_map
from kg.exports.common import ExportError, curie, select
from kg.paths import shared_dir

HERE = Path(__file__).parent
CONFIDENCE = HERE / "mapping_confidence.tsv"
MAPPING_SET_ID = "https://w3id.org/dmkg/mappings/dmkg.sssom.tsv"
NAMESPACE_PREFIX = {
    "DrugBank": "DRUGBANK",
    "ChEMBL": "CHEMBL.COMPOUND",
    "UniProt": "UniProtKB",
    "ATC": "ATC",
    "ATC (former)": "ATC",
}
EXTRA_PREFIXES = {"semapv": "https://w3id.org/semapv/vocab/", "sssom": "https://w3id.org/sssom/"}

MAPPING_QUERY = """
SELECT DISTINCT ?s ?label ?p ?o ?pmidStatus ?refNumber WHERE {
  VALUES ?p { skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch skos:relatedMatch
              oboInOwl:hasDbXref }
  ?s ?p ?o .
  OPTIONAL { ?s rdfs:label ?label }
  OPTIONAL { ?s dmkg:pmidStatus ?pmidStatus }
  OPTIONAL { ?ref dmkg:identifiedAs ?s ; dmkg:referenceNumber ?refNumber }
} ORDER BY ?s ?p ?o"""


@dataclass
class SssomExport:
    rows: list[dict[str, str]]
    left_out: list[str] = field(default_factory=list)


def identifier_rows(table: Path | None = None) -> dict[str, tuple[int, dict[str, str]]]:
    """CURIE -> (line number, row) of identifiers.tsv, with the table's bare ids given their prefix."""
    table = table or shared_dir() / "sources" / "identifiers.tsv"
    if not table.exists():
        raise ExportError(
            f"the SSSOM export names the identifiers.tsv row of every mapping; {table} is missing"
        )
    with table.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    out = {}
    for number, row in enumerate(rows, start=2):
        ident, prefix = row["id"], NAMESPACE_PREFIX.get(row["namespace"])
        if prefix and ":" not in ident:
            ident = f"{prefix}:{ident}"
        out.setdefault(ident, (number, row))
    return out


def _confidence() -> dict[str, float]:
    with CONFIDENCE.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return {r["predicate_id"]: float(r["confidence"]) for r in csv.DictReader(lines, delimiter="\t")}


def mapping_rows(store: ox.Store) -> SssomExport:
    identifiers, confidence = identifier_rows(), _confidence()
    export = SssomExport([])
    for row in select(store, MAPPING_QUERY):
        subject, predicate = curie(row["s"]), curie(row["p"])
        obj = row["o"] if predicate == "oboInOwl:hasDbXref" else compress_or_none(row["o"])
        if obj is None:
            export.left_out.append(f"{subject} {predicate} <{row['o']}>: no prefix in ontology/prefixes.yaml")
            continue
        found = identifiers.get(obj)
        if found and found[1]["verified"] != "yes":
            export.left_out.append(
                f"{subject} {predicate} {obj}: identifiers.tsv row {found[0]} is not verified "
                f"({found[1]['label_in_source']})"
            )
            continue
        if obj.startswith("PMID:"):
            if row.get("pmidStatus") != "verified":
                export.left_out.append(f"{subject} {predicate} {obj}: PMID status {row.get('pmidStatus')!r}")
                continue
            source, label = f"shared/sources/references.yaml, reference {row.get('refNumber', '?')}", ""
        elif found:
            source = f"shared/sources/identifiers.tsv row {found[0]}: {found[1]['source']}"
            label = found[1]["label_in_source"]
        elif row["s"].startswith(prefix_map()["dmkg"]):
            source, label = "ontology/dmkg-edit.ttl (curated alignment of a dmkg term)", ""
        else:
            raise ExportError(
                f"{subject} {predicate} {obj}: not a row of identifiers.tsv, so its source is unknown"
            )
        export.rows.append(
            {
                "subject_id": subject,
                "subject_label": row.get("label", ""),
                "predicate_id": predicate,
                "object_id": obj,
                "object_label": label,
                "mapping_justification": "semapv:ManualMappingCuration",
                "confidence": f"{confidence[predicate]}",
                "author_label": "dmkg curators",
                "comment": source,
            }
        )
    return export


def _metadata(used: set[str]) -> dict:
    from kg.ontology_release import version

    prefixes = {**prefix_map(), **EXTRA_PREFIXES}
    return {
        "mapping_set_id": MAPPING_SET_ID,
        "mapping_set_version": version(),
        "mapping_set_title": "dmkg mappings and cross-references",
        "mapping_set_description": "Every skos mapping and oboInOwl:hasDbXref of the dmkg knowledge graph, "
        "each from a verified row of the curated identifier table.",
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "curie_map": {p: prefixes[p] for p in sorted(used) if p in prefixes},
    }


def export_sssom(store: ox.Store, path: Path) -> SssomExport:
    """Write the mapping set with sssom's own writer (the YAML metadata block, then the table)."""
    import pandas as pd
    from curies import Converter
    from sssom.util import MappingSetDataFrame
    from sssom.writers import write_table

    export = mapping_rows(store)
    used = {"semapv", "skos", "oboInOwl"} | {
        r[k].split(":", 1)[0] for r in export.rows for k in ("subject_id", "predicate_id", "object_id")
    }
    prefixes = {**prefix_map(), **EXTRA_PREFIXES}
    missing = sorted(p for p in used if p not in prefixes)
    if missing:
        raise ExportError(f"prefixes {missing} are used by mappings but not in ontology/prefixes.yaml")
    metadata = _metadata(used)
    msdf = MappingSetDataFrame(
        df=pd.DataFrame(export.rows),
        converter=Converter.from_prefix_map(metadata["curie_map"]),
        metadata={k: v for k, v in metadata.items() if k != "curie_map"},
    )
    buffer = io.StringIO()
    write_table(msdf, buffer)
    atomic.write_bytes(path, buffer.getvalue().encode("utf-8"))
    return export
