"""Shared fixtures: the real graph, built once per test session into a temporary build directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
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


FIXTURE_DOCUMENT = Path(__file__).parent / "data" / "sources" / "fixture-synthetic"


@contextmanager
def _build_dir(directory: Path) -> Iterator[Path]:
    """DMKG_BUILD pointing at `directory` while a build runs, restored afterwards."""
    previous = os.environ.get("DMKG_BUILD")
    os.environ["DMKG_BUILD"] = str(directory)
    try:
        yield directory
    finally:
        if previous is None:
            os.environ.pop("DMKG_BUILD", None)
        else:
            os.environ["DMKG_BUILD"] = previous


def _built(tmp_path_factory: pytest.TempPathFactory, name: str, **options) -> Iterator[BuiltGraph]:
    from kg.build import build

    if not report_text().exists():
        pytest.fail(f"the letter's text is needed at {report_text()} (set DMKG_SHARED)")
    with _build_dir(tmp_path_factory.mktemp(name)) as directory:
        build(write_release=False, **options)
        yield BuiltGraph(directory, directory / "store", directory / "dmkg.nq")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltGraph]:
    """`dmkg build` of the real sources, without touching the repository's build/ or release files."""
    yield from _built(tmp_path_factory, "build")


@pytest.fixture(scope="session")
def built_two(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltGraph]:
    """The real sources and the synthetic fixture document (tests/data/sources/fixture-synthetic)."""
    yield from _built(tmp_path_factory, "build-two", extra_documents=(FIXTURE_DOCUMENT,))


# a build runs the OWL API checker and HermiT, so every test on a built graph needs Java
JAVA_FIXTURES = frozenset({"built", "built_two", "build_dir"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs a build (by the fixtures it uses) with `java`, so `-m "not java"`
    leaves out exactly the tests a machine without Java cannot run."""
    for item in items:
        if JAVA_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.java)
