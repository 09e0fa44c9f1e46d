"""Made-up Chinese news text for the generated bench site and the benches (no real page's text).

Titles, dates and paragraphs are deterministic in the article number ``i``.
Sentences come from the topics' phrase lists, generic phrases, and "free"
sentences of common words of jieba's dictionary in a plausible order (no
meaning), so that two articles share about as little text as two real ones:
the repost detector must not find every page a copy of every other.
``generated`` builds the pages around this text.
"""

from __future__ import annotations

import functools
import random


_TOPICS = (
    ("教联体", "教联体"),
    ("集团化办学", "教育集团"),
    ("学区制", "学区"),
    ("城乡教育共同体", "城乡教育共同体"),
    ("县域普通高中", "县中发展共同体"),
    ("", "农产品展销会"),
    ("", "城市公交线网"),
)

_TITLE_PATTERNS = {
    "教联体": ("{place}组建{k}个教联体推动学校协同发展", "{place}：教联体让乡村孩子在家门口上好学",
              "{place}探索紧密型教联体建设新路径", "{place}教联体建设实现城乡学校全覆盖"),
    "教育集团": ("{place}深化集团化办学改革", "{place}新组建{k}个教育集团扩大优质资源覆盖面",
              "{place}集团化办学：一校带多校 校校有特色", "{place}教育集团推进教师交流轮岗"),
    "学区": ("{place}全面推行学区制管理", "{place}学区制改革激发基层学校活力",
           "{place}划分{k}个学区统筹教育资源", "{place}学区长制度落地见效"),
    "城乡教育共同体": ("{place}城乡教育共同体结对帮扶见实效", "{place}建设城乡教育共同体缩小校际差距",
                "{place}城乡教育共同体覆盖全部乡村学校", "{place}以共同体建设推进城乡教育一体化"),
    "县中发展共同体": ("{place}组建县中发展共同体提升县域高中质量", "{place}县域普通高中振兴行动取得新进展",
                "{place}县中托管帮扶工作全面启动", "{place}推进县域高中与城区名校结对"),
    "农产品展销会": ("{place}举办春季农产品展销会", "{place}特色农产品展销会人气火爆",
               "{place}农产品展销会签约金额创新高", "{place}举办第{k}届名优农产品交易会"),
    "城市公交线网": ("{place}优化调整{k}条公交线路", "{place}公交线网优化方案公布",
               "{place}新开通{k}条社区微循环公交", "{place}推进公交都市建设"),
}

_SENTENCES = {
    "教联体": (
        "{place}以{school}为牵头学校，联合周边{k}所乡村学校组建教联体，实行管理、教学、教研、评价一体化运行。",
        "教联体内统一制定教学进度，统一组织集体备课，牵头学校的骨干教师每周到成员学校上示范课。",
        "{year}年以来，{place}共组建教联体{k}个，覆盖全区{m}所中小学，惠及学生{big}余人。",
        "成员学校的教师可以随时进入牵头学校的课堂听课，两校教师同上一节课、同评一节课已成常态。",
        "教联体实行“一长多校”，由牵头学校校长担任教联体总负责人，统筹安排各校的人员和经费。",
        "通过教联体建设，薄弱学校的课程开齐开足率从{pct}%提高到百分之百，家长满意度明显上升。",
    ),
    "教育集团": (
        "{place}推行集团化办学，由{school}牵头组建教育集团，集团内实行总校长负责制。",
        "集团各校区共享课程资源和教研成果，每学期组织{k}次以上跨校区的联合教研活动。",
        "截至{year}年底，{place}共组建教育集团{k}个，集团化办学覆盖率达到{pct}%。",
        "集团每年选派{m}名骨干教师到新建校区任教，同时接收新校区的青年教师跟岗学习。",
        "教育集团建立了统一的质量监测体系，各校区的教学质量差距逐年缩小。",
        "集团内的名师工作室向所有校区开放，青年教师的成长周期明显缩短。",
    ),
    "学区": (
        "{place}将全域中小学划分为{k}个学区，每个学区由一所优质学校担任学区长学校。",
        "学区长统筹学区内的教研活动、师资调配和设施共享，学区内的功能教室向所有学校开放。",
        "实行学区制以来，{place}累计开展学区联合教研{big}余场次，交流教师{m}人次。",
        "学区内建立了教师走教制度，音乐、美术、科学等学科教师在学区内统一调配使用。",
        "{school}作为学区长学校，每月组织一次学区教学开放日，邀请家长和社区代表参与。",
        "学区制管理让学区内各校的办学条件和教育质量趋于均衡，择校热有所降温。",
    ),
    "城乡教育共同体": (
        "{place}推动城区学校与乡村学校组成城乡教育共同体，开展结对帮扶、同课异构和送教下乡。",
        "共同体内城区学校每学期派出{k}名教师到乡村学校支教，乡村学校教师到城区学校跟岗研修。",
        "{year}年，{place}城乡教育共同体实现乡村学校全覆盖，结对学校达到{m}对。",
        "借助专递课堂和名师课堂，乡村学校的学生可以同步收看城区学校的优质课程。",
        "{school}与结对的乡村学校共建学科教研组，两校教师共同备课、共同命题、共同分析学情。",
        "城乡教育共同体建设有效缩小了城乡之间、校际之间的教育质量差距。",
    ),
    "县中发展共同体": (
        "{place}组建县中发展共同体，由市区优质高中与县域普通高中结对，开展托管帮扶。",
        "帮扶高中派驻管理团队和学科骨干到受援县中，帮助其完善课程体系和教学管理制度。",
        "{year}年，共同体内县中的本科上线人数比上年增加{k}人，优质生源回流明显。",
        "共同体建立了联合教研和联考联评机制，每学期组织{m}次以上联合教研活动。",
        "{school}与受援县中共享选课走班经验，帮助其顺利实施新课程新教材。",
        "县中发展共同体建设让县域学生在家门口就能享受优质高中教育。",
    ),
    "农产品展销会": (
        "展销会为期{k}天，吸引了{m}家企业和合作社参展，展品涵盖粮油、果蔬、茶叶和地方特产。",
        "现场设置了直播带货区，{place}的主播们向网友推介本地特色农产品，线上订单持续增长。",
        "据统计，展销会期间现场销售额达{big}万元，签订意向合同{k}份。",
        "参展的种植大户表示，通过展销会打开了销路，今年的收入有望明显增加。",
        "主办方还组织了农产品质量安全宣传和农技咨询活动，受到群众欢迎。",
        "{place}将继续搭建产销对接平台，推动农产品品牌化发展。",
    ),
    "城市公交线网": (
        "此次调整涉及{k}条公交线路，新增站点{m}个，进一步提高了公交线网的覆盖率。",
        "{place}交通运输部门在调整前开展了客流调查，广泛征求市民和人大代表的意见。",
        "新开通的社区微循环公交采用小型新能源车辆，发车间隔为{k}分钟。",
        "{year}年以来，{place}公交日均客运量达到{big}人次，比上年增长{pct}%。",
        "市民可以通过手机应用实时查询车辆到站信息，出行更加方便。",
        "下一步，{place}将继续优化公交线网，推动公交与地铁的换乘衔接。",
    ),
}

_GENERIC_EDU = (
    "{place}教育局有关负责人介绍，下一步将继续完善运行机制，推动优质教育资源扩容提质。",
    "在{school}，记者看到学生们正在新建成的科学实验室里分组实验，课堂气氛十分活跃。",
    "{person}是一名有{k}年教龄的乡村教师，她说，参加联合教研以后，自己的课堂有了很大变化。",
    "为了保障改革顺利推进，{place}每年安排专项经费{big}万元，用于教师培训和设施改善。",
    "家长{person}告诉记者，孩子所在的学校变化很大，老师更用心了，孩子也更爱上学了。",
    "{place}还建立了考核评价制度，把结对帮扶成效纳入学校年度考核的重要内容。",
    "专家认为，推进义务教育优质均衡发展，关键在于让每一所学校都有好老师、好课程。",
    "近年来，{place}坚持把教育摆在优先发展的战略位置，持续加大投入，办学条件不断改善。",
    "针对乡村学校师资薄弱的问题，{place}实施了教师交流轮岗计划，每年交流教师{m}名。",
    "{school}校长{person}表示，学校将发挥示范引领作用，带动成员学校共同提高。",
    "据了解，{place}今年还将新建和改扩建中小学{k}所，新增学位{big}个。",
    "课后服务实现全覆盖，学校开设了书法、合唱、编程、足球等{m}类社团课程。",
    "通过数字化平台，各校之间实现了课程资源的实时共享，教师备课效率明显提高。",
    "下一步，{place}将以评价改革为牵引，推动各校从“有学上”向“上好学”转变。",
)

_GENERIC_OTHER = (
    "{place}有关负责人表示，将认真总结经验，进一步做好相关工作。",
    "现场不少市民纷纷点赞，认为这项举措实实在在，给生活带来了便利。",
    "据介绍，相关部门将加强统筹协调，确保各项措施落到实处。",
    "市民{person}说，希望今后这样的活动能多办一些，让群众得到更多实惠。",
    "活动现场秩序井然，工作人员耐心解答群众咨询，不少人排起了长队。",
    "{place}相关部门提前制定了工作方案，对人员分工和安全保障作了细致安排。",
    "据统计，今年前{k}个月，{place}相关领域投资同比增长{pct}%，发展势头良好。",
    "下一步，{place}将加大宣传力度，让更多群众知晓并参与进来。",
    "业内人士指出，做好这项工作既要立足当前，也要着眼长远。",
    "不少外地游客也专程赶来，现场人流量比往年明显增加。",
)

_OPENERS = ("近年来，", "今年以来，", "据介绍，", "记者了解到，", "与此同时，", "此外，", "在此基础上，",
            "据悉，", "目前，", "去年以来，", "值得一提的是，", "从实际情况看，", "总体来看，", "具体来说，")

_PLACE_A = "东西南北青云临安平宁清长明新永丰江河石松金玉白桃兰荷柳梅"
_PLACE_B = "阳川山水安源泉林城溪州宁江湖塘坪岭桥"
_PLACE_C = ("区", "县", "市")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾"
_GIVEN = "文华明丽军芳建国玉兰志强秀英海燕晓东春梅红霞立新静怡子涵雨轩"
SCHOOL_KIND = ("第一中学", "第二中学", "实验小学", "实验中学", "中心小学", "第三小学", "育才学校", "外国语学校")


#: (about 6,000 words: varied enough that articles share few five-character runs).
MIN_WORD_FREQ = 300

#: Part-of-speech sequences of a free clause ("的" and "和" are kept as they are).
_CLAUSES = (
    ("n", "d", "v", "n"), ("n", "v", "a", "的", "n"), ("t", "n", "d", "v", "vn"), ("n", "和", "n", "d", "v"),
    ("v", "n", "的", "vn"), ("ns", "的", "n", "d", "a"), ("n", "v", "n", "的", "n"), ("d", "v", "vn", "n"),
)

#: Shares of a paragraph's sentences: the topic's own, the generic ones, and free sentences after them.
TOPIC_SHARE = 0.15
GENERIC_SHARE = 0.1


@functools.lru_cache(maxsize=1)
def _lexicon() -> dict[str, tuple[str, ...]]:
    """Common words of jieba's dictionary (installed with jieba) by part of speech."""
    from importlib import resources

    words: dict[str, list[str]] = {tag: [] for clause in _CLAUSES for tag in clause if tag.isascii()}
    for line in resources.files("jieba").joinpath("dict.txt").read_text(encoding="utf-8").splitlines():
        word, freq, tag = line.split(" ")
        if tag in words and len(word) >= 2 and int(freq) >= MIN_WORD_FREQ:
            words[tag].append(word)
    return {tag: tuple(sorted(found)) for tag, found in words.items()}


class Writer:
    """Text of one page, made up from the phrase lists with one seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self._decks: dict[int, list[str]] = {}

    def draw(self, pool: tuple[str, ...]) -> str:
        """A template from ``pool``, none twice until all were used (a shuffled deck per pool)."""
        deck = self._decks.get(id(pool))
        if not deck:
            deck = self._decks[id(pool)] = list(pool)
            self.rng.shuffle(deck)
        return deck.pop()

    def place(self) -> str:
        r = self.rng
        return r.choice(_PLACE_A) + r.choice(_PLACE_B) + r.choice(_PLACE_C)

    def person(self) -> str:
        r = self.rng
        return r.choice(_SURNAMES) + r.choice(_GIVEN) + (r.choice(_GIVEN) if r.random() < 0.6 else "")

    def fill(self, template: str, place: str | None = None) -> str:
        """The template with its slots filled (only the slots it has draw numbers)."""
        return template.format_map(_Slots(self, place or self.place()))

    def sentence(self, topic: str, place: str) -> str:
        r = self.rng
        opener = r.choice(_OPENERS) if r.random() < 0.4 else ""
        kind = r.random()
        if kind < TOPIC_SHARE:
            return opener + self.fill(self.draw(_SENTENCES[topic]), place)
        if kind < TOPIC_SHARE + GENERIC_SHARE:
            return opener + self.fill(self.draw(_GENERIC_EDU if topic in _EDU_TOPICS else _GENERIC_OTHER), place)
        return opener + self.free_sentence()

    def free_sentence(self) -> str:
        """Two to four clauses of common words in a plausible order (no meaning)."""
        r, words = self.rng, _lexicon()
        clauses = ("".join(r.choice(words[tag]) if tag.isascii() else tag for tag in r.choice(_CLAUSES))
                   for _ in range(r.randint(2, 4)))
        return "，".join(clauses) + "。"

    def paragraph(self, topic: str, place: str, sentences: int | None = None) -> str:
        count = sentences or self.rng.randint(2, 5)
        return "".join(self.sentence(topic, place) for _ in range(count))

    def random_topic(self) -> str:
        return topic_of(self.rng.randrange(len(_TOPICS)))

    def teaser(self) -> str:
        text = self.sentence(self.random_topic(), self.place())
        return text[: self.rng.randint(30, 60)] + "…"

    def js_name(self) -> str:
        r = self.rng
        return r.choice("abcdefghijklmnopqrstuvwxyz_$") + "".join(
            r.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(r.randint(1, 6)))


class _Slots(dict):
    """Values of a template's slots, drawn when the template asks for them."""

    _RANGES = {"k": (2, 15), "m": (10, 300), "big": (1000, 90000), "pct": (40, 95), "year": (2018, 2024)}

    def __init__(self, writer: Writer, place: str) -> None:
        super().__init__(place=place)
        self.writer = writer

    def __missing__(self, key: str) -> str:
        r = self.writer.rng
        if key == "school":
            return self["place"] + r.choice(SCHOOL_KIND)
        if key == "person":
            return self.writer.person()
        low, high = self._RANGES[key]
        return str(r.randint(low, high))


_EDU_TOPICS = frozenset(t for kw, t in _TOPICS if kw)


def topic_of(i: int) -> str:
    return _TOPICS[i % len(_TOPICS)][1]


@functools.lru_cache(maxsize=200_000)
def title_parts(i: int) -> tuple[str, str]:
    w = Writer(i * 7919 + 1)
    place = w.place()
    return place, w.fill(w.rng.choice(_TITLE_PATTERNS[topic_of(i)]), place) + f"（第{i}期）"


def article_title(i: int) -> str:
    """The headline of generated article ``i`` (the same in its page and in every list linking it)."""
    return title_parts(i)[1]


def article_date(i: int) -> str:
    return f"20{18 + i % 7}-{1 + i % 12:02d}-{1 + i % 28:02d}"



def generated_text(i: int) -> str:
    """Plain text of a made-up article (the body of a page like ``generated_article``'s), for
    benchmarks that need texts without pages."""
    w = Writer(i * 7919 + 3)
    place, _title = title_parts(i)
    return "\n".join(w.paragraph(topic_of(i), place) for _ in range(w.rng.randint(6, 15)))

