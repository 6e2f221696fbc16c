"""A clinician's walk through the real graph in headless Chromium (playwright-core): the case page's
treatment timeline, the efalizumab page's mechanism graph, the header's search box, the named queries
as HTML forms; every link of every picture must resolve. Also writes the README's screenshots when
DMKG_SCREENSHOTS names a folder."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from server_fixtures import REPO, start_server, stop_server

PLAYWRIGHT = REPO / "server" / "node_modules" / "playwright-core"
MODALITIES = ("stated as fact", "probable", "possible", "hypothesis", "unclear", "curator inference")


@pytest.fixture(scope="module")
def walk(built, tmp_path_factory) -> dict:
    chromium = shutil.which("chromium")
    assert chromium and PLAYWRIGHT.is_dir(), "run `make system-deps` (Debian chromium, playwright-core)"
    folder = tmp_path_factory.mktemp("walk")
    server = start_server(
        built.store_path,
        folder / "serve.log",
        "--workers",
        "2",
        env={"DMKG_CATALOGUE_DIR": json.dumps(str(REPO / "queries" / "catalogue"))},
    )
    try:
        shots = os.environ.get("DMKG_SCREENSHOTS", "")
        if shots:
            shots = str(Path(shots).resolve())
            Path(shots).mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            ["node", str(REPO / "tests" / "ui_pictures.cjs"), server.url, str(folder / "profile"), shots],
            capture_output=True,
            text=True,
            timeout=180,
            env={**os.environ, "PLAYWRIGHT_CORE": str(PLAYWRIGHT), "CHROMIUM": chromium},
        )
        assert result.returncode == 0, result.stderr[-3000:] + server.log()[-2000:]
        seen = json.loads(result.stdout)
        seen["base"] = server.url
        return seen
    finally:
        stop_server(server)


@pytest.mark.browser
def test_case_page_shows_the_timeline_with_seven_courses_in_order_and_their_responses(walk) -> None:
    timeline = walk["timeline"]
    assert timeline["title"].startswith("Treatment timeline of")
    courses = timeline["courses"]
    assert len(courses) == 7 and all(c["visible"] for c in courses)
    first_steps = [
        int(re.search(r"steps (\d+)", c["title"]).group(1)) for c in sorted(courses, key=lambda c: c["x"])
    ]
    assert first_steps == [1, 2, 3, 3, 4, 4, 4]  # prednisolone 60 mg runs on through step 2
    drugs = {c["title"].split(":")[0] for c in courses}
    assert drugs == {"prednisolone", "methotrexate", "efalizumab", "azathioprine"}
    efalizumab = [c["title"] for c in courses if c["title"].startswith("efalizumab")]
    assert any("1 mg/kg body weight per week, subcutaneous" in t for t in efalizumab)
    assert any("1.8 mg/kg body weight per week, subcutaneous" in t for t in efalizumab)
    assert any("route not reported" in c["title"] for c in courses)
    assert "timing: not reported" in timeline["text"]
    by_step = dict(re.findall(r"step (\d+): .*? — response: ([^;]+)", timeline["desc"]))
    assert set(by_step) == {"1", "2", "3", "4"}
    assert "no response" in by_step["1"].lower() and "no response" in by_step["2"].lower()
    assert by_step["3"] and by_step["4"] and "not reported" not in by_step["3"] + by_step["4"]
    responses_x = sorted({o["x"] for o in timeline["outcomes"]})
    assert len(responses_x) == 4  # one response column per step
    assert "At presentation" in timeline["text"] and "Follow-up" in timeline["text"]


@pytest.mark.browser
def test_efalizumab_page_shows_the_mechanism_graph_to_dermatomyositis_with_every_modality(walk) -> None:
    mechanism = walk["mechanism"]
    assert "efalizumab" in mechanism["title"]
    nodes = [n for n in mechanism["nodes"] if n]
    assert any("dermatomyositis" in n for n in nodes) and any("CD11a" in n for n in nodes)
    assert len(mechanism["edges"]) >= 7
    for edge in mechanism["edges"]:
        assert any(m in edge["label"] for m in MODALITIES), edge
        assert edge["href"] and edge["href"].startswith("/id/claim-"), edge
    assert any("direction" not in row and "efalizumab" not in row for row in mechanism["summary"])


@pytest.mark.browser
def test_typing_gottron_lands_on_the_phenotype_and_the_sentence(walk) -> None:
    search = walk["search"]
    assert search["url"] == "/search?q=gottron"
    first = search["results"][0]
    assert first["label"] == "Gottron papules" and first["marked"] == ["Gottron"]
    assert any(
        "(Gottron papules)" in r["snippet"] and r["href"].startswith("/id/claim-") for r in search["results"]
    )
    landed = walk["landed"]
    assert landed["url"] == "/id/gottron-papules" and landed["h1"] == "Gottron papules"
    assert "violaceous-red papules of the finger (Gottron papules)" in landed["quotes"]


@pytest.mark.browser
def test_named_queries_page_runs_the_treatment_timeline_from_a_form(walk) -> None:
    assert walk["queriesPage"]["contentType"] == "text/html" and walk["queriesPage"]["forms"] >= 17
    assert "the reported case of recalcitrant dermatomyositis" in walk["caseOptions"]
    answer = walk["answer"]
    assert answer["url"].startswith("/queries/treatment-timeline?case=")
    assert "step" in answer["columns"] and len(answer["rows"]) >= 7
    steps = [int(row[answer["columns"].index("step")]) for row in answer["rows"]]
    assert steps == sorted(steps) and steps[0] == 1 and steps[-1] == 4
    assert any(link.startswith("/id/") for link in answer["links"])
    assert answer["csv"].startswith("/queries/treatment-timeline.csv")


@pytest.mark.browser
def test_every_picture_link_resolves_and_nothing_leaves_the_server(walk) -> None:
    resolved = walk["resolved"]
    assert len(resolved) > 30
    assert {link: status for link, status in resolved.items() if status != 200} == {}
    for kind in ("timeline/id/case", "mechanism/id/efalizumab"):
        assert resolved[f"/pictures/{kind}.svg"] == 200 and resolved[f"/pictures/{kind}.png"] == 200
    assert [u for u in walk["requests"] if not u.startswith(walk["base"])] == []
    assert walk["errors"] == []
