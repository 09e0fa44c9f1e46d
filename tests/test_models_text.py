"""Prose extraction and tokenization for the learned classifier."""

from __future__ import annotations

import importlib

from edualliance.models import text as textprep

PAGE = """首页 > 新闻中心 > 教育动态
县里召开学校食堂安全会议
发布时间：2024-09-12　来源：县教育局　浏览次数：231
会议要求各校严格落实食材采购查验和留样制度，确保师生饮食安全。
• 我市城乡教育共同体结对学校开展联合教研
• 第二批紧密型教育集团名单公布
更多教育资讯：
学区制改革试点扩大到五个区
2024-09-10 08:00:00
"""


def test_prose_drops_navigation_metadata_lists_and_tail():
    kept = textprep.prose(PAGE)
    assert "县里召开学校食堂安全会议" in kept  # the headline, first short line
    assert "留样制度" in kept
    for noise in ("首页", "发布时间", "城乡教育共同体", "教育集团", "学区制"):
        assert noise not in kept


def test_breadcrumb_chain_without_label_is_dropped_but_prose_with_one_separator_kept():
    prose_line = "全市初中数学平均分>90分的学校由3所增加到11所，城乡学校之间的差距明显缩小。"
    kept = textprep.prose(f"新闻中心 » 教育动态 » 正文\n{prose_line}\n{'教联体' * 400}。")
    assert "新闻中心" not in kept
    assert prose_line in kept and "教联体教联体" in kept


def test_list_item_before_a_date_and_search_snippets_are_dropped():
    text = ("正文讲的是学校体育节的安排，各班按时报名参加，学校统一组织比赛和颁奖。\n"
            "...建成城乡学校发展共同体128对。程裕秋说,江西省财政安排3000万元\n"
            "市教育局深入推进城乡发展共同体建设提出2024年覆盖全市所有乡村中心学校的目标\n"
            "2024-03-26 06:40:00\n")
    kept = textprep.prose(text)
    assert "体育节" in kept and "共同体" not in kept


def test_a_text_that_is_only_an_excerpt_keeps_its_sentences():
    excerpt = "……关于加强乡村学校师资的建议，答复如下：我县已组建县域教联体11个，教联体内教师统一调配。"
    kept = textprep.prose(excerpt)
    assert kept.startswith("关于加强乡村学校师资") and "县域教联体11个" in kept
    headed = textprep.prose(f"县域教联体建设答复摘要\n{excerpt}")
    assert headed.startswith("县域教联体建设答复摘要\n关于加强乡村学校师资")


def test_numbered_section_heading_inside_an_article_is_kept():
    long = "这是一段足够长的正文内容，用来说明改革的背景、做法和取得的成效，并且以句号结束。"
    kept = textprep.prose(f"{long}\n一、县域教联体建设的背景\n{long}")
    assert "县域教联体建设的背景" in kept


def test_prepare_normalizes_traditional_and_pinyin():
    prepared = textprep.prepare(textprep.document("縣域教聯體建設", "教聯(lián)體讓鄉(xiāng)村學校共享優質資源，城鄉教師共同備課。"))
    assert "教联体" in prepared and "乡村学校" in prepared and "(lián)" not in prepared


def test_domain_terms_stay_whole():
    tokens = textprep.tokenize("推进集团化办学、片区共同体和城乡教育共同体建设，深化教共体与教联体改革")
    for term in ("集团化办学", "片区共同体", "城乡教育共同体", "教共体", "教联体"):
        assert term in tokens
    assert "的" not in textprep.tokenize("学校的发展")


def test_compound_terms_also_yield_their_core():
    assert {"县域教联体", "教联体"} <= set(textprep.tokenize("湖北县域教联体建设"))


def test_tokenizer_is_a_module_level_function_skops_can_name():
    module = importlib.import_module(textprep.tokenize.__module__)
    assert getattr(module, textprep.tokenize.__qualname__) is textprep.tokenize
    assert getattr(module, textprep.prepare_texts.__qualname__) is textprep.prepare_texts


def test_hard_wrapped_page_keeps_its_text():
    sentence = "本县深化集团化办学改革，由城区优质学校牵头组建教育集团，集团内统一管理、教师统一调配、课程共建共享，新建学校全部纳入集团。"
    wrapped = "\n".join(sentence[i:i + 18] for i in range(0, len(sentence), 18))
    page = "\n".join([wrapped] * 4)
    assert "教育集团" in textprep.prose(page)
    menu = "\n".join(["首页", "新闻中心", "集团化办学", "学区动态", "城乡教共体", "政策文件"])
    assert textprep.prose(menu) == ""
