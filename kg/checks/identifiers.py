"""../shared/sources/identifiers.tsv, the verified identifiers of the sources, read once per process
while the file is unchanged: the source checks want its verified rows, the HPO check its recorded
labels, and both run in one build or one `dmkg check`."""

from __future__ import annotations

import csv
import functools
from pathlib import Path

from kg.paths import shared_dir

# identifiers.tsv names a namespace; the sources write the CURIE prefix of the prefix map
TSV_PREFIX = {"DrugBank": "DRUGBANK", "ChEMBL": "CHEMBL.COMPOUND", "UniProt": "UniProtKB"}


def identifiers_table() -> Path:
    return shared_dir() / "sources" / "identifiers.tsv"


def identifier_rows(table: Path) -> tuple[dict[str, str], ...]:
    """The table's rows (each a mapping of column to value), parsed again only when the file changed."""
    stat = table.stat()
    return _rows(table.resolve(), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _rows(table: Path, mtime_ns: int, size: int) -> tuple[dict[str, str], ...]:
    with table.open(encoding="utf-8") as handle:
        return tuple(csv.DictReader(handle, delimiter="\t"))


def verified_identifiers(table: Path) -> set[str]:
    """The CURIEs identifiers.tsv marks as verified, written as the sources write them."""
    found = set()
    for row in identifier_rows(table):
        if row["verified"] != "yes":
            continue
        ident, namespace = row["id"], row["namespace"]
        if namespace.startswith("ATC") and ":" not in ident:
            ident = f"ATC:{ident}"
        elif namespace in TSV_PREFIX:
            ident = f"{TSV_PREFIX[namespace]}:{ident}"
        found.add(ident)
    return found
