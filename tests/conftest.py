"""Shared fixtures: the real graph, built once per test session into a temporary build directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.paths import report_text


@dataclass(frozen=True)
class BuiltGraph:
    build_dir: Path
    store_path: Path
    nquads: Path

    def store(self) -> ox.Store:
        return ox.Store.read_only(str(self.store_path))

    def select(self, sparql: str, **bindings: ox.NamedNode | ox.Literal) -> list[dict[str, str]]:
        """Rows as {variable: lexical value} over the default graph (each fact once)."""
        result = self.store().query(sparql, substitutions={ox.Variable(k): v for k, v in bindings.items()} or None)
        names = [v.value for v in result.variables]
        return [{n: s[n].value for n in names if s[n] is not None} for s in result]


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltGraph]:
    """`dmkg build` of the real sources, without touching the repository's build/ or release files."""
    from kg.build import build

    if not report_text().exists():
        pytest.fail(f"the letter's text is needed at {report_text()} (set DMKG_SHARED)")
    directory = tmp_path_factory.mktemp("build")
    previous = os.environ.get("DMKG_BUILD")
    os.environ["DMKG_BUILD"] = str(directory)
    try:
        build(write_release=False)
        yield BuiltGraph(directory, directory / "store", directory / "dmkg.nq")
    finally:
        if previous is None:
            os.environ.pop("DMKG_BUILD", None)
        else:
            os.environ["DMKG_BUILD"] = previous
