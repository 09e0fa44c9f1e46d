"""The padding stress test (bench/padding.py): what a padded text keeps, what it is padded with."""

from __future__ import annotations

import json
import random

import pytest

from padding import PAD_CHARS, diluted, neutral_texts, pad  # bench/ (tests/conftest.py puts it on the path)

from edualliance.models.examples import Example

BACKGROUND = ("今年全区新建改扩建中小学校舍十二万平方米，新增学位八千余个，食堂、操场和图书室同步改造，"
              "教师周转房建成四百套，学生体质健康测试优良率提高到百分之五十五。")
FIGURES = ("全市小学在校生人数比上年增加三千二百人，专任教师学历合格率保持百分之百，"
           "教育经费投入连续五年增长，生均公用经费标准提高到每年八百元。")
ARTICLE = "某县集团化办学纪实\n县教育局组建三个教育集团，由城区名校牵头，成员校统一教学管理。"


def example(text: str, labels: tuple[str, ...] = (), **kw) -> Example:
    return Example(title=None, text=text, labels=labels, primary=labels[0] if labels else "none", **kw)


def test_padding_keeps_the_text_whole_its_headline_first_and_reaches_the_length():
    for merged in (False, True):
        padded = pad(ARTICLE, [BACKGROUND, FIGURES], 600, merged, random.Random(1))
        assert len(padded) >= 600
        assert padded.split("\n")[0] == "某县集团化办学纪实"
        assert "县教育局组建三个教育集团，由城区名校牵头，成员校统一教学管理。" in padded
        lines = padded.count("\n") + 1
        assert lines == 2 if merged else lines > 2  # merged runs into the paragraphs, else adds its own


def test_a_one_paragraph_text_is_padded_into_that_paragraph():
    padded = pad("县教育局组建三个教育集团。", [BACKGROUND], 300, True, random.Random(0))
    assert "\n" not in padded and padded.startswith("县教育局组建三个教育集团。")


def test_only_unlabeled_prose_that_names_no_model_pads():
    pool = neutral_texts([
        example(BACKGROUND),
        example(FIGURES, ("group_run",), style="news"),  # labeled: never padding
        example("区里推进集团化办学，" + BACKGROUND),  # names a model
        example("学区长办公室电话：8888。"),  # too short to be prose
        example("首页 | 新闻 | 图片 | 视频\n" + FIGURES.replace("全市", "全县")),  # furniture dropped, prose kept
        example(BACKGROUND, weight=0.5),  # a weak example
    ])
    assert pool == [BACKGROUND, FIGURES.replace("全市", "全县")]


def test_a_series_is_padded_to_real_page_lengths_half_merged_and_reproducibly():
    padding = [BACKGROUND, FIGURES]
    first = [diluted(ARTICLE, padding, n, random.Random(3)) for n in range(2)]
    assert first == [diluted(ARTICLE, padding, n, random.Random(3)) for n in range(2)]
    assert all(len(text) >= PAD_CHARS[0] for text in first)
    assert first[0].count("\n") > 1 and first[1].count("\n") == 1  # the odd one is padded merged
    long_text = "县教育局组建教育集团。" * 200
    assert diluted(long_text, padding, 0, random.Random(0)) == long_text  # already a page's length


def test_dilute_says_what_is_missing_when_the_gold_file_has_nothing_to_pad_with(tmp_path):
    from eval_classify import diluted_items  # bench/

    from edualliance.models.evaluation import read_gold

    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"text": "县教育局组建三个教育集团。", "labels": ["group_run"]}\n', encoding="utf-8")
    with pytest.raises(SystemExit, match="no unlabeled text"):
        diluted_items(read_gold(gold))
    gold.write_text(gold.read_text(encoding="utf-8") + json.dumps({"text": BACKGROUND, "labels": []},
                                                                   ensure_ascii=False) + "\n", encoding="utf-8")
    padded = diluted_items(read_gold(gold))
    assert BACKGROUND in padded[0].text and len(padded[0].text) >= PAD_CHARS[0]
