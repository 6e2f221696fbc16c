"""The reliability rig: one command, bounded in time and count, loopback only; writes RELIABILITY.md.

    .venv/bin/python -m benchmarks.reliability            # the documented full run (~25 min)
    .venv/bin/python -m benchmarks.reliability --minutes 1 --fuzz 1000 --kills 2 --out /tmp/R.md   # smoke

Order: build the real graph into benchmarks/work/reliability/build; serve it (2 workers, 3 s limit);
soak; idle and slow connections; kill -9 during builds while it serves, then one build to completion;
stop; the memory probe on a server with the default limits; the fuzzer against a writable copy; the
W3C update cases against dmkg and ``oxigraph serve``; the report. The server's process-tree memory is
sampled every second throughout.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import BENCH, OXIGRAPH, free_port
from benchmarks.reliability import fuzz, killbuild, probes, report, soak, update_protocol
from benchmarks.reliability.common import MemorySampler, Server, descendants
from kg.paths import SOURCES_DIR

WORK = BENCH / "work" / "reliability"
TOKEN = "reliability-rig-token"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.reliability", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="soak duration [10]")
    parser.add_argument("--clients", type=int, default=32, help="soak clients [32]")
    parser.add_argument("--fuzz", type=int, default=10_000, help="fuzzed requests [10000]")
    parser.add_argument("--kills", type=int, default=8, help="builds killed with SIGKILL [8]")
    parser.add_argument("--timeout", type=float, default=3.0, help="the servers' query time limit, s [3]")
    parser.add_argument("--out", type=Path, default=BENCH / "reliability" / "RELIABILITY.md")
    args = parser.parse_args(argv)
    command = "python -m benchmarks.reliability" + "".join(
        f" {a}" for a in (argv if argv is not None else sys.argv[1:])
    )

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    build_dir = WORK / "build"
    server_tmp = WORK / "server-tmp"  # the servers' TMPDIR: what they leave there is a leftover
    server_tmp.mkdir()
    env = {"TMPDIR": str(server_tmp)}
    facts: dict = {"command": command, "args": vars(args),
                   "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                   "load_before": os.getloadavg()}  # fmt: skip

    step("initial build")
    started = time.monotonic()
    subprocess.run([*killbuild.BUILD, str(SOURCES_DIR)], env={**os.environ, "DMKG_BUILD": str(build_dir)},
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    facts["build_seconds"] = time.monotonic() - started

    server = Server.start(
        build_dir / "store", WORK / "serve.log", "--timeout", str(args.timeout), "--workers", "2", env=env
    )
    sampler = MemorySampler(server.process.pid)
    try:
        time.sleep(5)
        step(f"soak: {args.clients} clients, {args.minutes:g} min")
        sampler.phase = "soak"
        facts["soak"] = soak.run(
            server.port, args.clients, args.minutes,
            on_minute=lambda m, r: step(f"  minute {m}: {r.summary()['requests']} requests"),
        )  # fmt: skip
        sampler.phase = "after soak"
        time.sleep(10)
        step("idle and slow connections")
        sampler.phase = "connections"
        facts["connections"] = probes.connections(server.port)
        step(f"kill -9 during builds: {args.kills} rounds, then a full build")
        sampler.phase = "kill loop"
        facts["kills"] = killbuild.run(build_dir, server.port, args.kills)
        sampler.phase = "end"
        time.sleep(5)
        facts["server_alive"] = server.alive()
    finally:
        sampler.stop()
        family = descendants(server.process.pid)
        server.stop()
    facts["memory_samples"] = sampler.samples
    time.sleep(2)
    facts["processes_left"] = sorted(pid for pid in family if os.path.exists(f"/proc/{pid}"))

    step("memory probe: a server with the default limits")
    memory_server = Server.start(build_dir / "store", WORK / "memory.log", "--workers", "2", env=env)
    try:
        time.sleep(3)
        facts["memory"] = probes.memory(memory_server.port, memory_server.process.pid)
    finally:
        memory_server.stop()

    step(f"fuzzer: {args.fuzz} requests")
    writable = WORK / "fuzz-store"
    shutil.copytree((build_dir / "store").resolve(), writable)
    (WORK / "token").write_text(TOKEN, encoding="utf-8")
    fuzz_server = Server.start(writable, WORK / "fuzz.log", "--timeout", str(args.timeout), "--workers", "2",
                               "--enable-updates", "--update-token-file", str(WORK / "token"),
                               env=env)  # fmt: skip
    try:
        facts["fuzz"] = fuzz.run(fuzz_server.port, args.fuzz, TOKEN)
        facts["fuzz_server_alive"] = fuzz_server.alive()
        log = (WORK / "fuzz.log").read_text(errors="replace")
        facts["fuzz_tracebacks"] = log.count("Traceback")
    finally:
        fuzz_server.stop()

    step("W3C update protocol: dmkg and oxigraph serve")
    facts["protocol"] = compare_update_protocol(build_dir, env)

    facts["build_leftovers"] = killbuild.leftovers(build_dir)
    facts["temp_left"] = sorted(str(p.relative_to(server_tmp)) for p in server_tmp.iterdir())
    facts["load_after"] = os.getloadavg()
    args.out.write_text(report.render(facts), encoding="utf-8")
    step(f"wrote {args.out}")
    return 0


def compare_update_protocol(build_dir: Path, env: dict[str, str]) -> dict[str, dict[str, bool]]:
    results: dict[str, dict[str, bool]] = {}
    store = WORK / "protocol-store"
    shutil.copytree((build_dir / "store").resolve(), store)
    server = Server.start(
        store, WORK / "protocol.log", "--enable-updates", "--update-token-file", str(WORK / "token"), env=env
    )
    try:
        url = f"http://127.0.0.1:{server.port}/sparql"
        results["dmkg serve"] = update_protocol.run_cases(
            update_protocol.Endpoint(url, url, {"Authorization": f"Bearer {TOKEN}"}))
    finally:
        server.stop()
    if OXIGRAPH.exists():
        port = free_port()
        process = subprocess.Popen([str(OXIGRAPH), "serve", "--location", str(WORK / "oxigraph"),
                                    "--bind", f"127.0.0.1:{port}"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    update_protocol.Endpoint(base + "/query", base + "/update", {}).send(
                        "GET", base + "/", None, {}
                    )
                    break
                except OSError:
                    time.sleep(0.1)
            results["oxigraph serve"] = update_protocol.run_cases(
                update_protocol.Endpoint(base + "/query", base + "/update", {}))
        finally:
            process.terminate()
            process.wait(10)
    return results


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
