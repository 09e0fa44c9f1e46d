"""Researchers' reads: full-text search, exports, diffusion tables and their own SQL.

They read the research views of migration 0005 (tables in a snapshot).
``search_candidates`` shapes its statement by the number of terms and the
filters given only; the terms, like every other value, are parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .schema import StoreConnection


@dataclass(frozen=True)
class SearchFilters:
    """What a search (or the explorer's list) is narrowed to. Empty fields filter nothing."""

    since: datetime | None = None  # published on or after
    until: datetime | None = None  # published before
    label: str | None = None  # an assigned label
    sense: str | None = None  # 教联体's sense: school_alliance | home_school_society
    region: str | None = None  # a province or a city
    outlet: str | None = None  # the outlet (or the outlet it was reposted from)

    def where(self, label_mask: bool = False) -> tuple[str, dict[str, object]]:
        """A WHERE clause over research_articles and its named parameters; with ``label_mask``,
        over a snapshot's search_doc_fields, whose label_mask bits stand for the labels list."""
        from ..records import LABELS

        def has_label(name: str, param: str) -> str:
            if label_mask and name in LABELS:
                params[param] = 1 << LABELS.index(name)
                return f"(label_mask & ${param}) <> 0"
            params[param] = name
            return f"list_contains(labels, ${param})"

        clauses, params = ["TRUE"], {}
        if self.since is not None:
            clauses.append("published_at >= $f_since")
            params["f_since"] = self.since
        if self.until is not None:
            clauses.append("published_at < $f_until")
            params["f_until"] = self.until
        if self.label:
            clauses.append(has_label(self.label, "f_label"))
        if self.sense:
            # The sense is 教联体's: school_alliance is also what an unmarked 教联体 article means.
            clauses.append(has_label("jiaolianti", "f_jlt") + " AND coalesce(sense, 'school_alliance') = $f_sense")
            params["f_sense"] = self.sense
        if self.region:
            clauses.append("(region_province = $f_region OR region_city = $f_region)")
            params["f_region"] = self.region
        if self.outlet:
            clauses.append("(outlet = $f_outlet OR reposted_from = $f_outlet)")
            params["f_outlet"] = self.outlet
        return " AND ".join(clauses), params


#: Columns of a candidate row, in order.
CANDIDATE_COLUMNS = ("article_id", "story_id", "title", "published_at", "outlet", "region_province", "region_city",
                     "primary_label", "labels", "sense", "url", "text_normalized", "score")


#: The text length (UTF-8 bytes, about 1,000 Chinese characters: a typical news article)
#: against which a long text's counts are discounted. A constant, not the corpus mean,
#: so that an article's score needs nothing but its own counts and length: the index
#: gives those without reading the other articles.
REFERENCE_BYTES = 3000


def score_sql(n: int) -> str:
    """BM25's term saturation (k1 = 1.2, b = 0.75) summed over the ``n`` terms of a row of
    ``matched`` (columns tf0…, len). Every term is required, so they weigh alike (no idf)."""
    # DOUBLE throughout: the index's INTEGER and the scan's BIGINT counts give the same floats.
    norm = f"1.2::DOUBLE * (0.25::DOUBLE + 0.75::DOUBLE * len::DOUBLE / {REFERENCE_BYTES}::DOUBLE)"
    return " + ".join(f"tf{i}::DOUBLE * 2.2::DOUBLE / (tf{i}::DOUBLE + {norm})" for i in range(n))


def _qualified(filter_sql: str, alias: str = "r") -> str:
    """The filter clause over research_articles (or a table with its filter columns) aliased ``alias``."""
    import re

    columns = ("published_at", "labels", "label_mask", "sense", "region_province", "region_city", "outlet",
               "reposted_from")
    return re.sub(r"(?<![\w.$])(" + "|".join(columns) + r")\b", alias + r".\1", filter_sql)


class ResearchMixin(StoreConnection):
    """Search, export, diffusion and researchers' own queries."""

    def search_candidates(self, terms: Sequence[str], filters: SearchFilters, limit: int,
                          lookup: Sequence[tuple[tuple[str, ...], bool]] | None = None,
                          tokenizer_version: str = "", unindexed: bool = True) -> tuple[int, list[tuple]]:
        """(articles the filters leave, rows of CANDIDATE_COLUMNS) for articles holding every term
        (title or text), best first by ``score_sql`` (title hits count double).

        Without ``lookup`` every filtered text is scanned. With it (per term: the index terms
        every article holding it holds, and whether the index gives its articles exactly),
        the articles come from the search index (migration 0014), and with ``unindexed`` the
        articles without an entry are scanned besides. Both give the same rows.
        """
        if not terms:
            return 0, []
        if (lookup is not None and not unindexed and all(exact for _, exact in lookup)
                and self.has_search_fields()):
            return self._candidates_by_fields(terms, filters, limit, tokenizer_version)
        filter_sql, named = filters.where()
        n = len(terms)
        named.update({f"t{i}": term for i, term in enumerate(terms)})

        def count(i: int, alias: str = "") -> str:
            text, title = f"{alias}text_normalized", f"coalesce({alias}title, '')"
            return (f"(strlen({text}) - strlen(replace({text}, $t{i}, ''))) // strlen($t{i})"
                    f" + 2 * ((strlen({title}) - strlen(replace({title}, $t{i}, ''))) // strlen($t{i}))")

        def holds(i: int, alias: str = "") -> str:
            return f"(contains({alias}text_normalized, $t{i}) OR contains(coalesce({alias}title, ''), $t{i}))"

        scan = ("SELECT article_id, published_at, strlen(text_normalized) AS len, "
                + ", ".join(f"{count(i)} AS tf{i}" for i in range(n)) +
                " FROM research_articles WHERE " + filter_sql + " AND " + " AND ".join(holds(i) for i in range(n)))
        ctes: list[str] = []
        if lookup is None:
            matched = scan
        else:
            keys = sorted({key for term_keys, _ in lookup for key in term_keys})
            named.update({f"k{j}": key for j, key in enumerate(keys)})
            named.update({"nkeys": len(keys), "tok": tokenizer_version})
            # term IN (constants) is pushed into the scan: only the blocks holding those words are read.
            among = ", ".join(f"$k{j}" for j in range(len(keys)))
            exact = [f"max(p.tf) FILTER (WHERE p.term = $t{i}) AS x{i}" for i, (_, ok) in enumerate(lookup) if ok]
            tfs = [f"h.x{i} AS tf{i}" if ok else f"{count(i, 'r.')} AS tf{i}" for i, (_, ok) in enumerate(lookup)]
            checks = [holds(i, "r.") for i, (_, ok) in enumerate(lookup) if not ok]
            hits = ("(SELECT p.doc" + "".join(", " + x for x in exact) +
                    "  FROM search_terms p WHERE p.term IN (" + among + ") GROUP BY p.doc HAVING count(*) = $nkeys) h"
                    " JOIN search_docs d ON d.doc = h.doc AND d.tokenizer = $tok")
            if not checks and filter_sql == "TRUE" and not unindexed:
                # Every count is in the index and nothing filters: score there, and read the
                # articles' dates (the tie-break) only for those scoring at least the limit-th
                # best (ties included, so the order is the one over all of them).
                named["cut"] = limit - 1
                ctes.append("scored AS MATERIALIZED (SELECT *, " + score_sql(n) + " AS score FROM (SELECT d.article_id,"
                            " d.text_bytes AS len, " + ", ".join(f"h.x{i} AS tf{i}" for i in range(n)) +
                            " FROM " + hits + "))")
                matched = ("SELECT r.article_id, r.published_at, s.len, " + ", ".join(f"s.tf{i}" for i in range(n)) +
                           " FROM scored s JOIN research_articles r ON r.article_id = s.article_id"
                           " WHERE s.score >= coalesce((SELECT score FROM scored ORDER BY score DESC"
                           "  LIMIT 1 OFFSET $cut), -1)")
            else:
                matched = (
                    "SELECT r.article_id, r.published_at, d.text_bytes AS len, " + ", ".join(tfs) + " FROM " + hits +
                    " JOIN research_articles r ON r.article_id = d.article_id"
                    " WHERE " + " AND ".join([_qualified(filter_sql), *checks]))
            if unindexed:
                matched += (" UNION ALL " + scan.replace(
                    "FROM research_articles WHERE",
                    "FROM research_articles WHERE article_id NOT IN"
                    " (SELECT article_id FROM search_docs WHERE tokenizer = $tok) AND", 1))
        named["limit"] = limit
        best = self.conn.execute(
            "WITH " + "".join(cte + ", " for cte in ctes) + "matched AS (" + matched + ")"
            " SELECT article_id, " + score_sql(n) + " AS score FROM matched"
            " ORDER BY score DESC, published_at DESC NULLS LAST, article_id LIMIT $limit", named).fetchall()
        rows = self.articles_by_id([article_id for article_id, _ in best])
        rows = [(*rows[article_id], score) for article_id, score in best]
        return self._searched(filters), rows

    def _candidates_by_fields(self, terms: Sequence[str], filters: SearchFilters, limit: int,
                              tokenizer_version: str) -> tuple[int, list[tuple]]:
        """``search_candidates`` in a snapshot when the index gives every term's articles and counts:
        the postings of the terms (the blocks of those words alone), joined by number with the
        snapshot's narrow ``SEARCH_FIELDS`` for length, filters and tie-breaks; no text and no
        research row is read but those of the best ``limit`` (and the filter columns, to count
        the articles the filters leave)."""
        from .searchindex import SEARCH_FIELDS

        filter_sql, named = filters.where(label_mask=True)
        n = len(terms)
        words = list(dict.fromkeys(terms))
        named.update({f"t{j}": word for j, word in enumerate(words)})
        named.update({"tok": tokenizer_version, "limit": limit})
        # One join per word on its own postings (a doc holds a word once), the filtered fields
        # first: faster than grouping all the words' postings by doc (2.5 times at 1M articles).
        # SEARCH_FIELDS is a constant name; the words and filter values are parameters.
        postings = "".join(f", p{j} AS (SELECT doc, tf FROM search_terms WHERE term = $t{j})" for j in range(len(words)))
        joins = "".join(f" JOIN p{j} ON p{j}.doc = f.doc" for j in range(len(words)))
        best = self.conn.execute(
            f"WITH f AS (SELECT doc, published_at, id_rank, text_bytes FROM {SEARCH_FIELDS} f"
            "  WHERE f.tokenizer = $tok AND " + _qualified(filter_sql, "f") + ")" + postings + ","
            " matched AS (SELECT f.doc, f.published_at, f.id_rank, f.text_bytes AS len, "
            + ", ".join(f"p{words.index(term)}.tf AS tf{i}" for i, term in enumerate(terms)) + " FROM f" + joins + ")"
            " SELECT doc, " + score_sql(n) + " AS score FROM matched"
            " ORDER BY score DESC, published_at DESC NULLS LAST, id_rank LIMIT $limit", named).fetchall()
        if not best:
            return self._searched(filters, SEARCH_FIELDS), []
        docs = [doc for doc, _ in best]
        ids = dict(self.conn.execute(
            f"SELECT doc, article_id FROM {SEARCH_FIELDS} WHERE doc IN (" + ", ".join("?" for _ in docs) + ")",
            docs).fetchall())
        rows = self.articles_by_id([ids[doc] for doc in docs])
        return self._searched(filters, SEARCH_FIELDS), [(*rows[ids[doc]], score) for doc, score in best]

    def _searched(self, filters: SearchFilters, table: str = "research_articles") -> int:
        """Articles the filters leave, counted in ``table`` (a constant: research_articles, or a
        snapshot's narrow search_doc_fields when every article is indexed: a third faster at 10M)."""
        filter_sql, params = filters.where(label_mask=table != "research_articles")
        return int(self.conn.execute(f"SELECT count(*) FROM {table} WHERE " + filter_sql,
                                     params).fetchone()[0])

    def articles_by_id(self, article_ids: Sequence[str]) -> dict[str, tuple]:
        """article_id → the row of CANDIDATE_COLUMNS but the score. The ids are an IN list of
        parameters, which a snapshot answers from its index on article_id (``SNAPSHOT_INDEXES``):
        the cost is that of the rows asked for, not of the corpus."""
        if not article_ids:
            return {}
        ids = list(dict.fromkeys(article_ids))
        rows = self.conn.execute(
            "SELECT article_id, story_id, title, published_at, outlet, region_province, region_city, primary_label,"
            " labels, sense, coalesce(url, path), text_normalized FROM research_articles"
            " WHERE article_id IN (" + ", ".join("?" for _ in ids) + ")", ids).fetchall()
        return {row[0]: row for row in rows}

    def story_sizes(self, story_ids: Sequence[str]) -> dict[str, tuple[int, list[str]]]:
        """story_id → (articles in the story, outlets that carried it)."""
        if not story_ids:
            return {}
        ids = list(dict.fromkeys(story_ids))
        rows = self.conn.execute(
            "SELECT story_id, articles, outlet_names FROM stories"
            " WHERE story_id IN (" + ", ".join("?" for _ in ids) + ")", ids).fetchall()
        return {story: (int(n), list(names or [])) for story, n, names in rows}
    def export_parquet(self, out_dir: Path) -> None:
        """research_articles as Parquet files partitioned by year and primary label (hive layout)."""
        self.conn.execute(
            "COPY (SELECT *, year(coalesce(published_at, stored_at)) AS year, primary_label AS label"
            " FROM research_articles ORDER BY published_at, article_id)"
            " TO ? (FORMAT parquet, PARTITION_BY (year, label), OVERWRITE_OR_IGNORE true)",
            [str(out_dir)],
        )

    def export_csv(self, path: Path, *, with_text: bool = True) -> None:
        """research_articles as one CSV file (UTF-8, header; labels joined with ';')."""
        if with_text:
            self.conn.execute(
                "COPY (SELECT * REPLACE (array_to_string(labels, ';') AS labels)"
                " FROM research_articles ORDER BY published_at, article_id)"
                " TO ? (FORMAT csv, HEADER true)",
                [str(path)],
            )
        else:
            self.conn.execute(
                "COPY (SELECT * EXCLUDE (text_normalized) REPLACE (array_to_string(labels, ';') AS labels)"
                " FROM research_articles ORDER BY published_at, article_id)"
                " TO ? (FORMAT csv, HEADER true)",
                [str(path)],
            )

    def diffusion(self, label: str, level: str, sense: str | None = None) -> list[tuple]:
        """(province, city, first_published, stories, title, outlet) for one model, earliest first.

        ``sense`` (jiaolianti only): None reads ``first_reports`` (the school-alliance sense,
        the default counts); ``school_alliance`` or ``home_school_society`` reads that sense
        alone and ``all`` both together, from ``article_labels_all_senses``.
        """
        if sense is None:
            return self.conn.execute(
                "SELECT f.region_province, f.region_city, f.first_published, f.stories, r.title, r.outlet"
                " FROM first_reports f LEFT JOIN research_articles r ON r.article_id = f.first_article_id"
                " WHERE f.label = ? AND f.level = ?"
                " ORDER BY f.first_published, f.region_province, f.region_city",
                [label, level],
            ).fetchall()
        return self.conn.execute(
            "WITH rows AS (SELECT * FROM article_labels_all_senses WHERE label = ? AND (? = 'all' OR sense = ?)"
            "  AND published_at IS NOT NULL AND region_province IS NOT NULL"
            "  AND (? = 'province' OR region_city IS NOT NULL)),"
            " firsts AS (SELECT region_province, CASE WHEN ? = 'city' THEN region_city END AS region_city,"
            "  min(published_at) AS first_published, arg_min(article_id, published_at) AS first_article_id,"
            "  count(DISTINCT story_id) AS stories FROM rows GROUP BY ALL)"
            " SELECT f.region_province, f.region_city, f.first_published, f.stories, r.title, r.outlet"
            " FROM firsts f LEFT JOIN research_articles r ON r.article_id = f.first_article_id"
            " ORDER BY f.first_published, f.region_province, f.region_city",
            [label, sense, sense, level, level],
        ).fetchall()

    def run_user_query(self, sql: str, params: Iterable[Any] = ()) -> tuple[list[str], list[tuple]]:
        """Run a researcher's query (on a read-only connection); return (columns, rows).

        Only one read statement is run (``sqlcheck.read_statement``). External access
        is switched off first, so the query cannot read or write files (COPY, ATTACH,
        read_csv) either, and the configuration is locked (no CALL enable_logging):
        the connection stays read-only in full.
        """
        from edualliance.pipeline.sqlcheck import read_statement

        read_statement(sql)  # exactly one read statement, or QueryRefused (a duckdb.Error)
        if not getattr(self, "_user_query_locked", False):
            # Locked: a query cannot switch logging, external access or any setting back on.
            self.conn.execute("SET enable_external_access = false")
            self.conn.execute("SET lock_configuration = true")
            self._user_query_locked = True
        cursor = self.conn.execute(sql, list(params))
        columns = [d[0] for d in cursor.description or []]
        return columns, cursor.fetchall()
