"""Quantity facts: every figure stated about a reform, with what it counts.

A figure is a number (Arabic or Chinese, with 万/亿), an optional range
(5-6所, 3至6所), qualifiers (超过, 逾, 近, 余, 以上 …) and a unit from
rules.toml. What it counts comes from the noun beside it: after the unit
("12个教育集团") or before the number ("组建教育集团12个"); a unit that cannot
say it alone (个, 名, 人次) needs such a noun, and a figure whose noun is not
a thing reforms are measured in (运动员, 平方米, 个县) is no fact. Figures are
kept in paragraphs that speak of a reform model, or in any paragraph of an
article that does (its figures on teachers and funds belong to the reform),
never in a paragraph about hospitals or companies.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .context import Sentence, best_model, model_counts, place_of, time_of
from .numbers import _CN, magnitude, parse_number
from .records import Fact, Place
from .rules import alternation, compiled, section

_RANGE_SEP = r"(?:-|－|—|–|~|～|至|到)"
_NUM = rf"(?:\d+(?:[,，]\d{{3}})*(?:\.\d+)?|[{_CN}]+)(?:[万亿](?![{_CN}\d]))?"
_PUNCT = re.compile(r"[，。；、：:,;（）()“”\"《》！？!?\s]")
_TARGET = re.compile(r"(?:到|至|截至)\s*(?:19|20)\d{2}\s*年(?!底前已|以来)|力争|目标|预计|计划|要求|原则上|不少于|不超过|将(?:新|组|建|达|实现|覆盖)")
#: What may follow a figure whose noun stands before it (教育集团12个，/ 教师52名参与 …).
_LINK_AFTER = re.compile(r"^(?:的|和|及|与|或|等|以上|左右|之多|参加|参与|到|在|从|被|为|是|已|均|全部|分别|共|，|。|；|、)")
_SIX_BIG = re.compile(rf"(?P<num>[{_CN}\d]+)大(?P<noun>教育集团|集团|学区|教联体|共同体|联盟|片区)")


@lru_cache(maxsize=1)
def _compiled():
    nums = section("numbers")
    q = section("quantities")
    before = alternation(p for _, p in nums["qualifier_before"])
    after = alternation(p for _, p in nums["qualifier_after"])
    units = sorted(q["units"], key=lambda u: -len(u[0]))
    unit_alt = "|".join(re.escape(u[0]) for u in units)
    figure = re.compile(
        rf"(?P<before>{before})?(?P<bare>(?:{nums['bare_magnitude']})[十百千万亿](?=[余多]?(?:{unit_alt})))?"
        rf"(?(bare)|(?P<num>{_NUM})(?:{_RANGE_SEP}(?P<max>{_NUM}))?)"
        rf"(?P<after1>{after})?(?P<unit>{unit_alt})(?P<after2>以上|以内|以下|左右|之多)?"
    )
    return {
        "figure": figure,
        "before": [(name, re.compile(f"(?:{p})$")) for name, p in nums["qualifier_before"]],
        "after": [(name, re.compile(f"^(?:{p})")) for name, p in nums["qualifier_after"]],
        "units": {u[0]: (u[1], u[2]) for u in units},
        "counted": [(name, re.compile(p)) for name, p in q["counted"]],
        "accepts": {u: set(c.split()) for u, c in q["unit_accepts"]},
        "not_before": re.compile(f"(?:{q['not_a_fact_before']})$"),
        "not_after": re.compile(q["not_counted_after"]),
        "not_before_noun": re.compile(q["not_counted_before"]),
        "share_before": re.compile(q["share_before"]),
        "share_after": re.compile(q["share_after"]),
        "window": int(q["noun_window"]),
    }


def _qualifier(before: str | None, after: str | None) -> str | None:
    c = _compiled()
    for text, table in ((before, c["before"]), (after, c["after"])):
        if text:
            for name, pattern in table:
                if pattern.search(text):
                    return name
    return None


def _noun_after(sentence: str, end: int) -> str:
    window = sentence[end:end + _compiled()["window"]]
    cut = _PUNCT.search(window)
    return window[: cut.start()] if cut else window


def _noun_before(sentence: str, start: int) -> str:
    window = sentence[max(0, start - _compiled()["window"]):start]
    cuts = list(_PUNCT.finditer(window))
    return window[cuts[-1].end():] if cuts else window


def _nearest_before(noun: str, allowed: set[str]) -> str | None:
    """The allowed counted thing whose word ends last in the noun before the figure."""
    best = None
    for name, pattern in _compiled()["counted"]:
        if name in allowed:
            for m in pattern.finditer(noun):
                if best is None or m.end() > best[1]:
                    best = (name, m.end())
    return best[0] if best else None


def _counted(unit: str, default: str, sentence: str, start: int, end: int) -> tuple[str | None, str]:
    """(counted thing, the noun that says it) of a figure; (None, "") when it counts nothing of a reform."""
    c = _compiled()
    after = _noun_after(sentence, end)
    before = _noun_before(sentence, start)
    accepts = c["accepts"].get(unit) or ({default} if default else set())
    if not accepts:
        return None, ""
    # The noun right after the unit decides ("12个教育集团", "1600多所县中") …
    best = None
    for name, pattern in c["counted"]:
        if name in accepts:
            m = pattern.search(after[:8])
            if m and m.start() <= 2 and (best is None or m.start() < best[1]):
                best = (name, m.start(), m.end())
    if best:
        return best[0], after[: best[2]]
    # … else the figure must not count places, projects or outsiders ("试点县35个", "12个大项") …
    if c["not_after"].search(after) or (default != "share" and c["not_before_noun"].search(before)):
        return None, ""
    if unit not in c["accepts"]:
        if default == "share" and not (c["share_before"].search(before) or c["share_after"].search(after)):
            return None, ""  # 下跌12%: a change, not a share of schools or teachers
        return default, before[-6:] if default != "share" else before[-6:]
    # A noun after the unit that is none of the things it may count (1个学位, 5个城市) ends it …
    if after and not _LINK_AFTER.match(after):
        return None, ""
    # … else the nearest counted noun before it ("组建教育集团12个", "交流教师285名") says what it counts.
    found = _nearest_before(before, accepts)
    return (found, before[-8:]) if found else (None, "")


def facts_in_sentence(sentence: Sentence, *, model: str | None, place: Place,
                      published_year: int | None) -> list[Fact]:
    c = _compiled()
    text = sentence.text
    out: list[Fact] = []
    for m in _SIX_BIG.finditer(text):  # 6大教育集团: six alliances
        value = parse_number(m.group("num"))
        if value and value > 1:
            out.append(_fact(value, None, "个", "alliances", None, m.group(), sentence, m.start(),
                             model, place, published_year, m.group("noun")))
    for m in c["figure"].finditer(text):
        start = m.start("num") if m.group("num") else m.start("bare")
        if c["not_before"].search(text[max(0, start - 2):start]) or (start and text[start - 1].isdigit()):
            continue
        written_unit = m.group("unit")
        unit, default = c["units"][written_unit]
        if m.group("bare"):
            value = magnitude(m.group("bare")[-1])
            value_max = None
            qualifier = _qualifier(m.group("bare")[:-1], None) or "about"
        else:
            raw = m.group("num")
            if raw in ("一", "两", "二") and not m.group("max") and written_unit in (
                    "所", "个", "名", "位", "对", "次", "场", "节", "人"):
                continue  # 以一所优质学校为龙头: "a school", not a count
            value = parse_number(raw)
            value_max = parse_number(m.group("max")) if m.group("max") else None
            qualifier = _qualifier(m.group("before"), m.group("after1") or m.group("after2"))
        if value is None:
            continue
        if written_unit in ("元", "亿元", "万元"):
            factor = {"元": 1e-4, "万元": 1.0, "亿元": 1e4}[written_unit]
            value *= factor
            value_max = value_max * factor if value_max is not None else None
        if unit == "%" and value > 100:
            continue
        counted, noun = _counted(written_unit, default, text, m.start(), m.end())
        if counted is None:
            continue
        out.append(_fact(value, value_max, unit, counted, qualifier, m.group(), sentence, start,
                         model, place, published_year, noun))
    return out


def _fact(value, value_max, unit, counted, qualifier, written, sentence: Sentence, start, model, place,
          published_year, noun) -> Fact:
    year, period = time_of(sentence.text, published_year)
    return Fact(
        value=round(value, 4), unit=unit, counted=counted, qualifier=qualifier,
        value_max=round(value_max, 4) if value_max is not None else None,
        model=model, place=place_of(sentence.text, place), year=year, period=period,
        target=bool(_TARGET.search(sentence.text)), as_written=written, noun=noun, sentence=sentence.text.strip(),
        paragraph=sentence.paragraph, offset=sentence.start + start,
    )


def _vetoed(text: str, key: str) -> bool:
    return compiled(section("models")[key]).search(text) is not None


def extract_facts(paras: list[tuple[int, int, str, list[Sentence]]], *, article_model: str | None,
                  article_relevant: bool, place: Place, published_year: int | None) -> list[Fact]:
    """paras: (index, offset, text, sentences) of the article's paragraphs.

    A paragraph with no model of its own counts when the article is about one; a paragraph
    about hospitals or companies, and a sentence about 学区房 or 课后托管, never.
    """
    out: list[Fact] = []
    seen: set[tuple] = set()
    for _, _, text, sents in paras:
        para_counts = model_counts(text)
        if not para_counts and (not article_relevant or _vetoed(text, "veto_paragraph")):
            continue
        for s in sents:
            if _vetoed(s.text, "veto_paragraph") or _vetoed(s.text, "veto_spans"):
                continue
            model = best_model(model_counts(s.text), para_counts) or article_model
            for fact in facts_in_sentence(s, model=model, place=place, published_year=published_year):
                # the same figure of the same thing said twice (lead and body) is one fact
                said = (fact.value, fact.value_max, fact.unit, fact.counted, fact.as_written, fact.noun)
                if said not in seen:
                    seen.add(said)
                    out.append(fact)
    return out
