"""Records of what an article states: quantity facts, alliances, policy documents.

Each record carries the article it came from and the sentence that says it,
so a researcher can always go back to the text. Records are frozen, like the
pipeline's other records (pipeline/records.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Place:
    province: str | None = None
    city: str | None = None
    county: str | None = None

    @property
    def name(self) -> str | None:
        """The most precise level named."""
        return self.county or self.city or self.province


@dataclass(frozen=True, slots=True)
class Fact:
    """One figure stated about a reform: 建成城乡学校发展共同体128对 → 128 对 pairs."""

    value: float
    unit: str  # 对 个 所 名 人 人次 万元 % 场 次 节 场次
    counted: str  # alliances pairs schools teachers principals students funds share activities
    qualifier: str | None  # at_least at_most more_than about, or None when exact
    value_max: float | None  # the upper end of a range (5-6所 → 5, value_max 6)
    model: str | None  # the reform model of the sentence/paragraph (records.LABELS), or None
    place: Place
    year: int | None  # the year the figure refers to (said in the sentence, else the article's)
    period: str | None  # how the text says the time (近三年, 截至2022年底, 2023年)
    target: bool  # a goal or plan (到2025年…达到500个), not a result
    as_written: str  # the figure as in the text (近百所, 3.2万人次)
    noun: str  # the words beside it that say what it counts (教育集团, 交流教师)
    sentence: str
    paragraph: int  # index of the paragraph in Article.text_normalized
    offset: int  # character offset of the figure in Article.text_normalized


@dataclass(frozen=True, slots=True)
class Alliance:
    """A named alliance (or one known by its lead school) as one article states it."""

    key: str  # normalised identity: the same alliance in several articles has one key
    name: str | None  # as written (Simplified); None when the text names only its lead school
    model: str | None
    lead: str | None
    members: tuple[str, ...]
    place: Place
    sentence: str  # the first sentence that names it
    evidence: tuple[str, ...] = field(default=())  # every sentence that says something about it


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    """A policy document, from its own page or from news that cites it."""

    key: str  # normalised identity (title, with the issuing place when the title names none)
    title: str | None  # without 《》
    number: str | None  # 文号, brackets normalised: 黔教发〔2024〕7号
    kind: str | None  # 意见 通知 方案 办法 细则 规定 计划 规划 决定 纲要 指南 标准 条例 批复 函 公告 通告
    issuers: tuple[str, ...]
    issued: str | None  # ISO date (2024-03-12), or None
    year: int | None  # of issue: from the date, else from the 文号
    level: str | None  # national provincial city county
    place: Place  # the issuing place (from the issuer or the title)
    models: tuple[str, ...]
    relation: str  # "is": the article is the document (or its attachment); "cites": it cites it
    sentence: str


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything extracted from one article."""

    article_id: str
    facts: tuple[Fact, ...]
    alliances: tuple[Alliance, ...]
    documents: tuple[PolicyDocument, ...]
    version: str
