"""SPARQL 1.1 Protocol update cases with updates enabled (issue 10): the update dataset parameters,
the service-defined base IRI and a dataset given twice, on a real server on loopback."""

from __future__ import annotations

import pytest
from server_fixtures import start_server, stop_server

from benchmarks.reliability.update_protocol import CASES, Endpoint, run_cases


@pytest.fixture(scope="module")
def writable(tiny_store, tmp_path_factory):
    import shutil

    directory = tmp_path_factory.mktemp("update-protocol")
    store = directory / "store"
    shutil.copytree(tiny_store, store)
    token = directory / "token"
    token.write_text("protocol-token", encoding="utf-8")
    server = start_server(
        store, directory / "serve.log", "--enable-updates", "--update-token-file", str(token)
    )
    yield server
    stop_server(server)


def test_every_w3c_update_case_passes(writable) -> None:
    endpoint = Endpoint(writable.url + "/sparql", writable.url + "/sparql",
                        {"Authorization": "Bearer protocol-token"})  # fmt: skip
    results = run_cases(endpoint)
    assert len(results) == len(CASES) == 15
    assert [name for name, passed in results.items() if not passed] == []
