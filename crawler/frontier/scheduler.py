"""scrapy-redis's scheduler, priority queue and duplicate filter, on the shared frontier.

Used as they are: the scheduler's next-request logic and settings, the sorted-set priority
queue's encoding and score (minus the priority), the duplicate filter's fingerprints and its log.
Replaced, each as small as the gap:

* ``LeasedQueue.pop``: scrapy-redis removes the request from the queue (ZRANGE + ZREMRANGEBYRANK);
  a node killed before the response is stored would lose it. Here the same pop moves it into
  the node's lease hash (``redis_state._POP``).
* ``FrontierScheduler.enqueue_request``: the duplicate filter's SADD and the queue's ZADD are one
  atomic step (``redis_state._ENQUEUE``; scrapy-redis makes them two calls, and a node killed
  between them left a URL seen but never queued); a retried or redirected request carries its
  lease, released in the same step; and listing pages, which the spider marks ``dont_filter``
  (each source reads them), go through the filter under a per-source fingerprint, so two nodes
  do not both read a start page. The fingerprint and the encoding are still scrapy-redis's.
* ``FrontierScheduler.open/close``: the node joins the frontier, beats its heartbeat, and on idle
  queues its own unfinished leases again once (``Frontier.requeue_own_leases``), puts dead nodes'
  leases back and stays open while live nodes hold leases (they may still find links), looking
  at the queue again every ``IDLE_POLL_SECONDS``; the round's seen-set is kept
  (``SCHEDULER_PERSIST``) until the last node leaves.

Not used: ``RedisSpider`` (scrapy-redis 0.9.1 builds on ``start_requests()``, which Scrapy 2.16
removed; our spider has ``async def start()``), and the pickle serializer (``serialize``).
"""

from __future__ import annotations

import hashlib
import json
import logging

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from w3lib.url import canonicalize_url

from .redis_state import HEARTBEAT_MS, Frontier

log = logging.getLogger(__name__)

LEASE_META = "frontier_lease"

#: How soon a node whose queue ran empty looks at the shared queue again. Scrapy's engine looks
#: at its heartbeat, every 5 s: the other nodes' links would wait that long for an idle node.
IDLE_POLL_SECONDS = 0.5


class LeasedQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop leaves a lease behind."""

    frontier: Frontier  # set by the scheduler

    def pop(self, timeout=0):
        lease = self.frontier.pop()
        if lease is None:
            return None
        try:
            request = self._decode_request(lease.data)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.error("frontier: dropped a request that cannot be read (%s): %.200r", exc, lease.data)
            self.frontier.release(lease.id)
            return None
        request.meta[LEASE_META] = lease.id
        return request


class FrontierDupeFilter(RFPDupeFilter):
    """RFPDupeFilter whose fingerprint of a listing page includes its source (each source reads
    a listing page it shares with another)."""

    def request_fingerprint(self, request):
        if request.meta.get("role") != "listing":
            return super().request_fingerprint(request)
        data = {"method": request.method, "url": canonicalize_url(request.url),
                "body": (request.body or b"").hex(), "source": request.meta.get("source")}
        return hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()


class FrontierScheduler(Scheduler):
    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.frontier = Frontier(scheduler.server, crawler.settings.get("FRONTIER_NODE"))
        scheduler.crawler = crawler
        crawler.signals.connect(scheduler._idle, signal=signals.spider_idle)
        return scheduler

    def open(self, spider):
        super().open(spider)
        self.queue.frontier = self.frontier
        self.frontier.join()
        from twisted.internet.task import LoopingCall

        self._beat = LoopingCall(self.frontier.heartbeat)
        self._beat.start(HEARTBEAT_MS / 3000, now=False)

    def close(self, reason):
        if getattr(self, "_beat", None) is not None and self._beat.running:
            self._beat.stop()
        if self.frontier.leave():
            log.info("frontier: the round is over (queue empty, last node out)")

    def enqueue_request(self, request):
        lease = request.meta.pop(LEASE_META, None)  # a retry or a redirect: queued in place of the one leased
        meta = request.meta
        filtered = not request.dont_filter or (
            meta.get("role") == "listing" and not meta.get("retry_times") and not meta.get("redirect_times"))
        try:
            data = self.queue._encode_request(request)
        except Exception:
            if lease is not None:
                self.frontier.release(lease)
            raise
        fingerprint = self.df.request_fingerprint(request) if filtered else None
        if not self.frontier.enqueue(data, -request.priority, fingerprint, lease):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def _idle(self, spider=None):
        """Nothing to do here: take back dead nodes' requests; wait while others may find more."""
        back, dropped = self.frontier.requeue_own_leases()
        if back:
            log.warning("frontier: %d requests this node took were never finished (a reply lost with a"
                        " dropped connection, or a failed callback): queued again, once", back)
        if dropped:
            log.warning("frontier: %d requests were left unfinished a second time (their callback fails):"
                        " dropped; see the errors above", dropped)
        live = self.frontier.reclaim()
        if live or self.frontier.queued():
            self._look_again_soon()
            raise DontCloseSpider

    def _look_again_soon(self) -> None:
        """Ask the engine for its next requests in ``IDLE_POLL_SECONDS`` (once at a time)."""
        if getattr(self, "_poll_pending", False):
            return
        from twisted.internet import reactor

        def look() -> None:
            self._poll_pending = False
            slot = getattr(self.crawler.engine, "_slot", None)  # None once the spider is closing
            if slot is not None:
                slot.nextcall.schedule()

        self._poll_pending = True
        reactor.callLater(IDLE_POLL_SECONDS, look)
