"""Near-duplicate clusters: reposts of one story across sites get one cluster id.

Texts are compared as sets of character shingles of the normalized text
(Simplified, pinyin annotations gone, punctuation and spaces dropped):
unsegmented Chinese has no word boundaries, so whitespace-token methods
such as Simhash see one token per paragraph. MinHash signatures and LSH
(datasketch) find candidate pairs without comparing every pair; each pair is
then confirmed on the exact shingle sets. The earliest-published member is
canonical, and its article_id is the cluster id.
"""

from __future__ import annotations

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


def cluster(members: Iterable[Member]) -> list[Assignment]:
    """One Assignment per member; singletons are their own canonical cluster."""
    from datasketch import MinHash, MinHashLSH

    members = list(members)
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
        sig = MinHash(num_perm=NUM_PERM)
        sig.update_batch([s.encode("utf-8") for s in sets[m.article_id]])
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
    """Cluster every stored article and write cluster_id/is_canonical; return the number of clusters."""
    assignments = cluster(Member(*row) for row in store.articles_for_dedup())
    store.save_clusters([(a.cluster_id, a.is_canonical, a.article_id) for a in assignments])
    return len({a.cluster_id for a in assignments})
