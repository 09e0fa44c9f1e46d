"""Records extracted from articles (migration 0010, pipeline/facts/): writes and the digest's reads.

``save_extractions`` replaces the rows of the articles it is given inside the
caller's transaction: ingest, the crawl writer and reprocess call it right
after ``save_articles``, so an article and what was extracted from it are
written together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from .schema import StoreConnection
from .timestamps import utcnow

if TYPE_CHECKING:
    from ..facts.records import Extraction

_TABLES = ("facts", "alliance_mentions", "document_mentions", "article_extractions")

#: What ``edualliance export --records`` writes: name → (view, its list columns, order).
RECORD_VIEWS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "facts": ("reported_facts", (), "published_at, article_id, sentence"),
    "alliances": ("alliances", ("members", "article_ids"), "articles DESC, alliance_key"),
    "alliance_members": ("alliance_members", ("article_ids",), "alliance_key, school"),
    "documents": ("policy_documents", ("issuers", "models"), "year, document_key"),
    "article_documents": ("article_documents", (), "article_id, document_key"),
}


def _columns(rows: list[list]) -> list[list]:
    return [list(column) for column in zip(*rows)]


class RecordsMixin(StoreConnection):
    """Facts, alliances and policy documents (tables of migration 0010 and their views)."""

    def save_extractions(self, extractions: Sequence[Extraction]) -> None:
        """Replace the stored facts, alliances and documents of these articles."""
        if not extractions:
            return
        # One batch can carry an article twice (a capture read again after Redis dropped the
        # writer's connection, or two nodes fetching one URL): the later extraction wins.
        extractions = list({e.article_id: e for e in extractions}.values())
        ids = [e.article_id for e in extractions]
        for table in _TABLES:  # names from the constant above
            self.conn.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
        now = utcnow()
        self.conn.execute(
            "INSERT INTO article_extractions SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
            " unnest(?::INTEGER[]), unnest(?::INTEGER[]), unnest(?::INTEGER[]), unnest(?::TIMESTAMP[])",
            _columns([[e.article_id, e.version, len(e.facts), len(e.alliances), len(e.documents), now]
                      for e in extractions]),
        )
        facts = [[e.article_id, i, f.value, f.value_max, f.qualifier, f.unit, f.counted, f.noun, f.model,
                  f.place.province, f.place.city, f.place.county, f.year, f.period, f.target, f.as_written,
                  f.sentence, f.paragraph, f.offset]
                 for e in extractions for i, f in enumerate(e.facts)]
        if facts:
            self.conn.execute(
                "INSERT INTO facts SELECT unnest(?::VARCHAR[]), unnest(?::INTEGER[]), unnest(?::DOUBLE[]),"
                " unnest(?::DOUBLE[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
                " unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
                " unnest(?::VARCHAR[]), unnest(?::INTEGER[]), unnest(?::VARCHAR[]), unnest(?::BOOLEAN[]),"
                " unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::INTEGER[]), unnest(?::INTEGER[])",
                _columns(facts),
            )
        alliances = [[e.article_id, i, a.key, a.name, a.model, a.lead, list(a.members), a.place.province,
                      a.place.city, a.place.county, a.sentence, list(a.evidence)]
                     for e in extractions for i, a in enumerate(e.alliances)]
        if alliances:
            self.conn.execute(
                "INSERT INTO alliance_mentions SELECT unnest(?::VARCHAR[]), unnest(?::INTEGER[]),"
                " unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
                " unnest(?::VARCHAR[][]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
                " unnest(?::VARCHAR[]), unnest(?::VARCHAR[][])",
                _columns(alliances),
            )
        documents = [[e.article_id, i, d.key, d.title, d.number, d.kind, list(d.issuers), d.issued, d.year, d.level,
                      d.place.province, d.place.city, d.place.county, list(d.models), d.relation, d.sentence]
                     for e in extractions for i, d in enumerate(e.documents)]
        if documents:
            self.conn.execute(
                "INSERT INTO document_mentions SELECT unnest(?::VARCHAR[]), unnest(?::INTEGER[]),"
                " unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
                " unnest(?::VARCHAR[][]), unnest(?::DATE[]), unnest(?::INTEGER[]), unnest(?::VARCHAR[]),"
                " unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[][]),"
                " unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
                _columns(documents),
            )

    # -- the digest's reads (pipeline/digest/records.py) ------------------------------------

    def has_records(self) -> bool:
        """The database (or snapshot) has the views of migration 0010."""
        return self.conn.execute(
            "SELECT count(*) FROM duckdb_views() WHERE database_name = current_database()"
            " AND view_name = 'reported_facts'"
        ).fetchone()[0] > 0 or self.conn.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
            " AND table_name = 'reported_facts'"
        ).fetchone()[0] > 0

    _DOCUMENT_COLUMNS = ("SELECT title, doc_number, kind, level, province, city, county, issued, issuers, models,"
                         " citing_articles FROM policy_documents")

    def documents_issued_between(self, start: date, end: date, limit: int) -> list[tuple]:
        """Policy documents whose issue date is in [start, end)."""
        return self.conn.execute(
            self._DOCUMENT_COLUMNS + " WHERE issued >= ? AND issued < ? ORDER BY issued, title LIMIT ?",
            [start, end, limit],
        ).fetchall()

    def documents_first_reported_between(self, start: date, end: date, limit: int) -> list[tuple]:
        """Documents first seen in [start, end) whose issue date is earlier or unknown."""
        return self.conn.execute(
            self._DOCUMENT_COLUMNS + " WHERE (issued IS NULL OR issued < ?) AND first_seen >= ? AND first_seen < ?"
            " ORDER BY first_seen, title LIMIT ?",
            [start, datetime.combine(start, time()), datetime.combine(end, time()), limit],
        ).fetchall()

    def largest_figures_of_week(self, week_start: date) -> list[tuple]:
        """Per thing counted (shares aside), the largest figure of the week's stories, one per story."""
        return self.conn.execute(
            "WITH week AS ("
            "  SELECT * FROM reported_facts WHERE week_start = ? AND counted <> 'share'"
            "  QUALIFY row_number() OVER (PARTITION BY story_id, counted ORDER BY value DESC, article_id) = 1"
            ") SELECT counted, value, value_max, qualifier, unit, province, city, county, is_target, title, url,"
            " sentence FROM week QUALIFY row_number() OVER (PARTITION BY counted ORDER BY value DESC, story_id) = 1",
            [week_start],
        ).fetchall()

    # -- export ------------------------------------------------------------------------------

    def export_records(self, name: str, path: Path, fmt: str) -> None:
        """One of ``RECORD_VIEWS`` to a Parquet or CSV file (CSV: lists joined with ';')."""
        view, lists, order = RECORD_VIEWS[name]  # names from the constant, never from input
        if fmt == "csv":
            replace = ", ".join(f"array_to_string({c}, ';') AS {c}" for c in lists)
            select = f"SELECT *{f' REPLACE ({replace})' if replace else ''} FROM {view} ORDER BY {order}"
            self.conn.execute(f"COPY ({select}) TO ? (FORMAT csv, HEADER true)", [str(path)])
        else:
            self.conn.execute(f"COPY (SELECT * FROM {view} ORDER BY {order}) TO ? (FORMAT parquet)", [str(path)])
