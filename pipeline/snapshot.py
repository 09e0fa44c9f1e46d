"""The readers' side of the published snapshot: open it, find it, publish it.

Readers (`sql`, `search`, `export`, `digest`, `diffusion`) open the read-only
copy the writer publishes after every run (``store/snapshot.py`` says how it
is made and why), so that they never block the writer.
"""

from __future__ import annotations

from pathlib import Path

from .store import SNAPSHOT_ENV, Store, StoreError, publish_snapshot, snapshot_path

__all__ = ["SNAPSHOT_ENV", "open_snapshot", "publish_snapshot", "snapshot_path"]


def open_snapshot(db_path: str | Path) -> Store:
    """A read-only store on the published snapshot of the database at ``db_path``."""
    path = snapshot_path(db_path)
    if not path.exists():
        raise StoreError(
            f"no published snapshot at {path}: run `edualliance demo` or `edualliance ingest` first"
            " (every run publishes one), or `edualliance publish` for a database that has none yet"
        )
    return Store(path, read_only=True)
