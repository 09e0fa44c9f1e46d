"""Emerging terms: words in more of this week's stories than the trailing weeks would predict."""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import date, timedelta

#: Emerging terms: stories sampled this week and per baseline week, and terms shown.
TERMS_THIS_WEEK = 600
TERMS_PER_BASELINE_WEEK = 100
TERMS_SHOWN = 15
TERM_MIN_STORIES = 3

#: Common words that say nothing about a week (two characters or more; single
#: characters are never terms).
STOPWORDS = frozenset(
    "我们 他们 你们 这个 那个 一个 没有 进行 开展 推进 推动 工作 发展 建设 全面 进一步 以及 通过 表示"
    " 记者 今年 目前 相关 实现 提升 加强 其中 已经 同时 不断 持续 各类 有关 方面 问题 情况 主要 重要"
    " 他说 她说 介绍 据悉 了解 据了解 此外 因此 所以 但是 如果 可以 能够 需要 一些 这些 那些 以来"
    " 下一步 来自 此次 活动 参加 举行 召开 会议 强调 指出 要求 坚持 围绕 进入 成为 之间 以上 以下".split()
)

_CJK = re.compile(r"[\u4e00-\u9fff]")
_DIGITS = re.compile(r"^[\d.,%％年月日号]+$")


def _terms_of(text: str) -> set[str]:
    from ..searchwords import tokenizer

    out = set()
    for word in tokenizer().lcut(text, HMM=False):
        word = word.strip()
        if len(word) >= 2 and _CJK.search(word) and word not in STOPWORDS and not _DIGITS.match(word):
            out.add(word)
    return out


def emerging_terms(store, week_start: date, first_week: date
                   ) -> tuple[list[tuple[str, int, int, float, float]], tuple[int, int]]:
    """Words in more of this week's stories than the trailing baseline would predict.

    Reads a sample of stories (title and opening): up to TERMS_THIS_WEEK this
    week and TERMS_PER_BASELINE_WEEK per earlier week. A word's score is the
    log ratio of its story share this week to its smoothed baseline share.
    """
    now_docs = store.story_texts(week_start, week_start, TERMS_THIS_WEEK)
    base_docs = store.story_texts(first_week, week_start - timedelta(weeks=1), TERMS_PER_BASELINE_WEEK)
    now, base = Counter(), Counter()
    for _, title, text in now_docs:
        now.update(_terms_of(f"{title or ''}\n{(text or '')[:150]}"))
    for _, title, text in base_docs:
        base.update(_terms_of(f"{title or ''}\n{(text or '')[:150]}"))
    n_now, n_base = len(now_docs), len(base_docs)
    if not n_now:
        return [], (0, n_base)
    scored = []
    for term, count in now.items():
        if count < TERM_MIN_STORIES:
            continue
        share_now = count / n_now
        share_base = (base.get(term, 0) + 0.5) / (n_base + 1)
        score = math.log(share_now / share_base)
        if score > math.log(1.5):
            scored.append((score, term, count, base.get(term, 0), share_now, base.get(term, 0) / max(n_base, 1)))
    scored.sort(key=lambda s: (-s[0], -s[2], s[1]))
    return [(t, c, b, sn, sb) for _, t, c, b, sn, sb in scored[:TERMS_SHOWN]], (n_now, n_base)
