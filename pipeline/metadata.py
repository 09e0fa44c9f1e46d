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
#: 7/5/2005 9:23:57 PM: ASP and IIS sites of the 2000s printed US-order dates.
_US_DATE = re.compile(
    r"(?<![\d/])(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>(?:19|20)\d{2})(?![\d/])"
    r"(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<ampm>[AP]M)?)?", re.I
)
_LABELLED_DATE = re.compile(r"(?:[发發]布|[发發]表|更新|成文|印[发發])?(?:[时時][间間]|日期)\s*[:：]")
_URL_DATE = re.compile(
    r"(?:/|t|_|-)((?:19|20)\d{2})[-_/]?(\d{2})[-_/]?(\d{2})(?=[_/.\-]|\d{0,10}[_/.])"
)
_URL_YEAR_MONTH_DAY = re.compile(r"/((?:19|20)\d{2})[-_]?(\d{2})/(\d{2})/")

#: 来源：光明日报客户端2024-04-12 15:04 — the outlet ends at a date, space or separator.
_OUTLET = re.compile(
    r"(?:[来來]源|稿源|出[处處]|[来來]自)\s*[:：]\s*(?P<outlet>[^\s\d|｜/【】\[\]<>()（）:：,，。]{2,30}?)"
    r"(?=\s|\d|$|[|｜/【】\[\]<>()（）:：,，。]|作者|[记記]者|[编編][辑輯]|[时時][间間]|[发發]布|日期|字[体号體號]|"
    r"[浏瀏][览覽]|[点點][击擊]|[阅閱][读讀])"
)
_REPOST = re.compile(r"(?:本文[转轉]自|[转轉][载載]自|[转轉]自|本文[来來]源于|本文[来來]自)\s*[:：]?\s*(?P<outlet>[^\s,，。|｜:：（）()]{2,30})")
_NAME = r"[\u3400-\u9fff·]{2,4}"
_AUTHOR = re.compile(
    r"(?:(?:全媒体|融媒体|全媒[体體]|融媒[体體]|特约|特約|首席|本报|本報|本刊|实习|實習)?[记記]者|作者|撰稿|文\s*[/|｜]|文\s*[:：]|通[讯訊]员|通[讯訊]員|采写|採寫|撰文)"
    rf"\s*[:：/]?\s*(?P<author>{_NAME}(?:\s*[、，,和]\s*{_NAME})*)"
    r"(?=[\s)）】\]、，,。;；|/]|$|报道|摄|通[讯訊]员|实习生)"
)
#: Words that follow 记者 but are not names (记者从市教育局获悉, 记者近日).
_NOT_NAME = re.compile(r"^(?:从|在|近日|日前|获悉|了解|采访|跟随|来到|走进|调查|注意|发现|昨天|今天|前往)")
_NAME_TAIL = re.compile(r"(?:报道|摄影?|采访|获悉|通讯员|实习生|记者)$")
_NAME_SEPARATOR = re.compile(r"\s*[、，,和]\s*")
_WEEKDAY = re.compile(r"^(?:星期|周)")


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
    us = _US_DATE.search(text)
    if us and (best is None or us.start() < best[0]):
        hour = us["H"]
        if hour is not None and us["ampm"]:
            hour = str(int(hour) % 12 + (12 if us["ampm"].upper() == "PM" else 0))
        iso = _iso(int(us["y"]), int(us["m"]), int(us["d"]), hour, us["M"], us["S"])
        if iso:
            best = (us.start(), iso)
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


#: 来源：本站原创 / 本网 says the page is the site's own: no outlet named.
_OWN_SITE = re.compile(r"^(?:本站|本网|原创|网络|互联网|未知)")


def outlet(text: str) -> str | None:
    match = _OUTLET.search(text)
    if not match or _OWN_SITE.match(match["outlet"]):
        return None
    return match["outlet"].strip()


#: A short name standing alone beside the date line (portals print the outlet
#: without a label: "2019年11月25日 18:57 参考消息", "原创 南方都市报 2019-09-09").
_BARE_NAME = re.compile(r"^[\u3400-\u9fffA-Za-z][\u3400-\u9fffA-Za-z0-9·\-]{1,14}$")
_DATE_NOISE = re.compile(r"原创|转载|\[[^\]]{0,6}\]|【[^】]{0,6}】|[|｜]")


def outlet_beside_date(lines: list[str]) -> str | None:
    """The outlet printed without 来源： next to the date line (same line, or the line after)."""
    for i, line in enumerate(lines):
        date = _ARABIC_DATE.search(line) or _HAN_DATE.search(line)
        if not date:
            continue
        rest = _DATE_NOISE.sub(" ", line[: date.start()] + " " + line[date.end():]).split()
        if len(rest) == 1 and _BARE_NAME.match(rest[0]) and not _WEEKDAY.match(rest[0]):
            return rest[0]
        if not rest and i + 1 < len(lines) and _BARE_NAME.match(lines[i + 1]):
            return lines[i + 1]
        return None
    return None


def reposted_from(text: str) -> str | None:
    match = _REPOST.search(text)
    return match["outlet"].strip() if match else None


def author(text: str) -> str | None:
    """Reporters and authors (记者 X、Y, 作者：X, 文/X, 通讯员 X), joined with 、."""
    names: list[str] = []
    for match in _AUTHOR.finditer(text):
        for name in _NAME_SEPARATOR.split(match["author"]):
            name = _NAME_TAIL.sub("", name)
            if len(name) >= 2 and not _NOT_NAME.match(name) and name not in names:
                names.append(name)
    return "、".join(names) or None
