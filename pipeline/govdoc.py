"""Official documents (公文): notices, decisions, announcements, orders of government bodies.

A 公文 is one document even when it has no line of prose: a gazette's
decision is short numbered items under headline lines (一、取消的事项 /
1．某某审批), a 名单 notice is a table, a county bureau's notice can be four
numbered lines. The line rules that tell an article from a page of links (no
prose → a listing) and a list of records from an article (numbered items with
no prose before them → one record each) would take such a document apart, so
they first ask ``is_official_document``.

The markers are the parts that GB/T 9704 (the national standard for the layout
of official documents) prescribes and that every government site prints:
the 文号 (国发〔2023〕9号, 第7号), a headline naming the kind of document
(…的通知, …决定, …办法), the 主送 line (各省、自治区…：), and the 落款: the
issuing body on a short line with the date under it. Two markers make a document.
"""

from __future__ import annotations

import re

from . import metadata

#: This many markers make a document: a headline ending in 通知 alone is also a
#: news headline (关于…的通知 is reported on), a date line alone is any page.
MIN_MARKERS = 2

#: The 落款 (issuing body and date) stands within this many lines of the end.
SIGNATURE_WINDOW = 4

_BRACKET_YEAR = r"[〔\[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]"
#: 国发〔2023〕9号, 教基〔2024〕17号, 市教发[2023]41号, 第7号, 2023年第5号
DOC_NUMBER = re.compile(
    rf"^(?:[\u4e00-\u9fff]{{1,12}}\s*{_BRACKET_YEAR}\s*第?\s*\d{{1,4}}\s*号"
    r"|(?:(?:19|20)\d{2}\s*年\s*)?第\s*[\d一二三四五六七八九十百零〇]{1,6}\s*号)$"
)
#: The kinds of 公文 a headline ends with (GB/T 9704 and the 党政机关公文处理工作条例).
DOC_HEADLINE = re.compile(
    r"(?:通知|通告|公告|决定|意见|办法|规定|方案|批复|复函|函|命令|令|细则|规划|纲要|名单|通报|"
    r"公报|决议|指引|条例|规则|准则|纪要|报告|请示)(?:[（(][^)）]{1,12}[)）])?$"
)
#: 主送机关: 各省、自治区、直辖市人民政府…： / 各区县教育局，各学校：
ADDRESSEE = re.compile(r"^各.{1,120}[：:]$")
#: The issuing body on a line of its own: short, no sentence punctuation, a body's name.
ISSUER = re.compile(
    r"^[\u4e00-\u9fff（）()\s、]{2,40}(?:人民政府|政府|办公厅|办公室|委员会|教育局|教育厅|教育部|国务院|"
    r"局|厅|部|委|院|署|处|科|所|中心|学校|小学|中学|大学|学院|领导小组|协会|学会|联合会|[党工]委)$"
    r"|^(?:部|局|厅)\s*长\s+[\u4e00-\u9fff]{2,4}$"  # 部 长 某某某 (an order is signed by the minister)
)
_DATE_LINE = re.compile(r"^[\d\s年月日.\-/〇零○一二三四五六七八九十]+$")


def _is_date_line(line: str) -> bool:
    return bool(_DATE_LINE.match(line)) and metadata.find_date(line) is not None


def signature_at(lines: list[str], i: int) -> bool:
    """Line ``i`` is the date of a 落款: a date alone on its line, with the issuer just above it."""
    return 0 < i < len(lines) and _is_date_line(lines[i]) and any(
        ISSUER.match(lines[j]) for j in range(max(0, i - 2), i))


def markers(lines: list[str], title: str | None = None) -> set[str]:
    """Which 公文 markers the lines (and the headline) carry."""
    found: set[str] = set()
    head = lines[:12]
    if title and DOC_HEADLINE.search(title) or any(DOC_HEADLINE.search(x) and len(x) <= 80 for x in head[:3]):
        found.add("headline")
    if any(DOC_NUMBER.match(x) for x in head):
        found.add("number")
    if any(ADDRESSEE.match(x) for x in head):
        found.add("addressee")
    if any(signature_at(lines, i) for i in range(max(1, len(lines) - SIGNATURE_WINDOW), len(lines))):
        found.add("signature")
    return found


def is_official_document(lines: list[str], title: str | None = None) -> bool:
    """Whether the lines are one 公文 (see the module docstring)."""
    return len(markers(lines, title)) >= MIN_MARKERS
