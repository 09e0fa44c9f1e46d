"""Which database file a command or a crawl writes: one rule for every entry point.

``--db PATH`` (when given), else ``$EDUALLIANCE_DB``, else ``corpus.duckdb`` in
the user's data directory. The command line and ``scrapy crawl`` (through
crawler/pipelines.py) both resolve it here, so they always agree.
"""

from __future__ import annotations

import os
from pathlib import Path

DB_ENV = "EDUALLIANCE_DB"


def default_db_path() -> Path:
    """corpus.duckdb in the user's data directory (~/.local/share/edualliance/ on Linux)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("edualliance")) / "corpus.duckdb"


def resolve_db_path(given: str | os.PathLike | None = None) -> Path:
    """``given``, else $EDUALLIANCE_DB, else the default in the user's data directory."""
    if given:
        return Path(given)
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV])
    return default_db_path()
