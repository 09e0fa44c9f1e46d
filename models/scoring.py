"""From a fitted pipeline to article scores and decisions.

:func:`article_scores` scores an article whole and paragraph by paragraph
(:func:`units_of`) and keeps, per label, the highest unit score, each unit's
probability first rescaled so that its threshold is 0.5 (:func:`to_half`);
then the taxonomy's rules apply (NAMED_LABELS: 教联体 needs its name;
AIM_RULES: a 教联体 or 学区 text that discusses the urban–rural aim is
urban_rural too).
:func:`decide` turns published scores into labels: a label is assigned
exactly when its published score is at least DECISION.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from edualliance.pipeline.records import LABELS, NONE_LABEL

from . import text as textprep
from .build import thresholds_of
from .keywords import EXCLUDE, TERMS
from .vectorize import union_transform

#: Columns of the whole-text outputs after the labels (see ``signature.OUTPUTS``).
RELEVANT = LABELS.__len__()
SENSE_HSS = RELEVANT + 1
SENSE_SA = RELEVANT + 2


@dataclass(frozen=True)
class Decision:
    labels: tuple[str, ...]
    primary: str
    sense: str | None


#: The one decision threshold of every published score: a label is assigned
#: exactly when its (rounded) score is at least this.
DECISION = 0.5
SCORE_DIGITS = 4


def to_half(proba: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Rescale probabilities so that each column's threshold maps to 0.5.

    Piecewise linear and monotone: [0, t] → [0, 0.5] and [t, 1] → [0.5, 1].
    The order of scores is kept, and "score ≥ 0.5" is "probability ≥ t".
    """
    t = np.clip(np.asarray(thresholds, dtype=np.float64), 1e-6, 1 - 1e-6)
    low = proba / (2 * t)
    high = 0.5 + (proba - t) / (2 * (1 - t))
    return np.clip(np.where(proba < t, low, high), 0.0, 1.0)


def temperature(scores: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """σ(slope · logit(score)): sharpens or softens a score, keeping 0.5 at 0.5."""
    s = np.clip(scores, 1e-6, 1 - 1e-6)
    return 1.0 / (1.0 + np.exp(-np.asarray(slope) * np.log(s / (1 - s))))


def decide(scores: np.ndarray, sense_hss: float, sense_sa: float, whole: np.ndarray | None = None,
           headline: Sequence[float] = ()) -> Decision:
    """Labels, primary label and sense from one article's label scores.

    The labels are exactly those whose score, rounded as published, is at
    least DECISION. The primary label is the assigned label the headline
    names first (``headline``: :func:`headline_ranks`), else the assigned
    label the whole text supports most (``whole``: the scores of the
    whole-text unit), so that a model discussed in one paragraph does not
    outrank the article's subject.
    """
    rounded = np.round(scores[: len(LABELS)], SCORE_DIGITS)
    over = [i for i in range(len(LABELS)) if rounded[i] >= DECISION]
    labels = tuple(LABELS[i] for i in over)
    support = scores if whole is None else whole
    named = headline if len(headline) else [0.0] * len(LABELS)
    primary = LABELS[max(over, key=lambda i: (named[i], support[i], scores[i], -i))] if over else NONE_LABEL
    sense = None
    if "jiaolianti" in labels:
        sense = "home_school_society" if sense_hss >= sense_sa else "school_alliance"
    return Decision(labels, primary, sense)


def decide_rows(published: np.ndarray, whole: np.ndarray, headline) -> list[Decision]:
    """:func:`decide` for each row: published label scores, whole-text outputs and headline weights, row-aligned."""
    return [decide(published[row], whole[row, SENSE_HSS], whole[row, SENSE_SA], whole=whole[row, : len(LABELS)],
                   headline=headline[row]) for row in range(len(published))]


#: A label's own names (keyword weight at least this in ``keywords.TERMS``) in an article's
#: headline say what the article is about: both labels of a text about 教育集团 with a 学区
#: paragraph can score near 1, and the headline, not the last digit, tells which is primary.
HEADLINE_NAME_WEIGHT = 1.5
#: A first line longer than this is a lead paragraph, not a headline (Chinese headlines run to
#: 30-odd characters; a lead that names two models would otherwise decide between them).
HEADLINE_MAX_CHARS = 40


_HEADLINE_NAMES = {label: tuple(re.compile(pattern) for pattern, weight in TERMS[label]
                                 if weight >= HEADLINE_NAME_WEIGHT) for label in LABELS}


def headline_ranks(prepared: str) -> list[float]:
    """Per label, how early the first line names it if that line is a headline: 0 when it does not,
    else larger the nearer the start its first name stands.

    A headline that names two models ("集团化办学与学区制改革双轮驱动") has the first as its
    subject, as docs/taxonomy.md decides primaries; summing each label's name weights instead
    let the model with more name variants win (linear-2-645e2d110a on the 314 multi-label
    training articles of writing rounds 1–6: 238 primaries right by order, 232 by weight).
    """
    line = prepared.split("\n", 1)[0].strip()
    if len(line) > HEADLINE_MAX_CHARS:
        return [0.0] * len(LABELS)
    line = EXCLUDE.sub("", line)
    ranks = []
    for label in LABELS:
        starts = [found.start() for pattern in _HEADLINE_NAMES[label] if (found := pattern.search(line))]
        ranks.append(float(HEADLINE_MAX_CHARS + 1 - min(starts)) if starts else 0.0)
    return ranks


#: A paragraph is scored on its own only if it has one of these cues of a
#: school alliance (names, members, the ways schools work together): one
#: without any cannot be the paragraph that discusses a model, and skipping
#: it keeps classification near the speed of segmentation alone.
PARAGRAPH_CUE = re.compile(
    r"共同体|集团|学区|片区|联盟|联合体|教联体|教共体|联片|结对|托管|帮扶|捆绑|对口|协作|手拉手|姊妹|牵手|牵头"
    r"|一校|总校|名校|分校|成员校|核心校|龙头|长校|走教|跟岗|驻校|派驻|挂职|送教|联合教研|同步课堂|以城带乡|强校|薄弱"
    r"|一体化|统一管理|合作")


def units_of(prepared: str) -> list[str]:
    """Units of evidence of a prepared text: the whole text, then each paragraph with a cue (PARAGRAPH_CUE)
    when it has two or more paragraphs.

    A model discussed in one paragraph is found there even when the rest of
    a long article is about something else; the whole text still counts for
    a model discussed across paragraphs.
    """
    parts = textprep.paragraphs(prepared)
    if len(parts) < 2:
        return [prepared]
    return [prepared, *(part for part in parts if PARAGRAPH_CUE.search(part))]


@dataclass
class ArticleScores:
    """Per article: raw (uncalibrated) label scores, best unit per label, whole-text outputs."""

    raw: np.ndarray  # n × len(LABELS): max over units of threshold-rescaled probability
    whole: np.ndarray  # n × len(OUTPUTS): probabilities of the whole-text unit
    best_unit: np.ndarray  # n × len(LABELS): index into units of the unit that gave raw
    units: list[str]
    owner: np.ndarray  # unit → article row
    features: object  # units × features (csr)
    headline: list[list[float]]  # per article: headline_ranks of its title
    ruled: list[dict[str, tuple[str, ...]]]  # per article: label → what a rule (AIM_RULES) found, if it raised it


#: Labels that need their name in the text (docs/taxonomy.md: "a text about
#: 教联体 under that name"): without it the label's raw score is multiplied by
#: UNNAMED_FACTOR, whatever the surrounding vocabulary (家校社协同育人 prose
#: without 教联体 is `none`).
NAMED_LABELS: dict[str, re.Pattern] = {
    "jiaolianti": re.compile(r"教联体|教育联合体|联合发展共同体"),
}
UNNAMED_FACTOR = 0.1


@dataclass(frozen=True)
class AimRule:
    """A model whose text joins its own name with town or country schools in ``sentences`` sentences
    or more discusses the urban–rural aim in more than a passing phrase (see AIM_RULES)."""

    label: str
    name: re.Pattern
    sentences: int


#: docs/taxonomy.md, "Several labels apply": a county 教联体 joins town and country schools by
#: design, and a 学区 whose substance is a town school leading village schools is urban_rural
#: too. When a text's sentences join a model's name with town or country schools (AIM_WORDS)
#: often enough, urban_rural scores at least what that model does. On real pages the linear
#: model alone leaves such texts below the threshold: the many words of the first model pull
#: towards it alone. Chosen forward by writing round (bench/cv_classify.py --by-round): pooled
#: macro-F1 0.956 and padded 0.911 (urban_rural 0.956 and 0.879) against 0.954 and 0.909 (0.952
#: and 0.874) for the candidate "no aim rules". Each rule's decisions that the rounds' models
#: changed, right / wrong, plain and padded:
#:   教联体 (school-alliance sense), 2 sentences: 1 / 0 and 3 / 0 (2 and 3 tie; 2 is the
#:     taxonomy's "more than a passing phrase"); the same words anywhere in the text instead
#:     of a 教联体 sentence: 35 padded wrong (background about villages is not the aim); with
#:     城区/县城/以城带乡 among the words: 7 plain wrong;
#:   学区/片区, 4 sentences: 4 / 0 and 4 / 0 (2 sentences: 5 / 3, 3: 5 / 2);
#:   集团/总校: no gain at any count, so no rule.
AIM_WORDS = re.compile(r"城乡|乡村|农村|村小|乡镇|教学点|偏远|山区")
AIM_RULES: tuple[AimRule, ...] = (
    AimRule("jiaolianti", NAMED_LABELS["jiaolianti"], 2),
    AimRule("district_community", re.compile(r"学区(?!房)|片区"), 4),
)
_SENTENCE = re.compile(r"[^。！？!?；;\n]+")
_UR = LABELS.index("urban_rural")


def aim_sentences(prepared: str, name: re.Pattern) -> list[str]:
    """The sentences of a prepared text that join ``name`` with town or country schools (AIM_WORDS),
    each as "name…word" (the first of each it has), in order."""
    found = []
    for sentence in _SENTENCE.findall(prepared):
        if (named := name.search(sentence)) and (aim := AIM_WORDS.search(sentence)):
            found.append(f"{named.group(0)}…{aim.group(0)}")
    return found


def _apply_aim_rules(prepared: str, raw: np.ndarray, best: np.ndarray, whole: np.ndarray,
                     whole_unit: int) -> dict[str, tuple[str, ...]]:
    """AIM_RULES on one article's raw scores (in place); the 教联体 rule only in the school-alliance sense.
    Returns {"urban_rural": the joins found} when a rule raised it, else {}."""
    for rule in AIM_RULES:
        source = LABELS.index(rule.label)
        if raw[source] <= raw[_UR] or (rule.label == "jiaolianti" and whole[SENSE_SA] < whole[SENSE_HSS]):
            continue
        joins = aim_sentences(prepared, rule.name)
        if len(joins) >= rule.sentences:
            raw[_UR] = raw[source]
            best[_UR] = whole_unit  # the whole text's terms are the model's evidence
            return {"urban_rural": tuple(f"rule: {join}" for join in dict.fromkeys(joins))}
    return {}


#: How much a paragraph's own evidence counts against the whole text's:
#: article score = max(whole, w · best paragraph + (1 − w) · whole). 1 is the
#: plain maximum; chosen by grouped cross-validation (bench/cv_classify.py).
PARAGRAPH_WEIGHT = 1.0


#: Settings of article scoring (not of fitting) that cross-validation compares, and their defaults.
SCORING_DEFAULTS = {"paragraph_units": True, "paragraph_weight": PARAGRAPH_WEIGHT, "aim_rules": True}


def scoring_options(params: dict | None) -> dict:
    """The keyword arguments of :func:`article_scores` that ``params`` (a cross-validation candidate) sets."""
    return {key: (params or {}).get(key, default) for key, default in SCORING_DEFAULTS.items()}


def article_scores(pipeline, docs: Sequence[str], *, paragraph_units: bool = True,
                   paragraph_weight: float = PARAGRAPH_WEIGHT, aim_rules: bool = True) -> ArticleScores:
    """Score every unit of every document and aggregate per article (see PARAGRAPH_WEIGHT), then apply
    the taxonomy's rules (NAMED_LABELS, and AIM_RULES unless ``aim_rules`` is false).

    ``paragraph_units=False`` scores the whole text only (the ablation that
    cross-validation compares against).
    """
    textprep.forget_lines()  # the line cache serves one call (whole text and paragraphs), not the next
    prepared = pipeline.named_steps["prepare"].transform(list(docs))
    units: list[str] = []
    owner: list[int] = []
    for row, text in enumerate(prepared):
        for unit in (units_of(text) if paragraph_units else [text]):
            units.append(unit)
            owner.append(row)
    features = union_transform(pipeline.named_steps["features"], units)
    per_output = pipeline.named_steps["outputs"].predict_proba(features)
    proba = np.column_stack([p[:, 1] for p in per_output])
    thresholds = thresholds_of(pipeline)
    label_scores = to_half(proba[:, : len(LABELS)], thresholds[: len(LABELS)])
    owner_a = np.asarray(owner)
    n = len(prepared)
    raw = np.zeros((n, len(LABELS)))
    best = np.zeros((n, len(LABELS)), dtype=np.int64)
    whole = np.zeros((n, proba.shape[1]))
    starts = np.searchsorted(owner_a, np.arange(n))
    ruled: list[dict[str, tuple[str, ...]]] = []
    ends = np.searchsorted(owner_a, np.arange(n), side="right")
    for row in range(n):
        block = label_scores[starts[row]:ends[row]]
        best[row] = starts[row] + np.argmax(block, axis=0)
        raw[row] = np.maximum(block[0], paragraph_weight * block.max(axis=0) + (1 - paragraph_weight) * block[0])
        whole[row] = proba[starts[row]]
        whole[row, : len(LABELS)] = label_scores[starts[row]]
        for label, name in NAMED_LABELS.items():
            if not name.search(prepared[row]):
                column = LABELS.index(label)
                raw[row, column] *= UNNAMED_FACTOR
                whole[row, column] *= UNNAMED_FACTOR
        ruled.append(_apply_aim_rules(prepared[row], raw[row], best[row], whole[row], starts[row]) if aim_rules else {})
    return ArticleScores(raw, whole, best, units, owner_a, features, [headline_ranks(text) for text in prepared], ruled)

