-- 0015: the inbox's page bytes in pieces (issue 10: a crawl that fits in memory).
-- Every column is documented in docs/data-dictionary.md.

-- DuckDB reads a column a whole vector (2,048 rows) at a time, and holds the
-- bytes of every long value of that vector at once, in memory it cannot spill:
-- with whole pages in crawl_inbox.body, reading a few rows of a large inbox
-- needed hundreds of MiB and failed under the crawl's memory cap. Pieces of at
-- most 4,000 bytes are stored inline (below DuckDB's 4 KiB string block), so a
-- vector of them is at most 8 MiB, however large the pages and the inbox.
CREATE TABLE crawl_inbox_parts (
    capture_id      BIGINT NOT NULL,
    part            INTEGER NOT NULL,
    bytes           BLOB NOT NULL
);
-- The size of each capture, read to choose how many captures fit a batch.
ALTER TABLE crawl_inbox ADD COLUMN body_bytes BIGINT;
-- Captures left by a crawl that ended before this migration: one piece each.
INSERT INTO crawl_inbox_parts SELECT capture_id, 0, body FROM crawl_inbox;
UPDATE crawl_inbox SET body_bytes = octet_length(body);
ALTER TABLE crawl_inbox DROP COLUMN body;
