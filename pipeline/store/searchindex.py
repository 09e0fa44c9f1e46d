"""The search index (migration 0014): writing entries, backfilling, and what search reads.

An entry is written in the transaction that writes its article (ingest), or
later by ``index_missing`` (`edualliance index`), which indexes the articles
that have no entry for their current text in batches, one transaction each:
a crash keeps the finished batches and a rerun goes on from there. An article
whose text changes loses its entry in the transaction that stores the change
(``WritesMixin.save_articles``), so an entry always describes the text stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..records import LABELS
from .schema import StoreConnection
from .timestamps import utcnow

#: Articles per backfill transaction: large enough that a segment's rows of one word fill
#: whole blocks (a lookup reads few), small enough to hold in memory.
INDEX_BATCH = 50_000

#: A snapshot's table (made at publish, ``write_search_fields``) of what ranking and the
#: filters read for each indexed article beside its counts: text length, date, labels, sense,
#: region, outlet, and the rank of its id (the last tie-break). A search then joins the
#: postings with this narrow table by number, instead of the research table by id, and
#: fetches the rows of its best candidates alone (by the index on ``doc``).
SEARCH_FIELDS = "search_doc_fields"


@dataclass(frozen=True)
class IndexStatus:
    articles: int
    indexed: int  # articles with an entry for their current text by the current tokenizer

    @property
    def complete(self) -> bool:
        return self.indexed >= self.articles


class SearchIndexMixin(StoreConnection):
    """Entries of the search index and the coverage search checks."""

    def save_search_entries(self, entries: Sequence, tokenizer_version: str) -> None:
        """Write entries (``searchwords.IndexEntry``) as one segment, replacing earlier entries of
        the same articles. Call inside the transaction that stores the articles."""
        from itertools import chain

        import numpy as np
        import pyarrow as pa

        if not entries:
            return
        latest = {e.article_id: e for e in entries}
        entries = list(latest.values())
        first = self.conn.execute("SELECT next_doc FROM search_counter").fetchone()[0]
        self.conn.execute("UPDATE search_counter SET next_doc = ?", [first + len(entries)])
        docs = pa.table({
            "doc": pa.array(range(first, first + len(entries)), pa.int32()),
            "article_id": [e.article_id for e in entries],
            "content_hash": [e.content_hash for e in entries],
            "text_bytes": pa.array([e.text_bytes for e in entries], pa.int32()),
        })
        # The postings sorted by (word, doc) here, in numpy, and handed over as a dictionary-encoded
        # Arrow column: DuckDB sorting millions of strings cost five times the insert itself.
        sizes = [len(e.terms) for e in entries]
        total = sum(sizes)
        vocab: dict[str, int] = {}
        word = np.fromiter((vocab.setdefault(term, len(vocab)) for e in entries for term in e.terms),
                           dtype=np.int32, count=total)
        tf = np.fromiter(chain.from_iterable(e.terms.values() for e in entries), dtype=np.int32, count=total)
        doc = np.repeat(np.arange(first, first + len(entries), dtype=np.int32), sizes)
        words = sorted(vocab)  # code point order: DuckDB's order of VARCHAR (UTF-8 bytes)
        rank = np.empty(len(words), dtype=np.int32)
        rank[np.fromiter((vocab[w] for w in words), dtype=np.int32, count=len(words))] = np.arange(len(words))
        word = rank[word]
        order = np.lexsort((doc, word))
        postings = pa.table({
            "term": pa.DictionaryArray.from_arrays(pa.array(word[order]), pa.array(words, pa.string())),
            "doc": pa.array(doc[order]),
            "tf": pa.array(tf[order]),
        })
        self.conn.register("new_search_docs", docs)
        self.conn.register("new_postings", postings)
        try:
            self.conn.execute("DELETE FROM search_docs WHERE article_id IN (SELECT article_id FROM new_search_docs)")
            self.conn.execute(
                "INSERT INTO search_docs SELECT doc, article_id, content_hash, text_bytes, ?, ? FROM new_search_docs",
                [tokenizer_version, utcnow()])
            # In the order made above (sorted by word): a segment's rows for one word are
            # together, and DuckDB's min/max per block lets a lookup skip the rest.
            self.conn.execute("INSERT INTO search_terms SELECT ?, term, doc, tf FROM new_postings", [first])
        finally:
            self.conn.unregister("new_search_docs")
            self.conn.unregister("new_postings")

    def search_index_status(self, tokenizer_version: str) -> IndexStatus:
        # A read-only store (a snapshot) never changes: count once (a scan of every entry) per store.
        cache = self.__dict__.setdefault("_index_status", {}) if self.read_only else {}
        if tokenizer_version not in cache:
            cache[tokenizer_version] = self._count_indexed(tokenizer_version)
        return cache[tokenizer_version]

    def _count_indexed(self, tokenizer_version: str) -> IndexStatus:
        row = self.conn.execute(
            "SELECT (SELECT count(*) FROM articles),"
            " (SELECT count(*) FROM search_docs WHERE tokenizer = ?)", [tokenizer_version]).fetchone()
        return IndexStatus(int(row[0]), int(row[1]))

    def write_search_fields(self, schema: str) -> None:
        """Make ``SEARCH_FIELDS`` in the attached database ``schema`` (a snapshot being written,
        whose research_articles is a table by now)."""
        if not self.conn.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = 'search_docs'",
                [schema]).fetchone()[0]:
            return
        # ``schema`` is the snapshot's own attach name (a constant of snapshot.py), never input.
        # label_mask: bit i set when LABELS[i] is assigned, so that a label filter tests a small
        # integer instead of a list of strings (the list made that scan half of a filtered search).
        mask = " + ".join(f"list_contains(r.labels, $l{i})::INTEGER * {1 << i}" for i in range(len(LABELS)))
        self.conn.execute(
            f"CREATE TABLE {schema}.{SEARCH_FIELDS} AS SELECT d.doc, d.article_id, d.tokenizer, d.text_bytes,"
            " r.published_at, row_number() OVER (ORDER BY d.article_id) AS id_rank, r.labels, r.sense,"
            f" r.region_province, r.region_city, r.outlet, r.reposted_from, ({mask})::UTINYINT AS label_mask"
            f" FROM {schema}.search_docs d JOIN {schema}.research_articles r ON r.article_id = d.article_id"
            " ORDER BY r.published_at DESC NULLS LAST, d.doc", {f"l{i}": label for i, label in enumerate(LABELS)})
        self.conn.execute(f"CREATE INDEX {SEARCH_FIELDS}_doc ON {schema}.{SEARCH_FIELDS} (doc)")

    def has_search_fields(self) -> bool:
        """Whether this is a snapshot with ``SEARCH_FIELDS`` as this version writes it (one
        published by an earlier version lacks ``label_mask``: search takes the general path)."""
        return bool(self.conn.execute(
            "SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database()"
            " AND schema_name = 'main' AND table_name = ? AND column_name = 'label_mask'",
            [SEARCH_FIELDS]).fetchone()[0])

    def has_search_index(self) -> bool:
        """Whether this database has the index's tables (a snapshot of an older database has not)."""
        return bool(self.conn.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
            " AND schema_name = 'main' AND table_name IN ('search_docs', 'search_terms')").fetchone()[0] == 2)

    def unindexed_articles(self, tokenizer_version: str, after: str, limit: int) -> list[tuple]:
        """(article_id, content_hash, title, normalized text) of the next ``limit`` articles after
        ``after`` (by id) without an entry for their current text."""
        return self.conn.execute(
            "WITH ids AS (SELECT a.article_id FROM articles a"
            "  ANTI JOIN (SELECT article_id, content_hash FROM search_docs WHERE tokenizer = ?) d"
            "  ON d.article_id = a.article_id AND d.content_hash = a.content_hash"
            "  WHERE a.article_id > ? ORDER BY a.article_id LIMIT ?)"
            " SELECT a.article_id, a.content_hash, a.title, a.text_normalized"
            " FROM articles a SEMI JOIN ids ON ids.article_id = a.article_id ORDER BY a.article_id",
            [tokenizer_version, after, limit]).fetchall()

    def index_missing(self, *, batch: int = INDEX_BATCH,
                      on_progress: Callable[[int, IndexStatus], None] = lambda done, status: None) -> int:
        """Index every article without an entry for its current text; return how many were indexed.

        Batches of ``batch`` articles in id order, each in its own transaction, so that
        an interrupted backfill keeps what it finished and a rerun goes on from there.
        """
        from ..searchwords import TOKENIZER_VERSION, index_entries

        done, after = 0, ""
        while True:
            rows = self.unindexed_articles(TOKENIZER_VERSION, after, batch)
            if not rows:
                break
            entries = index_entries(rows)
            with self.transaction():
                self.save_search_entries(entries, TOKENIZER_VERSION)
            done += len(rows)
            after = rows[-1][0]
            on_progress(done, self.search_index_status(TOKENIZER_VERSION))
        if done:
            self.compact_search_terms()
        return done

    def compact_search_terms(self) -> None:
        """Rewrite the small segments (one per ingest batch) as one sorted by word, without the
        numbers of entries that were replaced: a lookup then reads few blocks."""
        small = INDEX_BATCH // 10
        with self.transaction():
            segments = [row[0] for row in self.conn.execute(
                "SELECT segment FROM search_terms GROUP BY segment HAVING count(DISTINCT doc) < ?", [small]).fetchall()]
            if len(segments) < 2:
                return
            self.conn.execute(
                "CREATE TEMP TABLE merged_terms AS SELECT ?::INTEGER AS segment, p.term, p.doc, p.tf"
                " FROM search_terms p SEMI JOIN search_docs d ON d.doc = p.doc"
                " WHERE list_contains(?::INTEGER[], p.segment) ORDER BY p.term, p.doc",
                [max(segments), segments])
            try:
                self.conn.execute("DELETE FROM search_terms WHERE list_contains(?::INTEGER[], segment)", [segments])
                self.conn.execute("INSERT INTO search_terms SELECT * FROM merged_terms")
            finally:
                self.conn.execute("DROP TABLE merged_terms")
