"""edualliance search: segmented, every word required, ranked, with snippets; reads the snapshot."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner

from edualliance.pipeline.cli import main
from edualliance.pipeline.records import LABELS
from edualliance.pipeline.search import highlight, query_terms, search, snippet, words
from edualliance.pipeline.store.research import SearchFilters as Filters
from edualliance.pipeline.snapshot import open_snapshot, publish_snapshot
from edualliance.pipeline.store import Store

DOCS = [
    # (id, title, text, published, labels)
    ("u1", "杭州推进城乡教育共同体", "杭州市城乡教育共同体建设全面铺开。城乡学校结对，共同体内教师交流。", "2025-03-01", ["urban_rural"]),
    ("u2", "乡村学校新气象", "城乡学校共同体让乡村孩子受益。", "2024-06-01", ["urban_rural"]),
    ("u3", "旧闻：城乡共同体起步", "城乡共同体试点启动。", "2023-02-01", ["urban_rural"]),
    ("g1", "集团化办学提质", "城乡之间推进集团化办学，组建学习共同体。", "2025-01-10", ["group_run"]),
    ("h1", "学区房价格走低", "某地学区房价格下降，买房者观望。", "2025-05-01", []),
    ("d1", "学区制改革", "全面推行学区制，每个学区设学区长。", "2025-05-02", ["district_community"]),
    ("j1", "教联体建设", "推进教联体建设，家校社协同育人。", "2025-04-01", ["jiaolianti"]),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("search") / "corpus.duckdb"
    articles, labels = [], []
    for i, (aid, title, text, day, assigned) in enumerate(DOCS):
        when = datetime.fromisoformat(day) + timedelta(hours=9)
        articles.append({
            "article_id": aid, "page_id": f"p{i}", "page_key": f"k{i}", "part": 0, "url": f"https://ex.cn/{aid}",
            "source": "t", "title": title, "published_at": when, "outlet": "中国教育报", "text": text,
            "text_normalized": text, "content_hash": aid, "script": "simplified", "extractor_version": "t",
            "region_province": "浙江省", "stored_at": when, "updated_at": when,
        })
        labels += [{"article_id": aid, "model_version": "t-1", "label": lab, "score": 0.9 if lab in assigned else 0.1,
                    "assigned": lab in assigned, "is_primary": bool(assigned) and lab == assigned[0],
                    "sense": None, "classified_at": when} for lab in LABELS]
    with Store(path) as store:
        store.bulk_load_articles(pa.Table.from_pylist(articles))
        store.bulk_load_classifications(pa.Table.from_pylist(labels))
        publish_snapshot(store)
    return path


def test_query_is_segmented_into_words():
    assert query_terms("城乡 共同体") == ["城乡", "共同体"]
    assert query_terms("城乡共同体") == ["城乡", "共同体"]
    assert query_terms("教联体") == ["教联体"]  # a domain word stays whole
    assert query_terms("  ") == []
    assert "共同体" in words("城乡教育共同体建设")


def test_every_word_must_occur_and_filters_apply(db):
    with open_snapshot(db) as store:
        everything = search(store, "城乡 共同体")
        recent = search(store, "城乡 共同体", since=datetime(2024, 1, 1), label="urban_rural")
    assert {h.article_id for h in everything.hits} == {"u1", "u2", "u3", "g1"}
    assert [h.article_id for h in recent.hits][0] == "u1"  # most matches ranks first
    assert {h.article_id for h in recent.hits} == {"u1", "u2"}
    assert recent.searched == 2  # articles from 2024 on with the label: u1, u2


def test_whole_words_only_a_false_friend_does_not_match(db):
    with open_snapshot(db) as store:
        hits = search(store, "学区").hits
    ids = [h.article_id for h in hits]
    assert "d1" in ids and "h1" not in ids  # 学区房 is not 学区


def test_snippet_marks_the_terms():
    text, spans = snippet("前文。杭州市城乡教育共同体建设全面铺开。", ["城乡", "共同体"], width=12)
    marked = highlight(text, spans)
    assert "【城乡】" in marked and "【共同体】" in marked


def test_no_match_and_empty_query(db):
    with open_snapshot(db) as store:
        assert search(store, "医共体").hits == ()
        assert search(store, "   ").hits == ()


def test_cli_search_prints_ranked_snippets_while_the_writer_holds_the_database(db):
    with Store(db):
        result = CliRunner().invoke(main, ["--db", str(db), "search", "城乡 共同体", "--since", "2024-01-01",
                                           "--label", "urban_rural"])
    assert result.exit_code == 0, result.output
    assert "杭州推进城乡教育共同体" in result.output and "【城乡】" in result.output
    assert "旧闻" not in result.output
    as_json = CliRunner().invoke(main, ["--db", str(db), "search", "教聯體", "--json"])
    assert '"article_id": "j1"' in as_json.output and '"url": "https://ex.cn/j1"' in as_json.output


def test_whole_word_matches_are_found_beyond_the_first_candidates(tmp_path: Path):
    """Many articles say 学区房 (substring 学区, not the word): the one about 学区 still comes back."""
    path = tmp_path / "c.duckdb"
    articles, labels = [], []
    for i in range(30):
        text = "学区房学区房学区房价格上涨。" if i else "本市推行学区管理。"
        when = datetime(2025, 1, 1) + timedelta(days=i)
        articles.append({"article_id": f"x{i}", "page_id": f"p{i}", "page_key": f"k{i}", "part": 0, "source": "t",
                         "title": None, "published_at": when, "text": text, "text_normalized": text,
                         "content_hash": f"x{i}", "script": "simplified", "extractor_version": "t",
                         "stored_at": when, "updated_at": when})
        labels += [{"article_id": f"x{i}", "model_version": "t-1", "label": lab, "score": 0.1, "assigned": False,
                    "is_primary": False, "sense": None, "classified_at": when} for lab in LABELS]
    with Store(path) as store:
        store.bulk_load_articles(pa.Table.from_pylist(articles))
        store.bulk_load_classifications(pa.Table.from_pylist(labels))
        hits = search(store, "学区", limit=1).hits
    assert [h.article_id for h in hits] == ["x0"]


# -- Traditional queries, stories merged, phrases, region and sense filters ---------------------

STORY = "温州市教联体建设启动，三所名校牵头组建教联体，带动薄弱学校共同发展。"


@pytest.fixture(scope="module")
def stories_db(tmp_path_factory) -> Path:
    """One 教联体 story carried by three outlets (reposts clustered), a second 教联体 story,
    a home–school–society 教联体 article, and a Traditional-script article."""
    path = tmp_path_factory.mktemp("stories") / "corpus.duckdb"
    rows = [
        # (id, cluster, canonical, title, text, province, city, outlet, sense)
        ("s1", "s1", True, "温州启动教联体建设", STORY, "浙江省", "温州市", "温州日报", "school_alliance"),
        ("s2", "s1", False, "温州启动教联体建设", STORY, "浙江省", "温州市", "浙江在线", "school_alliance"),
        ("s3", "s1", False, "温州启动教联体建设", STORY, "浙江省", "温州市", "中国教育新闻网", "school_alliance"),
        ("t1", "t1", True, "成都教联体扩容", "成都市教联体扩容，城乡教育共同体同步推进。", "四川省", "成都市",
         "四川日报", "school_alliance"),
        ("h1", "h1", True, "长沙家校社教联体", "长沙市家校社协同育人教联体成立。", "湖南省", "长沙市",
         "长沙晚报", "home_school_society"),
        ("tw", "tw", True, "新竹推動教聯體", "新竹推动教联体，城乡教育共同体交流。", "台湾省", None,
         "新竹日報", "school_alliance"),
    ]
    articles, labels = [], []
    for i, (aid, cluster, canonical, title, text, province, city, outlet, sense) in enumerate(rows):
        when = datetime(2025, 3, 1, 9) + timedelta(days=i)
        articles.append({
            "article_id": aid, "page_id": f"p{i}", "page_key": f"k{i}", "part": 0, "url": f"https://ex.cn/{aid}",
            "source": "t", "title": title, "published_at": when, "outlet": outlet, "text": text,
            "text_normalized": text, "content_hash": aid, "script": "simplified", "extractor_version": "t",
            "region_province": province, "region_city": city, "stored_at": when, "updated_at": when,
            "cluster_id": cluster, "is_canonical": canonical,
        })
        labels += [{"article_id": aid, "model_version": "t-1", "label": lab, "score": 0.9 if lab == "jiaolianti" else 0.1,
                    "assigned": lab == "jiaolianti", "is_primary": lab == "jiaolianti",
                    "sense": sense if lab == "jiaolianti" else None, "classified_at": when} for lab in LABELS]
    with Store(path) as store:
        store.bulk_load_articles(pa.Table.from_pylist(articles))
        store.bulk_load_classifications(pa.Table.from_pylist(labels))
        publish_snapshot(store)
    return path


def test_reposts_are_merged_into_one_hit_per_story(stories_db):
    with open_snapshot(stories_db) as store:
        merged = search(store, "教联体")
        apart = search(store, "教联体", merge_stories=False)
    assert len(apart.hits) == 6
    assert len(merged.hits) == 4 and len({h.story_id for h in merged.hits}) == 4
    wenzhou = next(h for h in merged.hits if h.story_id == "s1")
    assert wenzhou.copies == 3
    assert set(wenzhou.outlets) == {"温州日报", "浙江在线", "中国教育新闻网"}
    assert wenzhou.url.startswith("https://ex.cn/s")


def test_a_traditional_query_is_converted_not_split(stories_db):
    with open_snapshot(stories_db) as store:
        traditional = search(store, "教聯體")
        simplified = search(store, "教联体")
    assert traditional.terms == ("教联体",)
    assert [h.story_id for h in traditional.hits] == [h.story_id for h in simplified.hits]
    assert "tw" in {h.story_id for h in traditional.hits}


def test_phrases_must_occur_as_written(stories_db):
    with open_snapshot(stories_db) as store:
        phrase = search(store, '"城乡教育共同体"')
        curly = search(store, "“城乡 教育共同体”")
        words_only = search(store, "共同体 城乡")
        ordered = search(store, '"共同体城乡"')
    assert phrase.phrases == ("城乡教育共同体",) and curly.phrases == ("城乡教育共同体",)
    assert {h.story_id for h in phrase.hits} == {"t1", "tw"} == {h.story_id for h in curly.hits}
    assert {h.story_id for h in words_only.hits} == {"t1", "tw"}
    assert ordered.hits == ()


def test_region_outlet_and_sense_filters(stories_db):
    with open_snapshot(stories_db) as store:
        zhejiang = search(store, "教联体", filters=Filters(region="浙江省"))
        chengdu = search(store, "教联体", filters=Filters(region="成都市"))
        home = search(store, "教联体", filters=Filters(sense="home_school_society"))
        alliance = search(store, "教联体", filters=Filters(sense="school_alliance"))
        outlet = search(store, "教联体", filters=Filters(outlet="浙江在线"), merge_stories=False)
    assert [h.story_id for h in zhejiang.hits] == ["s1"]
    assert [h.story_id for h in chengdu.hits] == ["t1"]
    assert [h.story_id for h in home.hits] == ["h1"]
    assert "h1" not in {h.story_id for h in alliance.hits} and len(alliance.hits) == 3
    assert [h.article_id for h in outlet.hits] == ["s2"]


def test_cli_search_filters_and_merged_stories(stories_db):
    merged = CliRunner().invoke(main, ["--db", str(stories_db), "search", "教联体", "--region", "浙江省"])
    assert merged.exit_code == 0, merged.output
    assert "1 best stories" in merged.output and "3 copies" in merged.output
    every = CliRunner().invoke(main, ["--db", str(stories_db), "search", "教联体", "--region", "浙江省", "--articles"])
    assert "3 best articles" in every.output
    home = CliRunner().invoke(main, ["--db", str(stories_db), "search", '"家校社"', "--sense", "home_school_society",
                                     "--json"])
    assert home.output.count('"article_id"') == 1 and '"sense": "home_school_society"' in home.output
