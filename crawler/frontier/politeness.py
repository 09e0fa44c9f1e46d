"""Per-host politeness across the cluster: a site gets no more requests per second from all
nodes together than from one.

Each node's own download delay is off (``node.frontier_settings``); before a request is sent,
this middleware reserves the host's next turn in Redis (``Frontier.turn``: the host's next
allowed time moves one delay on, by Redis' clock, so node clocks do not matter) and waits for
it. The delay is the source's ``delay`` for its hosts, else ``DOWNLOAD_DELAY``. AutoThrottle,
which adapts one node's delay to the latency it sees, is off on nodes: its delays are per node.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater

from .redis_state import Frontier


class ClusterPoliteness:
    def __init__(self, frontier: Frontier, default_delay: float, host_delays: dict[str, float]) -> None:
        self.frontier = frontier
        self.default_delay = default_delay
        self.host_delays = host_delays

    @classmethod
    def from_crawler(cls, crawler):
        from .redis_state import connect

        settings = crawler.settings
        frontier = Frontier(connect(settings.get("REDIS_URL")), settings.get("FRONTIER_NODE"))
        return cls(frontier, settings.getfloat("FRONTIER_DELAY"), dict(settings.getdict("FRONTIER_HOST_DELAYS")))

    async def process_request(self, request, spider=None):
        host = urlsplit(request.url).hostname or ""
        delay = self.host_delays.get(host, self.default_delay)
        if delay <= 0:
            return None
        wait = self.frontier.turn(host, delay)
        if wait > 0:
            await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
        return None
