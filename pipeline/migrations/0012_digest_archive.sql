-- 0012: what the weekly job wrote into the digest archive and whom it mailed
-- (pipeline/weekly.py), so that a rerun writes and sends nothing twice and a
-- week whose counts changed after its digest went out is seen as revised.
-- Every column is documented in docs/data-dictionary.md.

-- One row per week in the archive: the counts its files report now, and how
-- often they were rewritten because the week's counts changed.
CREATE TABLE digest_weeks (
    week VARCHAR PRIMARY KEY,
    week_start DATE NOT NULL,
    written_at TIMESTAMP NOT NULL,
    revision INTEGER NOT NULL,
    revised_at TIMESTAMP,
    counts JSON NOT NULL,
    changes VARCHAR,
    files VARCHAR[] NOT NULL,
    run_id BIGINT
);

-- One row per message to one recipient: queued when a digest (or its revision)
-- is written, sent by this run or retried by the next.
CREATE SEQUENCE digest_mails_seq START 1;
CREATE TABLE digest_mails (
    mail_id BIGINT PRIMARY KEY DEFAULT nextval('digest_mails_seq'),
    week VARCHAR NOT NULL,
    revision INTEGER NOT NULL,
    recipient VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    attempts INTEGER NOT NULL,
    queued_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    message VARCHAR,
    run_id BIGINT
);
