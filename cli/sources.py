"""The curator's commands: `dmkg build`, `dmkg check`, `dmkg new-source`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.table import Table

from cli.common import err, store_option
from kg.paths import SOURCES_DIR


@click.command()
@click.option("--sources", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder of source files (default: kg/sources).")
@click.option("--document", "documents", multiple=True,
              type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="Also build this document folder (repeatable), e.g. one not yet moved into kg/sources.")
@store_option
def build(sources: Path | None, documents: tuple[Path, ...], store_path: Path | None) -> None:
    """Build the ontology release files and the store from the curated sources."""
    from kg.build import BuildError
    from kg.build import build as run_build
    from kg.read_sources import SourceError

    with err.status("building") as status:
        try:
            report = run_build(sources or SOURCES_DIR, store_path, progress=lambda s: status.update(s),
                               extra_documents=documents)
        except (SourceError, BuildError) as exc:
            err.print(f"[red]build failed[/red] (nothing was written): {exc}")
            sys.exit(2)
    table = Table("step", "seconds", title=f"dmkg build: {report.quads} quads in {len(report.graphs)} graphs")
    for name, seconds in report.timings.items():
        table.add_row(name, f"{seconds:.2f}")
    err.print(table)
    r = report.reasoner
    err.print(f"HermiT: consistent={r['consistent']}, unsatisfiable={len(r['unsatisfiable_classes'])}, "
              f"inferred types={r['inferred_types']}, inferred subclass axioms={r['inferred_subclasses']}")
    err.print(f"SHACL: {len(report.shacl_violations)} violations; quotes: {report.quote_check}")
    err.print(f"documents: {', '.join(report.documents)}")
    for line in report.unchecked:
        err.print(f"[yellow]unchecked[/yellow] {line}", highlight=False)
    err.print(f"store: {report.store}\nreport: build/build-report.json")


@click.command()
@click.argument("path", required=False, type=click.Path(path_type=Path, exists=True))
def check(path: Path | None) -> None:
    """Check source files without building: one line per problem, exit status 1 if there is any.

    PATH is the sources folder (default kg/sources), a document folder or a file in one; a document
    outside kg/sources is checked together with the documents inside it.
    """
    from kg.checks.source_checks import check as run_check

    result = run_check(path or SOURCES_DIR)
    for problem in result.problems:
        click.echo(str(problem))
    for line in result.unchecked:
        click.echo(f"unchecked: {line}")
    err.print(f"{len(result.problems)} problems; {result.quotes_checked} quotes found verbatim; "
              f"{len(result.unchecked)} things unchecked", highlight=False)
    if result.problems:
        sys.exit(1)


@click.command("new-source")
@click.argument("document_id", metavar="ID")
@click.option("--sources", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder of source files (default: kg/sources).")
def new_source(document_id: str, sources: Path | None) -> None:
    """Start a source document: ID/document.yaml and a reference template, commented, to fill in."""
    from kg.scaffold import ScaffoldError
    from kg.scaffold import new_source as scaffold

    try:
        written = scaffold(document_id, sources or SOURCES_DIR)
    except ScaffoldError as exc:
        raise click.BadParameter(str(exc), param_hint="ID") from exc
    for path in written:
        click.echo(str(path))
    err.print(f"next: fill in the TODOs, then `dmkg check {written[0].parent}` and `dmkg build`")
