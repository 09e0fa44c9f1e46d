"""The one writer: ``edualliance process --frontier URL --captures DIR``.

Reads the frontier's capture stream as the consumer group ``writer`` and turns its entries
into rows with the single-machine code (``CrawlSink``): a page goes to the inbox as its WARC
pointer, as a single-machine crawl's does, and is read from its record when it is cleaned;
captures go to the inbox in one transaction together with the ids of the entries that carried
them (``frontier_entries``), and only then are the entries acknowledged (XACK). A writer killed
before its commit gets the entries again (they are pending for it); one killed after it gets
them again too, and skips them, being in ``frontier_entries``. After each quiet
spell it cleans what waits, and publishes what it stored to the frontier's ``known`` hash, so
no node fetches again what another node stored.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import redis

from edualliance.pipeline import dedup

from .. import capture_migrate
from ..registry import RegistryError, parse_source
from ..sink.crawl_sink import CrawlSink
from .redis_state import WRITER_GROUP, Frontier

log = logging.getLogger(__name__)

#: Stream entries read per call (each a capture or an event) and stored per transaction.
READ_COUNT = 200

#: How long one read waits for new entries before the writer cleans what waits (ms).
BLOCK_MS = 1000

CONSUMER = "writer"


@dataclass
class WriterReport:
    run_id: int
    entries: int
    duplicates: int
    counts: dict[str, Any]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _summed(per_node: dict[str, dict[str, dict]]) -> dict[str, dict]:
    total: dict[str, dict] = {}
    for sources in per_node.values():
        for name, stats in sources.items():
            into = total.setdefault(name, {})
            for key, value in stats.items():
                if isinstance(value, bool):
                    into[key] = into.get(key, False) or value
                elif isinstance(value, int):
                    into[key] = into.get(key, 0) + value
    return total


class Writer:
    def __init__(self, store, frontier: Frontier, captures: Path, classifier,
                 echo: Callable[[str], None] = lambda m: None) -> None:
        self.store = store
        self.frontier = frontier
        self.captures = Path(captures)
        self.echo = echo
        self.stream = frontier.key("captures")
        self.run_id = store.start_run("cluster")
        self.sink = CrawlSink(store, classifier, self.run_id, {}, captures=self.captures,
                              on_error=lambda source, url, message: log.info("%s: %s: %s", source, url, message))
        self.node_stats: dict[str, dict] = {}
        self.entries = self.duplicates = 0
        self.published: set[str] = set()
        try:
            frontier.client.xgroup_create(self.stream, WRITER_GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _source(self, name: str) -> None:
        if name in self.sink.sources:
            return
        config = self.frontier.source_configs().get(name)
        if config is None:
            return
        try:
            self.sink.sources[name] = parse_source(config, f"frontier source {name}")
        except RegistryError as exc:
            log.error("%s", exc)
            return
        self.store.save_source(name, config.get("kind", "listing"), config)

    def handle(self, entries) -> None:
        ids = [eid.decode() if isinstance(eid, bytes) else eid for eid, _ in entries]
        done = self.store.frontier_stored(ids)
        fresh = []
        for eid, (_, fields) in zip(ids, entries):
            if eid in done:
                self.duplicates += 1
                continue
            fresh.append(eid)
            fields = {k.decode(): v.decode() for k, v in fields.items()}
            header = json.loads(fields["h"])
            if header.get("type") == "stats":
                self.node_stats[header.get("node", "?")] = header.get("sources", {})
                continue
            if header.get("source"):
                self._source(header["source"])
            if "warc" in fields:
                try:  # the page keeps this pointer, not its bytes; read when it is cleaned
                    header["warc"] = (fields["warc"], int(fields["offset"]), int(fields["length"]))
                    header["body_bytes"] = int(fields.get("bytes", fields["length"]))
                except ValueError as exc:
                    header = {"type": "error", "source": header.get("source", "?"), "url": header.get("url", ""),
                              "stage": "capture", "message": f"WARC pointer unreadable: {exc}"}
            self.sink.receive(header, b"")
        self.sink.capture(also=lambda: self.store.frontier_mark(fresh))
        # after the commit, never before; then deleted: the stream holds only what is not stored yet
        self.frontier.client.xack(self.stream, WRITER_GROUP, *ids)
        self.frontier.client.xdel(self.stream, *ids)
        self.entries += len(fresh)
        self.sink.pump()

    def quiet(self) -> None:
        """Nothing new for a while: clean what waits, tell the nodes what is stored."""
        self.sink.process_all()
        rows = [r for r in self.store.crawl_state_of_run(self.run_id) if r[0] not in self.published]
        self.frontier.publish_known([
            {"url": url, "source": source, "role": role, "verdict": verdict, "etag": etag, "last_modified": lm,
             "lastmod": _iso(lastmod), "last_checked": _iso(checked), "links": json.loads(links) if links else None}
            for url, source, role, verdict, etag, lm, lastmod, checked, links in rows])
        self.published.update(r[0] for r in rows)

    def run(self, follow: bool = False, block_ms: int = BLOCK_MS) -> WriterReport:
        status = "failed"
        started = time.monotonic()
        try:
            capture_migrate.migrate(self.store, self.captures, self.echo)  # bytes an older version kept in pages
            self.sink.start_workers()
            backlog = True  # first the entries delivered to this writer before and never acknowledged
            while True:
                reply = self.frontier.client.xreadgroup(
                    WRITER_GROUP, CONSUMER, {self.stream: "0" if backlog else ">"}, count=READ_COUNT,
                    block=None if backlog else block_ms)
                entries = reply[0][1] if reply else []
                if entries:
                    self.handle(entries)
                    continue
                if backlog:
                    backlog = False
                    continue
                self.quiet()
                # the round is over when no node is left (following: once this run stored something)
                if (not follow or self.entries) and not self.frontier.client.scard(self.frontier.key("nodes")):
                    break
                if self.entries and self.sink.inbox == 0:
                    self.echo(f"… {self.entries} entries stored")
            if self.node_stats:
                self.sink.receive({"type": "stats", "sources": _summed(self.node_stats)}, b"")
            self.sink.process_all()
            self.sink.close()  # the workers are done: their memory goes before clustering
            dedup.cluster_store(self.store)
            status = "finished"
        finally:
            self.sink.close()
            per_source = {name: c.as_dict() for name, c in self.sink.counts.items()}
            counts = {"sources": per_source, "entries": self.entries, "duplicate_entries": self.duplicates,
                      "nodes": sorted(self.node_stats), "seconds": round(time.monotonic() - started, 3)}
            self.store.finish_run(self.run_id, status, counts)
        return WriterReport(self.run_id, self.entries, self.duplicates, counts)
