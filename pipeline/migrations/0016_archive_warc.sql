-- 0016: every crawl writes its pages into WARC files (issue 14): a page judged off-topic keeps
-- where its capture lives (file, offset, length), not a second, compressed copy of its bytes.
-- Rows archived before keep their compressed bytes (body_zlib). Every column is documented in
-- docs/data-dictionary.md.

ALTER TABLE crawl_archive ALTER COLUMN body_zlib DROP NOT NULL;
ALTER TABLE crawl_archive ADD COLUMN warc_file VARCHAR;
ALTER TABLE crawl_archive ADD COLUMN warc_offset BIGINT;
ALTER TABLE crawl_archive ADD COLUMN warc_length BIGINT;
