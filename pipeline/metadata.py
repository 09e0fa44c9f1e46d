"""Metadata from the lines around a Chinese article: date, outlet, repost source, author.

Pure functions on strings. Dates come in every form Chinese pages print
(2024-04-12 15:04, 2023年3月15日, 二〇二三年三月十五日, 发布时间：…, a 来源 line
with the date glued on, t20230315_ in government URLs); htmldate reads
2023年3月15日 as 2023-01-01, so it is not used.
"""

from __future__ import annotations

import re

_HAN_DIGIT = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}

_ARABIC_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})(?!\d)\s*日?"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{2})(?:\s*[:：分]\s*(?P<S>\d{2}))?)?"
)
_HAN_DATE = re.compile(
    r"(?P<y>[〇零○一二三四五六七八九]{4})\s*年\s*(?P<m>十[一二]?|[一二三四五六七八九])\s*月"
    r"\s*(?P<d>三十[一]?|二?十[一二三四五六七八九]?|[一二三四五六七八九])\s*日"
)
_LABELLED_DATE = re.compile(r"(?:发布|发表|更新|成文|印发)?(?:时间|日期)\s*[:：]")
_URL_DATE = re.compile(
    r"(?:/|t|_|-)((?:19|20)\d{2})[-_/]?(\d{2})[-_/]?(\d{2})(?=[_/.\-]|\d{0,10}[_/.])"
)
_URL_YEAR_MONTH_DAY = re.compile(r"/((?:19|20)\d{2})[-_]?(\d{2})/(\d{2})/")

#: 来源：光明日报客户端2024-04-12 15:04 — the outlet ends at a date, space or separator.
_OUTLET = re.compile(
    r"(?:来源|稿源|出处|来自)\s*[:：]\s*(?P<outlet>[^\s\d|｜/【】\[\]<>()（）:：,，。]{2,30}?)"
    r"(?=\s|\d|$|[|｜/【】\[\]<>()（）:：,，。]|作者|记者|编辑|时间|发布|日期)"
)
_REPOST = re.compile(r"(?:本文转自|转载自|转自|本文来源于|本文来自)\s*[:：]?\s*(?P<outlet>[^\s,，。|｜:：（）()]{2,30})")
_NAME = r"[\u3400-\u9fff·]{2,4}"
_AUTHOR = re.compile(
    r"(?:(?:全媒体|融媒体|特约|首席|本报|本刊|实习)?记者|作者|撰稿|文\s*[/|｜]|文\s*[:：]|通讯员|采写|撰文)"
    rf"\s*[:：/]?\s*(?P<author>{_NAME}(?:\s*[、，,和]\s*{_NAME})*)"
)
#: Words that follow 记者 but are not names (记者从市教育局获悉, 记者近日).
_NOT_NAME = re.compile(r"^(?:从|在|近日|日前|获悉|了解|采访|跟随|来到|走进|调查|注意|发现|昨天|今天|前往)")
_NAME_TAIL = re.compile(r"(?:报道|摄影?|采访|获悉|通讯员|实习生|记者)$")


def _han_number(text: str) -> int:
    """十 → 10, 十五 → 15, 二十三 → 23, 三十 → 30 (month and day numerals)."""
    if "十" not in text:
        return _HAN_DIGIT[text]
    tens, _, ones = text.partition("十")
    return (_HAN_DIGIT[tens] if tens else 1) * 10 + (_HAN_DIGIT[ones] if ones else 0)


def _iso(y: int, m: int, d: int, hh: str | None = None, mm: str | None = None,
         ss: str | None = None) -> str | None:
    if not (1990 <= y <= 2100 and 1 <= m <= 12 and 1 <= d <= 31):
        return None
    if hh is None or int(hh) > 23 or int(mm or 0) > 59:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return f"{y:04d}-{m:02d}-{d:02d}T{int(hh):02d}:{int(mm):02d}:{int(ss or 0):02d}"


def find_date(text: str) -> str | None:
    """The first date in the text, as ISO 8601 (date, or date and time); None if none."""
    best: tuple[int, str] | None = None
    for match in _ARABIC_DATE.finditer(text):
        iso = _iso(int(match["y"]), int(match["m"]), int(match["d"]), match["H"], match["M"], match["S"])
        if iso:
            best = (match.start(), iso)
            break
    han = _HAN_DATE.search(text)
    if han and (best is None or han.start() < best[0]):
        year = int("".join(str(_HAN_DIGIT[c]) for c in han["y"]))
        iso = _iso(year, _han_number(han["m"]), _han_number(han["d"]))
        if iso:
            best = (han.start(), iso)
    return best[1] if best else None


def labelled_date(text: str) -> str | None:
    """A date after 发布时间：/ 日期： (the page's own statement), else None."""
    for match in _LABELLED_DATE.finditer(text):
        found = find_date(text[match.end(): match.end() + 40])
        if found:
            return found
    return None


def url_date(url: str | None) -> str | None:
    """Dates in URLs: /2023-03/15/, t20230315_123.html, /20230315/, 2019-11-25/doc-…"""
    if not url:
        return None
    for pattern in (_URL_YEAR_MONTH_DAY, _URL_DATE):
        match = pattern.search(url)
        if match:
            iso = _iso(*(int(g) for g in match.groups()))
            if iso:
                return iso
    return None


def outlet(text: str) -> str | None:
    match = _OUTLET.search(text)
    return match["outlet"].strip() if match else None


def reposted_from(text: str) -> str | None:
    match = _REPOST.search(text)
    return match["outlet"].strip() if match else None


def author(text: str) -> str | None:
    """Reporters and authors (记者 X、Y, 作者：X, 文/X, 通讯员 X), joined with 、."""
    names: list[str] = []
    for match in _AUTHOR.finditer(text):
        for name in re.split(r"\s*[、，,和]\s*", match["author"]):
            name = _NAME_TAIL.sub("", name)
            if len(name) >= 2 and not _NOT_NAME.match(name) and name not in names:
                names.append(name)
    return "、".join(names) or None
