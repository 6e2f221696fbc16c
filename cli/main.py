"""The `dmkg` command line: build, check, new-source, query, queries, search, stats, export, publish,
validate, serve.

Thin wrappers: each command parses options, calls one library function and prints. Errors in user
input exit with status 2 and a message naming the file, line or parameter at fault.
"""

from __future__ import annotations

import click

from cli.export import export, publish
from cli.query import list_queries, query, search, stats
from cli.sources import build, check, new_source
from cli.validate import validate_command
from server.serve import serve


@click.group()
@click.version_option(package_name="dmkg")
def cli() -> None:
    """dmkg: the dermatomyositis–efalizumab knowledge graph."""


for command in (build, check, new_source, query, list_queries, search, stats, export, publish,
                validate_command, serve):
    cli.add_command(command)


def main() -> None:
    cli()
