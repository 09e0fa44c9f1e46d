"""Paragraph evidence, markup, and scores that agree with decisions (issue 13), on the shipped model."""

from __future__ import annotations

import random

from edualliance.models import scoring
from edualliance.models.calibration import ArticleCalibration
from edualliance.models import text as textprep
from edualliance.pipeline.records import LABELS

GROUP_RUN = [
    "市第一中学教育集团成立于2019年，目前由一所核心校和四所成员校组成。集团实行理事会领导下的总校长负责制，"
    "总校长统筹集团内的干部任用、教师调配和经费使用，成员校的课程计划和教学常规与核心校统一。",
    "五年来，集团内累计交流干部二十余人、骨干教师一百六十多人次。成员校教师到核心校跟岗研修不少于一个学期，"
    "集团统一组织期中、期末质量监测，监测结果作为成员校考核的主要依据。",
    "集团还建立了课程资源中心，各校区共享校本课程八十余门，学生可以跨校区选修社团课程。集团总校长表示，"
    "下一步将推动成员校在统一标准的基础上形成各自特色，避免千校一面。",
]
PAIRING = ("此外，集团核心校与山区的两所村小签订了三年结对帮扶协议：核心校每学期选派三名骨干教师到村小驻校任教，"
           "村小的青年教师到核心校跟岗一个学期，双方每月开展一次联合教研，村小的教学质量与核心校捆绑考核。")
SAFETY = [
    "为做好秋季学期校园安全工作，县教育局近日召开全县中小学校园安全工作会议，通报了暑期校园安全隐患排查整治情况。",
    "会议要求，各校要严格落实校园安全主体责任，加强门卫值守和校园周边巡逻，开展防溺水、交通安全和消防安全教育，"
    "学校食堂要落实食材采购查验、留样和陪餐制度，确保师生饮食安全。",
    "会议强调，新学期要统筹推进集团化办学、学区化管理和城乡教育共同体建设，同时把安全工作摆在首位，"
    "以“时时放心不下”的责任感抓好各项工作。",
    "会后，与会人员实地查看了县第二中学的食堂和宿舍管理情况。",
]

#: A county's year in figures: prose that names no model, as real pages carry around the passage about one.
BACKGROUND = [
    "今年全县新建改扩建中小学校舍十二万平方米，新增学位八千余个，食堂、操场和图书室同步改造，教师周转房建成四百套。",
    "全县小学在校生比上年增加三千二百人，专任教师学历合格率保持百分之百，教育经费投入连续五年增长，生均公用经费标准提高到每年八百元。",
    "县教育局还组织了全县中小学生运动会，二十八所学校的一千二百名运动员参加了田径、球类和跳绳等项目的比赛。",
    "暑期前，全县开展了防溺水专题教育，发放致家长一封信三万余份，重点水域设置警示牌一百二十块，落实巡查人员二百余名。",
    "学前教育方面，全县新建公办幼儿园六所，普惠性幼儿园覆盖率达到百分之九十二，农村幼儿园保教人员全部持证上岗。",
    "职业教育方面，县职教中心新开设智能制造和电子商务两个专业，与本地十二家企业签订订单培养协议，毕业生就业率百分之九十六。",
    "教师队伍建设方面，全年招聘新教师一百八十名，组织全员培训两轮，评选县级骨干教师一百名、名班主任三十名。",
    "营养改善计划惠及农村学生两万一千人，学校食堂全部实现明厨亮灶，大宗食材统一招标采购。",
]


def test_a_model_practised_in_one_paragraph_is_a_secondary_label(shipped):
    text = "\n".join([GROUP_RUN[0], GROUP_RUN[1], PAIRING, GROUP_RUN[2]])
    verdict = shipped.classify([("市第一中学教育集团办学五年回顾", text)])[0]
    assert set(verdict.labels) == {"group_run", "urban_rural"}, verdict.scores
    assert verdict.primary == "group_run"
    # Without that paragraph the article is about group-run schools alone.
    alone = shipped.classify([("市第一中学教育集团办学五年回顾", "\n".join(GROUP_RUN))])[0]
    assert alone.labels == ("group_run",), alone.scores


def test_a_model_discussed_inside_a_long_run_on_paragraph_is_found(shipped):
    # Flattened pages run the passage about a model into one paragraph of background; cut into
    # pieces the size of a training article (text.PARAGRAPH_MAX), it is scored at the density the
    # model learned from. Cut at 700 characters, these scored 0.48 and 0.016.
    for passage in GROUP_RUN[:2]:
        run_on = "".join([*BACKGROUND[:4], passage, *BACKGROUND[4:]])
        verdict = shipped.classify([("县教育工作年度综述", run_on)])[0]
        assert verdict.labels == ("group_run",), verdict.scores
    # An enumeration run into the same background is still no label.
    verdict = shipped.classify([("县教育工作年度综述", "".join([*BACKGROUND[:4], *SAFETY, *BACKGROUND[4:]]))])[0]
    assert verdict.labels == (), verdict.scores


def test_models_named_only_in_an_enumeration_give_no_label(shipped):
    verdict = shipped.classify([("县教育局部署秋季学期校园安全工作", "\n".join(SAFETY))])[0]
    assert verdict.labels == (), verdict.scores


def test_markup_and_site_shells_are_stripped_before_features(shipped):
    plain = "\n".join([GROUP_RUN[0], GROUP_RUN[1], PAIRING, GROUP_RUN[2]])
    marked = "".join(
        f'<p class="MsoNormal" style="text-indent:2em"><span style="font-family:仿宋;font-size:16pt">{p}</span></p>'
        for p in (GROUP_RUN[0], GROUP_RUN[1], PAIRING, GROUP_RUN[2]))
    shell = ("文档格式：.docx  文档页数：4页\n下载积分：2  上传者：jy2023\n文档介绍：" + marked
             + "\n预览结束，剩余2页可下载查看\n免费下载 | 举报 | 收藏本文")
    prepared = textprep.prepare(textprep.document("市第一中学教育集团办学五年回顾", shell))
    assert "<" not in prepared and "span" not in prepared and "下载积分" not in prepared and "剩余" not in prepared
    want = shipped.classify([("市第一中学教育集团办学五年回顾", plain)])[0]
    got = shipped.classify([("市第一中学教育集团办学五年回顾", shell)])[0]
    assert got.labels == want.labels == ("group_run", "urban_rural")


def test_the_assigned_set_is_exactly_the_labels_scoring_at_least_one_half(shipped):
    from edualliance.models import corpus

    examples, _ = corpus.load_corpus(seeds=False)
    articles = [e for e in examples if not e.unit]
    rng = random.Random(3)
    sample = rng.sample(articles, 150)
    # Texts cut at random places: scores land near the decision as well as far from it.
    items = [(e.title, e.text[: rng.randint(20, max(21, len(e.text)))]) for e in sample]
    items.append(("", "\n".join(SAFETY)))
    near = 0
    for verdict in shipped.classify(items):
        assert set(verdict.labels) == {label for label in LABELS if verdict.scores[label] >= scoring.DECISION}
        assert all(0.0 <= s <= 1.0 for s in verdict.scores.values())
        near += any(0.2 <= s <= 0.8 for s in verdict.scores.values())
    assert near >= 3  # the check saw scores that are not all 0 or 1


def test_the_score_mapping_puts_each_threshold_at_one_half():
    import numpy as np

    thresholds = np.array([0.2, 0.35, 0.5, 0.8])
    mapped = scoring.to_half(thresholds[None, :].repeat(2, axis=0), thresholds)
    assert np.allclose(mapped, 0.5)
    grid = np.linspace(0, 1, 101)[:, None].repeat(4, axis=1)
    out = scoring.to_half(grid, thresholds)
    assert np.all(np.diff(out, axis=0) >= 0)  # monotone
    assert np.array_equal(out >= 0.5, grid >= thresholds)
    calibration = ArticleCalibration(thresholds, np.array([0.5, 1.0, 2.0, 3.0]))
    assert np.array_equal(calibration.apply(grid) >= 0.5, grid >= thresholds)


def test_the_model_a_headline_names_is_the_primary_label():
    """Two labels both near 1: the headline, not the whole-text score, says which is the article's subject."""
    import numpy as np

    scores = np.array([0.0, 0.9999, 0.9999, 0.0])
    whole = np.array([0.0, 0.98, 0.99, 0.0])  # the whole text leans to district_community
    headline = scoring.headline_ranks("青海乐都：集团化办学助推教育事业高质量发展\n近年来，全区推进学区制改革……")
    assert headline[LABELS.index("group_run")] > 0 and headline[LABELS.index("district_community")] == 0
    assert scoring.decide(scores, 0, 0, whole=whole, headline=headline).primary == "group_run"
    assert scoring.decide(scores, 0, 0, whole=whole).primary == "district_community"
    # A headline naming two models has the first named as its subject, whichever has more names in it.
    both = scoring.headline_ranks("学区制改革与集团化办学、教育集团建设双轮驱动\n……")
    assert scoring.decide(scores, 0, 0, whole=whole[::-1], headline=both).primary == "district_community"
    both = scoring.headline_ranks("名校集团化办学为何离不开学区制\n……")
    assert scoring.decide(scores, 0, 0, whole=whole, headline=both).primary == "group_run"
    # A first line that is a lead paragraph, not a headline, names models without deciding between them.
    lead = "上海近日出台两个文件，推行学区化集团化办学和新优质学校集群式发展，作为义务教育内涵优质均衡发展的双引擎。\n……"
    assert scoring.headline_ranks(lead) == [0.0] * len(LABELS)
    # A headline naming a boundary case (职业教育集团) names no model.
    assert scoring.headline_ranks("市职业教育集团召开年会\n……") == [0.0] * len(LABELS)


def test_a_seed_article_about_school_groups_with_a_district_paragraph_has_group_run_primary(shipped, seeds_dir):
    from edualliance.pipeline.clean import clean_page
    from edualliance.pipeline.ingest import read_page_file

    (article,) = clean_page(read_page_file(next(seeds_dir.glob("003_*.txt")))).articles
    verdict = shipped.classify([(article.title, article.text_normalized)])[0]
    assert set(verdict.labels) == {"group_run", "district_community"} and verdict.primary == "group_run"
