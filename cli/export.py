"""Getting the graph out: `dmkg export` (RDF or an exchange format) and `dmkg publish` (to an engine)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

from cli.common import err, existing_store, open_store, store_option
from cli.query import GRAPH_FORMATS
from kg import atomic


@click.command()
@click.option("--format", "fmt", type=click.Choice([*GRAPH_FORMATS, "phenopacket", "kgx", "sssom"]),
              default="nquads")
@click.option("--graph", "graph", default=None, help="Export one named graph (IRI); default: all graphs.")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="File (default: stdout); a directory for kgx, and for phenopacket on a build of several "
                   "cases (one file per case).")
@click.option("--case", "case", default=None, metavar="ID",
              help="For phenopacket: the case (id, CURIE or IRI); default: the only case, or every case.")
@click.option("--all", "all_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Write every exchange format into DIR, validate each, and write DIR/manifest.json.")
@store_option
def export(fmt: str, graph: str | None, output: Path | None, case: str | None, all_dir: Path | None,
           store_path: Path | None) -> None:
    """Export the graph: RDF (triple formats give the default graph: every fact once) or an exchange
    format (phenopacket, kgx, sssom; --all for every one with its validator's verdict)."""
    if case is not None and (fmt != "phenopacket" or all_dir is not None):
        raise click.BadParameter("--case picks the case of --format phenopacket", param_hint="--case")
    store = open_store(store_path)
    if all_dir is not None or fmt not in GRAPH_FORMATS:
        _export_exchange(store, fmt, output, case, all_dir)
        return
    rdf_format = GRAPH_FORMATS[fmt]
    graph_name = ox.NamedNode(graph) if graph else None if rdf_format.supports_datasets else ox.DefaultGraph()
    quads = store.quads_for_pattern(None, None, None, graph_name)
    if not rdf_format.supports_datasets:
        quads = (ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    from kg.curie import prefix_map

    data = ox.serialize(quads, format=rdf_format, prefixes=prefix_map() if fmt != "nquads" else None)
    if output:
        atomic.write_bytes(output, data)
    else:
        sys.stdout.buffer.write(data)


def _export_exchange(store: ox.Store, fmt: str, output: Path | None, case: str | None,
                     all_dir: Path | None) -> None:
    from kg.exports.bundle import export_all, export_format
    from kg.exports.common import ExportError

    try:
        if all_dir is None:
            data = export_format(store, fmt, output, case)
            if data is not None:
                sys.stdout.buffer.write(data)
            return
        manifest = export_all(store, all_dir)
    except (ExportError, ValueError) as exc:
        err.print(f"[red]export failed[/red]: {exc}")
        sys.exit(2)
    table = Table("file", "format", "validator", "result", "counts", title=f"dmkg export --all {all_dir}")
    for entry in manifest["files"]:
        table.add_row(entry["file"], entry["format"], entry["validator"], entry["result"],
                      ", ".join(f"{k} {v}" for k, v in entry["counts"].items()))
    Console(width=200, stderr=True).print(table)
    if not manifest["valid"]:
        sys.exit(1)


@click.command()
@click.option("--to", "gsp_url", required=True, metavar="URL",
              help="The engine's SPARQL 1.1 Graph Store endpoint (Oxigraph: .../store; Virtuoso: "
                   ".../sparql-graph-crud-auth).")
@click.option("--update-url", default=None, metavar="URL",
              help="Its SPARQL Update endpoint: load into staging graphs, then swap in one update.")
@click.option("--auth", "scheme", type=click.Choice(["basic", "digest", "bearer"]), default=None)
@click.option("--user", default=None, help="User name for --auth basic/digest.")
@click.option("--secret-file", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="File holding the password or token (or set DMKG_PUBLISH_SECRET).")
@click.option("--timeout", "timeout_s", type=float, default=300.0, show_default=True,
              help="Seconds allowed per HTTP request.")
@store_option
def publish(gsp_url: str, update_url: str | None, scheme: str | None, user: str | None,
            secret_file: Path | None, timeout_s: float, store_path: Path | None) -> None:
    """Publish the built dataset to a SPARQL engine (Graph Store Protocol), then verify it graph by graph."""
    from kg.publish import PublishError
    from kg.publish import publish as run_publish
    from kg.remote_http import Credentials

    try:
        credentials = Credentials.from_options(scheme, user, secret_file, "DMKG_PUBLISH_SECRET")
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    path = existing_store(store_path)
    try:
        report = run_publish(path, gsp_url, update_url=update_url, credentials=credentials,
                             timeout_s=timeout_s, progress=lambda line: err.print(line))
    except PublishError as exc:
        err.print(f"[red]publish failed[/red]: {exc}\nRunning the same command again completes the publish.")
        sys.exit(1)
    table = Table("graph", "triples (verified on the engine)",
                  title=f"dmkg publish: release {report.release}")
    for name, count in report.graphs.items():
        table.add_row(name, str(count))
    Console(width=200).print(table)
    mode = ("loaded into staging graphs, swapped in one update" if report.swapped
            else "each graph PUT in place")
    err.print(f"{mode}; dropped from the previous release: {', '.join(report.dropped) or 'nothing'}")
