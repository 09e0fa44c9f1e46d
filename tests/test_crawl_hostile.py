"""The hostile web: every failure is logged for its source, none stops the crawl."""

from __future__ import annotations

from pathlib import Path

from edualliance.corpus.fixtureweb.server import FixtureServer
from edualliance.crawler.registry import load_registry
from edualliance.crawler.run import LOOPBACK_SETTINGS, run_crawl
from edualliance.models.loader import load_classifier
from edualliance.pipeline.store import Store

REGISTRY = Path(__file__).parent / "fixtures" / "hostile_sources.toml"


def test_hostile_pages_and_sitemaps_are_logged_not_fatal(db_path: Path):
    with FixtureServer(hostile=True) as server, Store(db_path) as store:
        sources = load_registry(REGISTRY, base_url=server.base_url)
        settings = {**LOOPBACK_SETTINGS, "DOWNLOAD_TIMEOUT": 3, "RETRY_TIMES": 0}
        report = run_crawl(store, sources, load_classifier("keywords"), settings=settings)
        assert report.status == "finished", report.counts
        errors = {target.rsplit("/", 1)[-1]: message for target, _stage, message in store.errors(report.run_id)}

        assert "HTTP 404" in errors["notfound.html"]
        assert "HTTP 500" in errors["error.html"]
        assert "Timeout" in errors["slow.html"] or "timed out" in errors["slow.html"].lower()
        assert "redirect" in (errors.get("loop.html", "") + errors.get("loop2.html", "")).lower()
        assert "bomb.html" in errors  # inflates past DOWNLOAD_MAXSIZE: cancelled
        assert "huge.html" in errors  # 50 MB: over DOWNLOAD_MAXSIZE
        assert "nested" in errors["deep.html"]  # 3000 levels of <div>: refused with a reason
        assert "binary.html" in errors
        assert "entit" in errors["sitemap-xxe.xml"].lower()
        assert "entit" in errors["sitemap-lol.xml"].lower()
        assert "gzip bomb" in errors["sitemap-bomb.xml.gz"]
        assert "HTTP 404" in errors["sitemap-missing.xml"]
        assert all(message.startswith("[hostile") for message in errors.values())

        per_source = report.counts["sources"]
        assert per_source["hostile"]["errors"] >= 7 and per_source["hostile-sitemaps"]["errors"] == 4

        # the one readable page (GBK bytes, declared UTF-8) is stored with its text intact
        (title, text), = store.conn.execute("SELECT title, text FROM articles").fetchall()
        assert title.startswith("某县推进教联体建设工作纪实")
        assert "教联体运行机制" in text
