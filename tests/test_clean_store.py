"""Clusters end up in the store: ingest runs dedup over the stored corpus (migration 0002)."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from edualliance.pipeline.cli import main
from edualliance.pipeline.store import Store


def test_ingest_writes_clusters_and_canonical_flags(tmp_path: Path, db_path: Path, seeds_dir: Path):
    folder = tmp_path / "seeds"
    shutil.copytree(seeds_dir, folder)
    result = CliRunner().invoke(main, ["--db", str(db_path), "ingest", str(folder)])
    assert result.exit_code == 0, result.output
    with Store(db_path, read_only=True) as store:
        rows = store.conn.execute(
            "SELECT part, cluster_id, is_canonical, article_id FROM articles"
            " WHERE path LIKE '%002_%' ORDER BY part"
        ).fetchall()
        unclustered = store.conn.execute("SELECT count(*) FROM articles WHERE cluster_id IS NULL").fetchone()[0]
    assert len(rows) == 20 and unclustered == 0
    cluster_of = {part: cluster for part, cluster, _, _ in rows}
    assert cluster_of[2] == cluster_of[3] and cluster_of[6] == cluster_of[9]
    assert len(set(cluster_of.values())) == 18
    for cluster in set(cluster_of.values()):
        members = [r for r in rows if r[1] == cluster]
        assert sum(1 for r in members if r[2]) == 1  # one canonical member per cluster
        canonical = next(r for r in members if r[2])
        assert canonical[3] == cluster  # the cluster id is the canonical member's article_id


def test_save_clusters_updates_rows(db_path: Path):
    with Store(db_path) as store:
        assert store.articles_for_dedup() == []
        store.save_clusters([])  # nothing to write is not an error
