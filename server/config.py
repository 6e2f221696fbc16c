"""The endpoint's settings and their safe defaults, in one place.

Each value can be overridden by ``create_app(test_config)``, by an instance ``config.py``, or by an
environment variable ``DMKG_<NAME>`` (Flask ``from_prefixed_env``; values are read as JSON when they
parse, so ``DMKG_QUERY_TIMEOUT_S=5`` is a number). ``dmkg serve`` options map onto the same names.
"""

from __future__ import annotations

import os

DEFAULTS: dict[str, object] = {
    # the pyoxigraph store directory to serve (any store, not only dmkg's own build);
    # None: dmkg's own build (kg.paths.default_store(), which honours DMKG_BUILD)
    "STORE_PATH": None,
    # minted IRIs are BASE_IRI + request path, e.g. https://w3id.org/dmkg/id/drug/efalizumab
    "BASE_IRI": "https://w3id.org/dmkg",
    # hard limit per query, wall clock, from the moment a worker has it
    "QUERY_TIMEOUT_S": 30.0,
    # how long a request may wait for a free worker before it is refused (503, Retry-After)
    "QUERY_QUEUE_WAIT_S": 30.0,
    # memory a query may take in its worker beyond what the worker holds with the store open (RLIMIT_AS);
    # a query past it is stopped with 503; 0: no limit
    "QUERY_MEMORY_MB": 1024,
    # long-lived worker processes holding Store.read_only(STORE_PATH); a timed-out one is killed and replaced
    # (per web process: `dmkg serve` shares its --workers out among its web processes)
    "QUERY_WORKERS": max(2, os.cpu_count() or 2),
    # how many web processes `dmkg serve` runs, each with its own pool (set by serve; shown by /health)
    "WEB_PROCESSES": 1,
    # a result larger than this is refused with 413 (never silently truncated)
    "MAX_RESULT_BYTES": 64 * 1024 * 1024,
    # request body limit (Flask answers 413) and URL limit (we answer 414)
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "MAX_URL_LENGTH": 64 * 1024,
    # deepest bracket nesting accepted; pyoxigraph's parser overflows its stack at a few thousand
    "MAX_NESTING_DEPTH": 128,
    # most operators and keywords (&&, !, /, |, MINUS, BIND, …) a query may have: each is a node of its
    # syntax tree, and pyoxigraph recurses over that tree (it crashed at ~3 000 MINUS or BIND)
    "MAX_QUERY_OPERATORS": 1000,
    # SERVICE / LOAD targets that may be contacted; empty = no outbound request, ever
    "ALLOWED_REMOTE_ENDPOINTS": [],
    # SPARQL Update and Graph Store writes: off unless enabled *and* a bearer token is set
    "ENABLE_UPDATES": False,
    "UPDATE_TOKEN": None,
    # CORS for the read-only API: any origin, no credentials (never "*" with credentials)
    "CORS_ORIGINS": "*",
    # dataset metadata for the VoID description
    "DATASET_TITLE": "dmkg: recalcitrant dermatomyositis treated with efalizumab",
    "DATASET_LICENSE": "https://creativecommons.org/licenses/by/4.0/",
    # where the named queries live (None: the repo's queries/catalogue)
    "CATALOGUE_DIR": None,
    "ACCESS_LOG": True,
    # remote SPARQL query endpoints (read replicas of a release published by `dmkg publish`) to serve
    # instead of the local store; empty = the local store
    "BACKENDS": [],
    # the engines' own per-query time limit parameter, in milliseconds (Virtuoso: "timeout"); None = none
    "BACKEND_TIMEOUT_PARAM": None,
    # authentication to the backends: None, "basic", "digest" or "bearer" (secret: DMKG_BACKEND_SECRET)
    "BACKEND_AUTH": None,
    "BACKEND_USER": None,
    "BACKEND_SECRET": None,
}
