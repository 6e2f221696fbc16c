"""The remote engine: queries answered by one or more SPARQL endpoints (read replicas) over HTTP.

It offers what the local worker pool offers (``run``, ``select``, ``run_ask``, ``stats``, ``close``)
so the HTTP layer cannot tell them apart, and keeps the endpoint's promises:
- the same answers: the query is checked and its form found by pyoxigraph on an empty store (the same
  syntax errors as locally), parameters are bound with VALUES (server/bind_text.py), the dataset is
  the published release's (kg/publish.py: its default graph and its named graphs, nothing else of the
  engine), and the engine's answer is parsed and re-serialised by pyoxigraph in the negotiated format,
  so media types, datatypes and language tags are written as the local store writes them;
- the time limit: connect, send and every read are bounded by the time left, the connection is
  dropped at the deadline (503), and engines with a timeout parameter get it too; a Virtuoso answer
  marked partial ("anytime" results) is a timeout, never a complete answer;
- the size limit: the engine's answer and ours are both capped (413);
- replicas: requests go round-robin over replicas in service; a replica that fails (refused, dropped,
  an error page) is taken out for a back-off period. A query that never reached it (connection refused)
  or got an error page is retried once on another replica; a query in flight on a replica that dropped
  the connection is answered 502 and not retried, since a query that crashes an engine would otherwise
  crash the next replica too. When every replica is out, the one due soonest is tried.
"""

from __future__ import annotations

import itertools
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx
import pyoxigraph as ox

from kg.publish import RELEASE_GRAPH, manifest_graphs, manifest_release
from kg.remote_http import Credentials, client, describe_failure, excerpt
from server.bind_text import with_values
from server.engine import QueryResult, ask, select_rows
from server.errors import (
    BadRequestError,
    EndpointError,
    ForbiddenError,
    QueryTimeoutError,
    ResultTooLargeError,
    StoreUnavailableError,
)
from server.worker import CappedSink as _CappedSink
from server.worker import QueryTask
from server.worker import ResultTooLarge as _ResultTooLarge

log = logging.getLogger("dmkg.server")

RESULTS_XML = "application/sparql-results+xml"
NTRIPLES = "application/n-triples"
BACKOFF_S = (1.0, 2.0, 5.0, 10.0, 30.0)
PROBE_TIMEOUT_S = 2.0
DATASET_TTL_S = 60.0
# how much larger than MAX_RESULT_BYTES the engine's own serialisation may be before we stop reading
RAW_FACTOR = 4


class BackendError(EndpointError):
    """The engine answered with an error of its own (an error page, a 5xx): 502 Bad Gateway."""

    status = 502


class _ReplicaFailed(Exception):
    """This replica could not answer (down, dropped, error page): try another."""

    def __init__(self, message: str, answered: bool) -> None:
        super().__init__(message)
        self.answered = answered  # True: it answered with an error page; False: no answer at all


@dataclass
class Replica:
    url: str
    failures: int = 0
    out_until: float = 0.0  # monotonic time before which the replica is not asked

    def in_service(self, now: float) -> bool:
        return now >= self.out_until


_EMPTY = ox.Store()  # never written: finds syntax errors and the query form exactly as the local engine


def _probe(task: QueryTask) -> str:
    """The query form ("select", "ask", "graph"), or the local engine's syntax error (400)."""
    options: dict = {}
    if task.substitutions:
        options["substitutions"] = {ox.Variable(k): v for k, v in task.substitutions.items()}
    try:
        result = _EMPTY.query(task.sparql, **options)
    except SyntaxError as error:
        raise BadRequestError(f"Query syntax error: {error}") from None
    except Exception as error:
        raise BadRequestError(f"Query evaluation failed: {type(error).__name__}: {error}") from None
    if isinstance(result, ox.QueryTriples):
        return "graph"
    return "ask" if isinstance(result, ox.QueryBoolean) else "select"


class RemoteEngine:
    """Read replicas of one published release; the same interface as server.executor.WorkerPool."""

    def __init__(
        self,
        urls: list[str],
        credentials: Credentials | None = None,
        timeout_param: str | None = None,
        connections: int = 16,
    ) -> None:
        if not urls:
            raise ValueError("a remote engine needs at least one backend URL")
        self.replicas = [Replica(url) for url in urls]
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per backend request is noise
        self.size = connections
        self.timeout_param = timeout_param
        self.http = client(credentials or Credentials(), 30.0, connections=connections * len(urls))
        self.spool_dir = tempfile.mkdtemp(prefix="dmkg-remote-")
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self._dataset: dict[str, list[str]] | None = None
        self._dataset_at = 0.0
        self.release: str | None = None
        self._closed = False

    # -- replicas ---------------------------------------------------------------------------------
    def _pick(self, exclude: Replica | None) -> Replica:
        now = time.monotonic()
        with self._lock:
            candidates = [r for r in self.replicas if r is not exclude]
            if not candidates:
                candidates = list(self.replicas)
            healthy = [r for r in candidates if r.in_service(now)]
            if healthy:
                return healthy[next(self._turn) % len(healthy)]
            return min(candidates, key=lambda r: r.out_until)  # all out: probe the one due soonest

    def _failed(self, replica: Replica, reason: str) -> None:
        with self._lock:
            pause = BACKOFF_S[min(replica.failures, len(BACKOFF_S) - 1)]
            replica.failures += 1
            replica.out_until = time.monotonic() + pause
        log.warning("backend %s taken out for %g s: %s", replica.url, pause, reason)

    def _succeeded(self, replica: Replica) -> None:
        if replica.failures:
            with self._lock:
                replica.failures, replica.out_until = 0, 0.0
            log.info("backend %s back in service", replica.url)

    def _check_later(self, replica: Replica) -> None:
        """After a timeout: the query may be heavy, or the replica hung. A quick ASK in the background
        tells which; a replica that cannot answer it is taken out like a failed one."""

        def probe() -> None:
            try:
                response = self.http.post(
                    replica.url,
                    data={"query": "ASK {}"},
                    headers={"Accept": RESULTS_XML},
                    timeout=httpx.Timeout(PROBE_TIMEOUT_S),
                )
                if response.status_code != 200:
                    self._failed(replica, f"health probe answered {response.status_code}")
            except httpx.HTTPError as error:
                self._failed(replica, f"health probe: {describe_failure(error)}")

        if not self._closed:
            threading.Thread(target=probe, name="dmkg-backend-probe", daemon=True).start()

    # -- the release's dataset ----------------------------------------------------------------------
    def dataset(self, deadline: float) -> dict[str, list[str]]:
        """The protocol dataset of the published release: default-graph-uri and named-graph-uri values.

        Read from the release manifest, and again every DATASET_TTL_S (a new publish may add or drop
        graphs); while a re-read fails the last known dataset is kept.
        """
        if self._dataset is not None and time.monotonic() - self._dataset_at < DATASET_TTL_S:
            return self._dataset
        try:
            body = self._fetch(
                f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{RELEASE_GRAPH}> {{ ?s ?p ?o }} }}",
                NTRIPLES,
                {},
                deadline,
                max_bytes=16 * 1024 * 1024,
            )[0]
        except EndpointError:
            if self._dataset is None:
                raise
            return self._dataset
        graphs = manifest_graphs(body)
        if not graphs:
            raise StoreUnavailableError(
                f"The backend holds no dmkg release (no graph <{RELEASE_GRAPH}>); publish one with "
                "`dmkg publish --to <its Graph Store URL>`."
            )
        named = sorted(g for g, kind in graphs.items() if kind == "named")
        defaults = [g for g, kind in graphs.items() if kind == "default"] or named
        self._dataset = {"default-graph-uri": defaults, "named-graph-uri": named}
        self._dataset_at = time.monotonic()
        self.release = manifest_release(body)
        return self._dataset

    @property
    def store_path(self) -> str:
        """What the server's caches key on (the local pool's store directory): the published release."""
        return f"{' '.join(r.url for r in self.replicas)} release {self.release}"

    # -- queries ------------------------------------------------------------------------------------
    def run(self, task: QueryTask, timeout_s: float, wait_s: float | None = None) -> QueryResult:
        """Evaluate ``task`` on a replica within ``timeout_s`` or raise an EndpointError."""
        if self._closed:
            raise StoreUnavailableError("the server is shutting down")
        started = time.perf_counter()
        deadline = time.monotonic() + timeout_s
        form = _probe(task)
        media_type = task.graph_type if form == "graph" else task.results_type
        if media_type is None:
            from server.formats import not_acceptable

            raise not_acceptable(form)
        sparql = with_values(task.sparql, task.substitutions)
        if task.default_graphs is not None or task.named_graphs is not None:
            dataset = {
                "default-graph-uri": list(task.default_graphs or ()),
                "named-graph-uri": list(task.named_graphs or ()),
            }
        elif not task.own_dataset:  # no FROM of its own: the release's dataset
            dataset = self.dataset(deadline)
            if "graph" not in sparql.lower():  # no GRAPH pattern: the named graphs cannot matter
                dataset = {"default-graph-uri": dataset["default-graph-uri"]}
        else:
            dataset = {}
        accept = NTRIPLES if form == "graph" else RESULTS_XML
        body, content_type = self._fetch(sparql, accept, dataset, deadline, task.max_bytes * RAW_FACTOR)
        sink = _CappedSink(task.max_bytes, self.spool_dir)
        try:
            if form == "graph":
                triples = ox.parse(
                    body, format=ox.RdfFormat.from_media_type(content_type) or ox.RdfFormat.N_TRIPLES
                )
                fmt: ox.RdfFormat | ox.QueryResultsFormat = ox.RdfFormat.from_media_type(media_type)
                ox.serialize(triples, sink, fmt)
            else:
                results_format = (
                    ox.QueryResultsFormat.from_media_type(content_type) or ox.QueryResultsFormat.XML
                )
                fmt = ox.QueryResultsFormat.from_media_type(media_type)
                ox.parse_query_results(body, format=results_format).serialize(sink, fmt)
        except _ResultTooLarge:
            sink.discard()
            raise ResultTooLargeError(_too_large(task.max_bytes)) from None
        except SyntaxError as error:
            sink.discard()
            raise BackendError(
                f"The SPARQL backend's answer does not parse as {content_type}: {error}"
            ) from None
        data, path = sink.finish()
        eval_ms = (time.perf_counter() - started) * 1000
        return QueryResult(data, fmt.media_type, form, eval_ms, path, sink.size)

    def _fetch(
        self, sparql: str, accept: str, dataset: Mapping[str, list[str]], deadline: float, max_bytes: int
    ) -> tuple[bytes, str]:
        """The engine's answer (body, media type) from a replica; one retry on another replica."""
        tried: Replica | None = None
        failure: _ReplicaFailed | None = None
        for _ in range(2):
            replica = self._pick(exclude=tried)
            try:
                answer = self._ask(replica, sparql, accept, dataset, deadline, max_bytes)
            except _ReplicaFailed as error:
                self._failed(replica, str(error))
                tried, failure = replica, error
                if time.monotonic() >= deadline:
                    break
                continue
            self._succeeded(replica)
            return answer
        assert failure is not None
        error_class = BackendError if failure.answered else StoreUnavailableError
        raise error_class(
            f"The SPARQL backend could not answer (tried twice): {failure}", {"Retry-After": "5"}
        )

    def _ask(
        self,
        replica: Replica,
        sparql: str,
        accept: str,
        dataset: Mapping[str, list[str]],
        deadline: float,
        max_bytes: int,
    ) -> tuple[bytes, str]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _timeout()
        form = [("query", sparql)] + [(key, value) for key, values in dataset.items() for value in values]
        if self.timeout_param:
            form.append((self.timeout_param, str(max(int(remaining * 1000), 1))))
        try:
            with self.http.stream(
                "POST",
                replica.url,
                data=dict_list(form),
                headers={"Accept": accept},
                timeout=httpx.Timeout(remaining),
            ) as response:
                if response.status_code >= 500:
                    raise _ReplicaFailed(
                        f"{replica.url} answered {response.status_code}: {excerpt(response.read())}",
                        answered=True,
                    )
                if response.status_code >= 400:
                    raise BadRequestError(
                        f"The SPARQL backend refused the query ({response.status_code}): "
                        f"{excerpt(response.read())}"
                    )
                if response.headers.get("X-SQL-State"):  # Virtuoso's "anytime" answer: partial
                    raise _timeout()
                media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
                if media_type != accept:
                    raise _ReplicaFailed(
                        f"{replica.url} answered {media_type or 'no media type'}, not {accept}: "
                        f"{excerpt(response.read())}",
                        answered=True,
                    )
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise ResultTooLargeError(_too_large(max_bytes // RAW_FACTOR))
                    if time.monotonic() > deadline:
                        self._check_later(replica)
                        raise _timeout()
                    chunks.append(chunk)
                return b"".join(chunks), media_type
        except httpx.TimeoutException:
            self._check_later(replica)
            raise _timeout() from None
        except httpx.ConnectError as error:
            raise _ReplicaFailed(f"{replica.url}: {describe_failure(error)}", answered=False) from None
        except httpx.HTTPError as error:  # sent, then lost: the query may be what brought the engine down
            self._failed(replica, describe_failure(error))
            raise BackendError(
                f"The SPARQL backend {replica.url}: {describe_failure(error)} while evaluating this query. "
                "It is not retried on another replica, in case the query itself crashed the engine; "
                "send it again to retry."
            ) from None

    def select(self, sparql: str, timeout_s: float, **task_options) -> list[dict[str, dict]]:
        return select_rows(self, sparql, timeout_s, **task_options)

    def run_ask(self, sparql: str, timeout_s: float, **task_options) -> bool:
        return ask(self, sparql, timeout_s, **task_options)

    def update(self, sparql: str, timeout_s: float, base_iri: str | None = None) -> None:
        raise ForbiddenError(
            "This front end serves remote SPARQL backends read-only; publish with `dmkg publish`."
        )

    def stats(self) -> dict[str, object]:
        now = time.monotonic()
        return {
            "backends": len(self.replicas),
            "in_service": sum(r.in_service(now) for r in self.replicas),
            "out_of_service": [r.url for r in self.replicas if not r.in_service(now)],
        }

    def close(self) -> None:
        self._closed = True
        self.http.close()
        shutil.rmtree(self.spool_dir, ignore_errors=True)


def dict_list(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Form fields for httpx, repeated keys kept (default-graph-uri, named-graph-uri)."""
    fields: dict[str, list[str]] = {}
    for key, value in pairs:
        fields.setdefault(key, []).append(value)
    return fields


def _timeout() -> QueryTimeoutError:
    return QueryTimeoutError(
        "Query timed out: the SPARQL backend did not answer within the time limit and the request to it was "
        "dropped. Narrow the query (LIMIT, more specific patterns) or ask the operator for a longer limit.",
        {"Retry-After": "1"},
    )


def _too_large(limit: int) -> str:
    return (
        f"The result is larger than the limit of {limit:,} bytes; nothing was sent. "
        "Add a LIMIT, select fewer variables or use a more specific pattern."
    )
