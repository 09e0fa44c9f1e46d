"""The connection under every ``Store``: opening, transactions and the schema.

Schema changes are numbered files in ``pipeline/migrations/``
(``NNNN_name.sql``), applied in order of their numbers and recorded in
``schema_migrations``. Numbers may have gaps: a migration is applied when its
number is not recorded yet, so files that arrive later with a lower number
are applied too. One writer per database file (DuckDB's rule): readers use
``Store(path, read_only=True)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

from .timestamps import utcnow

if TYPE_CHECKING:
    import duckdb

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

#: The package whose ``migrations/`` folder ships the schema (the store's parent, ``pipeline``).
_MIGRATIONS_PACKAGE = __package__.rpartition(".")[0]


class StoreError(RuntimeError):
    """A database problem, phrased so that the user knows what to do."""


def migrations(folder: Traversable | Path | None = None) -> list[tuple[int, str, str]]:
    """(version, name, sql) for every migration in ``folder`` (default: those shipped), in order."""
    if folder is None:
        folder = resources.files(_MIGRATIONS_PACKAGE).joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found


class StoreConnection:
    """A connection to one corpus database; the topic mixins of ``Store`` build on it."""

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

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> StoreConnection:
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

    @contextmanager
    def memory_budget(self, memory_limit: str | None, threads: int | None = None) -> Iterator[None]:
        """Run the block with DuckDB's buffer pool capped at ``memory_limit`` (e.g. '256MB') and
        ``threads`` worker threads, then restore what was set before. DuckDB's default is 80% of the
        machine's memory: a long writer keeps every block it read or wrote cached up to that, so a
        crawl's process would grow with the pages it stores. Past the limit DuckDB evicts cached
        blocks (they are on disk) and spills large operators to its temporary folder. Afterwards
        both settings are DuckDB's defaults again (the Store sets neither anywhere else)."""
        settings = {name: value for name, value in (("memory_limit", memory_limit), ("threads", threads))
                    if value is not None}
        for name, value in settings.items():
            self.conn.execute(f"SET {name} = ?", [value])  # names from the tuple above, never from input
        try:
            yield
        finally:
            for name in settings:
                self.conn.execute(f"RESET {name}")

    def migrate(self, available: Sequence[tuple[int, str, str]] | None = None) -> list[int]:
        """Apply the migrations (default: those shipped) this database lacks; return their versions."""
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
        )
        done = {row[0] for row in self.conn.execute("SELECT version FROM schema_migrations").fetchall()}
        applied = []
        for version, name, sql in migrations() if available is None else available:
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
