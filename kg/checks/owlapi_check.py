"""Run the OWL API checker (ontology/checker/OntologyCheck.java) on ontology files.

Why: Protégé is built on the OWL API, so the only faithful answer to "does this file load cleanly in
Protégé?" comes from the OWL API itself. The checker is compiled on demand against Debian's ``libowlapi-
java`` (installed by .ci/system-deps.sh) into the machine's cache (kg/paths.py ``cache_dir``), once for
every build, and one JVM call checks all files, because the JVM start (about a second) dominates; it
runs in the background (``OwlApiRun``) while the build reasons with HermiT, which needs a JVM of its
own.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from kg import atomic
from kg.checks.jvm import QUICK_JVM_FLAGS
from kg.children import DieWithParent
from kg.paths import ONTOLOGY_DIR, build_dir, cache_dir

CHECKER_SOURCE = ONTOLOGY_DIR / "checker" / "OntologyCheck.java"
OWLAPI_PACKAGE = "libowlapi-java"
DEBIAN_JAVA_DIR = Path("/usr/share/java")
STAGING_PREFIX = ".owlapi-checker-"
DPKG_STATUS = Path("/var/lib/dpkg/status")  # changes whenever a package is installed or removed
# An SLF4J 1.7 binding is a jar holding this class; more than one on the class path makes SLF4J complain.
SLF4J_BINDER = "org/slf4j/impl/StaticLoggerBinder.class"
QUIET_SLF4J_BINDING = "slf4j-nop.jar"
VERSIONED_JAR = re.compile(r"-\d+(\.\d+)*$")

# The lists the checker reports for each file; every item in any of them is a finding.
FINDING_KINDS = (
    "parse_errors",
    "missing_imports",
    "unparsed_triples",
    "guessed_declarations",
    "malformed_axioms",
    "undeclared_entities",
    "illegal_punning",
    "dl_violations",
)


class CheckerUnavailable(RuntimeError):
    """Java, javac or the Debian OWL API jars are missing: the message says how to install them."""


@dataclass
class OwlApiResult:
    """What the OWL API saw in one file: counts of entities and every problem, by kind."""

    path: Path
    loaded: bool
    counts: dict[str, int] = field(default_factory=dict)
    format: str | None = None
    ontology_iri: str | None = None
    version_iri: str | None = None
    imports: list[str] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)
    problem_totals: dict[str, int] = field(default_factory=dict)
    millis: int = 0

    @property
    def finding_count(self) -> int:
        return sum(self.problem_totals.values())


def _package_depends(package: str) -> list[str]:
    out = subprocess.run(
        ["dpkg-query", "-W", "-f=${Depends}", package], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        return []
    names = []
    for alternative in out.stdout.split(","):
        name = alternative.split("|")[0].strip().split(" ")[0].split(":")[0]
        if name.endswith("-java"):
            names.append(name)
    return names


def _package_jars(package: str) -> list[Path]:
    out = subprocess.run(["dpkg-query", "-L", package], capture_output=True, text=True, check=False)
    jars = []
    for line in out.stdout.splitlines():
        path = Path(line)
        # Debian ships each jar twice (name.jar -> name-1.2.3.jar); the unversioned link is enough.
        if path.parent == DEBIAN_JAVA_DIR and path.suffix == ".jar" and not VERSIONED_JAR.search(path.stem):
            jars.append(path)
    return jars


def _is_noisy_slf4j_binding(jar: Path) -> bool:
    if jar.name == QUIET_SLF4J_BINDING:
        return False
    try:
        with zipfile.ZipFile(jar) as zf:
            return SLF4J_BINDER in zf.namelist()
    except (OSError, zipfile.BadZipFile):
        return True


@cache
def owlapi_classpath() -> tuple[Path, ...]:
    """The OWL API jars and their Debian dependencies' jars, found through dpkg, not hard-coded.

    Keeps exactly one SLF4J binding (slf4j-nop) so the OWL API's logging stays off stdout and stderr.
    Asking dpkg takes about a second (a query per package), so the answer is kept in the cache
    directory for as long as dpkg's database is unchanged.
    """
    key = _dpkg_state()
    remembered = cache_dir() / "owlapi-classpath.json"
    try:
        saved = json.loads(remembered.read_text(encoding="utf-8"))
        if saved["dpkg"] == key and all(Path(jar).is_file() for jar in saved["jars"]):
            return tuple(Path(jar) for jar in saved["jars"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    jars = _resolve_classpath()
    try:
        atomic.write_text(remembered, json.dumps({"dpkg": key, "jars": [str(j) for j in jars]}))
    except OSError:  # a read-only home: ask dpkg on every build
        pass
    return jars


def _dpkg_state() -> str:
    try:
        return str(DPKG_STATUS.stat().st_mtime_ns)
    except OSError:
        return ""


def _resolve_classpath() -> tuple[Path, ...]:
    if not _package_jars(OWLAPI_PACKAGE):
        raise CheckerUnavailable(f"{OWLAPI_PACKAGE} is not installed: run `bash .ci/system-deps.sh`")
    seen: set[str] = set()
    todo = [OWLAPI_PACKAGE]
    jars: set[Path] = set()
    while todo:
        package = todo.pop()
        if package in seen:
            continue
        seen.add(package)
        jars.update(_package_jars(package))
        todo.extend(_package_depends(package))
    return tuple(sorted(j for j in jars if not _is_noisy_slf4j_binding(j)))


def _classpath_string(extra: Path | None = None) -> str:
    parts = [str(p) for p in owlapi_classpath()]
    if extra is not None:
        parts.insert(0, str(extra))
    return ":".join(parts)


def checker_dir() -> Path:
    """The compiled checker's directory, named by what the class file depends on (the source, the
    class path, the compiler), so that every build on the machine reuses one compilation — javac
    took about 4 s of a 10 s seed build — and a change to any of them compiles anew."""
    javac = shutil.which("javac")
    if javac is None:
        raise CheckerUnavailable("javac is not on PATH: run `bash .ci/system-deps.sh`")
    javac = os.path.realpath(javac)
    key = hashlib.sha256(
        b"\0".join([CHECKER_SOURCE.read_bytes(), _classpath_string().encode(), javac.encode()])
    ).hexdigest()[:16]
    return cache_dir() / f"owlapi-checker-{key}"


def ensure_checker_compiled() -> Path:
    """Compile the checker into the cache unless that compilation is there; a build whose cache is
    not writable compiles into its own build directory."""
    out_dir = checker_dir()
    if (out_dir / "OntologyCheck.class").is_file():
        return out_dir
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_staging(out_dir.parent)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir.parent))
    except OSError:
        out_dir = build_dir() / "checker"
        out_dir.mkdir(parents=True, exist_ok=True)
        _compile(out_dir)
        return out_dir
    try:
        _compile(staging)
        try:
            staging.rename(out_dir)  # atomic: a build running beside us sees all of it or nothing
        except OSError:  # the other build was first: its compilation is the same
            if not (out_dir / "OntologyCheck.class").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir


def _remove_stale_staging(cache: Path) -> None:
    """What a build killed while compiling left (older than any compilation takes)."""
    for leftover in cache.glob(f"{STAGING_PREFIX}*"):
        try:
            if time.time() - leftover.stat().st_mtime > 3600:
                shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            pass


def _compile(out_dir: Path) -> None:
    out = subprocess.run(
        ["javac", "-nowarn", "-d", str(out_dir), "-cp", _classpath_string(), str(CHECKER_SOURCE)],
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=DieWithParent(),
    )
    if out.returncode != 0:
        raise CheckerUnavailable(f"javac failed on {CHECKER_SOURCE}:\n{out.stderr}")


class OwlApiRun:
    """One OWL API checker JVM started in the background: the build reasons with HermiT meanwhile."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        self.process: subprocess.Popen | None = None
        if not paths:
            return
        if shutil.which("java") is None:
            raise CheckerUnavailable("java is not on PATH: run `bash .ci/system-deps.sh`")
        build_dir = ensure_checker_compiled()
        self.process = subprocess.Popen(
            [
                "java",
                "-Xss8m",
                *QUICK_JVM_FLAGS,
                "-cp",
                _classpath_string(build_dir),
                "OntologyCheck",
                *map(str, paths),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=DieWithParent(),  # a killed build must not leave a JVM running
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.communicate()

    def results(self) -> list[OwlApiResult]:
        """Wait for the JVM and return one result per file, in order."""
        if self.process is None:
            return []
        try:
            stdout, stderr = self.process.communicate(timeout=600)
        except BaseException:
            self.stop()
            raise
        if self.process.returncode != 0:
            raise RuntimeError(f"OWL API checker crashed (exit {self.process.returncode}):\n{stderr[-4000:]}")
        docs = json.loads(stdout)["files"]
        return [_result_from_json(path, doc) for path, doc in zip(self.paths, docs, strict=True)]


def run_owlapi_check(paths: list[Path]) -> list[OwlApiResult]:
    """Load every file with the OWL API in one JVM and return one result per file, in order."""
    return OwlApiRun(paths).results()


def _result_from_json(path: Path, doc: dict) -> OwlApiResult:
    count_keys = (
        "axioms",
        "logical_axioms",
        "classes",
        "object_properties",
        "data_properties",
        "annotation_properties",
        "individuals",
    )
    return OwlApiResult(
        path=path,
        loaded=doc["loaded"],
        counts={k: doc[k] for k in count_keys if k in doc},
        format=doc.get("format"),
        ontology_iri=doc.get("ontology_iri"),
        version_iri=doc.get("version_iri"),
        imports=doc.get("imports", {}).get("items", []),
        problems={k: doc[k]["items"] for k in FINDING_KINDS if k in doc},
        problem_totals={k: doc[k]["count"] for k in FINDING_KINDS if k in doc},
        millis=doc.get("millis", 0),
    )
