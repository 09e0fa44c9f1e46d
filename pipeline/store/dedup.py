"""The repost detector's tables (migrations 0002, 0006): signatures, LSH bands, clusters.

``dedup_signatures`` records which version of each article was examined and
under which scheme; ``dedup_bands`` holds its band keys, so that candidates of
new articles are found by a join instead of a comparison with every article;
clusters are written into ``articles.cluster_id`` and ``is_canonical``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from .schema import StoreConnection


class DedupMixin(StoreConnection):
    """Near-duplicate signatures, bands and clusters."""

    def articles_needing_dedup(self, scheme: str) -> list[tuple[str, str]]:
        """(article_id, content_hash) of the articles the repost detector has not examined as they
        are now: new, changed, or examined under another scheme. No texts: a crawl's worth of them
        would be held at once (``article_texts`` reads them a round at a time)."""
        return self.conn.execute(
            "SELECT a.article_id, a.content_hash FROM articles a"
            " LEFT JOIN dedup_signatures s ON s.article_id = a.article_id"
            " WHERE s.article_id IS NULL OR s.content_hash <> a.content_hash OR s.scheme <> ?"
            " ORDER BY a.article_id",
            [scheme],
        ).fetchall()

    def article_texts(self, article_ids: Sequence[str]) -> list[tuple[str, str]]:
        """(article_id, normalized text) of those of ``article_ids`` that are stored."""
        return self.conn.execute(
            "SELECT article_id, text_normalized FROM articles WHERE article_id IN (SELECT unnest(?::VARCHAR[]))"
            " ORDER BY article_id",
            [list(article_ids)],
        ).fetchall()

    def dedup_partners(self, bands: Sequence[tuple[int, int, str]], exclude: Sequence[str]) -> list[str]:
        """Examined articles, other than ``exclude``, sharing a (band, key) of ``bands``
        ((band, key, article_id) rows): the candidates of the articles being examined."""
        if not bands:
            return []
        rows = self.conn.execute(
            "SELECT DISTINCT b.article_id FROM dedup_bands b"
            " JOIN (SELECT unnest(?::SMALLINT[]) AS band, unnest(?::BIGINT[]) AS key) n"
            "   ON n.band = b.band AND n.key = b.key"
            " WHERE b.article_id NOT IN (SELECT unnest(?::VARCHAR[])) ORDER BY 1",
            [[band for band, _, _ in bands], [key for _, key, _ in bands], list(exclude)],
        ).fetchall()
        return [article_id for (article_id,) in rows]

    def cluster_members(self, article_ids: Sequence[str]) -> list[tuple[str, str, datetime | None]]:
        """(article_id, normalized text, published_at) of ``article_ids`` and of every article
        in the clusters they belong to."""
        return self.conn.execute(
            "WITH chosen AS (SELECT unnest(?::VARCHAR[]) AS article_id)"
            " SELECT article_id, text_normalized, published_at FROM articles"
            " WHERE article_id IN (SELECT article_id FROM chosen)"
            "    OR cluster_id IN (SELECT a.cluster_id FROM articles a JOIN chosen c ON c.article_id = a.article_id"
            "                      WHERE a.cluster_id IS NOT NULL)"
            " ORDER BY article_id",
            [list(article_ids)],
        ).fetchall()

    def save_dedup(self, scheme: str, examined: Sequence[tuple[str, str, int]],
                   bands: Sequence[tuple[int, int, str]], clusters: Sequence[tuple[str, bool, str]]) -> None:
        """In one transaction: the examined articles' (article_id, content_hash, shingles) and
        their bands, replacing what they had, and (cluster_id, is_canonical, article_id) of the
        re-clustered articles (written where they changed)."""
        ids = [article_id for article_id, _, _ in examined]
        with self.transaction():
            # Bands of the examined articles are replaced; those of articles no longer stored go.
            self.conn.execute(
                "DELETE FROM dedup_bands WHERE article_id IN (SELECT unnest(?::VARCHAR[]))"
                " OR article_id NOT IN (SELECT article_id FROM articles)",
                [ids],
            )
            self.conn.execute("DELETE FROM dedup_signatures WHERE article_id NOT IN (SELECT article_id FROM articles)")
            if examined:
                self.conn.execute(
                    "INSERT OR REPLACE INTO dedup_signatures (article_id, content_hash, scheme, shingles)"
                    " SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), ?, unnest(?::INTEGER[])",
                    [ids, [h for _, h, _ in examined], scheme, [n for _, _, n in examined]],
                )
            if bands:
                self.conn.execute(
                    "INSERT INTO dedup_bands (band, key, article_id)"
                    " SELECT unnest(?::SMALLINT[]), unnest(?::BIGINT[]), unnest(?::VARCHAR[])",
                    [[b for b, _, _ in bands], [k for _, k, _ in bands], [a for _, _, a in bands]],
                )
            if clusters:
                self.conn.execute(
                    "UPDATE articles SET cluster_id = n.cluster_id, is_canonical = n.is_canonical"
                    " FROM (SELECT unnest(?::VARCHAR[]) AS cluster_id, unnest(?::BOOLEAN[]) AS is_canonical,"
                    "              unnest(?::VARCHAR[]) AS article_id) n"
                    " WHERE articles.article_id = n.article_id AND (articles.cluster_id IS DISTINCT FROM n.cluster_id"
                    "       OR articles.is_canonical IS DISTINCT FROM n.is_canonical)",
                    [[c for c, _, _ in clusters], [bool(f) for _, f, _ in clusters], [a for _, _, a in clusters]],
                )
