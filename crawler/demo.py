"""Crawl the fixture web into a store: what `edualliance demo` calls.

    from edualliance.crawler.demo import crawl_demo
    report = crawl_demo(store)      # start server, crawl, stop

The fixture web (rendered from corpus/web/content.toml) is served on a free 127.0.0.1 port for
the duration of the crawl; the shipped demo registry (crawler/demo_sources.toml)
points at it. Nothing leaves the machine.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .run import LOOPBACK_SETTINGS, CrawlReport


def crawl_demo(store, *, classifier=None, echo: Callable[[str], None] = lambda message: None,
               registry: str | Path | None = None, kind: str = "demo") -> CrawlReport:
    """Start the fixture server on a free loopback port, crawl the demo registry into ``store``, stop.

    ``classifier``: a loaded classifier or a kind ('auto' by default), as ``run_crawl`` takes it."""
    from edualliance.corpus.fixtureweb.server import FixtureServer

    from .registry import demo_registry_path, load_registry
    from .run import run_crawl

    classifier = classifier or "auto"  # loaded by the cleaning workers, not here
    with FixtureServer() as server:
        sources = load_registry(registry or demo_registry_path(), base_url=server.base_url)
        echo(f"Crawling the fixture web at {server.base_url} ({len(sources)} sites) …")
        report = run_crawl(store, sources, classifier, kind=kind, settings=LOOPBACK_SETTINGS, echo=echo)
    totals = report.counts["totals"]
    echo(f"Crawled {totals.get('listed', 0)} article URLs: {totals.get('new', 0)} new articles stored,"
         f" {totals.get('off_topic', 0)} off-topic pages seen but not stored,"
         f" {totals.get('attachments', 0)} attachments read, {totals.get('errors', 0)} errors")
    return report
