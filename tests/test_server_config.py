"""How `dmkg serve` is configured: defaults, DMKG_* environment, options; the CLI wiring."""

from __future__ import annotations

from click.testing import CliRunner

from server import create_app


def test_defaults_are_safe() -> None:
    config = create_app().config
    assert config["ENABLE_UPDATES"] is False and config["UPDATE_TOKEN"] is None
    assert config["ALLOWED_REMOTE_ENDPOINTS"] == []
    assert config["QUERY_TIMEOUT_S"] == 30.0
    assert config["STORE_PATH"].endswith("store")


def test_environment_overrides(monkeypatch) -> None:
    monkeypatch.setenv("DMKG_QUERY_TIMEOUT_S", "5")
    monkeypatch.setenv("DMKG_CORS_ORIGINS", '["https://example.org"]')
    monkeypatch.setenv("DMKG_STORE_PATH", "/data/store")
    config = create_app().config
    assert config["QUERY_TIMEOUT_S"] == 5
    assert config["CORS_ORIGINS"] == ["https://example.org"]
    assert config["STORE_PATH"] == "/data/store"


def test_test_config_wins(monkeypatch) -> None:
    monkeypatch.setenv("DMKG_QUERY_TIMEOUT_S", "5")
    assert create_app({"QUERY_TIMEOUT_S": 1.5}).config["QUERY_TIMEOUT_S"] == 1.5


def test_dmkg_cli_has_serve() -> None:
    from cli.main import cli

    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--store", "--host", "--port", "--timeout", "--allow-remote", "--enable-updates"):
        assert option in result.output


def test_serve_without_a_store_says_how_to_get_one(tmp_path) -> None:
    from server.serve import serve

    result = CliRunner().invoke(serve, ["--store", str(tmp_path / "missing")])
    assert result.exit_code != 0
    assert "No store at" in result.output and "dmkg build" in result.output
