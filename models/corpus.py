"""The training data: labeled texts in corpus/, the seed pages, researchers' labels, weak labels.

Every source becomes :class:`Example` records (title, normalized text,
labels, sense, weight, origin). See corpus/README.md for how the texts were
made and docs/taxonomy.md for what the labels mean.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from edualliance.pipeline.records import LABELS, NONE_LABEL

from .examples import SENSES, CorpusError, Example, corpus_dir

__all__ = ["SENSES", "CorpusError", "Example", "corpus_dir", "load_corpus", "targets", "documents", "data_hash"]

from .signature import OUTPUTS

log = logging.getLogger(__name__)


#: Weight of a weak (rule-made) label relative to a human one.
WEAK_WEIGHT = 0.3

#: The seed pages' labels (corpus/seeds/NNN_*.txt, by file prefix). Page 002
#: is a listing of 20 abstracts: one entry per record; None = left out of
#: training (its record is too ambiguous to teach anything: 7 特色学校共同体,
#: 8 广域教师专业发展共同体, 16 区域教育互助共同体 are not clearly any model).
SEED_LABELS: dict[str, object] = {
    "000": (("jiaolianti",), "jiaolianti", "school_alliance"),
    "001": (("group_run",), "group_run", None),
    "002": {
        **{part: (("urban_rural",), "urban_rural", None)
           for part in (0, 1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 14, 15, 17, 18)},
        7: None, 8: None, 16: None,
        19: ((), NONE_LABEL, None),
    },
    "003": (("group_run", "district_community"), "group_run", None),
    "004": (("district_community",), "district_community", None),
}


def _check(record: dict, where: str) -> Example:
    from edualliance.pipeline.normalize import normalize

    text = record.get("text")
    labels = record.get("labels")
    if not isinstance(text, str) or not text.strip():
        raise CorpusError(f"{where}: no text")
    if not isinstance(labels, list) or any(label not in LABELS for label in labels):
        raise CorpusError(f"{where}: labels must be a list drawn from {LABELS}, got {labels!r}")
    labels_t = tuple(label for label in LABELS if label in labels)
    primary = record.get("primary") or (labels_t[0] if labels_t else NONE_LABEL)
    if labels_t and primary not in labels_t:
        raise CorpusError(f"{where}: primary {primary!r} is not among labels {list(labels_t)}")
    if not labels_t:
        primary = NONE_LABEL
    sense = record.get("sense")
    if sense not in (None, *SENSES):
        raise CorpusError(f"{where}: sense {sense!r} is not one of {SENSES}")
    if "jiaolianti" not in labels_t:
        sense = None
    normalized, script = normalize(text)
    return Example(
        title=record.get("title"), text=normalized, labels=labels_t, primary=primary, sense=sense,
        origin=where, script=record.get("script") or script,
        extra={k: record.get(k) for k in ("genre", "region", "boundary") if record.get(k)},
        style=str(record.get("genre") or "unknown"),
    )


def read_jsonl(path: Path, *, strict: bool = False) -> tuple[list[Example], list[str]]:
    """Examples of one JSON Lines file, and the problems with lines that were skipped.

    A file still being written may end in a partial line: it is skipped with
    a problem noted (``strict=True`` raises instead).
    """
    examples: list[Example] = []
    problems: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path.name}:{number}"
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise CorpusError(f"{where}: not a JSON object")
                where = f"{path.name}:{record.get('id', number)}"
                examples.append(_check(record, where))
            except (ValueError, CorpusError) as exc:
                if strict:
                    raise CorpusError(f"{where}: {exc}") from exc
                problems.append(f"{where}: {exc}")
    return examples, problems


def training_files(root: Path | None = None) -> list[Path]:
    """The labeled article files (training/*.jsonl but the paragraph bank, which :mod:`.compose` reads)."""
    from .compose import BANK

    return sorted(path for path in ((root or corpus_dir()) / "training").glob("*.jsonl") if path.name != BANK)


def seed_examples(root: Path | None = None) -> list[Example]:
    """The seed pages cleaned by the pipeline, labeled per SEED_LABELS."""
    from edualliance.pipeline.clean import clean_page
    from edualliance.pipeline.ingest import read_page_file

    out: list[Example] = []
    for path in sorted(((root or corpus_dir()) / "seeds").glob("*.txt")):
        spec = SEED_LABELS.get(path.name[:3])
        if spec is None:
            continue
        result = clean_page(read_page_file(path, source="seed"))
        for article in result.articles:
            entry = spec.get(article.part) if isinstance(spec, dict) else spec
            if entry is None:
                continue
            labels, primary, sense = entry
            out.append(Example(
                title=article.title, text=article.text_normalized, labels=tuple(labels), primary=primary,
                sense=sense, origin=f"seed:{path.name[:3]}#{article.part}", script=article.script,
                style="seed",
            ))
    return out


def load_corpus(root: Path | None = None, *, seeds: bool = True) -> tuple[list[Example], list[str]]:
    """All labeled texts shipped in corpus/ (training/*.jsonl and the seeds)."""
    examples: list[Example] = []
    problems: list[str] = []
    for path in training_files(root):
        found, issues = read_jsonl(path)
        examples.extend(found)
        problems.extend(issues)
    if seeds:
        examples.extend(seed_examples(root))
    from .compose import composed_examples

    composed, issues = composed_examples(root)
    examples.extend(composed)
    problems.extend(issues)
    return examples, problems


def researcher_examples(store) -> list[Example]:
    """Labels researchers stored with `edualliance label` (latest per article)."""
    out = []
    for article_id, title, text, labels, primary, sense in store.researcher_labels():
        labels_t = tuple(label for label in LABELS if label in (labels or []))
        out.append(Example(
            title=title, text=text, labels=labels_t, primary=primary if labels_t else NONE_LABEL,
            sense=sense if "jiaolianti" in labels_t else None, origin=f"db:{article_id}", style="database",
        ))
    return out


def weak_examples(store, *, limit: int = 2000) -> list[Example]:
    """Stored articles without researcher labels that the keyword rules label confidently.

    Confident means: exactly one label, with at least twice the rule
    threshold of weighted hits in the prose and headline, and no other label
    with any hit; or no hit at all of any term and none of the words the
    taxonomy lists as boundary cases (then ``none``). Everything else is
    left out. Weak examples get weight WEAK_WEIGHT and never a 教联体 sense.
    """
    from .keywords import THRESHOLD, score_text

    out = []
    for article_id, title, text in store.unlabeled_articles(limit):
        hits, _ = score_text(title, text)
        positive = [label for label in LABELS if hits[label] > 0]
        if len(positive) == 1 and hits[positive[0]] >= 2 * THRESHOLD and positive[0] != "jiaolianti":
            labels: tuple[str, ...] = (positive[0],)
        elif not positive and not _mentions_boundary(title, text):
            labels = ()
        else:
            continue
        out.append(Example(
            title=title, text=text, labels=labels, primary=labels[0] if labels else NONE_LABEL,
            weight=WEAK_WEIGHT, origin=f"weak:{article_id}", style="database",
        ))
    return out


def _mentions_boundary(title: str | None, text: str) -> bool:
    import re

    return re.search(r"共同体|集团|学区|联盟|结对|托管|帮扶|联合体", f"{title or ''}\n{text}") is not None


def targets(examples: Sequence[Example]) -> np.ndarray:
    """The OUTPUTS indicator matrix (labels, relevant, sense columns)."""
    y = np.zeros((len(examples), len(OUTPUTS)), dtype=np.int64)
    for row, example in enumerate(examples):
        for label in example.labels:
            y[row, LABELS.index(label)] = 1
        y[row, OUTPUTS.index("relevant")] = int(bool(example.labels))
        if "jiaolianti" in example.labels:
            # A 教联体 text whose sense was not given counts as the original
            # (school-alliance) sense, as the rule baseline does.
            column = "sense_home_school_society" if example.sense == "home_school_society" else "sense_school_alliance"
            y[row, OUTPUTS.index(column)] = 1
    return y


def with_none_paragraphs(examples: Sequence[Example]) -> list[Example]:
    """The examples, plus each paragraph of every multi-paragraph ``none`` text as a ``none`` unit.

    A text that discusses no model has no paragraph that does: its paragraphs
    teach the per-paragraph evidence what page furniture, context and passing
    mentions look like on their own.
    """
    from .text import paragraphs, prepare, document

    out = list(examples)
    for example in examples:
        if example.labels or example.unit or example.weight != 1.0:
            continue
        parts = paragraphs(prepare(document(example.title, example.text)))
        if len(parts) < 2:
            continue
        for number, part in enumerate(parts):
            out.append(Example(title=None, text=part, labels=(), primary=NONE_LABEL, origin=f"{example.origin}#p{number}",
                               script=example.script, style=example.style, unit=True,
                               article=example.article or example.origin))
    return out


def documents(examples: Iterable[Example]) -> list[str]:
    from .text import document

    return [document(e.title, e.text) for e in examples]


def data_hash(examples: Sequence[Example]) -> str:
    """SHA-256 over the texts, labels, senses and weights, in order."""
    digest = hashlib.sha256()
    for e in examples:
        digest.update(json.dumps([e.title, e.text, list(e.labels), e.primary, e.sense, e.weight, e.unit],
                                 ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()
