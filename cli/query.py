"""Reading the built graph: `dmkg query`, `dmkg queries`, `dmkg search`, `dmkg stats`."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click
import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

from cli.common import err, existing_store, open_store, print_table, store_option

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG, "rdfxml": ox.RdfFormat.RDF_XML, "jsonld": ox.RdfFormat.JSON_LD,
}
STATS_QUERIES = {
    "triples per graph": "SELECT ?graph (COUNT(*) AS ?triples) WHERE { GRAPH ?graph { ?s ?p ?o } } "
                         "GROUP BY ?graph ORDER BY ?graph",
    "instances per class": "PREFIX dmkg: <https://w3id.org/dmkg/vocab/> "
                           "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) "
                           "WHERE { ?s a ?class FILTER(STRSTARTS(STR(?class), STR(dmkg:))) } "
                           "GROUP BY ?class ORDER BY DESC(?n) ?class",
    "triples per predicate": "SELECT ?predicate (COUNT(*) AS ?n) WHERE { ?s ?predicate ?o } "
                             "GROUP BY ?predicate ORDER BY DESC(?n) ?predicate",
}


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


@click.command()
@click.argument("query")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind a named query's parameter.")
@click.option("--format", "fmt", type=click.Choice(["table", *RESULT_FORMATS, *GRAPH_FORMATS]),
              default="table")
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
        print_table(result)


@click.command()
@store_option
def stats(store_path: Path | None) -> None:
    """The documents, then counts per named graph, class and predicate."""
    from kg.catalogue import load_catalogue

    store = open_store(store_path)
    documents = next(q for q in load_catalogue() if q.name == "documents")
    err.print("[bold]documents[/bold]")
    print_table(store.query(documents.sparql))
    for title, sparql in STATS_QUERIES.items():
        err.print(f"[bold]{title}[/bold]")
        print_table(store.query(sparql))


@click.command("queries")
def list_queries() -> None:
    """List the named queries of the catalogue."""
    from kg.catalogue import load_catalogue

    table = Table("name", "title", "parameters")
    for q in load_catalogue():
        table.add_row(q.name, q.title, ", ".join(f"{p.name} ({p.type})" for p in q.params))
    Console(width=200).print(table)


@click.command()
@click.argument("words", nargs=-1)
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@store_option
def search(words: tuple[str, ...], limit: int, fmt: str, store_path: Path | None) -> None:
    """Find entities, claims and quotes by words: labels, synonyms, identifiers (CD11a, DB00095,
    HP:0002015)."""
    import json

    from kg.search_index import IndexMissingError, SearchError, index_path
    from kg.search_index import search as run_search

    path = existing_store(store_path)
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
