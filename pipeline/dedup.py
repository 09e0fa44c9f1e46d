"""Near-duplicate clusters: reposts of one story across sites get one cluster id.

Texts are compared as sets of character shingles of the normalized text
(Simplified, pinyin annotations gone, punctuation and spaces dropped):
unsegmented Chinese has no word boundaries, so whitespace-token methods
such as Simhash see one token per paragraph. Each shingle is hashed to 64
bits (a set is a sorted numpy array: 8 bytes a shingle, where a set of
strings takes about 100). MinHash signatures, cut into LSH bands, find
candidate pairs without comparing every pair; each pair is then confirmed on
the exact shingle sets. The earliest-published member is canonical, and its
article_id is the cluster id.

Runs are incremental: the store keeps each examined article's LSH band keys
(migration 0006), so a run computes signatures only for new and changed
articles, finds their look-alikes among the stored ones by a join on the
keys, and re-clusters just those articles with the clusters they touch. The
result is the same as clustering the whole corpus again: an old pair of
look-alikes is always inside one cluster, and every touched cluster is
re-clustered whole.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

#: Characters per shingle: long enough that two unrelated texts on the same
#: topic (教育, 均衡发展 …) share few, short enough that edits break few.
SHINGLE = 5

#: MinHash permutations: the estimate's error is about 1/sqrt(128) ≈ 0.09.
NUM_PERM = 128

#: LSH bands of ROWS signature values each: two texts are candidates when one
#: band is equal in both. 32 × 4 puts the candidate threshold near a Jaccard of
#: 0.4, below the confirmation thresholds (0.87 of the pairs at 0.5 and 0.99
#: at 0.6 become candidates); it is what datasketch chooses for 0.4 and 128.
BANDS, ROWS = 32, 4

#: A pair is a repost when its shingle sets overlap this much (Jaccard) ...
JACCARD = 0.5
#: ... or when the shorter text lies this much inside the longer (a repost cut
#: short, or one with an added paragraph).
CONTAINMENT = 0.8

#: Texts shorter than this many shingles are not clustered: a two-line notice
#: matches every other copy of the same boilerplate.
MIN_SHINGLES = 20

#: Articles examined per round of ``cluster_store``: a round holds their texts, shingle
#: hashes (8 bytes each, thousands an article) and band keys, and the texts of the
#: clusters they touch; 500 keep that to tens of MB whatever a run brings.
ROUND_ARTICLES = 500

#: Names the settings above in the store: bands made under another scheme are made again.
SCHEME = f"shingle{SHINGLE}-fmix64-affine32x{NUM_PERM}-bands{BANDS}x{ROWS}"

_DROP = re.compile(r"[^\u3400-\u9fffA-Za-z0-9]+")


@dataclass(frozen=True, slots=True)
class Member:
    article_id: str
    text_normalized: str
    published: datetime | None


@dataclass(frozen=True, slots=True)
class Assignment:
    article_id: str
    cluster_id: str
    is_canonical: bool


_EMPTY = np.empty(0, dtype=np.uint64)
_FNV = np.uint64(0x100000001B3)


def _fmix(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer: every input bit reaches every output bit."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def shingle_hashes(text: str) -> np.ndarray:
    """The text's distinct SHINGLE-character shingles as sorted 64-bit hashes."""
    compact = _DROP.sub("", text)
    n = len(compact) - SHINGLE + 1
    if n <= 0:
        return _EMPTY
    codes = np.frombuffer(compact.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    h = np.zeros(n, dtype=np.uint64)
    for j in range(SHINGLE):  # arithmetic wraps modulo 2**64, as intended
        h = h * _FNV + codes[j:j + n]
    return np.unique(_fmix(h))


@functools.lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """NUM_PERM affine maps h → a·h + b mod 2**32 (a odd: each is a bijection), fixed seed."""
    rng = np.random.RandomState(1)
    a = rng.randint(0, 1 << 32, size=NUM_PERM, dtype=np.uint64) | np.uint64(1)
    b = rng.randint(0, 1 << 32, size=NUM_PERM, dtype=np.uint64)
    return a, b


def signature(hashes: np.ndarray) -> np.ndarray:
    """MinHash signature (NUM_PERM values) of a shingle-hash set: for each map, the least image."""
    a, b = _permutations()
    low = hashes & np.uint64(0xFFFFFFFF)
    return ((np.outer(low, a) + b) & np.uint64(0xFFFFFFFF)).min(axis=0)


def band_keys(sig: np.ndarray) -> list[tuple[int, int]]:
    """(band, key) for the BANDS bands of a signature, each key a signed 64-bit hash of its ROWS values."""
    rows = sig[: BANDS * ROWS].reshape(BANDS, ROWS)
    key = np.zeros(BANDS, dtype=np.uint64)
    for j in range(ROWS):
        key = key * _FNV + rows[:, j]
    return list(enumerate(_fmix(key + np.arange(BANDS, dtype=np.uint64)).view(np.int64).tolist()))


def _prepare(text: str) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """(shingle hashes, band keys) of a text; no keys for one too short to cluster."""
    shingled = shingle_hashes(text)
    return shingled, band_keys(signature(shingled)) if shingled.size >= MIN_SHINGLES else []


def _is_repost(a: np.ndarray, b: np.ndarray) -> bool:
    overlap = np.intersect1d(a, b, assume_unique=True).size
    union = a.size + b.size - overlap
    return overlap / union >= JACCARD or overlap / min(a.size, b.size) >= CONTAINMENT


def cluster(members: Iterable[Member], prepared: dict[str, tuple[np.ndarray, list[tuple[int, int]]]] | None = None
            ) -> list[Assignment]:
    """One Assignment per member; singletons are their own canonical cluster.

    ``prepared`` may hold (shingle hashes, band keys) already computed, by article_id.
    """
    members = list(members)
    prepared = prepared or {}
    parent = {m.article_id: m.article_id for m in members}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    hashes: dict[str, np.ndarray] = {}
    buckets: dict[tuple[int, int], list[str]] = {}
    for m in members:
        shingled, keys = prepared.get(m.article_id) or _prepare(m.text_normalized)
        if not keys:
            continue
        hashes[m.article_id] = shingled
        candidates: set[str] = set()
        for band_key in keys:
            bucket = buckets.setdefault(band_key, [])
            candidates.update(bucket)
            bucket.append(m.article_id)
        for other in sorted(candidates):
            if root(other) != root(m.article_id) and _is_repost(shingled, hashes[other]):
                parent[root(m.article_id)] = root(other)

    groups: dict[str, list[Member]] = {}
    for m in members:
        groups.setdefault(root(m.article_id), []).append(m)
    out: list[Assignment] = []
    for group in groups.values():
        canonical = min(group, key=lambda m: (m.published is None, m.published or datetime.min, m.article_id))
        out.extend(Assignment(m.article_id, canonical.article_id, m is canonical) for m in group)
    return out


def cluster_store(store) -> int:
    """Cluster the articles stored or changed since the last call together with the clusters
    they touch, and write cluster_id/is_canonical; return how many articles were examined.

    ``ROUND_ARTICLES`` at a time: each round is what one run's call was when runs were small
    (the articles of earlier rounds are stored with their band keys, and found as partners
    like any earlier article), so a crawl of any size clusters in bounded memory."""
    changed = store.articles_needing_dedup(SCHEME)
    examined = len(changed)
    while changed:
        _cluster_round(store, changed[:ROUND_ARTICLES])
        del changed[:ROUND_ARTICLES]
    return examined


def _cluster_round(store, changed: list[tuple[str, str]]) -> None:
    """Cluster ``changed`` ((article_id, content_hash) rows) with their partners and clusters."""
    prepared = {article_id: _prepare(text) for article_id, text in store.article_texts([a for a, _ in changed])}
    bands = [(band, key, article_id) for article_id, (_, keys) in prepared.items() for band, key in keys]
    ids = [article_id for article_id, _ in changed]
    partners = store.dedup_partners(bands, exclude=ids)
    members = [Member(*row) for row in store.cluster_members(sorted(set(ids) | set(partners)))]
    assignments = cluster(members, prepared)
    store.save_dedup(
        SCHEME,
        [(article_id, content_hash, int(prepared[article_id][0].size)) for article_id, content_hash in changed],
        bands,
        [(a.cluster_id, a.is_canonical, a.article_id) for a in assignments],
    )
