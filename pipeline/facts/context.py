"""What surrounds a statement: its paragraph, sentence, reform model, place and time.

The model of a paragraph comes from the taxonomy's constructions
(``models/patterns.py``), counted per paragraph after the boundary cases of
docs/taxonomy.md are taken out (学区房, 课后托管, 职业教育集团 …); a paragraph
about hospitals or companies has no model. The classifier scores whole
articles and exposes no per-paragraph evidence, so this is the finer signal.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from edualliance.models.patterns import PATTERNS
from ..records import LABELS
from ..region import find_region
from .records import Place
from .rules import compiled, section

#: Sentence ends: a figure belongs to the sentence it is in, not to the paragraph.
_SENTENCE = re.compile(r"[^。！？；!?;\n]*[。！？；!?;]?")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_PERIOD = re.compile(r"(?:截至|截止|到|至)?(?:19|20)\d{2}\s*年(?:底|末|上半年|下半年|秋季|春季|年底|\d{1,2}月)?"
                     r"|近[一二三四五两十\d]+年|[一二三四五两十\d]+年来|今年|去年|上年|本学年|本学期|目前|截至目前")


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    paragraph: int
    start: int  # offset in the article's normalized text


@lru_cache(maxsize=1)
def _model_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    wanted = section("models")
    by_name = dict(PATTERNS)
    out = []
    for label in LABELS:
        for name in wanted[label]:
            if name not in by_name:
                raise ValueError(f"pipeline/facts/rules.toml [models] {label}: no pattern named {name!r} "
                                 "in models/patterns.py")
            out.append((label, re.compile(by_name[name])))
    return tuple(out)


def model_counts(text: str) -> Counter:
    """label → matches of its constructions in a text, boundary cases excluded."""
    return Counter(dict(_model_counts(text)))


@lru_cache(maxsize=4096)  # a paragraph is read for relevance, facts and alliances: count it once
def _model_counts(text: str) -> tuple[tuple[str, int], ...]:
    rules = section("models")
    if compiled(rules["veto_paragraph"]).search(text):
        return ()
    text = compiled(rules["veto_spans"]).sub("　", text)
    counts: Counter = Counter()
    for label, pattern in _model_patterns():
        n = len(pattern.findall(text))
        if n:
            counts[label] += n
    return tuple(counts.items())


def best_model(*counts: Counter) -> str | None:
    """The label with most matches in the first non-empty count (sentence before paragraph)."""
    for c in counts:
        if c:
            top = max(c.values())
            return next(label for label in LABELS if c.get(label) == top)
    return None


def paragraphs(text: str) -> list[tuple[int, str]]:
    """(offset, paragraph) for each non-empty line."""
    out, offset = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append((offset, line))
        offset += len(line) + 1
    return out


def sentences(paragraph: str, index: int, start: int) -> list[Sentence]:
    out = []
    for m in _SENTENCE.finditer(paragraph):
        if m.group().strip():
            out.append(Sentence(m.group(), index, start + m.start()))
    return out


def place_of(text: str, default: Place) -> Place:
    """The place a sentence names, at the level it names it (浙江全省 → the province); else the article's."""
    return _named_place(text) or default


@lru_cache(maxsize=1)
def _place_names():
    """An Aho-Corasick automaton of the gazetteer's names (full and short forms), for a quick
    "does this sentence name any place" before the gazetteer's weighted scan."""
    import ahocorasick  # pyahocorasick: installed with cpca, the gazetteer's package

    from ..region import _index  # the names find_region matches

    automaton = ahocorasick.Automaton()
    for name in _index()[0]:
        automaton.add_word(name, None)
    automaton.make_automaton()
    return automaton


@lru_cache(maxsize=4096)  # the gazetteer scan is the costliest step: once per sentence
def _named_place(text: str) -> Place | None:
    if next(_place_names().iter(text), None) is None:
        return None  # most figures' sentences name no place (全省共建成…): skip the scan
    region = find_region(None, text)
    if region is None or not region.province:
        return None
    return Place(region.province, region.city, region.county)


def time_of(text: str, published_year: int | None) -> tuple[int | None, str | None]:
    """(year, period as written) of a sentence: a year it names, else the article's year."""
    period = _PERIOD.search(text)
    years = [int(y) for y in _YEAR.findall(text)]
    if years:
        return max(years) if re.search(r"到\s*(?:19|20)\d{2}|至\s*(?:19|20)\d{2}", text) else years[-1], (
            period.group() if period else None)
    return published_year, period.group() if period else None
