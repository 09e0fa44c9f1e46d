"""Extracted records in the database: written with their articles, queried by the README's
SQL, summarised in the digest."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest

from edualliance.pipeline.digest.records import build_sections, render_html, render_markdown
from edualliance.pipeline.facts import extract
from edualliance.pipeline.normalize import normalize
from edualliance.pipeline.records import Article
from edualliance.pipeline.store import Store

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def readme_query(marker: str) -> str:
    """The README's SQL block whose first line is the comment ``-- marker``."""
    blocks = [b for b in re.findall(r"```sql\n(.*?)```", README, re.S) if b.startswith(f"-- {marker}\n")]
    assert len(blocks) == 1, f"README has no single SQL block starting '-- {marker}'"
    return blocks[0]


TEXTS = [
    # (id, title, text, published, province, city, county)
    ("a1", "江西城乡学校共同体建设", "今年全省共建成城乡学校发展共同体128对，覆盖乡村学校300余所。",
     datetime(2023, 10, 25, 8), "江西省", None, None),
    ("a2", "江西城乡学校共同体建设再提速", "截至目前，全省累计建成城乡学校发展共同体210对。到2026年建成城乡学校共同体500对。",
     datetime(2024, 9, 2, 9), "江西省", None, None),
    ("a3", "南昌片区学校共同体", "南昌市东湖区结对学校12对，城区学校与乡村学校结对帮扶。",
     datetime(2024, 9, 3, 9), "江西省", "南昌市", "东湖区"),
    ("a4", "贵州集团化办学", "黔教发〔2024〕7号\n各市（州）教育局：\n现就推进全省义务教育学校集团化办学提出如下意见。\n"
     "到2025年，全省组建义务教育教育集团500个以上。\n贵州省教育厅\n2024年9月4日",
     datetime(2024, 9, 5, 10), "贵州省", None, None),
    ("a5", "铜仁市出台集团化办学新政", "近日，铜仁市教育局印发《铜仁市义务教育学校集团化办学管理办法（试行）》（铜教发〔2023〕19号）。"
     "铜仁市第一中学教育集团由铜仁市第一中学牵头，成员校包括铜仁市第五中学。",
     datetime(2023, 4, 20, 10), "贵州省", "铜仁市", None),
    ("a6", "铜仁一中集团扩容", "铜仁市第一中学与碧江区第三中学结对，铜仁市第一中学托管碧江区第四中学。"
     "铜仁市第一中学教育集团成员校包括铜仁市第六中学。", datetime(2024, 9, 6, 10), "贵州省", "铜仁市", None),
]


def _article(id_, title, text, published, province, city, county) -> Article:
    normalized, script = normalize(text)
    return Article(article_id=id_, page_key=f"k{id_}", part=0, source="test", title=title, text=text,
                   text_normalized=normalized, script=script, published=published,
                   region_province=province, region_city=city, region_county=county)


@pytest.fixture
def store(db_path: Path):
    articles = [_article(*t) for t in TEXTS]
    articles[3] = Article(**{**{f: getattr(articles[3], f) for f in articles[3].__slots__},
                             "title": "贵州省教育厅关于推进义务教育学校集团化办学的实施意见"})
    with Store(db_path) as s:
        with s.transaction():
            s.save_articles([(f"p{a.article_id}", a) for a in articles])
            s.save_extractions([extract(a) for a in articles])
        yield s


def test_records_are_stored_and_replaced_not_duplicated(store):
    article = _article(*TEXTS[0])
    with store.transaction():
        store.save_extractions([extract(article)])
    rows = store.conn.execute(
        "SELECT value, unit, counted, sentence FROM facts WHERE article_id = 'a1' ORDER BY seq").fetchall()
    assert rows == [(128.0, "对", "pairs", "今年全省共建成城乡学校发展共同体128对，覆盖乡村学校300余所。"),
                    (300.0, "所", "schools", "今年全省共建成城乡学校发展共同体128对，覆盖乡村学校300余所。")]
    assert store.conn.execute("SELECT facts, alliances, documents FROM article_extractions WHERE article_id = 'a1'"
                              ).fetchone() == (2, 0, 0)


def test_an_article_twice_in_one_batch_is_stored_once(store):
    """A batch can carry one article twice (a capture read again after a dropped connection):
    the later extraction is stored, once."""
    first, again = _article(*TEXTS[0]), _article("a1", *TEXTS[1][1:])
    later = extract(again)
    assert [f.value for f in later.facts] != [f.value for f in extract(first).facts]
    with store.transaction():
        store.save_extractions([extract(first), extract(_article(*TEXTS[2])), later])
    assert store.conn.execute("SELECT count(*), max(facts) FROM article_extractions WHERE article_id = 'a1'"
                              ).fetchone() == (1, len(later.facts))
    assert [r[0] for r in store.conn.execute("SELECT value FROM facts WHERE article_id = 'a1' ORDER BY seq"
                                                     ).fetchall()] == [f.value for f in later.facts]


def test_one_alliance_across_articles(store):
    rows = store.conn.execute(
        "SELECT name, lead_school, articles, list_sort(members) FROM alliances WHERE name IS NOT NULL").fetchall()
    assert rows == [("铜仁市第一中学教育集团", "铜仁市第一中学", 2, ["铜仁市第五中学", "铜仁市第六中学"])]
    assert store.conn.execute("SELECT count(*) FROM alliance_members WHERE alliance_key LIKE '%第一中学教育集团'"
                              ).fetchone() == (2,)


def test_readme_documents_on_group_run_by_province_and_year(store):
    rows = store.conn.execute(readme_query("documents on group-run schooling per province and year")).fetchall()
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows] == [
        ("贵州省", 2023, "city", "铜仁市义务教育学校集团化办学管理办法（试行）", "铜教发〔2023〕19号"),
        ("贵州省", 2024, "provincial", "贵州省教育厅关于推进义务教育学校集团化办学的实施意见", "黔教发〔2024〕7号"),
    ]


def test_readme_urban_rural_pairs_per_province_over_time(store):
    rows = store.conn.execute(readme_query("urban-rural pairs per province over time")).fetchall()
    # 南昌's 12 pairs are a city's, and 2026's 500 a goal: neither is the province's count
    assert [(r[0], r[1], r[2]) for r in rows] == [("江西省", 2023, 128.0), ("江西省", 2024, 210.0)]


def test_readme_lead_schools_in_most_alliances(store):
    rows = store.conn.execute(readme_query("lead schools in the most alliances")).fetchall()
    # its group (named in two articles: one alliance) and its pairing with two schools
    assert rows[0][:3] == ("铜仁市第一中学", "贵州省", 2)


def test_digest_sections_for_a_week(store):
    sections = build_sections(store, date(2024, 9, 2))
    assert [r[0] for r in sections.issued] == ["贵州省教育厅关于推进义务教育学校集团化办学的实施意见"]
    figures = {r[0]: r[1] for r in sections.figures}
    assert figures == {"alliances": 500.0, "pairs": 500.0}
    markdown = "\n".join(render_markdown(sections))
    assert "## Documents issued this week" in markdown and "## Largest reported figures" in markdown
    assert "黔教发〔2024〕7号" in markdown


def test_digest_sections_escape_crawled_text(store):
    store.conn.execute("UPDATE document_mentions SET title = '<script>x</script>|《a》' WHERE article_id = 'a4'")
    sections = build_sections(store, date(2024, 9, 2))
    assert "<script>" not in render_html(sections)
    assert "<script>" not in "\n".join(render_markdown(sections))


def test_records_reach_the_snapshot(store, tmp_path):
    target = tmp_path / "snap.duckdb"
    store.copy_database_to(target)
    with Store(target, read_only=True) as snap:
        assert snap.conn.execute("SELECT count(*) FROM policy_documents").fetchone()[0] == 2
        assert snap.conn.execute("SELECT count(*) FROM reported_facts").fetchone()[0] > 0


def test_export_records_csv_and_parquet(store, tmp_path):
    import duckdb

    from edualliance.pipeline.export import export_records

    files = export_records(store, tmp_path / "csv", "csv", bom=True)
    assert sorted(p.name for p in files) == sorted(
        ["facts.csv", "alliances.csv", "alliance_members.csv", "documents.csv", "article_documents.csv"])
    text = (tmp_path / "csv" / "alliances.csv").read_text(encoding="utf-8-sig")
    assert "铜仁市第五中学;铜仁市第六中学" in text or "铜仁市第六中学;铜仁市第五中学" in text
    export_records(store, tmp_path / "pq", "parquet")
    rows = duckdb.connect().execute("SELECT count(*) FROM read_parquet(?)",
                                    [str(tmp_path / "pq" / "facts.parquet")]).fetchall()[0][0]
    assert rows == store.conn.execute("SELECT count(*) FROM facts").fetchone()[0] > 0


def test_ingest_stores_records_with_the_article_and_cli_exports_them(tmp_path):
    from click.testing import CliRunner

    from edualliance.models.keywords import KeywordClassifier
    from edualliance.pipeline.cli import main
    from edualliance.pipeline.ingest import ingest_paths

    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.txt").write_text(
        "江西城乡学校共同体建设提速\n来源：江西日报 2023-10-25\n"
        "记者从省教育厅获悉，今年全省共建成城乡学校发展共同体128对，推进城乡教育一体化发展。\n"
        "相关阅读\n· 九江建成教育集团42个\n", encoding="utf-8")
    db = tmp_path / "corpus.duckdb"
    with Store(db) as s:
        ingest_paths(s, [pages], KeywordClassifier())
        assert s.conn.execute("SELECT value, counted FROM facts").fetchall() == [(128.0, "pairs")]
        assert s.conn.execute("SELECT count(*) FROM article_extractions").fetchone() == (1,)
    result = CliRunner().invoke(main, ["--db", str(db), "export", "--format", "csv", "--out",
                                       str(tmp_path / "a.csv"), "--records", str(tmp_path / "records")])
    assert result.exit_code == 0, result.output
    facts = (tmp_path / "records" / "facts.csv").read_text(encoding="utf-8")
    rows = facts.strip().split("\n")[1:]
    assert len(rows) == 1 and "今年全省共建成城乡学校发展共同体128对" in rows[0]  # the 相关阅读 list's 42 is no fact


def test_the_weekly_digest_carries_the_sections(store):
    from edualliance.pipeline import digest

    d = digest.build_digest(store, date(2024, 9, 2))
    markdown, html = digest.render_markdown(d), digest.render_html(d)
    for text in (markdown, html):
        assert "Documents issued this week" in text and "Largest reported figures" in text
        assert "贵州省教育厅关于推进义务教育学校集团化办学的实施意见" in text
