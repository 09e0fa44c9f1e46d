"""The research views of migration 0005: current model version, stories, weekly shares, first reports."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa

from edualliance.models.keywords import KeywordClassifier
from edualliance.pipeline.ingest import ingest_paths
from edualliance.pipeline.records import LABELS
from edualliance.pipeline.snapshot import open_snapshot
from edualliance.pipeline.store import Store

MONDAY = datetime(2025, 3, 3)  # ISO week 2025-W10


def _row(aid: str, published: datetime | None, *, cluster: str | None = None, canonical: bool = True,
         province: str | None = "浙江省", city: str | None = "杭州市", outlet: str = "浙江日报",
         stored: datetime = datetime(2025, 3, 20)) -> dict:
    return {"article_id": aid, "page_id": "p" + aid, "page_key": "k" + aid, "part": 0, "source": "t",
            "title": "标题" + aid, "published_at": published, "outlet": outlet, "text": "正文",
            "text_normalized": "正文", "content_hash": aid, "script": "simplified", "extractor_version": "t",
            "region_province": province, "region_city": city, "stored_at": stored, "updated_at": stored,
            "cluster_id": cluster, "is_canonical": canonical}


def _verdict(aid: str, assigned: list[str], version: str, when: datetime) -> list[dict]:
    return [{"article_id": aid, "model_version": version, "label": label, "score": 0.8 if label in assigned else 0.2,
             "assigned": label in assigned, "is_primary": bool(assigned) and label == assigned[0],
             "sense": None, "classified_at": when} for label in LABELS]


def _load(store: Store, rows: list[dict], verdicts: list[dict]) -> None:
    store.bulk_load_articles(pa.Table.from_pylist(rows))
    store.bulk_load_classifications(pa.Table.from_pylist(verdicts))


def test_current_model_version_wins(tmp_path: Path):
    with Store(tmp_path / "c.duckdb") as store:
        _load(store, [_row("a1", MONDAY)],
              _verdict("a1", ["group_run"], "v1", datetime(2025, 3, 4))
              + _verdict("a1", ["urban_rural", "jiaolianti"], "v2", datetime(2025, 4, 1)))
        row = store.conn.execute(
            "SELECT primary_label, labels, model_version, score_urban_rural FROM research_articles").fetchone()
        assert row == ("urban_rural", ["jiaolianti", "urban_rural"], "v2", 0.8)
        current = store.conn.execute("SELECT DISTINCT model_version FROM current_classifications").fetchall()
        assert current == [("v2",)]


def test_weekly_counts_are_per_story_and_a_share_of_the_week(tmp_path: Path):
    rows = [
        _row("s1", MONDAY + timedelta(hours=9), cluster="S"),
        _row("s2", MONDAY + timedelta(days=1), cluster="S", canonical=False, outlet="人民网"),
        _row("s3", MONDAY + timedelta(days=2), cluster="S", canonical=False, outlet="新华网"),
        _row("o1", MONDAY + timedelta(days=3), province="广东省", city="广州市"),
        _row("n1", MONDAY + timedelta(days=6, hours=23)),  # Sunday night: same week
        _row("n2", None, stored=MONDAY + timedelta(days=2)),  # undated: the week it was stored
        _row("x1", MONDAY + timedelta(days=7)),  # next Monday: next week
    ]
    verdicts = []
    for aid, labels in [("s1", ["urban_rural"]), ("s2", ["urban_rural"]), ("s3", ["urban_rural"]),
                        ("o1", ["urban_rural"]), ("n1", []), ("n2", []), ("x1", ["jiaolianti"])]:
        verdicts += _verdict(aid, labels, "v1", datetime(2025, 3, 20))
    with Store(tmp_path / "c.duckdb") as store:
        _load(store, rows, verdicts)
        cells = store.conn.execute(
            "SELECT iso_week, label, region_province, articles, stories, week_stories, share_of_week"
            " FROM weekly_label_province ORDER BY ALL").fetchall()
        stories = store.conn.execute(
            "SELECT story_id, articles, outlets, outlet_names, title FROM stories WHERE story_id = 'S'").fetchone()
        store.publish_snapshot()
    assert cells == [
        ("2025-W10", "urban_rural", "广东省", 1, 1, 4, 0.25),
        ("2025-W10", "urban_rural", "浙江省", 3, 1, 4, 0.25),
        ("2025-W11", "jiaolianti", "浙江省", 1, 1, 1, 1.0),
    ]
    assert stories == ("S", 3, 3, ["人民网", "新华网", "浙江日报"], "标题s1")
    with open_snapshot(tmp_path / "c.duckdb") as snap:  # the materialized tables say the same
        assert snap.conn.execute(
            "SELECT iso_week, label, region_province, articles, stories, week_stories, share_of_week"
            " FROM weekly_label_province ORDER BY ALL").fetchall() == cells


def test_first_reports_by_province_and_city(tmp_path: Path):
    rows = [
        _row("a", datetime(2024, 5, 1), province="浙江省", city="杭州市"),
        _row("b", datetime(2024, 7, 1), province="浙江省", city="宁波市"),
        _row("c", datetime(2025, 2, 1), province="广东省", city=None),
        _row("d", datetime(2023, 1, 1), province="广东省", city="广州市"),  # labelled otherwise
    ]
    verdicts = (_verdict("a", ["jiaolianti"], "v1", datetime(2025, 3, 1))
                + _verdict("b", ["jiaolianti"], "v1", datetime(2025, 3, 1))
                + _verdict("c", ["group_run", "jiaolianti"], "v1", datetime(2025, 3, 1))
                + _verdict("d", ["group_run"], "v1", datetime(2025, 3, 1)))
    with Store(tmp_path / "c.duckdb") as store:
        _load(store, rows, verdicts)
        got = store.conn.execute(
            "SELECT level, region_province, region_city, first_published, first_article_id FROM first_reports"
            " WHERE label = 'jiaolianti' ORDER BY level, first_published").fetchall()
    assert got == [
        ("city", "浙江省", "杭州市", datetime(2024, 5, 1), "a"),
        ("city", "浙江省", "宁波市", datetime(2024, 7, 1), "b"),
        ("province", "浙江省", None, datetime(2024, 5, 1), "a"),
        ("province", "广东省", None, datetime(2025, 2, 1), "c"),
    ]


def test_views_work_on_an_ingested_corpus(tmp_path: Path, seeds_dir: Path):
    with Store(tmp_path / "c.duckdb") as store:
        ingest_paths(store, [seeds_dir], KeywordClassifier())
        n = store.article_count()
        assert store.conn.execute("SELECT count(*) FROM research_articles").fetchone()[0] == n
        assert store.conn.execute("SELECT sum(articles) FROM stories").fetchone()[0] == n
    with open_snapshot(tmp_path / "c.duckdb") as snap:  # the run published it
        assert snap.article_count() == n
