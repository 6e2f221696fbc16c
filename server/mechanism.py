"""The mechanism graph around an entity, from the store's claims, laid out by Graphviz as SVG.

Why claims and not plain triples: a hedged claim ("might", "probably") has no plain triple, and the
picture must show each edge's modality and the references it cites. The edges shown are those on a
chain of mechanistic links (sub-properties of dmkg:mechanisticLink) that passes through the entity:
what it leads to and what leads to it.
"""

from __future__ import annotations

import re
import textwrap
from collections import defaultdict
from dataclasses import dataclass, field

import graphviz

from server.links import local_href

EDGES = """PREFIX dmkg: <https://w3id.org/dmkg/vocab/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?claim ?s ?p ?o (SAMPLE(?sl) AS ?sLabel) (SAMPLE(?pl) AS ?pLabel) (SAMPLE(?ol) AS ?oLabel)
       (SAMPLE(?ml) AS ?modality) (SAMPLE(?dl) AS ?direction) (SAMPLE(?st) AS ?statement)
       (GROUP_CONCAT(DISTINCT STR(?n); separator=" ") AS ?refs)
WHERE {
  ?p rdfs:subPropertyOf+ dmkg:mechanisticLink .
  ?claim a dmkg:Claim ; dmkg:claimPredicate ?p ; dmkg:claimSubject ?s ; dmkg:claimObject ?o .
  OPTIONAL { ?s rdfs:label ?sl } OPTIONAL { ?p rdfs:label ?pl } OPTIONAL { ?o rdfs:label ?ol }
  OPTIONAL { ?claim dmkg:hasModality/rdfs:label ?ml }
  OPTIONAL { ?claim dmkg:hasDirection/rdfs:label ?dl }
  OPTIONAL { ?claim dmkg:statement ?st }
  OPTIONAL { ?claim dmkg:citesReference/dmkg:referenceNumber ?n }
} GROUP BY ?claim ?s ?p ?o"""

# line style per modality, so the picture reads without colour (the label says it in words too)
_STYLE = {
    "stated as fact": "solid",
    "probable": "dashed",
    "possible": "dashed",
    "hypothesis": "dotted",
    "unclear": "dotted",
    "curator inference": "bold",
}


@dataclass(frozen=True)
class Edge:
    claim: str
    source: str
    target: str
    predicate: str
    modality: str
    direction: str
    refs: tuple[int, ...]
    statement: str

    @property
    def label(self) -> str:
        refs = ("refs " + ", ".join(map(str, self.refs))) if self.refs else "no reference cited"
        direction = "" if self.direction in ("", "supports") else f" ({self.direction})"
        return f"{self.predicate}{direction}\n{self.modality}\n{refs}"

    @property
    def sentence(self) -> str:
        return self.label.replace("\n", ", ")


@dataclass
class MechanismGraph:
    focus: str
    labels: dict[str, str]
    edges: list[Edge] = field(default_factory=list)


def _value(row: dict, name: str) -> str:
    return row[name]["value"] if name in row else ""


def _short(iri: str) -> str:
    return re.split(r"[/#]", iri)[-1]


def read_edges(rows: list[dict]) -> tuple[list[Edge], dict[str, str]]:
    edges, labels = [], {}
    for row in rows:
        s, o = _value(row, "s"), _value(row, "o")
        labels[s] = _value(row, "sLabel") or _short(s)
        labels[o] = _value(row, "oLabel") or _short(o)
        refs = tuple(sorted({int(n) for n in _value(row, "refs").split() if n.isdigit()}))
        edges.append(
            Edge(
                _value(row, "claim"),
                s,
                o,
                _value(row, "pLabel") or _short(_value(row, "p")),
                _value(row, "modality") or "modality not recorded",
                _value(row, "direction"),
                refs,
                _value(row, "statement"),
            )
        )
    return sorted(edges, key=lambda e: (labels[e.source], e.predicate, labels[e.target])), labels


def around(focus: str, edges: list[Edge], labels: dict[str, str]) -> MechanismGraph:
    """The edges on chains through ``focus``: everything downstream of it and everything upstream."""
    out, into = defaultdict(list), defaultdict(list)
    for edge in edges:
        out[edge.source].append(edge)
        into[edge.target].append(edge)

    def closure(step, key) -> set[str]:
        seen, todo = {focus}, [focus]
        while todo:
            for edge in step[todo.pop()]:
                node = key(edge)
                if node not in seen:
                    seen.add(node)
                    todo.append(node)
        return seen

    down = closure(out, lambda e: e.target)
    up = closure(into, lambda e: e.source)
    chosen = [
        e for e in edges if (e.source in down and e.target in down) or (e.source in up and e.target in up)
    ]
    return MechanismGraph(focus, labels, chosen)


def to_svg(graph: MechanismGraph, base: str) -> str:
    """Graphviz's SVG, with a title and a text description for readers who cannot see it."""
    name = graph.labels.get(graph.focus, _short(graph.focus))
    dot = graphviz.Digraph("mechanism", format="svg", engine="dot")
    dot.attr(
        rankdir="TB",
        nodesep="0.4",
        ranksep="0.35",
        fontname="DejaVu Sans",
        fontsize="11",
        tooltip=f"Mechanism graph around {name}",
    )
    dot.attr("node", shape="box", style="rounded", fontname="DejaVu Sans", fontsize="11")
    dot.attr("edge", fontname="DejaVu Sans", fontsize="9")
    nodes = {e.source for e in graph.edges} | {e.target for e in graph.edges}
    names: dict[str, str] = {}
    for node in sorted(nodes, key=lambda n: graph.labels[n]):
        # the node's name is its label (Graphviz makes it the SVG <title>), made unique if need be
        unique = (
            graph.labels[node]
            if graph.labels[node] not in names.values()
            else f"{graph.labels[node]} ({_short(node)})"
        )
        names[node] = graphviz.escape(unique)
        extra = {"peripheries": "2", "penwidth": "2"} if node == graph.focus else {}
        dot.node(
            names[node],
            _wrapped(graph.labels[node], 24),
            URL=local_href(node, base) or None,
            tooltip=graphviz.escape(graph.labels[node]),
            id=f"node-{_short(node)}",
            **extra,
        )
    for edge in graph.edges:
        label = "\\n".join(_wrapped(part, 30) for part in edge.label.split("\n"))
        dot.edge(
            names[edge.source],
            names[edge.target],
            label=graphviz.nohtml(label),
            URL=local_href(edge.claim, base) or None,
            tooltip=graphviz.escape(edge.statement or edge.sentence),
            style=_STYLE.get(edge.modality, "solid"),
            id=f"edge-{_short(edge.claim)}",
            **{"class": "claim-edge"},
        )
    svg = dot.pipe(format="svg", encoding="utf-8")
    svg = svg[svg.index("<svg") :]
    title = f"Mechanism graph around {name}: {len(graph.edges)} claimed links"
    desc = "; ".join(f"{graph.labels[e.source]} {e.sentence} {graph.labels[e.target]}" for e in graph.edges)
    head_end = svg.index(">", svg.index("<svg")) + 1
    opening = svg[:head_end].replace("<svg", '<svg role="group" aria-labelledby="mechanism-title"', 1)
    return (
        opening
        + f'\n<title id="mechanism-title">{_xml(title)}</title>\n<desc>{_xml(desc)}</desc>'
        + svg[head_end:]
    )


def _wrapped(text: str, width: int) -> str:
    """Escaped for Graphviz, with line breaks between words so long names stay narrow."""
    return "\\n".join(graphviz.escape(line) for line in textwrap.wrap(text, width) or [""])


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
