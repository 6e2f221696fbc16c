"""`dmkg query NAME` runs catalogue queries with --param, rejects bad parameters with exit code 2 naming
the parameter, and queries/README.md stays in step with the catalogue files."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner

from cli.main import cli
from kg import catalogue_docs
from kg.catalogue import load_catalogue


def run(built, *args: str):
    return CliRunner().invoke(cli, ["query", *args, "--store", str(built.store_path)])


def test_named_query_with_parameter(built) -> None:
    result = run(built, "drugs-by-target", "--param", "target=dmkgid:tnf-alpha", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["drug"], r["directTarget"]) for r in rows] == [
        ("https://w3id.org/dmkg/id/infliximab", "https://w3id.org/dmkg/id/tnf-alpha")
    ]


def test_named_query_defaults_as_json(built) -> None:
    import json

    result = run(built, "treatment-timeline", "--format", "json")
    assert result.exit_code == 0, result.output
    bindings = json.loads(result.stdout)["results"]["bindings"]
    steps = [
        (b["step"]["value"], b["drugLabel"]["value"], b["dose"]["value"], b["unit"]["value"])
        for b in bindings
    ]
    assert steps[0] == ("1", "prednisolone", "60", "mg")
    assert ("4", "efalizumab", "1.8", "mg/kg body weight") in steps


def test_rq_file_by_path(built) -> None:
    path = next(q.path for q in load_catalogue() if q.name == "reference-list")
    result = run(built, str(path), "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 16 and rows[10]["pmid"] == "12897739"


@pytest.mark.parametrize(
    "args,named",
    [
        (["drugs-by-target", "--param", "target=not an iri"], "target"),
        (["drugs-by-target", "--param", "nosuch=dmkgid:cd11a"], "nosuch"),
        (["drugs-by-target", "--param", "target"], "--param"),
        (["drug-disease-evidence", "--param", "drug=unknownprefix:x"], "drug"),
    ],
)
def test_bad_parameter_is_a_usage_error_naming_it(built, args, named) -> None:
    result = run(built, *args)
    assert result.exit_code == 2
    assert named in result.output


def test_missing_required_parameter(built, tmp_path) -> None:
    path = tmp_path / "010-needs-drug.rq"
    path.write_text(
        "#+ title: needs a drug\n#+ params:\n#+   drug: {type: iri}\n"
        "SELECT ?drug ?label WHERE { ?drug <http://www.w3.org/2000/01/rdf-schema#label> ?label }\n"
    )
    result = run(built, str(path))
    assert result.exit_code == 2
    assert "'drug'" in result.output and "required" in result.output


def test_unknown_query_name(built) -> None:
    result = run(built, "no-such-question")
    assert result.exit_code == 2 and "no-such-question" in result.output


def test_readme_is_in_step_with_the_catalogue() -> None:
    committed = catalogue_docs.README.read_text(encoding="utf-8")
    assert committed == catalogue_docs.render(load_catalogue()), (
        "queries/README.md is stale: run `python -m kg.catalogue_docs`"
    )


def test_readme_lists_every_query_with_parameters_and_example() -> None:
    text = catalogue_docs.render(load_catalogue())
    for query in load_catalogue():
        assert f"## `{query.name}`: {query.title}" in text
        for param in query.params:
            assert f"| `{param.name}` | {param.type} | `{param.default}` |" in text
    assert "Example answer: efalizumab: allergic asthma" in text
