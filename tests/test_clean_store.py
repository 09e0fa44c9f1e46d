"""Clusters end up in the store: ingest runs dedup over the stored corpus (migration 0002)."""

from __future__ import annotations

import hashlib
import shutil
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner

from edualliance.pipeline import dedup
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


STORIES = [
    "为推动城乡义务教育优质均衡发展，全县中小学组成六个教育联合体，由城区优质学校牵头，乡村学校共同参与，"
    "实行管理互通、研训联动、质量共进的运行机制，牵头学校每学期派出骨干教师到成员校驻校指导。",
    "学区制改革是破解择校难题的重要途径，调查发现学区内资源共享程度与家长满意度显著相关，"
    "研究建议进一步完善学区内教师流动和课程共享制度，扩大优质教育资源覆盖面。",
    "市教育局公布第二批紧密型教育集团名单，新组建的十二个集团覆盖城区和新建小区的全部公办学校，"
    "集团内实行总校长负责制，统一课程实施、统一教师调配、统一质量评价，三年内实现集团内校际差距明显缩小。",
    "县里举办春季农产品展销会，吸引了八十多家企业和合作社参展，展品涵盖粮油、果蔬、茶叶和地方特产，"
    "现场设置了直播带货区，主播们向网友推介本地特色农产品，线上订单持续增长，销售额创下新高。",
]


def _articles(rows: list[tuple[str, str, datetime]]):
    """An Arrow table of articles (id, normalized text, published) with the other columns filled."""
    import pyarrow as pa

    now = datetime(2024, 6, 1)
    return pa.Table.from_pylist([
        {"article_id": article_id, "page_id": f"p-{article_id}", "page_key": f"k-{article_id}", "part": 0,
         "source": "test", "text": text, "text_normalized": text, "content_hash": hashlib.sha256(text.encode()).hexdigest(),
         "script": "simplified", "extractor_version": "test", "published_at": published,
         "stored_at": now, "updated_at": now}
        for article_id, text, published in rows
    ])


def _clusters(store: Store) -> dict[str, tuple[str, bool]]:
    return {a: (c, k) for a, c, k in store.conn.execute(
        "SELECT article_id, cluster_id, is_canonical FROM articles").fetchall()}


def test_clustering_is_incremental_and_matches_clustering_everything(db_path: Path):
    first = [(f"a{i}", story, datetime(2024, 5, 10 + i)) for i, story in enumerate(STORIES)]
    # Next run: an earlier-published repost of story 0 (it becomes canonical), a repost of
    # story 2 cut short, and one new story.
    second = [("b0", "（转载）" + STORIES[0], datetime(2024, 5, 1)), ("b1", STORIES[2][:90], None),
              ("b2", STORIES[1][::-1], datetime(2024, 5, 20))]
    with Store(db_path) as store:
        store.bulk_load_articles(_articles(first))
        assert dedup.cluster_store(store) == len(first)
        assert dedup.cluster_store(store) == 0  # nothing new: nothing read again
        store.bulk_load_articles(_articles(second))
        assert dedup.cluster_store(store) == len(second)  # only the new ones are examined
        got = _clusters(store)
        everything = dedup.cluster(dedup.Member(*row) for row in first + second)
        assert got == {a.article_id: (a.cluster_id, a.is_canonical) for a in everything}
        assert got["a0"] == ("b0", False) and got["b0"] == ("b0", True) and got["b1"] == ("a2", False)

        # An article whose text changes is examined again and leaves the cluster it no longer fits.
        corrected = ("b0", STORIES[3] + "（更正）", datetime(2024, 5, 1))
        store.bulk_load_articles(_articles([corrected]), replace=True)
        assert dedup.cluster_store(store) == 1
        got = _clusters(store)
        assert got["a0"] == ("a0", True)
        assert got["b0"] == ("b0", True) and got["a3"] == ("b0", False)  # b0 is the earlier copy of story 3
        everything = dedup.cluster(dedup.Member(*row) for row in first + [corrected] + second[1:])
        assert got == {a.article_id: (a.cluster_id, a.is_canonical) for a in everything}


def test_clustering_in_rounds_matches_clustering_everything(db_path: Path, monkeypatch):
    """A big run is clustered a few articles at a time (bounded memory): same clusters."""
    monkeypatch.setattr(dedup, "ROUND_ARTICLES", 2)
    rows = ([(f"a{i}", story, datetime(2024, 5, 10 + i)) for i, story in enumerate(STORIES)]
            + [("b0", "（转载）" + STORIES[0], datetime(2024, 5, 1)), ("b1", STORIES[2][:90], None),
               ("b2", STORIES[1][::-1], datetime(2024, 5, 20)), ("b3", STORIES[0] + "（完）", None)])
    with Store(db_path) as store:
        store.bulk_load_articles(_articles(rows))
        assert dedup.cluster_store(store) == len(rows)
        assert dedup.cluster_store(store) == 0
        got = _clusters(store)
    everything = dedup.cluster(dedup.Member(*row) for row in rows)
    assert got == {a.article_id: (a.cluster_id, a.is_canonical) for a in everything}
    assert got["a0"] == got["b3"] == ("b0", False) and got["b0"] == ("b0", True)


def test_bands_under_another_scheme_are_made_again(db_path: Path, monkeypatch):
    with Store(db_path) as store:
        store.bulk_load_articles(_articles([(f"a{i}", story, None) for i, story in enumerate(STORIES)]))
        assert dedup.cluster_store(store) == len(STORIES)
        monkeypatch.setattr(dedup, "SCHEME", dedup.SCHEME + "-changed")
        assert dedup.cluster_store(store) == len(STORIES)
        assert dedup.cluster_store(store) == 0
