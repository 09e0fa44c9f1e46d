"""Researchers' own labels (migration 0003): their judgements and the articles still unjudged.
"""

from __future__ import annotations

from collections.abc import Sequence

from .schema import StoreConnection
from .timestamps import utcnow


class LabelsMixin(StoreConnection):
    """Researchers' judgements of articles."""

    def save_label(self, article_id: str, labels: Sequence[str], primary: str, sense: str | None,
                   labeler: str | None, model_version: str | None = None, note: str | None = None) -> int:
        """Store one researcher's judgement of an article; return its label_id."""
        row = self.conn.execute(
            "INSERT INTO labels (article_id, labels, primary_label, sense, labeler, model_version, note,"
            " labeled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING label_id",
            [article_id, list(labels), primary, sense, labeler, model_version, note, utcnow()],
        ).fetchone()
        return int(row[0])

    def researcher_labels(self) -> list[tuple[str, str | None, str, list[str], str, str | None]]:
        """(article_id, title, normalized text, labels, primary, sense): each article's latest judgement."""
        return self.conn.execute(
            "SELECT a.article_id, a.title, a.text_normalized, l.labels, l.primary_label, l.sense"
            " FROM (SELECT *, row_number() OVER (PARTITION BY article_id ORDER BY labeled_at DESC,"
            "       label_id DESC) AS rn FROM labels) l"
            " JOIN articles a ON a.article_id = l.article_id"
            " WHERE l.rn = 1 ORDER BY a.article_id"
        ).fetchall()

    def unlabeled_articles(self, limit: int) -> list[tuple[str, str | None, str]]:
        """(article_id, title, normalized text) of the most recently stored articles no one labeled."""
        return self.conn.execute(
            "SELECT a.article_id, a.title, a.text_normalized FROM articles a"
            " WHERE NOT EXISTS (SELECT 1 FROM labels l WHERE l.article_id = a.article_id)"
            " ORDER BY a.stored_at DESC, a.article_id LIMIT ?",
            [limit],
        ).fetchall()
