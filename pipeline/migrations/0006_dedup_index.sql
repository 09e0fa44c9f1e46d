-- 0006: what the repost detector remembers between runs (pipeline/dedup.py), so
-- that a run compares only its new and changed articles with the corpus instead
-- of re-reading every article. Bookkeeping: not copied into the snapshot.
-- Every column is documented in docs/data-dictionary.md.

-- One row per article examined: the article as it was (content_hash) and the
-- scheme (shingle size, permutations, threshold) its bands were made with; an
-- article whose hash or scheme differs is examined again.
CREATE TABLE dedup_signatures (
    article_id VARCHAR PRIMARY KEY,
    content_hash VARCHAR NOT NULL,
    scheme VARCHAR NOT NULL,
    shingles INTEGER NOT NULL
);

-- The LSH bands of each examined article's MinHash signature: two articles that
-- share a (band, key) are candidates, confirmed on their texts. Too short a text
-- has no bands.
CREATE TABLE dedup_bands (
    band SMALLINT NOT NULL,
    key BIGINT NOT NULL,
    article_id VARCHAR NOT NULL
);
