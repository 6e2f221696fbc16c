"""``dmkg publish``: copy the built dataset to another engine over the SPARQL 1.1 Graph Store Protocol.

What lands on the engine (the same on Oxigraph server, Virtuoso or any GSP server):
- every named graph of the store under its own name (ontology, inferred, per-source graphs);
- the store's default graph as the named graph ``DEFAULT_GRAPH`` — or, for a store whose default
  graph is empty, the deduplicated union of its graphs, which dmkg serves as its default (engines
  differ on what their default graph is — Virtuoso has none, its queries without FROM see every
  graph, system graphs included — so the default graph is carried by name and a reader asks for it with
  ``default-graph-uri``; ``dmkg serve --backend`` does that for every query);
- a manifest in ``RELEASE_GRAPH``: the release's graphs and their triple counts, from which a front
  end builds its dataset (``named-graph-uri`` = the release's graphs, nothing else of the engine).

With an update endpoint (``--update-url``) a publish is load-then-swap: every graph is PUT into a
staging name and checked, then ONE SPARQL Update moves them all into place and drops graphs of the
previous release that this one no longer has. On Oxigraph one update is one transaction, so a reader
sees the old release or the new one, never a mix. Without an update endpoint each graph is PUT in
place: a reader may, during the publish, see some graphs of the new release beside others of the old
(each graph itself whole where the engine's PUT is atomic). Either way publishing twice leaves the
same data, and a publish that failed midway is completed by running it again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox

from kg.remote_http import Credentials, client, describe_failure, excerpt

GRAPH_BASE = "https://w3id.org/dmkg/graph/"
DEFAULT_GRAPH = GRAPH_BASE + "default"
RELEASE_GRAPH = GRAPH_BASE + "release"
STAGING_BASE = GRAPH_BASE + "staging/"

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID_TRIPLES = "http://rdfs.org/ns/void#triples"
DCTERMS_IDENTIFIER = "http://purl.org/dc/terms/identifier"
NTRIPLES = "application/n-triples"


class PublishError(RuntimeError):
    """A publish that could not complete; the message names the graph and the server's answer."""


@dataclass
class PublishReport:
    release: str
    graphs: dict[str, int] = field(default_factory=dict)  # graph IRI on the engine -> triples verified
    dropped: list[str] = field(default_factory=list)
    swapped: bool = False


@dataclass(frozen=True)
class _Graph:
    name: str
    body: bytes
    triples: int


def _local_graphs(store: ox.Store) -> list[_Graph]:
    """The store's graphs as N-Triples bodies, the default graph under DEFAULT_GRAPH; sorted by name."""
    graphs = []
    for graph in sorted(store.named_graphs(), key=lambda g: g.value):
        triples = [
            ox.Triple(q.subject, q.predicate, q.object)
            for q in store.quads_for_pattern(None, None, None, graph)
        ]
        graphs.append(_Graph(graph.value, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), len(triples)))
    default = {
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, None)
        if q.graph_name == ox.DefaultGraph()
    }
    if not default:  # a store without a default graph is served with the union of its graphs as default
        default = {ox.Triple(q.subject, q.predicate, q.object) for q in store}
    graphs.append(
        _Graph(
            DEFAULT_GRAPH, ox.serialize(sorted(default, key=str), format=ox.RdfFormat.N_TRIPLES), len(default)
        )
    )
    return sorted(graphs, key=lambda g: g.name)


def _manifest(release: str, graphs: list[_Graph]) -> _Graph:
    root = ox.NamedNode(f"{GRAPH_BASE}release/{release}")
    triples = [ox.Triple(root, ox.NamedNode(DCTERMS_IDENTIFIER), ox.Literal(release))]
    for graph in graphs:
        entry = ox.BlankNode()
        link = "defaultGraph" if graph.name == DEFAULT_GRAPH else "namedGraph"
        triples += [
            ox.Triple(root, ox.NamedNode(SD + link), entry),
            ox.Triple(entry, ox.NamedNode(SD + "name"), ox.NamedNode(graph.name)),
            ox.Triple(
                entry,
                ox.NamedNode(VOID_TRIPLES),
                ox.Literal(
                    str(graph.triples), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
                ),
            ),
        ]
    return _Graph(RELEASE_GRAPH, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), len(triples))


def manifest_graphs(ntriples: bytes) -> dict[str, str]:
    """{graph IRI: "default" or "named"} from a manifest's N-Triples (empty when there is none)."""
    triples = list(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))
    names = {t.subject: t.object.value for t in triples if t.predicate.value == SD + "name"}
    kinds = {}
    for t in triples:
        if t.predicate.value in (SD + "defaultGraph", SD + "namedGraph") and t.object in names:
            kinds[names[t.object]] = "default" if t.predicate.value.endswith("defaultGraph") else "named"
    return kinds


def manifest_release(ntriples: bytes) -> str | None:
    """The release identifier a manifest names (a digest of the published graphs), if any."""
    for triple in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES):
        if triple.predicate.value == DCTERMS_IDENTIFIER:
            return triple.object.value
    return None


def staging_name(graph: str) -> str:
    """The fixed staging name of a graph: a re-run of a failed publish overwrites its own leftovers."""
    return STAGING_BASE + hashlib.sha256(graph.encode()).hexdigest()[:16]


class _Engine:
    """The Graph Store (and optional update endpoint) of one engine, with errors that say what failed."""

    def __init__(self, gsp_url: str, update_url: str | None, credentials: Credentials, timeout_s: float):
        self.gsp_url = gsp_url
        self.update_url = update_url
        self.http = client(credentials, timeout_s, connections=2)

    def _send(self, what: str, method: str, url: str, **options) -> httpx.Response:
        try:
            response = self.http.request(method, url, **options)
        except httpx.HTTPError as error:
            raise PublishError(f"{what}: {method} {url}: {describe_failure(error)}") from None
        if response.status_code in (401, 403):
            raise PublishError(
                f"{what}: the server refused the credentials ({response.status_code} "
                f"{response.reason_phrase}): {excerpt(response.content)}"
            )
        return response

    def put(self, graph: str, body: bytes, shown: str) -> None:
        response = self._send(
            f"graph <{shown}>",
            "PUT",
            self.gsp_url,
            params={"graph": graph},
            content=body,
            headers={"Content-Type": NTRIPLES},
        )
        if response.status_code not in (200, 201, 204):
            raise PublishError(
                f"graph <{shown}>: PUT answered {response.status_code}: {excerpt(response.content)}"
            )

    def get(self, graph: str, shown: str) -> bytes | None:
        """The graph as N-Triples; None when the engine says it has no such graph."""
        response = self._send(
            f"graph <{shown}>", "GET", self.gsp_url, params={"graph": graph}, headers={"Accept": NTRIPLES}
        )
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise PublishError(
                f"graph <{shown}>: GET answered {response.status_code}: {excerpt(response.content)}"
            )
        return response.content

    def count(self, graph: str, shown: str) -> int:
        body = self.get(graph, shown)
        if body is None:
            return 0
        try:
            return len(set(ox.parse(body, format=ox.RdfFormat.N_TRIPLES)))
        except SyntaxError as error:
            raise PublishError(f"graph <{shown}>: the engine's N-Triples do not parse: {error}") from None

    def delete(self, graph: str) -> None:
        response = self._send(f"graph <{graph}>", "DELETE", self.gsp_url, params={"graph": graph})
        if response.status_code not in (200, 204, 404):
            raise PublishError(
                f"graph <{graph}>: DELETE answered {response.status_code}: {excerpt(response.content)}"
            )

    def update(self, sparql: str, what: str) -> None:
        response = self._send(
            what,
            "POST",
            str(self.update_url),
            content=sparql.encode(),
            headers={"Content-Type": "application/sparql-update"},
        )
        if response.status_code not in (200, 204):
            raise PublishError(
                f"{what}: the update answered {response.status_code}: {excerpt(response.content)}"
            )


def publish(
    store_path: Path,
    gsp_url: str,
    *,
    update_url: str | None = None,
    credentials: Credentials | None = None,
    timeout_s: float = 300.0,
    progress: Callable[[str], None] = lambda _: None,
) -> PublishReport:
    """Publish the store at ``store_path`` to the engine's Graph Store; verify every graph; report."""
    graphs = _local_graphs(ox.Store.read_only(str(store_path)))
    release = hashlib.sha256(b"".join(g.name.encode() + b"\n" + g.body for g in graphs)).hexdigest()[:16]
    graphs.append(_manifest(release, graphs))
    engine = _Engine(gsp_url, update_url, credentials or Credentials(), timeout_s)
    report = PublishReport(release)
    try:
        previous = engine.get(RELEASE_GRAPH, RELEASE_GRAPH)
        stale = sorted(set(manifest_graphs(previous or b"")) - {g.name for g in graphs})
        if update_url:
            _load_then_swap(engine, graphs, stale, progress)
            report.swapped = True
        else:
            for graph in graphs:
                progress(f"PUT <{graph.name}> ({graph.triples} triples)")
                engine.put(graph.name, graph.body, graph.name)
            for name in stale:
                engine.delete(name)
        report.dropped = stale
        for graph in graphs:
            found = engine.count(graph.name, graph.name)
            if found != graph.triples:
                raise PublishError(
                    f"graph <{graph.name}>: the engine holds {found} triples after the publish, "
                    f"the build has "
                    f"{graph.triples}; run the publish again"
                )
            report.graphs[graph.name] = found
    finally:
        engine.http.close()
    return report


def _load_then_swap(engine: _Engine, graphs: list[_Graph], stale: list[str], progress) -> None:
    for graph in graphs:
        progress(f"PUT <{graph.name}> into staging ({graph.triples} triples)")
        engine.put(staging_name(graph.name), graph.body, graph.name)
        found = engine.count(staging_name(graph.name), graph.name)
        if found != graph.triples:
            raise PublishError(
                f"graph <{graph.name}>: staging holds {found} triples, the build has {graph.triples}"
            )
    moves = [f"MOVE SILENT <{staging_name(g.name)}> TO <{g.name}>" for g in graphs]
    drops = [f"DROP SILENT GRAPH <{name}>" for name in stale]
    progress(f"swap: {len(moves)} graphs moved into place, {len(drops)} dropped, in one update")
    engine.update(" ;\n".join(moves + drops), "the swap into place")
