"""Write the knowledge graph into an on-disk pyoxigraph store without ever exposing a half-built one.

Each build loads into a fresh directory `build/stores/<digest>` and then swaps the `build/store`
symlink with one atomic rename, so a failed or interrupted build leaves the previous store in place
and a running server keeps reading a complete store. Old stores are pruned, except those a running
server holds a lease on (kg/lease.py): a served store is never deleted.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox

from kg import atomic, lease


def write_nquads(quads: Iterable[ox.Quad], path: Path) -> Path:
    """N-Quads by pyoxigraph's serializer, sorted: the byte-for-byte reproducible dump of a build."""
    with atomic.replacing(path) as tmp:
        ox.serialize(sorted(quads, key=str), output=str(tmp), format=ox.RdfFormat.N_QUADS)
    return path


MERGE_INTO_DEFAULT_GRAPH = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
"""For stores not made by `dmkg build` (which writes the default graph itself): a real default graph
holding every triple of the named graphs once, as every dmkg query expects."""


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()[:16]


def load_store(nquads: Path, store_link: Path, sidecar: Callable[[Path], object] | None = None) -> Path:
    """Bulk-load the N-Quads file into a new store directory and point `store_link` at it atomically.

    Loading from the path lets pyoxigraph stream the file, so memory stays flat however large it is.
    ``sidecar(store_dir)`` writes files derived from the new store (the search index) before the swap,
    so they are in place the moment the link names the store.
    """
    digest = _digest(nquads)
    stores = store_link.parent / "stores"
    stores.mkdir(parents=True, exist_ok=True)
    target = stores / digest
    staging = stores / f".{digest}.{os.getpid()}.loading"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        store = ox.Store(str(staging))
        store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        store.optimize()
        store.flush()
        del store
        if target.exists():
            shutil.rmtree(staging)
        else:
            os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if sidecar is not None:
        sidecar(target)
    previous = store_link.resolve() if store_link.is_symlink() else None
    _swap_link(store_link, target)
    _prune(stores, keep={target, previous})
    return target


def _swap_link(link: Path, target: Path) -> None:
    if link.exists() and not link.is_symlink():
        raise FileExistsError(f"{link} is a directory, not a dmkg store link; move it away first")
    tmp = link.with_name(f".{link.name}.{os.getpid()}.link")
    tmp.unlink(missing_ok=True)
    os.symlink(os.path.relpath(target, link.parent), tmp)
    os.replace(tmp, link)


def _prune(stores: Path, keep: set[Path | None]) -> None:
    """Keep the new store, the one it replaced and every store a running server holds a lease on
    (kg/lease.py), each with its sidecar files (``<digest>.*``); drop the rest."""
    kept = {path.name for path in keep if path is not None}
    for old in stores.iterdir():
        if old.name.startswith(".") or not old.is_dir() or old.resolve() in keep:
            continue
        if lease.in_use(old):
            kept.add(old.name)
        else:
            shutil.rmtree(old, ignore_errors=True)
    for old in stores.iterdir():
        if old.is_file() and not old.name.startswith(".") and old.name.split(".", 1)[0] not in kept:
            old.unlink(missing_ok=True)
