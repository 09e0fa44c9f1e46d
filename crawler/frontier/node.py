"""One crawl node: ``edualliance crawl --frontier redis://HOST:PORT/N --captures DIR``.

The spider is the single-machine spider (``SourcesSpider``) with one addition: what it
yields for a response ends with a ``LeaseDone`` (the response's request is finished: its
capture and the requests it found are in Redis). The pipeline writes each page to the node's
WARC file (as a single-machine crawl does, crawler/warc.py) and sends its location, and every
other event (304s, errors, the closing stats), to the writer's stream. Nothing is written to a
database here.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..items import ErrorItem, NotModifiedItem, PageItem, ProgressItem
from ..spiders.sources import SourcesSpider
from ..warc import CaptureWriter, check_node_name, repair
from .redis_state import PREFIX, Frontier, connect
from .scheduler import LEASE_META

log = logging.getLogger(__name__)


def default_node_name() -> str:
    host = "".join(c if c.isalnum() or c in "._-" else "-" for c in socket.gethostname())[:40] or "node"
    return f"{host}-{os.getpid()}"


@dataclass
class LeaseDone:
    """The last thing yielded for a leased request: everything before it is stored."""

    lease: str


class FrontierSpider(SourcesSpider):
    name = "sources-frontier"

    def _done(self, request, results):
        yield from results
        lease = request.meta.get(LEASE_META)
        if lease is not None:
            yield LeaseDone(lease)

    def parse_page(self, response):
        return self._done(response.request, super().parse_page(response))

    def parse_robots(self, response):
        return self._done(response.request, super().parse_robots(response))

    def parse_sitemap(self, response):
        return self._done(response.request, super().parse_sitemap(response))

    def parse_feed(self, response):
        return self._done(response.request, super().parse_feed(response))

    def on_error(self, failure):
        return self._done(failure.request, super().on_error(failure))


class NodePipeline:
    """Page → WARC record + stream entry; other events → stream entry; LeaseDone → lease released."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.frontier = Frontier(connect(settings.get("REDIS_URL")), settings.get("FRONTIER_NODE"))
        self.captures = CaptureWriter(Path(settings.get("FRONTIER_CAPTURES")), self.frontier.node)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        if isinstance(item, LeaseDone):
            self.frontier.release(item.lease)
        elif isinstance(item, PageItem):
            name, offset, length = self.captures.write_page(item, node=self.frontier.node)
            self.frontier.add_capture({"h": json.dumps(item.header(), ensure_ascii=False), "warc": name,
                                       "offset": offset, "length": length, "bytes": len(item.body)})
        elif isinstance(item, (NotModifiedItem, ErrorItem)):
            self.frontier.add_capture({"h": json.dumps(item.header(), ensure_ascii=False)})
        elif not isinstance(item, ProgressItem):  # progress is for a terminal; nodes log it
            raise TypeError(f"unexpected item {type(item).__name__}")
        return item

    def close_spider(self):
        spider = self.crawler.spider
        self.frontier.add_capture({"h": json.dumps({"type": "stats", "node": self.frontier.node,
                                                    "sources": spider.source_stats()}, ensure_ascii=False)})
        self.captures.close()


def frontier_settings(plan: dict, url: str, node: str, captures: Path) -> dict[str, Any]:
    """The Scrapy settings a node adds to ``worker.build_settings(plan)``."""
    from ..worker import build_settings

    base = build_settings(plan)
    host_delays = {host: slot["delay"] for host, slot in base.getdict("DOWNLOAD_SLOTS").items()}
    middlewares = dict(base.getdict("DOWNLOADER_MIDDLEWARES"))
    middlewares["edualliance.crawler.frontier.politeness.ClusterPoliteness"] = 590  # before the download
    return {
        "SCHEDULER": "edualliance.crawler.frontier.scheduler.FrontierScheduler",
        "SCHEDULER_QUEUE_CLASS": "edualliance.crawler.frontier.scheduler.LeasedQueue",
        "DUPEFILTER_CLASS": "edualliance.crawler.frontier.scheduler.FrontierDupeFilter",
        "SCHEDULER_SERIALIZER": "edualliance.crawler.frontier.serialize",
        "SCHEDULER_QUEUE_KEY": PREFIX + "requests",
        "SCHEDULER_DUPEFILTER_KEY": PREFIX + "seen",
        "SCHEDULER_PERSIST": True,  # the round's queue and seen-set outlive any one node
        "REDIS_URL": url,
        "FRONTIER_NODE": node,
        "FRONTIER_CAPTURES": str(captures),
        "FRONTIER_DELAY": base.getfloat("DOWNLOAD_DELAY"),
        "FRONTIER_HOST_DELAYS": host_delays,
        "DOWNLOAD_DELAY": 0, "DOWNLOAD_SLOTS": {}, "AUTOTHROTTLE_ENABLED": False,  # politeness is cluster-wide
        "DOWNLOADER_MIDDLEWARES": middlewares,
        "ITEM_PIPELINES": {"edualliance.crawler.frontier.node.NodePipeline": 300},
    }


def run_node(url: str, captures: Path, node: str, sources: list, keywords: tuple[str, ...],
             settings: dict[str, Any]) -> None:
    """Crawl ``sources`` as one node of the frontier at ``url`` until the round is done."""
    from scrapy.crawler import CrawlerProcess

    from ..worker import build_settings

    check_node_name(node)
    frontier = Frontier(connect(url), node)
    cut = repair(captures, node)
    if cut:
        log.warning("cut a torn record (%d bytes) off %s's last WARC file", cut, node)
    frontier.publish_sources([s.as_config() for s in sources])
    with tempfile.TemporaryDirectory(prefix="edualliance-node-") as tmp:
        known_file = Path(tmp) / "known.jsonl"
        with known_file.open("w", encoding="utf-8") as handle:
            for row in frontier.known_rows():
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        plan = {"sources": [s.as_config() for s in sources], "known_file": str(known_file),
                "keywords": list(keywords), "settings": {"LOG_LEVEL": "WARNING", **settings}}
        scrapy_settings = build_settings(plan)
        for name, value in frontier_settings(plan, url, node, captures).items():
            scrapy_settings.set(name, value, priority="cmdline")
        process = CrawlerProcess(scrapy_settings)
        process.crawl(FrontierSpider, plan=plan)
        process.start()
