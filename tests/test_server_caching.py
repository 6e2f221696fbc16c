"""HTTP caching and compression, on the real server over loopback: a weak ETag from the build on every
answer to a GET, 304 for If-None-Match before any query runs, Cache-Control, and gzip / brotli / zstd
of large answers negotiated by Accept-Encoding."""

from __future__ import annotations

import gzip
import json
import urllib.parse

import brotli
import pytest
from server_fixtures import TINY_TRIPLES

try:
    from compression import zstd
except ImportError:  # Python < 3.14: the backport flask-compress itself depends on
    from backports import zstd

EVERYTHING = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
JSON = {"Accept": "application/sparql-results+json"}


def sparql(query: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query})


def count(answer) -> int:
    return int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])


def test_answer_carries_weak_etag_and_cache_control(live) -> None:
    first = live.get(sparql(COUNT), headers=JSON)
    assert first.status == 200 and count(first) == TINY_TRIPLES
    assert first.headers["etag"].startswith('W/"')
    assert first.headers["cache-control"].startswith("public, max-age=")
    assert "Accept" in first.headers["vary"] and "Accept-Encoding" in first.headers["vary"]
    again = live.get(sparql(COUNT), headers=JSON)
    assert again.headers["etag"] == first.headers["etag"]  # same build, URL and Accept: same tag


def test_etag_differs_by_query_and_by_accept(live) -> None:
    tag = live.get(sparql(COUNT), headers=JSON).headers["etag"]
    other_query = live.get(sparql("ASK { ?s ?p ?o }"), headers=JSON).headers["etag"]
    as_csv = live.get(sparql(COUNT), headers={"Accept": "text/csv"})
    assert as_csv.body.decode().splitlines() == ["n", str(TINY_TRIPLES)]
    assert len({tag, other_query, as_csv.headers["etag"]}) == 3


def test_if_none_match_is_304_without_evaluating(live) -> None:
    tag = live.get(sparql(COUNT), headers=JSON).headers["etag"]
    answer = live.get(sparql(COUNT), headers={**JSON, "If-None-Match": tag})
    assert answer.status == 304 and answer.body == b""
    assert answer.headers["etag"] == tag and answer.headers["cache-control"].startswith("public")
    assert "eval;" not in answer.headers["server-timing"]  # no worker was asked
    stale = live.get(sparql(COUNT), headers={**JSON, "If-None-Match": 'W/"another-build"'})
    assert stale.status == 200 and count(stale) == TINY_TRIPLES


def test_pages_are_tagged_and_revalidated(live) -> None:
    page = live.get("/", headers={"Accept": "text/html"})
    assert page.status == 200 and page.headers["etag"].startswith('W/"')
    assert live.get("/", headers={"Accept": "text/html", "If-None-Match": page.headers["etag"]}).status == 304


def test_errors_and_health_are_not_cached(live) -> None:
    timed_out = live.get(sparql(CARTESIAN), headers=JSON)
    assert timed_out.status == 503 and timed_out.headers["cache-control"] == "no-store"
    assert "etag" not in timed_out.headers
    bad = live.get(sparql("SELECT WHERE {"), headers=JSON)
    assert bad.status == 400 and "etag" not in bad.headers and bad.headers["cache-control"] == "no-cache"
    health = live.get("/health")
    assert health.status == 200 and "etag" not in health.headers


@pytest.mark.parametrize(
    "encoding, decode",
    [("gzip", gzip.decompress), ("br", brotli.decompress), ("zstd", zstd.decompress)],
)
def test_large_answers_are_compressed_as_negotiated(live, encoding, decode) -> None:
    accept = {"Accept": "application/n-triples"}
    plain = live.get(sparql(EVERYTHING), headers=accept)
    assert plain.status == 200 and "content-encoding" not in plain.headers
    assert len(plain.body.splitlines()) == TINY_TRIPLES and len(plain.body) > 1024
    packed = live.get(sparql(EVERYTHING), headers={**accept, "Accept-Encoding": encoding})
    assert packed.status == 200 and packed.headers["content-encoding"] == encoding
    assert len(packed.body) < len(plain.body)
    assert sorted(decode(packed.body).splitlines()) == sorted(plain.body.splitlines())


def test_small_answers_stay_uncompressed(live) -> None:
    answer = live.get(sparql("ASK { ?s ?p ?o }"), headers={**JSON, "Accept-Encoding": "gzip"})
    assert answer.status == 200 and "content-encoding" not in answer.headers
    assert json.loads(answer.body)["boolean"] is True
