"""The frontier's state in Redis, and the few operations that must be atomic (Lua scripts).

Keys (all under ``PREFIX``, in the Redis database the URL names):

=====================  ==================================================================
``requests``           sorted set: the queue (scrapy-redis's priority queue), JSON requests
``seen``               set: fingerprints of every request queued this round (RFPDupeFilter)
``nodes``              set: names of the nodes that joined
``alive:<node>``       string with a time to live: the node's heartbeat
``lease:<node>``       hash: requests the node took and has not finished (id → score, request)
``lease_seq``          counter: lease ids
``requeued``           set: digests of leases put back once by their idle node (this round)
``polite``             hash: host → the earliest time (ms, Redis clock) of its next request
``known``              hash: url → what the database knows (the writer keeps it up to date)
``sources``            hash: source name → its configuration (for the writer)
``captures``           stream: one entry per response or event, read by the one writer
=====================  ==================================================================

A request taken from the queue is not lost when its node dies: ``pop`` moves it into the
node's lease hash in the same script; the node deletes the lease once everything the response
led to (its capture, the requests it found) is in Redis. A node whose heartbeat expired is
dead: the first idle node puts its leases back into the queue (``reclaim``). A node restarted
under the same name takes its own leases back at once. A lease a live node still holds when it
is idle was never finished (the reply to its pop was lost with a dropped connection, or a
callback failed): it goes back into the queue once, and is dropped, with a warning, if it is
left unfinished again (``requeue_own_leases``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

import redis

PREFIX = "edualliance:frontier:"

#: A node that has not renewed its heartbeat for this long is dead and its leases are put back.
#: Long enough for a node under load (a heartbeat every third of it), short enough that a
#: killed node's requests wait at most this long.
HEARTBEAT_MS = 15_000

#: The consumer group of the writer on the capture stream.
WRITER_GROUP = "writer"

_POP = """
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return false end
redis.call('ZREM', KEYS[1], top[1])
local id = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], id, top[2] .. ' ' .. top[1])
return {tostring(id), top[1]}
"""

# KEYS: queue, seen, this node's lease hash; ARGV: score, request, fingerprint ('' when the request
# is not filtered), the lease it replaces ('' when none). One step: a node killed between the
# duplicate filter's SADD and the queue's ZADD would leave a URL seen but never queued.
_ENQUEUE = """
if ARGV[4] ~= '' then redis.call('HDEL', KEYS[3], ARGV[4]) end
if ARGV[3] ~= '' and redis.call('SADD', KEYS[2], ARGV[3]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
return 1
"""

# ARGV[1]: prefix, ARGV[2]: this node, ARGV[3]: '1' to take this node's own leases back too.
# Returns the number of leases held by live nodes (other than this one) after reclaiming.
_RECLAIM = """
local live = 0
for _, node in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local lease = ARGV[1] .. 'lease:' .. node
  local mine = node == ARGV[2]
  local alive = redis.call('EXISTS', ARGV[1] .. 'alive:' .. node) == 1
  if (mine and ARGV[3] == '1') or (not mine and not alive) then
    local entries = redis.call('HVALS', lease)
    for _, entry in ipairs(entries) do
      local space = string.find(entry, ' ', 1, true)
      redis.call('ZADD', KEYS[1], string.sub(entry, 1, space - 1), string.sub(entry, space + 1))
    end
    redis.call('DEL', lease)
    if not mine then redis.call('SREM', KEYS[2], node) end
  elseif not mine then
    live = live + redis.call('HLEN', lease)
  end
end
return live
"""

# KEYS: queue, this node's lease hash, requeued set. An idle node's unfinished leases: each goes
# back into the queue the first time (its digest kept for the round), and is dropped the second.
# Returns {put back, dropped}.
_REQUEUE = """
local back, dropped = 0, 0
for _, entry in ipairs(redis.call('HVALS', KEYS[2])) do
  if redis.call('SADD', KEYS[3], redis.sha1hex(entry)) == 1 then
    local space = string.find(entry, ' ', 1, true)
    redis.call('ZADD', KEYS[1], string.sub(entry, 1, space - 1), string.sub(entry, space + 1))
    back = back + 1
  else
    dropped = dropped + 1
  end
end
redis.call('DEL', KEYS[2])
return {back, dropped}
"""

# KEYS: polite hash; ARGV: host, delay in ms. Returns how many ms the caller waits for its turn.
_POLITE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local at = math.max(now, tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0'))
redis.call('HSET', KEYS[1], ARGV[1], at + tonumber(ARGV[2]))
return at - now
"""

# KEYS: queue, nodes, seen, requeued; ARGV: prefix, node. The node leaves; the last one out of a
# finished round (empty queue, no other node) forgets the round's seen-set (so the next run
# reads the listing pages again) and its requeued digests. Returns 1 if it did.
_LEAVE = """
redis.call('DEL', ARGV[1] .. 'alive:' .. ARGV[2])
redis.call('DEL', ARGV[1] .. 'lease:' .. ARGV[2])
redis.call('SREM', KEYS[2], ARGV[2])
if redis.call('ZCARD', KEYS[1]) == 0 and redis.call('SCARD', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[3], KEYS[4])
  return 1
end
return 0
"""


class FrontierError(Exception):
    """The frontier URL is wrong or Redis does not answer."""


@dataclass(frozen=True)
class Lease:
    id: str
    data: bytes


def connect(url: str) -> redis.Redis:
    """A client for ``redis://[:password@]HOST:PORT/N`` (``rediss://`` for TLS)."""
    if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise FrontierError(f"--frontier {url!r}: expected redis://HOST:PORT/N")
    client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10, retry_on_timeout=True)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise FrontierError(f"the frontier {url} does not answer: {exc}") from exc
    return client


class Frontier:
    """One node's (or the writer's) handle on the shared state."""

    def __init__(self, client: redis.Redis, node: str = "writer") -> None:
        self.client = client
        self.node = node
        self._pop = client.register_script(_POP)
        self._enqueue = client.register_script(_ENQUEUE)
        self._reclaim = client.register_script(_RECLAIM)
        self._polite = client.register_script(_POLITE)
        self._leave = client.register_script(_LEAVE)
        self._requeue = client.register_script(_REQUEUE)

    def key(self, name: str) -> str:
        return PREFIX + name

    @property
    def lease_key(self) -> str:
        return self.key(f"lease:{self.node}")

    # -- nodes ----------------------------------------------------------------------------

    def join(self) -> None:
        """Register this node, alive, and take back what an earlier run under its name held."""
        self.heartbeat()
        self.client.sadd(self.key("nodes"), self.node)
        self._reclaim(keys=[self.key("requests"), self.key("nodes")], args=[PREFIX, self.node, "1"])

    def live_nodes(self) -> int:
        """Nodes that joined and whose heartbeat has not expired (a node killed, or whose leave
        was lost with its connection, stays in ``nodes`` until another node reclaims it)."""
        names = [n.decode() if isinstance(n, bytes) else n for n in self.client.smembers(self.key("nodes"))]
        return sum(int(self.client.exists(self.key(f"alive:{name}"))) for name in names)

    def heartbeat(self) -> None:
        self.client.set(self.key(f"alive:{self.node}"), "1", px=HEARTBEAT_MS)

    def reclaim(self) -> int:
        """Put dead nodes' leases back into the queue; return how many leases live nodes hold."""
        return int(self._reclaim(keys=[self.key("requests"), self.key("nodes")], args=[PREFIX, self.node, "0"]))

    def leave(self) -> bool:
        """Unregister; True if this node ended the round (and its seen-set was forgotten)."""
        keys = [self.key("requests"), self.key("nodes"), self.key("seen"), self.key("requeued")]
        return bool(self._leave(keys=keys, args=[PREFIX, self.node]))

    # -- the queue ------------------------------------------------------------------------

    def pop(self) -> Lease | None:
        taken = self._pop(keys=[self.key("requests"), self.lease_key, self.key("lease_seq")])
        if not taken:
            return None
        return Lease(taken[0].decode() if isinstance(taken[0], bytes) else str(taken[0]), taken[1])

    def enqueue(self, data: bytes, score: int, fingerprint: str | None, replaces: str | None) -> bool:
        """Queue a request unless its fingerprint was seen; release the lease it replaces (a retry
        or a redirect of a leased request). False if it was a duplicate."""
        return bool(self._enqueue(keys=[self.key("requests"), self.key("seen"), self.lease_key],
                                  args=[score, data, fingerprint or "", replaces or ""]))

    def release(self, lease_id: str) -> None:
        self.client.hdel(self.lease_key, lease_id)

    def own_leases(self) -> int:
        return int(self.client.hlen(self.lease_key))

    def requeue_own_leases(self) -> tuple[int, int]:
        """(put back, dropped): this node's leases, called when it is idle (nothing it holds is in
        flight, so each was left unfinished). Each is queued again the first time, dropped the
        second: a request whose callback fails is not fetched over and over."""
        back, dropped = self._requeue(keys=[self.key("requests"), self.lease_key, self.key("requeued")])
        return int(back), int(dropped)

    def queued(self) -> int:
        return int(self.client.zcard(self.key("requests")))

    # -- politeness -----------------------------------------------------------------------

    def turn(self, host: str, delay: float) -> float:
        """Reserve ``host``'s next slot, ``delay`` seconds after the one before (cluster-wide);
        return the seconds to wait for it."""
        return int(self._polite(keys=[self.key("polite")], args=[host, int(delay * 1000)])) / 1000

    # -- shared knowledge ------------------------------------------------------------------

    def publish_known(self, rows: list[dict]) -> None:
        if rows:
            pipe = self.client.pipeline(transaction=False)
            for row in rows:
                pipe.hset(self.key("known"), row["url"], json.dumps(row, ensure_ascii=False))
            pipe.execute()

    def known_rows(self):
        for _url, value in self.client.hscan_iter(self.key("known"), count=1000):
            yield json.loads(value)

    def publish_sources(self, configs: list[dict]) -> None:
        for cfg in configs:
            self.client.hset(self.key("sources"), cfg["name"], json.dumps(cfg, ensure_ascii=False))

    def source_configs(self) -> dict[str, dict]:
        return {k.decode(): json.loads(v) for k, v in self.client.hgetall(self.key("sources")).items()}

    # -- the capture stream -----------------------------------------------------------------

    def add_capture(self, fields: dict[str, str]) -> str:
        return self.client.xadd(self.key("captures"), fields)
