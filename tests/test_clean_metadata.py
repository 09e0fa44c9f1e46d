"""Metadata, region, normalization and near-duplicate clusters."""

from __future__ import annotations

from datetime import datetime

import pytest

from edualliance.pipeline import metadata
from edualliance.pipeline.dedup import Member, cluster, shingle_hashes
from edualliance.pipeline.normalize import detect_script, normalize
from edualliance.pipeline.region import Region, find_region


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-04-12 15:04", "2024-04-12T15:04:00"),
        ("2023年3月15日", "2023-03-15"),
        ("2023年03月15日 08:05:09", "2023-03-15T08:05:09"),
        ("二〇二三年三月十五日", "2023-03-15"),
        ("二〇一九年十二月三十一日", "2019-12-31"),
        ("发布时间：2023-03-15 06:35:00", "2023-03-15T06:35:00"),
        ("来源：光明日报客户端2024-04-12 15:04", "2024-04-12T15:04:00"),
        ("2005/4/5", "2005-04-05"),
        ("2023.03.15", "2023-03-15"),
        ("第2023-13-45期", None),
        ("电话：010-12345678", None),
    ],
)
def test_dates_in_every_common_form(text, expected):
    assert metadata.find_date(text) == expected


def test_a_labelled_date_beats_the_first_date():
    zone = "今天是2025年1月1日 星期三\n标题\n发布日期：2023-03-15"
    assert metadata.labelled_date(zone) == "2023-03-15"


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://www.moe.gov.cn/jyb_xwfb/s5147/202303/t20230315_1050123.html", "2023-03-15"),
        ("https://news.example.com.cn/c/2019-11-25/doc-iihnzahi.shtml", "2019-11-25"),
        ("http://edu.example.cn/n1/2019/0615/c1006-3115.html", "2019-06-15"),
        ("http://www.example.com/news/637863.html", None),
    ],
)
def test_dates_in_urls(url, expected):
    assert metadata.url_date(url) == expected


def test_outlet_repost_and_author():
    assert metadata.outlet("来源：光明日报客户端2024-04-12 15:04") == "光明日报客户端"
    assert metadata.outlet("2023-03-15 来源: 南昌日报 作者：张三") == "南昌日报"
    assert metadata.reposted_from("本文转自：南昌日报") == "南昌日报"
    assert metadata.reposted_from("转载自中国教育报，有删节") == "中国教育报"
    assert metadata.author("（光明日报全媒体记者万玛加、王雯静 通讯员马慧翠）") == "万玛加、王雯静、马慧翠"
    assert metadata.author("本报讯（记者 万晓霞）记者从市教育局获悉") == "万晓霞"
    assert metadata.author("文/李明") == "李明"
    assert metadata.author("记者从市教育局获悉，全市将建设共同体") is None


@pytest.mark.parametrize(
    "title, lead, expected",
    [
        ("榕城区试点“教联体”模式", "近年来，我国基础教育领域……", Region("广东省", "揭阳市", "榕城区")),
        ("青海乐都：集团化办学助推教育事业高质量发展", "近年来，青海省海东市乐都区紧扣……",
         Region("青海省", "海东市", "乐都区")),
        ("南昌试点建设片区学校优质均衡发展共同体", "日前南昌市出台实施意见，东湖区、西湖区率先试点",
         Region("江西省", "南昌市", None)),
        ("北京市朝阳区推进学区制改革", "朝阳区教委近日召开会议", Region("北京市", "北京市", "朝阳区")),
    ],
)
def test_region_from_title_and_lead(title, lead, expected):
    assert find_region(title, lead) == expected


@pytest.mark.parametrize(
    "title, lead",
    [
        ("某区集团化办学加快教育均衡发展", "xx区结合区域实际，大力推行集团化办学"),
        ("朝阳小学开展教联体活动", "本校与三所乡村学校结对"),  # a school, not the district
        ("合作共赢：城乡学校结对帮扶", "城区学校与乡村学校深化合作"),  # 合作, 城区 are words here
        ("乡村振兴需要教育资源下沉", "富裕起来的农村更需要好学校"),  # 振兴区, 资源县, 富裕县 as words
    ],
)
def test_no_region_from_common_words_or_anonymised_places(title, lead):
    assert find_region(title, lead) is None


def test_script_detection_and_normalization():
    assert detect_script("集团化办学促进教育均衡发展") == "simplified"
    assert detect_script("集團化辦學促進教育均衡發展，學校聯盟") == "traditional"
    assert detect_script("no han here") == "none"
    text, script = normalize("促進教育均衡發(fā)展，推動區(qū)域共享，優(yōu)質資源(PISA)")
    assert script == "pinyin"
    assert text == "促进教育均衡发展，推动区域共享，优质资源(PISA)"


def test_shingles_ignore_punctuation_and_spaces():
    assert shingle_hashes("教育 联盟，发展。").tolist() == shingle_hashes("教育联盟发展").tolist()
    assert shingle_hashes("教育联盟发展").size == 2 and shingle_hashes("教育联盟").size == 0


def test_distinct_shingles_get_distinct_hashes():
    from edualliance.corpus.fixtureweb.generated_text import generated_text

    text = "".join(generated_text(i) for i in range(30))  # tens of thousands of shingles
    compact = "".join(ch for ch in text if ch.isalnum())
    distinct = {compact[i:i + 5] for i in range(len(compact) - 4)}
    assert len(distinct) > 20000
    assert shingle_hashes(text).size == len(distinct)


def test_reposts_cluster_and_the_earliest_is_canonical():
    story = ("为推动城乡义务教育优质均衡发展，全县中小学组成六个教育联合体，由城区优质学校牵头，乡村学校共同参与，"
             "实行管理互通、研训联动、质量共进的运行机制，牵头学校每学期派出骨干教师到成员校驻校指导。")
    other = ("学区制改革是破解择校难题的重要途径，调查发现学区内资源共享程度与家长满意度显著相关，"
             "研究建议进一步完善学区内教师流动和课程共享制度，扩大优质教育资源覆盖面。")
    members = [
        Member("late", story + "（转载自某报）", datetime(2024, 5, 2)),
        Member("early", story, datetime(2024, 5, 1)),
        Member("short", story[:70], None),  # a repost cut short
        Member("undated", other, None),
        Member("tiny", "通知", None),
    ]
    got = {a.article_id: a for a in cluster(members)}
    assert got["late"].cluster_id == got["early"].cluster_id == got["short"].cluster_id == "early"
    assert got["early"].is_canonical and not got["late"].is_canonical and not got["short"].is_canonical
    assert got["undated"].cluster_id == "undated" and got["undated"].is_canonical
    assert got["tiny"].cluster_id == "tiny"


def test_a_traditional_pinyin_mirror_clusters_with_the_simplified_original():
    original = ("近年来，各地积极探索集团化办学，通过名校带弱校、强校带新校，推动区域内教育资源共享，"
                "促进义务教育优质均衡发展，取得了明显成效。集团内学校实行统一管理、统一教研、统一考核。")
    mirror = ("近年來，各地積極探索集團化辦學，通過名校帶弱校、強校帶新校，推動區(qū)域內教育資源共享，"
              "促進義務教育優(yōu)質均衡發(fā)展，取得了明顯成效。集團內學校實行統(tǒng)一管理、統(tǒng)一教研、統(tǒng)一考核。")
    normalized, script = normalize(mirror)
    assert script == "pinyin"
    got = {a.article_id: a for a in cluster([Member("original", original, datetime(2022, 5, 1)),
                                             Member("mirror", normalized, datetime(2022, 5, 3))])}
    assert got["mirror"].cluster_id == "original" and got["original"].is_canonical
