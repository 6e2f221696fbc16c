"""Classify an ontology file with HermiT (through owlready2) and say what the reasoner added.

Why owlready2: it ships HermiT with the OWL API 3 classes HermiT needs, so it must not share a JVM with
the OWL API 5 checker. Why a separate module: `dmkg validate` needs the verdict (consistent, no
unsatisfiable class) and the build needs the inferences (to materialise them in the store's inferred
graph); both call `reason_file` and read the same `ReasoningResult`.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from pathlib import Path

import owlready2
import pyoxigraph as ox

from kg.checks.jvm import quick_jvm_options
from kg.checks.qc import read_release_file
from kg.children import bind_owlready2_children

OWL_THING = "http://www.w3.org/2002/07/owl#Thing"
OWL_NOTHING = "http://www.w3.org/2002/07/owl#Nothing"
BUILT_IN_CLASSES = (OWL_THING, OWL_NOTHING)
OWL_IMPORTS = ox.NamedNode("http://www.w3.org/2002/07/owl#imports")
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


@dataclass
class ReasoningResult:
    """HermiT's verdict on one file, and the class hierarchy and types it inferred beyond the assertions.

    `hierarchy` maps every named class to its direct named superclasses after classification;
    `inferred_subclasses` and `inferred_types` hold only what was not asserted, as (child, parent) IRIs.
    """

    path: Path
    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    inferred_subclasses: list[tuple[str, str]] = field(default_factory=list)
    inferred_types: list[tuple[str, str]] = field(default_factory=list)
    hierarchy: dict[str, list[str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0

    def inferred_triples(self) -> list[tuple[str, str, str]]:
        """The inferences as (subject, predicate, object) IRIs, ready to load into an inferred graph."""
        return [(c, RDFS_SUBCLASS_OF, p) for c, p in self.inferred_subclasses] + [
            (i, RDF_TYPE, c) for i, c in self.inferred_types
        ]

    def label(self, iri: str) -> str:
        return self.labels.get(iri, iri)


def _ntriples_without_imports(store: ox.Store) -> bytes:
    """owlready2 reads neither Turtle nor a web import offline, so it gets N-Triples without imports.

    Dropping imports is safe here: the OWL API check reports any import that is not resolvable locally.
    """
    quads = (q for q in store.quads_for_pattern(None, None, None) if q.predicate != OWL_IMPORTS)
    return ox.serialize(
        (ox.Triple(q.subject, q.predicate, q.object) for q in quads), format=ox.RdfFormat.N_TRIPLES
    )


def content_key(store: ox.Store) -> str:
    """What HermiT reads from the store, blank nodes canonicalised: two files with the same key (the
    release in Turtle and in RDF/XML) get the same verdict and inferences, so one run serves both."""
    dataset = ox.Dataset(
        ox.Quad(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None)
        if q.predicate != OWL_IMPORTS
    )
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return "\n".join(sorted(map(str, dataset)))


def _named(entities) -> list[str]:
    return sorted(
        {e.iri for e in entities if isinstance(e, owlready2.ThingClass) and e.iri not in BUILT_IN_CLASSES}
    )


def reason_file(path: Path) -> ReasoningResult:
    """Classify one RDF file (Turtle, RDF/XML or N-Triples)."""
    return reason_store(read_release_file(path), path)


def reason_store(store: ox.Store, path: Path) -> ReasoningResult:
    """Load the store's triples into a fresh owlready2 World, run HermiT, and diff hierarchy and types."""
    start = time.monotonic()
    world = owlready2.World()
    world.get_ontology(path.resolve().as_uri()).load(fileobj=io.BytesIO(_ntriples_without_imports(store)))
    classes = list(world.classes())
    individuals = list(world.individuals())
    asserted_parents = {c.iri: set(_named(c.is_a)) for c in classes}
    asserted_types = {i.iri: set(_named(i.is_a)) for i in individuals}
    labels = {e.iri: str(e.label.first()) for e in [*classes, *individuals] if e.label}
    bind_owlready2_children()  # HermiT's JVM dies with us, even on kill -9
    try:
        with quick_jvm_options():
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError as exc:
        return ReasoningResult(
            path,
            consistent=False,
            labels=labels,
            error=_first_line(str(exc)),
            seconds=time.monotonic() - start,
        )
    unsatisfiable = sorted(c.iri for c in world.inconsistent_classes() if c.iri != OWL_NOTHING)
    hierarchy = {c.iri: _named(c.is_a) for c in classes}
    inferred_subclasses = sorted(
        (c, p) for c, parents in hierarchy.items() for p in parents if p not in asserted_parents.get(c, set())
    )
    inferred_types = sorted(
        (i.iri, c) for i in individuals for c in _named(i.is_a) if c not in asserted_types.get(i.iri, set())
    )
    return ReasoningResult(
        path,
        consistent=True,
        unsatisfiable=unsatisfiable,
        inferred_subclasses=inferred_subclasses,
        inferred_types=inferred_types,
        hierarchy=hierarchy,
        labels=labels,
        seconds=time.monotonic() - start,
    )


def _first_line(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return lines[0] if lines else "inconsistent ontology"
