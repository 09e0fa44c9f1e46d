-- 0001: the tables every stage writes to.
-- Every column is documented in docs/data-dictionary.md (a test keeps the two in step).

CREATE TABLE sources (
    name        VARCHAR PRIMARY KEY,
    kind        VARCHAR NOT NULL,
    config      JSON,
    added_at    TIMESTAMP NOT NULL
);

CREATE TABLE pages (
    page_id             VARCHAR PRIMARY KEY,
    page_key            VARCHAR NOT NULL,
    url                 VARCHAR,
    final_url           VARCHAR,
    path                VARCHAR,
    source              VARCHAR NOT NULL,
    fetched_at          TIMESTAMP NOT NULL,
    status              INTEGER,
    content_type        VARCHAR,
    declared_encoding   VARCHAR,
    detected_encoding   VARCHAR,
    content_hash        VARCHAR NOT NULL,
    etag                VARCHAR,
    last_modified       VARCHAR,
    is_listing          BOOLEAN NOT NULL DEFAULT FALSE,
    body                BLOB,
    run_id              BIGINT
);

CREATE TABLE articles (
    article_id          VARCHAR PRIMARY KEY,
    page_id             VARCHAR NOT NULL,
    page_key            VARCHAR NOT NULL,
    part                INTEGER NOT NULL,
    url                 VARCHAR,
    path                VARCHAR,
    source              VARCHAR NOT NULL,
    site                VARCHAR,
    title               VARCHAR,
    published_at        TIMESTAMP,
    outlet              VARCHAR,
    reposted_from       VARCHAR,
    author              VARCHAR,
    text                VARCHAR NOT NULL,
    text_normalized     VARCHAR NOT NULL,
    content_hash        VARCHAR NOT NULL,
    script              VARCHAR NOT NULL,
    extractor_version   VARCHAR NOT NULL,
    region_province     VARCHAR,
    region_city         VARCHAR,
    region_county       VARCHAR,
    stored_at           TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);

CREATE TABLE classifications (
    article_id      VARCHAR NOT NULL,
    model_version   VARCHAR NOT NULL,
    label           VARCHAR NOT NULL,
    score           DOUBLE NOT NULL,
    assigned        BOOLEAN NOT NULL,
    is_primary      BOOLEAN NOT NULL,
    sense           VARCHAR,
    classified_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (article_id, model_version, label)
);

CREATE SEQUENCE runs_seq START 1;
CREATE TABLE runs (
    run_id       BIGINT PRIMARY KEY DEFAULT nextval('runs_seq'),
    kind         VARCHAR NOT NULL,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    status       VARCHAR NOT NULL,
    counts       JSON
);

CREATE SEQUENCE errors_seq START 1;
CREATE TABLE errors (
    error_id     BIGINT PRIMARY KEY DEFAULT nextval('errors_seq'),
    run_id       BIGINT,
    target       VARCHAR NOT NULL,
    stage        VARCHAR NOT NULL,
    message      VARCHAR NOT NULL,
    occurred_at  TIMESTAMP NOT NULL
);
