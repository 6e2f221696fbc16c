"""Where dmkg's data lives. The one place that knows the repository layout.

`ontology/` and `queries/` are data folders (no Python packages), and the seed material sits in
`../shared` beside the checkout; DMKG_SHARED and DMKG_BUILD override those for other layouts.
An installed wheel has no checkout around it: the same folders travel inside it as package data
(``kg/data/ontology``, ``kg/data/queries``, mapped by pyproject.toml), and are found there when the
repository's folders are not.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DATA = Path(__file__).resolve().parent / "data"


def _data_folder(name: str) -> Path:
    """The repository's folder when running from a checkout, else the copy packed into the wheel."""
    checkout = REPO_ROOT / name
    return checkout if checkout.is_dir() or not (PACKAGE_DATA / name).is_dir() else PACKAGE_DATA / name


ONTOLOGY_DIR = _data_folder("ontology")
SOURCES_DIR = REPO_ROOT / "kg" / "sources"
QUERIES_DIR = _data_folder("queries")

EDIT_ONTOLOGY = ONTOLOGY_DIR / "dmkg-edit.ttl"
SHAPES = ONTOLOGY_DIR / "shapes.ttl"
RELEASE_TTL = ONTOLOGY_DIR / "dmkg.ttl"
RELEASE_OWL = ONTOLOGY_DIR / "dmkg.owl"
RELEASE_FULL = ONTOLOGY_DIR / "dmkg-full.owl"
RELEASE_OBO = ONTOLOGY_DIR / "dmkg.obo"
RELEASE_JSON = ONTOLOGY_DIR / "dmkg.json"


def shared_dir() -> Path:
    return Path(os.environ.get("DMKG_SHARED", REPO_ROOT.parent / "shared"))


def build_dir() -> Path:
    return Path(os.environ.get("DMKG_BUILD", REPO_ROOT / "build"))


def cache_dir() -> Path:
    """Where dmkg keeps what any build on this machine may reuse (the compiled OWL API checker):
    ``$DMKG_CACHE``, else ``$XDG_CACHE_HOME/dmkg``, else ``~/.cache/dmkg``."""
    if os.environ.get("DMKG_CACHE"):
        return Path(os.environ["DMKG_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dmkg"


def default_store() -> Path:
    return build_dir() / "store"


def report_text() -> Path:
    """The letter as received; never copied into the repository."""
    return shared_dir() / "seed" / "report.txt"


def resolve_text(path: str) -> Path:
    """A source's `text:` path: relative to the repository root, `../shared/…` inside the shared folder."""
    if path.startswith("../shared/"):
        return shared_dir() / path.removeprefix("../shared/")
    return REPO_ROOT / path
