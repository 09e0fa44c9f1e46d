-- 0013: the writer of a crawl on several machines (crawler/frontier/writer.py) reads the
-- frontier's capture stream; Redis may deliver an entry again (the writer died after its
-- commit, before its acknowledgement). An entry whose id is here is already stored.
-- A page it stores keeps where its capture lives in the WARC files (file, offset, length)
-- instead of its bytes. Every column is documented in docs/data-dictionary.md.

CREATE TABLE frontier_entries (
    entry_id    VARCHAR PRIMARY KEY,
    stored_at   TIMESTAMP NOT NULL
);

ALTER TABLE pages ADD COLUMN warc_file VARCHAR;
ALTER TABLE pages ADD COLUMN warc_offset BIGINT;
ALTER TABLE pages ADD COLUMN warc_length BIGINT;
ALTER TABLE crawl_inbox ADD COLUMN warc_file VARCHAR;
ALTER TABLE crawl_inbox ADD COLUMN warc_offset BIGINT;
ALTER TABLE crawl_inbox ADD COLUMN warc_length BIGINT;
