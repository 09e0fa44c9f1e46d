"""The DuckDB store: every SQL statement of the project lives in this package.

Statements take parameters; nothing here formats crawled content into SQL.
``Store`` is the one public class: a connection to one corpus database
(``schema.py``) with the statements of each kind of data mixed in:

========================  =====================================================
module                    holds
========================  =====================================================
``schema.py``             opening, transactions, numbered migrations, columns
``timestamps.py``         how TIMESTAMP columns keep time (UTC, Beijing)
``runs.py``               runs and their errors
``writes.py``             pages, articles, classifications (batches, bulk loads)
``labels.py``             researchers' labels
``choices.py``            the model version the research views read
``crawl.py``              sources, crawl state, the inbox of raw captures
``dedup.py``              the repost detector's signatures, bands, clusters
``research.py``           search, export, diffusion, researchers' own SQL
``weekly.py``             the weekly digest's reads
``records.py``            facts, alliances, policy documents extracted from articles
``searchindex.py``        the search index: entries, backfill, coverage
``explore.py``            the web explorer's reads
``archive.py``            the digest archive: weeks written, mails sent (weekly job)
``snapshot.py``           the read-only copy published after every run
========================  =====================================================
"""

from __future__ import annotations

from .archive import ArchiveMixin
from .choices import ChoicesMixin
from .crawl import CrawlMixin
from .dedup import DedupMixin
from .explore import ExplorerMixin
from .labels import LabelsMixin
from .records import RecordsMixin
from .research import ResearchMixin
from .runs import RunsMixin
from .schema import StoreConnection, StoreError, migrations
from .searchindex import SearchIndexMixin
from .snapshot import SNAPSHOT_ENV, SnapshotMixin, publish_snapshot, snapshot_path
from .timestamps import BEIJING, utcnow
from .weekly import WeeklyMixin
from .writes import WritesMixin

__all__ = [
    "BEIJING", "SNAPSHOT_ENV", "Store", "StoreError", "migrations", "publish_snapshot", "snapshot_path", "utcnow",
]


class Store(RunsMixin, WritesMixin, SearchIndexMixin, RecordsMixin, LabelsMixin, ChoicesMixin, CrawlMixin, DedupMixin, ResearchMixin,
            WeeklyMixin, ExplorerMixin, ArchiveMixin, SnapshotMixin, StoreConnection):
    """A connection to one corpus database: ``Store(path)`` to write, ``Store(path, read_only=True)`` to read.

    Opening for writing applies the migrations the file lacks. Use it as a
    context manager, and ``transaction()`` for all-or-nothing batches.
    """
