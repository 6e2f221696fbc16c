"""The `dmkg` command line, run as a real subprocess against the session's built store."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib

DMKG = [str(Path(sys.executable).with_name("dmkg"))]


def run(*args: str, store: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
    cmd = [*DMKG, *args] + (["--store", str(store)] if store else [])
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


TIMELINE = """PREFIX dmkg: <https://w3id.org/dmkg/vocab/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?step ?drug ?dose ?unit WHERE { ?c dmkg:stepNumber ?step ; dmkg:administersDrug/rdfs:label ?drug ;
  dmkg:doseValue ?dose ; dmkg:doseUnit ?unit } ORDER BY ?step ?drug"""


def test_query_text_as_csv(built):
    rows = list(
        csv.DictReader(io.StringIO(run("query", TIMELINE, "--format", "csv", store=built.store_path).stdout))
    )
    assert [(r["step"], r["drug"], r["dose"], r["unit"]) for r in rows][:3] == [
        ("1", "prednisolone", "60", "mg"),
        ("2", "methotrexate", "15", "mg"),
        ("3", "efalizumab", "1", "mg/kg body weight"),
    ]


def test_query_table_shows_compact_iris(built):
    out = run("query", "SELECT ?t WHERE { <https://w3id.org/dmkg/id/efalizumab> "
              "<https://w3id.org/dmkg/vocab/hasTarget> ?t }", store=built.store_path).stdout
    assert "dmkgid:cd11a" in out


def test_query_rq_file_and_named_query_with_param(built, tmp_path):
    rq = tmp_path / "targets.rq"
    rq.write_text("SELECT DISTINCT ?t WHERE { <https://w3id.org/dmkg/id/infliximab> "
                  "<https://w3id.org/dmkg/vocab/hasTarget> ?t }", encoding="utf-8")
    data = json.loads(run("query", str(rq), "--format", "json", store=built.store_path).stdout)
    assert [b["t"]["value"] for b in data["results"]["bindings"]] == ["https://w3id.org/dmkg/id/tnf-alpha"]
    named = run("query", "treatment-timeline", "--param", "case=dmkgid:case", "--format", "csv",
                store=built.store_path).stdout
    assert "efalizumab" in named and "1.8" in named


def test_bad_parameter_is_a_usage_error_naming_it(built):
    result = run(
        "query", "treatment-timeline", "--param", "case=not a curie", store=built.store_path, check=False
    )
    assert result.returncode == 2
    assert "case" in result.stderr
    unknown = run("query", "treatment-timeline", "--param", "nope=1", store=built.store_path, check=False)
    assert unknown.returncode == 2 and "nope" in unknown.stderr


def test_syntax_error_is_reported_with_position(built):
    result = run("query", "SELECT ?x WHERE { ?x ?y }", store=built.store_path, check=False)
    assert result.returncode == 2 and "SPARQL syntax error" in result.stderr


@pytest.mark.parametrize(("fmt", "rdflib_format"), [("turtle", "turtle"), ("nquads", "nquads"),
                                                   ("rdfxml", "xml"), ("jsonld", "json-ld")])
def test_export_parses_back(built, tmp_path, fmt, rdflib_format):
    out = tmp_path / f"export.{fmt}"
    run("export", "--format", fmt, "--output", str(out), store=built.store_path)
    graph = rdflib.Dataset(default_union=True) if fmt in ("nquads", "jsonld") else rdflib.Graph()
    graph.parse(out, format=rdflib_format)
    triple = (rdflib.URIRef("https://w3id.org/dmkg/id/efalizumab"), rdflib.URIRef("https://w3id.org/dmkg/vocab/hasTarget"),
              rdflib.URIRef("https://w3id.org/dmkg/id/cd11a"))
    assert triple in graph


def test_stats_counts_graphs_and_classes(built):
    out = run("stats", store=built.store_path)
    text = out.stdout + out.stderr
    assert "triples per graph" in text and "dmkggraph:letter/assertion" in text.replace("\n", "")
    assert "dmkg:TreatmentCourse" in text


def test_missing_store_says_to_build(tmp_path):
    result = run("query", "ASK {}", store=tmp_path / "nowhere", check=False)
    assert result.returncode == 2 and "dmkg build" in result.stderr
