"""End to end: crawl the fixture web on 127.0.0.1 into a fresh store.

The fixture web (rendered from corpus/web/content.toml) reproduces the five kinds of site the
seeds come from plus a GBK education-bureau site with PDF/DOC/DOCX policy
files; corpus/web/content.toml says what each article page must become.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from edualliance.corpus.fixtureweb.build import site_root
from edualliance.corpus.fixtureweb.content import Page, expected_articles
from edualliance.corpus.fixtureweb.server import FixtureServer
from edualliance.corpus.fixtureweb.sites import jynews_article
from edualliance.crawler.registry import demo_registry_path, load_registry
from edualliance.crawler.run import LOOPBACK_SETTINGS, run_crawl
from edualliance.models.loader import load_classifier
from edualliance.pipeline.store import Store

EXPECTED = expected_articles()
RELEVANT = [e for e in EXPECTED if e["label"] != "none"]
OFF_TOPIC = [e for e in EXPECTED if e["label"] == "none"]
ARTICLE_PATHS = {e["path"] for e in EXPECTED}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A private copy of the fixture web that a test may change."""
    target = tmp_path / "site"
    shutil.copytree(site_root(), target)
    return target


def crawl(store: Store, server: FixtureServer, **source_changes):
    sources = load_registry(demo_registry_path(), base_url=server.base_url)
    if source_changes:
        sources = [replace(s, **source_changes) for s in sources]
    return run_crawl(store, sources, load_classifier("keywords"), settings=LOOPBACK_SETTINGS)


def stored_articles(store: Store, base: str) -> dict[str, tuple]:
    rows = store.conn.execute(
        "SELECT a.url, a.title, strftime(a.published_at, '%Y-%m-%d %H:%M'), a.outlet, c.label, a.text,"
        " count(*) OVER (PARTITION BY a.url)"
        " FROM articles a LEFT JOIN classifications c"
        "  ON c.article_id = a.article_id AND c.is_primary AND c.assigned"
    ).fetchall()
    return {row[0].removeprefix(base): row[1:] for row in rows}


def article_requests(server: FixtureServer) -> list:
    return [r for r in server.requests() if r.path.split("?")[0] in ARTICLE_PATHS]


def test_crawl_stores_each_article_once_then_fetches_only_what_is_new(site: Path, db_path: Path):
    with FixtureServer(site) as server, Store(db_path) as store:
        report = crawl(store, server)
        assert report.status == "finished", report.counts

        articles = stored_articles(store, server.base_url)
        assert set(articles) == {e["path"] for e in RELEVANT}, "only relevant article pages and attachments"
        for e in RELEVANT:
            title, published, outlet, label, text, copies = articles[e["path"]]
            assert copies == 1, e["path"]
            assert title == e["title"], e["path"]
            assert label == e["label"], e["path"]
            assert len(text) > 100, e["path"]
            if e["kind"] == "page":
                assert published == e["date"], e["path"]
                assert outlet == e["outlet"], e["path"]
        # attachments became text (PDF, legacy .doc, .docx)
        for suffix, phrase in ((".pdf", "总校长负责制"), (".doc", "联片教研"), (".docx", "结对帮扶")):
            (text,) = [row[4] for path, row in articles.items() if path.endswith(suffix)]
            assert phrase in text

        # off-topic pages: seen, recorded, not stored in full
        for e in OFF_TOPIC:
            verdict = store.crawl_state_of(server.base_url + e["path"])
            assert verdict is not None and verdict[0] == "off_topic", e["path"]
            assert verdict[2] is None  # no page_id: the body was not kept
        # listing pages: archived raw (in the WARC files, the database keeping where), no article
        listing = store.conn.execute(
            "SELECT count(*), count(warc_file), count(body) FROM pages WHERE is_listing").fetchone()
        assert listing[0] >= 10 and listing[0] == listing[1] and listing[2] == 0
        counts = report.counts["sources"]
        assert counts["gov"]["attachments"] == 3
        assert counts["jynews"]["off_topic"] == 3 and counts["jynews"]["new"] == 3
        assert all(c["errors"] == 0 for c in counts.values()), counts
        # manners: robots.txt read and obeyed, an identifying user agent
        paths = [r.path for r in server.requests()]
        assert "/robots.txt" in paths
        assert not any(p.startswith("/private/") for p in paths)
        assert all("edualliance" in r.user_agent for r in server.requests())

        # second run: listing pages are re-read, no unchanged article is fetched again
        server.clear_log()
        again = crawl(store, server)
        assert again.status == "finished"
        assert article_requests(server) == []
        assert "/jynews/edu/" in [r.path for r in server.requests()]
        assert again.counts["totals"]["new"] == 0
        # the attachments are linked only from article pages, known and not re-read: their kept
        # links (crawl_state.links) still lead to them, and they are known too
        assert again.counts["totals"]["skipped_known"] == len(EXPECTED)
        assert store.article_count() == len(RELEVANT)

        # an article added to the news portal is picked up, and only it is fetched
        new_path = "/jynews/edu/2024-05/23/content_81377.html"
        page = Page(site="jynews", path=new_path, title="榕城区第二批教联体揭牌 新增五所成员学校",
                    date="2024-05-23 10:00", outlet="揭阳日报", author="陈晓", label="jiaolianti",
                    paragraphs=["5月23日，榕城区第二批教联体揭牌，五所乡村学校加入教联体，与城区优质学校"
                                "共同开展教研、共享课程资源，教联体覆盖全区义务教育学校的比例提高到八成。",
                                "区教育局表示，将为每个教联体配备专职联络员，每学期对教联体运行情况进行评估。"])
        target = site / new_path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(jynews_article(page, []), encoding="utf-8")
        index = site / "jynews/edu/index.html"
        index.write_text(index.read_text(encoding="utf-8").replace(
            '<ul class="list">\n', f'<ul class="list">\n<li><a href="{new_path}">{page.title}</a></li>\n'),
            encoding="utf-8")
        server.clear_log()
        third = crawl(store, server)
        fetched = [r.path for r in server.requests() if r.status == 200 and "/content_" in r.path]
        assert fetched == [new_path]
        assert third.counts["sources"]["jynews"]["new"] == 1
        row = stored_articles(store, server.base_url)[new_path]
        assert row[0] == page.title and row[3] == "jiaolianti" and row[5] == 1


def test_validators_and_lastmod_decide_what_is_fetched_again(site: Path, db_path: Path):
    with FixtureServer(site) as server, Store(db_path) as store:
        assert crawl(store, server).status == "finished"
        # revalidate at once: known articles are asked for with If-None-Match / If-Modified-Since
        server.clear_log()
        report = crawl(store, server, revalidate_days=0)
        requests = article_requests(server)
        assert requests, "sites that send validators are revalidated"
        assert all(r.conditional and r.status == 304 for r in requests), requests
        assert not any(r.path.startswith("/jynews/") for r in requests)  # no validators: not asked again
        assert report.counts["totals"]["not_modified"] == len(requests)
        assert report.counts["totals"]["new"] == 0

        # a changed page (new bytes, newer Last-Modified) is fetched in full and updated
        changed = site / "gov/jyj/gzdt/202403/t20240312_5012345.html"
        html = changed.read_bytes().decode("gbk").replace("四十个教育集团", "四十二个教育集团")
        changed.write_bytes(html.encode("gbk"))
        import os
        os.utime(changed, (changed.stat().st_mtime + 3600, changed.stat().st_mtime + 3600))
        server.clear_log()
        report = crawl(store, server, revalidate_days=0)
        full = [r.path for r in article_requests(server) if r.status == 200]
        assert full == ["/gov/jyj/gzdt/202403/t20240312_5012345.html"]
        assert report.counts["sources"]["gov"]["updated"] == 1
        text = store.conn.execute("SELECT text FROM articles WHERE url LIKE '%t20240312_5012345%'").fetchone()[0]
        assert "四十二个教育集团" in text

        # a sitemap lastmod newer than the last visit brings a page back without any validator check
        news_sitemap = site / "kd/sitemap_news.xml"
        news_sitemap.write_text(news_sitemap.read_text(encoding="utf-8").replace(
            "2023-10-24T19:07:00+08:00", "2023-10-25T08:00:00+08:00"), encoding="utf-8")
        server.clear_log()
        crawl(store, server)  # default revalidate_days: only the lastmod can trigger a request
        assert [r.path for r in article_requests(server)] == ["/kd/news/20231024/8934120.html"]


def test_a_source_that_stops_listing_is_flagged(site: Path, db_path: Path):
    with FixtureServer(site) as server, Store(db_path) as store:
        sources = [s for s in load_registry(demo_registry_path(), base_url=server.base_url)
                   if s.name == "fanwen"]
        first = run_crawl(store, sources, load_classifier("keywords"), settings=LOOPBACK_SETTINGS)
        assert first.counts["sources"]["fanwen"]["listed"] == 3 and first.flags == []
        for listing in (site / "fanwen/jiaoyu").glob("list_12_*.html"):  # the site changed its layout
            listing.write_text("<html><body><p>网站改版中</p></body></html>", encoding="utf-8")
        second = run_crawl(store, sources, load_classifier("keywords"), settings=LOOPBACK_SETTINGS)
        assert second.status == "finished"
        assert len(second.flags) == 1 and "fanwen" in second.flags[0]
        assert any("fanwen" in target and stage == "health" for target, stage, _ in store.errors(second.run_id))


def test_unfocused_source_stores_off_topic_articles_too(site: Path, db_path: Path):
    with FixtureServer(site) as server, Store(db_path) as store:
        sources = [replace(s, focused=False) for s in load_registry(demo_registry_path(), base_url=server.base_url)
                   if s.name == "jynews"]
        report = run_crawl(store, sources, load_classifier("keywords"), settings=LOOPBACK_SETTINGS)
        assert report.counts["sources"]["jynews"]["new"] == 6
        assert report.counts["sources"]["jynews"]["off_topic"] == 0
        labels = dict(store.conn.execute(
            "SELECT a.url, coalesce(c.label, 'none') FROM articles a LEFT JOIN classifications c"
            " ON c.article_id = a.article_id AND c.is_primary AND c.assigned").fetchall())
        expected = {server.base_url + e["path"]: e["label"] for e in EXPECTED if e["site"] == "jynews"}
        assert labels == expected


def test_listing_pages_need_no_override(site: Path, db_path: Path):
    """Without the journal's listing_urls override, the 相似文献 pages (article-like URLs, prose
    abstracts) are still recognised as listings by the cleaning stage and store no article."""
    with FixtureServer(site) as server, Store(db_path) as store:
        sources = [replace(s, listing_urls=(), keywords=("教共体", "学区化"))
                   for s in load_registry(demo_registry_path(), base_url=server.base_url) if s.name == "journal"]
        report = run_crawl(store, sources, load_classifier("keywords"), settings=LOOPBACK_SETTINGS)
        assert report.status == "finished"
        urls = {u.removeprefix(server.base_url) for (u,) in store.conn.execute("SELECT url FROM articles").fetchall()}
        assert not any("/similar/" in u for u in urls)
        assert {e["path"] for e in RELEVANT if e["site"] == "journal"} <= urls
        similar = store.crawl_state_of(server.base_url + "/journal/article/similar/20230918.shtml")
        assert similar is not None and similar[0] == "listing"
