"""The Biolink model as its own toolkit (`bmt`) reads it, from the YAML the `biolink-model` package ships.

`kgx` would be the usual validator, but `import kgx` builds a bmt Toolkit from the model's GitHub URL at
import time, so it cannot run where only package registries are reachable (CI here). bmt over the
bundled YAML is the same model, offline.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path


@functools.cache
def toolkit():
    import biolink_model
    from bmt import Toolkit

    logging.getLogger("bmt").setLevel(logging.ERROR)
    schema = Path(next(iter(biolink_model.__path__))) / "schema" / "biolink_model.yaml"
    return Toolkit(schema=str(schema), predicate_map={"predicate mappings": []})


def model_version() -> str:
    return toolkit().get_model_version()


def id_prefixes(category: str) -> list[str]:
    """The CURIE prefixes Biolink prefers for a category, most preferred first."""
    element = toolkit().get_element(category)
    return list(getattr(element, "id_prefixes", None) or [])


def enum_values(name: str) -> set[str]:
    return set(toolkit().view.get_enum(name).permissible_values)
