"""The one small interface every query engine offers (the app's choice of engine: server/app_engine.py).

Two engines: the local worker pool (server/executor.py, a pyoxigraph store on this machine) and the
remote engine (server/remote.py, read replicas of a published release). The HTTP layer and the query
service only ever see this interface: ``run(task) -> QueryResult`` (raising typed EndpointErrors),
``select`` / ``run_ask`` for the server's own queries, ``update``, ``stats``, ``close``, ``size`` (how
many queries it runs at once) and ``store_path`` (what the server's caches are keyed on).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Protocol

from server.worker import QueryTask


@dataclass(frozen=True)
class QueryResult:
    body: bytes  # the whole result, unless it was spooled to ``path``
    media_type: str
    form: str  # "select", "ask" or "graph"
    eval_ms: float
    path: str | None = None  # a complete, spooled result; whoever takes it must delete it
    size: int = 0

    def read_bytes(self) -> bytes:
        """The whole result as bytes (for small internal queries); removes a spooled file."""
        if self.path is None:
            return self.body
        try:
            with open(self.path, "rb") as handle:
                return handle.read()
        finally:
            os.unlink(self.path)


class Engine(Protocol):
    size: int

    @property
    def store_path(self) -> str: ...

    def run(self, task: QueryTask, timeout_s: float, wait_s: float | None = None) -> QueryResult: ...

    def update(self, sparql: str, timeout_s: float, base_iri: str | None = None) -> None: ...

    def stats(self) -> dict: ...

    def close(self) -> None: ...

    def select(self, sparql: str, timeout_s: float, **task_options) -> list[dict[str, dict]]: ...

    def run_ask(self, sparql: str, timeout_s: float, **task_options) -> bool: ...


def select_rows(engine: Engine, sparql: str, timeout_s: float, **task_options) -> list[dict[str, dict]]:
    """A SELECT for the server's own use (pages, VoID); rows as SPARQL-JSON term dicts."""
    task = QueryTask(sparql, results_type="application/sparql-results+json", graph_type=None, **task_options)
    return json.loads(engine.run(task, timeout_s).read_bytes())["results"]["bindings"]


def ask(engine: Engine, sparql: str, timeout_s: float, **task_options) -> bool:
    """An ASK for the server's own use."""
    task = QueryTask(sparql, results_type="application/sparql-results+json", graph_type=None, **task_options)
    return bool(json.loads(engine.run(task, timeout_s).read_bytes())["boolean"])
