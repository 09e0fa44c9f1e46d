"""The province / city / county an article is about, from its title and lead.

Gazetteer: the administrative-division table that the ``cpca`` package ships
(MIT, installs offline from PyPI with its data inside; read as a file, so
cpca's own matcher and its pandas import are not needed at run time).

Names are matched in full (乐都区, 海东市, 青海省) and in short form (乐都, 海东,
青海) in the title and the first lines of the body, weighted by position: the
title counts most, and earlier mentions count more than later ones. A county
supports its city and province, a city its province; the best province is
chosen first, then the best city inside it, then a county inside that city
only when one county clearly leads. Short forms that are common words (合作,
城区, 前进) are stopped, and a name directly followed by 小学/中学/路/… names a
school or street, not the place (朝阳小学). Anonymised places (xx区, 某区)
give no region at all. National news (a national body or meeting as the
headline's subject: 教育部印发…, 全国教育工作会议在北京召开) is level
``national`` with no province; the venue of a meeting (在X召开) is not its region.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from .rules import _rules

#: How much of the body after the title is read: the lead says where the story is.
LEAD_CHARS = 200

#: A mention in the title weighs this many lead mentions.
TITLE_WEIGHT = 3.0

#: Weight lost per character of distance into the lead (a mention at the end of
#: the lead still counts half).
POSITION_DECAY = 0.5 / LEAD_CHARS

#: A county is named only if it has at least this share of its city's county
#: evidence: an article listing several districts is about the city, while a
#: county in the title (weight 3) outweighs one other county in the lead.
COUNTY_LEAD_SHARE = 0.75

#: Short forms (the name without 省/市/区/县) that are everyday words: data in rules.toml.
STOP_SHORT = frozenset(_rules()["region"]["stop_short"].split())

#: A name right before one of these names a school, street or company, not the place.
_NOT_PLACE_AFTER = re.compile(
    r"^(?:第[一二三四五六七八九十\d]{1,3})?(?:小学|中学|学校|幼儿园|大学|学院|实验|路|街|大道|巷|桥|村|社区|公园|广场|"
    r"医院|集团|公司|银行|杯|初级中学|高级中学|完全中学|中心小学)"
)
#: xx区, 某区, ××县, X市: places a text hides on purpose.
_ANONYMISED = re.compile(r"(?:[xX×＊*]{1,3}|某)(?:省|市|区|县|镇|乡)")

_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县",
             "地区", "省", "市", "区", "县", "盟", "旗")


#: National bodies and meetings (rules.toml [region] national) and meeting venues.
NATIONAL = re.compile("|".join(f"(?:{p})" for p in _rules()["region"]["national"]))
_VENUE = re.compile(_rules()["region"]["venue"])

#: A lead implementing a national document (为落实教育部…) is local news (rules.toml [region] implements).
IMPLEMENTS = re.compile(_rules()["region"]["implements"])

#: Where a national marker in the lead still makes national news: the lead's first clause.
NATIONAL_LEAD_CHARS = 40


@dataclass(frozen=True, slots=True)
class Region:
    province: str | None
    city: str | None
    county: str | None
    level: str = "province"  # national | province | city | county: the finest level named

    @classmethod
    def national(cls) -> Region:
        return cls(None, None, None, "national")


@dataclass(frozen=True, slots=True)
class _Place:
    code: str  # six digits: PPCCXX
    name: str
    level: int  # 0 province, 1 city, 2 county
    short: bool = False  # matched by its short form (乐都 for 乐都区)


def _gazetteer_rows() -> list[tuple[str, str]]:
    from importlib.metadata import PackageNotFoundError, files

    try:
        found = [f for f in files("cpca") or () if f.name == "adcodes.csv"]
    except PackageNotFoundError as exc:
        raise RuntimeError("the cpca package (gazetteer data) is not installed: pip install cpca") from exc
    with open(found[0].locate(), encoding="utf-8") as fh:
        return [(row["adcode"][:6], row["name"]) for row in csv.DictReader(fh)]


def _short(name: str) -> str | None:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            short = name[: -len(suffix)]
            # 民和回族土族自治县 → 民和: drop the ethnic names before 自治
            short = re.sub(r"(?:[\u4e00-\u9fff]{1,3}族)+$", "", short) or short
            return short if len(short) >= 2 else None
    return None


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, list[_Place]], dict[str, _Place], int]:
    by_code: dict[str, _Place] = {}
    for code, name in _gazetteer_rows():
        level = 0 if code.endswith("0000") else 1 if code.endswith("00") else 2
        if name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            continue
        by_code[code] = _Place(code, name, level)
    names: dict[str, list[_Place]] = defaultdict(list)
    for place in by_code.values():
        names[place.name].append(place)
    city_and_province_shorts = {_short(p.name) for p in by_code.values() if p.level < 2}
    for place in by_code.values():
        short = _short(place.name)
        if not short or short in STOP_SHORT or short == place.name:
            continue
        if place.level == 2 and short in city_and_province_shorts:
            continue  # 南昌 is the city, not 南昌县
        names[short].append(_Place(place.code, place.name, place.level, short=True))
    longest = max(len(n) for n in names)
    return dict(names), by_code, longest


def _mentions(text: str, weight: float) -> list[tuple[_Place, float, bool]]:
    """(place, weight, weak): weak = a county named by a short form or by a name many counties share."""
    names, _, longest = _index()
    found: list[tuple[_Place, float, bool]] = []
    i = 0
    while i < len(text):
        for size in range(min(longest, len(text) - i), 1, -1):
            places = names.get(text[i:i + size])
            if places and not _NOT_PLACE_AFTER.match(text[i + size:]):
                w = weight * (1 - POSITION_DECAY * min(i, LEAD_CHARS)) / len(places)
                found.extend((p, w, p.level == 2 and (p.short or len(places) > 1)) for p in places)
                i += size
                break
        else:
            i += 1
    return found


def _municipality(code: str) -> bool:
    return code[:2] in ("11", "12", "31", "50")


def find_region(title: str | None, body: str) -> Region | None:
    """The place the article is about; None when it names none, or hides it (xx区)."""
    title = title or ""
    lead = body[:LEAD_CHARS]
    if _ANONYMISED.search(title) or _ANONYMISED.search(lead[:60]):
        return None
    _, by_code, _ = _index()
    if _is_national(title, lead):
        return Region.national()
    if NATIONAL.search(title) or NATIONAL.search(lead):
        # A national body or meeting in the story: the city that hosted it is a venue.
        title, lead = _without_venues(title), _without_venues(lead)
    mentions = _mentions(title, TITLE_WEIGHT) + _mentions(lead, 1.0)
    # A county's short form is often an everyday word (资源, 振兴, 富裕), and a name
    # many counties share (城区, 朝阳区) says nothing alone: such a mention counts
    # only when its province or city is named too (青海乐都, 北京市朝阳区).
    context = {p.code[:2] for p, _, _ in mentions if p.level < 2} | {
        p.code[:4] for p, _, _ in mentions if p.level == 1}
    mentions = [(p, w) for p, w, weak in mentions
                if not weak or p.code[:2] in context or p.code[:4] in context]
    if not mentions:
        return None
    province_score: dict[str, float] = defaultdict(float)
    city_score: dict[str, float] = defaultdict(float)
    county_score: dict[str, float] = defaultdict(float)
    for place, w in mentions:
        province_score[place.code[:2]] += w
        if place.level >= 1:
            city_score[place.code[:4]] += w
        if place.level == 2:
            county_score[place.code] += w
    prov = max(province_score, key=province_score.get)
    province = by_code.get(prov + "0000")
    cities = {c: s for c, s in city_score.items() if c.startswith(prov)}
    city_code = max(cities, key=cities.get) if cities else None
    city = by_code.get(city_code + "00") if city_code else None
    county = None
    if city_code:
        counties = {c: s for c, s in county_score.items() if c.startswith(city_code)}
        if counties:
            best = max(counties, key=counties.get)
            if counties[best] >= COUNTY_LEAD_SHARE * sum(counties.values()):
                county = by_code.get(best)
    city_name = city.name if city else (province.name if province and _municipality(prov) and county else None)
    return Region(
        province=province.name if province else None,
        city=city_name,
        county=county.name if county else None,
        level="county" if county else "city" if city_name else "province",
    )


def _without_venues(text: str) -> str:
    """The text with the place of 在X召开/举行 blanked (same length: positions stay)."""
    return _VENUE.sub(lambda m: m[0].replace(m["place"], "□" * len(m["place"])), text)


def _is_national(title: str, lead: str) -> bool:
    """National news: a national body or meeting is the headline's subject, with no
    place named before it (江苏省贯彻落实教育部… is Jiangsu's); without a headline
    marker, the lead's first clause names one and the headline names no place."""
    title_wo_venue = _without_venues(title)
    match = NATIONAL.search(title_wo_venue)
    if match:
        before = title_wo_venue[: match.start()]
        return not any(p.level < 2 or not weak for p, _, weak in _mentions(before, 1.0))
    first = _without_venues(lead[:NATIONAL_LEAD_CHARS])
    cited = NATIONAL.search(first)
    if not cited or IMPLEMENTS.search(first[: cited.start()]):
        return False
    return not _mentions(title_wo_venue, 1.0) and not _mentions(first[: cited.start()], 1.0)
