"""Named queries over HTTP and the catalogue parser they rest on (kg/catalogue.py)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from server_fixtures import EFALIZUMAB, TEST_CATALOGUE

from kg.catalogue import CatalogueError, ParameterError, load_catalogue, load_query

CD11A = "https://w3id.org/dmkg/id/target/cd11a"


def rows(response) -> list[dict]:
    return json.loads(response.data)["results"]["bindings"]


# --- HTTP ---------------------------------------------------------------------------------------------


def test_list_queries(client) -> None:
    body = json.loads(client.get("/queries").data)
    names = [q["name"] for q in body["queries"]]
    assert names == ["drug-targets", "drugs-by-name", "sleep"]
    targets = body["queries"][0]
    assert targets["title"] == "Targets of a drug"
    assert targets["params"] == [
        {"name": "drug", "type": "iri", "default": "dmkgid:drug/efalizumab", "required": False,
         "description": "The drug"}
    ]  # fmt: skip
    assert targets["url"].endswith("/queries/drug-targets")


def test_run_with_default(client) -> None:
    result = rows(client.get("/queries/drug-targets"))
    assert [r["target"]["value"] for r in result] == [CD11A]


@pytest.mark.parametrize("drug", ["dmkgid:drug/efalizumab", EFALIZUMAB, f"<{EFALIZUMAB}>"])
def test_iri_parameter_forms(client, drug) -> None:
    result = rows(client.get("/queries/drug-targets", query_string={"drug": drug}))
    assert [r["target"]["value"] for r in result] == [CD11A]


def test_other_drug_has_no_targets(client) -> None:
    assert rows(client.get("/queries/drug-targets", query_string={"drug": "dmkgid:drug/prednisone"})) == []


def test_negotiated_like_sparql(client) -> None:
    response = client.get(
        "/queries/drugs-by-name", query_string={"text": "pred"}, headers={"Accept": "text/csv"}
    )
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["label"] for r in table] == ["prednisone"]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"drug": "zz:1"}, "drug"),
        ({"drug": "http://example.org/a b"}, "drug"),
        ({"drug": "<http://x> } ; DROP ALL ; {"}, "drug"),
        ({"nope": "1"}, "nope"),
    ],
)
def test_bad_parameter_is_400_naming_it(client, params, named) -> None:
    response = client.get("/queries/drug-targets", query_string=params)
    assert response.status_code == 400
    assert f"'{named}'" in response.text


def test_missing_required_and_malformed_integer(client) -> None:
    missing = client.get("/queries/drugs-by-name")
    assert missing.status_code == 400 and "'text'" in missing.text and "required" in missing.text
    bad = client.get("/queries/drugs-by-name", query_string={"text": "a", "max_len": "1.5"})
    assert bad.status_code == 400 and "'max_len'" in bad.text


def test_repeated_parameter_is_400(client) -> None:
    response = client.get("/queries/drug-targets?drug=dmkgid:drug/a&drug=dmkgid:drug/b")
    assert response.status_code == 400 and "'drug'" in response.text


def test_string_parameter_is_data_not_sparql(client) -> None:
    hostile = '") } UNION { ?drug ?p ?label } #'
    response = client.get("/queries/drugs-by-name", query_string={"text": hostile})
    assert response.status_code == 200
    assert rows(response) == []


def test_unknown_query_is_404(client) -> None:
    response = client.get("/queries/nope")
    assert response.status_code == 404 and "drug-targets" in response.text


def test_named_query_over_http(live) -> None:
    answer = live.get("/queries/drug-targets?drug=dmkgid:drug/efalizumab")
    assert answer.status == 200
    assert CD11A in answer.text


# --- the catalogue parser ------------------------------------------------------------------------------


def test_catalogue_parses_headers() -> None:
    queries = load_catalogue(TEST_CATALOGUE)
    by_name = {q.name: q for q in queries}
    assert by_name["drug-targets"].tags == ("drug", "target")
    assert "molecular targets" in by_name["drug-targets"].description
    assert by_name["drug-targets"].example.startswith("target | label")
    assert by_name["drugs-by-name"].param("text").required
    assert "VALUES (?drug)" in by_name["drug-targets"].sparql_with_defaults()


def test_bind_types() -> None:
    query = load_query(TEST_CATALOGUE / "020-drugs-by-name.rq")
    bound = {k.value: v for k, v in query.bind({"text": "x", "max_len": "+7"}).items()}
    assert str(bound["max_len"]) == '"7"^^<http://www.w3.org/2001/XMLSchema#integer>'
    for value in ("7.0", "1_000", "seven", ""):
        with pytest.raises(ParameterError) as error:
            query.bind({"text": "x", "max_len": value})
        assert error.value.param == "max_len"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("#+ title: x\n#+ tags: [a\nASK {}\n", ":2: malformed #+ header"),
        ("#+ description: no title\nASK {}\n", "needs a 'title'"),
        (
            "#+ title: x\n#+ params:\n#+   n: {type: float}\nASK { ?n ?p ?o }\n",
            ":3: parameter 'n' has unknown type",
        ),
        ("#+ title: x\n#+ params:\n#+   d: {type: iri, default: 'zz:1'}\nASK { ?d ?p ?o }\n", "default of"),
        ("#+ title: x\n#+ params:\n#+   d: {type: iri}\nSELECT ?o { ?d ?p ?o }\n", "must project"),
        ("#+ title: x\n#+ params:\n#+   q: {type: iri}\nASK { ?s ?p ?o }\n", "is not a variable ?q"),
        ("#+ title: x\nSELECT * {\n", "SPARQL syntax error"),
    ],
)
def test_malformed_files_name_file_and_reason(tmp_path, text, message) -> None:
    path = write(tmp_path, "010-bad.rq", text)
    with pytest.raises(CatalogueError) as error:
        load_query(path)
    assert str(path) in str(error.value) and message in str(error.value)


def test_file_name_must_be_numbered(tmp_path) -> None:
    with pytest.raises(CatalogueError, match="NNN-some-name.rq"):
        load_query(write(tmp_path, "bad.rq", "#+ title: x\nASK {}\n"))
