"""The SPARQL 1.1 Protocol's update dataset: ``using-graph-uri`` and ``using-named-graph-uri``.

pyoxigraph's ``Store.update`` takes no dataset, so the parameters are written into the update the way
the protocol defines them: as ``USING <g>`` / ``USING NAMED <g>`` clauses of every operation that has a
WHERE (``DELETE WHERE { P }`` becomes ``DELETE { P } USING … WHERE { P }``). An operation that names
its own dataset (USING or WITH) together with the parameters is refused with 400, as the protocol
requires. The positions come from the tokeniser (strings, IRIs and comments skipped).
"""

from __future__ import annotations

from server.errors import BadRequestError
from server.lexer import Token, keyword, tokens


def with_dataset(sparql: str, default_graphs: tuple[str, ...], named_graphs: tuple[str, ...]) -> str:
    """``sparql`` with the protocol's dataset written into each operation (unchanged without one).

    :raise 400: an operation with USING or WITH while the request also gives a dataset
    """
    if not default_graphs and not named_graphs:
        return sparql
    using = " ".join([*(f"USING <{g}>" for g in default_graphs),
                      *(f"USING NAMED <{g}>" for g in named_graphs)])
    toks = list(tokens(sparql))
    operations, closing = _structure(toks)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in the original text
    for operation in operations:
        words = [keyword(toks[i]) for i in operation]
        if "USING" in words or "WITH" in words:
            clause = "WITH" if "WITH" in words else "USING"
            raise BadRequestError(
                f"The update names its own dataset ({clause}) and the request gives "
                "using-graph-uri/using-named-graph-uri: give one or the other, not both."
            )
        if "WHERE" not in words:
            continue  # INSERT DATA, DELETE DATA, CLEAR, LOAD, …: no dataset to apply
        at = words.index("WHERE")
        where = toks[operation[at]]
        if at > 0 and words[at - 1] == "DELETE":  # DELETE WHERE { P }
            if at + 1 >= len(operation) or operation[at + 1] not in closing:
                continue  # a syntax error: oxigraph reports it
            brace = operation[at + 1]
            pattern = sparql[toks[brace].start : closing[brace]]
            edits.append((where.start, closing[brace], f"{pattern} {using} WHERE {pattern}"))
        else:
            edits.append((where.start, where.start, f"{using} "))
    for start, end, replacement in sorted(edits, reverse=True):
        sparql = sparql[:start] + replacement + sparql[end:]
    return sparql


def _structure(toks: list[Token]) -> tuple[list[list[int]], dict[int, int]]:
    """The top-level token indices of each operation (split at ``;`` outside brackets; a top-level
    opening bracket is included), and for each opening bracket the offset just past its match."""
    operations: list[list[int]] = [[]]
    closing: dict[int, int] = {}
    stack: list[int] = []
    for i, token in enumerate(toks):
        if token.kind == "open":
            if not stack:
                operations[-1].append(i)
            stack.append(i)
        elif token.kind == "close":
            if stack:
                closing[stack.pop()] = token.start + 1
        elif not stack:
            if token.text == ";":
                operations.append([])
            else:
                operations[-1].append(i)
    return [op for op in operations if op], closing
