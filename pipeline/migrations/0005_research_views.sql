-- 0005: research views (issue 6): what researchers query, read from the published snapshot.
-- Every view and column is documented in docs/data-dictionary.md.
-- A story is a near-duplicate cluster (articles.cluster_id, migration 0002); an article
-- not clustered yet is its own story.
-- Weeks are ISO weeks in Asia/Shanghai: published_at is Beijing time already; an
-- article without a date counts in the week it was stored (UTC + 8 h; China keeps no DST).

-- The rows of each article's most recent model version (older versions stay in classifications).
CREATE VIEW current_classifications AS
SELECT c.article_id, c.model_version, c.label, c.score, c.assigned, c.is_primary, c.sense, c.classified_at
FROM classifications c
JOIN (
    SELECT article_id, arg_max(model_version, (classified_at, model_version)) AS model_version
    FROM classifications GROUP BY article_id
) latest ON latest.article_id = c.article_id AND latest.model_version = c.model_version;

CREATE VIEW research_articles AS
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
    GROUP BY article_id, model_version
), verdict AS (
    -- The article's current model version: the one that classified it last.
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
    a.stored_at
FROM articles a
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
        arg_min(canonical, canonical_key) AS canonical,
        sum(articles) AS articles,
        count(outlet) AS outlets,
        coalesce(list_sort(list(outlet) FILTER (WHERE outlet IS NOT NULL)), []::VARCHAR[]) AS outlet_names,
        min(first_published) AS first_published,
        max(last_published) AS last_published,
        min(first_week_start) AS first_week_start
    FROM (
        -- One row per story and outlet first, so that outlets need no DISTINCT.
        SELECT
            story_id,
            outlet,
            count(*) AS articles,
            arg_min({'title': title, 'primary_label': primary_label, 'labels': labels,
                     'region_province': region_province, 'region_city': region_city},
                    (NOT is_canonical, published_at, article_id)) AS canonical,
            min((NOT is_canonical, published_at, article_id)) AS canonical_key,
            min(published_at) AS first_published,
            max(published_at) AS last_published,
            min(week_start) AS first_week_start
        FROM research_articles
        GROUP BY story_id, outlet
    )
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
