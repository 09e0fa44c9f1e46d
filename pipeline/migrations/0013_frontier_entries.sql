-- 0013: the writer of a crawl on several machines (crawler/frontier/writer.py) reads the
-- frontier's capture stream; Redis may deliver an entry again (the writer died after its
-- commit, before its acknowledgement). An entry whose id is here is already stored.
-- Every column is documented in docs/data-dictionary.md.

CREATE TABLE frontier_entries (
    entry_id    VARCHAR PRIMARY KEY,
    stored_at   TIMESTAMP NOT NULL
);
