"""Features of many texts with the fitted feature union, counted in C rather than in a Python loop.

Classifying reads every article whole and paragraph by paragraph, about a
million character n-grams per thousand articles. scikit-learn's
``CountVectorizer`` counts them in a Python loop that raises and catches a
KeyError for every n-gram outside the vocabulary (most of them); after jieba,
that loop was the classifier's largest cost. :func:`union_transform` gives
the same matrix as ``FeatureUnion.transform`` (tests/test_models_classifier.py
compares them): the vectorizers' own analyzers, counts by
``collections.Counter`` over vocabulary lookups, then scikit-learn's
``TfidfTransformer`` with the fitted idf.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np


def union_transform(union, texts: Sequence[str]):
    """``union.transform(texts)`` as a CSR matrix, TF-IDF blocks counted by :func:`tfidf_transform`.

    Any other features step (the prediction-only form of ``runtime``, which
    counts in its own way and never imports scikit-learn or scipy) is asked
    for its own ``transform``.
    """
    if not hasattr(union, "transformer_list") or union.transformer_weights:
        return union.transform(texts).tocsr()
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

    blocks = []
    for _, transformer in union.transformer_list:
        if transformer in ("drop", None):
            continue
        if isinstance(transformer, TfidfVectorizer) and transformer.use_idf and not transformer.binary:
            blocks.append(tfidf_transform(transformer, texts))
        else:
            blocks.append(transformer.transform(texts))
    return sparse.hstack(blocks).tocsr()


def tfidf_transform(vectorizer, texts: Sequence[str]):
    """``vectorizer.transform(texts)`` for a fitted ``TfidfVectorizer`` with idf weights."""
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfTransformer

    lookup = vectorizer.vocabulary_.get
    analyze = vectorizer.build_analyzer()
    columns: list[int] = []
    values: list[int] = []
    indptr = [0]
    for text in texts:
        counts = Counter(map(lookup, analyze(text)))
        counts.pop(None, None)  # out of the vocabulary
        columns.extend(counts.keys())
        values.extend(counts.values())
        indptr.append(len(columns))
    index = np.int64 if len(columns) > np.iinfo(np.int32).max else np.int32  # as scikit-learn chooses
    counts_matrix = sparse.csr_matrix(
        (np.asarray(values, dtype=np.intc), np.asarray(columns, dtype=index), np.asarray(indptr, dtype=index)),
        shape=(len(texts), len(vectorizer.vocabulary_)), dtype=vectorizer.dtype)
    counts_matrix.sort_indices()
    weighting = TfidfTransformer(norm=vectorizer.norm, use_idf=True, smooth_idf=vectorizer.smooth_idf,
                                 sublinear_tf=vectorizer.sublinear_tf)
    weighting.idf_ = vectorizer.idf_
    return weighting.transform(counts_matrix, copy=False)
