"""An installed wheel is a complete dmkg: catalogue, prefixes, templates and the vendored UI travel with it.

The wheel is built from this checkout, installed (with its dependencies) into a fresh virtual
environment, and run from a directory that is not the checkout: `dmkg queries` lists the catalogue,
`dmkg query` answers a named query, and `dmkg serve` serves the UI, the catalogue and a named query.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from server_fixtures import REPO, free_port, http

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` directory of a fresh venv holding only the wheel and its dependencies."""
    root = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(root / "dist"), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = (root / "dist").glob("dmkg-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True)
    bin_dir = root / "venv" / "bin"
    subprocess.run([str(bin_dir / "pip"), "install", "-q", str(wheel)], check=True, capture_output=True)
    return bin_dir


def _environment() -> dict[str, str]:
    """No variable of the test run may point the installed dmkg back at the checkout."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("DMKG_", "PYTHON", "VIRTUAL_ENV"))}


def test_the_wheel_is_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    probe = "import kg.paths, server; print(kg.paths.QUERIES_DIR); print(server.__file__)"
    out = subprocess.run(
        [str(installed / "python"), "-c", probe],
        cwd=tmp_path,
        env=_environment(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert all("site-packages" in line and str(REPO) not in line for line in out), out


def test_installed_cli_lists_and_runs_named_queries(installed: Path, built, tmp_path: Path) -> None:
    env = _environment()
    listing = subprocess.run(
        [str(installed / "dmkg"), "queries"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "treatment-timeline" in listing and "drug-summary" in listing
    answer = subprocess.run(
        [
            str(installed / "dmkg"),
            "query",
            "drugs-by-target",
            "--format",
            "json",
            "--store",
            str(built.store_path),
        ],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = json.loads(answer)["results"]["bindings"]
    assert any(row["drug"]["value"].endswith("/efalizumab") for row in rows)


def test_installed_server_serves_ui_catalogue_and_named_query(installed: Path, built, tmp_path: Path) -> None:
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                str(installed / "dmkg"),
                "serve",
                "--store",
                str(built.store_path),
                "--port",
                str(port),
                "--workers",
                "2",
            ],
            cwd=tmp_path,
            env=_environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, log_path.read_text()
            try:
                if http(url + "/health", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail(f"the installed dmkg serve did not become healthy:\n{log_path.read_text()}")
        page = http(url + "/", headers={"Accept": "text/html"})
        assert page.status == 200 and "yasgui.min.js" in page.text and "dmkg:" in page.text
        assert http(url + "/static/vendor/yasgui/yasgui.min.js").status == 200
        names = [q["name"] for q in json.loads(http(url + "/queries").body)["queries"]]
        assert "treatment-timeline" in names
        answer = http(url + "/queries/drugs-by-target", headers={"Accept": "application/sparql-results+json"})
        assert answer.status == 200
        assert any(
            row["drug"]["value"].endswith("/efalizumab")
            for row in json.loads(answer.body)["results"]["bindings"]
        )
    finally:
        process.terminate()
        process.wait(15)
