"""Policy documents: title, 文号, issuing bodies, kind, date, level, models.

Two sources. A document's own page or attachment: its title (the article's
title, or a title line near the top of a gazette page) ends with a kind
(意见, 通知, 方案 …) and a 文号 or a salutation (各市（州）教育局：) follows; the
signature at the end gives the issuers and the date. News that cites one:
a title in 《》 that ends with a kind, the 文号 in brackets right after it, the
body that 印发/出台 it before it. 《意见》 alone is the short name of the
document named before it. Only documents on schooling are kept (the gazette's
文物保护 notice is not this corpus's business).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from ..region import find_region
from .context import model_counts
from .records import Place, PolicyDocument
from .rules import compiled, section
from ..records import LABELS

_TITLE_IN_TEXT = re.compile(r"《(?P<title>[^《》\n]{2,120})》")
_TRIAL = r"(?:[（(](?:试行|暂行|修订|征求意见稿)[）)])?"
_DATE = re.compile(r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")
_SALUTATION = re.compile(r"^各[^。]{2,60}[:：]$")
_SPLIT_ISSUERS = re.compile(r"[\s、，,]+|(?<=[厅局委部府室])(?:和|与)")
_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "［": "〔", "］": "〕", "【": "〔", "】": "〕",
                           "(": "〔", ")": "〕", "（": "〔", "）": "〕"})


@lru_cache(maxsize=1)
def _c():
    d = section("documents")
    kinds = sorted(d["kinds"], key=lambda k: -len(k[0]))
    kind_alt = "|".join(re.escape(k) for k, _ in kinds)
    verbs = "|".join(sorted(d["issue_verbs"].split("|"), key=len, reverse=True))
    return {
        "kind_end": re.compile(rf"(?P<kind>{kind_alt}){_TRIAL}$"),
        "kind_map": dict((k, v) for k, v in kinds),
        "kind_alt": kind_alt,
        "relevant": re.compile(d["relevant_title"]),
        "number": re.compile(d["doc_number"]),
        "issuer": re.compile(d["issuer"]),
        "issuer_before": re.compile(rf"(?P<who>[^，。；：《》]{{2,60}}?)(?:{verbs})$"),
        "noise": re.compile(d["issuer_lead_noise"]),
        "tail_noise": re.compile(d["issuer_tail_noise"]),
        "issuer_end": re.compile(rf"(?:{d['issuer']})$"),
        "national": re.compile(d["national"]),
        "provincial": re.compile(d["provincial_words"]),
        "short_max": int(d["short_name_max"]),
        "toc_line": re.compile(rf"^(?P<title>[^。；《》]{{6,120}}?(?:{kind_alt}){_TRIAL})\s*[（(](?P<no>[^（）()]{{4,30}}号)[)）]$"),
    }


def normalize_number(code: str, year: str, serial: str) -> str:
    return f"{code.strip()}〔{year}〕{int(serial)}号"


def find_numbers(text: str) -> list[tuple[str, int, int]]:
    """(文号 normalised, start, end) in a text: 教基〔2023〕5号, 黔教发[2024]7号 → 黔教发〔2024〕7号."""
    out = []
    for m in _c()["number"].finditer(text):
        out.append((normalize_number(m.group("code"), m.group("year"), m.group("serial")), m.start(), m.end()))
    return out


def kind_of(title: str) -> str | None:
    m = _c()["kind_end"].search(title)
    return _c()["kind_map"][m.group("kind")] if m else None


def is_policy_title(title: str) -> bool:
    """A document's title on schooling (not one on hospitals: 医疗卫生共同体 speaks of 共同体 too)."""
    models = section("models")
    return kind_of(title) is not None and len(title) > _c()["short_max"] \
        and _c()["relevant"].search(title) is not None and not compiled(models["veto_paragraph"]).search(title) \
        and not compiled(models["veto_spans"]).search(title)


def _issuers(text: str) -> tuple[str, ...]:
    """Bodies named in a signature line or before 印发: 江西省教育厅 江西省财政厅 → both."""
    c = _c()
    text = c["noise"].sub("", c["tail_noise"].sub("", text.strip())).strip().lstrip("了的")
    found = []
    for part in _SPLIT_ISSUERS.split(text):
        part = part.strip()
        if part and (c["issuer"].fullmatch(part) or re.fullmatch(r"[一-龥]{2,8}(?:省|市|自治区|自治州|州|区|县)", part)
                     or re.fullmatch(r"[一-龥]{2,12}等[一-龥]{1,4}部门", part)):
            found.append(part)
    return tuple(found)


def level_of(issuers: tuple[str, ...], title: str, article_place: Place) -> tuple[str | None, Place]:
    """(level, place) of a document from who issued it, else from its title."""
    c = _c()
    for text in (*issuers, title.split("关于")[0] if "关于" in title else title):
        if not text:
            continue
        if c["national"].search(text) and not re.search(r"[省市县区州]", text.replace("国家", "")):
            return "national", Place()
        region = find_region(None, text)
        if region and region.province:
            place = Place(region.province, region.city, region.county)
            if region.county:
                return "county", place
            if region.city and region.city != region.province:
                return "city", place
            return "provincial", place
        # A body the gazetteer does not know by this name (黔东南州教育局, 省教育厅): the
        # kind of place right before its office word says the level.
        suffix = re.search(r"(省|自治区|市|州|盟|地区|区|县|旗)(?=[^省市州盟区县旗]*$)", re.sub(
            r"(?:教育厅|教育局|教育委员会|教委|教育体育局|教体局|人民政府|政府|办公厅|办公室|财政厅|财政局|委员会)+$", "", text))
        if suffix and (text in issuers):
            kind = suffix.group(1)
            if kind in ("省", "自治区"):
                return "provincial", Place(article_place.province)
            if kind in ("市", "州", "盟", "地区"):
                return "city", Place(article_place.province, article_place.city)
            return "county", article_place
        if "教育厅" in text:
            return "provincial", Place(article_place.province)
    return None, Place()


def _models(title: str, sentence: str) -> tuple[str, ...]:
    counts = model_counts(title) or model_counts(sentence)
    return tuple(label for label in LABELS if counts.get(label))


def document_key(title: str | None, number: str | None, place: Place) -> str:
    """Documents are one by title; a title that names no place is qualified by its issuing place."""
    if title:
        core = re.sub(r"\s+", "", title)
        named_place = find_region(None, core.split("关于")[0]) if "关于" in core else find_region(core, "")
        if named_place is None and (place.name):
            return f"{core}@{place.county or place.city or place.province}"
        return core
    return f"文号:{number}"


@dataclass
class _Doc:
    title: str | None
    number: str | None = None
    issuers: tuple[str, ...] = ()
    issued: str | None = None
    relation: str = "cites"
    sentence: str = ""


def _own_document(title: str | None, lines: list[str]) -> _Doc | None:
    """The document an article is, when it is a document page or attachment."""
    c = _c()
    head = lines[:8]
    candidates = ([title] if title else []) + head
    numbers = [(n, i) for i, line in enumerate(head) for n, s, e in find_numbers(line)
               if len(line.strip()) <= e - s + 4]  # a 文号 standing on its own line
    salutation = any(_SALUTATION.match(line.strip()) for line in head)
    if not numbers and not salutation:
        return None
    for cand in candidates:
        cand = cand.strip()
        if cand and len(cand) <= 120 and not re.search(r"[。；]", cand) and kind_of(cand) \
                and not c["toc_line"].match(cand) and is_policy_title(cand):
            doc = _Doc(cand, numbers[0][0] if numbers else None, relation="is", sentence=cand)
            tail = [line.strip() for line in lines[-6:] if line.strip()]
            for i, line in enumerate(tail):
                m = _DATE.fullmatch(line)
                if m:
                    doc.issued = date(int(m["y"]), int(m["m"]), int(m["d"])).isoformat()
                    if i > 0:
                        doc.issuers = _issuers(tail[i - 1])
            if not doc.issuers and "关于" in cand:
                doc.issuers = _issuers(cand.split("关于")[0])
            return doc
    return None


def extract_documents(title: str | None, text: str, *, place: Place,
                      published: date | None = None) -> list[PolicyDocument]:
    c = _c()
    lines = [line for line in text.split("\n") if line.strip()]
    docs: list[_Doc] = []
    own = _own_document(title, lines)
    if own:
        if own.issued is None and published is not None:
            # The cleaner keeps a portal's 发布日期 as the page's date and drops the signature's date line.
            own.issued = published.isoformat()
        docs.append(own)
    for line in lines:
        stripped = line.strip()
        toc = c["toc_line"].match(stripped)
        if toc:  # a gazette's table of contents or a list of documents: title (文号)
            numbers = find_numbers(toc.group("no"))
            if is_policy_title(toc.group("title")):
                docs.append(_Doc(toc.group("title"), numbers[0][0] if numbers else None, sentence=stripped))
            continue
        for m in _TITLE_IN_TEXT.finditer(line):
            name = m.group("title").strip()
            if len(name) <= c["short_max"] or not is_policy_title(name):
                continue
            if own and (name == own.title or name in own.title):
                # 关于印发《X》的通知: X is the document the notice issues, a document of its own
                if name != own.title:
                    docs.append(_Doc(name, None, own.issuers, own.issued, "is", own.title))
                continue
            sentence_start = max(line.rfind(ch, 0, m.start()) for ch in "。；！？") + 1
            sentence_end = min([i for i in (line.find(ch, m.end()) for ch in "。；！？") if i >= 0] or [len(line)])
            sentence = line[sentence_start:sentence_end + 1].strip()
            after = line[m.end():m.end() + 40]
            number = None
            near = find_numbers(after)
            if near and near[0][1] <= 2:
                number = near[0][0]
            clause = re.split(r"[，,：:]", line[sentence_start:m.start()])[-1]
            who = c["issuer_before"].search(clause)
            issuers = _issuers(who.group("who")) if who else ()
            if not issuers:  # 落实省教育厅《…》: the body right before the title
                body = c["issuer_end"].search(clause)
                issuers = _issuers(body.group()) if body else ()
            if not issuers:
                place_before = re.search(r"([一-龥]{2,8}(?:省|市|自治区|自治州|州|区|县))$", line[:m.start()])
                if place_before and find_region(None, place_before.group(1)):
                    issuers = (place_before.group(1),)
            dated = _DATE.search(sentence)
            issued = None
            if dated and re.search(r"(?:印发|发布|出台|颁布)", sentence[dated.end():dated.end() + 6]):
                issued = date(int(dated["y"]), int(dated["m"]), int(dated["d"])).isoformat()
            docs.append(_Doc(name, number, issuers, issued, "cites", sentence))
    return _merge(docs, place, text)


def _merge(docs: list[_Doc], place: Place, text: str) -> list[PolicyDocument]:
    """One record per document: same 文号, or same title, is the same document."""
    merged: list[_Doc] = []
    for doc in docs:
        same = next((m for m in merged if (doc.number and m.number == doc.number)
                     or (doc.title and m.title and _norm(m.title) == _norm(doc.title))), None)
        if same is None:
            merged.append(doc)
            continue
        if doc.relation == "is" and same.relation != "is":
            same.relation, same.title = "is", doc.title
        elif doc.title and same.title and len(doc.title) > len(same.title) and same.relation != "is":
            same.title = doc.title
        same.number = same.number or doc.number
        same.issuers = same.issuers or doc.issuers
        same.issued = same.issued or doc.issued
    out = []
    for d in merged:
        level, doc_place = level_of(d.issuers, d.title or "", place)
        if level is None and place.province:  # a title naming no place, cited in local news
            level, doc_place = ("county", place) if place.county else ("city", place) if place.city else (
                "provincial", place)
        year = int(d.issued[:4]) if d.issued else int(d.number.split("〔")[1][:4]) if d.number else None
        out.append(PolicyDocument(
            key=document_key(d.title, d.number, doc_place), title=d.title, number=d.number,
            kind=kind_of(d.title) if d.title else None, issuers=d.issuers, issued=d.issued, year=year,
            level=level, place=doc_place, models=_models(d.title or "", d.sentence), relation=d.relation,
            sentence=d.sentence,
        ))
    return out


def _norm(title: str) -> str:
    return re.sub(r"\s+|[（(](?:试行|暂行)[）)]", "", title)
