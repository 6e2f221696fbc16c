"""Where dmkg's data lives. The one place that knows the repository layout.

`ontology/` and `queries/` are data folders (no Python packages), and the seed material sits in
`../shared` beside the checkout; DMKG_SHARED and DMKG_BUILD override those for other layouts.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = REPO_ROOT / "ontology"
SOURCES_DIR = REPO_ROOT / "kg" / "sources"
QUERIES_DIR = REPO_ROOT / "queries"

EDIT_ONTOLOGY = ONTOLOGY_DIR / "dmkg-edit.ttl"
SHAPES = ONTOLOGY_DIR / "shapes.ttl"
RELEASE_TTL = ONTOLOGY_DIR / "dmkg.ttl"
RELEASE_OWL = ONTOLOGY_DIR / "dmkg.owl"
RELEASE_FULL = ONTOLOGY_DIR / "dmkg-full.owl"


def shared_dir() -> Path:
    return Path(os.environ.get("DMKG_SHARED", REPO_ROOT.parent / "shared"))


def build_dir() -> Path:
    return Path(os.environ.get("DMKG_BUILD", REPO_ROOT / "build"))


def default_store() -> Path:
    return build_dir() / "store"


def report_text() -> Path:
    """The letter as received; never copied into the repository."""
    return shared_dir() / "seed" / "report.txt"
