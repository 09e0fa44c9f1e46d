"""docs/data-dictionary.md and the live schema must agree, column for column."""

from __future__ import annotations

import re
from pathlib import Path

from edualliance.pipeline.store import Store

DICTIONARY = Path(__file__).resolve().parents[1] / "docs" / "data-dictionary.md"


def documented() -> dict[str, list[str]]:
    tables: dict[str, list[str]] = {}
    current = None
    for line in DICTIONARY.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^## (\w+)\s*$", line)
        if heading:
            current = heading[1]
            tables[current] = []
            continue
        row = re.match(r"^\| *([a-z_][a-z0-9_]*) *\|", line)
        if current and row and row[1] != "column":
            tables[current].append(row[1])
    return tables


def test_every_table_and_column_is_documented_in_order(db_path: Path):
    with Store(db_path) as store:
        live = store.columns()
    docs = documented()
    assert sorted(docs) == sorted(live), "tables/views in docs/data-dictionary.md differ from the database"
    for table, columns in live.items():
        assert docs[table] == columns, f"{table}: documented {docs[table]} but the database has {columns}"
