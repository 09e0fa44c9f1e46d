"""The crawler's parts: registry, discovery, attachments, fixture web, CLI."""

from __future__ import annotations

import gzip
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from edualliance.corpus.fixtureweb import docwriters
from edualliance.corpus.fixtureweb.build import render, site_root
from edualliance.corpus.fixtureweb.server import FixtureServer
from edualliance.crawler import discovery, docfiles, feeds
from edualliance.crawler.registry import (
    RegistryError, demo_registry_path, load_registry, parse_registry, select, shipped_registry_path,
    taxonomy_keywords,
)
from edualliance.pipeline.cli import main

MINIMAL = """
[[source]]
name = "city-news"
kind = "listing"
start_urls = ["https://news.example.cn/edu/"]
"""


# -- registry --------------------------------------------------------------------------


def test_minimal_entry_gets_polite_defaults():
    (source,) = parse_registry(MINIMAL)
    assert source.kind == "listing" and source.enabled and source.focused
    assert source.hosts == ("news.example.cn",)
    assert source.max_pages > 0 and source.max_depth > 0


@pytest.mark.parametrize("entry, message", [
    ('name = "a"\nkind = "listing"\nstart_urls = ["https://x.cn/"]\nallowed = ["x"]', "unknown key"),
    ('name = "a"\nkind = "crawl"\nstart_urls = ["https://x.cn/"]', "kind must be one of"),
    ('name = "a"\nkind = "listing"', "missing"),
    ('name = "a"\nkind = "listing"\nstart_urls = ["ftp://x.cn/"]', "not an http(s) URL"),
    ('name = "a"\nkind = "listing"\nstart_urls = ["https://x.cn/"]\nallow = ["("]', "allow pattern"),
    ('name = "a"\nkind = "search"\nstart_urls = ["https://x.cn/s?page={page}"]', "needs {keyword}"),
    ('name = "a"\nkind = "listing"\nstart_urls = ["https://x.cn/"]\nmax_pages = "9"', "must be int"),
    ('name = "a"\nkind = "listing"\nstart_urls = ["https://x.cn/"]\nfocused = 1', "must be bool"),
    ('name = "A b"\nkind = "listing"\nstart_urls = ["https://x.cn/"]', "name must be"),
])
def test_registry_errors_name_the_problem(entry: str, message: str):
    with pytest.raises(RegistryError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("{", r"\{").replace("}", r"\}")):
        parse_registry("[[source]]\n" + entry)


def test_defect11_errors_name_the_entry_and_domains_must_be_hosts():
    second = MINIMAL + '\n[[source]]\nname = "county-b"\nkind = "listing"\nstart_urls = ["https://b.cn/"]\nmaxpages = 3\n'
    with pytest.raises(RegistryError, match=r"source #2 \(county-b\): unknown key"):
        parse_registry(second)
    with pytest.raises(RegistryError, match=r"\(city-news\): domains entry 'http://b.example/' is not a host name "
                                            r"\(write 'b.example'\)"):
        parse_registry(MINIMAL + 'domains = ["http://b.example/"]\n')
    (source,) = parse_registry(MINIMAL + 'domains = ["Files.Example.cn"]\n')
    assert source.hosts == ("news.example.cn", "files.example.cn")


def test_shipped_registry_covers_every_province_with_a_note():
    shipped = load_registry(shipped_registry_path())
    provinces = [s for s in shipped if "provincial department" in s.note]
    assert len({s.name for s in provinces}) == 31
    assert all(s.note.split(" (")[0].endswith(("教育厅", "教育委员会")) for s in provinces)
    assert len([s for s in shipped if "city bureau" in s.note]) >= 8
    assert all(s.note for s in shipped)
    for s in shipped:
        if not s.enabled:
            assert "not confirmed" in s.note or "enable when" in s.note, s.name
    assert any(s.enabled for s in shipped)


def test_duplicate_names_and_stray_tables_are_errors():
    with pytest.raises(RegistryError, match="used twice"):
        parse_registry(MINIMAL + MINIMAL)
    with pytest.raises(RegistryError, match="unknown top-level"):
        parse_registry(MINIMAL + "\n[settings]\nx = 1\n")


def test_shipped_registries_load():
    shipped = load_registry(shipped_registry_path())
    assert shipped and all(s.start_urls for s in shipped)
    demo = load_registry(demo_registry_path(), base_url="http://127.0.0.1:9")
    assert {s.kind for s in demo} == {"listing", "search", "feed", "sitemap"}
    assert [s.name for s in select(demo, ["gov"])] == ["gov"]
    with pytest.raises(RegistryError, match="no source named"):
        select(demo, ["nope"])
    assert "教联体" in taxonomy_keywords() and "集团化办学" in taxonomy_keywords()


# -- discovery -------------------------------------------------------------------------


@pytest.mark.parametrize("url, role", [
    ("https://a.cn/edu/2024-05/20/content_81231.html", "article"),
    ("https://a.cn/jyj/gzdt/202403/t20240312_5012345.html", "article"),
    ("https://a.cn/news/20230315/8812345.html", "article"),
    ("https://a.cn/jyj/gzdt/index_2.htm", "listing"),
    ("https://a.cn/edu/", "listing"),
    ("https://a.cn/list.php?page=3", "listing"),
    ("https://a.cn/files/P020240301.pdf", "attachment"),
    ("https://a.cn/files/form.DOC", "attachment"),
    ("https://a.cn/img/logo.png", "skip"),
    ("https://a.cn/about.html", "page"),
])
def test_url_roles(url: str, role: str):
    assert discovery.url_role(url) == role


def test_page_shape_tells_lists_from_articles():
    prose = "<p>" + "城乡教育共同体建设稳步推进，" * 20 + "</p>"
    links = "".join(f'<a href="/a/{i}.html">第{i}条新闻标题比较长一些</a>' for i in range(30))
    article = discovery.page_shape(f"<html><body>{prose}{links[:200]}</body></html>", "https://a.cn/")
    listing = discovery.page_shape(f"<html><body>{links}</body></html>", "https://a.cn/")
    assert not article.looks_like_listing and listing.looks_like_listing
    assert listing.links[0] == ("https://a.cn/a/0.html", "第0条新闻标题比较长一些")


def test_sitemaps_feeds_and_refusals():
    kind, entries = feeds.parse_sitemap(
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        b' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>/a/1.html</loc>'
        b"<news:news><news:publication_date>2024-03-01T08:00:00+08:00</news:publication_date>"
        b"</news:news></url></urlset>", "https://a.cn/sitemap.xml")
    assert kind == "urlset" and entries[0].url == "https://a.cn/a/1.html"
    assert entries[0].lastmod.isoformat() == "2024-03-01T00:00:00"
    feed = feeds.parse_feed(
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="https://a.cn/x.html"/>'
        b"<updated>2024-01-02T03:04:05Z</updated></entry></feed>", "https://a.cn/")
    assert feed[0].url == "https://a.cn/x.html" and feed[0].lastmod.hour == 3
    from edualliance.corpus.fixtureweb.server import LOL_SITEMAP, XXE_SITEMAP

    for hostile in (XXE_SITEMAP, LOL_SITEMAP):
        with pytest.raises(feeds.XmlRefused, match="entity"):
            feeds.parse_sitemap(hostile.encode(), "https://a.cn/")
    bomb = gzip.compress(b"<urlset>" + b" " * (feeds.MAX_XML_BYTES + 10))
    with pytest.raises(feeds.XmlRefused, match="gzip bomb"):
        feeds.parse_sitemap(bomb, "https://a.cn/")
    assert feeds.robots_sitemaps(b"User-agent: *\nSitemap: /s.xml\n", "https://a.cn/robots.txt") == [
        "https://a.cn/s.xml"]


# -- attachments and the fixture web ----------------------------------------------------------


@pytest.mark.parametrize("kind, writer", [("pdf", docwriters.write_pdf), ("docx", docwriters.write_docx),
                                          ("doc", docwriters.write_doc)])
def test_attachment_writers_and_readers_agree(kind, writer):
    lines = ["关于推进城乡教育共同体建设的通知", "各学校：现将有关事项通知如下，请认真贯彻落实。" * 3, "2024年3月1日"]
    data = writer(lines)
    assert data == writer(lines), "deterministic"
    assert docfiles.kind_of(None, None, data) == kind
    text = docfiles.extract_text(data, kind)
    assert [line for line in text.splitlines() if line] == lines


def test_broken_attachments_raise_attachment_error():
    for kind in ("pdf", "docx", "doc"):
        with pytest.raises(docfiles.AttachmentError):
            docfiles.extract_text(b"%PDF-1.4 broken" if kind == "pdf" else b"PK\x03\x04 broken", kind)


def test_fixture_web_renders_the_same_bytes_every_time():
    """The fixture web is rendered anew in every process; the incremental-crawl tests (ETag,
    Last-Modified, content hashes) need the same bytes each time, attachments included."""
    first, second = render(), render()
    assert set(first) == set(second) and len(first) > 40
    changed = [rel for rel in first if first[rel] != second[rel]]
    assert changed == [], f"rendered differently twice: {changed[:5]}"
    assert {rel.rsplit(".", 1)[-1] for rel in first} >= {"html", "htm", "pdf", "docx", "doc", "xml", "gz"}


def test_fixture_server_habits():
    import urllib.request

    with FixtureServer() as server:
        with urllib.request.urlopen(server.base_url + "/gov/jyj/gzdt/index.htm") as response:
            assert response.headers["Content-Type"] == "text/html"
            body = response.read()
            assert "各地动态".encode("gbk") in body
            modified = response.headers["Last-Modified"]
        request = urllib.request.Request(server.base_url + "/gov/jyj/gzdt/index.htm",
                                         headers={"If-Modified-Since": modified})
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(request)
        assert answer.value.code == 304
        with urllib.request.urlopen(server.base_url + "/robots.txt") as response:
            assert server.base_url.encode() in response.read()
        # Sorted: a handler logs after it answers, so on a busy machine two requests' entries can swap.
        assert sorted((r.path, r.conditional, r.status) for r in server.requests()) == [
            ("/gov/jyj/gzdt/index.htm", False, 200), ("/gov/jyj/gzdt/index.htm", True, 304), ("/robots.txt", False, 200)]


# -- command line ---------------------------------------------------------------------------


def test_sources_list_and_check_against_the_fixture_web(tmp_path: Path):
    runner = CliRunner()
    listed = runner.invoke(main, ["sources", "list"])
    assert listed.exit_code == 0 and "moe-gedi" in listed.output
    bad = tmp_path / "bad.toml"
    bad.write_text('[[source]]\nname = "x"\nkind = "listing"\nstart_urls = ["https://x.cn/"]\nmaxpages = 3\n')
    refused = runner.invoke(main, ["sources", "list", "--sources", str(bad)])
    assert refused.exit_code != 0 and "unknown key" in refused.output
    with FixtureServer() as server:
        checked = runner.invoke(main, ["sources", "check", "--sources", str(demo_registry_path()),
                                       "--base", server.base_url])
        assert checked.exit_code == 0, checked.output
        assert checked.output.count("ok  ") == 9
    down = runner.invoke(main, ["sources", "check", "--sources", str(demo_registry_path()),
                                "--base", "http://127.0.0.1:9", "--timeout", "2", "gov"])
    assert down.exit_code == 1 and "FAIL" in down.output


def test_crawl_demo_then_reprocess_from_the_archive(tmp_path: Path):
    from edualliance.crawler.demo import crawl_demo
    from edualliance.crawler.reprocess import reprocess
    from edualliance.models.loader import load_classifier
    from edualliance.pipeline.store import Store

    with Store(tmp_path / "demo.duckdb") as store:
        messages: list[str] = []
        report = crawl_demo(store, classifier=load_classifier("keywords"), echo=messages.append)
        assert report.status == "finished" and report.counts["totals"]["new"] >= 19
        assert "127.0.0.1" in messages[0]
        before = store.conn.execute("SELECT article_id, content_hash FROM articles ORDER BY 1").fetchall()
        # The crawl writer stored each article's extracted records with it (issue 15).
        records = "SELECT (SELECT count(*) FROM article_extractions), (SELECT count(*) FROM facts)," \
                  " (SELECT count(*) FROM alliance_mentions), (SELECT count(*) FROM document_mentions)"
        crawled = store.conn.execute(records).fetchone()
        assert crawled[0] == len(before) and min(crawled[1:]) > 0
        assert store.conn.execute(
            "SELECT list(m.lead_school ORDER BY m.seq) FROM alliance_mentions m JOIN articles a USING (article_id)"
            " WHERE a.title LIKE '%乐都%'").fetchone()[0] == ["凤山中学", "贾湾学校", "古城大街小学"]
        run_id, counts = reprocess(store, load_classifier("keywords"))
        assert store.conn.execute(records).fetchone() == crawled  # replaced, not added again
        assert counts.errors == 0 and counts.articles_new == 0
        assert counts.articles_unchanged == len(before)
        after = store.conn.execute("SELECT article_id, content_hash FROM articles ORDER BY 1").fetchall()
        assert after == before
        kinds = [k for (k,) in store.conn.execute("SELECT kind FROM runs ORDER BY run_id").fetchall()]
        assert kinds == ["demo", "reprocess"]


def test_batch_writes_store_what_the_records_say(tmp_path: Path):
    """Store.save_pages/save_articles/save_classifications: one row per capture, article and label."""
    from datetime import datetime, timezone

    from edualliance.models.loader import load_classifier
    from edualliance.pipeline.clean import clean_page
    from edualliance.pipeline.records import LABELS, RawPage
    from edualliance.pipeline.store import Store

    site = site_root()
    raws = [RawPage(body=(site / rel).read_bytes(), source="t", fetched_at=datetime(2024, 5, 1, tzinfo=timezone.utc),
                    url=f"http://127.0.0.1:1/{rel}", content_type="text/html")
            for rel in ("jynews/edu/2024-05/20/content_81231.html", "kd/news/20230315/8812345.html",
                        "gov/jyj/gzdt/202403/t20240312_5012345.html")]
    results = [clean_page(raw) for raw in raws]
    articles = [(raw.page_id, a) for raw, r in zip(raws, results) for a in r.articles]
    verdicts = load_classifier("keywords").classify([(a.title, a.text_normalized) for _, a in articles])
    with Store(tmp_path / "many.duckdb") as store:
        twice = list(zip(raws, results)) + [(raws[0], results[0])]  # a capture repeated in one batch
        assert store.save_pages(twice, None) == {raw.page_id for raw in raws}
        assert store.save_pages(twice, None) == set()  # already stored
        assert store.save_articles(articles) == ["new"] * len(articles)
        store.save_classifications([(a.article_id, v) for (_, a), v in zip(articles, verdicts)])
        stored = dict(store.conn.execute("SELECT article_id, title FROM articles").fetchall())
        assert stored == {a.article_id: a.title for _, a in articles}
        assigned = store.conn.execute(
            "SELECT article_id, label FROM classifications WHERE assigned ORDER BY ALL").fetchall()
        assert assigned == sorted((a.article_id, label) for (_, a), v in zip(articles, verdicts)
                                  for label in v.labels)
        per_article = store.conn.execute(
            "SELECT count(*) FROM classifications GROUP BY article_id").fetchall()
        assert per_article == [(len(LABELS),)] * len(articles)
        assert store.save_articles(articles) == ["unchanged"] * len(articles)
        changed = [(pid, replace(a, text_normalized=a.text_normalized + "。")) for pid, a in articles[:1]]
        assert store.save_articles(changed) == ["updated"]



def test_a_corrupt_crawl_channel_kills_the_child_instead_of_hanging(tmp_path: Path):
    """A child whose output stops being messages (bad JSON in a header), then floods the pipe:
    the reader gives up, and the writer must kill the child, not wait for it for ever."""
    import subprocess
    import sys
    import threading

    from edualliance.crawler.run import _receive
    from edualliance.crawler.sink.crawl_sink import CrawlSink
    from edualliance.models.keywords import KeywordClassifier
    from edualliance.pipeline.store import Store

    flood = (
        "import struct, sys\n"
        "out = sys.stdout.buffer\n"
        "out.write(struct.pack('>I', 9) + b'{not json'); out.flush()\n"
        "while True:\n"
        "    out.write(b'x' * 65536)\n"
    )
    with Store(tmp_path / "c.duckdb") as store:
        sink = CrawlSink(store, KeywordClassifier(), store.start_run("crawl"), {}, workers=1)
        proc = subprocess.Popen([sys.executable, "-c", flood], stdout=subprocess.PIPE)
        codes: list[int] = []
        receiver = threading.Thread(target=lambda: codes.append(_receive(proc, sink, lambda m: None)),
                                    daemon=True)
        receiver.start()
        receiver.join(timeout=30)
        hung = receiver.is_alive()
        if hung:
            proc.kill()  # clean up after a failure
            receiver.join(timeout=10)
        sink.close()
    assert not hung, "the writer waited for a child nobody reads from"
    assert codes and codes[0] != 0  # the child was killed
