"""Generated pages of the /gen/ benchmark site (served by ``fixture_server``).

Real Chinese portal pages are 30–150 KB: the article is a few KB of text and
the rest is page furniture (navigation menus with dozens of links, scripts
and styles in the head and the body, sidebars of headline lists, 相关阅读 and
推荐阅读 blocks with teasers, share and comment widgets, footers). The
benchmark's pages are built the same way, so that extraction costs what it
costs on real pages (``bench/bench_crawl.py`` prints trafilatura's rate on
both to show the calibration).

Everything is deterministic in the page number ``i``: the same page is the
same bytes on every request and in every run. All text is made up here from
phrase lists and the common words of jieba's dictionary (sentences of no
meaning in between the topic's own, so that two articles share about as
little text as two real ones: the repost detector must not find every page a
copy of every other); no real page's text is reproduced. Three site templates (a
modern ``div`` portal, a 2000s ``table`` portal, a government site) take
turns by ``i``.
"""

from __future__ import annotations

import functools
import random

#: Articles linked from one list page.
PER_LIST = 50

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
_SCHOOL_KIND = ("第一中学", "第二中学", "实验小学", "实验中学", "中心小学", "第三小学", "育才学校", "外国语学校")
_CHANNELS = ("首页", "要闻", "时政", "教育", "社会", "经济", "文化", "体育", "科技", "健康", "旅游", "房产",
             "汽车", "财经", "评论", "图片", "视频", "专题", "法治", "民生", "乡村振兴", "城市", "生活", "招考")
_SUBCHANNELS = ("基础教育", "高等教育", "职业教育", "学前教育", "校园动态", "教育时评", "教师风采", "招生考试",
                "家庭教育", "政策解读", "通知公告", "工作动态", "教研活动", "德育之窗", "安全教育", "信息公开")
_FOOTER_LINKS = ("关于我们", "联系我们", "网站地图", "广告服务", "法律声明", "隐私政策", "招聘信息", "网站导航",
                 "投稿须知", "友情链接", "意见反馈", "版权声明", "服务条款", "诚聘英才", "RSS订阅", "帮助中心",
                 "举报中心", "违法和不良信息举报", "网站纠错", "无障碍浏览")
_SITES = ("生成日报", "云川教育网", "生成市教育局")
_CSS_PROPS = ("margin", "padding", "color", "background", "font-size", "line-height", "border", "width",
              "height", "display", "float", "text-align", "overflow", "position", "top", "left")
_CSS_VALUES = ("0", "0 auto", "#333", "#fff", "#c00", "#f5f5f5", "14px", "12px", "24px", "1.8", "1px solid #ddd",
               "100%", "auto", "block", "none", "left", "center", "hidden", "relative", "absolute", "10px 0")
_CLASS_WORDS = ("nav", "top", "main", "box", "list", "item", "title", "con", "side", "hot", "news", "pic",
                "txt", "more", "foot", "share", "cmt", "tab", "hd", "bd", "wrap", "inner", "left", "right")


#: Words of jieba's dictionary at least this frequent make up the free sentences
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


class _Writer:
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

    def teaser(self) -> str:
        topic = _topic_of(self.rng.randrange(len(_TOPICS)))
        text = self.sentence(topic, self.place())
        return text[: self.rng.randint(30, 60)] + "…"

    def js_name(self) -> str:
        r = self.rng
        return r.choice("abcdefghijklmnopqrstuvwxyz_$") + "".join(
            r.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(r.randint(1, 6)))


class _Slots(dict):
    """Values of a template's slots, drawn when the template asks for them."""

    _RANGES = {"k": (2, 15), "m": (10, 300), "big": (1000, 90000), "pct": (40, 95), "year": (2018, 2024)}

    def __init__(self, writer: _Writer, place: str) -> None:
        super().__init__(place=place)
        self.writer = writer

    def __missing__(self, key: str) -> str:
        r = self.writer.rng
        if key == "school":
            return self["place"] + r.choice(_SCHOOL_KIND)
        if key == "person":
            return self.writer.person()
        low, high = self._RANGES[key]
        return str(r.randint(low, high))


_EDU_TOPICS = frozenset(t for kw, t in _TOPICS if kw)


def _topic_of(i: int) -> str:
    return _TOPICS[i % len(_TOPICS)][1]


@functools.lru_cache(maxsize=200_000)
def _title_parts(i: int) -> tuple[str, str]:
    w = _Writer(i * 7919 + 1)
    place = w.place()
    return place, w.fill(w.rng.choice(_TITLE_PATTERNS[_topic_of(i)]), place) + f"（第{i}期）"


def article_title(i: int) -> str:
    """The headline of generated article ``i`` (the same in its page and in every list linking it)."""
    return _title_parts(i)[1]


def article_date(i: int) -> str:
    return f"20{18 + i % 7}-{1 + i % 12:02d}-{1 + i % 28:02d}"


# -- page furniture -----------------------------------------------------------------------------


def _style(w: _Writer, rules: int) -> str:
    r = w.rng
    out = []
    for _ in range(rules):
        selector = ",".join("." + r.choice(_CLASS_WORDS) + "-" + r.choice(_CLASS_WORDS) + " " + r.choice("a li p span div h3 img".split())
                            for _ in range(r.randint(2, 4)))
        decls = ";".join(f"{r.choice(_CSS_PROPS)}:{r.choice(_CSS_VALUES)}" for _ in range(r.randint(2, 7)))
        out.append(f"{selector}{{{decls}}}")
    return "<style type=\"text/css\">\n" + "\n".join(out) + "\n</style>\n"


def _script(w: _Writer, statements: int, n: int) -> str:
    """Inline script: a minified-looking loader plus a data object (real pages embed both)."""
    r = w.rng
    out = ["(function(w,d){"]
    for _ in range(statements):
        a, b, c = w.js_name(), w.js_name(), w.js_name()
        kind = r.randrange(4)
        if kind == 0:
            out.append(f"var {a}=d.getElementById('{r.choice(_CLASS_WORDS)}{r.randint(1, 99)}');"
                       f"if({a}){{{a}.style.display='{r.choice(('none', 'block'))}';}}")
        elif kind == 1:
            out.append(f"function {a}({b},{c}){{return {b}.length>{r.randint(1, 50)}?{b}.slice(0,{c}):{b};}}")
        elif kind == 2:
            out.append(f"w.{a}=w.{a}||[];w.{a}.push(['_trackEvent','{r.choice(_CLASS_WORDS)}',"
                       f"'{r.randint(1000, 99999)}']);")
        else:
            items = ",".join(
                f'{{"id":{j},"title":"{article_title(j)}","url":"/gen/a/{j}.html","img":"/img/{r.randint(1, 999)}.jpg"}}'
                for j in (r.randrange(n) for _ in range(r.randint(2, 6))))
            out.append(f"var {a}=[{items}];")
    out.append("})(window,document);")
    return "<script type=\"text/javascript\">" + "".join(out) + "</script>\n"


def _headline_items(w: _Writer, n: int, count: int, dates: bool = False, numbered: bool = False) -> str:
    r = w.rng
    out = []
    for k in range(count):
        j = r.randrange(n)
        num = f'<span class="num">{k + 1}</span>' if numbered else ""
        date = f'<span class="date">{article_date(j)[5:]}</span>' if dates else ""
        out.append(f'<li>{num}<a href="/gen/a/{j}.html" target="_blank" title="{article_title(j)}">'
                   f"{article_title(j)}</a>{date}</li>")
    return "".join(out)


def _nav(w: _Writer, lists: int, style: int) -> str:
    r = w.rng
    channels = list(_CHANNELS)
    r.shuffle(channels)
    rows = []
    for row in range(r.randint(2, 3)):
        cells = []
        for name in channels[row * 8:(row + 1) * 8 + r.randint(0, 4)]:
            href = "/gen/" if name == "首页" else f"/gen/list_{1 + r.randrange(lists)}.html"
            cells.append(f'<a href="{href}">{name}</a>')
        if style == 1:
            rows.append("<tr><td class=\"navtd\">" + "</td><td>|</td><td>".join(cells) + "</td></tr>")
        else:
            rows.append("<ul class=\"nav-row\">" + "".join(f"<li>{c}</li>" for c in cells) + "</ul>")
    subs = "".join(f'<a href="/gen/list_{1 + r.randrange(lists)}.html">{name}</a>'
                   for name in r.sample(_SUBCHANNELS, r.randint(8, 14)))
    menus = []  # drop-down menus: hidden until hovered, but in the page
    for name in channels[: r.randint(6, 10)]:
        items = "".join(f'<li><a href="/gen/list_{1 + r.randrange(lists)}.html"><span>{sub}</span></a></li>'
                        for sub in r.sample(_SUBCHANNELS, r.randint(3, 6)))
        menus.append(f'<div class="menu-item"><div class="menu-hd"><a href="/gen/">{name}</a><i class="arrow"></i></div>'
                     f'<div class="menu-bd" style="display:none"><ul>{items}</ul></div></div>')
    subs += '<div class="mega-menu">' + "".join(menus) + "</div>"
    top = ('<div class="topbar"><span>欢迎访问！今天是' + article_date(r.randrange(5000)) + '</span>'
           '<a href="javascript:void(0)">登录</a><a href="javascript:void(0)">注册</a>'
           '<a href="javascript:void(0)">手机版</a><a href="javascript:void(0)">无障碍</a>'
           '<a href="javascript:void(0)">English</a>'
           '<form action="/search" method="get"><input type="text" name="q" value="请输入关键词">'
           '<select name="c"><option>全站</option><option>新闻</option><option>公告</option></select>'
           '<button type="submit">搜索</button></form></div>\n')
    if style == 1:
        return (top + '<table width="960" border="0" cellpadding="0" cellspacing="0" class="nav">'
                + "".join(rows) + f'</table>\n<table width="960"><tr><td class="subnav">{subs}</td></tr></table>\n')
    return top + f'<div class="header"><div class="logo"><a href="/gen/">{_SITES[style]}</a></div>' \
                 f'<div class="nav">{"".join(rows)}</div><div class="subnav">{subs}</div></div>\n'


def _sidebar(w: _Writer, n: int, links: int) -> str:
    r = w.rng
    boxes = [("热点排行", True, False), ("最新资讯", False, True), ("专题推荐", False, False),
             ("图片新闻", False, False), ("通知公告", False, True)]
    r.shuffle(boxes)
    out = ['<div class="side">']
    left = links
    for name, numbered, dates in boxes[: r.randint(3, 5)]:
        count = min(left, r.randint(10, 25))
        if count <= 0:
            break
        left -= count
        out.append(f'<div class="side-box"><div class="side-hd"><h3>{name}</h3>'
                   f'<a class="more" href="/gen/list_1.html">更多&gt;&gt;</a></div>'
                   f'<ul class="side-list">{_headline_items(w, n, count, dates, numbered)}</ul></div>')
    out.append("</div>\n")
    return "".join(out)


def _related(w: _Writer, n: int, title: str, count: int) -> str:
    r = w.rng
    items = []
    for _ in range(count):
        j = r.randrange(n)
        items.append(f'<li><h4><a href="/gen/a/{j}.html">{article_title(j)}</a></h4>'
                     f'<p class="summary">{w.teaser()}</p><span class="time">{article_date(j)}</span></li>')
    return f'<div class="related"><div class="hd"><h3>{title}</h3></div><ul>{"".join(items)}</ul></div>\n'


def _feed(w: _Writer, n: int, count: int) -> str:
    """A recommendation feed: picture, headline, teaser and counters per item, several wrappers deep."""
    r = w.rng
    items = []
    for _ in range(count):
        j = r.randrange(n)
        items.append(
            f'<div class="feed-item clearfix"><div class="feed-pic"><a href="/gen/a/{j}.html" target="_blank">'
            f'<img src="/img/{r.randint(1, 9999)}.jpg" alt="{article_title(j)}"></a></div>'
            f'<div class="feed-txt"><h4><a href="/gen/a/{j}.html" target="_blank">{article_title(j)}</a></h4>'
            f'<p class="feed-summary">{w.teaser()}</p><div class="feed-meta"><span class="src">{r.choice(_SITES)}</span>'
            f'<span class="time">{article_date(j)}</span><span class="cmt"><a href="/gen/a/{j}.html#comment">'
            f'{r.randint(0, 999)}评</a></span><span class="tag">{r.choice(_SUBCHANNELS)}</span></div></div></div>')
    return (f'<div class="feed"><div class="feed-hd"><span class="cur">为你推荐</span><span>热门</span><span>图片</span>'
            f'</div><div class="feed-bd">{"".join(items)}</div><a class="feed-more" href="/gen/list_1.html">'
            f'加载更多</a></div>\n')


def _share(w: _Writer) -> str:
    return ('<div class="share-bar"><span>分享到：</span><a href="javascript:void(0)" class="wx">微信</a>'
            '<a href="javascript:void(0)" class="wb">微博</a><a href="javascript:void(0)" class="qz">QQ空间</a>'
            '<a href="javascript:void(0)" class="db">豆瓣</a><a href="javascript:window.print()">打印</a>'
            '<a href="javascript:window.close()">关闭</a>'
            '<span class="font">字号：<a href="javascript:void(0)">大</a><a href="javascript:void(0)">中</a>'
            '<a href="javascript:void(0)">小</a></span></div>\n')


def _comments(w: _Writer, count: int) -> str:
    r = w.rng
    items = []
    for _ in range(count):
        topic = _topic_of(r.randrange(len(_TOPICS)))
        text = w.sentence(topic, w.place())[: r.randint(15, 60)]
        items.append(f'<li class="cmt-item"><div class="cmt-user">{w.place()}网友 {w.person()}</div>'
                     f'<div class="cmt-text">{text}</div><div class="cmt-ops"><span>{article_date(r.randrange(5000))}'
                     f' {r.randint(8, 23):02d}:{r.randint(0, 59):02d}</span>'
                     f'<a href="javascript:void(0)">回复</a><a href="javascript:void(0)">赞({r.randint(0, 99)})</a>'
                     f'</div></li>')
    return (f'<div class="comment" id="comment"><div class="cmt-hd">网友评论 <span>已有{count + r.randint(0, 50)}条评论'
            f'</span></div><form class="cmt-form"><textarea name="content">文明上网，理性发言</textarea>'
            f'<button type="button">发表评论</button></form><ul class="cmt-list">{"".join(items)}</ul>'
            f'<a href="javascript:void(0)" class="cmt-more">查看更多评论</a></div>\n')


def _footer(w: _Writer, style: int) -> str:
    r = w.rng
    links = " | ".join(f'<a href="/about/{k}.html">{name}</a>'
                       for k, name in enumerate(r.sample(_FOOTER_LINKS, r.randint(10, 18))))
    site = _SITES[style]
    body = (f'<div class="links">{links}</div><p>主办单位：{site}　承办：{site}信息中心　'
            f'地址：{w.place()}人民路{r.randint(1, 300)}号　邮编：{r.randint(100000, 850000)}</p>'
            f'<p>版权所有 © 2005-2024 {site} 未经授权禁止转载　ICP备{r.randint(10000000, 99999999)}号　'
            f'公网安备{r.randint(10000000000000, 99999999999999)}号</p>'
            f'<p>联系电话：0{r.randint(100, 999)}-{r.randint(1000000, 9999999)}　技术支持：{site}网络部</p>')
    if style == 1:
        return f'<table width="960" class="footer"><tr><td align="center">{body}</td></tr></table>\n'
    return f'<div class="footer">{body}</div>\n'


def _head(w: _Writer, title: str, description: str, n: int, style: int, extra: str = "") -> str:
    r = w.rng
    site = _SITES[style]
    links = "".join(f'<link rel="stylesheet" type="text/css" href="/static/css/{w.js_name()}.css">'
                    for _ in range(r.randint(2, 6)))
    scripts = "".join(f'<script type="text/javascript" src="/static/js/{w.js_name()}.js"></script>'
                      for _ in range(r.randint(2, 6)))
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        f'<title>{title}_{site}</title>\n'
        f'<meta name="keywords" content="{title},{site},教育">\n'
        f'<meta name="description" content="{description}">\n{extra}'
        f'{links}\n{scripts}\n{_style(w, r.randint(40, 160))}{_script(w, r.randint(15, 60), n)}</head>\n'
    )


# -- pages --------------------------------------------------------------------------------------


def generated_article(i: int, n: int = 100000) -> str:
    """Article page ``i`` of a site of ``n`` articles (30–150 KB, 6–15 paragraphs)."""
    n = max(n, 1)
    w = _Writer(i * 104729 + 7)
    r = w.rng
    style = i % 3
    topic = _topic_of(i)
    title_place, title = _title_parts(i)
    lists = max(1, -(-n // PER_LIST))
    day = article_date(i)
    author, editor = w.person(), w.person()
    site = _SITES[style]

    paragraphs = []
    count = r.randint(6, 15)
    for k in range(count):
        if k and count >= 9 and r.random() < 0.12:
            paragraphs.append(f"<p><strong>{'一二三四五六'[min(5, k // 3)]}、{w.fill(r.choice(_SUBHEADS))}</strong></p>")
        paragraphs.append(f"<p>　　{w.paragraph(topic, title_place)}</p>")
        if k == 1 and r.random() < 0.5:
            paragraphs.append(f'<p style="text-align:center"><img src="/img/{r.randint(1, 9999)}.jpg" '
                              f'alt="" width="600"></p><p style="text-align:center">图为{title_place}'
                              f'{r.choice(_SCHOOL_KIND)}的学生在上课。{w.person()} 摄</p>')
    lead = f"本报讯（记者 {author}）" if style == 0 else ""
    if lead:
        paragraphs[0] = paragraphs[0].replace("<p>　　", "<p>　　" + lead, 1)
    description = w.sentence(topic, title_place)[:60]
    prev_next = (f'<div class="page-turn"><p>上一篇：<a href="/gen/a/{(i - 1) % n}.html">{article_title((i - 1) % n)}</a></p>'
                 f'<p>下一篇：<a href="/gen/a/{(i + 1) % n}.html">{article_title((i + 1) % n)}</a></p></div>\n')
    tags = "".join(f'<a href="/gen/list_{1 + r.randrange(lists)}.html">{name}</a>'
                   for name in r.sample(_SUBCHANNELS, 4))
    info = (f'<span class="time">{day} {r.randint(7, 22):02d}:{r.randint(0, 59):02d}</span>'
            f'<span class="source">来源：{site}</span><span class="author">作者：{author}</span>'
            f'<span class="views">浏览次数：{r.randint(50, 9000)}</span>')
    content = "\n".join(paragraphs)
    article = (
        f'<div class="crumb">当前位置：<a href="/gen/">首页</a> &gt; <a href="/gen/list_1.html">教育</a> &gt; 正文</div>\n'
        f'<div class="article"><h1>{title}</h1>\n<div class="info">{info}</div>\n{_share(w)}'
        f'<div class="content" id="content">\n{content}\n</div>\n'
        f'<div class="editor">（责任编辑：{editor}）</div>\n'
        f'<div class="tags">标签：{tags}</div>\n{prev_next}</div>\n'
    )
    extras = (_related(w, n, "相关阅读", r.randint(5, 8)) + _related(w, n, "推荐阅读", r.randint(5, 8))
              + _share(w) + _comments(w, r.randint(3, 8)) + _feed(w, n, r.randint(4, 10)))
    body_scripts = "".join(_script(w, r.randint(5, 25), n) for _ in range(r.randint(2, 6)))
    sidebar = _sidebar(w, n, r.randint(60, 100))
    if style == 1:  # a 2000s portal: layout tables
        main = (f'<table width="960" border="0" cellspacing="0" cellpadding="0" class="main"><tr>'
                f'<td width="660" valign="top">{article}{extras}</td>'
                f'<td width="10"></td><td width="290" valign="top">{sidebar}</td></tr></table>\n')
    else:
        main = (f'<div class="wrap"><div class="main-left">{article}{extras}</div>'
                f'<div class="main-right">{sidebar}</div></div>\n')
    return (_head(w, title, description, n, style,
                  f'<meta property="og:title" content="{title}">\n<meta name="publishdate" content="{day}">\n')
            + f'<body>\n{_nav(w, lists, style)}{main}{_footer(w, style)}{body_scripts}</body></html>\n')


def generated_text(i: int) -> str:
    """Plain text of a made-up article (the body of a page like ``generated_article``'s), for
    benchmarks that need texts without pages."""
    w = _Writer(i * 7919 + 3)
    place, _title = _title_parts(i)
    return "\n".join(w.paragraph(_topic_of(i), place) for _ in range(w.rng.randint(6, 15)))


_SUBHEADS = ("聚焦薄弱环节，补齐发展短板", "创新体制机制，激发办学活力", "共享优质资源，促进均衡发展",
             "强化队伍建设，提升育人水平", "完善评价体系，推动内涵发展", "坚持问题导向，狠抓工作落实")


def generated_listing(page_no: int, n: int, per_list: int = PER_LIST) -> str:
    """List page ``page_no`` (1-based): ``per_list`` headlines with dates and teasers, and the page furniture."""
    w = _Writer(-page_no * 31 - 5)
    r = w.rng
    style = page_no % 3
    lists = max(1, -(-n // per_list))
    first = (page_no - 1) * per_list
    rows = []
    for i in range(first, min(n, first + per_list)):
        rows.append(f'<li><h3><a href="/gen/a/{i}.html" target="_blank">{article_title(i)}</a></h3>'
                    f'<p class="summary">{w.teaser()}</p><span class="date">{article_date(i)}</span></li>')
    pages = []
    if page_no > 1:
        pages.append(f'<a href="/gen/list_{page_no - 1}.html">上一页</a>')
    for k in range(max(1, page_no - 3), min(lists, page_no + 3) + 1):
        pages.append(f'<a href="/gen/list_{k}.html">{k}</a>' if k != page_no else f"<span>{k}</span>")
    if first + per_list < n:
        pages.append(f'<a href="/gen/list_{page_no + 1}.html">下一页</a>')
    title = f"教育新闻 第{page_no}页"
    main = (f'<div class="wrap"><div class="main-left"><div class="crumb">当前位置：<a href="/gen/">首页</a> &gt; 教育新闻</div>'
            f'<ul class="news-list">{"".join(rows)}</ul><div class="pages">{"".join(pages)}</div></div>'
            f'<div class="main-right">{_sidebar(w, n, r.randint(40, 70))}</div></div>\n{_feed(w, n, r.randint(6, 12))}')
    body_scripts = "".join(_script(w, r.randint(5, 20), n) for _ in range(r.randint(1, 4)))
    return (_head(w, title, "教育新闻列表", n, style)
            + f'<body>\n{_nav(w, lists, style)}{main}{_footer(w, style)}{body_scripts}</body></html>\n')
