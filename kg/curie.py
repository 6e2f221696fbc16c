"""CURIE <-> IRI conversion through the one prefix map of the project, ``ontology/prefixes.yaml``.

Strict on purpose: an unknown prefix is an error, never a silently unexpanded string, because a
mistyped CURIE in a query parameter or a source file must not become a valid-looking IRI.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

import curies
import yaml

from kg.paths import ONTOLOGY_DIR

CURIE = str
IRI = str

PREFIXES_PATH = ONTOLOGY_DIR / "prefixes.yaml"


class CurieError(ValueError):
    """A CURIE whose prefix is not in the prefix map, or an IRI no prefix covers."""


def read_prefix_map(path: Path | None = None) -> dict[str, str]:
    """Read a prefix map (CURIE prefix -> IRI prefix) from YAML, keeping the file's order."""
    path = path or PREFIXES_PATH
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ValueError(f"{path}: expected a mapping of prefix: IRI prefix")
    return dict(data)


@functools.cache
def prefix_map() -> dict[str, str]:
    """The project's prefix map, read once per process."""
    return read_prefix_map()


@functools.cache
def converter() -> curies.Converter:
    """A strict ``curies`` converter over the project's prefix map, built once per process."""
    return curies.load_prefix_map(prefix_map())


def expand(curie: CURIE) -> IRI:
    """Expand ``prefix:local`` to a full IRI; raise :class:`CurieError` if the prefix is unknown."""
    iri = converter().expand(curie)
    if iri is None:
        prefix = curie.split(":", 1)[0]
        raise CurieError(f"unknown prefix {prefix!r} in {curie!r} (see ontology/prefixes.yaml)")
    return iri


def compress(iri: IRI) -> CURIE:
    """Compress a full IRI to a CURIE; raise :class:`CurieError` if no prefix covers it."""
    curie = converter().compress(iri)
    if curie is None:
        raise CurieError(f"no prefix in ontology/prefixes.yaml covers {iri!r}")
    return curie


def compress_or_none(iri: IRI) -> CURIE | None:
    """Like :func:`compress`, but ``None`` when no prefix covers the IRI (for display)."""
    return converter().compress(iri)
