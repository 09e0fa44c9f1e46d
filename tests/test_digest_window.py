"""The digest is right about its week on a corpus whose collection starts in the
middle of the digest's twelve-week window: weeks before collection are "not
collected" (not zero) and stay out of the means and the first reports; source
health comes from the runs in the week's window, not from when articles were
stored."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from edualliance.pipeline.digest import build_digest, week_name, write_digest
from edualliance.pipeline.snapshot import open_snapshot, publish_snapshot
from edualliance.pipeline.store import Store

from test_digest import _article, _labels, record_run

WEEK = date(2026, 9, 28)  # Monday of 2026-W40, the digest's week
START = WEEK - timedelta(weeks=5)  # collection begins: the first crawl, Tuesday of 2026-W35


def _monday(week: date) -> datetime:
    return datetime.combine(week, datetime.min.time())


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    """Weekly crawls (Monday 03:17 Beijing) from START on; each collects the week before.
    浙江 reports urban-rural pairing from the first week on; 江苏 joins in WEEK; 广东's
    教联体 appears only in WEEK."""
    path = tmp_path_factory.mktemp("window") / "corpus.duckdb"
    articles, labels, n = [], [], 0

    def add(label_list, published, title, province, city, source="city-news"):
        nonlocal n
        n += 1
        crawl = _monday(published.date() - timedelta(days=published.weekday()) + timedelta(weeks=1))
        stored = crawl + timedelta(hours=3, minutes=30) - timedelta(hours=8)  # the next Monday's crawl, UTC
        row = _article(n, published=published, title=title, province=province, city=city, source=source,
                       stored=stored, text=f"{title}。{city}推进城乡教育共同体建设。")
        articles.append(row)
        labels.extend(_labels(row["article_id"], label_list, stored))

    for k in range(6):  # START … WEEK: two 浙江 stories a week, one gov page a week
        monday = _monday(START + timedelta(weeks=k))
        add(["urban_rural"], monday + timedelta(days=2, hours=9), f"浙江城乡共同体第{k}周", "浙江省", "杭州市")
        add(["urban_rural"], monday + timedelta(days=3, hours=9), f"宁波结对帮扶第{k}周", "浙江省", "宁波市")
        add([], monday + timedelta(days=4, hours=9), f"教育局通知第{k}周", "浙江省", "杭州市", source="gov")
    add(["urban_rural"], _monday(WEEK) + timedelta(days=1, hours=10), "南京组建城乡教育共同体", "江苏省", "南京市")
    add(["jiaolianti"], _monday(WEEK) + timedelta(days=2, hours=10), "广州成立教联体", "广东省", "广州市")
    with Store(path) as store:
        store.publish_on_finish = False
        store.bulk_load_articles(pa.Table.from_pylist(articles))
        store.bulk_load_classifications(pa.Table.from_pylist(labels))
        # The first crawl on START's Tuesday, then every Monday 03:17 Beijing (19:17 UTC on Sunday).
        record_run(store, _monday(START) + timedelta(days=1, hours=2), {"city-news": {"listed": 0}, "gov": {}})
        for k in range(1, 7):
            monday_utc = _monday(START + timedelta(weeks=k)) + timedelta(hours=3, minutes=17) - timedelta(hours=8)
            record_run(store, monday_utc, {"city-news": {"listed": 20, "fetched": 2, "new": 2},
                                           "gov": {"listed": 8, "fetched": 1, "new": 1}})
        publish_snapshot(store)
    return path


def test_weeks_before_the_first_crawl_are_not_collected_and_not_averaged(db):
    with open_snapshot(db) as store:
        d = build_digest(store, WEEK)
    assert d.collected_from == START
    assert [w for w in d.weeks if not d.collected(w)] == [WEEK - timedelta(weeks=k) for k in range(12, 5, -1)]
    assert d.previous_collected == [START + timedelta(weeks=k) for k in range(5)]
    # Two 浙江 urban-rural stories in each of the five collected weeks before: mean 2.0, not 10/12.
    assert d.trailing_mean("urban_rural") == 2.0
    assert d.trailing_mean("jiaolianti") == 0.0
    assert d.stories[(WEEK, "urban_rural")] == 3 and d.this_stories == 5


def test_first_reports_are_this_weeks_newcomers_only(db):
    with open_snapshot(db) as store:
        d = build_digest(store, WEEK)
        first_week = build_digest(store, START)
        before = build_digest(store, START - timedelta(weeks=3))
    assert {(f.label, f.level, f.province, f.city) for f in d.first_reports} == {
        ("urban_rural", "province", "江苏省", None), ("urban_rural", "city", "江苏省", "南京市"),
        ("jiaolianti", "province", "广东省", None), ("jiaolianti", "city", "广东省", "广州市")}
    assert d.reporting_before[("urban_rural", "province")] == 1  # 浙江, since the first week
    assert d.reporting_after[("urban_rural", "province")] == 2
    # The week collection began: everything is the corpus's first sight, not a first report.
    assert first_week.is_first_week and first_week.first_reports == []
    assert first_week.first_reports_withheld == 3  # 浙江省, 杭州市, 宁波市
    assert first_week.trailing_mean("urban_rural") is None  # no collected week before it
    assert not before.collected(before.week_start) and before.first_reports == []


def test_source_health_comes_from_the_runs_in_the_weeks_window(db):
    with open_snapshot(db) as store:
        d = build_digest(store, WEEK)
        first_week = build_digest(store, START)
        before = build_digest(store, START - timedelta(weeks=3))
    # This week's Monday crawl delivered what was published the week before.
    assert len(d.runs) == 1
    assert {(s.source, s.new) for s in d.sources} == {("city-news", 2), ("gov", 1)}
    assert d.sources_delivering == 2 and d.silent_sources == []
    # The first crawl listed nothing yet: no source delivered, none is called silent (no earlier runs).
    assert len(first_week.runs) == 1 and first_week.sources_delivering == 0 and first_week.silent_sources == []
    assert before.runs == []


def test_the_written_digest_says_so_in_both_languages(db, tmp_path):
    with open_snapshot(db) as store:
        paths = write_digest(store, week_name(WEEK), tmp_path, images=False)
        first = write_digest(store, week_name(START), tmp_path / "first", images=False)
    en = (tmp_path / f"digest-{week_name(WEEK)}.en.md").read_text(encoding="utf-8")
    zh = (tmp_path / f"digest-{week_name(WEEK)}.zh.md").read_text(encoding="utf-8")
    assert f"| {week_name(WEEK - timedelta(weeks=12))} | not collected |" in en
    assert f"| {week_name(WEEK - timedelta(weeks=12))} | 未采集 |" in zh
    assert "| 城乡学校共同体 urban–rural communities | 3 | 3 | 60.0% | 2.0 |" in en
    assert "Runs in this week's window: 1 (0 failed). Sources that delivered new or updated articles: 2." in en
    assert "| 江苏省 (Jiangsu) |" in en and "[南京组建城乡教育共同体](<https://ex.cn/" in en
    assert "本周时间窗内运行 1 次（0 次失败）；2 个来源带来了新的或更新的文章。" in zh
    first_en = next(p for p in first if p.name.endswith(".en.md")).read_text(encoding="utf-8")
    assert "Collection began this week" in first_en and "3 regions seen for the first time" in first_en
    assert len(paths) == 5  # md and html per language, feed
