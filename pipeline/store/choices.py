"""Which model version the research views read (migration 0009, ``edualliance models use``)."""

from __future__ import annotations

from .schema import StoreConnection
from .timestamps import utcnow


class ChoicesMixin(StoreConnection):
    """The researchers' choice of model version, and the versions the database holds."""

    def choose_model(self, version: str, chosen_by: str | None = None) -> None:
        """Make ``version`` the one the research views read (earlier choices are kept as history)."""
        self.conn.execute("INSERT INTO model_choices (model_version, chosen_at, chosen_by) VALUES (?, ?, ?)",
                          [version, utcnow(), chosen_by])

    def selected_model(self) -> str | None:
        """The version chosen with ``models use``, or None (then each article's newest version is read)."""
        row = self.conn.execute("SELECT model_version FROM selected_model").fetchone()
        return row[0] if row else None

    def model_versions(self) -> list[tuple[str, int, object]]:
        """(model_version, articles classified, last classified_at) of every version with rows."""
        return self.conn.execute(
            "SELECT model_version, count(DISTINCT article_id), max(classified_at) FROM classifications"
            " GROUP BY model_version ORDER BY max(classified_at)"
        ).fetchall()

    def articles_without_version(self, version: str) -> int:
        """Stored articles that ``version`` has not classified."""
        return self.conn.execute(
            "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM classifications c"
            " WHERE c.article_id = a.article_id AND c.model_version = ?)",
            [version],
        ).fetchone()[0]
