"""The extraction core: numerals, quantity facts, alliances and policy documents on typed records."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edualliance.pipeline.clean import clean_page
from edualliance.pipeline.facts import alliance_key, extract
from edualliance.pipeline.facts.documents import find_numbers
from edualliance.pipeline.facts.numbers import parse_number
from edualliance.pipeline.normalize import normalize
from edualliance.pipeline.records import Article, RawPage


def article(text: str, title: str | None = None, province=None, city=None, county=None,
            published: datetime | None = datetime(2024, 5, 1)) -> Article:
    normalized, script = normalize(text)
    return Article(article_id="a1", page_key="k", part=0, source="test", title=title, text=text,
                   text_normalized=normalized, script=script, published=published,
                   region_province=province, region_city=city, region_county=county)


def facts_of(text: str, **kw) -> list[tuple]:
    return [(f.value, f.value_max, f.unit, f.counted, f.qualifier) for f in extract(article(text, **kw)).facts]


# --- numerals -----------------------------------------------------------------------------

@pytest.mark.parametrize("written, value", [
    ("一百二十八", 128), ("十二", 12), ("两千", 2000), ("三百五十", 350), ("一万二千", 12000),
    ("3.2万", 32000), ("1,756", 1756), ("1.2亿", 120_000_000), ("１２８", 128), ("二〇二三", 2023),
])
def test_parse_number(written, value):
    assert parse_number(written) == value


def _chinese(n: int) -> str:
    """Write 1..99999 in Chinese numerals the way newspapers do (一百零五, 两千三百, 一万零二十)."""
    digits = "零一二三四五六七八九"
    units = ["", "十", "百", "千", "万"]
    out, zero = "", False
    s = str(n)
    for i, ch in enumerate(s):
        place = len(s) - 1 - i
        d = int(ch)
        if d == 0:
            zero = True
            continue
        if zero and out:
            out += "零"
        zero = False
        out += ("" if (d == 1 and place == 1 and i == 0) else digits[d]) + units[place]
    return out


@given(st.integers(min_value=1, max_value=99_999))
def test_chinese_numerals_round_trip(n):
    assert parse_number(_chinese(n)) == n


# --- quantity facts -----------------------------------------------------------------------

def test_counts_with_units_nouns_and_qualifiers():
    got = facts_of("今年以来，全省共建成城乡学校发展共同体128对，覆盖乡村学校300余所，组建教育集团12个。"
                   "省财政安排专项资金3000万元，交流教师326人次，集团化办学覆盖率达85%。")
    assert got == [(128, None, "对", "pairs", None), (300, None, "所", "schools", "more_than"),
                   (12, None, "个", "alliances", None), (3000, None, "万元", "funds", None),
                   (326, None, "人次", "teachers", None), (85, None, "%", "share", None)]


def test_chinese_numerals_ranges_and_magnitudes():
    got = facts_of("全市结成城乡学校帮扶对子一百二十八对，每个集团成员校3至6所，组建教联体近百个，"
                   "惠及学生3.2万人次，投入集团化办学资金1.2亿元，覆盖学校逾千所，教育集团500个以上。")
    assert got == [(128, None, "对", "pairs", None), (3, 6, "所", "schools", None),
                   (100, None, "个", "alliances", "about"), (32000, None, "人次", "students", None),
                   (12000, None, "万元", "funds", None), (1000, None, "所", "schools", "more_than"),
                   (500, None, "个", "alliances", "at_least")]


def test_six_big_groups_and_a_restated_figure_once():
    got = facts_of("乐都区通过6大教育集团以强带弱。\n乐都区在全区成立6大教育集团，推进集团化办学。")
    assert got == [(6, None, "个", "alliances", None)]


def test_not_facts_ordinals_dates_phones_and_uncounted_nouns():
    got = facts_of("第3批城乡学校共同体名单公布，咨询电话：0598-8223456。2023年全市组建教育集团，"
                   "以一所优质学校为龙头，设田径等12个大项，确定试点县35个。")
    assert got == []


def test_a_change_in_percent_is_not_a_share_but_a_coverage_is():
    assert facts_of("推进集团化办学以来，集团校中考均分提高12%，集团化办学覆盖率达到60%以上。") == [
        (60, None, "%", "share", "at_least")]


@pytest.mark.parametrize("text", [
    "某县组建紧密型县域医共体3个，由县人民医院牵头，成员单位包括15家乡镇卫生院，下转患者1.2万人次。",
    "受多校划片政策影响，热门学区房成交均价下跌12%，成交量减少3500套。",
    "暑期托管服务覆盖全区45所学校，惠及学生3万名。",
    "某教育集团有限公司发布年报，营业收入12.6亿元，旗下学校58所。",
])
def test_boundary_cases_of_the_taxonomy_give_no_facts(text):
    assert facts_of(text) == []


def test_fact_carries_model_place_time_target_and_sentence():
    text = ("杭州市上城区推进集团化办学，现有教育集团21个。\n"
            "到2025年，浙江全省组建城乡教共体2700个。")
    facts = extract(article(text, province="浙江省", city="杭州市", county="上城区")).facts
    first, second = facts
    assert (first.model, first.place.county, first.year, first.target) == ("group_run", "上城区", 2024, False)
    assert first.sentence == "杭州市上城区推进集团化办学，现有教育集团21个。"
    assert text[first.offset:first.offset + 2] == "21"
    assert (second.model, second.year, second.target) == ("urban_rural", 2025, True)
    assert second.place.province == "浙江省" and second.place.city is None


def test_traditional_text_gives_the_same_facts_as_simplified():
    simplified = "南山区已组建教育集团12个，覆盖公办中小学64所，区财政每年投入集团化办学专项经费2000万元。"
    traditional = "南山區已組建教育集團12個，覆蓋公辦中小學64所，區財政每年投入集團化辦學專項經費2000萬元。"
    assert facts_of(traditional) == facts_of(simplified) != []


def test_figures_in_a_related_list_after_the_article_are_not_facts():
    page = ("江西城乡学校共同体建设提速\n来源：江西日报 2023-10-25\n"
            "记者从省教育厅获悉，今年全省共建成城乡学校发展共同体128对，推进城乡教育一体化发展。\n"
            "相关阅读\n· 九江建成教育集团42个\n· 南昌片区共同体覆盖学校80所\n")
    raw = RawPage(body=page.encode(), source="t", fetched_at=datetime.now(timezone.utc), path="p.txt")
    (art,) = clean_page(raw).articles
    assert [(f.value, f.counted) for f in extract(art).facts] == [(128, "pairs")]


# --- alliances ----------------------------------------------------------------------------

def test_named_alliance_with_lead_and_members():
    (a,) = extract(article("其中，杭州市天长小学教育集团由天长小学牵头，成员校包括天长小学钱塘校区、"
                           "胜利实验学校和夏衍小学。", province="浙江省")).alliances
    assert (a.name, a.lead, a.members, a.model) == (
        "杭州市天长小学教育集团", "天长小学", ("天长小学钱塘校区", "胜利实验学校", "夏衍小学"), "group_run")


def test_alliances_known_by_their_lead_schools():
    text = ("根据《乐都区义务教育学校集团化办学实施方案》，乐都区以凤山中学、贾湾学校、区幼儿园等优质学校为牵头单位，"
            "在全区成立3大教育集团。")
    alliances = extract(article(text, province="青海省", city="海东市", county="乐都区")).alliances
    assert [(a.name, a.lead) for a in alliances] == [(None, "凤山中学"), (None, "贾湾学校"), (None, "区幼儿园")]


def test_pairings_and_trusteeship():
    text = "千岛湖镇第一小学与姜家镇中心小学、威坪镇中心小学结对。兰州市第二中学托管榆中县第五中学，派出骨干教师5名。"
    got = [(a.lead, a.members) for a in extract(article(text)).alliances]
    assert got == [("千岛湖镇第一小学", ("姜家镇中心小学", "威坪镇中心小学")), ("兰州市第二中学", ("榆中县第五中学",))]


@pytest.mark.parametrize("text", [
    "宜昌市组建县域教联体14个，其中融合型教联体5个。",
    "天河区现有基础教育集团17个，集团化办学覆盖率超过六成。",
    "浙江省城乡义务教育共同体建设走在全国前列，组建城乡教育共同体2700余个。",
    "深圳教育集团有哪些？深圳许多学校都成立了教育集团。",
    "本校坚持构建人类命运共同体理念。",
    "某某教育集团实验学校今年招生，学区房价格上涨。",
])
def test_kinds_of_alliances_are_not_alliances(text):
    assert [a.name for a in extract(article(text)).alliances] == []


def test_one_alliance_across_articles_has_one_key():
    assert alliance_key("杭州市天长小学教育集团", None, "浙江省") == alliance_key("天长小学教育集团", None, "浙江省")
    assert alliance_key("城东学区", None, "浙江省") != alliance_key("城东学区", None, "江西省")


# --- policy documents -----------------------------------------------------------------------

@pytest.mark.parametrize("written, normalised", [
    ("教基〔2023〕5号", "教基〔2023〕5号"), ("黔教发[2024]7号", "黔教发〔2024〕7号"),
    ("黔教发［2024］07号", "黔教发〔2024〕7号"), ("（鄂教基(2022)3号）", "鄂教基〔2022〕3号"),
    ("湘政办发【2022】31号", "湘政办发〔2022〕31号"),
])
def test_document_numbers_in_any_brackets(written, normalised):
    assert [n for n, _, _ in find_numbers(written)] == [normalised]


def test_document_page_with_number_issuer_and_date():
    text = ("黔教发〔2024〕7号\n各市（州）教育局：\n现就推进全省义务教育学校集团化办学提出如下意见。\n"
            "贵州省教育厅\n2024年3月12日")
    (doc,) = extract(article(text, title="贵州省教育厅关于推进义务教育学校集团化办学的实施意见")).documents
    assert (doc.title, doc.number, doc.kind, doc.issuers, doc.issued, doc.year, doc.level, doc.models, doc.relation) == (
        "贵州省教育厅关于推进义务教育学校集团化办学的实施意见", "黔教发〔2024〕7号", "意见", ("贵州省教育厅",),
        "2024-03-12", 2024, "provincial", ("group_run",), "is")


def test_news_citing_documents_with_issuer_level_and_short_name():
    text = ("日前南昌市出台《关于建设义务教育片区学校优质均衡发展共同体的实施意见》（以下简称《意见》）。"
            "《意见》提出建设片区学校共同体。\n"
            "教育部办公厅日前印发《关于实施县域普通高中振兴行动计划的通知》（教基厅〔2024〕2号）。\n"
            "省政府关于公布第二批省级文物保护单位的通知（青政〔2023〕12号）")
    docs = extract(article(text, province="江西省", city="南昌市")).documents
    assert [(d.title, d.number, d.kind, d.level, d.issuers, d.relation) for d in docs] == [
        ("关于建设义务教育片区学校优质均衡发展共同体的实施意见", None, "意见", "city", ("南昌市",), "cites"),
        ("关于实施县域普通高中振兴行动计划的通知", "教基厅〔2024〕2号", "通知", "national", ("教育部办公厅",), "cites"),
    ]
    assert docs[0].models == ("district_community",)
    # A title that names no place is one document per issuing place: Nanchang's and Jiujiang's are two.
    unnamed = "根据《关于建设义务教育片区学校优质均衡发展共同体的实施意见》，全市组建片区学校共同体。"
    keys = {extract(article(unnamed, province="江西省", city=city)).documents[0].key for city in ("南昌市", "九江市")}
    assert len(keys) == 2


def test_a_notice_that_issues_a_plan_gives_both():
    text = ("黔东南教发〔2023〕21号\n各县（市）教育局：\n现将《黔东南州城乡学校共同体建设实施方案》印发给你们。\n"
            "黔东南州教育局\n2023年4月6日")
    docs = extract(article(text, title="关于印发《黔东南州城乡学校共同体建设实施方案》的通知")).documents
    assert [(d.title, d.kind, d.level, d.relation) for d in docs] == [
        ("关于印发《黔东南州城乡学校共同体建设实施方案》的通知", "通知", "city", "is"),
        ("黔东南州城乡学校共同体建设实施方案", "方案", "city", "is"),
    ]


def test_model_names_in_the_rules_must_exist(monkeypatch):
    from edualliance.pipeline.facts import context

    rules = {**context.section("models"), "group_run": ["no such pattern"]}
    monkeypatch.setattr(context, "section", lambda name: rules)
    context._model_patterns.cache_clear()
    try:
        with pytest.raises(ValueError, match="no such pattern"):
            context._model_patterns()
    finally:
        monkeypatch.undo()
        context._model_patterns.cache_clear()


GOV_PAGE = """<html><head><meta charset="utf-8"><title>贵州省教育厅关于推进义务教育学校集团化办学的实施意见_通知公告</title></head>
<body><div class="nav"><a href="/">首页</a> &gt; <a href="/tzgg">通知公告</a></div>
<table class="xxgk"><tr><td>文号：</td><td>黔教发〔2024〕7号</td><td>发布日期：</td><td>2024-03-12</td></tr></table>
<div class="article"><h1>贵州省教育厅关于推进义务教育学校集团化办学的实施意见</h1>
<p style="text-align:center">黔教发〔2024〕7号</p>
<p>各市（州）教育局，贵安新区社会事务管理局：</p>
<p>为扩大优质教育资源覆盖面，现就推进全省义务教育学校集团化办学提出如下意见。</p>
<p>到2025年，全省组建义务教育教育集团500个以上，集团化办学覆盖学校达到60%以上。</p>
<p style="text-align:right">贵州省教育厅</p><p style="text-align:right">2024年3月12日</p></div>
<div class="xgwz"><h3>相关文章</h3><ul><li><a href="/1">铜仁组建教育集团40个</a></li>
<li><a href="/2">遵义结对学校200对</a></li></ul></div>
<div class="footer">版权所有 贵州省教育厅 黔ICP备05001234号</div></body></html>"""


def test_a_government_page_gives_its_document_and_its_figures_not_the_related_list():
    raw = RawPage(body=GOV_PAGE.encode(), source="t", fetched_at=datetime.now(timezone.utc),
                  url="http://jyt.example.gov.cn/a.html", content_type="text/html")
    (art,) = clean_page(raw).articles
    e = extract(art)
    assert [(f.value, f.counted, f.qualifier, f.target) for f in e.facts] == [
        (500, "alliances", "at_least", True), (60, "share", "at_least", True)]
    (doc,) = e.documents
    assert (doc.number, doc.kind, doc.level, doc.issued, doc.relation) == (
        "黔教发〔2024〕7号", "意见", "provincial", "2024-03-12", "is")


def test_the_classifiers_none_verdict_means_no_reform_figures_or_alliances():
    from edualliance.pipeline.records import Classification

    text = "杏园学区现有学校7所，其中完全小学4所，红旗小学与光明小学结对。"
    about_none = Classification(labels=(), primary="none")
    about_district = Classification(labels=("district_community",), primary="district_community")
    assert extract(article(text), about_none).facts == ()
    assert extract(article(text), about_none).alliances == ()
    assert [f.value for f in extract(article(text), about_district).facts] == [7, 4]
    assert [f.model for f in extract(article(text), about_district).facts] == ["district_community"] * 2
