"""The `dmkg` command line, at the top of the import graph: it imports kg/ and server/, nothing imports it.

One module per command group: sources.py (build, check, new-source), query.py (query, queries, search,
stats), export.py (export, publish), validate.py; `serve` is server/serve.py's own command.
"""
