-- 0004: crawl state. What the crawler knows about every URL it has fetched,
-- so that a weekly run fetches only what is new or changed, and an inbox of
-- raw captures not yet cleaned, so that a killed crawl loses nothing.
-- Every column is documented in docs/data-dictionary.md.

CREATE TABLE crawl_state (
    url             VARCHAR PRIMARY KEY,
    source          VARCHAR NOT NULL,
    role            VARCHAR NOT NULL,
    verdict         VARCHAR NOT NULL,
    status          INTEGER,
    etag            VARCHAR,
    last_modified   VARCHAR,
    lastmod         TIMESTAMP,
    content_hash    VARCHAR,
    page_id         VARCHAR,
    first_seen      TIMESTAMP NOT NULL,
    last_fetched    TIMESTAMP,
    last_checked    TIMESTAMP NOT NULL,
    run_id          BIGINT
);

CREATE SEQUENCE crawl_inbox_seq START 1;
CREATE TABLE crawl_inbox (
    capture_id      BIGINT PRIMARY KEY DEFAULT nextval('crawl_inbox_seq'),
    source          VARCHAR NOT NULL,
    role            VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,
    final_url       VARCHAR,
    status          INTEGER,
    content_type    VARCHAR,
    etag            VARCHAR,
    last_modified   VARCHAR,
    lastmod         TIMESTAMP,
    anchor          VARCHAR,
    fetched_at      TIMESTAMP NOT NULL,
    body            BLOB NOT NULL,
    run_id          BIGINT
);
