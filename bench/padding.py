"""Texts padded to the length of real pages: a stress test of the classifier (bench helper).

The training articles are short and dense: half are under 200 characters,
with four cue words of a school alliance per hundred characters. Real news,
bureau and journal pages run to many hundreds of characters of background,
figures and quotes around the passage about a model, often in one long
paragraph. On real pages from other sites the model keeps its precision and
loses recall; padded with prose that names no model, texts the model has
never seen do the same, so the padded figures measure that weakness on text
written for this project, without reading real pages.

Used by ``bench/eval_classify.py --dilute`` and ``bench/cv_classify.py
--by-round`` (the row "padded"). Padding copies of the training articles
(fitted beside the originals) was tried and rejected: forward by round,
macro-F1 0.928 plain and 0.832 padded against 0.943 and 0.839 without.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from edualliance.models.keywords import TERMS
from edualliance.models.text import prose

#: Fixed so that a padded set is the same from run to run.
SEED = 29
#: The length a text is padded to is drawn uniformly from this range (characters): the length
#: of a news or bureau page's text, where the training articles have a few hundred.
PAD_CHARS = (400, 1500)
#: Prose shorter than this is page furniture, not background.
MIN_PAD_CHARS = 60
#: Any of the keyword baseline's terms makes a text unfit as padding: padding must not name a model.
_NAMES = re.compile("|".join(pattern for terms in TERMS.values() for pattern, _ in terms))


def flat_neutral(text: str) -> str | None:
    """The prose of ``text`` (page furniture dropped, see ``text.prose``) on one line if it is fit to
    pad with (long enough, names no model), else None."""
    flat = "".join(line.strip() for line in prose(text, keep_headline=False).splitlines())
    return flat if len(flat) >= MIN_PAD_CHARS and not _NAMES.search(flat) else None


def neutral_texts(examples: Sequence) -> list[str]:
    """Texts fit to pad with: unlabeled examples (``.labels``, ``.weight``, ``.text``) that name no model."""
    return [flat for e in examples if not e.labels and e.weight == 1.0 and (flat := flat_neutral(e.text))]


def pad(text: str, padding: Sequence[str], target: int, merged: bool, rng: random.Random) -> str:
    """``text`` with padding texts added until it has ``target`` characters.

    Padding never goes before the first line, and runs into the first line
    only when it is the only one (a headline stays a headline). ``merged``
    runs each padding text into the end of a paragraph, as flattened pages
    do; otherwise each becomes a paragraph of its own.
    """
    paragraphs = text.split("\n")
    length = len(text)
    while length < target:
        extra = rng.choice(padding)
        length += len(extra)
        if merged:
            at = rng.randrange(1, len(paragraphs)) if len(paragraphs) > 1 else 0
            paragraphs[at] += extra
        else:
            paragraphs.insert(rng.randrange(1, len(paragraphs) + 1), extra)
    return "\n".join(paragraphs)


def diluted(text: str, padding: Sequence[str], number: int, rng: random.Random) -> str:
    """``text`` padded to a length drawn from PAD_CHARS (unchanged if already that long); the
    ``number``-th text of a series, as the odd ones are padded merged."""
    target = rng.randint(*PAD_CHARS)
    if len(text) >= target:
        return text
    return pad(text, padding, target, merged=number % 2 == 1, rng=rng)
