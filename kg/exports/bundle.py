"""`dmkg export --all DIR`: every exchange format, each checked by its community's validator, with a
manifest (file, format, validator, result, counts, what was left out and why)."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

import pyoxigraph as ox

from kg import atomic
from kg.exports import validators
from kg.exports.kgx import EXTENSION_COLUMNS, export_kgx
from kg.exports.phenopacket import cases, export_phenopacket, export_phenopackets, find_case
from kg.exports.sssom import export_sssom
from kg.paths import RELEASE_JSON, RELEASE_OBO

PHENOPACKET_FILE = "dmkg.phenopacket.json"
SSSOM_FILE = "dmkg.sssom.tsv"
MANIFEST_FILE = "manifest.json"


def export_all(store: ox.Store, directory: Path) -> dict:
    """Write and validate every format into DIRECTORY; return the manifest (also written there)."""
    directory.mkdir(parents=True, exist_ok=True)
    entries = []

    def record(check: validators.Validation, left_out: list[str]) -> None:
        entry = {k: v for k, v in asdict(check).items() if k != "warnings"}
        entries.append(
            {**entry, "result": check.result, "warnings": len(check.warnings), "left_out": left_out}
        )

    name = PHENOPACKET_FILE if len(cases(store)) == 1 else "dmkg.{case}.phenopacket.json"
    packets = export_phenopackets(store, directory, name)
    for path, packet in packets.items():
        record(validators.validate_phenopacket(path), packet.omitted)
    kgx = export_kgx(store, directory)
    record(validators.validate_kgx(kgx.nodes, kgx.edges, EXTENSION_COLUMNS), kgx.left_out)
    sssom = export_sssom(store, directory / SSSOM_FILE)
    record(validators.validate_sssom(directory / SSSOM_FILE), sssom.left_out)
    for release, check in (
        (RELEASE_OBO, validators.validate_obo),
        (RELEASE_JSON, validators.validate_obographs),
    ):
        shutil.copyfile(release, directory / release.name)
        record(check(directory / release.name), [])
    manifest = {"files": entries, "valid": all(not e["errors"] for e in entries)}
    atomic.write_bytes(directory / MANIFEST_FILE, (json.dumps(manifest, indent=2) + "\n").encode("utf-8"))
    return manifest


EXCHANGE_FORMATS = ("phenopacket", "kgx", "sssom")


def export_format(store: ox.Store, fmt: str, output: Path | None, case: str | None = None) -> bytes | None:
    """One exchange format: to OUTPUT (kgx: a directory for the nodes and edges files), or its bytes.

    A phenopacket has one subject: with several cases and none named, OUTPUT is a directory that gets
    one file per case, named by the case.
    """
    import tempfile

    if fmt == "kgx":
        if output is None:
            raise ValueError("kgx writes two files (nodes and edges): give --output DIR")
        export_kgx(store, output)
        return None
    if fmt == "phenopacket" and case is None and output is not None and len(cases(store)) > 1:
        export_phenopackets(store, output)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = output or Path(tmp) / "export"
        if fmt == "phenopacket":
            export_phenopacket(store, path, find_case(store, case))
        else:
            export_sssom(store, path)
        return None if output else path.read_bytes()
