"""The query UI at /: YASGUI from local files, the catalogue as example tabs, no outside calls;
and a real headless Chromium (playwright-core) that opens it, runs an example and sees the rows."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from server_fixtures import REPO

VENDOR = REPO / "server" / "static" / "vendor" / "yasgui"
PLAYWRIGHT = REPO / "server" / "node_modules" / "playwright-core"
SETUP_HINT = "run `make system-deps` (or bash server/vendor-yasgui.sh)"


def test_yasgui_is_vendored() -> None:
    assert (VENDOR / "yasgui.min.js").is_file(), f"YASGUI is not vendored; {SETUP_HINT}"
    assert (VENDOR / "VERSION").read_text().strip() == "4.6.2"


def test_page_uses_only_local_assets(client) -> None:
    page = client.get("/").text
    sources = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', page)
    assert sources, "expected the page to load YASGUI"
    assert all(not s.startswith(("http:", "https:", "//")) for s in sources), sources
    assert "/static/vendor/yasgui/yasgui.min.js" in sources
    assert client.get("/static/vendor/yasgui/yasgui.min.js").status_code == 200


def test_page_has_examples_and_project_prefixes(client) -> None:
    page = client.get("/").text
    assert '"Targets of a drug"' in page and '"Drugs whose label contains a text"' in page
    assert "VALUES (?drug)" in page  # example tabs run with the defaults bound
    assert '"dmkgid: \\u003chttps://w3id.org/dmkg/id/\\u003e"' in page  # |tojson escapes < and >
    assert '"MONDO: \\u003chttp://purl.obolibrary.org/obo/MONDO_\\u003e"' in page
    assert 'return name === "variables"' in page  # LOV class/property completers dropped


def test_page_without_yasgui_still_has_a_form(client, monkeypatch) -> None:
    import server.ui

    monkeypatch.setattr(server.ui, "VENDOR_DIR", Path("/nonexistent"))
    page = client.get("/").text
    assert '<form method="post" action="/sparql"' in page and "yasgui.min.js" not in page


@pytest.mark.browser
def test_browser_runs_an_example_tab(live, tmp_path) -> None:
    chromium = shutil.which("chromium")
    assert chromium, f"Debian chromium is missing; {SETUP_HINT}"
    assert PLAYWRIGHT.is_dir(), f"playwright-core is missing; {SETUP_HINT}"
    result = subprocess.run(
        ["node", str(REPO / "tests" / "ui_browser.cjs"), live.url, str(tmp_path / "profile"),
         "Targets of a drug", "CD11a (integrin alpha L)"],
        capture_output=True, text=True, timeout=90,
        env={**os.environ, "PLAYWRIGHT_CORE": str(PLAYWRIGHT), "CHROMIUM": chromium},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout)
    assert {"Targets of a drug", "Drugs whose label contains a text"} <= set(seen["tabs"])
    assert "VALUES (?drug)" in seen["query"]
    assert '"CD11a (integrin alpha L)"@en' in seen["cells"]
    assert "<https://w3id.org/dmkg/id/target/cd11a>" in seen["cells"]
    outside = [u for u in seen["requests"] if not u.startswith((live.url, "data:", "blob:"))]
    assert outside == [], outside
    assert seen["errors"] == []
    assert set(seen["completers"]) == {"variables", "dmkgPrefixes"}
