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

#: How long the writer waits when the stream is empty before it reads again. A poll, not a
#: blocking read (XREADGROUP BLOCK): every Redis call is then short, and a step a dropped
#: connection breaks is redone whole (``run``).
POLL_SECONDS = 1.0

CONSUMER = "writer"

#: Wait before reading the stream again after its connection broke (Redis restarting, a proxy or
#: CLIENT KILL dropping it).
RECONNECT_SECONDS = 1.0

#: ... and give up (the run fails; a rerun goes on from the stream) when it stays broken this long.
GIVE_UP_SECONDS = 300


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
        fresh, parsed = [], []
        for eid, (_, fields) in zip(ids, entries):
            if eid in done:
                self.duplicates += 1
                continue
            fresh.append(eid)
            fields = {k.decode(): v.decode() for k, v in fields.items()}
            parsed.append((fields, json.loads(fields["h"])))
        # The sources' configurations first (read from Redis): if the connection breaks here,
        # nothing of the batch has been received yet, and the batch is read again.
        for name in dict.fromkeys(header["source"] for _, header in parsed if header.get("source")):
            self._source(name)
        for fields, header in parsed:
            if header.get("type") == "stats":
                self.node_stats[header.get("node", "?")] = header.get("sources", {})
                continue
            if "warc" in fields:
                try:  # the page keeps this pointer, not its bytes; read when it is cleaned
                    header["warc"] = (fields["warc"], int(fields["offset"]), int(fields["length"]))
                    header["body_bytes"] = int(fields.get("bytes", fields["length"]))
                except ValueError as exc:
                    header = {"type": "error", "source": header.get("source", "?"), "url": header.get("url", ""),
                              "stage": "capture", "message": f"WARC pointer unreadable: {exc}"}
            self.sink.receive(header, b"")
        self.sink.capture(also=lambda: self.store.frontier_mark(fresh))
        self.entries += len(fresh)
        self.sink.pump()
        # after the commit, never before; then deleted: the stream holds only what is not stored yet.
        # If the connection breaks here, the entries stay pending: read again, they are skipped
        # as stored and acknowledged then.
        self.frontier.client.xack(self.stream, WRITER_GROUP, *ids)
        self.frontier.client.xdel(self.stream, *ids)

    def quiet(self) -> None:
        """Nothing new for a while: clean what waits, tell the nodes what is stored."""
        self.sink.process_all()
        rows = [r for r in self.store.crawl_state_of_run(self.run_id) if r[0] not in self.published]
        self.frontier.publish_known([
            {"url": url, "source": source, "role": role, "verdict": verdict, "etag": etag, "last_modified": lm,
             "lastmod": _iso(lastmod), "last_checked": _iso(checked), "links": json.loads(links) if links else None}
            for url, source, role, verdict, etag, lm, lastmod, checked, links in rows])
        self.published.update(r[0] for r in rows)

    def _step(self, backlog: bool, follow: bool) -> bool:
        """Read and store what waits in the stream (``backlog``: first what was delivered to this
        writer before and never acknowledged); when nothing does, clean what waits and wait a
        moment. True when the round is over."""
        while True:
            reply = self.frontier.client.xreadgroup(
                WRITER_GROUP, CONSUMER, {self.stream: "0" if backlog else ">"}, count=READ_COUNT)
            entries = reply[0][1] if reply else []
            if not entries:
                if backlog:
                    backlog = False
                    continue
                break
            self.handle(entries)
        self.quiet()
        # the round is over when no node is alive (following: once this run stored something)
        if (not follow or self.entries) and not self.frontier.live_nodes():
            return True
        if self.entries and self.sink.inbox == 0:
            self.echo(f"… {self.entries} entries stored")
        time.sleep(POLL_SECONDS)
        return False

    def run(self, follow: bool = False) -> WriterReport:
        status = "failed"
        started = time.monotonic()
        try:
            capture_migrate.migrate(self.store, self.captures, self.echo)  # bytes an older version kept in pages
            self.sink.start_workers()
            backlog = True  # first the entries delivered to this writer before and never acknowledged
            broken_since: float | None = None
            while True:
                try:
                    if self._step(backlog, follow):
                        break
                    backlog = False
                    broken_since = None
                except (redis.ConnectionError, redis.TimeoutError) as exc:
                    # Every step can be redone: entries delivered in a reply that was lost, or
                    # stored and not acknowledged, are pending for this writer and read again.
                    broken_since = broken_since or time.monotonic()
                    if time.monotonic() - broken_since > GIVE_UP_SECONDS:
                        raise
                    # Said through ``echo`` (the CLI's stderr), as the writer's other progress is.
                    self.echo(f"frontier: Redis connection broken ({exc}); reading the stream again"
                              f" in {RECONNECT_SECONDS:g} s (giving up after {GIVE_UP_SECONDS:g} s without Redis)")
                    time.sleep(RECONNECT_SECONDS)
                    backlog = True
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
