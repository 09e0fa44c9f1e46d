"""Alliances as the text names them: 杭州市天长小学教育集团, 红牌楼学区, 小溪塔高中教联体.

A name is the word run before a kind word (教育集团, 教联体, 学区, 共同体 …):
jieba's POS tags end it on the left at the first verb, preposition, number
or the like ("组建|教育集团" has no name, "杭州市|天长|小学|教育集团" has one),
and a name made only of descriptive words (县域教联体, 融合型教共体, 城乡学校共同体)
names a kind of alliance, not one. Lead and member schools come from the roles
the text gives them (以A为牵头学校, 由A牵头, 成员校包括B、C, A与B结对, A托管B);
an alliance the text knows only by its lead school (乐都区以凤山中学、贾湾学校…为
牵头单位，成立6大教育集团) is one alliance per lead. The key that makes one
alliance of mentions in many articles is the name without its leading place
names (杭州市天长小学教育集团 = 天长小学教育集团), within its province.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..region import find_region
from .context import Sentence, best_model, model_counts, place_of
from .records import Alliance, Place
from .rules import compiled, section

_QUOTES = re.compile(r"[“”\"‘’'「」『』]")
_QUOTED_TAIL = re.compile(r"[“\"「『]((?:名校\+?)?(?:教联体|教共体|教育集团|学区|共同体|大学区|联盟))[”\"」』]")
_TITLE = re.compile(r"《[^《》]*》")
_CLAUSE = re.compile(r"[^，,；;：:。！？!?]+")
_LIST_SPLIT = re.compile(r"[、，,]|(?<=[校学园中区])(?:和|及|与|以及)")
_BAD_START = re.compile(r"^(?:由|以|在|与|和|将|把|对|从|向|为|经|其中|同时|例如|如|并|又|还|共|有|是|等|通过|推动|带动|"
                        r"组织|支持|鼓励|选派|安排|依托|利用|实现|形成|建立|确定|选取|包括|吸纳|覆盖|遴选|了)")
_PLACE_ONLY = re.compile(r"[一-龥]{1,8}(?:省|市|自治区|自治州|州|地区|区|县|旗|镇|乡)")
_PLACE_SUFFIX = "省市区县州盟旗"


@lru_cache(maxsize=1)
def _c():
    a = section("alliances")
    tails = a["tails"]
    return {
        "tail": re.compile("|".join(re.escape(t) for t, _ in sorted(tails, key=lambda t: -len(t[0])))),
        "tail_model": dict((t, m) for t, m in tails),
        "not_after": re.compile(a["not_after_tail"]),
        "generic": re.compile(f"(?:{a['generic']})"),
        "stop_pos": set(a["stop_pos"].split()),
        "stop_words": set(a["stop_words"].split()),
        "school": re.compile(rf"^[一-龥0-9（）()·]{{1,30}}?(?:{a['school_suffix']})$"),
        "generic_school": re.compile(a["generic_school"]),
        "school_in_name": re.compile(a["school_suffix"]),
        "brand": re.compile(a["brand_words"]),
        "proper_pos": set(a["proper_pos"].split()),
        "lead_with": re.compile(rf"以(?P<names>[^，。；以为]{{2,120}}?)为(?:{a['lead_roles']})"),
        "lead_by": re.compile(rf"由(?P<names>[^，。；由]{{2,60}}?)(?:牵头|领衔|领办|任(?:{a['lead_roles']})|担任(?:{a['lead_roles']})|作为(?:{a['lead_roles']}))"),
        "lead_is": re.compile(rf"^(?:其中)?(?P<names>[^，。；]{{2,40}}?)(?:为|是|作为|担任|任)(?:{a['lead_roles']})"),
        "members_list": re.compile(rf"(?:{a['member_roles']})(?:包括|包含|有|为|是|涵盖)[:：]?(?P<names>[^。；]{{2,200}})"),
        "members_take": re.compile(rf"吸纳(?P<names>[^，。；]{{2,120}}?)(?:为|作为|加入)(?:{a['member_roles']}|成员|集团|教联体|共同体)"),
        "members_are": re.compile(rf"^(?P<names>[^，。；：]{{2,120}}?)为(?:{a['member_roles']})"),
        "members_campus": re.compile(r"下设(?P<names>[^，。；]{2,120}?)(?:等)?(?:[\d一二三四五六七八九十两]+个)?(?:校区|分校)(?:。|，|$)"),
        "pair": re.compile(rf"^(?:其中)?(?P<lead>[^，。；与和同]{{2,30}})(?:与|和|同)(?P<names>[^，。；]{{2,120}}?)(?:{a['pair_verbs']})"),
        "acts_on": re.compile(rf"^(?:其中)?(?P<lead>[^，。；]{{2,30}}?)(?:{a['lead_acts_on']})(?P<names>[^，。；]{{2,120}})"),
    }


def is_school(name: str) -> bool:
    c = _c()
    return bool(name) and c["school"].match(name) is not None and not c["generic_school"].match(name) \
        and not _BAD_START.match(name) and not re.search(r"\d+\s*[所个]|[以由为]", name) \
        and not c["tail"].search(name)


def school_names(text: str) -> list[str]:
    """Schools of a written list: "A、B和C等优质学校" → [A, B, C]."""
    out = []
    for part in _LIST_SPLIT.split(text):
        part = re.sub(r"(?:等|这|共)(?:[\d一二三四五六七八九十两]+所)?.*$", "", part.strip())
        part = re.sub(r"^(?:包括|有|为|是|即)", "", part)
        if is_school(part) and part not in out:
            out.append(part)
    return out


@lru_cache(maxsize=4096)  # the same name recurs in an article and across articles
def _tokens(text: str) -> tuple[tuple[str, str], ...]:
    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(60)
    return tuple((w.word, w.flag) for w in pseg.cut(text))


def _name_prefix(left: str) -> str:
    """The name's words right before the kind word, by jieba POS tags."""
    c = _c()
    tokens = _tokens(left)
    kept: list[str] = []
    for i in range(len(tokens) - 1, -1, -1):
        word, flag = tokens[i]
        # A numeral is part of a name (第一中学, 纬五路) unless it counts (8个, 六大, 一批).
        name_numeral = flag == "m" and not re.search(r"\d|[个所大批类种项年位名次些]$", word)
        if word in c["stop_words"] or (flag in c["stop_pos"] and not name_numeral):
            break
        kept.append(word)
    return "".join(reversed(kept))


def _strip_generic(prefix: str) -> str:
    rest = prefix
    for _ in range(8):
        new = _c()["generic"].sub("", rest)
        if new == rest:
            break
        rest = new
    return rest


def is_generic(prefix: str) -> bool:
    """True when a name's words only describe a kind of alliance (县域, 融合型, 城乡学校 …)."""
    rest = _strip_generic(prefix)
    if len(rest) < 2:
        return True
    # 浙江省城乡义务教育共同体: a place's whole scheme, not one alliance
    return _PLACE_ONLY.fullmatch(rest) is not None


def _place_prefix_end(name: str) -> int:
    """Length of the place name a name starts with (杭州市 in 杭州市天长小学教育集团), 0 if none."""
    for end in range(min(10, len(name) - 1), 1, -1):
        head = name[:end]
        if head[-1] in _PLACE_SUFFIX and name[end] not in _PLACE_SUFFIX and find_region(None, head) is not None:
            return end
    return 0


def alliance_key(name: str | None, lead: str | None, province: str | None) -> str:
    """One key for one alliance however articles write it: place names before it dropped."""
    core = name or lead or ""
    core = _QUOTES.sub("", core).replace(" ", "")
    for _ in range(3):
        end = _place_prefix_end(core)
        if not end or len(core) - end < 4 or re.match(r"[第一二三四五六七八九十\d]", core[end:]):
            # 西安市第一中学: a numbered school is named by its city
            break
        core = core[end:]
    kind = "name" if name else "lead"
    return f"{province or '?'}|{kind}|{core}"


@dataclass
class _Found:
    name: str | None
    model: str | None
    lead: str | None = None
    members: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    place: Place = Place()


def _clean(sentence: str) -> str:
    rules = section("models")
    # “教联体” in 家校社协同育人“教联体”: the quotes go; other quotes bound a name (挂牌“X本部”校名)
    text = _QUOTED_TAIL.sub(lambda m: m.group(1), sentence)
    text = _QUOTES.sub("□", text)
    text = _TITLE.sub(lambda m: "□" * len(m.group()), text)  # a document's title names no alliance
    return compiled(rules["veto_spans"]).sub(lambda m: "□" * len(m.group()), text)


def _name_tokens_proper(rest: str) -> bool:
    """True when what is left of a name after its descriptive words is a proper name (长郡, 南山实验)."""
    c = _c()
    if c["brand"].search(rest):
        return True
    tokens = _tokens(rest)
    return bool(tokens) and all(flag in c["proper_pos"] for _, flag in tokens)


def _place_only(rest: str) -> bool:
    """深圳, 黄冈市, 兴安盟: a place's whole scheme (深圳教育集团), not one alliance."""
    if _PLACE_ONLY.fullmatch(rest):
        return True
    region = find_region(None, rest)
    return region is not None and len(rest) <= 4


def _named(text: str, model: str | None, has_roles: bool) -> list[tuple[str, str | None]]:
    """Alliance names in a sentence, with the model each implies.

    A name is accepted when it is built on a school's name (天长小学教育集团), when
    the sentence gives the alliance a lead or members (红牌楼学区以棕北中学为学区长
    学校), or when what is left after its descriptive words is a proper name by
    jieba's tags and not merely a place (长郡教育集团, but not 深圳教育集团).
    """
    c = _c()
    out = []
    for m in c["tail"].finditer(text):
        if c["not_after"].match(text[m.end():]):
            continue
        left = text[: m.start()]
        cut = max(left.rfind(ch) for ch in "，,。；;：:、（(□ ")
        left = left[cut + 1:]
        prefix = _name_prefix(left) if left else ""
        if not prefix or is_generic(prefix) or re.search(r"\d", prefix):
            continue
        rest = _strip_generic(prefix)
        if not (c["school_in_name"].search(prefix.replace("中小学", "")) or has_roles or
                (_name_tokens_proper(rest) and not _place_only(rest))):
            continue
        tail_model = c["tail_model"][m.group()] or model
        if tail_model is None:
            continue  # 某某共同体 in a paragraph about no reform model
        out.append((prefix + m.group(), tail_model))
    return out


def _roles(text: str) -> tuple[list[str], list[str], bool]:
    """(leads, members, paired) a sentence states."""
    c = _c()
    leads: list[str] = []
    members: list[str] = []
    paired = False
    for clause in _CLAUSE.findall(text):
        clause = clause.strip()
        for key in ("pair", "acts_on"):
            m = c[key].match(clause)
            if m and is_school(m.group("lead").strip()):
                names = school_names(m.group("names"))
                if names:
                    if m.group("lead").strip() not in leads:
                        leads.append(m.group("lead").strip())
                    members.extend(n for n in names if n not in members)
                    paired = True
                    break
    if not paired:
        for key in ("lead_with", "lead_by"):
            for m in c[key].finditer(text):
                leads.extend(n for n in school_names(m.group("names")) if n not in leads)
        for clause in _CLAUSE.findall(text):
            m = c["lead_is"].match(clause.strip())
            if m:
                leads.extend(n for n in school_names(m.group("names")) if n not in leads)
    for key in ("members_list", "members_take", "members_campus"):
        for m in c[key].finditer(text):
            members.extend(n for n in school_names(m.group("names")) if n not in members and n not in leads)
    for clause in _CLAUSE.findall(text):
        m = c["members_are"].match(clause.strip())
        if m:
            members.extend(n for n in school_names(m.group("names")) if n not in members and n not in leads)
    return leads, members, paired


def extract_alliances(paras: list[tuple[int, int, str, list[Sentence]]], *, article_model: str | None,
                      place: Place) -> list[Alliance]:
    found: dict[str, _Found] = {}
    order: list[str] = []

    def add(key: str, item: _Found) -> _Found:
        if key not in found:
            found[key] = item
            order.append(key)
        return found[key]

    for _, _, para_text, sents in paras:
        para_counts = model_counts(para_text)
        last: _Found | None = None
        for s in sents:
            if compiled(section("models")["veto_paragraph"]).search(s.text):
                continue
            text = _clean(s.text)
            model = best_model(model_counts(s.text), para_counts) or article_model
            leads, members, paired = _roles(text)
            named = _named(text, model, bool(leads or members))
            if not (named or leads or members):
                continue
            sentence_place = place_of(s.text, place)
            province = place.province or sentence_place.province
            here: list[_Found] = []
            for name, name_model in named:
                item = add(alliance_key(name, None, province),
                           _Found(name, name_model, place=sentence_place))
                item.sentences.append(s.text.strip())
                here.append(item)
            if len(here) == 1 and (leads or members):
                target = here[0]
                target.lead = target.lead or (leads[0] if leads else None)
                target.members.extend(m for m in members if m not in target.members and m != target.lead)
            elif leads and not here:
                for lead in leads:
                    item = add(alliance_key(None, lead, province),
                               _Found(None, model, lead=lead, place=sentence_place))
                    item.sentences.append(s.text.strip())
                    if len(leads) == 1:
                        item.members.extend(m for m in members if m not in item.members and m != lead)
                    here.append(item)
            elif members and not here and last is not None:
                last.members.extend(m for m in members if m not in last.members and m != last.lead)
            if here:
                last = here[-1]
    named_leads = {found[k].lead for k in order if found[k].name and found[k].lead}
    order = [k for k in order if found[k].name or found[k].lead not in named_leads]
    return [
        Alliance(key=k, name=f.name, model=f.model, lead=f.lead, members=tuple(f.members), place=f.place,
                 sentence=f.sentences[0], evidence=tuple(dict.fromkeys(f.sentences)))
        for k in order for f in [found[k]]
    ]
