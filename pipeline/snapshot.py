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
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from .store import Store, StoreError

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


def open_snapshot(db_path: str | Path) -> Store:
    """A read-only store on the published snapshot of the database at ``db_path``."""
    path = snapshot_path(db_path)
    if not path.exists():
        raise StoreError(
            f"no published snapshot at {path}: run `edualliance demo` or `edualliance ingest` first"
            " (every run publishes one), or `edualliance publish` for a database that has none yet"
        )
    return Store(path, read_only=True)
