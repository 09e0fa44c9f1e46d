-- 0005: research views (issue 6): what researchers query, read from the published snapshot.
-- Every view and column is documented in docs/data-dictionary.md.
-- Weeks are ISO weeks in Asia/Shanghai: published_at is Beijing time already; an
-- article without a date counts in the week it was stored (UTC + 8 h; China keeps no DST).

-- The rows of each article's most recent model version (older versions stay in classifications).
CREATE VIEW current_classifications AS
SELECT c.article_id, c.model_version, c.label, c.score, c.assigned, c.is_primary, c.sense, c.classified_at
FROM classifications c
JOIN (
    SELECT article_id, arg_max(model_version, classified_at) AS model_version
    FROM classifications GROUP BY article_id
) latest ON latest.article_id = c.article_id AND latest.model_version = c.model_version;

CREATE VIEW research_articles AS
WITH verdict AS (
    SELECT
        article_id,
        any_value(model_version) AS model_version,
        coalesce(max(label) FILTER (WHERE is_primary AND assigned), 'none') AS primary_label,
        list(label ORDER BY array_position(['jiaolianti', 'group_run', 'district_community', 'urban_rural'], label))
            FILTER (WHERE assigned) AS labels,
        max(score) FILTER (WHERE label = 'jiaolianti') AS score_jiaolianti,
        max(score) FILTER (WHERE label = 'group_run') AS score_group_run,
        max(score) FILTER (WHERE label = 'district_community') AS score_district_community,
        max(score) FILTER (WHERE label = 'urban_rural') AS score_urban_rural,
        max(sense) AS sense
    FROM current_classifications
    GROUP BY article_id
), dated AS (
    SELECT a.*, CAST(date_trunc('week', coalesce(a.published_at, a.stored_at + INTERVAL 8 HOUR)) AS DATE) AS week_start
    FROM articles a
)
SELECT
    a.article_id,
    a.article_id AS story_id,
    TRUE AS is_canonical,
    a.title,
    a.published_at,
    CAST(a.published_at AS DATE) AS published_date,
    a.week_start,
    strftime(a.week_start, '%G-W%V') AS iso_week,
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
    coalesce(v.labels, []::VARCHAR[]) AS labels,
    v.score_jiaolianti,
    v.score_group_run,
    v.score_district_community,
    v.score_urban_rural,
    v.sense,
    v.model_version,
    a.text_normalized,
    a.stored_at
FROM dated a
LEFT JOIN verdict v ON v.article_id = a.article_id;

-- One row per article and assigned label (an article with two labels has two rows).
CREATE VIEW article_labels AS
SELECT article_id, story_id, is_canonical, published_at, week_start, iso_week, outlet,
       region_province, region_city, label, label = primary_label AS is_primary
FROM (SELECT *, unnest(labels) AS label FROM research_articles);

CREATE VIEW weekly_label_province AS
WITH totals AS (
    SELECT week_start, count(*) AS week_articles, count(DISTINCT story_id) AS week_stories
    FROM research_articles GROUP BY week_start
), cells AS (
    SELECT week_start, label, region_province, count(*) AS articles, count(DISTINCT story_id) AS stories
    FROM article_labels GROUP BY week_start, label, region_province
)
SELECT c.week_start, strftime(c.week_start, '%G-W%V') AS iso_week, c.label, c.region_province,
       c.articles, c.stories, t.week_articles, t.week_stories,
       c.stories / t.week_stories AS share_of_week
FROM cells c JOIN totals t ON t.week_start = c.week_start;

CREATE VIEW stories AS
SELECT
    story_id,
    canonical.title AS title,
    canonical.primary_label AS primary_label,
    canonical.labels AS labels,
    canonical.region_province AS region_province,
    canonical.region_city AS region_city,
    articles, outlets, outlet_names, first_published, last_published, first_week_start
FROM (
SELECT
    story_id,
    arg_min({'title': title, 'primary_label': primary_label, 'labels': labels,
             'region_province': region_province, 'region_city': region_city},
            (NOT is_canonical, published_at, article_id)) AS canonical,
    count(*) AS articles,
    count(DISTINCT outlet) AS outlets,
    coalesce(list(DISTINCT outlet) FILTER (WHERE outlet IS NOT NULL), []::VARCHAR[]) AS outlet_names,
    min(published_at) AS first_published,
    max(published_at) AS last_published,
    min(week_start) AS first_week_start
FROM research_articles
GROUP BY story_id
);

-- When each province (level 'province') and city (level 'city') first reported each model.
CREATE VIEW first_reports AS
SELECT
    label,
    CASE WHEN grouping(region_city) = 1 THEN 'province' ELSE 'city' END AS level,
    region_province,
    region_city,
    min(published_at) AS first_published,
    arg_min(article_id, published_at) AS first_article_id,
    count(DISTINCT story_id) AS stories
FROM article_labels
WHERE published_at IS NOT NULL AND region_province IS NOT NULL
GROUP BY GROUPING SETS ((label, region_province), (label, region_province, region_city))
HAVING grouping(region_city) = 1 OR region_city IS NOT NULL;
