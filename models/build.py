"""The untrained pipeline: one scikit-learn Pipeline from documents to the OUTPUTS indicator matrix.

1. ``prepare`` — title and prose only, Simplified script (``text.prepare_texts``);
2. ``features`` — word TF-IDF over jieba tokens (domain dictionary, search
   mode) next to character 2–3-gram TF-IDF (robust to segmentation
   errors, Traditional-script residue and regional coinages) and counts of
   the taxonomy's patterns (``patterns.PATTERNS``: names and constructions
   such as 片区…共同体, and the boundary cases that count against);
3. ``outputs`` — one :class:`ThresholdedLinearClassifier` per output column
   (``signature.OUTPUTS``): the four labels, relevance (any label vs none) and the
   two senses of 教联体. Each is a calibrated linear SVM whose threshold was
   chosen by cross-validation on the training data.
"""

from __future__ import annotations

import numpy as np

from . import text as textprep
from .patterns import pattern_counts, pattern_names

#: Defaults of build_pipeline(); recorded in the model card.
DEFAULT_PARAMS = {
    # 1.0 over 0.5 and 0.25: best grouped cross-validation on the corpus with texts_general.jsonl,
    # overall, on the hard files and on the boundary-case negatives (bench/cv_classify.py).
    "C": 1.0,
    "word_ngrams": (1, 1),
    "char_ngrams": (2, 3),
    # Pruned vocabularies: grouped cross-validation showed no loss against
    # 30k/50k (bench/cv_classify.py), and the artifact and the loaded model are smaller.
    "word_max_features": 8000,
    "char_max_features": 15000,
    "min_df": 2,
    # 0.1 over 0.2 (the previous default), 0.05 and 0.5: grouped cross-validation with texts_real.jsonl
    # (bench/cv_classify.py), overall and on the hard files; the named patterns weigh less against the
    # words and character n-grams, so texts that describe a model without its names are found more often.
    "pattern_scale": 0.1,
}


def build_pipeline(C: float = DEFAULT_PARAMS["C"], word_ngrams=DEFAULT_PARAMS["word_ngrams"],
                   char_ngrams=DEFAULT_PARAMS["char_ngrams"],
                   word_max_features: int = DEFAULT_PARAMS["word_max_features"],
                   char_max_features: int = DEFAULT_PARAMS["char_max_features"],
                   min_df: int = DEFAULT_PARAMS["min_df"], pattern_scale: float = DEFAULT_PARAMS["pattern_scale"],
                   threshold_cv: int = 5, random_state: int = 0):
    """The untrained pipeline: documents (see ``text.document``) → OUTPUTS indicator matrix."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.multioutput import MultiOutputClassifier
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.preprocessing import FunctionTransformer

    from .estimator import ThresholdedLinearClassifier

    words = TfidfVectorizer(
        tokenizer=textprep.tokenize, token_pattern=None, lowercase=False, ngram_range=tuple(word_ngrams),
        min_df=min_df, max_df=0.9, sublinear_tf=True, max_features=word_max_features, dtype=np.float64,
    )
    chars = TfidfVectorizer(
        analyzer="char", ngram_range=tuple(char_ngrams), lowercase=False, min_df=min_df, max_df=0.9,
        sublinear_tf=True, max_features=char_max_features, dtype=np.float64,
    )
    patterns = FunctionTransformer(pattern_counts, feature_names_out=pattern_names, accept_sparse=True,
                                   kw_args={"scale": pattern_scale})
    return Pipeline([
        ("prepare", FunctionTransformer(textprep.prepare_texts)),
        ("features", FeatureUnion([("words", words), ("chars", chars), ("patterns", patterns)])),
        ("outputs", MultiOutputClassifier(
            ThresholdedLinearClassifier(C=C, threshold_cv=threshold_cv, random_state=random_state))),
    ])


def slim(pipeline) -> None:
    """Make the saved artifact small and quick to load.

    Drops what prediction never reads (the pruned vocabulary ``stop_words_``)
    and stores vocabulary indices as plain ints (skops writes a numpy scalar
    as a file of its own).
    """
    for _, vectorizer in pipeline.named_steps["features"].transformer_list:
        if not hasattr(vectorizer, "vocabulary_"):
            continue
        if hasattr(vectorizer, "stop_words_"):
            del vectorizer.stop_words_
        vectorizer.vocabulary_ = {term: int(index) for term, index in vectorizer.vocabulary_.items()}



def thresholds_of(pipeline) -> np.ndarray:
    return np.array([est.threshold_ for est in pipeline.named_steps["outputs"].estimators_])

