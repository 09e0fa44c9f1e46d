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
            self.migrate()

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
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

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
        row = self.conn.execute(
            "INSERT INTO runs (kind, started_at, status) VALUES (?, ?, 'running') RETURNING run_id",
            [kind, utcnow()],
        ).fetchone()
        return int(row[0])

    def finish_run(self, run_id: int, status: str, counts: dict[str, Any]) -> None:
        self.conn.execute(
            "UPDATE runs SET finished_at = ?, status = ?, counts = ? WHERE run_id = ?",
            [utcnow(), status, json.dumps(counts, ensure_ascii=False), run_id],
        )

    def record_error(self, run_id: int | None, target: str, stage: str, message: str) -> None:
        self.conn.execute(
            "INSERT INTO errors (run_id, target, stage, message, occurred_at) VALUES (?, ?, ?, ?, ?)",
            [run_id, target, stage, message, utcnow()],
        )

    def errors(self, run_id: int) -> list[tuple[str, str, str]]:
        return self.conn.execute(
            "SELECT target, stage, message FROM errors WHERE run_id = ? ORDER BY error_id", [run_id]
        ).fetchall()

    # -- pages, articles, classifications ------------------------------------------

    def has_page(self, page_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM pages WHERE page_id = ?", [page_id]).fetchone() is not None

    def save_page(self, raw: RawPage, result: CleanResult, run_id: int | None) -> bool:
        """Store the raw capture once; return False when it was already there."""
        inserted = self.conn.execute(
            "INSERT INTO pages (page_id, page_key, url, final_url, path, source, fetched_at, status,"
            " content_type, declared_encoding, detected_encoding, content_hash, etag, last_modified,"
            " is_listing, body, run_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (page_id) DO NOTHING RETURNING page_id",
            [
                raw.page_id, raw.page_key, raw.url, raw.final_url, raw.path, raw.source,
                _as_naive_utc(raw.fetched_at), raw.status, raw.content_type,
                result.decoded.declared_encoding, result.decoded.used_encoding, raw.content_hash,
                raw.etag, raw.last_modified, result.is_listing, raw.body, run_id,
            ],
        ).fetchall()
        return bool(inserted)

    def save_article(self, page_id: str, article: Article) -> str:
        """Insert or update one article; return 'new', 'updated' or 'unchanged'."""
        row = self.conn.execute(
            "SELECT content_hash FROM articles WHERE article_id = ?", [article.article_id]
        ).fetchone()
        if row is not None and row[0] == article.content_hash:
            return "unchanged"
        now = utcnow()
        self.conn.execute(
            "INSERT INTO articles (article_id, page_id, page_key, part, url, path, source, site, title,"
            " published_at, outlet, reposted_from, author, text, text_normalized, content_hash, script,"
            " extractor_version, region_province, region_city, region_county, stored_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (article_id) DO UPDATE SET page_id = excluded.page_id, title = excluded.title,"
            " published_at = excluded.published_at, outlet = excluded.outlet,"
            " reposted_from = excluded.reposted_from, author = excluded.author, text = excluded.text,"
            " text_normalized = excluded.text_normalized, content_hash = excluded.content_hash,"
            " script = excluded.script, extractor_version = excluded.extractor_version,"
            " region_province = excluded.region_province, region_city = excluded.region_city,"
            " region_county = excluded.region_county, updated_at = excluded.updated_at",
            [
                article.article_id, page_id, article.page_key, article.part, article.url, article.path,
                article.source, article.site, article.title, _as_beijing(article.published),
                article.outlet, article.reposted_from, article.author, article.text,
                article.text_normalized, article.content_hash, article.script, article.extractor_version,
                article.region_province, article.region_city, article.region_county, now, now,
            ],
        )
        return "new" if row is None else "updated"

    def save_classification(self, article_id: str, verdict: Classification) -> None:
        """Replace this model version's labels for one article (other versions are kept)."""
        now = utcnow()
        self.conn.execute(
            "DELETE FROM classifications WHERE article_id = ? AND model_version = ?",
            [article_id, verdict.model_version],
        )
        self.conn.executemany(
            "INSERT INTO classifications (article_id, model_version, label, score, assigned,"
            " is_primary, sense, classified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    article_id, verdict.model_version, label, float(verdict.scores.get(label, 0.0)),
                    label in verdict.labels, label == verdict.primary,
                    verdict.sense if label == "jiaolianti" else None, now,
                ]
                for label in LABELS
            ],
        )

    def article_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM articles").fetchone()[0]

    def articles_for_classification(self) -> list[tuple[str, str | None, str]]:
        """(article_id, title, normalized text) of every stored article."""
        return self.conn.execute(
            "SELECT article_id, title, text_normalized FROM articles ORDER BY article_id"
        ).fetchall()

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

    def save_crawl_state(self, *, url: str, source: str, role: str, verdict: str, status: int | None,
                         etag: str | None, last_modified: str | None, lastmod: datetime | None,
                         content_hash: str | None, page_id: str | None, fetched_at: datetime,
                         run_id: int | None) -> None:
        fetched = _as_naive_utc(fetched_at)
        self.conn.execute(
            "INSERT INTO crawl_state (url, source, role, verdict, status, etag, last_modified, lastmod,"
            " content_hash, page_id, first_seen, last_fetched, last_checked, run_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (url) DO UPDATE SET source = excluded.source, role = excluded.role,"
            " verdict = excluded.verdict, status = excluded.status, etag = excluded.etag,"
            " last_modified = excluded.last_modified,"
            " lastmod = coalesce(excluded.lastmod, crawl_state.lastmod),"
            " content_hash = excluded.content_hash, page_id = excluded.page_id,"
            " last_fetched = excluded.last_fetched, last_checked = excluded.last_checked,"
            " run_id = excluded.run_id",
            [url, source, role, verdict, status, etag, last_modified, _as_naive_utc(lastmod),
             content_hash, page_id, fetched, fetched, fetched, run_id],
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
        """Raw captures as received: (source, role, url, final_url, status, content_type, etag,
        last_modified, lastmod, anchor, fetched_at, body, run_id)."""
        self.conn.executemany(
            "INSERT INTO crawl_inbox (source, role, url, final_url, status, content_type, etag,"
            " last_modified, lastmod, anchor, fetched_at, body, run_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [list(row) for row in rows],
        )

    def inbox_take(self, limit: int) -> list[tuple]:
        """The oldest raw captures not yet cleaned: (capture_id, source, role, url, final_url, status,
        content_type, etag, last_modified, lastmod, anchor, fetched_at, body, run_id)."""
        return self.conn.execute(
            "SELECT capture_id, source, role, url, final_url, status, content_type, etag, last_modified,"
            " lastmod, anchor, fetched_at, body, run_id FROM crawl_inbox ORDER BY capture_id LIMIT ?",
            [limit],
        ).fetchall()

    def inbox_delete(self, capture_ids: Sequence[int]) -> None:
        self.conn.execute(
            "DELETE FROM crawl_inbox WHERE capture_id IN (SELECT unnest(?::BIGINT[]))", [list(capture_ids)]
        )

    def inbox_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM crawl_inbox").fetchone()[0]

    def last_run_counts(self, kinds: Sequence[str]) -> dict[str, Any] | None:
        """counts of the latest finished run of one of these kinds."""
        row = self.conn.execute(
            "SELECT counts FROM runs WHERE kind IN (SELECT unnest(?::VARCHAR[])) AND status = 'finished'"
            " ORDER BY run_id DESC LIMIT 1",
            [list(kinds)],
        ).fetchone()
        return json.loads(row[0]) if row and row[0] else None

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

    def latest_published(self) -> datetime | None:
        return self.conn.execute("SELECT max(published_at) FROM articles").fetchone()[0]

    def weekly_label_counts(
        self, model_version: str, week_starts: Sequence[datetime]
    ) -> list[tuple[datetime, str, int]]:
        """(week start, primary label, articles) for the given ISO weeks.

        published_at holds Beijing time as printed, so weeks are Asia/Shanghai weeks.
        """
        return self.conn.execute(
            "WITH a AS ("
            "  SELECT article_id, date_trunc('week', published_at) AS week"
            "  FROM articles WHERE published_at IS NOT NULL)"
            " SELECT a.week, coalesce(c.label, 'none') AS label, count(*)"
            " FROM a LEFT JOIN classifications c"
            "   ON c.article_id = a.article_id AND c.model_version = ? AND c.is_primary AND c.assigned"
            " WHERE a.week IN (SELECT unnest(?::TIMESTAMP[]))"
            " GROUP BY ALL ORDER BY 1, 2",
            [model_version, list(week_starts)],
        ).fetchall()

    def week_articles(
        self, model_version: str, week_start: datetime, limit: int
    ) -> list[tuple[str | None, str | None, datetime, str | None, str]]:
        """(title, outlet, published_at, url or path, primary label) of one week's articles."""
        return self.conn.execute(
            "SELECT a.title, a.outlet, a.published_at, coalesce(a.url, a.path),"
            "  coalesce(c.label, 'none')"
            " FROM articles a LEFT JOIN classifications c"
            "   ON c.article_id = a.article_id AND c.model_version = ? AND c.is_primary AND c.assigned"
            " WHERE date_trunc('week', a.published_at) = ?"
            " ORDER BY a.published_at DESC, a.article_id LIMIT ?",
            [model_version, week_start, limit],
        ).fetchall()

    def latest_model_version(self) -> str | None:
        row = self.conn.execute(
            "SELECT model_version FROM classifications ORDER BY classified_at DESC LIMIT 1"
        ).fetchone()
        return row[0] if row else None

    # -- researchers' own SQL ------------------------------------------------------

    def run_user_query(self, sql: str, params: Iterable[Any] = ()) -> tuple[list[str], list[tuple]]:
        """Run a researcher's query (on a read-only connection); return (columns, rows)."""
        cursor = self.conn.execute(sql, list(params))
        columns = [d[0] for d in cursor.description or []]
        return columns, cursor.fetchall()
