"""The DuckDB store: every SQL statement of the project lives in this module.

Statements take parameters; nothing here formats crawled content into SQL.
Schema changes are numbered files in ``migrations/``, applied in order and
recorded in ``schema_migrations``. One writer per database file (DuckDB's
rule): readers use ``Store(path, read_only=True)``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .records import LABELS, Article, Classification, CleanResult, RawPage

if TYPE_CHECKING:
    import duckdb

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


def utcnow() -> datetime:
    """Naive UTC, the form every TIMESTAMP column holds."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _as_naive_utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


#: Publication times are kept as Beijing wall-clock time, the way pages print them.
BEIJING = timezone(timedelta(hours=8))


def _as_beijing(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(BEIJING).replace(tzinfo=None)


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every migration shipped, in order."""
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found


class StoreError(RuntimeError):
    """A database problem, phrased so that the user knows what to do."""


class Store:
    """A connection to one corpus database."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        import duckdb

        self.path = Path(path)
        self.read_only = read_only
        #: finish_run publishes the snapshot (see publish_snapshot); set False to publish
        #: yourself (a bulk load that publishes once at its end).
        self.publish_on_finish = not read_only
        self._in_transaction = False
        self._publish_pending = False  # asked inside a transaction: publish after its commit
        if read_only and not self.path.exists():
            raise StoreError(f"no database at {self.path}: run `edualliance demo` or `edualliance ingest` first")
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn: duckdb.DuckDBPyConnection = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            raise StoreError(
                f"cannot open {self.path}: {exc}. Another process holds it; "
                "close it, or read the published snapshot instead"
            ) from exc
        if not read_only:
            try:
                self.migrate()
            except BaseException:
                self.conn.close()  # do not keep the file locked for the rest of the process
                raise

    # -- lifecycle -----------------------------------------------------------------

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: a failure inside leaves the database as it was."""
        self.conn.execute("BEGIN TRANSACTION")
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self._in_transaction = False
            self.conn.execute("ROLLBACK")
            raise
        else:
            self._in_transaction = False
            self.conn.execute("COMMIT")
            if self._publish_pending:
                self.publish_snapshot()

    # -- schema --------------------------------------------------------------------

    def migrate(self) -> list[int]:
        """Apply the migrations this database lacks; return their versions."""
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
        )
        done = {row[0] for row in self.conn.execute("SELECT version FROM schema_migrations").fetchall()}
        applied = []
        for version, name, sql in migrations():
            if version in done:
                continue
            with self.transaction():
                self.conn.execute(sql)
                self.conn.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, utcnow()]
                )
            applied.append(version)
        return applied

    def schema_version(self) -> int:
        row = self.conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return row[0] or 0

    def columns(self) -> dict[str, list[str]]:
        """Table (and view) → column names, as the live database has them."""
        rows = self.conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
        ).fetchall()
        out: dict[str, list[str]] = {}
        for table, column in rows:
            out.setdefault(table, []).append(column)
        return out

    # -- runs and errors -----------------------------------------------------------

    def start_run(self, kind: str) -> int:
        """Open a run. Runs still 'running' now were killed (this process holds the only write
        lock on the file), so they are marked failed here, whatever their kind."""
        row = self.conn.execute(
            "INSERT INTO runs (kind, started_at, status) VALUES (?, ?, 'running') RETURNING run_id",
            [kind, utcnow()],
        ).fetchone()
        self.conn.execute("UPDATE runs SET status = 'failed' WHERE status = 'running' AND run_id <> ?", [row[0]])
        return int(row[0])

    def finish_run(self, run_id: int, status: str, counts: dict[str, Any]) -> None:
        self.conn.execute(
            "UPDATE runs SET finished_at = ?, status = ?, counts = ? WHERE run_id = ?",
            [utcnow(), status, json.dumps(counts, ensure_ascii=False), run_id],
        )
        if self.publish_on_finish:
            self.publish_snapshot()

    def publish_snapshot(self) -> Path | None:
        """Publish the read-only snapshot researchers read (pipeline/snapshot.py).

        Runs end with it (``finish_run``). The run's data is committed before,
        so a failure here is logged and recorded in ``errors``, never raised.
        """
        import logging

        from .snapshot import publish_snapshot

        if self._in_transaction:  # a copy would miss what is not committed yet
            self._publish_pending = True
            return None
        self._publish_pending = False
        try:
            return publish_snapshot(self)
        except Exception as exc:  # noqa: BLE001 - the run's own data is safe; say so and go on
            logging.getLogger(__name__).warning("could not publish the snapshot of %s: %s", self.path, exc)
            try:
                self.record_error(None, str(self.path), "publish", f"snapshot not published: {exc}")
            except Exception:  # noqa: BLE001 - the warning above is all that can be done
                pass
            return None

    def record_error(self, run_id: int | None, target: str, stage: str, message: str) -> None:
        self.conn.execute(
            "INSERT INTO errors (run_id, target, stage, message, occurred_at) VALUES (?, ?, ?, ?, ?)",
            [run_id, target, stage, message, utcnow()],
        )

    def errors(self, run_id: int) -> list[tuple[str, str, str]]:
        return self.conn.execute(
            "SELECT target, stage, message FROM errors WHERE run_id = ? ORDER BY error_id", [run_id]
        ).fetchall()

    # -- sources -------------------------------------------------------------------

    def ensure_source(self, name: str, kind: str, config: dict[str, Any] | None = None) -> None:
        """Record a source the first time a run uses it; keep its latest config."""
        self.conn.execute(
            "INSERT INTO sources (name, kind, config, added_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, config = excluded.config",
            [name, kind, json.dumps(config or {}, ensure_ascii=False), utcnow()],
        )

    # -- pages, articles, classifications ------------------------------------------

    def has_page(self, page_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM pages WHERE page_id = ?", [page_id]).fetchone() is not None

    def article_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM articles").fetchone()[0]

    def articles_for_classification(self, after: str | None, limit: int) -> list[tuple[str, str | None, str]]:
        """(article_id, title, normalized text) of the next ``limit`` articles after ``after``
        (keyset pagination: a corpus of millions is never held in memory at once)."""
        return self.conn.execute(
            "SELECT article_id, title, text_normalized FROM articles"
            " WHERE ? IS NULL OR article_id > ? ORDER BY article_id LIMIT ?",
            [after, after, limit],
        ).fetchall()

    # -- researchers' labels (migration 0003) ------------------------------------------

    def save_label(self, article_id: str, labels: Sequence[str], primary: str, sense: str | None,
                   labeler: str | None, model_version: str | None = None, note: str | None = None) -> int:
        """Store one researcher's judgement of an article; return its label_id."""
        row = self.conn.execute(
            "INSERT INTO labels (article_id, labels, primary_label, sense, labeler, model_version, note,"
            " labeled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING label_id",
            [article_id, list(labels), primary, sense, labeler, model_version, note, utcnow()],
        ).fetchone()
        return int(row[0])

    def researcher_labels(self) -> list[tuple[str, str | None, str, list[str], str, str | None]]:
        """(article_id, title, normalized text, labels, primary, sense): each article's latest judgement."""
        return self.conn.execute(
            "SELECT a.article_id, a.title, a.text_normalized, l.labels, l.primary_label, l.sense"
            " FROM (SELECT *, row_number() OVER (PARTITION BY article_id ORDER BY labeled_at DESC,"
            "       label_id DESC) AS rn FROM labels) l"
            " JOIN articles a ON a.article_id = l.article_id"
            " WHERE l.rn = 1 ORDER BY a.article_id"
        ).fetchall()

    def unlabeled_articles(self, limit: int) -> list[tuple[str, str | None, str]]:
        """(article_id, title, normalized text) of the most recently stored articles no one labeled."""
        return self.conn.execute(
            "SELECT a.article_id, a.title, a.text_normalized FROM articles a"
            " WHERE NOT EXISTS (SELECT 1 FROM labels l WHERE l.article_id = a.article_id)"
            " ORDER BY a.stored_at DESC, a.article_id LIMIT ?",
            [limit],
        ).fetchall()

    # -- near-duplicate clusters (migrations 0002, 0006) ------------------------------

    def articles_needing_dedup(self, scheme: str) -> list[tuple[str, str, datetime | None, str]]:
        """(article_id, normalized text, published_at, content_hash) of the articles the repost
        detector has not examined as they are now: new, changed, or examined under another scheme."""
        return self.conn.execute(
            "SELECT a.article_id, a.text_normalized, a.published_at, a.content_hash FROM articles a"
            " LEFT JOIN dedup_signatures s ON s.article_id = a.article_id"
            " WHERE s.article_id IS NULL OR s.content_hash <> a.content_hash OR s.scheme <> ?"
            " ORDER BY a.article_id",
            [scheme],
        ).fetchall()

    def dedup_partners(self, bands: Sequence[tuple[int, int, str]], exclude: Sequence[str]) -> list[str]:
        """Examined articles, other than ``exclude``, sharing a (band, key) of ``bands``
        ((band, key, article_id) rows): the candidates of the articles being examined."""
        if not bands:
            return []
        rows = self.conn.execute(
            "SELECT DISTINCT b.article_id FROM dedup_bands b"
            " JOIN (SELECT unnest(?::SMALLINT[]) AS band, unnest(?::BIGINT[]) AS key) n"
            "   ON n.band = b.band AND n.key = b.key"
            " WHERE b.article_id NOT IN (SELECT unnest(?::VARCHAR[])) ORDER BY 1",
            [[band for band, _, _ in bands], [key for _, key, _ in bands], list(exclude)],
        ).fetchall()
        return [article_id for (article_id,) in rows]

    def cluster_members(self, article_ids: Sequence[str]) -> list[tuple[str, str, datetime | None]]:
        """(article_id, normalized text, published_at) of ``article_ids`` and of every article
        in the clusters they belong to."""
        return self.conn.execute(
            "WITH chosen AS (SELECT unnest(?::VARCHAR[]) AS article_id)"
            " SELECT article_id, text_normalized, published_at FROM articles"
            " WHERE article_id IN (SELECT article_id FROM chosen)"
            "    OR cluster_id IN (SELECT a.cluster_id FROM articles a JOIN chosen c ON c.article_id = a.article_id"
            "                      WHERE a.cluster_id IS NOT NULL)"
            " ORDER BY article_id",
            [list(article_ids)],
        ).fetchall()

    def save_dedup(self, scheme: str, examined: Sequence[tuple[str, str, int]],
                   bands: Sequence[tuple[int, int, str]], clusters: Sequence[tuple[str, bool, str]]) -> None:
        """In one transaction: the examined articles' (article_id, content_hash, shingles) and
        their bands, replacing what they had, and (cluster_id, is_canonical, article_id) of the
        re-clustered articles (written where they changed)."""
        ids = [article_id for article_id, _, _ in examined]
        with self.transaction():
            # Bands of the examined articles are replaced; those of articles no longer stored go.
            self.conn.execute(
                "DELETE FROM dedup_bands WHERE article_id IN (SELECT unnest(?::VARCHAR[]))"
                " OR article_id NOT IN (SELECT article_id FROM articles)",
                [ids],
            )
            self.conn.execute("DELETE FROM dedup_signatures WHERE article_id NOT IN (SELECT article_id FROM articles)")
            if examined:
                self.conn.execute(
                    "INSERT OR REPLACE INTO dedup_signatures (article_id, content_hash, scheme, shingles)"
                    " SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), ?, unnest(?::INTEGER[])",
                    [ids, [h for _, h, _ in examined], scheme, [n for _, _, n in examined]],
                )
            if bands:
                self.conn.execute(
                    "INSERT INTO dedup_bands (band, key, article_id)"
                    " SELECT unnest(?::SMALLINT[]), unnest(?::BIGINT[]), unnest(?::VARCHAR[])",
                    [[b for b, _, _ in bands], [k for _, k, _ in bands], [a for _, _, a in bands]],
                )
            if clusters:
                self.conn.execute(
                    "UPDATE articles SET cluster_id = n.cluster_id, is_canonical = n.is_canonical"
                    " FROM (SELECT unnest(?::VARCHAR[]) AS cluster_id, unnest(?::BOOLEAN[]) AS is_canonical,"
                    "              unnest(?::VARCHAR[]) AS article_id) n"
                    " WHERE articles.article_id = n.article_id AND (articles.cluster_id IS DISTINCT FROM n.cluster_id"
                    "       OR articles.is_canonical IS DISTINCT FROM n.is_canonical)",
                    [[c for c, _, _ in clusters], [bool(f) for _, f, _ in clusters], [a for _, _, a in clusters]],
                )

    # -- crawl state and inbox (migration 0004) -------------------------------------

    def save_source(self, name: str, kind: str, config: dict[str, Any]) -> None:
        self.conn.execute(
            "INSERT INTO sources (name, kind, config, added_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, config = excluded.config",
            [name, kind, json.dumps(config, ensure_ascii=False), utcnow()],
        )

    def crawl_state(self) -> list[tuple]:
        """(url, source, role, verdict, etag, last_modified, lastmod, last_checked) of every known URL."""
        return self.conn.execute(
            "SELECT url, source, role, verdict, etag, last_modified, lastmod, last_checked"
            " FROM crawl_state ORDER BY url"
        ).fetchall()

    def crawl_state_of(self, url: str) -> tuple | None:
        """(verdict, content_hash, page_id, etag, last_modified, lastmod) of one URL."""
        return self.conn.execute(
            "SELECT verdict, content_hash, page_id, etag, last_modified, lastmod FROM crawl_state WHERE url = ?",
            [url],
        ).fetchone()

    def save_crawl_states(self, rows: Sequence[dict[str, Any]]) -> None:
        """Upsert many URLs' crawl state in one statement (single-row upserts are slow in DuckDB).

        Each row: url, source, role, verdict, status, etag, last_modified, lastmod, content_hash,
        page_id, fetched_at, run_id. A URL given twice keeps its last row.
        """
        latest = {row["url"]: row for row in rows}
        if not latest:
            return
        rows = list(latest.values())

        def col(name: str, convert=lambda v: v) -> list:
            return [convert(row[name]) for row in rows]

        fetched = col("fetched_at", _as_naive_utc)
        self.conn.execute(
            "INSERT INTO crawl_state (url, source, role, verdict, status, etag, last_modified, lastmod,"
            " content_hash, page_id, first_seen, last_fetched, last_checked, run_id)"
            " SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
            " unnest(?::INTEGER[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::TIMESTAMP[]),"
            " unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::TIMESTAMP[]), unnest(?::TIMESTAMP[]),"
            " unnest(?::TIMESTAMP[]), unnest(?::BIGINT[])"
            " ON CONFLICT (url) DO UPDATE SET source = excluded.source, role = excluded.role,"
            " verdict = excluded.verdict, status = excluded.status, etag = excluded.etag,"
            " last_modified = excluded.last_modified,"
            " lastmod = coalesce(excluded.lastmod, crawl_state.lastmod),"
            " content_hash = excluded.content_hash, page_id = excluded.page_id,"
            " last_fetched = excluded.last_fetched, last_checked = excluded.last_checked,"
            " run_id = excluded.run_id",
            [col("url"), col("source"), col("role"), col("verdict"), col("status"), col("etag"),
             col("last_modified"), col("lastmod", _as_naive_utc), col("content_hash"), col("page_id"),
             fetched, fetched, fetched, col("run_id")],
        )

    def touch_crawl_state(self, url: str, checked_at: datetime, lastmod: datetime | None,
                          run_id: int | None) -> None:
        """A conditional request answered 304: the URL was checked and has not changed."""
        self.conn.execute(
            "UPDATE crawl_state SET last_checked = ?, lastmod = coalesce(?, lastmod), run_id = ?"
            " WHERE url = ?",
            [_as_naive_utc(checked_at), _as_naive_utc(lastmod), run_id, url],
        )

    def inbox_add(self, rows: Sequence[Sequence[Any]]) -> None:
        """Raw captures as received, in one statement: (source, role, url, final_url, status,
        content_type, etag, last_modified, lastmod, anchor, fetched_at, body, run_id)."""
        if not rows:
            return
        columns = [list(column) for column in zip(*rows)]
        columns[8] = [_as_naive_utc(v) for v in columns[8]]
        columns[10] = [_as_naive_utc(v) for v in columns[10]]
        self.conn.execute(
            "INSERT INTO crawl_inbox (source, role, url, final_url, status, content_type, etag,"
            " last_modified, lastmod, anchor, fetched_at, body, run_id)"
            " SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
            " unnest(?::INTEGER[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
            " unnest(?::TIMESTAMP[]), unnest(?::VARCHAR[]), unnest(?::TIMESTAMP[]), unnest(?::BLOB[]),"
            " unnest(?::BIGINT[])",
            columns,
        )

    def inbox_take(self, limit: int, after: int = 0) -> list[tuple]:
        """The oldest raw captures not yet cleaned, past capture_id ``after`` (those before it are
        being cleaned): (capture_id, source, role, url, final_url, status, content_type, etag,
        last_modified, lastmod, anchor, fetched_at, body, run_id)."""
        return self.conn.execute(
            "SELECT capture_id, source, role, url, final_url, status, content_type, etag, last_modified,"
            " lastmod, anchor, fetched_at, body, run_id FROM crawl_inbox WHERE capture_id > ?"
            " ORDER BY capture_id LIMIT ?",
            [after, limit],
        ).fetchall()

    def inbox_delete(self, capture_ids: Sequence[int]) -> None:
        self.conn.execute(
            "DELETE FROM crawl_inbox WHERE capture_id IN (SELECT unnest(?::BIGINT[]))", [list(capture_ids)]
        )

    def inbox_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM crawl_inbox").fetchone()[0]

    # Page, article and label writes: one statement per batch, not per row, because
    # each DuckDB statement costs milliseconds (ingest, the crawler and reclassify use them).

    def save_pages(self, items: Sequence[tuple[RawPage, CleanResult]], run_id: int | None) -> set[str]:
        """Store captures once each (by page_id); return the page_ids that were new."""
        rows = {}
        for raw, result in items:
            rows.setdefault(raw.page_id, [
                raw.page_id, raw.page_key, raw.url, raw.final_url, raw.path, raw.source,
                _as_naive_utc(raw.fetched_at), raw.status, raw.content_type,
                result.decoded.declared_encoding, result.decoded.used_encoding, raw.content_hash,
                raw.etag, raw.last_modified, result.is_listing, raw.body, run_id,
            ])
        if not rows:
            return set()
        inserted = self.conn.execute(
            "INSERT INTO pages (page_id, page_key, url, final_url, path, source, fetched_at, status,"
            " content_type, declared_encoding, detected_encoding, content_hash, etag, last_modified,"
            " is_listing, body, run_id)"
            " SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
            " unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::TIMESTAMP[]), unnest(?::INTEGER[]),"
            " unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
            " unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::BOOLEAN[]), unnest(?::BLOB[]),"
            " unnest(?::BIGINT[])"
            " ON CONFLICT (page_id) DO NOTHING RETURNING page_id",
            [list(column) for column in zip(*rows.values())],
        ).fetchall()
        return {row[0] for row in inserted}

    def save_articles(self, items: Sequence[tuple[str, Article]]) -> list[str]:
        """Insert or update (page_id, article) pairs; return 'new', 'updated' or 'unchanged' for each, in order."""
        if not items:
            return []
        known = dict(self.conn.execute(
            "SELECT article_id, content_hash FROM articles WHERE article_id IN (SELECT unnest(?::VARCHAR[]))",
            [[article.article_id for _, article in items]],
        ).fetchall())
        now = utcnow()
        outcomes, rows = [], {}
        for page_id, article in items:
            before = known.get(article.article_id)
            if before is not None and before == article.content_hash:
                outcomes.append("unchanged")
                continue
            outcomes.append("new" if before is None else "updated")
            known[article.article_id] = article.content_hash
            rows[article.article_id] = [
                article.article_id, page_id, article.page_key, article.part, article.url, article.path,
                article.source, article.site, article.title, _as_beijing(article.published),
                article.outlet, article.reposted_from, article.author, article.text,
                article.text_normalized, article.content_hash, article.script, article.extractor_version,
                article.region_province, article.region_city, article.region_county, now, now,
            ]
        if rows:
            self.conn.execute(
                "INSERT INTO articles (article_id, page_id, page_key, part, url, path, source, site, title,"
                " published_at, outlet, reposted_from, author, text, text_normalized, content_hash, script,"
                " extractor_version, region_province, region_city, region_county, stored_at, updated_at)"
                " SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::INTEGER[]),"
                " unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
                " unnest(?::VARCHAR[]), unnest(?::TIMESTAMP[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
                " unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
                " unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
                " unnest(?::VARCHAR[]), unnest(?::TIMESTAMP[]), unnest(?::TIMESTAMP[])"
                " ON CONFLICT (article_id) DO UPDATE SET page_id = excluded.page_id, title = excluded.title,"
                " published_at = excluded.published_at, outlet = excluded.outlet,"
                " reposted_from = excluded.reposted_from, author = excluded.author, text = excluded.text,"
                " text_normalized = excluded.text_normalized, content_hash = excluded.content_hash,"
                " script = excluded.script, extractor_version = excluded.extractor_version,"
                " region_province = excluded.region_province, region_city = excluded.region_city,"
                " region_county = excluded.region_county, updated_at = excluded.updated_at",
                [list(column) for column in zip(*rows.values())],
            )
        return outcomes

    def save_classifications(self, items: Sequence[tuple[str, Classification]]) -> None:
        """Replace these articles' labels under each verdict's model version (other versions stay)."""
        latest = {(article_id, verdict.model_version): (article_id, verdict) for article_id, verdict in items}
        if not latest:
            return
        now = utcnow()
        self.conn.execute(
            "DELETE FROM classifications c USING (SELECT unnest(?::VARCHAR[]) AS article_id,"
            " unnest(?::VARCHAR[]) AS model_version) d"
            " WHERE c.article_id = d.article_id AND c.model_version = d.model_version",
            [[k[0] for k in latest], [k[1] for k in latest]],
        )
        rows = [
            [
                article_id, verdict.model_version, label, float(verdict.scores.get(label, 0.0)),
                label in verdict.labels, label == verdict.primary,
                verdict.sense if label == "jiaolianti" else None, now,
            ]
            for article_id, verdict in latest.values()
            for label in LABELS
        ]
        self.conn.execute(
            "INSERT INTO classifications (article_id, model_version, label, score, assigned,"
            " is_primary, sense, classified_at)"
            " SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::DOUBLE[]),"
            " unnest(?::BOOLEAN[]), unnest(?::BOOLEAN[]), unnest(?::VARCHAR[]), unnest(?::TIMESTAMP[])",
            [list(column) for column in zip(*rows)],
        )

    def recent_run_counts(self, kinds: Sequence[str], limit: int = 50) -> list[dict[str, Any]]:
        """counts of the latest finished runs of these kinds, newest first."""
        rows = self.conn.execute(
            "SELECT counts FROM runs WHERE kind IN (SELECT unnest(?::VARCHAR[])) AND status = 'finished'"
            " AND counts IS NOT NULL ORDER BY run_id DESC LIMIT ?",
            [list(kinds), limit],
        ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def stored_pages(self, after: str | None, limit: int) -> list[tuple]:
        """Stored captures with bytes, in page_id order after ``after``: (page_id, url, final_url, path,
        source, fetched_at, status, content_type, etag, last_modified, body)."""
        return self.conn.execute(
            "SELECT page_id, url, final_url, path, source, fetched_at, status, content_type, etag,"
            " last_modified, body FROM pages WHERE body IS NOT NULL AND page_id > ?"
            " ORDER BY page_id LIMIT ?",
            [after or "", limit],
        ).fetchall()

    def latest_page_ids(self) -> set[str]:
        """The newest capture of every page key (older captures of a page are history)."""
        rows = self.conn.execute(
            "SELECT arg_max(page_id, fetched_at) FROM pages GROUP BY page_key"
        ).fetchall()
        return {row[0] for row in rows}

    def crawl_role_of(self, url: str) -> str | None:
        row = self.conn.execute("SELECT role FROM crawl_state WHERE url = ?", [url]).fetchone()
        return row[0] if row else None

    # -- digest --------------------------------------------------------------------

    def primary_label_counts(self, model_version: str) -> list[tuple[str, int]]:
        """(primary label or 'none', articles) under one model version."""
        return self.conn.execute(
            "SELECT coalesce(c.label, 'none') AS label, count(*) FROM articles a"
            " LEFT JOIN classifications c ON c.article_id = a.article_id AND c.model_version = ?"
            "  AND c.is_primary AND c.assigned"
            " GROUP BY ALL ORDER BY 2 DESC, 1",
            [model_version],
        ).fetchall()

    def latest_model_version(self) -> str | None:
        row = self.conn.execute(
            "SELECT model_version FROM classifications ORDER BY classified_at DESC LIMIT 1"
        ).fetchone()
        return row[0] if row else None

    # -- research layer: bulk loads, snapshot, search, export, digest, diffusion ------

    #: Views of migration 0005 that a published snapshot holds as tables (in this
    #: order: later ones read earlier ones), so that researchers' queries are fast.
    MATERIALIZED_VIEWS: tuple[str, ...] = (
        "research_articles", "article_labels", "weekly_label_province", "stories", "first_reports",
    )

    #: Tables a snapshot leaves out: the repost detector's bookkeeping, nothing to query.
    NOT_IN_SNAPSHOT: tuple[str, ...] = ("dedup_signatures", "dedup_bands")

    def bulk_load_articles(self, table: Any, *, replace: bool = False) -> int:
        """Insert articles from an Arrow table whose columns are named as in ``articles``.

        About 100× faster than row-by-row inserts. With ``replace`` an article
        already stored is overwritten; without it, a duplicate id fails the load.
        """
        self.conn.register("bulk_articles", table)
        try:
            if replace:
                self.conn.execute("INSERT OR REPLACE INTO articles BY NAME SELECT * FROM bulk_articles")
            else:
                self.conn.execute("INSERT INTO articles BY NAME SELECT * FROM bulk_articles")
        finally:
            self.conn.unregister("bulk_articles")
        return table.num_rows

    def bulk_load_classifications(self, table: Any, *, replace: bool = False) -> int:
        """Insert classification rows from an Arrow table named as in ``classifications``;
        with ``replace`` a row already stored (same article, version, label) is overwritten."""
        self.conn.register("bulk_classifications", table)
        try:
            if replace:
                self.conn.execute(
                    "INSERT OR REPLACE INTO classifications BY NAME SELECT * FROM bulk_classifications"
                )
            else:
                self.conn.execute("INSERT INTO classifications BY NAME SELECT * FROM bulk_classifications")
        finally:
            self.conn.unregister("bulk_classifications")
        return table.num_rows

    def copy_database_to(self, target: Path) -> None:
        """Write a read-only copy of this database into the new file ``target``.

        Every table with every row and column, except that BLOB columns (the
        raw captures: ``pages.body``, ``crawl_inbox.body``) are NULL: they are
        the pipeline's to re-extract from, and would make every copy as large
        as the crawl; the tables of ``NOT_IN_SNAPSHOT`` are left out. Views
        come along; those of ``MATERIALIZED_VIEWS`` become tables of the same
        name and columns. No keys or indexes: nothing
        writes to a copy. Checkpointed and closed on return.
        """
        import duckdb

        name = self.conn.execute("SELECT current_database()").fetchone()[0]
        tables = self.conn.execute(
            "SELECT t.table_name, list(c.column_name ORDER BY c.column_index)"
            "  FILTER (WHERE c.data_type = 'BLOB')"
            " FROM duckdb_tables() t LEFT JOIN duckdb_columns() c"
            "   ON c.table_oid = t.table_oid"
            " WHERE t.database_name = current_database() AND t.schema_name = 'main' AND NOT t.temporary"
            " GROUP BY t.table_name, t.table_oid ORDER BY t.table_oid"
        ).fetchall()
        views = self.conn.execute(
            "SELECT sql FROM duckdb_views() WHERE database_name = current_database()"
            " AND schema_name = 'main' AND NOT internal ORDER BY view_oid"
        ).fetchall()

        def ident(text: str) -> str:  # catalog names, quoted as identifiers
            return '"' + text.replace('"', '""') + '"'

        self.conn.execute("ATTACH ? AS snapshot_target", [str(target)])
        try:
            for table, blobs in tables:
                if table in self.NOT_IN_SNAPSHOT:
                    continue
                blank = (" REPLACE (" + ", ".join(f"NULL::BLOB AS {ident(c)}" for c in blobs) + ")") if blobs else ""
                self.conn.execute(
                    f"CREATE TABLE snapshot_target.{ident(table)} AS"
                    f" SELECT *{blank} FROM {ident(name)}.main.{ident(table)}"
                )
            # A view's stored statement binds its names in the database it is run in.
            self.conn.execute("USE snapshot_target")
            try:
                # A database opened again lists its views by name, not in the order they
                # were made (article_labels before the research_articles it reads): make
                # those whose names resolve, then again the ones that read them.
                pending = [statement for (statement,) in views]
                while pending:
                    unresolved = []
                    for statement in pending:
                        try:
                            self.conn.execute(statement)
                        except duckdb.CatalogException:
                            unresolved.append(statement)
                    if len(unresolved) == len(pending):
                        self.conn.execute(unresolved[0])  # no progress: raise its error
                    pending = unresolved
            finally:
                self.conn.execute(f"USE {ident(name)}")
            for view in self.MATERIALIZED_VIEWS:
                # Names from the constant above, never from input.
                self.conn.execute(
                    f"CREATE TABLE snapshot_target.materialized_{view} AS SELECT * FROM snapshot_target.{view}"
                )
                self.conn.execute(f"DROP VIEW snapshot_target.{view}")
                self.conn.execute(f"ALTER TABLE snapshot_target.materialized_{view} RENAME TO {view}")
            self.conn.execute("CHECKPOINT snapshot_target")
        finally:
            self.conn.execute("DETACH snapshot_target")

    def search_candidates(
        self, terms: Sequence[str], *, since: datetime | None = None, until: datetime | None = None,
        label: str | None = None, limit: int = 50,
    ) -> tuple[int, list[tuple]]:
        """Articles containing every term, best BM25 first (title hits count double).

        Returns (articles searched, rows of (article_id, title, published_at,
        outlet, region_province, primary_label, labels, text_normalized, score)).
        The statement's shape depends only on how many terms there are; the
        terms themselves are parameters.
        """
        if not terms:
            return 0, []
        where, params = ["TRUE"], []
        if since is not None:
            where.append("published_at >= ?")
            params.append(since)
        if until is not None:
            where.append("published_at < ?")
            params.append(until)
        if label is not None:
            where.append("list_contains(labels, ?)")
            params.append(label)
        n = len(terms)
        # One scan: each row's byte length, whether it holds each term (title or text) and,
        # only where it holds every term, the term counts; document frequencies from that.
        # Texts are fetched for the best rows alone. strlen (bytes), not length (characters):
        # the same ranking without counting UTF-8.
        hit = ", ".join(
            f"(contains(text_normalized, $t{i}) OR contains(coalesce(title, ''), $t{i})) AS h{i}" for i in range(n)
        )
        every = " AND ".join(f"h{i}" for i in range(n))
        tf = ", ".join(
            f"CASE WHEN {every} THEN"
            f" (strlen(text_normalized) - strlen(replace(text_normalized, $t{i}, ''))) // strlen($t{i})"
            f" + 2 * ((strlen(coalesce(title, '')) - strlen(replace(coalesce(title, ''), $t{i}, '')))"
            f" // strlen($t{i})) END AS tf{i}" for i in range(n)
        )
        df = ", ".join(f"count(*) FILTER (WHERE h{i}) AS df{i}" for i in range(n))
        bm25 = " + ".join(
            f"ln(1 + (s.n - s.df{i} + 0.5) / (s.df{i} + 0.5)) * m.tf{i} * 2.2"
            f" / (m.tf{i} + 1.2 * (0.25 + 0.75 * m.len / s.avglen))" for i in range(n)
        )
        named = {f"t{i}": term for i, term in enumerate(terms)}
        # Positional filters become named ones so that both kinds can mix.
        filters = " AND ".join(where)
        for i, value in enumerate(params):
            filters = filters.replace("?", f"$p{i}", 1)
            named[f"p{i}"] = value
        named["limit"] = limit
        sql = (
            "WITH flagged AS ("
            "  SELECT article_id, published_at, strlen(text_normalized) AS len, text_normalized, title, " + hit +
            "  FROM research_articles WHERE " + filters + "),"
            " base AS MATERIALIZED (SELECT article_id, published_at, len, "
            + ", ".join(f"h{i}" for i in range(n)) + ", " + tf + " FROM flagged),"
            " stats AS (SELECT count(*) AS n, greatest(avg(len), 1) AS avglen, " + df + " FROM base),"
            " best AS (SELECT m.article_id, m.published_at, " + bm25 + " AS score, s.n"
            "  FROM base m, stats s WHERE " + " AND ".join(f"m.h{i}" for i in range(n)) +
            "  ORDER BY score DESC, m.published_at DESC NULLS LAST, m.article_id LIMIT $limit)"
            " SELECT r.article_id, r.title, r.published_at, r.outlet, r.region_province, r.primary_label,"
            "  r.labels, r.text_normalized, b.score, b.n"
            " FROM best b JOIN research_articles r ON r.article_id = b.article_id"
            " ORDER BY b.score DESC, b.published_at DESC NULLS LAST, b.article_id"
        )
        rows = self.conn.execute(sql, named).fetchall()
        searched = rows[0][-1] if rows else self.conn.execute(
            "SELECT count(*) FROM research_articles WHERE " + filters,
            {k: v for k, v in named.items() if k.startswith("p")},
        ).fetchone()[0]
        return int(searched), [row[:-1] for row in rows]

    def export_parquet(self, out_dir: Path) -> None:
        """research_articles as Parquet files partitioned by year and primary label (hive layout)."""
        self.conn.execute(
            "COPY (SELECT *, year(coalesce(published_at, stored_at)) AS year, primary_label AS label"
            " FROM research_articles ORDER BY published_at, article_id)"
            " TO ? (FORMAT parquet, PARTITION_BY (year, label), OVERWRITE_OR_IGNORE true)",
            [str(out_dir)],
        )

    def export_csv(self, path: Path, *, with_text: bool = True) -> None:
        """research_articles as one CSV file (UTF-8, header; labels joined with ';')."""
        if with_text:
            self.conn.execute(
                "COPY (SELECT * REPLACE (array_to_string(labels, ';') AS labels)"
                " FROM research_articles ORDER BY published_at, article_id)"
                " TO ? (FORMAT csv, HEADER true)",
                [str(path)],
            )
        else:
            self.conn.execute(
                "COPY (SELECT * EXCLUDE (text_normalized) REPLACE (array_to_string(labels, ';') AS labels)"
                " FROM research_articles ORDER BY published_at, article_id)"
                " TO ? (FORMAT csv, HEADER true)",
                [str(path)],
            )

    def weekly_label_province_since(self, since: datetime) -> list[tuple]:
        """Rows of the ``weekly_label_province`` view (a table in the snapshot) from ``since`` on."""
        return self.conn.execute(
            "SELECT iso_week, label, region_province, articles, stories, share_of_week"
            " FROM weekly_label_province WHERE week_start >= ? ORDER BY week_start, label, region_province",
            [since],
        ).fetchall()

    def count_week_label_province(self, since: datetime) -> list[tuple]:
        """The week × label × province counts computed afresh from ``article_labels`` (the
        aggregation behind ``weekly_label_province``), from ``since`` on."""
        return self.conn.execute(
            "WITH totals AS (SELECT week_start, count(DISTINCT story_id) AS week_stories"
            "  FROM research_articles WHERE week_start >= ? GROUP BY week_start)"
            " SELECT l.week_start, l.label, l.region_province, count(*) AS articles,"
            "  count(DISTINCT l.story_id) AS stories, count(DISTINCT l.story_id) / any_value(t.week_stories)"
            " FROM article_labels l JOIN totals t ON t.week_start = l.week_start"
            " WHERE l.week_start >= ? GROUP BY l.week_start, l.label, l.region_province ORDER BY 1, 2, 3",
            [since, since],
        ).fetchall()

    def latest_week_start(self) -> datetime | None:
        """Monday of the latest week with a dated article (else with any article).

        Dates after tomorrow (Beijing time) are misread dates, not the latest news:
        one such page must not move the default digest into the future.
        """
        tomorrow = datetime.now(BEIJING).replace(tzinfo=None) + timedelta(days=1)
        row = self.conn.execute(
            "SELECT coalesce(CAST(date_trunc('week', max(published_at) FILTER (WHERE published_at <= ?))"
            " AS DATE), max(week_start)) FROM research_articles",
            [tomorrow],
        ).fetchone()
        return row[0]

    def week_label_counts(self, first_week: datetime, last_week: datetime) -> list[tuple]:
        """(week_start, label, articles, stories) for the weeks from first_week to last_week."""
        return self.conn.execute(
            "SELECT week_start, label, count(*), count(DISTINCT story_id) FROM article_labels"
            " WHERE week_start BETWEEN ? AND ? GROUP BY ALL ORDER BY 1, 2",
            [first_week, last_week],
        ).fetchall()

    def week_totals(self, first_week: datetime, last_week: datetime) -> list[tuple]:
        """(week_start, articles, stories) of everything collected in the weeks given."""
        return self.conn.execute(
            "SELECT week_start, count(*), count(DISTINCT story_id) FROM research_articles"
            " WHERE week_start BETWEEN ? AND ? GROUP BY ALL ORDER BY 1",
            [first_week, last_week],
        ).fetchall()

    def first_reports_between(self, start: datetime, end: datetime) -> list[tuple]:
        """(label, level, province, city, first_published, title, outlet) of regions whose first
        report of a model falls in [start, end)."""
        return self.conn.execute(
            "SELECT f.label, f.level, f.region_province, f.region_city, f.first_published, r.title, r.outlet"
            " FROM first_reports f LEFT JOIN research_articles r ON r.article_id = f.first_article_id"
            " WHERE f.first_published >= ? AND f.first_published < ?"
            " ORDER BY f.label, f.level DESC, f.first_published, f.region_province, f.region_city",
            [start, end],
        ).fetchall()

    def regions_reporting(self, before: datetime) -> list[tuple[str, str, int]]:
        """(label, level, regions) that had reported each model before ``before``."""
        return self.conn.execute(
            "SELECT label, level, count(*) FROM first_reports WHERE first_published < ?"
            " GROUP BY ALL ORDER BY 1, 2",
            [before],
        ).fetchall()

    def diffusion(self, label: str, level: str) -> list[tuple]:
        """(province, city, first_published, stories, title, outlet) for one model, earliest first."""
        return self.conn.execute(
            "SELECT f.region_province, f.region_city, f.first_published, f.stories, r.title, r.outlet"
            " FROM first_reports f LEFT JOIN research_articles r ON r.article_id = f.first_article_id"
            " WHERE f.label = ? AND f.level = ?"
            " ORDER BY f.first_published, f.region_province, f.region_city",
            [label, level],
        ).fetchall()

    def top_stories(self, week_start: datetime, limit: int) -> list[tuple]:
        """(title, primary_label, articles, outlets, outlet names, first published, url) of the
        week's stories about a reform model, most widely carried first."""
        return self.conn.execute(
            "SELECT arg_min(title, (NOT is_canonical, published_at, article_id)),"
            "  arg_min(primary_label, (NOT is_canonical, published_at, article_id)),"
            "  count(*) AS articles, count(DISTINCT outlet) AS outlets,"
            "  list(DISTINCT outlet ORDER BY outlet) FILTER (WHERE outlet IS NOT NULL),"
            "  min(published_at) AS first_published,"
            "  arg_min(coalesce(url, path), (NOT is_canonical, published_at, article_id))"
            " FROM research_articles WHERE week_start = ? AND len(labels) > 0 GROUP BY story_id"
            " ORDER BY outlets DESC, articles DESC, first_published, 1 LIMIT ?",
            [week_start, limit],
        ).fetchall()

    def story_texts(self, first_week: datetime, last_week: datetime, per_week: int) -> list[tuple]:
        """(week_start, title, opening of the text) of up to ``per_week`` stories a week, an even
        sample (by hash of the id) when a week has more."""
        return self.conn.execute(
            "SELECT week_start, title, left(text_normalized, 300) FROM research_articles"
            " WHERE week_start BETWEEN ? AND ? AND is_canonical"
            " QUALIFY row_number() OVER (PARTITION BY week_start ORDER BY hash(article_id)) <= ?",
            [first_week, last_week, per_week],
        ).fetchall()

    def source_activity(self, week_start: datetime, first_week: datetime) -> list[tuple]:
        """(source, articles stored this week, articles stored in the weeks from first_week before
        it, last stored) for every source, by the week articles were stored (Beijing time)."""
        return self.conn.execute(
            "WITH s AS (SELECT source, CAST(date_trunc('week', stored_at + INTERVAL 8 HOUR) AS DATE) AS week,"
            "  stored_at FROM articles)"
            " SELECT source, count(*) FILTER (WHERE week = ?), count(*) FILTER (WHERE week >= ? AND week < ?),"
            "  max(stored_at) FROM s GROUP BY source ORDER BY source",
            [week_start, first_week, week_start],
        ).fetchall()

    def week_errors(self, start_utc: datetime, end_utc: datetime) -> list[tuple]:
        """(who, stage, errors, one message) for errors recorded in [start_utc, end_utc): who is the
        source of a stored page, else the host of a URL, else the target itself (a crawl's source
        flags name the source), with local files together."""
        return self.conn.execute(
            "SELECT coalesce(p.source, nullif(regexp_extract(e.target, '^[a-z]+://([^/]+)', 1), ''),"
            "  CASE WHEN e.target LIKE '/%' OR contains(e.target, '\\') THEN 'local files' ELSE e.target END) AS who,"
            "  e.stage, count(*), min(e.message)"
            " FROM errors e LEFT JOIN (SELECT DISTINCT url, source FROM pages WHERE url IS NOT NULL) p"
            "   ON p.url = e.target"
            " WHERE e.occurred_at >= ? AND e.occurred_at < ?"
            " GROUP BY ALL ORDER BY 3 DESC, 1, 2",
            [start_utc, end_utc],
        ).fetchall()

    def failed_runs(self, start_utc: datetime, end_utc: datetime) -> list[tuple]:
        """(run_id, kind, started_at, status) of runs started in [start_utc, end_utc) that failed."""
        return self.conn.execute(
            "SELECT run_id, kind, started_at, status FROM runs"
            " WHERE started_at >= ? AND started_at < ? AND status = 'failed' ORDER BY run_id",
            [start_utc, end_utc],
        ).fetchall()

    # -- researchers' own SQL ------------------------------------------------------

    def run_user_query(self, sql: str, params: Iterable[Any] = ()) -> tuple[list[str], list[tuple]]:
        """Run a researcher's query (on a read-only connection); return (columns, rows).

        External access is switched off first, so the query cannot read or write
        files (COPY, ATTACH, read_csv) either: the connection stays read-only in full.
        """
        self.conn.execute("SET enable_external_access = false")
        cursor = self.conn.execute(sql, list(params))
        columns = [d[0] for d in cursor.description or []]
        return columns, cursor.fetchall()
