"""Validate the knowledge graph against ontology/shapes.ttl with pyshacl."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyshacl
from rdflib import Graph
from rdflib.namespace import SH

from kg.paths import SHAPES


@dataclass(frozen=True)
class ShaclViolation:
    focus_node: str
    path: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.focus_node}{' ' + self.path if self.path else ''}: {self.message}"


def check_shapes(data: Graph, shapes: Path = SHAPES) -> list[ShaclViolation]:
    """Every SHACL violation, naming the node at fault; an empty list means the graph conforms."""
    conforms, report, _ = pyshacl.validate(data, shacl_graph=Graph().parse(shapes), inference="none",
                                           advanced=True, allow_warnings=True)
    if conforms:
        return []
    violations = []
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        path = report.value(result, SH.resultPath)
        violations.append(ShaclViolation(
            str(report.value(result, SH.focusNode)),
            str(path) if path is not None and not isinstance(path, type(result)) else None,
            str(report.value(result, SH.resultMessage) or "constraint violated"),
        ))
    return sorted(violations, key=str)
