"""Near-duplicate clusters: reposts of one story across sites get one cluster id.

Texts are compared as sets of character shingles of the normalized text
(Simplified, pinyin annotations gone, punctuation and spaces dropped):
unsegmented Chinese has no word boundaries, so whitespace-token methods
such as Simhash see one token per paragraph. MinHash signatures and LSH
(datasketch) find candidate pairs without comparing every pair; each pair is
then confirmed on the exact shingle sets. The earliest-published member is
canonical, and its article_id is the cluster id.

Runs are incremental: the store keeps each examined article's LSH bands
(migration 0006), so a run computes signatures only for new and changed
articles, finds their look-alikes among the stored ones by a join on the
bands, and re-clusters just those articles with the clusters they touch. The
result is the same as clustering the whole corpus again: an old pair of
look-alikes is always inside one cluster, and every touched cluster is
re-clustered whole.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

#: Characters per shingle: long enough that two unrelated texts on the same
#: topic (教育, 均衡发展 …) share few, short enough that edits break few.
SHINGLE = 5

#: MinHash permutations: the estimate's error is about 1/sqrt(128) ≈ 0.09.
NUM_PERM = 128

#: LSH candidate threshold (estimated Jaccard), below the confirmation
#: thresholds so that true pairs are not missed.
LSH_THRESHOLD = 0.4

#: A pair is a repost when its shingle sets overlap this much (Jaccard) ...
JACCARD = 0.5
#: ... or when the shorter text lies this much inside the longer (a repost cut
#: short, or one with an added paragraph).
CONTAINMENT = 0.8

#: Texts shorter than this many shingles are not clustered: a two-line notice
#: matches every other copy of the same boilerplate.
MIN_SHINGLES = 20

#: Names the settings above in the store: bands made under another scheme are made again.
SCHEME = f"shingle{SHINGLE}-perm{NUM_PERM}-lsh{LSH_THRESHOLD}"

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


def shingles(text: str) -> set[str]:
    compact = _DROP.sub("", text)
    return {compact[i:i + SHINGLE] for i in range(max(0, len(compact) - SHINGLE + 1))}


def _is_repost(a: set[str], b: set[str]) -> bool:
    overlap = len(a & b)
    union = len(a) + len(b) - overlap  # without building the union set
    return overlap / union >= JACCARD or overlap / min(len(a), len(b)) >= CONTAINMENT


def signature(shingle_set: set[str]):
    """The MinHash signature of a shingle set (datasketch's, with its fixed seed)."""
    from datasketch import MinHash

    sig = MinHash(num_perm=NUM_PERM)
    sig.update_batch([s.encode("utf-8") for s in shingle_set])
    return sig


@functools.lru_cache(maxsize=1)
def _band_ranges() -> tuple[tuple[int, int], ...]:
    from datasketch import MinHashLSH

    return tuple(MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM).hashranges)


def band_keys(sig) -> list[tuple[int, int]]:
    """(band, key): the bands MinHashLSH would hash, each as a signed 64-bit key for the store."""
    return [(band, int.from_bytes(hashlib.blake2b(sig.hashvalues[start:end].tobytes(), digest_size=8).digest(),
                                  "little", signed=True))
            for band, (start, end) in enumerate(_band_ranges())]


def cluster(members: Iterable[Member], signatures: dict | None = None) -> list[Assignment]:
    """One Assignment per member; singletons are their own canonical cluster.

    ``signatures`` may hold MinHash signatures already computed (by article_id).
    """
    from datasketch import MinHashLSH

    members = list(members)
    signatures = signatures or {}
    sets = {m.article_id: shingles(m.text_normalized) for m in members}
    parent = {m.article_id: m.article_id for m in members}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    for m in members:
        if len(sets[m.article_id]) < MIN_SHINGLES:
            continue
        sig = signatures.get(m.article_id)
        if sig is None:
            sig = signature(sets[m.article_id])
        for other in lsh.query(sig):
            if _is_repost(sets[m.article_id], sets[other]):
                parent[root(m.article_id)] = root(other)
        lsh.insert(m.article_id, sig)

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
    they touch, and write cluster_id/is_canonical; return how many articles were examined."""
    changed = store.articles_needing_dedup(SCHEME)
    if not changed:
        return 0
    sets = {article_id: shingles(text) for article_id, text, _, _ in changed}
    signatures = {article_id: signature(found) for article_id, found in sets.items() if len(found) >= MIN_SHINGLES}
    bands = [(band, key, article_id) for article_id, sig in signatures.items() for band, key in band_keys(sig)]
    ids = [article_id for article_id, *_ in changed]
    partners = store.dedup_partners(bands, exclude=ids)
    members = [Member(*row) for row in store.cluster_members(sorted(set(ids) | set(partners)))]
    assignments = cluster(members, signatures)
    store.save_dedup(
        SCHEME,
        [(article_id, content_hash, len(sets[article_id])) for article_id, _, _, content_hash in changed],
        bands,
        [(a.cluster_id, a.is_canonical, a.article_id) for a in assignments],
    )
    return len(changed)
