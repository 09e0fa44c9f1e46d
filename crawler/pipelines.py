"""Item pipelines: small, because the work happens in ``sink.crawl_sink.CrawlSink``.

Both write every page as a WARC record (crawler/warc.py) into the captures
folder beside the database, as a crawl node does, and hand on where it lives,
not its bytes.

``ChannelPipeline`` (used by ``edualliance crawl``): the spider runs in a
child process and this pipeline hands every item to the parent over a pipe;
the parent is the only process that opens the database.

``StorePipeline`` (used by a plain ``scrapy crawl sources``): writes raw
captures to the store in batches as they come, and cleans, classifies and
stores them in batches when enough are waiting and at the end.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from .channel import write_message
from .items import ErrorItem, NotModifiedItem, PageItem, ProgressItem
from .warc import CaptureWriter, repair

#: Set by the worker process before the crawl starts: where messages go ...
CHANNEL: BinaryIO | None = None
#: ... and the captures folder (WARC files).
CAPTURES: Path | None = None

#: The writer name of a single-machine crawl's WARC files (``crawl-<time>-<n>.warc.gz``): one
#: crawl at a time writes a database, so one name; a crawl killed mid-write leaves an unfinished
#: capture at the end of its newest file, which the next crawl cuts off before it writes.
NODE = "crawl"


def open_captures(folder: Path) -> CaptureWriter:
    repair(folder, NODE)
    return CaptureWriter(folder, NODE)


def captured(writer: CaptureWriter, item: PageItem) -> dict:
    """Write the page to its WARC file; the header that says where (``warc``) instead of the bytes."""
    return {**item.header(), "warc": list(writer.write_page(item)), "body_bytes": len(item.body)}


class ChannelPipeline:
    def __init__(self, crawler=None) -> None:
        self.crawler = crawler
        self.captures: CaptureWriter | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        if CHANNEL is None or CAPTURES is None:
            raise RuntimeError("ChannelPipeline needs the worker's channel (run through `edualliance crawl`)")
        try:
            if isinstance(item, PageItem):
                if self.captures is None:
                    self.captures = open_captures(CAPTURES)
                write_message(CHANNEL, captured(self.captures, item))
            elif isinstance(item, (NotModifiedItem, ErrorItem, ProgressItem)):
                write_message(CHANNEL, item.header())
        except BrokenPipeError:
            os._exit(3)  # the storing process is gone: nothing more can be kept
        return item

    def close_spider(self):
        spider = self.crawler.spider
        if self.captures is not None:
            self.captures.close()
        if CHANNEL is None:
            return
        try:
            write_message(CHANNEL, {"type": "stats", "sources": spider.source_stats()})
        except BrokenPipeError:
            os._exit(3)


class StorePipeline:
    """Direct database writes for `scrapy crawl sources -a sources=FILE` ($EDUALLIANCE_DB)."""

    CAPTURE_EVERY = 20

    def __init__(self, crawler=None) -> None:
        self.crawler = crawler
        self.sink = None
        self.store = None
        self.captures: CaptureWriter | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        spider = self.crawler.spider
        from edualliance.pipeline.dbpath import resolve_db_path
        from edualliance.pipeline.store import Store

        from .spiders.source_run import known_from_rows

        self.store = Store(resolve_db_path())
        run_id = self.store.start_run("crawl")
        sources = {name: run.source for name, run in spider.runs.items()}
        for source in sources.values():
            self.store.save_source(source.name, source.kind, source.as_config())
        from .sink.crawl_sink import CrawlSink
        from .sink.pool import model_spec

        # The workers load the model: the version `models use` chose (else the newest trained, else shipped).
        self.sink = CrawlSink(self.store, model_spec(self.store.selected_model()), run_id, sources)
        self.sink.process_all()  # captures a killed run left behind
        spider.known = known_from_rows(self.store.crawl_state())
        self.captures = open_captures(self.sink.captures)

    def process_item(self, item):
        self.sink.receive(captured(self.captures, item) if isinstance(item, PageItem) else item.header(), b"")
        if self.sink.waiting >= self.CAPTURE_EVERY:
            self.sink.capture()
        return item

    def close_spider(self):
        spider = self.crawler.spider
        status = "failed"
        try:
            self.sink.receive({"type": "stats", "sources": spider.source_stats()}, b"")
            self.sink.capture()
            self.sink.process_all()
            status = "finished"
        finally:
            self.sink.close()
            self.captures.close()
            counts = {"sources": {n: c.as_dict() for n, c in self.sink.counts.items()}}
            self.store.finish_run(self.sink.run_id, status, counts)
            self.store.close()
