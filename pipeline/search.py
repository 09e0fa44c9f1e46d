"""Chinese full-text search over the normalized text, offline and segmentation-aware.

A query is converted to Simplified script first (教聯體 → 教联体, as the
normalized text is), quoted parts ("城乡教育共同体", “…”, 「…」) are phrases
that must occur as written, the rest is segmented into words that must all
occur. Reposts are merged: one hit per story (its best-ranked copy), with the
number of copies and the outlets that carried it.

DuckDB has no full-text search offline here, and its fts extension cannot
segment Chinese. The search index (migration 0014, ``searchwords.py``) holds,
for every article, each dictionary word that occurs in it and how often: a
query's words are looked up there, and only the articles holding all of them
are read (a phrase or a word the dictionary lacks narrows the articles to
those holding the dictionary words inside it, and their text is checked).
Articles the index does not cover yet (stored by a crawl, or bulk-loaded) are
scanned besides; a database without the index is scanned whole, and the
result says which (``SearchResult.method``). Either way the same articles come
out in the same order (tests/test_search_index.py). They are ranked by BM25's
term saturation on their own counts and length (title hits count double); the
best candidates are then segmented with jieba and re-ranked on whole-word
matches, so that a query for 学区 does not rank an article that only says
学区房.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from .searchwords import TOKENIZER_VERSION, lookup_keys, to_simplified, tokenizer, word_counts, words
from .store.research import SearchFilters

__all__ = ["Hit", "SearchResult", "highlight", "parse_query", "query_terms", "search", "snippet", "tokenizer",
           "words"]

#: Candidates fetched from the scan per result asked for, to re-rank on whole words;
#: fetched again four times as many (up to MAX_CANDIDATES) while too few survive.
OVERFETCH = 4
MAX_CANDIDATES = 5000

_SPACE = re.compile(r"\s+")
#: Quoted phrases: ASCII double quotes, Chinese curly quotes, corner brackets.
_PHRASE = re.compile(r'"([^"]+)"|“([^”]+)”|「([^」]+)」|『([^』]+)』')
_WORDISH = re.compile(r"[\w+]", re.UNICODE)

#: How a search found its articles (SearchResult.method).
BY_INDEX = "index"
NO_INDEX = "scan: this database has no search index (a snapshot from before migration 0014)"
NO_KEYS = "scan: the query has no word of two Chinese characters or more to look up"


def parse_query(query: str) -> tuple[list[str], list[str]]:
    """(words, phrases) of a query, in Simplified script: quoted parts are phrases
    (spaces inside dropped: Chinese is written without them), the rest words."""
    query = to_simplified(query)
    phrases: list[str] = []
    for match in _PHRASE.finditer(query):
        phrase = next(group for group in match.groups() if group is not None)
        phrase = _SPACE.sub("", phrase) if not re.search(r"[A-Za-z0-9]\s+[A-Za-z0-9]", phrase) else phrase.strip()
        if phrase and phrase not in phrases:
            phrases.append(phrase)
    rest = _PHRASE.sub(" ", query)
    return [w for w in query_terms(rest) if w not in phrases], phrases


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
    story_id: str = ""
    region_city: str | None = None
    sense: str | None = None
    url: str | None = None
    copies: int = 1  # articles in the story (the original and its reposts)
    outlets: tuple[str, ...] = ()  # outlets that carried the story


@dataclass(frozen=True)
class SearchResult:
    query: str
    terms: tuple[str, ...]  # words and phrases looked for (Simplified)
    searched: int  # articles the filters left to search
    hits: tuple[Hit, ...]  # one per story, best first
    phrases: tuple[str, ...] = ()
    method: str = BY_INDEX  # BY_INDEX, "index, and a scan of N unindexed articles", or why it scanned


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


def _rerank(rows: list[tuple], words_: list[str], phrases: list[str]) -> list[tuple[float, int, tuple]]:
    """Candidates in which every word occurs as a word (phrases as written), scored on
    whole-word counts."""
    scored = []
    text_at, title_at, score_at = 11, 2, 12
    avg_len = sum(len(r[text_at]) for r in rows) / len(rows) if rows else 1.0
    for rank, row in enumerate(rows):
        title, text, bm25 = row[title_at], row[text_at], row[score_at]
        whole = []
        if words_:
            whole = word_counts(f"{title or ''}\n{text}", words_)
            if not all(whole):  # a word only inside a longer word (学区 in 学区房)
                continue
        whole += [text.count(p) + (title or "").count(p) for p in phrases]
        length = max(1, len(text))
        n_terms = len(words_) + len(phrases)
        word_score = sum(c * 2.2 / (c + 1.2 * (0.25 + 0.75 * length / avg_len)) for c in whole)
        scored.append((float(bm25) * word_score / n_terms, -rank, row))
    return scored


def search(store, query: str, *, since: datetime | None = None, until: datetime | None = None,
           label: str | None = None, limit: int = 20, filters: SearchFilters | None = None,
           merge_stories: bool = True, scan: bool = False) -> SearchResult:
    """Stories (or, with ``merge_stories=False``, articles) matching every word and
    phrase of ``query``, best first, with snippets. ``scan``: read every text even
    where the index could answer (the reference the index is checked against)."""
    filters = filters or SearchFilters(since=since, until=until, label=label)
    words_, phrases = parse_query(query)
    terms = [*words_, *phrases]
    if not terms:
        return SearchResult(query, (), 0, ())
    lookup, method, unindexed = _plan(store, terms, scan)
    per_story = 3 if merge_stories else 1  # reposts take candidate places: fetch more
    fetch = limit * OVERFETCH * per_story
    while True:
        searched, rows = store.search_candidates(terms, filters, fetch, lookup, TOKENIZER_VERSION, unindexed)
        scored = _rerank(rows, words_, phrases)
        kept = _best_per_story(scored) if merge_stories else scored
        # Too many candidates held a term only inside longer words, or were copies: look further.
        if len(kept) >= limit or len(rows) < fetch or fetch >= MAX_CANDIDATES:
            break
        fetch = min(fetch * 4, MAX_CANDIDATES)
    kept.sort(key=lambda item: (item[0], item[1]), reverse=True)
    kept = kept[:limit]
    sizes = store.story_sizes([row[1] for _, _, row in kept]) if merge_stories else {}
    hits = []
    for score, _, row in kept:
        (article_id, story_id, title, published, outlet, province, city, primary, labels, sense, url, text,
         _score) = row
        snip, spans = snippet(text, terms)
        copies, outlets = sizes.get(story_id, (1, [outlet] if outlet else []))
        hits.append(Hit(article_id, title, published, outlet, province, primary, tuple(labels or ()),
                        round(score, 4), snip, spans, story_id, city, sense, url, copies, tuple(outlets)))
    return SearchResult(query, tuple(terms), searched, tuple(hits), tuple(phrases), method)


def _plan(store, terms: list[str], scan: bool) -> tuple[list | None, str, bool]:
    """(per-term index lookups or None to scan, how, whether unindexed articles are scanned besides)."""
    if scan:
        return None, "scan: asked for", False
    if not store.has_search_index():
        return None, NO_INDEX, False
    lookup = [lookup_keys(term) for term in terms]
    if not any(keys for keys, _ in lookup):
        return None, NO_KEYS, False
    status = store.search_index_status(TOKENIZER_VERSION)
    if status.complete:
        return lookup, BY_INDEX, False
    missing = status.articles - status.indexed
    return lookup, f"index, and a scan of {missing} unindexed articles (run `edualliance index`)", True


def _best_per_story(scored: list[tuple[float, int, tuple]]) -> list[tuple[float, int, tuple]]:
    """One candidate per story: the best-scored copy; among copies scored alike (reposts
    carry the same text), the earliest published, which is the original."""
    def key(item: tuple[float, int, tuple]) -> tuple:
        published = item[2][3]
        return (round(item[0], 6), -(published.timestamp() if published else float("inf")), item[1])

    best: dict[str, tuple[float, int, tuple]] = {}
    for item in scored:
        story = item[2][1]
        if story not in best or key(item) > key(best[story]):
            best[story] = item
    return list(best.values())
