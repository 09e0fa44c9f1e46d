"""The transparent keyword-rule classifier.

It is the baseline every learned model is measured against (``edualliance
evaluate`` prints both), and the fallback that works with no model file.
A label is assigned when its terms occur often enough in the article's own
sentences; link-list lines and headline lists are skipped, because a model
named once in a list of other articles is not a text about that model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from edualliance.pipeline.records import LABELS, NONE_LABEL, Classification

MODEL_VERSION = "keywords-1"

# label → (pattern, weight). Weights: 2 for the model's own name, 1 for a
# phrase that usually (not always) means it. Patterns run on Simplified text.
TERMS: dict[str, tuple[tuple[str, float], ...]] = {
    "jiaolianti": (
        (r"教联体", 2.0),
        (r"教育联合体", 2.0),
        (r"城乡教育联合体", 1.0),
    ),
    "group_run": (
        (r"集团化办学", 2.0),
        (r"教育集团", 1.5),
        (r"集团校", 1.5),
        (r"总校", 1.0),
        (r"名校\+", 1.5),
        (r"一校多区", 1.0),
        (r"紧密型(?:教育)?集团", 1.5),
    ),
    "district_community": (
        (r"学区制", 2.0),
        (r"大学区", 2.0),
        (r"学区化", 1.5),
        (r"片区(?:学校)?(?:[^，。,]{0,8})?共同体", 2.0),
        (r"学区长", 1.0),
        (r"联片教研", 1.0),
    ),
    "urban_rural": (
        (r"城乡(?:[^，。,]{0,6})?共同体", 2.0),
        (r"教共体", 2.0),
        (r"结对帮扶", 1.0),
        (r"结对互助", 1.0),
        (r"委托管理", 1.0),
        (r"托管(?:帮扶|薄弱|乡村|农村)", 1.0),
        (r"山海协作", 1.0),
        (r"互助共同体", 1.5),
    ),
}

# Words that contain a term but mean something else (see docs/taxonomy.md).
EXCLUDE = re.compile(
    r"学区房|医共体|医联体|职教集团|职业教育集团|企业集团|人类命运共同体|中华民族共同体|学习共同体"
    r"|课后托管|暑期托管|假期托管|托管班"
)

# A line that is an item of a link list or headline list, not prose.
_LIST_LINE = re.compile(r"^\s*(?:[-•·*]\s*)+\S")
_SENTENCE_END = re.compile(r"[。！？!?；;…”\"）)]\s*$")

#: Minimum weighted hits for a label: one mention of the model's own name
#: in prose is enough, a lone secondary phrase is not.
THRESHOLD = 2.0

_COMPILED = {label: tuple((re.compile(p), w) for p, w in terms) for label, terms in TERMS.items()}


def _prose(text: str) -> str:
    """Drop list items and short lines without sentence punctuation (headline lists)."""
    kept = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or _LIST_LINE.match(stripped):
            continue
        if len(stripped) < 40 and not _SENTENCE_END.search(stripped):
            continue
        kept.append(stripped)
    return "\n".join(kept)


def score_text(title: str | None, text: str) -> tuple[dict[str, float], dict[str, tuple[str, ...]]]:
    """Weighted hits per label and the matched terms, on title and prose."""
    body = EXCLUDE.sub("", _prose(text))
    head = EXCLUDE.sub("", title or "")
    hits: dict[str, float] = {}
    evidence: dict[str, tuple[str, ...]] = {}
    for label, terms in _COMPILED.items():
        total = 0.0
        found: list[str] = []
        for pattern, weight in terms:
            for match in pattern.finditer(body):
                total += weight
                found.append(match.group(0))
            if pattern.search(head):
                total += weight  # a model named in the headline counts once more
                found.append(pattern.search(head).group(0))
        hits[label] = total
        evidence[label] = tuple(dict.fromkeys(found))
    return hits, evidence


class KeywordClassifier:
    """Rule classifier with the same interface as the learned model."""

    version = MODEL_VERSION

    def classify(self, items: Sequence[tuple[str | None, str]]) -> list[Classification]:
        return [self._one(title, text) for title, text in items]

    def _one(self, title: str | None, text: str) -> Classification:
        hits, evidence = score_text(title, text)
        labels = tuple(label for label in LABELS if hits[label] >= THRESHOLD)
        # A score in [0, 1] that grows with the evidence; not a calibrated probability.
        scores = {label: round(hits[label] / (hits[label] + THRESHOLD), 4) for label in LABELS}
        primary = max(labels, key=lambda lab: (hits[lab], -LABELS.index(lab))) if labels else NONE_LABEL
        sense = None
        if "jiaolianti" in labels:
            sense = "home_school_society" if re.search(r"家校社|协同育人", text) else "school_alliance"
        return Classification(
            labels=labels,
            primary=primary,
            scores=scores,
            model_version=self.version,
            sense=sense,
            evidence={label: evidence[label] for label in labels},
        )
