"""Every mapping of the ontology to Biolink is checked against the Biolink model shipped in the PyPI
package `biolink-model`: the term exists and is not deprecated, a class maps to a class and a property
to a slot, and an exact or close match of a property agrees with the slot's domain and range. Every
other external term a mapping names is verified (identifiers.tsv) or is a mapping of the Biolink model."""

from __future__ import annotations

import csv
import importlib.resources
import re
from functools import cache

import pytest
import yaml
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.curie import prefix_map
from kg.ontology_release import read_edit
from kg.paths import shared_dir
from kg.vocab import BIOLINK, DMKG

MATCHES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)
PROPERTIES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


@cache
def model() -> dict:
    text = (importlib.resources.files("biolink_model") / "schema" / "biolink_model.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def element(iri: URIRef) -> tuple[str, dict] | None:
    """('class' | 'slot', definition) of a Biolink IRI: CamelCase names a class, snake_case a slot."""
    local = str(iri)[len(str(BIOLINK)):]
    if local[:1].isupper():
        name = re.sub(r"(?<!^)(?=[A-Z])", " ", local).lower()
        return ("class", model()["classes"][name] or {}) if name in model()["classes"] else None
    name = local.replace("_", " ")
    return ("slot", model()["slots"][name] or {}) if name in model()["slots"] else None


def ancestors(name: str) -> set[str]:
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in seen or current not in model()["classes"]:
            continue
        seen.add(current)
        definition = model()["classes"][current] or {}
        todo += [p for p in [definition.get("is_a"), *(definition.get("mixins") or [])] if p]
    return seen


def biolink_class_of(ontology: Graph, cls: URIRef) -> str | None:
    """The Biolink class a dmkg class (or its nearest mapped superclass) is an exact or close match of."""
    todo, seen = [cls], set()
    while todo:
        current = todo.pop(0)
        if current in seen:
            continue
        seen.add(current)
        for prop in (SKOS.exactMatch, SKOS.closeMatch):
            for target in ontology.objects(current, prop):
                found = element(target) if str(target).startswith(str(BIOLINK)) else None
                if found and found[0] == "class":
                    return re.sub(r"(?<!^)(?=[A-Z])", " ", str(target)[len(str(BIOLINK)):]).lower()
        todo += list(ontology.objects(current, RDFS.subClassOf))
        for equivalent in ontology.objects(current, OWL.equivalentClass):
            for member in ontology.items(ontology.value(equivalent, OWL.intersectionOf)):
                if isinstance(member, URIRef):
                    todo.append(member)
    return None


def _mappings(ontology: Graph):
    for prop in MATCHES:
        for s, o in ontology.subject_objects(prop):
            yield s, prop, o


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return read_edit()


def test_every_biolink_mapping_names_a_live_term_of_the_right_kind(ontology):
    problems, checked = [], 0
    for s, prop, o in _mappings(ontology):
        if not str(o).startswith(str(BIOLINK)):
            continue
        checked += 1
        found = element(o)
        is_property = any((s, RDF.type, kind) in ontology for kind in PROPERTIES)
        if found is None:
            problems.append(f"{s} {prop} {o}: not in the Biolink model")
        elif found[1].get("deprecated"):
            problems.append(f"{s} {prop} {o}: deprecated in the Biolink model")
        elif found[0] != ("slot" if is_property else "class"):
            kind = "a property" if is_property else "a class"
            problems.append(f"{s} {prop} {o}: a {found[0]}, but {s} is {kind}")
    assert checked >= 30
    assert problems == []


def test_exact_and_close_property_matches_agree_with_the_slot_domain_and_range(ontology):
    problems = []
    for s, prop, o in _mappings(ontology):
        if prop not in (SKOS.exactMatch, SKOS.closeMatch) or not str(o).startswith(str(BIOLINK)):
            continue
        if (s, RDF.type, OWL.ObjectProperty) not in ontology:
            continue
        slot = element(o)[1]
        for ends, axis in ((RDFS.domain, "domain"), (RDFS.range, "range")):
            wanted = slot.get(axis)
            inherited = [ontology.value(sup, ends) for sup in ontology.objects(s, RDFS.subPropertyOf)]
            ours = ontology.value(s, ends) or next((end for end in inherited if end is not None), None)
            if not wanted or ours is None:
                continue
            mapped = biolink_class_of(ontology, ours)
            if mapped is None or wanted not in ancestors(mapped):
                problems.append(f"{s} {prop} {o}: dmkg {axis} {ours} ({mapped}) is not a Biolink {wanted}")
    assert problems == []


def test_has_target_is_not_biolinks_disease_to_gene_has_target(ontology):
    assert (DMKG.hasTarget, SKOS.exactMatch, BIOLINK.has_target) not in ontology
    assert element(BIOLINK.has_target)[1]["domain"] == "disease"


def test_no_ro_relation_is_an_exact_match_of_a_dmkg_property(ontology):
    ro = "http://purl.obolibrary.org/obo/RO_"
    assert [(s, o) for s, o in ontology.subject_objects(SKOS.exactMatch) if str(o).startswith(ro)] == []


def _verified_iris() -> set[str]:
    prefixes = prefix_map()

    def expand(curie: str) -> str | None:
        prefix, _, local = curie.partition(":")
        return prefixes[prefix] + local if prefix in prefixes and local else None

    with (shared_dir() / "sources" / "identifiers.tsv").open(encoding="utf-8") as handle:
        verified = {r["id"] for r in csv.DictReader(handle, delimiter="\t") if r["verified"] == "yes"}
    for collection in ("classes", "slots"):
        for definition in model()[collection].values():
            for kind in ("exact", "close", "narrow", "broad", "related"):
                verified |= set((definition or {}).get(f"{kind}_mappings") or [])
    return {iri for iri in map(expand, verified) if iri}


def test_every_other_mapped_term_is_verified_or_a_biolink_model_mapping(ontology):
    verified = _verified_iris()
    unverified = sorted(
        f"{s} -> {o}" for s, _, o in _mappings(ontology)
        if not str(o).startswith(str(BIOLINK)) and str(o) not in verified
    )
    assert unverified == []
