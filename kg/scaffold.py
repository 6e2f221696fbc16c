"""`dmkg new-source ID`: a new document folder from the commented templates in kg/source_template/.

The templates are data a curator reads; the code only fills in the id and the date, and refuses to
overwrite a folder that exists.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from kg.read_sources import ENTITIES_FILE

TEMPLATE_DIR = Path(__file__).resolve().parent / "source_template"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ScaffoldError(ValueError):
    """The id or the folder cannot be used; the message says why."""


def new_source(document_id: str, sources_dir: Path, today: datetime.date | None = None) -> list[Path]:
    """Write sources_dir/ID/document.yaml and references/ref-01.yaml.example; return what was written."""
    if not SLUG.match(document_id):
        raise ScaffoldError(f"{document_id!r} is not an id: use lower-case letters, digits and hyphens")
    if document_id == Path(ENTITIES_FILE).stem:
        raise ScaffoldError(f"{document_id!r} is the entity registry's id")
    folder = sources_dir / document_id
    if folder.exists():
        raise ScaffoldError(f"{folder} exists already")
    date = (today or datetime.date.today()).isoformat()
    written = []
    for template in sorted(TEMPLATE_DIR.rglob("*")):
        if template.is_file():
            target = folder / template.relative_to(TEMPLATE_DIR)
            target.parent.mkdir(parents=True, exist_ok=True)
            text = template.read_text(encoding="utf-8").replace("{id}", document_id).replace("{date}", date)
            target.write_text(text, encoding="utf-8")
            written.append(target)
    return written
