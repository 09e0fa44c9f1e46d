"""Text pages: the line filter on the project's seed pages, and properties of the filter."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from edualliance.pipeline import textlines
from edualliance.pipeline.clean import clean_page
from edualliance.pipeline.dedup import Member, cluster
from edualliance.pipeline.records import RawPage


def clean_seed(seeds_dir: Path, prefix: str):
    path = next(seeds_dir.glob(f"{prefix}_*.txt"))
    return clean_page(RawPage(body=path.read_bytes(), source="seed", fetched_at=datetime.now(timezone.utc),
                              path=str(path)))


def region(article) -> tuple:
    return article.region_province, article.region_city, article.region_county


def test_seed_000_drops_the_headline_list(seeds_dir):
    (article,) = clean_seed(seeds_dir, "000").articles
    assert article.title.startswith("榕城区试点“教联体”模式")
    assert article.text.startswith("近年来,我国基础教育领域")
    assert article.text.endswith("贡献力量。")
    assert "•" not in article.text and "揭阳惠来" not in article.text
    assert region(article) == ("广东省", "揭阳市", "榕城区")


def test_seed_001_drops_related_lists_and_hides_no_region(seeds_dir):
    result = clean_seed(seeds_dir, "001")
    (article,) = result.articles
    assert article.title == "某区集团化办学加快教育均衡发展"
    assert article.published == datetime(2024, 11, 18, 21, 16, 52)
    assert article.outlet == "三味园范文网"
    for leaked in ("相关文章", "推荐文章", "下一篇", "由互联网用户分享整理", "祝酒词", "三味园范文网"):
        assert leaked not in article.text
    assert article.text.endswith("做出更大贡献。")
    assert region(article) == (None, None, None)  # xx区: anonymised on purpose


def test_seed_002_is_a_listing_of_twenty_records_with_reposts(seeds_dir):
    result = clean_seed(seeds_dir, "002")
    assert result.is_listing
    assert len(result.articles) == 20
    by_index = {a.part: a for a in result.articles}
    assert by_index[14].author == "李丽、张苗妙" and by_index[14].outlet == "人民教育"
    assert by_index[12].outlet == "教育文汇"
    for article in result.articles:
        assert "相似文献" not in article.text and "ICP" not in article.text
    clusters = {a.article_id: a.cluster_id for a in cluster(
        Member(x.article_id, x.text_normalized, x.published) for x in result.articles)}
    ids = [by_index[i].article_id for i in range(20)]
    assert clusters[ids[2]] == clusters[ids[3]]  # items 3 and 4 (1-based)
    assert clusters[ids[6]] == clusters[ids[9]]  # items 7 and 10
    assert len(set(clusters.values())) == 18


def test_seed_003_stops_at_the_editor_line(seeds_dir):
    (article,) = clean_seed(seeds_dir, "003").articles
    assert article.title == "青海乐都:集团化办学助推教育事业高质量发展"
    assert article.published == datetime(2024, 4, 12, 15, 4)
    assert article.outlet == "光明日报客户端"
    assert article.author == "万玛加、王雯静、马慧翠"
    assert article.text.endswith("(光明日报全媒体记者万玛加、王雯静 通讯员马慧翠)")
    for leaked in ("责编", "推荐阅读", "科创游", "开心", "点击右上角", "首页>", "视觉焦点", "加载更多"):
        assert leaked not in article.text
    assert region(article) == ("青海省", "海东市", "乐都区")


def test_seed_004_keeps_the_subtitle_and_drops_teasers(seeds_dir):
    (article,) = clean_seed(seeds_dir, "004").articles
    assert article.title == "南昌试点建设片区学校优质均衡发展共同体"
    assert article.published == datetime(2023, 3, 15, 6, 35)
    assert article.outlet == "南昌日报" and article.reposted_from == "南昌日报"
    assert article.text.splitlines()[0] == "鼓励允许学生假期适当跨校选课"
    for leaked in ("快照", "江西促进义务教育", "...", "2023-10-24", "杭州日报"):
        assert leaked not in article.text
    assert region(article) == ("江西省", "南昌市", None)


# -- properties ------------------------------------------------------------------------

_WORDS = ("学校", "教师", "学生", "课程", "资源", "城乡", "均衡", "发展", "共享", "教学", "质量", "改革",
          "集团", "联盟", "乡村", "办学", "培训", "评价", "家长", "课堂", "实践", "管理", "机制", "推进")
_PUNCT = ("，", "、", "；")

#: A body paragraph by construction: prose of education words, 30+ characters, ending a sentence.
paragraphs = st.lists(
    st.lists(st.sampled_from(_WORDS), min_size=4, max_size=12).map("".join),
    min_size=4, max_size=8,
).flatmap(lambda parts: st.lists(st.sampled_from(_PUNCT), min_size=len(parts) - 1, max_size=len(parts) - 1)
          .map(lambda seps: "".join(p + s for p, s in zip(parts, [*seps, "。"]))))

_HEADER = ["首页 > 教育 > 正文", "点击右上角微信好友", "朋友圈", "示范区集团化办学纪实", "来源：教育时报 2024-04-12 15:04"]
_FOOTER = ["[ 责编：张三 ]", "相关阅读", "- • 某地召开教育工作会议", "- • 某校举办运动会", "分享到：",
           "版权所有 某某网", "京ICP备00000000号", "网友评论 0 条", "上一篇：某地教育新闻", "以上内容为资讯信息快照，本站不对内容负责。"]


@settings(max_examples=150, deadline=None)
@given(body=st.lists(paragraphs, min_size=1, max_size=8),
       header=st.lists(st.sampled_from(_HEADER), max_size=5),
       footer=st.lists(st.sampled_from(_FOOTER), max_size=8))
def test_text_page_filter_keeps_every_body_paragraph(body, header, footer):
    page = textlines.clean_text_page("\n".join([*header, *body, *footer]))
    kept = [line for line in page.body if line in body]
    assert kept == body
    for line in footer:
        assert line not in page.body


@settings(max_examples=150, deadline=None)
@given(body=st.lists(paragraphs, min_size=1, max_size=8),
       footer=st.lists(st.sampled_from(_FOOTER), max_size=8))
def test_html_line_filter_keeps_every_body_paragraph(body, footer):
    kept = textlines.filter_body([*body, *footer], title=None)
    assert kept[: len(body)] == body
    assert not set(footer) & set(kept)


@settings(max_examples=100, deadline=None)
@given(lines=st.lists(st.text(min_size=0, max_size=80), max_size=30))
def test_line_filters_never_fail_on_any_text(lines):
    textlines.clean_text_page("\n".join(lines))
    textlines.filter_body(lines)
