"""The taxonomy's urban–rural aim rule (models/scoring.py, AIM_RULES), on the shipped model."""

from __future__ import annotations

import numpy as np

from edualliance.models import scoring
from edualliance.models import text as textprep
from edualliance.models.classifier import LearnedClassifier
from edualliance.pipeline.records import LABELS

TITLE = "全县推进县域教联体建设工作综述"
FORMED = "去年秋季以来，全县按照“强弱搭配、远近结合”的原则，把二十八所公办中小学组建为六个融合型教联体，实行人财物统一管理。"
WORKING = "一年来，各教联体统一排课、统一教研、统一考核，牵头学校的骨干教师按学期到成员校任教。"
#: Two sentences that join the 教联体 with village schools: the aim discussed, in plain policy words.
AIM = [
    FORMED,
    "组建教联体的出发点，是让乡村孩子在家门口上好学，县教育局把缩小城乡教育差距写进了每个教联体的三年发展规划。",
    WORKING,
    "县教育局负责人表示，教联体建设让农村学校的办学质量明显提升，下一步将总结经验，在全县整体推开。",
]
#: One passing phrase about the urban–rural balance.
PASSING = [FORMED, "组建教联体是推进城乡教育均衡的重要举措。", WORKING, "县教育局负责人表示，下一步将总结经验，在全县整体推开。"]
#: The other sense: a 家校社协同育人 教联体 that serves village schools is not a school pairing.
HOME_SCHOOL = [
    "县妇联、县教育局联合召开家校社协同育人教联体推进会，要求各校与社区、家庭形成育人合力。",
    "会议提出，要关注农村留守儿童，教联体成员单位要为乡村学校的家长课堂提供志愿服务。",
    "在农村地区，教联体将组织法治、心理健康和安全教育进乡村学校，让家校社协同育人落到实处。",
]


def _published(shipped: LearnedClassifier, paragraphs: list[str], *, aim_rules: bool) -> dict[str, float]:
    doc = textprep.document(TITLE, "\n".join(paragraphs))
    detail = scoring.article_scores(shipped.pipeline, [doc], aim_rules=aim_rules)
    return dict(zip(LABELS, np.round(shipped.calibration.apply(detail.raw), scoring.SCORE_DIGITS)[0]))


def test_a_jiaolianti_text_that_discusses_the_urban_rural_aim_is_urban_rural_too(shipped):
    verdict = shipped.classify([(TITLE, "\n".join(AIM))])[0]
    assert verdict.labels == ("jiaolianti", "urban_rural"), verdict.scores
    assert verdict.primary == "jiaolianti" and verdict.sense == "school_alliance"
    # The evidence names the joins the rule counted first, then the model's own terms.
    assert verdict.evidence["urban_rural"][:2] == ("rule: 教联体…乡村", "rule: 教联体…农村"), verdict.evidence
    assert len(verdict.evidence["urban_rural"]) > 2
    # The linear model alone leaves it under the threshold, as it does real county pages:
    # the rule is what assigns the label.
    assert _published(shipped, AIM, aim_rules=False)["urban_rural"] < scoring.DECISION


def test_a_passing_urban_rural_phrase_or_the_home_school_sense_gives_no_urban_rural(shipped):
    for paragraphs in (PASSING, HOME_SCHOOL):
        verdict = shipped.classify([(TITLE, "\n".join(paragraphs))])[0]
        assert verdict.labels == ("jiaolianti",), verdict.scores
    assert shipped.classify([(TITLE, "\n".join(HOME_SCHOOL))])[0].sense == "home_school_society"


def test_aim_sentences_are_counted_where_the_name_and_the_countryside_meet():
    jiaolianti, district = (rule.name for rule in scoring.AIM_RULES)
    assert scoring.aim_sentences(textprep.prepare("\n".join(AIM)), jiaolianti) == ["教联体…乡村", "教联体…农村"]
    assert scoring.aim_sentences(textprep.prepare("\n".join(PASSING)), jiaolianti) == ["教联体…城乡"]
    # Village background in a sentence that does not name the 教联体 is not the aim.
    assert scoring.aim_sentences("教联体统一排课。乡村学校新建了食堂，农村学生营养餐覆盖率达到百分之百。", jiaolianti) == []
    # 学区房 is housing, not a 学区.
    assert scoring.aim_sentences("农村家长在县城买学区房。城关学区把骨干教师派到乡村学校。", district) == ["学区…乡村"]
