"""The README's promises: every command is in its table, every SQL example runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from edualliance.models.keywords import KeywordClassifier
from edualliance.pipeline.cli import main
from edualliance.pipeline.ingest import ingest_paths
from edualliance.pipeline.store import Store

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
SQL_BLOCKS = re.findall(r"```sql\n(.*?)```", README, re.S)


def test_every_command_is_in_the_readme_table():
    for name in main.commands:
        assert f"`edualliance {name}" in README, f"README's command table lacks `edualliance {name}`"


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory, seeds_dir, bundled_pages_dir) -> Path:
    path = tmp_path_factory.mktemp("readme") / "corpus.duckdb"
    with Store(path) as store:
        ingest_paths(store, [seeds_dir, bundled_pages_dir], KeywordClassifier())
    return path


@pytest.mark.parametrize("query", SQL_BLOCKS, ids=[f"sql{i}" for i in range(len(SQL_BLOCKS))])
def test_readme_sql_runs(query: str, corpus_db: Path):
    with Store(corpus_db, read_only=True) as store:
        store.run_user_query(query)


def test_readme_has_sql_examples():
    assert len(SQL_BLOCKS) >= 5
