"""What a trained artifact is bound to: the output columns it predicts and the
signature of the feature definitions it was trained with.

Training writes both into the model card; loading refuses an artifact whose
signature differs from the installed code's. Kept apart from ``classifier``
and ``training`` because both of them, and ``corpus``, need it.
"""

from __future__ import annotations

import hashlib
import json

from edualliance.pipeline.records import LABELS

#: Output columns of the pipeline, in order.
OUTPUTS: tuple[str, ...] = (*LABELS, "relevant", "sense_home_school_society", "sense_school_alliance")


def feature_signature() -> str:
    """Hash of what shapes the features and scores besides the data: prose rules' version, patterns,
    the taxonomy's scoring rules (an artifact's calibration is fitted on scores they changed),
    dictionary, stopwords."""
    from . import patterns, scoring, text  # here: text loads the normalizer; importing `corpus` need not pay for it

    digest = hashlib.sha256(json.dumps(patterns.PATTERNS, ensure_ascii=False).encode())
    digest.update(f"prep-{text.PREP_VERSION}".encode())
    rules = [(rule.label, rule.name.pattern, rule.sentences) for rule in scoring.AIM_RULES]
    digest.update(json.dumps([scoring.AIM_WORDS.pattern, rules], ensure_ascii=False).encode())
    for name in ("userdict.txt", "stopwords.txt"):
        digest.update(text.dict_path(name).read_bytes())
    return digest.hexdigest()
