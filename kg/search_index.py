"""Full-text search over the graph: an SQLite FTS5 index written beside the store it was read from.

Why beside the store: ``dmkg build`` writes ``stores/<digest>`` and then swaps the ``store`` link; the
index is written as ``stores/<digest>.search.sqlite`` before that swap, so whoever resolves the link
(the CLI, a server's worker pool) finds the index of exactly the store it reads, never a stale one.
Why FTS5: it is in Python's standard library and ranks with BM25; the user's words are turned into a
query of quoted tokens, so FTS operators and quotes in the input are never interpreted.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from html import escape
from pathlib import Path

from kg import atomic, curie

SUFFIX = ".search.sqlite"
MAX_QUERY_CHARS = 200
MAX_WORDS = 12
MAX_LIMIT = 100
# BM25 weights of the columns label, synonyms, identifiers, text: a name beats a mention in a sentence
_WEIGHTS = (10.0, 6.0, 8.0, 1.0)
_MARK_OPEN, _MARK_CLOSE = "\x02", "\x03"
_WORD = re.compile(r"\w+", re.UNICODE)

# one row per (resource, field, text); fields: label, synonym, identifier, match (an IRI), text, type
EXTRACT = """PREFIX dmkg: <https://w3id.org/dmkg/vocab/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oio: <http://www.geneontology.org/formats/oboInOwl#>
PREFIX obo: <http://purl.obolibrary.org/obo/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT DISTINCT ?s ?field ?text WHERE {
  { ?s rdfs:label ?text BIND("label" AS ?field) }
  UNION { ?s oio:hasExactSynonym|oio:hasRelatedSynonym|oio:hasNarrowSynonym|oio:hasBroadSynonym
             |skos:altLabel ?text BIND("synonym" AS ?field) }
  UNION { ?s oio:hasDbXref|dmkg:pmid|dmkg:doi ?text BIND("identifier" AS ?field) }
  UNION { ?s skos:exactMatch|skos:closeMatch|skos:broadMatch|skos:narrowMatch|skos:relatedMatch ?m
          FILTER(isIRI(?m)) BIND(STR(?m) AS ?text) BIND("match" AS ?field) }
  UNION { ?s dmkg:statement|dmkg:quote|obo:IAO_0000115|dmkg:findingValue ?text BIND("text" AS ?field) }
  UNION { ?s a ?type . ?type rdfs:label ?text
          FILTER(STRSTARTS(STR(?type), "https://w3id.org/dmkg/vocab/")) BIND("type" AS ?field) }
  UNION { ?s a owl:Class BIND("class" AS ?text) BIND("type" AS ?field) }
  UNION { ?s a owl:ObjectProperty BIND("property" AS ?text) BIND("type" AS ?field) }
  UNION { ?s a owl:DatatypeProperty BIND("property" AS ?text) BIND("type" AS ?field) }
  FILTER(isIRI(?s))
}"""


class SearchError(ValueError):
    """Input that cannot be searched for; the message says what to type instead."""


class IndexMissingError(RuntimeError):
    """No index beside the store (a store not built by `dmkg build`, or built before search existed)."""


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str
    kind: str
    snippet: str  # the best-matching text, matches between _MARK_OPEN and _MARK_CLOSE
    score: float

    @property
    def snippet_text(self) -> str:
        return self.snippet.replace(_MARK_OPEN, "").replace(_MARK_CLOSE, "").replace("\n", " · ")

    @property
    def snippet_html(self) -> str:
        """Escaped text with the matches in <mark>: safe to put into a page as is."""
        marked = escape(self.snippet).replace(_MARK_OPEN, "<mark>").replace(_MARK_CLOSE, "</mark>")
        return marked.replace("\n", " · ")

    def as_dict(self) -> dict:
        return {
            "iri": self.iri,
            "curie": curie.compress_or_none(self.iri),
            "label": self.label,
            "kind": self.kind,
            "snippet": self.snippet_text,
            "score": round(self.score, 4),
        }


def index_path(store_dir: str | Path) -> Path:
    """The index of the store directory (resolved, so a store link names its current store's index)."""
    real = Path(os.path.realpath(store_dir))
    return real.with_name(real.name + SUFFIX)


def _identifier_forms(text: str) -> list[str]:
    """An IRI also as its CURIE (obo/HP_0002015 -> HP:0002015) and its last path segment."""
    forms = [text]
    compact = curie.compress_or_none(text)
    if compact:
        forms.append(compact)
    tail = re.split(r"[/#]", text.rstrip("/"))[-1]
    if tail and tail not in forms:
        forms.append(tail)
    return forms


def _documents(rows: Iterable[tuple[str, str, str]]) -> list[tuple[str, str, str, str, str, str]]:
    fields: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for subject, field, text in rows:
        values = fields[subject][field]
        for form in _identifier_forms(text) if field == "match" else [text]:
            if form not in values:
                values.append(form)
    documents = []
    for subject, by_field in sorted(fields.items()):
        searchable = [by_field[f] for f in ("label", "synonym", "identifier", "match", "text")]
        if not any(searchable):
            continue
        label = (
            min(by_field["label"], key=len)
            if by_field["label"]
            else (curie.compress_or_none(subject) or subject)
        )
        kind = ", ".join(sorted(by_field["type"])[:3])
        documents.append(
            (
                subject,
                kind,
                label,
                "\n".join(by_field["synonym"]),
                "\n".join(by_field["identifier"] + by_field["match"]),
                "\n".join(by_field["label"][1:] + by_field["text"]),
            )
        )
    return documents


def write_index(rows: Iterable[tuple[str, str, str]], path: Path) -> Path:
    """Write the index of EXTRACT's rows to ``path`` atomically (a reader sees the old or the new file)."""
    with atomic.replacing(path) as tmp, closing(sqlite3.connect(tmp)) as db, db:
        db.execute(
            "CREATE VIRTUAL TABLE entries USING fts5(iri UNINDEXED, kind UNINDEXED, label, "
            "synonyms, identifiers, text, tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        db.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?)", _documents(rows))
        db.execute("INSERT INTO entries(entries) VALUES ('optimize')")
    return path


def build_for_store(store_dir: Path) -> Path:
    """Index a store directory (called by the build before the store link is swapped to it); its default
    graph is the build's union of all graphs, so each fact is read once."""
    import pyoxigraph as ox

    store = ox.Store.read_only(str(store_dir))
    rows = ((s["s"].value, s["field"].value, s["text"].value) for s in store.query(EXTRACT))
    return write_index(rows, index_path(store_dir))


def match_expression(query: str) -> tuple[str, str]:
    """(all words, any word) FTS5 expressions for the user's text; each word is a quoted prefix token.

    :raise SearchError: empty, too long, or no letters or digits in it
    """
    if len(query) > MAX_QUERY_CHARS:
        raise SearchError(f"the search text is {len(query)} characters long; use at most {MAX_QUERY_CHARS}")
    words = _WORD.findall(query.casefold())
    if not words:
        raise SearchError("type a word to search for (letters or digits), e.g. Gottron, CD11a or HP:0002015")
    if len(words) > MAX_WORDS:
        raise SearchError(f"the search text has {len(words)} words; use at most {MAX_WORDS}")
    tokens = [f'"{word}"*' for word in dict.fromkeys(words)]
    return " AND ".join(tokens), " OR ".join(tokens)


def search(path: Path, query: str, limit: int = 20) -> list[Hit]:
    """Entries matching every word, best first; if none does, those matching any word.

    :raise SearchError: bad input   :raise IndexMissingError: no index at ``path``
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise SearchError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    all_words, any_word = match_expression(query)
    if not path.is_file():
        raise IndexMissingError(f"no search index at {path}; run `dmkg build`")
    exact = " ".join(_WORD.findall(query.casefold()))
    sql = (
        "SELECT iri, label, kind, snippet(entries, -1, ?, ?, '…', 16), bm25(entries, ?, ?, ?, ?) AS score "
        "FROM entries WHERE entries MATCH ? ORDER BY (lower(label) = ?) DESC, "
        "(lower(label) LIKE ? ESCAPE '\\') DESC, score LIMIT ?"
    )
    prefix = re.sub(r"([%_\\])", r"\\\1", exact) + "%"
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        for expression in (all_words, any_word):
            rows = db.execute(sql, (_MARK_OPEN, _MARK_CLOSE, *_WEIGHTS, expression, exact, prefix, limit))
            hits = [Hit(iri, label, kind, snippet, -score) for iri, label, kind, snippet, score in rows]
            if hits:
                return hits
    return []
