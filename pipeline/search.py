"""Chinese full-text search over the normalized text, offline and segmentation-aware.

DuckDB has no full-text search offline here, and its fts extension cannot
segment Chinese. What measured best on a 1,000,000-article corpus (see
bench/bench_store.py): no index at all. The query is segmented with jieba
(with the reform models' terms added, so 教联体 or 集团化办学 stay one word);
DuckDB scans the normalized text for articles containing every word (a
columnar substring scan, filtered first by date and label) and ranks them by
BM25; the best candidates are then segmented with jieba too and re-ranked on
whole-word matches, so that a query for 学区 does not rank an article that only
says 学区房. A jieba-token inverted index would need every article segmented
at ~350k characters/s, minutes per million articles at every rebuild, for a
query time the scan already meets.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from .store import Store

#: Terms of the field that jieba's dictionary lacks or splits (教联体 → 教/联体),
#: and their false friends, kept whole so they do not match the shorter word.
DOMAIN_WORDS: tuple[str, ...] = (
    "教联体", "教共体", "集团化办学", "教育集团", "集团校", "紧密型", "名校+", "一校多区",
    "学区制", "大学区", "学区化", "学区长", "片区", "联片教研", "城乡教育共同体", "城乡学校共同体",
    "教育共同体", "学校共同体", "结对帮扶", "结对互助", "委托管理", "山海协作", "互助共同体",
    "教育联合体", "家校社", "协同育人", "优质均衡", "学区房", "医共体", "医联体", "职教集团",
)

#: Candidates fetched from the scan per result asked for, to re-rank on whole words;
#: fetched again four times as many (up to MAX_CANDIDATES) while too few survive.
OVERFETCH = 4
MAX_CANDIDATES = 5000

_SPACE = re.compile(r"\s+")
_WORDISH = re.compile(r"[\w+]", re.UNICODE)


@lru_cache(maxsize=1)
def tokenizer():
    """A jieba tokenizer of our own (the global one is left as the classifier knows it)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    for word in DOMAIN_WORDS:
        tok.add_word(word, freq=200000)
    return tok


def words(text: str) -> list[str]:
    """Whole words of ``text`` (precise mode), plus the dictionary words inside long ones
    (城乡教育共同体 also yields 城乡, 教育, 共同体), the way a reader would look them up."""
    tok = tokenizer()
    out = []
    for word in tok.lcut(text, HMM=False):
        if not _WORDISH.search(word):
            continue
        out.append(word)
        if len(word) > 3 and word not in ("学区房", "医共体", "医联体"):
            for size in (2, 3):
                for i in range(len(word) - size + 1):
                    part = word[i:i + size]
                    if tok.FREQ.get(part):
                        out.append(part)
    return out


def query_terms(query: str) -> list[str]:
    """The words to look for: each space-separated part, segmented; duplicates dropped."""
    terms: list[str] = []
    tok = tokenizer()
    for part in _SPACE.split(query.strip()):
        if not part:
            continue
        for word in tok.lcut(part, HMM=False):
            word = word.strip()
            if word and _WORDISH.search(word) and word not in terms:
                terms.append(word)
    return terms


@dataclass(frozen=True)
class Hit:
    article_id: str
    title: str | None
    published_at: datetime | None
    outlet: str | None
    region_province: str | None
    primary_label: str
    labels: tuple[str, ...]
    score: float
    snippet: str
    spans: tuple[tuple[int, int], ...]  # (start, end) of the matched terms in the snippet


@dataclass(frozen=True)
class SearchResult:
    query: str
    terms: tuple[str, ...]
    searched: int  # articles the filters left to search
    hits: tuple[Hit, ...]


def snippet(text: str, terms: list[str], width: int = 80) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A window of ``text`` around the first match of the rarest-looking (longest) term,
    with the positions of every term inside it."""
    flat = text.replace("\n", " ")
    positions = [(flat.find(t), t) for t in sorted(terms, key=len, reverse=True) if flat.find(t) >= 0]
    anchor = min((p for p, _ in positions), default=0)
    start = max(0, anchor - width // 4)
    end = min(len(flat), start + width)
    window = flat[start:end]
    spans = []
    for term in terms:
        for match in re.finditer(re.escape(term), window):
            spans.append((match.start(), match.end()))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(flat) else ""
    shift = len(prefix)
    return prefix + window + suffix, tuple((s + shift, e + shift) for s, e in merged)


def highlight(text: str, spans: tuple[tuple[int, int], ...], before: str = "【", after: str = "】") -> str:
    out, last = [], 0
    for s, e in spans:
        out += [text[last:s], before, text[s:e], after]
        last = e
    out.append(text[last:])
    return "".join(out)


def _rerank(rows: list[tuple], terms: list[str]) -> list[tuple[float, int, tuple]]:
    """Candidates in which every term occurs as a word, scored on whole-word counts."""
    scored = []
    avg_len = sum(len(r[7]) for r in rows) / len(rows) if rows else 1.0
    for rank, row in enumerate(rows):
        title, text, bm25 = row[1], row[7], row[8]
        counts = Counter(words(f"{title or ''}\n{text}"))
        whole = [counts.get(t, 0) for t in terms]
        if not all(whole):  # a term only inside a longer word (学区 in 学区房)
            continue
        length = max(1, len(text))
        word_score = sum(c * 2.2 / (c + 1.2 * (0.25 + 0.75 * length / avg_len)) for c in whole)
        scored.append((float(bm25) * word_score / len(terms), -rank, row))
    return scored


def search(store: Store, query: str, *, since: datetime | None = None, until: datetime | None = None,
           label: str | None = None, limit: int = 20) -> SearchResult:
    """Articles matching every word of ``query``, best first, with snippets."""
    terms = query_terms(query)
    if not terms:
        return SearchResult(query, (), 0, ())
    fetch = limit * OVERFETCH
    while True:
        searched, rows = store.search_candidates(terms, since=since, until=until, label=label, limit=fetch)
        scored = _rerank(rows, terms)
        # Too many candidates held a term only inside longer words: look further down.
        if len(scored) >= limit or len(rows) < fetch or fetch >= MAX_CANDIDATES:
            break
        fetch = min(fetch * 4, MAX_CANDIDATES)
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    hits = []
    for score, _, row in scored[:limit]:
        article_id, title, published, outlet, province, primary, labels, text, _ = row
        snip, spans = snippet(text, terms)
        hits.append(Hit(article_id, title, published, outlet, province, primary, tuple(labels or ()),
                        round(score, 4), snip, spans))
    return SearchResult(query, tuple(terms), searched, tuple(hits))
