-- 0014: the search index (pipeline/searchwords.py, pipeline/store/searchindex.py):
-- for every article, the dictionary words (two characters or more) that occur
-- in its title or text and how often, so that `search` reads the articles that
-- hold a query's words instead of scanning every text. Numbered 0014 with 0013
-- left to another change: migrations are applied by number when not yet
-- recorded, so a lower number arriving later is applied too.

-- One row per indexed article: its number in the index, the text it was indexed
-- from (content_hash), the text's length in bytes (for ranking) and the
-- tokenizer that made its words. An article without a row here, or with an older
-- tokenizer, is unindexed: search scans it, `edualliance index` adds it.
CREATE TABLE search_docs (
    doc INTEGER NOT NULL,
    article_id VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    text_bytes INTEGER NOT NULL,
    tokenizer VARCHAR NOT NULL,
    indexed_at TIMESTAMP NOT NULL
);

-- Postings: one row per word and article holding it, with how often (in the text,
-- plus twice in the title). Each batch (segment) is written sorted by word, so that
-- DuckDB's min/max per block lets a lookup read only the blocks of its words. A
-- number whose search_docs row is gone (the article changed and was indexed again
-- under a new number) is ignored.
CREATE TABLE search_terms (
    segment INTEGER NOT NULL,
    term VARCHAR NOT NULL,
    doc INTEGER NOT NULL,
    tf INTEGER NOT NULL
);

-- The next article number to hand out (numbers are never reused).
CREATE TABLE search_counter (next_doc INTEGER NOT NULL);
INSERT INTO search_counter VALUES (1);

-- The postings as rows, for researchers' own SQL: which articles hold a word.
CREATE VIEW search_postings AS
SELECT p.term, d.article_id, p.tf
FROM search_terms p
JOIN search_docs d ON d.doc = p.doc;
