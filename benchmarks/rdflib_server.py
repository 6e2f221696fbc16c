"""rdflib-endpoint (the Python peer) serving one N-Quads file on loopback, for the query benchmark.

    .venv/bin/python -m benchmarks.rdflib_server FILE.nq PORT
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    import uvicorn
    from rdflib import Dataset
    from rdflib_endpoint import SparqlEndpoint

    path, port = argv[0], int(argv[1])
    # the union of all graphs is the same set of triples as the file's materialised default graph, so
    # this answers as dmkg serve and oxigraph serve do on their store's default graph
    ds = Dataset(default_union=True)
    ds.parse(path, format="nquads")
    app = SparqlEndpoint(graph=ds, path="/sparql", enable_update=False, cors_enabled=False)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
