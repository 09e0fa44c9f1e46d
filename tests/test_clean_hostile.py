"""Issue 12: pages that used to crash, be rejected, or vanish without a word.

Each test names the behaviour it pins; each failed before the change it covers.
"""

from __future__ import annotations

import codecs
from datetime import datetime, timezone
from pathlib import Path

import pytest

from edualliance.pipeline import htmltree, markuptext
from edualliance.pipeline.clean import CleaningError, clean_page
from edualliance.pipeline.decode import decode
from edualliance.pipeline.records import RawPage
from edualliance.pipeline.region import find_region

FIXTURES = Path(__file__).parent / "fixtures"
ARTICLE = ("为推动城乡义务教育优质均衡发展，全县中小学组成六个教育联合体，由城区优质学校牵头，"
           "乡村学校共同参与，实行管理互通、研训联动、质量共进的运行机制。")
GBK_PARAGRAPH = "牵头学校每学期派出骨干教师到成员校驻校指导，成员校教师也可以到牵头学校跟岗学习。"


def raw(body: bytes, **kw) -> RawPage:
    return RawPage(body=body, source="test", fetched_at=datetime.now(timezone.utc), **kw)


def page(text: str = ARTICLE, head: str = "") -> str:
    return (f"<html><head>{head}<title>教育联合体</title></head>"
            f"<body><h1>教育联合体</h1><p>{text}</p></body></html>")


def only(result):
    assert len(result.articles) == 1, [a.title for a in result.articles]
    return result.articles[0]


# -- decoding: no codec error escapes, what can be read is kept ---------------------------


@pytest.mark.parametrize("charset", ["undefined", "idna", "punycode", "utf-7", "base64", "rot13",
                                     "unicode_escape", "x-no-such-charset"])
@pytest.mark.parametrize("where", ["meta", "header"])
def test_a_bogus_declared_charset_is_ignored(charset, where):
    head = f'<meta charset="{charset}">' if where == "meta" else ""
    for encoding in ("utf-8", "gbk"):
        body = page(head=head).encode(encoding)
        content_type = f"text/html; charset={charset}" if where == "header" else "text/html"
        assert ARTICLE in only(clean_page(raw(body, content_type=content_type))).text


def test_one_bad_byte_in_a_short_page_is_a_replacement_character():
    short = "县教育局公布学区划分方案，全县划为八个学区。"
    for encoding in ("utf-8", "gbk"):
        body = page(short).encode(encoding).replace(short[:4].encode(encoding), short[:4].encode(encoding) + b"\xff", 1)
        decoded = decode(body)
        assert "\ufffd" in decoded.text and short[4:] in decoded.text


def test_a_utf8_page_with_one_gbk_paragraph_is_decoded_block_by_block():
    body = (page(ARTICLE).replace("</body>", "").encode("utf-8")
            + f"<p>{GBK_PARAGRAPH}</p>".encode("gbk") + f"<p>{ARTICLE}</p></body></html>".encode("utf-8"))
    decoded = decode(body)
    assert decoded.used_encoding == "utf-8+gb18030"
    assert GBK_PARAGRAPH in decoded.text and decoded.text.count(ARTICLE) == 2


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_without_a_bom(encoding):
    decoded = decode(page().encode(encoding))
    assert decoded.used_encoding == encoding and ARTICLE in decoded.text
    assert ARTICLE in only(clean_page(raw(page().encode(encoding)))).text
    if encoding.startswith("utf-16"):  # Han text without any ASCII: no zero byte to go by
        assert decode((ARTICLE * 3).encode(encoding)).text == ARTICLE * 3


def test_nul_bytes_in_a_text_page_are_dropped():
    body = page().encode("utf-8")
    body = body[:40] + b"\x00" + body[40:80] + b"\x00\x00" + body[80:]
    decoded = decode(body)
    assert "\x00" not in decoded.text and ARTICLE in decoded.text
    assert ARTICLE in only(clean_page(raw(body))).text


def test_no_lone_surrogate_survives_decoding():
    body = page().encode("utf-8").replace(b"<p>", b"<p>\xed\xa0\x80", 1)  # an encoded lone surrogate
    text = decode(body).text
    text.encode("utf-8")  # would raise on a lone surrogate
    assert ARTICLE in text


def test_xhtml_with_an_xml_declaration():
    body = ('<?xml version="1.0" encoding="gb2312"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
            '<html xmlns="http://www.w3.org/1999/xhtml">' + page()[6:]).encode("gbk")
    assert decode(body).declared_encoding == "gb2312"
    assert ARTICLE in only(clean_page(raw(body, path="/tmp/p.xhtml"))).text


# -- bounded cost ---------------------------------------------------------------------------


def test_a_page_over_the_element_budget_is_read_without_a_tree(monkeypatch):
    def no_tree(html):
        raise AssertionError("a page over the budget must not be parsed into a tree")

    monkeypatch.setattr(htmltree, "parse", no_tree)
    nested = "<div>" * 60 + f"<p>{ARTICLE}</p>" + "</div>" * 60
    body = f"<html><head><title>教育联合体</title></head><body>{nested * 250}</body></html>"
    assert markuptext.tag_count(body) > markuptext.MAX_TREE_TAGS
    article = only(clean_page(raw(body.encode("utf-8"), content_type="text/html")))
    assert ARTICLE in article.text


def test_markup_text_keeps_blocks_and_drops_scripts_and_comments():
    html = ("<body><script>var a='<p>不要</p>';</script><!-- 注释 --><div>第一段<br>第二段</div>"
            "<p>第&#19977;段 &amp; 更多</p><style>p{}</style></body>")
    assert markuptext.markup_lines(html) == ["第一段", "第二段", "第三段 & 更多"]


# -- official documents ---------------------------------------------------------------------


def govdoc(name: str, url: str | None = None):
    path = next((FIXTURES / "govdocs" / "pages").glob(name + ".*"))
    return clean_page(raw(path.read_bytes(), path=str(path), url=url))


def test_a_gazette_of_short_numbered_items_is_one_document():
    article = only(govdoc("gazette_pilot_list"))
    assert article.title == "教育部 国家发展改革委 财政部关于公布第二批学区制改革实验区名单的公告"
    lines = article.text.splitlines()
    assert lines[0] == "2024年第3号"
    assert "1．北京市海淀区" in lines and "二、中部地区" in lines
    assert lines[-2:] == ["教育部 国家发展改革委 财政部", "2024年1月25日"]  # the 落款 stays
    assert article.region_level == "national" and article.region_province is None


def test_a_numbered_notice_without_an_addressee_is_one_record():
    result = govdoc("notice_no_addressee")
    article = only(result)
    assert not result.is_listing
    assert article.title == "关于开展学区制管理改革中期检查的通知"
    assert article.text.splitlines()[0].startswith("1、检查范围")
    assert article.text.splitlines()[-1] == "二○一二年五月十四日"
    assert article.outlet is None  # 来源：本站原创 names no outlet


def test_a_name_list_notice_keeps_table_rows_and_its_signature():
    article = only(govdoc("list_notice"))
    assert "2 育才中学教育集团 市育才中学 3" in article.text.splitlines()
    assert article.text.endswith("市教育局\n2023年9月1日")
    assert article.outlet == "基础教育处"  # not 基础教育处字体
    assert article.region_province is None  # 东城区第一小学 is a school, not Beijing's district


def test_a_numbered_list_of_abstracts_is_still_a_listing():
    result = clean_page(raw((FIXTURES / "pages" / "search_results.txt").read_bytes(), path="search_results.txt"))
    assert result.is_listing and len(result.articles) == 6


# -- modern portals -------------------------------------------------------------------------


def fixture(name: str):
    path = FIXTURES / "pages" / name
    return only(clean_page(raw(path.read_bytes(), path=str(path))))


def test_a_topic_page_keeps_its_summary_not_the_media_reports():
    article = fixture("topic_summary.html")
    assert article.text.startswith("2023年以来")
    for report in ("浙江日报", "四川：城乡学校结对帮扶", "拉郎配", "截至目前"):
        assert report not in article.text


def test_self_media_credits_promos_and_end_marks_are_dropped():
    article = fixture("selfmedia_post.html")
    assert article.text.endswith("纳入校长考核。")
    for furniture in ("THE END", "文字：", "审核", "监制", "关注", "转载请注明", "阅读原文"):
        assert furniture not in article.text


def test_portal_tail_disclaimer_app_promo_and_related_list_are_dropped():
    article = fixture("portal_trailing.html")
    assert article.text.endswith("简单复制。")
    assert article.outlet == "某某晚报" and article.carrier == "某某在线"


# -- region: national news -------------------------------------------------------------------


@pytest.mark.parametrize("title, lead, expected", [
    ("全国教育工作会议在北京召开", "1月12日，2024年全国教育工作会议在北京召开。", ("national", None)),
    ("教育部印发《关于推进城乡学校共同体建设的意见》", "新华社北京3月1日电 教育部近日印发意见。", ("national", None)),
    ("教联体建设进展", "本报讯 教育部近日召开新闻发布会，介绍各地教联体建设进展。", ("national", None)),
    ("江苏省贯彻落实教育部学区制改革部署", "江苏省教育厅近日印发通知。", ("province", "江苏省")),
    ("北京市教委召开集团化办学推进会", "北京市教委日前召开会议。", ("province", "北京市")),
    ("乐都区推进集团化办学", "青海省海东市乐都区日前启动集团化办学。", ("county", "青海省")),
    # a lead that implements a national document is local news: the ministry is cited, not the subject
    ("关于推进家校社协同育人“教联体”建设的通知", "为落实教育部等十七部门《工作方案》，武汉市各区要建设教联体。",
     ("city", "湖北省")),
])
def test_region_level(title, lead, expected):
    region = find_region(title, lead)
    assert (region.level, region.province) == expected


def test_the_venue_of_a_national_meeting_is_not_its_region():
    region = find_region("城乡学校共同体建设现场会召开", "教育部日前在成都召开全国城乡学校共同体建设现场会。")
    assert region.level == "national"


def test_every_cleaning_error_is_a_cleaning_error_never_another_exception():
    for body in (b"\xff\xfe", b"\xfe\xff\x00", b"\x00" * 10, b"<html>" + b"\x00\x01" * 500,
                 "<meta charset='idna'>\u00e9".encode("latin-1"), codecs.BOM_UTF32_LE + b"\x00\xd8\x00\x00"):
        try:
            clean_page(raw(body, content_type="text/html; charset=undefined"))
        except CleaningError as exc:
            assert str(exc)
