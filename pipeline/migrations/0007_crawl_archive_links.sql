-- 0007: what incremental crawling of real sites needs (issue 11).
-- Every column is documented in docs/data-dictionary.md.

-- The in-scope links an article page had when it was fetched (JSON array of
-- [url, anchor]): a known article is not fetched again, but the articles and
-- attachments only it links to (上一篇/下一篇, 相关阅读, 附件) are still found.
ALTER TABLE crawl_state ADD COLUMN links VARCHAR;
-- … carried from the crawler to crawl_state through the inbox.
ALTER TABLE crawl_inbox ADD COLUMN links VARCHAR;

-- Pages judged off-topic by a focused source: their bytes as received,
-- zlib-compressed, one row per URL (the newest capture), so that `reprocess`
-- after retraining can recover the classifier's earlier false negatives.
-- Bookkeeping: not copied into the snapshot.
CREATE TABLE crawl_archive (
    url             VARCHAR PRIMARY KEY,
    source          VARCHAR NOT NULL,
    role            VARCHAR NOT NULL,
    final_url       VARCHAR,
    status          INTEGER,
    content_type    VARCHAR,
    etag            VARCHAR,
    last_modified   VARCHAR,
    anchor          VARCHAR,
    fetched_at      TIMESTAMP NOT NULL,
    content_hash    VARCHAR NOT NULL,
    body_zlib       BLOB NOT NULL,
    body_bytes      BIGINT NOT NULL,
    run_id          BIGINT
);
