"""Copies of the curated sources for tests that break them on purpose: copy, change one string, and
know the line the change is on (the line every error must name)."""

from __future__ import annotations

import shutil
from pathlib import Path

from kg.paths import SOURCES_DIR

FIXTURE_DOCUMENT = Path(__file__).parent / "data" / "sources" / "fixture-synthetic"


def copy_sources(tmp_path: Path) -> Path:
    """A copy of kg/sources (the entity registry and the letter) in ``tmp_path/sources``."""
    target = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, target)
    return target


def copy_fixture_document(tmp_path: Path, name: str = "fixture-synthetic") -> Path:
    """A copy of the synthetic fixture document's folder in ``tmp_path/name``."""
    target = tmp_path / name
    shutil.copytree(FIXTURE_DOCUMENT, target)
    return target


def replace_in(path: Path, old: str, new: str) -> int:
    """Replace the first ``old`` in the file with ``new``; the 1-based line ``old`` started on."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1
