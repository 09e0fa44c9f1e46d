-- 0002: near-duplicate clusters (issue 3). Reposts of one story across sites share
-- a cluster; the earliest-published member is canonical. Written by
-- pipeline/dedup.py at the end of ingest and crawl runs.
-- Every column is documented in docs/data-dictionary.md.

ALTER TABLE articles ADD COLUMN cluster_id VARCHAR;
ALTER TABLE articles ADD COLUMN is_canonical BOOLEAN NOT NULL DEFAULT TRUE;
