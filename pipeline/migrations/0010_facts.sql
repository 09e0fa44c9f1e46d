-- 0010: what articles state, as records (issue 15, pipeline/facts/): quantity facts,
-- alliances with their lead and member schools, policy documents and which articles
-- cite them. Written with the article, in the same transaction, by ingest, the crawl
-- writer and reprocess; every row names its article and the sentence it came from.
-- Every table, view and column is documented in docs/data-dictionary.md.

-- One row per article extracted: by which version of the rules, and what it gave.
-- An article stored before this migration has no row until it is reprocessed.
CREATE TABLE article_extractions (
    article_id VARCHAR PRIMARY KEY,
    extraction_version VARCHAR NOT NULL,
    facts INTEGER NOT NULL,
    alliances INTEGER NOT NULL,
    documents INTEGER NOT NULL,
    extracted_at TIMESTAMP NOT NULL
);

-- One row per figure an article states about a reform (建成城乡学校发展共同体128对).
CREATE TABLE facts (
    article_id VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    value DOUBLE NOT NULL,
    value_max DOUBLE,
    qualifier VARCHAR,
    unit VARCHAR NOT NULL,
    counted VARCHAR NOT NULL,
    noun VARCHAR,
    model VARCHAR,
    province VARCHAR,
    city VARCHAR,
    county VARCHAR,
    year INTEGER,
    period VARCHAR,
    is_target BOOLEAN NOT NULL,
    as_written VARCHAR NOT NULL,
    sentence VARCHAR NOT NULL,
    paragraph INTEGER NOT NULL,
    char_offset INTEGER NOT NULL,
    PRIMARY KEY (article_id, seq)
);

-- One row per alliance an article names (or knows by its lead school).
CREATE TABLE alliance_mentions (
    article_id VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    alliance_key VARCHAR NOT NULL,
    name VARCHAR,
    model VARCHAR,
    lead_school VARCHAR,
    members VARCHAR[] NOT NULL,
    province VARCHAR,
    city VARCHAR,
    county VARCHAR,
    sentence VARCHAR NOT NULL,
    evidence VARCHAR[] NOT NULL,
    PRIMARY KEY (article_id, seq)
);

-- One row per policy document an article is or cites.
CREATE TABLE document_mentions (
    article_id VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    document_key VARCHAR NOT NULL,
    title VARCHAR,
    doc_number VARCHAR,
    kind VARCHAR,
    issuers VARCHAR[] NOT NULL,
    issued DATE,
    year INTEGER,
    level VARCHAR,
    province VARCHAR,
    city VARCHAR,
    county VARCHAR,
    models VARCHAR[] NOT NULL,
    relation VARCHAR NOT NULL,
    sentence VARCHAR NOT NULL,
    PRIMARY KEY (article_id, seq)
);

-- Facts with their article: when and where it was published, its story (reposts of
-- one story share a story_id: count a figure once per story).
CREATE VIEW reported_facts AS
SELECT f.article_id, r.story_id, r.is_canonical, r.title, r.published_at, r.week_start, r.url,
       f.value, f.value_max, f.qualifier, f.unit, f.counted, f.noun, f.model,
       f.province, f.city, f.county, f.year, f.period, f.is_target, f.as_written, f.sentence
FROM facts f
JOIN research_articles r USING (article_id);

-- One row per alliance across all articles (one alliance_key), with the name, lead
-- and model most articles give it.
CREATE VIEW alliances AS
SELECT m.alliance_key,
       mode(m.name) AS name,
       mode(m.lead_school) AS lead_school,
       mode(m.model) AS model,
       mode(m.province) AS province,
       mode(m.city) AS city,
       mode(m.county) AS county,
       count(DISTINCT m.article_id) AS articles,
       count(DISTINCT coalesce(a.cluster_id, a.article_id)) AS stories,
       min(coalesce(a.published_at, a.stored_at)) AS first_seen,
       max(coalesce(a.published_at, a.stored_at)) AS last_seen,
       list_distinct(flatten(list(m.members))) AS members,
       list(DISTINCT m.article_id) AS article_ids
FROM alliance_mentions m
JOIN articles a USING (article_id)
GROUP BY m.alliance_key;

-- One row per alliance and member school: which articles name the school as a member.
CREATE VIEW alliance_members AS
SELECT m.alliance_key, member AS school, count(DISTINCT m.article_id) AS articles,
       list(DISTINCT m.article_id) AS article_ids
FROM alliance_mentions m, unnest(m.members) AS u(member)
GROUP BY m.alliance_key, member;

-- One row per policy document (one document_key), the fields the articles agree on most.
CREATE VIEW policy_documents AS
SELECT d.document_key,
       arg_max(d.title, length(d.title)) AS title,
       mode(d.doc_number) AS doc_number,
       mode(d.kind) AS kind,
       arg_max(d.issuers, len(d.issuers)) AS issuers,
       min(d.issued) AS issued,
       coalesce(year(min(d.issued)), mode(d.year)) AS year,
       mode(d.level) AS level,
       mode(d.province) AS province,
       mode(d.city) AS city,
       mode(d.county) AS county,
       list_sort(list_distinct(flatten(list(d.models)))) AS models,
       count(DISTINCT d.article_id) FILTER (WHERE d.relation = 'cites') AS citing_articles,
       bool_or(d.relation = 'is') AS has_own_page,
       min(coalesce(a.published_at, a.stored_at)) AS first_seen
FROM document_mentions d
JOIN articles a USING (article_id)
GROUP BY d.document_key;

-- Which articles are or cite which documents.
CREATE VIEW article_documents AS
SELECT d.article_id, d.document_key, d.relation, d.sentence
FROM document_mentions d;
