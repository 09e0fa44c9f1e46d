"""HTML pages → articles, on fixture pages written for these tests (tests/fixtures/pages).

Each fixture carries the mess of a kind of Chinese page; each test names text
that must survive and text that must not.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from edualliance.pipeline.clean import clean_page
from edualliance.pipeline.records import RawPage

PAGES = Path(__file__).parent / "fixtures" / "pages"


def clean(name: str, *, content_type: str | None = None, url: str | None = None):
    path = PAGES / name
    raw = RawPage(body=path.read_bytes(), source="test", fetched_at=datetime.now(timezone.utc),
                  path=str(path), content_type=content_type, url=url)
    return clean_page(raw)


def only_article(result):
    assert not result.is_listing
    assert len(result.articles) == 1
    return result.articles[0]


def assert_text(text: str, present: list[str], absent: list[str]) -> None:
    for snippet in present:
        assert snippet in text, f"missing: {snippet}"
    for snippet in absent:
        assert snippet not in text, f"leaked: {snippet}"


def test_gbk_page_served_with_a_wrong_charset_header():
    result = clean("gbk_wrong_header.html", content_type="text/html; charset=ISO-8859-1")
    assert result.decoded.declared_encoding == "iso8859-1"
    assert result.decoded.used_encoding == "gb18030"
    article = only_article(result)
    assert article.title == "桐溪县推进教联体建设 城乡学校共同发展"
    assert article.published == datetime(2023, 3, 15, 9, 30)
    assert article.outlet == "桐溪日报"
    assert_text(
        article.text,
        ["桐溪县近日召开教联体建设推进会", "从“结对帮扶”走向“共同发展”"],
        ["相关阅读", "市教育局部署新学期", "责任编辑", "ICP备", "举报电话", "分享到", "当前位置", "首页"],
    )


def test_undeclared_big5_page_is_not_read_as_gb18030():
    result = clean("big5_undeclared.html")
    assert result.decoded.declared_encoding is None
    assert result.decoded.used_encoding == "big5hkscs"
    article = only_article(result)
    assert article.script == "traditional"
    assert "臺北市教育局日前宣布" in article.text
    assert "台北市教育局日前宣布" in article.text_normalized
    assert "版權所有" not in article.text


def test_pinyin_annotated_traditional_repost_is_normalized():
    article = only_article(clean("pinyin_traditional.html"))
    assert article.script == "pinyin"
    assert "發(fā)展" in article.text  # the original is kept as printed
    assert_text(article.text_normalized, ["促进义务教育优质均衡发展，取得了明显成效", "区域内教育资源共享"],
                ["(fā)", "(zhǎn)", "發", "區"])
    assert article.outlet == "教育觀察網"


def test_script_before_html_still_yields_the_article():
    article = only_article(clean("script_before_html.html"))
    assert article.title == "学区制改革让家长更安心"
    assert article.outlet == "城市晚报"
    assert_text(article.text, ["牵头学校每学期派出骨干教师", "通过同步课堂"], ["_hmt", "document.write", "ICP备"])


def test_layout_tables_are_read_as_blocks_not_rows():
    result = clean("layout_table.html")
    assert result.decoded.used_encoding == "gb18030"
    article = only_article(result)
    assert article.title == "城乡学校手拉手 结对帮扶见实效"
    assert article.published == datetime(2005, 4, 5, 6, 40)
    assert article.outlet == "南方教育报"
    assert article.author == "林晓东、周敏"
    assert_text(
        article.text,
        ["桐溪县近日召开教联体建设推进会", "让乡村孩子在家门口也能上好课"],
        ["|", "热门新闻", "第1页", "共1页", "分享到", "打印本文", "网友评论", "Copyright", "版权所有", "体育"],
    )


def test_comment_sections_are_left_out():
    article = only_article(clean("comment_section.html"))
    assert_text(article.text, ["组成六个县域教育联合体", "三类校本课程"], ["网友甲", "网友乙", "网友评论", "挂个牌子"])


def test_link_lists_inside_the_article_div_are_removed():
    article = only_article(clean("link_list_in_article.html"))
    assert_text(
        article.text,
        ["组成六个县域教育联合体", "牵头学校每学期派出骨干教师", "纳入学校办学水平评价"],
        ["教联体建设的五个关键问题", "教师交流轮岗制度解读", "上一篇", "下一篇", "教师技能大赛"],
    )


def test_a_page_of_links_is_a_listing_without_articles():
    result = clean("listing_links.html")
    assert result.is_listing
    assert result.articles == ()


def test_government_notice_metadata_and_url_date():
    result = clean("gov_notice.html", url="http://www.jc.gov.cn/zwgk/zcwj/202303/t20230315_1234.html")
    article = only_article(result)
    assert article.title == "关于深化集团化办学的实施意见"
    assert article.published == datetime(2023, 3, 15)
    assert article.reposted_from == "江城日报"
    assert article.outlet == "江城日报"
    assert article.site == "www.jc.gov.cn"
    assert_text(article.text, ["牵头学校每学期派出骨干教师"], ["您现在的位置", "字号", "网站标识码", "主办单位"])


def test_search_results_text_page_yields_one_record_per_item():
    result = clean("search_results.txt")
    assert result.is_listing
    assert len(result.articles) == 6
    first, third = result.articles[0], result.articles[2]
    assert first.author == "王明、李华"
    assert first.outlet == "基础教育研究"
    assert first.text.startswith("本文以某省三个县的教联体为例")
    assert third.author is None and third.outlet is None
    assert len({a.article_id for a in result.articles}) == 6
    for article in result.articles:
        assert_text(article.text, [], ["相似文献", "设为首页", "ICP备", "《"])


@pytest.mark.parametrize("name", sorted(p.name for p in PAGES.iterdir()))
def test_every_fixture_records_both_encodings(name):
    decoded = clean(name).decoded
    assert decoded.used_encoding


def test_journal_similar_list_in_html_yields_each_item_also_repeated_ones():
    result = clean("journal_similar_list.html")
    assert result.is_listing
    assert [a.outlet for a in result.articles] == ["教育研究与实验", "上海教育科研", "教育研究与实验"]
    assert [a.author for a in result.articles] == ["赵明", "钱芳", "赵明"]
    assert result.articles[0].text == result.articles[2].text  # the repeat keeps its abstract
    for article in result.articles:
        assert_text(article.text, [], ["相似文献", "Copyright", "高级检索", "设为首页"])


def test_a_list_of_headlines_with_teasers_and_dates_is_a_listing():
    result = clean("list_with_teasers.html")
    assert result.is_listing
    assert result.articles == ()
