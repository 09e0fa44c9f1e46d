-- 0003: researchers' labels (issue 4). `edualliance label` stores one row per
-- judgement; the latest row of an article is its label. `edualliance train`
-- reads them next to the training texts in corpus/.
-- Every column is documented in docs/data-dictionary.md.

CREATE SEQUENCE labels_seq START 1;
CREATE TABLE labels (
    label_id        BIGINT PRIMARY KEY DEFAULT nextval('labels_seq'),
    article_id      VARCHAR NOT NULL,
    labels          VARCHAR[] NOT NULL,
    primary_label   VARCHAR NOT NULL,
    sense           VARCHAR,
    labeler         VARCHAR,
    model_version   VARCHAR,
    note            VARCHAR,
    labeled_at      TIMESTAMP NOT NULL
);
