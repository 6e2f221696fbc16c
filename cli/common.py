"""What every command shares: the --store option, the consoles and the result table."""

from __future__ import annotations

from pathlib import Path

import click
import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

from kg.paths import default_store

err = Console(stderr=True)
store_option = click.option("--store", "store_path", type=click.Path(path_type=Path), default=None,
                            help="pyoxigraph store directory (default: build/store).")


def existing_store(path: Path | None) -> Path:
    """The store directory the user named (or build/store); a usage error when there is none yet."""
    path = path or default_store()
    if not path.exists():
        raise click.UsageError(f"no store at {path}; run `dmkg build` first")
    return path


def open_store(path: Path | None) -> ox.Store:
    return ox.Store.read_only(str(existing_store(path)))


def print_table(solutions: ox.QuerySolutions) -> None:
    from kg.curie import compress_or_none

    def show(term: object) -> str:
        if term is None:
            return ""
        if isinstance(term, ox.NamedNode):
            return compress_or_none(term.value) or term.value
        return term.value if hasattr(term, "value") else str(term)

    names = [v.value for v in solutions.variables]
    table = Table(*names, show_lines=False)
    rows = 0
    for solution in solutions:
        table.add_row(*(show(solution[name]) for name in names))
        rows += 1
    Console(width=200).print(table)
    err.print(f"{rows} rows")
