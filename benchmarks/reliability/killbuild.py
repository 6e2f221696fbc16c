"""Kill ``dmkg build`` with SIGKILL at random moments while a server serves the store it replaces.

Each round starts a build of the real sources into the served build directory and kills it after a
random delay (uniform over the duration of a whole build), watching its process tree until then so
that its JVMs are known. Afterwards: the JVMs must be gone, the store link must still resolve to a
complete store, and the server must keep answering. After the rounds one build runs to completion:
it must leave nothing behind (staging stores, temporary links and files, build/tmp), and the server
must move to the new store without a failed request.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from benchmarks.common import PYTHON, REPO
from benchmarks.reliability.common import Client, alive, command_name, descendants
from kg.paths import SOURCES_DIR

BUILD = [str(PYTHON), "-c", "import sys; from pathlib import Path; from kg.build import build; "
         "build(Path(sys.argv[1]), write_release=False)"]  # fmt: skip


def variant(work: Path, number: int) -> Path:
    """A copy of the sources whose first entity label ends in `` (variant N)``: each build then makes a
    new store (another digest), so that the server really has to move to it."""
    target = work / f"sources-{number}"
    if not target.exists():
        shutil.copytree(SOURCES_DIR, target)
        entities = target / "entities.yaml"
        text = entities.read_text(encoding="utf-8")
        text = re.sub(
            r"(?m)^(\s+label: )(.+)$", lambda m: f"{m.group(1)}{m.group(2)} (variant {number})", text, count=1
        )
        entities.write_text(text, encoding="utf-8")
    return target


def leftovers(build_dir: Path) -> list[str]:
    found = []
    stores = build_dir / "stores"
    if stores.is_dir():
        found += [p.name for p in stores.iterdir() if p.name.endswith(".loading")]
    found += [p.name for p in build_dir.glob("*.tmp")] + [p.name for p in build_dir.glob(".*.link")]
    if (build_dir / "tmp").is_dir():
        found += [f"tmp/{p.name}" for p in (build_dir / "tmp").iterdir()]
    return found


@dataclass
class KillResult:
    rounds: list[dict] = field(default_factory=list)
    full_build_seconds: float = 0.0
    jvms_survived: int = 0
    store_broken: int = 0
    leftovers_before_final: list[str] = field(default_factory=list)
    leftovers_after_final: list[str] = field(default_factory=list)
    probe_requests: int = 0
    probe_failures: int = 0
    moved_to_new_store: bool = False


def _build(build_dir: Path, sources: Path) -> subprocess.Popen:
    env = {**os.environ, "DMKG_BUILD": str(build_dir)}
    return subprocess.Popen([*BUILD, str(sources)], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _complete(link: Path) -> bool:
    try:
        return link.is_dir() and len(ox.Store.read_only(str(link))) > 1000
    except OSError:
        return False


def run(build_dir: Path, port: int, rounds: int, seed: int = 10) -> KillResult:
    result = KillResult()
    rng = random.Random(seed)
    stop = threading.Event()

    def probe() -> None:  # an ordinary client the whole time
        client = Client(port, timeout=60)
        while not stop.is_set():
            status, _ = client.request("GET", "/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D")
            result.probe_requests += 1
            if status != 200:
                result.probe_failures += 1
            stop.wait(0.05)
        client.close()

    prober = threading.Thread(target=probe, daemon=True)
    prober.start()
    started = time.monotonic()
    full = _build(build_dir, variant(build_dir.parent, 1))
    full.wait(600)
    result.full_build_seconds = time.monotonic() - started
    try:
        for number in range(rounds):
            served = (build_dir / "store").resolve()
            delay = rng.uniform(0.2, result.full_build_seconds)
            process = _build(build_dir, variant(build_dir.parent, 2 + number))
            jvms: set[int] = set()
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline and process.poll() is None:
                jvms |= {pid for pid in descendants(process.pid) if command_name(pid) == "java"}
                time.sleep(0.05)
            finished = process.poll() is not None
            process.send_signal(signal.SIGKILL)
            process.wait(10)
            time.sleep(3)
            survivors = [pid for pid in jvms if alive(pid)]
            result.jvms_survived += len(survivors)
            link = (build_dir / "store").resolve()
            intact = _complete(link) and (link == served or finished or not link.name.startswith("."))
            result.store_broken += 0 if intact else 1
            result.rounds.append({"round": number + 1, "killed_after_s": round(delay, 1),
                                  "jvms_seen": len(jvms), "jvms_survived": len(survivors),
                                  "build_had_finished": finished,
                                  "leftovers": len(leftovers(build_dir))})  # fmt: skip
        result.leftovers_before_final = leftovers(build_dir)
        before = (build_dir / "store").resolve()
        final = _build(build_dir, variant(build_dir.parent, 0))
        final.wait(600)
        result.leftovers_after_final = leftovers(build_dir)
        after = (build_dir / "store").resolve()
        time.sleep(3)  # the server looks at the link at most once a second, then swaps in new workers
        client = Client(port)
        status, body = client.request("GET", "/health")
        client.close()
        result.moved_to_new_store = status == 200 and (after.name.encode() in body or before == after)
    finally:
        stop.set()
        prober.join(30)
    return result
