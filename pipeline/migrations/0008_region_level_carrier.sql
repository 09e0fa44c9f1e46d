-- 0008: national news and repost reach (issue 12).
-- region_level: national | province | city | county (NULL: no place named). National
-- news (a national body or meeting as the subject) has level 'national' and no province.
-- carrier: the outlet of the site that carried this copy (og:site_name, the site part of
-- <title>, else the host); `outlet` stays the original (来源/本文转自). A story's reach is
-- the number of distinct carriers: three sites reposting one 新华社 story are three outlets.
-- Every column is documented in docs/data-dictionary.md.

ALTER TABLE articles ADD COLUMN region_level VARCHAR;
ALTER TABLE articles ADD COLUMN carrier VARCHAR;

-- Articles stored before this migration: the level their region already says, and the
-- host as the carrier (`edualliance reprocess` re-reads the site names from the pages).
UPDATE articles SET region_level = CASE
    WHEN region_county IS NOT NULL THEN 'county'
    WHEN region_city IS NOT NULL THEN 'city'
    WHEN region_province IS NOT NULL THEN 'province' END;
UPDATE articles SET carrier = site;

CREATE OR REPLACE VIEW stories AS
SELECT
    story_id,
    canonical.title AS title,
    canonical.primary_label AS primary_label,
    canonical.labels AS labels,
    canonical.region_province AS region_province,
    canonical.region_city AS region_city,
    articles, outlets, outlet_names, first_published, last_published, first_week_start,
    original_outlets
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
                     'region_province': r.region_province, 'region_city': r.region_city},
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
