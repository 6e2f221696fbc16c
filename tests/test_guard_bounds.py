"""The guard's character-count bound (server/guard.py ``_within_bounds``) lets a query skip the
tokeniser only when the tokeniser could not refuse it: checked on random token soups near small
limits, on the syntax-tree bombs, and shown to spare the tokeniser for every catalogue query."""

from __future__ import annotations

import random

import pytest

from kg.catalogue import load_catalogue
from server.guard import _tokenised_problem, _within_bounds

PIECES = [
    "(", ")", "{", "}", "[", "]", "&&", "||", "!", "!=", "<=", "+", "-", "*", "/", "|", "^", "?x", "$y",
    "union", "UnIoN", "MINUS", "optional", "filter", "bind", "graph", "service", "exists", "not",
    "select", "values", "1UNION", "ex:union", "NOTEXISTS", "'(( && union'", '"""{{ ! """', "<http://e/(>",
    "# ((( && union\n", "42", "3.5e2", "@en", "^^", "_:b1", "a", ".", ";", ",", " ", "\n",
]  # fmt: skip


def test_the_bound_never_passes_what_the_tokeniser_refuses() -> None:
    rng = random.Random(13)
    skipped = refused = 0
    for _ in range(4000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 40)))
        depth, operators = rng.randint(1, 8), rng.randint(1, 20)
        problem = _tokenised_problem(text, depth, operators)
        refused += problem is not None
        if _within_bounds(text, depth, operators):
            skipped += 1
            assert problem is None, text
    assert skipped > 500 and refused > 500  # both sides of the limits were exercised


@pytest.mark.parametrize("text", ["ASK { FILTER(" + "!" * 2_000 + "true) }", "{" * 200, " UNION x" * 1_001])
def test_bombs_are_tokenised(text: str) -> None:
    assert not _within_bounds(text, 128, 1_000)
    assert _tokenised_problem(text, 128, 1_000) is not None


def test_catalogue_queries_skip_the_tokeniser() -> None:
    queries = load_catalogue()
    assert queries and all(_within_bounds(q.sparql, 128, 1_000) for q in queries)
