"""The `dmkg` command line: build, query, export, stats, validate, serve.

Thin wrappers: each command parses options, calls one library function and prints. Errors in user
input exit with status 2 and a message naming the file, line or parameter at fault.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click
import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

from kg.paths import default_store

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG, "rdfxml": ox.RdfFormat.RDF_XML, "jsonld": ox.RdfFormat.JSON_LD,
}

err = Console(stderr=True)
store_option = click.option("--store", "store_path", type=click.Path(path_type=Path), default=None,
                            help="pyoxigraph store directory (default: build/store).")


def open_store(path: Path | None) -> ox.Store:
    path = path or default_store()
    if not path.exists():
        raise click.UsageError(f"no store at {path}; run `dmkg build` first")
    return ox.Store.read_only(str(path))


@click.group()
@click.version_option(package_name="dmkg")
def cli() -> None:
    """dmkg: the dermatomyositis–efalizumab knowledge graph."""


@cli.command()
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
    from kg.paths import SOURCES_DIR
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


def _named_query(query: str):
    """The catalogue entry or headed .rq file QUERY names, or None when QUERY is SPARQL to run as is."""
    from kg.catalogue import CatalogueError, load_catalogue, load_query

    path = Path(query)
    try:
        if query.endswith(".rq") and path.is_file():
            headed = any(line.startswith("#+") for line in path.read_text(encoding="utf-8").splitlines())
            return load_query(path) if headed else None
        if re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", query):
            named = next((q for q in load_catalogue() if q.name == query), None)
            if named is None:
                raise click.BadParameter(f"no named query {query!r} (see `dmkg queries`)", param_hint="QUERY")
            return named
    except CatalogueError as exc:
        raise click.BadParameter(str(exc), param_hint="QUERY") from exc
    return None


def _query_text(query: str, params: tuple[str, ...]) -> tuple[str, dict]:
    """SPARQL text and its bindings: a catalogue name, a .rq file or SPARQL, with --param values bound."""
    from kg.catalogue import ParameterError

    values = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not k=v", param_hint="--param")
        values[key] = value
    named = _named_query(query)
    if named is None:
        if values:
            raise click.BadParameter("parameters only apply to named queries and headed .rq files",
                                     param_hint="--param")
        path = Path(query)
        return (path.read_text(encoding="utf-8") if query.endswith(".rq") and path.is_file() else query), {}
    try:
        return named.sparql, named.bind(values)
    except ParameterError as exc:
        raise click.BadParameter(str(exc), param_hint=f"--param {exc.param}") from exc


@cli.command()
@click.argument("query")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="Bind a named query's parameter.")
@click.option("--format", "fmt", type=click.Choice(["table", *RESULT_FORMATS, *GRAPH_FORMATS]), default="table")
@store_option
def query(query: str, params: tuple[str, ...], fmt: str, store_path: Path | None) -> None:
    """Run QUERY: a named query from queries/catalogue, a .rq file, or SPARQL text."""
    sparql, bindings = _query_text(query, params)
    store = open_store(store_path)
    try:
        result = store.query(sparql, substitutions=bindings or None)
    except SyntaxError as exc:
        raise click.BadParameter(f"SPARQL syntax error: {exc}", param_hint="QUERY") from exc
    out = sys.stdout.buffer
    if isinstance(result, ox.QueryTriples):
        graph_format = GRAPH_FORMATS.get(fmt, ox.RdfFormat.TURTLE)
        result.serialize(out, format=graph_format)
    elif fmt in RESULT_FORMATS:
        result.serialize(out, format=RESULT_FORMATS[fmt])
    elif isinstance(result, ox.QueryBoolean):
        click.echo("true" if bool(result) else "false")
    else:
        _print_table(result)


def _print_table(solutions: ox.QuerySolutions) -> None:
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


@cli.command()
@click.option("--format", "fmt", type=click.Choice([*GRAPH_FORMATS, "phenopacket", "kgx", "sssom"]),
              default="nquads")
@click.option("--graph", "graph", default=None, help="Export one named graph (IRI); default: all graphs.")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="File (default: stdout); a directory for kgx.")
@click.option("--all", "all_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Write every exchange format into DIR, validate each, and write DIR/manifest.json.")
@store_option
def export(fmt: str, graph: str | None, output: Path | None, all_dir: Path | None,
           store_path: Path | None) -> None:
    """Export the graph: RDF (triple formats give the default graph: every fact once) or an exchange
    format (phenopacket, kgx, sssom; --all for every one with its validator's verdict)."""
    store = open_store(store_path)
    if all_dir is not None or fmt not in GRAPH_FORMATS:
        _export_exchange(store, fmt, output, all_dir)
        return
    rdf_format = GRAPH_FORMATS[fmt]
    graph_name = ox.NamedNode(graph) if graph else None if rdf_format.supports_datasets else ox.DefaultGraph()
    quads = store.quads_for_pattern(None, None, None, graph_name)
    if not rdf_format.supports_datasets:
        quads = (ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    from kg.curie import prefix_map

    data = ox.serialize(quads, format=rdf_format, prefixes=prefix_map() if fmt != "nquads" else None)
    if output:
        tmp = output.with_name(output.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(output)
    else:
        sys.stdout.buffer.write(data)


def _export_exchange(store: ox.Store, fmt: str, output: Path | None, all_dir: Path | None) -> None:
    from kg.exports.bundle import export_all, export_format
    from kg.exports.common import ExportError

    try:
        if all_dir is None:
            data = export_format(store, fmt, output)
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


@cli.command()
@store_option
def stats(store_path: Path | None) -> None:
    """The documents, then counts per named graph, class and predicate."""
    from kg.catalogue import load_catalogue

    store = open_store(store_path)
    documents = next(q for q in load_catalogue() if q.name == "documents")
    err.print("[bold]documents[/bold]")
    _print_table(store.query(documents.sparql))
    queries = {
        "triples per graph": "SELECT ?graph (COUNT(*) AS ?triples) WHERE { GRAPH ?graph { ?s ?p ?o } } "
                             "GROUP BY ?graph ORDER BY ?graph",
        "instances per class": "PREFIX dmkg: <https://w3id.org/dmkg/vocab/> SELECT ?class (COUNT(DISTINCT ?s) AS ?n) "
                               "WHERE { ?s a ?class FILTER(STRSTARTS(STR(?class), STR(dmkg:))) } "
                               "GROUP BY ?class ORDER BY DESC(?n) ?class",
        "triples per predicate": "SELECT ?predicate (COUNT(*) AS ?n) WHERE { ?s ?predicate ?o } "
                                 "GROUP BY ?predicate ORDER BY DESC(?n) ?predicate",
    }
    for title, sparql in queries.items():
        err.print(f"[bold]{title}[/bold]")
        _print_table(store.query(sparql))


@cli.command()
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
    path = store_path or default_store()
    if not path.exists():
        raise click.UsageError(f"no store at {path}; run `dmkg build` first")
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


@cli.command("queries")
def list_queries() -> None:
    """List the named queries of the catalogue."""
    from kg.catalogue import load_catalogue

    table = Table("name", "title", "parameters")
    for q in load_catalogue():
        table.add_row(q.name, q.title, ", ".join(f"{p.name} ({p.type})" for p in q.params))
    Console(width=200).print(table)


@cli.command()
@click.argument("words", nargs=-1)
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@store_option
def search(words: tuple[str, ...], limit: int, fmt: str, store_path: Path | None) -> None:
    """Find entities, claims and quotes by words: labels, synonyms, identifiers (CD11a, DB00095, HP:0002015)."""
    import json

    from kg.search_index import IndexMissingError, SearchError, index_path
    from kg.search_index import search as run_search

    path = store_path or default_store()
    if not path.exists():
        raise click.UsageError(f"no store at {path}; run `dmkg build` first")
    try:
        hits = run_search(index_path(path), " ".join(words), limit)
    except SearchError as exc:
        raise click.BadParameter(str(exc), param_hint="WORDS") from exc
    except IndexMissingError as exc:
        raise click.UsageError(str(exc)) from exc
    if fmt == "json":
        click.echo(json.dumps({"query": " ".join(words), "results": [h.as_dict() for h in hits]}, indent=2))
        return
    table = Table("#", "label", "kind", "entity", "match")
    for rank, hit in enumerate(hits, 1):
        table.add_row(str(rank), hit.label, hit.kind, hit.as_dict()["curie"] or hit.iri, hit.snippet_text)
    Console(width=200).print(table)
    err.print(f"{len(hits)} results")


@cli.command()
@click.argument("path", required=False, type=click.Path(path_type=Path, exists=True))
def check(path: Path | None) -> None:
    """Check source files without building: one line per problem, exit status 1 if there is any.

    PATH is the sources folder (default kg/sources), a document folder or a file in one; a document
    outside kg/sources is checked together with the documents inside it.
    """
    from kg.paths import SOURCES_DIR
    from kg.source_checks import check as run_check

    result = run_check(path or SOURCES_DIR)
    for problem in result.problems:
        click.echo(str(problem))
    for line in result.unchecked:
        click.echo(f"unchecked: {line}")
    err.print(f"{len(result.problems)} problems; {result.quotes_checked} quotes found verbatim; "
              f"{len(result.unchecked)} things unchecked", highlight=False)
    if result.problems:
        sys.exit(1)


@cli.command("new-source")
@click.argument("document_id", metavar="ID")
@click.option("--sources", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder of source files (default: kg/sources).")
def new_source(document_id: str, sources: Path | None) -> None:
    """Start a source document: ID/document.yaml and a reference template, commented, to fill in."""
    from kg.paths import SOURCES_DIR
    from kg.scaffold import ScaffoldError
    from kg.scaffold import new_source as scaffold

    try:
        written = scaffold(document_id, sources or SOURCES_DIR)
    except ScaffoldError as exc:
        raise click.BadParameter(str(exc), param_hint="ID") from exc
    for path in written:
        click.echo(str(path))
    err.print(f"next: fill in the TODOs, then `dmkg check {written[0].parent}` and `dmkg build`")


def _register_optional_commands() -> None:
    """validate and serve live with their own code (kg/validate.py, server/serve.py)."""
    from kg.validate_report import validate_command
    from server.serve import serve

    cli.add_command(validate_command)
    cli.add_command(serve)


_register_optional_commands()


def main() -> None:
    cli()
