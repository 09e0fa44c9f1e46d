"""Writing extractions to the database (migration 0010): the I/O edge of pipeline/facts/.

``save_extractions`` replaces the rows of the articles it is given, inside the
caller's transaction: ingest, the crawl writer and reprocess call it right
after they store the articles, so an article and what was extracted from it
are written together or not at all. Parameters only; no SQL is built from text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from .records import Extraction

_TABLES = ("facts", "alliance_mentions", "document_mentions", "article_extractions")


def _columns(rows: list[list]) -> list[list]:
    return [list(column) for column in zip(*rows)]


def save_extractions(conn, extractions: Sequence[Extraction]) -> None:
    """Replace the stored facts, alliances and documents of these articles."""
    if not extractions:
        return
    ids = [e.article_id for e in extractions]
    for table in _TABLES:  # names from the constant above
        conn.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    conn.execute(
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
        conn.execute(
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
        conn.execute(
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
        conn.execute(
            "INSERT INTO document_mentions SELECT unnest(?::VARCHAR[]), unnest(?::INTEGER[]),"
            " unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
            " unnest(?::VARCHAR[][]), unnest(?::DATE[]), unnest(?::INTEGER[]), unnest(?::VARCHAR[]),"
            " unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[][]),"
            " unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
            _columns(documents),
        )
