"""The words of search: one tokenizer for the index and for the queries.

Two kinds of words come out of a text here:

- ``words``: the words a reader sees (jieba's precise mode, plus the dictionary
  words inside long ones), used to keep only articles in which a query's word
  stands as a word (学区 not inside 学区房) and to rank them;
- ``index_terms``: every dictionary word of two characters or more that occurs
  anywhere in the text (all the words of jieba's word graph over each run of
  Chinese characters), with how often it occurs (non-overlapping, as
  ``str.count`` and the scan count). An article holds a query word as a
  substring exactly when the word is one of its index terms, so the index finds
  what the text scan finds, no more and no less.

Both read the text in the same script as the query (the normalized text is
Simplified; queries are converted with ``to_simplified``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

#: Terms of the field that jieba's dictionary lacks or splits (教联体 → 教/联体),
#: and their false friends, kept whole so they do not match the shorter word.
DOMAIN_WORDS: tuple[str, ...] = (
    "教联体", "教共体", "集团化办学", "教育集团", "集团校", "紧密型", "名校+", "一校多区",
    "学区制", "大学区", "学区化", "学区长", "片区", "联片教研", "城乡教育共同体", "城乡学校共同体",
    "教育共同体", "学校共同体", "结对帮扶", "结对互助", "委托管理", "山海协作", "互助共同体",
    "教育联合体", "家校社", "协同育人", "优质均衡", "学区房", "医共体", "医联体", "职教集团",
)

#: Changes whenever what ``index_terms`` returns for a text changes (the words above,
#: jieba's dictionary, the rules below): articles indexed by another version count
#: as unindexed until `edualliance index` redoes them.
TOKENIZER_VERSION = "jieba-dag-1:" + str(len(DOMAIN_WORDS))

_WORDISH = re.compile(r"[\w+]", re.UNICODE)
#: A run of Chinese characters, as jieba cuts blocks (its re_han without ASCII): a
#: dictionary word of Chinese characters lies inside one run.
_HAN_RUN = re.compile("[\u4E00-\u9FD5]+")
#: Long words whose parts are not looked up apart (a 学区房 article is not about 学区).
_WHOLE_ONLY = ("学区房", "医共体", "医联体")


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


def to_simplified(text: str) -> str:
    """Text in the script the normalized text is in (opencc t2s)."""
    from .normalize import _t2s

    return _t2s().convert(text)


def words(text: str) -> list[str]:
    """Whole words of ``text`` (precise mode), plus the dictionary words inside long ones
    (城乡教育共同体 also yields 城乡, 教育, 共同体: each once per long word), the way a
    reader would look them up."""
    tok = tokenizer()
    out = []
    for word in tok.lcut(text, HMM=False):
        if not _WORDISH.search(word):
            continue
        out.append(word)
        if len(word) > 3 and word not in _WHOLE_ONLY:
            parts = []
            for size in (2, 3):
                for i in range(len(word) - size + 1):
                    part = word[i:i + size]
                    if tok.FREQ.get(part) and part not in parts:
                        parts.append(part)
            out.extend(parts)
    return out


def word_counts(text: str, wanted: Iterable[str]) -> list[int]:
    """How often each wanted word occurs in ``words(text)``, segmenting only the blocks that
    hold one of them: jieba cuts each block (a run between punctuation and spaces) on its
    own, so the counts are those of the whole text at a fraction of the cost."""
    import jieba

    wanted = list(wanted)
    counts = dict.fromkeys(wanted, 0)
    for block in jieba.re_han_default.split(text):
        if block and any(word in block for word in wanted):
            for word in _block_words(block):
                if word in counts:
                    counts[word] += 1
    return [counts[word] for word in wanted]


@lru_cache(maxsize=50_000)
def _block_words(block: str) -> tuple[str, ...]:
    """``words`` of one block, cached: a story's reposts are among the candidates together."""
    return tuple(words(block))


@lru_cache(maxsize=200_000)
def _run_terms(run: str) -> tuple[tuple[str, int], ...]:
    """(dictionary word, non-overlapping occurrences) for one run of Chinese characters.
    Cached: runs (clauses between punctuation) recur across articles and reposts."""
    freq = tokenizer().FREQ
    last_end: dict[str, int] = {}
    counts: dict[str, int] = {}
    n = len(run)
    for start in range(n - 1):
        end = start + 2
        frag = run[start:end]
        while frag in freq:  # jieba's prefix dictionary: every prefix of a word is a key
            if freq[frag] and start >= last_end.get(frag, 0):
                counts[frag] = counts.get(frag, 0) + 1
                last_end[frag] = end
            if end >= n:
                break
            end += 1
            frag = run[start:end]
    return tuple(counts.items())


def _add_terms(text: str, weight: int, into: dict[str, int]) -> None:
    for run in _HAN_RUN.findall(text):
        if len(run) > 1:
            for term, count in _run_terms(run):
                into[term] = into.get(term, 0) + count * weight


def index_terms(title: str | None, text: str) -> dict[str, int]:
    """Dictionary word → occurrences in ``text`` plus twice those in ``title`` (a title
    counts double, as in ranking)."""
    tokenizer()
    terms: dict[str, int] = {}
    _add_terms(text, 1, terms)
    if title:
        _add_terms(title, 2, terms)
    return terms


def lookup_keys(term: str) -> tuple[tuple[str, ...], bool]:
    """(index terms every article holding ``term`` holds, exact). Exact: ``term`` is itself
    an index term, so the index gives its articles and counts; otherwise the keys (the
    dictionary words inside it) only narrow the articles down and the text is checked."""
    freq = tokenizer().FREQ
    if _HAN_RUN.fullmatch(term) and len(term) > 1 and freq.get(term):
        return (term,), True
    keys: dict[str, int] = {}
    _add_terms(term, 1, keys)
    return tuple(keys), False


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """What the index holds for one article's current text."""

    article_id: str
    content_hash: str
    text_bytes: int  # UTF-8 length of the normalized text, as DuckDB's strlen counts it
    terms: dict[str, int]


def index_entry(article_id: str, content_hash: str, title: str | None, text: str) -> IndexEntry:
    return IndexEntry(article_id, content_hash, len(text.encode("utf-8")), index_terms(title, text))


def index_entries(rows: Iterable[tuple[str, str, str | None, str]]) -> list[IndexEntry]:
    """Entries for (article_id, content_hash, title, normalized text) rows."""
    return [index_entry(*row) for row in rows]
