"""The published read-only snapshot: what researchers (and `sql`, `search`,
`export`, `digest`, `diffusion`) read, so that readers never block the writer.

DuckDB lets one process hold a database file read-write and no one else open
it, not even read-only, and a reader blocks a writer the same way. So the
writer publishes a copy at the end of every run: it writes the copy to a temp
file beside the target, then ``os.replace``s it into place. A reader that has
the old snapshot open keeps reading the old file (its inode stays alive until
it closes); the next reader opens the new one. No reader ever sees a half
written file and no reader ever holds a lock the writer needs.

In the snapshot the heavy research views (``Store.MATERIALIZED_VIEWS``) are
tables with the same columns, so researchers' queries are fast, and the raw
page bytes are left out (NULL), so that a copy costs what the text costs.
This module writes the copy (``SnapshotMixin.copy_database_to``) and
publishes it (``publish_snapshot``); readers open it with
``edualliance.pipeline.snapshot.open_snapshot``.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .schema import StoreConnection, StoreError

if TYPE_CHECKING:
    from . import Store

SNAPSHOT_ENV = "EDUALLIANCE_SNAPSHOT"


def snapshot_path(db_path: str | Path) -> Path:
    """Where the snapshot of ``db_path`` is published: $EDUALLIANCE_SNAPSHOT, else
    ``<name>.snapshot.duckdb`` beside the database."""
    if os.environ.get(SNAPSHOT_ENV):
        return Path(os.environ[SNAPSHOT_ENV])
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem}.snapshot.duckdb")


def publish_snapshot(store: Store, target: str | Path | None = None) -> Path:
    """Copy the writer's database to a fresh file and atomically put it at ``target``.

    Call it with the writer's own store, after a run's last commit. Returns
    the snapshot path. A failure leaves the previous snapshot in place.
    """
    if store.read_only:
        raise StoreError("publishing a snapshot needs the writer's (read-write) store")
    target = Path(target) if target is not None else snapshot_path(store.path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(target)
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    temp = Path(temp_name)
    temp.unlink()  # DuckDB must create the file itself
    try:
        store.copy_database_to(temp)
        wal = temp.with_name(temp.name + ".wal")
        if wal.exists():  # checkpointed on detach; a leftover log would belong to no one
            wal.unlink()
        os.chmod(temp, 0o444)  # a snapshot is for reading; new data comes with the next one
        os.replace(temp, target)
    except BaseException:
        for leftover in (temp, temp.with_name(temp.name + ".wal")):
            leftover.unlink(missing_ok=True)
        raise
    return target


def _remove_stale_temps(target: Path, older_than_s: float = 3600) -> None:
    """Temp copies a killed publisher left behind (one writer per database: an old one is no one's)."""
    now = time.time()
    for leftover in target.parent.glob(f".{target.name}.*.tmp*"):
        try:
            if now - leftover.stat().st_mtime > older_than_s:
                leftover.unlink()
        except OSError:
            pass


class SnapshotMixin(StoreConnection):
    """The copy a snapshot is made of."""

    #: Views of migration 0005 that a published snapshot holds as tables (in this
    #: order: later ones read earlier ones), so that researchers' queries are fast.
    MATERIALIZED_VIEWS: tuple[str, ...] = (
        "research_articles", "article_labels", "weekly_label_province", "stories", "first_reports",
    )

    #: (table, column) a snapshot indexes (an ART index): search fetches its best candidates and
    #: their stories by an IN list of ids, which DuckDB then answers from the index, at a cost
    #: that grows with the rows asked for, not with the corpus (a scan reads every text block).
    SNAPSHOT_INDEXES: tuple[tuple[str, str], ...] = (("research_articles", "article_id"), ("stories", "story_id"))

    #: Tables a snapshot holds in an order of their own (an ORDER BY clause, a constant): the search
    #: index's postings sorted by word across all segments, so that a word's postings are a few
    #: consecutive blocks (the writer's segments, one per indexed batch, each hold some of every
    #: common word: at 10M articles a word's 2M postings lay in 200 of 5,000 blocks, now in 17).
    SNAPSHOT_ORDER: dict[str, str] = {"search_terms": "term, doc"}

    #: Tables a snapshot leaves out: the repost detector's bookkeeping and raw bytes, nothing to query.
    NOT_IN_SNAPSHOT: tuple[str, ...] = ("dedup_signatures", "dedup_bands", "crawl_archive", "crawl_inbox_parts")

    def copy_database_to(self, target: Path) -> None:
        """Write a read-only copy of this database into the new file ``target``.

        Every table with every row and column, except that BLOB columns (the
        raw captures: ``pages.body``) are NULL: they are
        the pipeline's to re-extract from, and would make every copy as large
        as the crawl; the tables of ``NOT_IN_SNAPSHOT`` are left out. Views
        come along; those of ``MATERIALIZED_VIEWS`` become tables of the same
        name and columns. No keys, and no indexes but those of
        ``SNAPSHOT_INDEXES`` (for reading): nothing writes to a copy. Checkpointed and closed on return.
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
                order = f" ORDER BY {self.SNAPSHOT_ORDER[table]}" if table in self.SNAPSHOT_ORDER else ""
                self.conn.execute(
                    f"CREATE TABLE snapshot_target.{ident(table)} AS"
                    f" SELECT *{blank} FROM {ident(name)}.main.{ident(table)}{order}"
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
            for table, column in self.SNAPSHOT_INDEXES:  # names from the constant above
                self.conn.execute(f"CREATE INDEX {table}_{column} ON snapshot_target.{table} ({column})")
            self.write_search_fields("snapshot_target")
            self.conn.execute("CHECKPOINT snapshot_target")
        finally:
            self.conn.execute("DETACH snapshot_target")
