"""``dmkg serve``: run the endpoint under granian (default, server/granian_front.py) or waitress.

Each web process holds one worker pool (the query processes); the app's threads only wait on pipes while
the work happens in the query workers. A read-only server runs several granian web processes
(``--web-processes``, see _processes_and_workers), each with a pool of its share of the workers, so
limits hold per pool; with updates there is one web process and one pool. granian is the default because
it does the HTTP work in Rust (see server/README.md, "Why granian"); waitress sits behind
server/front.py's connection handling. Options override ``DMKG_*`` environment variables, which override
the defaults in server/config.py.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import click


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="TCP port.")
@click.option(
    "--store",
    "store_path",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="pyoxigraph store directory to serve  [default: build/store]",
)
@click.option(
    "--timeout", "query_timeout_s", type=float, default=None, help="Per-query time limit, seconds [30]."
)
@click.option(
    "--workers",
    "query_workers",
    type=int,
    default=None,
    help="Query worker processes [granian, read-only: 2 per web process; else CPUs, >=2].",
)
@click.option(
    "--memory-mb",
    "query_memory_mb",
    type=float,
    default=None,
    help="Memory a query may take in its worker, MiB (0: none) [1024].",
)
@click.option(
    "--queue-wait",
    "query_queue_wait_s",
    type=float,
    default=None,
    help="How long a request may wait for a free worker, seconds [30].",
)
@click.option(
    "--web-processes",
    type=int,
    default=None,
    help="granian web processes, each with its own pool of the query workers (at least 2 each) "
    "[read-only: CPUs up to 4, with 2 workers each; else 1].",
)
@click.option(
    "--threads", type=int, default=None, help="HTTP threads per web process [max(8, 2 x its workers)]."
)
@click.option(
    "--front",
    type=click.Choice(["granian", "waitress"]),
    default="granian",
    show_default=True,
    help="HTTP server: granian (Rust, faster) or waitress (pure Python).",
)
@click.option("--max-result-bytes", type=int, default=None, help="Largest result sent [64 MiB].")
@click.option(
    "--max-body-bytes", "max_content_length", type=int, default=None, help="Largest request body [1 MiB]."
)
@click.option("--cors-origin", "cors_origins", multiple=True, help="Allowed CORS origin (repeat) [any: *].")
@click.option("--no-cors", is_flag=True, help="Send no CORS headers at all.")
@click.option(
    "--allow-remote",
    "allowed_remote_endpoints",
    multiple=True,
    help="Endpoint IRI that SERVICE/LOAD may contact (repeat) [none: no outbound requests].",
)
@click.option(
    "--enable-updates", is_flag=True, default=None, help="Accept SPARQL Update with the bearer token."
)
@click.option(
    "--update-token-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="File holding the bearer token for updates (or set DMKG_UPDATE_TOKEN).",
)
@click.option(
    "--base-iri", default=None, help="Base of the IRIs resolved as linked data [https://w3id.org/dmkg]."
)
@click.option(
    "--backend",
    "backends",
    multiple=True,
    metavar="URL",
    help="Serve a remote SPARQL query endpoint holding a `dmkg publish`ed release instead of --store "
    "(repeat for read replicas).",
)
@click.option(
    "--backend-timeout-param",
    default=None,
    metavar="NAME",
    help="The backends' own time-limit parameter, in ms (Virtuoso: timeout).",
)
@click.option("--backend-auth", type=click.Choice(["basic", "digest", "bearer"]), default=None)
@click.option("--backend-user", default=None, help="User for --backend-auth basic/digest.")
@click.option(
    "--backend-secret-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="File holding the backend password or token (or set DMKG_BACKEND_SECRET).",
)
def serve(
    host: str,
    port: int,
    store_path: Path | None,
    query_timeout_s: float | None,
    query_workers: int | None,
    query_memory_mb: float | None,
    query_queue_wait_s: float | None,
    web_processes: int | None,
    threads: int | None,
    front: str,
    max_result_bytes: int | None,
    max_content_length: int | None,
    cors_origins: tuple[str, ...],
    no_cors: bool,
    allowed_remote_endpoints: tuple[str, ...],
    enable_updates: bool | None,
    update_token_file: Path | None,
    base_iri: str | None,
    backends: tuple[str, ...],
    backend_timeout_param: str | None,
    backend_auth: str | None,
    backend_user: str | None,
    backend_secret_file: Path | None,
) -> None:
    """Serve a pyoxigraph store: SPARQL 1.1 endpoint, query UI, linked-data pages (read-only by default)."""
    from server import create_app
    from server.accesslog import configure_logging
    from server.app_engine import get_pool
    from server.errors import EndpointError
    from server.front import PortInUseError, make_server

    overrides: dict[str, object] = {
        "STORE_PATH": str(store_path) if store_path else None,
        "QUERY_TIMEOUT_S": query_timeout_s,
        "QUERY_WORKERS": query_workers,
        "QUERY_MEMORY_MB": query_memory_mb,
        "QUERY_QUEUE_WAIT_S": query_queue_wait_s,
        "MAX_RESULT_BYTES": max_result_bytes,
        "MAX_CONTENT_LENGTH": max_content_length,
        "CORS_ORIGINS": list(cors_origins) if cors_origins else ([] if no_cors else None),
        "ALLOWED_REMOTE_ENDPOINTS": list(allowed_remote_endpoints) or None,
        "ENABLE_UPDATES": enable_updates,
        "UPDATE_TOKEN": update_token_file.read_text(encoding="utf-8").strip() if update_token_file else None,
        "BASE_IRI": base_iri,
        **_backend_settings(backends, backend_timeout_param, backend_auth, backend_user, backend_secret_file),
    }
    app = create_app({k: v for k, v in overrides.items() if v is not None})
    configure_logging()
    store = Path(str(app.config["STORE_PATH"]))
    if app.config["BACKENDS"]:
        if app.config["ENABLE_UPDATES"]:
            raise click.ClickException(
                "--enable-updates needs the local store; backends are served read-only."
            )
        store = Path(" + ".join(app.config["BACKENDS"]))
    elif not store.is_dir():
        raise click.ClickException(f"No store at {store}; build one with `dmkg build` or pass --store DIR.")
    if app.config["ENABLE_UPDATES"] and not app.config["UPDATE_TOKEN"]:
        raise click.ClickException(
            "--enable-updates needs a token: --update-token-file or DMKG_UPDATE_TOKEN."
        )
    if front == "granian" and not app.config["BACKENDS"]:
        # the web process (granian's worker) starts the pool itself: query workers forked here would
        # belong to this process, not to the one that serves
        from server.granian_front import check_port, check_store, serve_granian

        check_port(host, port)
        check_store(store)
        updates = bool(app.config["ENABLE_UPDATES"])
        given = query_workers is not None or "DMKG_QUERY_WORKERS" in os.environ
        if web_processes is None and "DMKG_WEB_PROCESSES" in os.environ:
            web_processes = int(app.config["WEB_PROCESSES"])
        web_processes, workers = _processes_and_workers(
            web_processes, int(app.config["QUERY_WORKERS"]) if given else None, updates
        )
        per_process = _workers_per_process(workers, web_processes, updates)
        threads = threads or max(8, 2 * per_process)
        shared = f", {web_processes} web processes" if web_processes > 1 else ""
        click.echo(
            f"dmkg: serving {store} ({_mode(app)}, {workers} query workers{shared}, "
            f"{app.config['QUERY_TIMEOUT_S']:g} s limit, granian) "
            f"at http://{host}:{port}/  — SPARQL endpoint http://{host}:{port}/sparql",
            err=True,
        )
        settings = {k: v for k, v in overrides.items() if v is not None} | {
            "QUERY_WORKERS": per_process,
            "WEB_PROCESSES": web_processes,
        }
        serve_granian(settings, host, port, threads, int(app.config["MAX_URL_LENGTH"]), web_processes)
        return
    if web_processes not in (None, 1):
        raise click.UsageError("--web-processes needs the default front (granian) and the local store.")
    try:  # bind first: a port in use is a one-line error before any worker starts
        server = make_server(
            app,
            host,
            port,
            threads=threads or max(8, 2 * int(app.config["QUERY_WORKERS"])),
            ident="dmkg",
            max_request_header_size=int(app.config["MAX_URL_LENGTH"]) + 32 * 1024,
            max_request_body_size=int(app.config["MAX_CONTENT_LENGTH"]) + 1024,
            clear_untrusted_proxy_headers=True,
        )
    except PortInUseError as error:
        raise click.ClickException(str(error)) from None
    with app.app_context():
        try:
            pool = get_pool()
            if app.config["BACKENDS"]:
                pool.dataset(time.monotonic() + float(app.config["QUERY_TIMEOUT_S"]))
        except EndpointError as error:
            raise click.ClickException(str(error)) from None
    click.echo(
        f"dmkg: serving {store} ({_mode(app)}, {pool.size} query workers, "
        f"{app.config['QUERY_TIMEOUT_S']:g} s limit, waitress) "
        f"at http://{host}:{port}/  — SPARQL endpoint http://{host}:{port}/sparql",
        err=True,
    )
    # SIGTERM ends the server like Ctrl-C: waitress stops, and the pool's exit handler stops the workers
    # and removes their temporary files (the default action would skip both)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.run()
    finally:
        server.close()


def _processes_and_workers(web_processes: int | None, workers: int | None, updates: bool) -> tuple[int, int]:
    """The defaults: with updates one web process; else as many as CPUs (up to 4), or as many as the
    given workers allow at 2 each; workers not given: 2 per web process.

    Why several by default: measured side by side (8 shapes, 8 clients, 10^4 quads, 2 vCPU), two web
    processes with two workers each answered light queries 15-45 % faster and with a lower p99 than
    one web process with two: the web process's Python was the ceiling (benchmarks/RESULTS.md)."""
    if web_processes is None:
        if updates:
            web_processes = 1
        elif workers is None:
            web_processes = max(1, min(os.cpu_count() or 1, 4))
        else:
            web_processes = max(1, min(os.cpu_count() or 1, 4, workers // 2))
    return web_processes, workers if workers is not None else 2 * web_processes


def _workers_per_process(workers: int, web_processes: int, updates: bool) -> int:
    """Each web process holds a pool of its own, whose limits hold per pool: queries known to be slow
    may take all but one of its workers, so each of several needs two; an update stops every worker of the one
    pool it runs in, so a writable store has exactly one."""
    if web_processes < 1:
        raise click.BadParameter("must be at least 1", param_hint="--web-processes")
    if web_processes > 1 and updates:
        raise click.UsageError("--enable-updates needs --web-processes 1 (an update must stop every reader).")
    if web_processes > 1 and workers // web_processes < 2:
        raise click.UsageError(
            f"--web-processes {web_processes} needs --workers {2 * web_processes} or more: each web "
            "process holds its own pool of at least 2 query workers."
        )
    return workers // web_processes


def _mode(app) -> str:
    return "read-write (bearer token)" if app.config["ENABLE_UPDATES"] else "read-only"


def _backend_settings(
    backends: tuple[str, ...],
    timeout_param: str | None,
    auth: str | None,
    user: str | None,
    secret_file: Path | None,
) -> dict[str, object]:
    """Config overrides for ``--backend``: remote engines instead of the local store."""
    if not backends:
        return {}
    if secret_file:
        secret = secret_file.read_text(encoding="utf-8").strip()
    else:
        secret = os.environ.get("DMKG_BACKEND_SECRET")
    if auth and not secret:
        raise click.UsageError("--backend-auth needs --backend-secret-file or DMKG_BACKEND_SECRET.")
    return {
        "BACKENDS": list(backends),
        "BACKEND_TIMEOUT_PARAM": timeout_param,
        "BACKEND_AUTH": auth,
        "BACKEND_USER": user,
        "BACKEND_SECRET": secret,
    }
