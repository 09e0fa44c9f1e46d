"""Crawling sites shaped like real county and bureau sites (tests/loopsite.py): opaque URLs,
plain and script pagination, links only inside articles, no charset header.

Each numbered defect of issue 11 has a test here or in test_crawl_health.py; the test
names say which.
"""

from __future__ import annotations

import statistics

import pytest

from edualliance.crawler import discovery
from edualliance.corpus.fixtureweb.docwriters import write_pdf
from edualliance.crawler.registry import Source
from edualliance.crawler.run import LOOPBACK_SETTINGS, run_crawl
from edualliance.models.loader import load_classifier
from edualliance.pipeline.store import Store

from loopsite import LoopServer, Site, article_page, headline, list_page, listing_site, opaque_id


def source(name: str, start: str, **fields) -> Source:
    config = {"kind": "listing", "start_urls": (start,), "allow": (r"/a/", r"/l/"), "focused": False}
    config.update(fields)
    return Source(name=name, **config)


def crawl(store: Store, *sources: Source, settings: dict | None = None):
    return run_crawl(store, list(sources), load_classifier("keywords"),
                     settings={**LOOPBACK_SETTINGS, **(settings or {})})


def stored_urls(store: Store) -> list[str]:
    return [row[0] for row in store.conn.execute("SELECT url FROM articles ORDER BY url").fetchall()]


@pytest.mark.parametrize("pagination", ["plain", "trs"])
def test_opaque_urls_behind_pagination_are_all_stored_once_and_not_fetched_again(db_path, pagination):
    """The issue's headline case: 8 list pages (a 下一页 link, or only createPageHTML), article
    URLs with no date or number. Before: paging stopped at max_depth, and every article was
    fetched again on the next run (role "page" never consulted crawl_state)."""
    site = Site()
    built = listing_site(site, [headline(n) for n in range(75)], pagination=pagination)
    with LoopServer(site) as server, Store(db_path) as store:
        first = crawl(store, source("county", server.base + built["lists"][0]))
        base = server.base
        assert stored_urls(store) == sorted(base + p for p in built["articles"])
        assert set(server.paths("/l/")) == set(built["lists"]), "every list page read"
        assert first.counts["sources"]["county"]["listing_pages"] == len(built["lists"])
        assert first.counts["sources"]["county"]["new"] == 75
        before = len(server.log)
        second = crawl(store, source("county", server.base + built["lists"][0]))
        refetched = [r.path for r in server.log[before:] if r.path.startswith("/a/")]
        assert refetched == []
        assert second.counts["sources"]["county"]["skipped_known"] == 75
        assert second.counts["sources"]["county"]["listed"] == 75
        assert set(server.paths("/l/")[len(built["lists"]):]) == set(built["lists"]), "lists read every run"


def test_pager_recognised_by_text_and_position_not_by_url():
    html = list_page([("/a/q1.html", "标题一")],
                     '<div class="pages"><a href="/l/zz1.html">1</a><a href="/l/zz2.html">2</a></div>'
                     '<p>下一篇：<a href="/a/n1.html">下一篇文章</a></p><p>注释<a href="/a/f.html">3</a></p>'
                     '<div><a href="/l/k9.html">下一页</a></div>')
    shape = discovery.page_shape(html, "http://h.cn/l/zz1.html")
    assert set(shape.pagination) == {"http://h.cn/l/zz2.html", "http://h.cn/l/k9.html"}
    assert discovery.script_pagination(['createPageHTML("page_div", 4, 1, "index", "shtml", 20);'],
                                       "http://h.cn/x/index_1.shtml")[0] == [
        "http://h.cn/x/index.shtml", "http://h.cn/x/index_1.shtml", "http://h.cn/x/index_2.shtml",
        "http://h.cn/x/index_3.shtml"]


def test_defect8_a_pager_script_not_understood_is_reported(db_path):
    site = Site()
    site.put("/l/start.html", list_page([("/a/one.html", headline(1))], "",
                                        "<script>goPage(2, 'list');</script>"))
    site.put("/a/one.html", article_page(1, headline(1)))
    with LoopServer(site) as server, Store(db_path) as store:
        report = crawl(store, source("county", server.base + "/l/start.html"))
        errors = store.errors(report.run_id)
        assert any("pager script" in message and "not followed" in message for _, _, message in errors), errors


@pytest.mark.parametrize("template", ["/s?q={keyword}&p={page}", "/s?q={keyword}"])
def test_defect1_search_pages_is_a_limit(db_path, template):
    """Result pages link 1 2 3 … 下一页: only search_pages result pages per keyword are read,
    whether the template numbers the pages or the result pages' pager does."""
    site = Site()
    for page in range(1, 12):
        pager = "".join(f'<a href="/s?q=%E9%9B%86&p={k}">{k}</a> ' for k in range(1, 12))
        pager = f'<div class="page">{pager}<a href="/s?q=%E9%9B%86&p={page + 1}">下一页</a></div>'
        site.put(f"/s?q=%E9%9B%86&p={page}", list_page([(f"/a/r{page}.html", headline(page))], pager))
        site.put(f"/a/r{page}.html", article_page(page, headline(page)))
    site.resources["/s?q=%E9%9B%86"] = site.resources["/s?q=%E9%9B%86&p=1"]
    with LoopServer(site) as server, Store(db_path) as store:
        crawl(store, source("search", server.base + template, kind="search",
                            keywords=("集",), search_pages=2, allow=()))
        assert len(server.paths("/s?")) == 2, server.paths("/s?")
        assert len(server.paths("/a/")) <= 2
        assert sorted(server.paths("/a/")) == ["/a/r1.html", "/a/r2.html"]


def test_defect2_a_sitemap_listed_after_robots_txt_is_read_as_a_sitemap(db_path):
    site = Site()
    site.put("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
    site.put("/sitemap.xml", '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                             '<url><loc>/a/s1.html</loc></url></urlset>', "application/xml")
    site.put("/a/s1.html", article_page(3, headline(3)))
    with LoopServer(site) as server, Store(db_path) as store:
        crawl(store, source("maps", server.base + "/robots.txt", kind="sitemap", allow=(),
                            start_urls=(server.base + "/robots.txt", server.base + "/sitemap.xml")))
        assert "/a/s1.html" in server.paths("/a/")
        assert stored_urls(store) == [server.base + "/a/s1.html"]


def test_defect3_a_source_delay_is_not_lowered_by_autothrottle(db_path):
    site = Site()
    built = listing_site(site, [headline(n) for n in range(6)], per_page=10)
    throttled = {"AUTOTHROTTLE_ENABLED": True, "AUTOTHROTTLE_START_DELAY": 0.0, "AUTOTHROTTLE_MAX_DELAY": 5.0,
                 "DOWNLOAD_DELAY": 0.0, "DOWNLOAD_DELAY_JITTER": 0.0}
    with LoopServer(site) as server, Store(db_path) as store:
        crawl(store, source("slow", server.base + built["lists"][0], delay=0.5), settings=throttled)
        times = [r.at for r in server.log if r.path != "/robots.txt"]
        gaps = [b - a for a, b in zip(times, times[1:])]
        assert len(gaps) >= 6
        # lowered by autothrottle, the gaps would be a few milliseconds; the server sees arrivals,
        # which a busy machine shifts by a little either way, so one gap may come early
        assert statistics.median(gaps) >= 0.45 and min(gaps) >= 0.3, gaps


def test_defect4_attachments_outside_allow_are_fetched_and_other_hosts_are_reported(db_path):
    site = Site()
    pdf = write_pdf(["关于推进集团化办学的实施意见", "各学校：", "为推进集团化办学，现提出如下意见。" * 6,
                     "青川县教育局", "2026年10月8日"])
    site.put("/files/yj.pdf", pdf, "application/pdf")
    site.put("/a/with-pdf.html", article_page(5, headline(5), attachments=[
        ("/files/yj.pdf", "实施意见.pdf"), ("http://files.example.invalid/x.pdf", "另一附件.pdf")]))
    site.put("/l/start.html", list_page([("/a/with-pdf.html", headline(5))]))
    with LoopServer(site) as server, Store(db_path) as store:
        report = crawl(store, source("county", server.base + "/l/start.html"))
        assert "/files/yj.pdf" in server.paths("/files/")
        assert report.counts["sources"]["county"]["attachments"] == 1
        assert server.base + "/files/yj.pdf" in stored_urls(store)
        errors = store.errors(report.run_id)
        assert any("other hosts" in message and "x.pdf" in message for _, _, message in errors), errors


def test_defect12_sources_sharing_a_start_page_each_count_what_it_lists(db_path):
    site = Site()
    built = listing_site(site, [headline(n) for n in range(12)], per_page=5)
    with LoopServer(site) as server, Store(db_path) as store:
        start = server.base + built["lists"][0]
        report = crawl(store, source("alpha", start), source("beta", start))
        for name in ("alpha", "beta"):
            assert report.counts["sources"][name]["listed"] == 12
            assert report.counts["sources"][name]["listing_pages"] == 3
        article_fetches = server.paths("/a/")
        assert sorted(article_fetches) == sorted(built["articles"]), "each article fetched once"
        assert len(stored_urls(store)) == 12
        again = crawl(store, source("alpha", start), source("beta", start))
        assert not again.flags, again.flags


def test_unknown_pages_are_judged_by_the_cleaning_stage_and_remembered(db_path):
    """A real article page whose navigation outweighs its prose is still an article."""
    site = Site()
    heavy_nav = "".join(f'<a href="/col/{opaque_id("side", k)}.html">侧栏导航链接第{k}项内容</a>' for k in range(60))
    page = article_page(7, headline(7)).replace('<div class="footer">', f'<div class="side">{heavy_nav}</div>'
                                                '<div class="footer">')
    site.put("/a/heavy.html", page)
    site.put("/l/start.html", list_page([("/a/heavy.html", headline(7))]))
    assert discovery.page_shape(page, "http://h/a/heavy.html").looks_like_listing
    with LoopServer(site) as server, Store(db_path) as store:
        crawl(store, source("county", server.base + "/l/start.html"))
        assert stored_urls(store) == [server.base + "/a/heavy.html"]
        crawl(store, source("county", server.base + "/l/start.html"))
        assert server.paths("/a/") == ["/a/heavy.html"]


def test_defect5_links_inside_known_articles_are_followed_on_later_runs(db_path):
    """上一篇/下一篇 and attachments linked only from an article: found on a later run although the
    article itself is known and not fetched again (its links are kept in crawl_state). Here the
    first run stops at max_pages before reaching them, as a capped or killed run does."""
    site = Site()
    site.put("/a/first.html", article_page(11, headline(11), nxt="/a/only-linked.html",
                                           attachments=[("/files/fj.pdf", "附件.pdf")]))
    site.put("/l/start.html", list_page([("/a/first.html", headline(11))]))
    site.put("/a/only-linked.html", article_page(12, headline(12)))
    site.put("/files/fj.pdf", write_pdf(["关于集团化办学的通知", "各学校：" + "现将有关事项通知如下。" * 8,
                                         "2026年10月9日"]), "application/pdf")
    with LoopServer(site) as server, Store(db_path) as store:
        capped = crawl(store, source("county", server.base + "/l/start.html", max_pages=2))
        assert capped.counts["sources"]["county"]["flags"], "the cap is reported"
        assert stored_urls(store) == [server.base + "/a/first.html"]
        before = len(server.log)
        crawl(store, source("county", server.base + "/l/start.html"))
        later = [r.path for r in server.log[before:]]
        assert "/a/first.html" not in later
        assert "/a/only-linked.html" in later and "/files/fj.pdf" in later
        assert stored_urls(store) == sorted(server.base + p for p in
                                            ("/a/first.html", "/a/only-linked.html", "/files/fj.pdf"))


def test_known_opaque_articles_are_revalidated_with_conditional_requests_when_due(db_path):
    site = Site(validators=True)
    built = listing_site(site, [headline(n) for n in range(5)], per_page=5)
    with LoopServer(site) as server, Store(db_path) as store:
        crawl(store, source("county", server.base + built["lists"][0]))
        before = len(server.log)
        again = crawl(store, source("county", server.base + built["lists"][0], revalidate_days=0))
        revisits = [r for r in server.log[before:] if r.path.startswith("/a/")]
        assert len(revisits) == 5 and all("If-None-Match" in r.headers for r in revisits)
        assert {r.status for r in revisits} == {304}
        assert again.counts["sources"]["county"]["not_modified"] == 5


def test_dead_links_are_remembered_not_requested_every_run(db_path):
    site = Site()
    site.put("/a/first.html", article_page(13, headline(13), nxt="/a/gone.html"))
    site.put("/l/start.html", list_page([("/a/first.html", headline(13)), ("/a/gone-too.html", headline(14))]))
    with LoopServer(site) as server, Store(db_path) as store:
        crawl(store, source("county", server.base + "/l/start.html"))
        assert sorted(server.paths("/a/gone")) == ["/a/gone-too.html", "/a/gone.html"]
        before = len(server.log)
        again = crawl(store, source("county", server.base + "/l/start.html"))
        assert [r.path for r in server.log[before:] if r.path.startswith("/a/")] == []
        assert again.counts["sources"]["county"]["skipped_missing"] == 2
        due = crawl(store, source("county", server.base + "/l/start.html", revalidate_days=0))
        assert due.counts["sources"]["county"]["errors"] == 2, "tried again when due"


def test_resolved_links_equal_urljoin_whatever_the_cache_remembers():
    """normalize_link remembers resolutions keyed on what they depend on (the base's scheme, or
    scheme and host): the cached answers must be urljoin's for every base."""
    import random
    from urllib.parse import urldefrag, urljoin, urlsplit

    def plain(base, href):  # the function before it remembered anything
        if not href:
            return None
        href = href.strip()
        if href.startswith(("javascript:", "mailto:", "tel:", "#", "data:")):
            return None
        url = urldefrag(urljoin(base, href))[0]
        parts = urlsplit(url)
        return url if parts.scheme in ("http", "https") and parts.hostname else None

    bases = ["http://h:1/a/b.html", "https://h/a/b/?q=1", "http://h", "http://h?x", "http://u@h:8/a/../b",
             "https://x.gov.cn/zw/index.htm#f", "http://h/a;p?q#f", "ftp://h/a", "https://h:443"]
    hrefs = ["/x", "/x/../y", "/", "//o/x", "http://o/x", "https://o/x?", "http://o/x#f", "x.html", "../x",
             "?q=2", "HTTP://o/x", "http:x", "https:/x", " /z ", "//", "http://", "http:///x", "http://?x",
             "/\\evil", "https://:80/x", "/./a/./b/../c?x=1#"]
    rng = random.Random(7)
    for _ in range(500):
        hrefs.append("".join(rng.choice("/?#.:hx%@\\ ") for _ in range(rng.randint(1, 8))))
        hrefs.append("http://" + "".join(rng.choice("/?#.:hx%@\\ ") for _ in range(rng.randint(0, 6))))
    for base in bases:  # twice: the second pass answers from the cache
        for href in hrefs + hrefs:
            assert discovery.normalize_link(base, href) == plain(base, href), (base, href)
