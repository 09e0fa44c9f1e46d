-- 0009: the model version the research views read (`edualliance models use`), and the
-- 教联体 sense in the research views (issue 13). Every view and column is documented in
-- docs/data-dictionary.md.
--
-- Default counts of the reform model `jiaolianti` are of the school-alliance sense only:
-- `article_labels` (and the weekly tables and first reports built on it) leave out
-- jiaolianti rows of the 家校社协同育人 sense (`home_school_society`); the views whose names
-- end in `_by_sense` / `_all_senses` keep every sense, split.

-- Each `edualliance models use VERSION`: the latest row is the version in use.
CREATE TABLE IF NOT EXISTS model_choices (
    model_version   VARCHAR NOT NULL,
    chosen_at       TIMESTAMP NOT NULL,
    chosen_by       VARCHAR
);

-- One row: the chosen version, or NULL (then each article's most recent version is read).
CREATE OR REPLACE VIEW selected_model AS
SELECT arg_max(model_version, chosen_at) AS model_version, max(chosen_at) AS chosen_at FROM model_choices;

-- The rows of the chosen model version (or, with none chosen, of each article's most recent).
CREATE OR REPLACE VIEW current_classifications AS
SELECT c.article_id, c.model_version, c.label, c.score, c.assigned, c.is_primary, c.sense, c.classified_at
FROM classifications c
JOIN (
    SELECT article_id, arg_max(model_version, (classified_at, model_version)) AS model_version
    FROM classifications
    WHERE (SELECT model_version FROM selected_model) IS NULL
       OR model_version = (SELECT model_version FROM selected_model)
    GROUP BY article_id
) chosen ON chosen.article_id = c.article_id AND chosen.model_version = c.model_version;

CREATE OR REPLACE VIEW research_articles AS
WITH per_version AS (
    -- One row per article and model version: its labels and scores side by side.
    SELECT
        article_id,
        model_version,
        max(classified_at) AS classified_at,
        coalesce(max(label) FILTER (WHERE is_primary AND assigned), 'none') AS primary_label,
        bool_or(assigned) FILTER (WHERE label = 'jiaolianti') AS has_jiaolianti,
        bool_or(assigned) FILTER (WHERE label = 'group_run') AS has_group_run,
        bool_or(assigned) FILTER (WHERE label = 'district_community') AS has_district_community,
        bool_or(assigned) FILTER (WHERE label = 'urban_rural') AS has_urban_rural,
        max(score) FILTER (WHERE label = 'jiaolianti') AS score_jiaolianti,
        max(score) FILTER (WHERE label = 'group_run') AS score_group_run,
        max(score) FILTER (WHERE label = 'district_community') AS score_district_community,
        max(score) FILTER (WHERE label = 'urban_rural') AS score_urban_rural,
        max(sense) AS sense
    FROM classifications
    WHERE (SELECT model_version FROM selected_model) IS NULL
       OR model_version = (SELECT model_version FROM selected_model)
    GROUP BY article_id, model_version
), verdict AS (
    -- The article's version: the chosen one, else the one that classified it last.
    SELECT * FROM per_version
    QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY classified_at DESC, model_version DESC) = 1
)
SELECT
    a.article_id,
    coalesce(a.cluster_id, a.article_id) AS story_id,
    a.is_canonical,
    a.title,
    a.published_at,
    CAST(a.published_at AS DATE) AS published_date,
    CAST(date_trunc('week', coalesce(a.published_at, a.stored_at + INTERVAL 8 HOUR)) AS DATE) AS week_start,
    strftime(date_trunc('week', coalesce(a.published_at, a.stored_at + INTERVAL 8 HOUR)), '%G-W%V') AS iso_week,
    a.source,
    a.site,
    a.outlet,
    a.reposted_from,
    a.url,
    a.path,
    a.region_province,
    a.region_city,
    a.region_county,
    coalesce(v.primary_label, 'none') AS primary_label,
    [x FOR x IN [
        CASE WHEN v.has_jiaolianti THEN 'jiaolianti' END,
        CASE WHEN v.has_group_run THEN 'group_run' END,
        CASE WHEN v.has_district_community THEN 'district_community' END,
        CASE WHEN v.has_urban_rural THEN 'urban_rural' END
    ] IF x IS NOT NULL] AS labels,
    v.score_jiaolianti,
    v.score_group_run,
    v.score_district_community,
    v.score_urban_rural,
    v.sense,
    v.model_version,
    a.text_normalized,
    a.stored_at,
    -- The labels the default counts use: jiaolianti only in its school-alliance sense.
    [x FOR x IN [
        CASE WHEN v.has_jiaolianti AND coalesce(v.sense, 'school_alliance') <> 'home_school_society'
             THEN 'jiaolianti' END,
        CASE WHEN v.has_group_run THEN 'group_run' END,
        CASE WHEN v.has_district_community THEN 'district_community' END,
        CASE WHEN v.has_urban_rural THEN 'urban_rural' END
    ] IF x IS NOT NULL] AS reform_labels
FROM articles a
LEFT JOIN verdict v ON v.article_id = a.article_id;

-- One row per article and assigned label, every sense of 教联体 (sense on jiaolianti rows).
CREATE OR REPLACE VIEW article_labels_all_senses AS
SELECT article_id, story_id, is_canonical, published_at, week_start, iso_week, outlet,
       region_province, region_city, label, label = primary_label AS is_primary,
       CASE WHEN label = 'jiaolianti' THEN coalesce(sense, 'school_alliance') END AS sense,
       NOT (label = 'jiaolianti' AND coalesce(sense, 'school_alliance') = 'home_school_society') AS counts_as_reform
FROM (SELECT *, unnest(labels) AS label FROM research_articles);

-- One row per article and assigned label, as counted by default: jiaolianti rows of the
-- home_school_society sense are left out (they are in article_labels_all_senses).
CREATE OR REPLACE VIEW article_labels AS
SELECT article_id, story_id, is_canonical, published_at, week_start, iso_week, outlet,
       region_province, region_city, label, is_primary, sense
FROM article_labels_all_senses
WHERE counts_as_reform;

CREATE OR REPLACE VIEW weekly_label_province AS
WITH totals AS (
    SELECT week_start, count(*) AS week_articles, count(DISTINCT story_id) AS week_stories
    FROM research_articles GROUP BY week_start
), cells AS (
    SELECT week_start, label, region_province, count(*) AS articles, count(DISTINCT story_id) AS stories
    FROM article_labels GROUP BY week_start, label, region_province
)
SELECT c.week_start, strftime(c.week_start, '%G-W%V') AS iso_week, c.label, c.region_province,
       c.articles, c.stories, t.week_articles, t.week_stories,
       c.stories / t.week_stories AS share_of_week,
       CASE WHEN c.label = 'jiaolianti' THEN 'school_alliance' END AS sense
FROM cells c JOIN totals t ON t.week_start = c.week_start;

-- The weekly counts with jiaolianti split by sense (other labels: sense NULL).
CREATE OR REPLACE VIEW weekly_label_sense_province AS
WITH totals AS (
    SELECT week_start, count(*) AS week_articles, count(DISTINCT story_id) AS week_stories
    FROM research_articles GROUP BY week_start
), cells AS (
    SELECT week_start, label, sense, region_province, count(*) AS articles, count(DISTINCT story_id) AS stories
    FROM article_labels_all_senses GROUP BY week_start, label, sense, region_province
)
SELECT c.week_start, strftime(c.week_start, '%G-W%V') AS iso_week, c.label, c.sense, c.region_province,
       c.articles, c.stories, t.week_articles, t.week_stories,
       c.stories / t.week_stories AS share_of_week
FROM cells c JOIN totals t ON t.week_start = c.week_start;

CREATE OR REPLACE VIEW first_reports AS
SELECT
    label,
    CASE WHEN grouping(region_city) = 1 THEN 'province' ELSE 'city' END AS level,
    region_province,
    region_city,
    min(published_at) AS first_published,
    arg_min(article_id, published_at) AS first_article_id,
    count(DISTINCT story_id) AS stories,
    CASE WHEN label = 'jiaolianti' THEN 'school_alliance' END AS sense
FROM article_labels
WHERE published_at IS NOT NULL AND region_province IS NOT NULL
GROUP BY GROUPING SETS ((label, region_province), (label, region_province, region_city))
HAVING grouping(region_city) = 1 OR region_city IS NOT NULL;

-- First reports per sense of 教联体 (other labels: sense NULL, same rows as first_reports).
CREATE OR REPLACE VIEW first_reports_by_sense AS
SELECT
    label,
    sense,
    CASE WHEN grouping(region_city) = 1 THEN 'province' ELSE 'city' END AS level,
    region_province,
    region_city,
    min(published_at) AS first_published,
    arg_min(article_id, published_at) AS first_article_id,
    count(DISTINCT story_id) AS stories
FROM article_labels_all_senses
WHERE published_at IS NOT NULL AND region_province IS NOT NULL
GROUP BY GROUPING SETS ((label, sense, region_province), (label, sense, region_province, region_city))
HAVING grouping(region_city) = 1 OR region_city IS NOT NULL;

-- stories, with the canonical article's 教联体 sense (outlets as migration 0008 counts them: carrying sites).
CREATE OR REPLACE VIEW stories AS
SELECT
    story_id,
    canonical.title AS title,
    canonical.primary_label AS primary_label,
    canonical.labels AS labels,
    canonical.region_province AS region_province,
    canonical.region_city AS region_city,
    articles, outlets, outlet_names, first_published, last_published, first_week_start,
    original_outlets,
    canonical.sense AS sense
FROM (
    SELECT
        story_id,
        arg_min(canonical, canonical_key) AS canonical,
        sum(articles) AS articles,
        count(carrier) AS outlets,
        coalesce(list_sort(list(carrier) FILTER (WHERE carrier IS NOT NULL)), []::VARCHAR[]) AS outlet_names,
        min(first_published) AS first_published,
        max(last_published) AS last_published,
        min(first_week_start) AS first_week_start,
        coalesce(list_sort(list_distinct(flatten(list(originals)))), []::VARCHAR[]) AS original_outlets
    FROM (
        -- One row per story and carrying outlet first, so that outlets need no DISTINCT.
        SELECT
            r.story_id,
            coalesce(a.carrier, r.site, r.outlet) AS carrier,
            count(*) AS articles,
            list(DISTINCT r.outlet) FILTER (WHERE r.outlet IS NOT NULL) AS originals,
            arg_min({'title': r.title, 'primary_label': r.primary_label, 'labels': r.labels,
                     'region_province': r.region_province, 'region_city': r.region_city, 'sense': r.sense},
                    (NOT r.is_canonical, r.published_at, r.article_id)) AS canonical,
            min((NOT r.is_canonical, r.published_at, r.article_id)) AS canonical_key,
            min(r.published_at) AS first_published,
            max(r.published_at) AS last_published,
            min(r.week_start) AS first_week_start
        FROM research_articles r
        JOIN articles a ON a.article_id = r.article_id
        GROUP BY r.story_id, coalesce(a.carrier, r.site, r.outlet)
    )
    GROUP BY story_id
);
