"""`edualliance demo`: the main job, end to end, on the data that ships in corpus/."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path

EXAMPLE_QUERIES = (
    "SELECT c.label, count(*) AS articles FROM classifications c"
    " WHERE c.is_primary AND c.assigned GROUP BY c.label ORDER BY articles DESC",
    "SELECT a.title, a.outlet, a.published_at, a.region_province FROM articles a"
    " ORDER BY a.published_at DESC NULLS LAST LIMIT 10",
    "SELECT a.title, c.score FROM articles a JOIN classifications c USING (article_id)"
    " WHERE c.label = 'urban_rural' AND c.assigned ORDER BY c.score DESC LIMIT 5",
)


def bundled_pages() -> list[Path]:
    """The seeds and the fixture pages that ship in corpus/."""
    root = Path(str(resources.files("edualliance.corpus")))
    return [root / "seeds", root / "pages"]


def run_demo(out_dir: Path, echo: Callable[[str], None] = print) -> tuple[Path, list[Path]]:
    from edualliance.models.loader import load_classifier

    from .digest import write_digest
    from .ingest import ingest_paths
    from .store import Store

    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    db_path = out_dir / "demo.duckdb"
    classifier = load_classifier()
    echo(f"Building a fresh corpus in {db_path} with classifier {classifier.version} …")
    with Store(db_path) as store:
        run_id, counts = ingest_paths(
            store, bundled_pages(), classifier, source="demo",
            on_error=lambda e: echo(f"  skipped {e.target}: {e.message}"),
        )
        echo(f"Stored {counts.articles_new} articles from {counts.pages} pages"
             f" ({counts.listing} listing pages split into items); labels: {counts.labels}")
        digests = write_digest(store, week=None, out_dir=out_dir)
    echo(f"\nDatabase: {db_path}")
    for path in digests:
        echo(f"Digest:   {path}")
    echo("\nTry:")
    for query in EXAMPLE_QUERIES:
        echo(f'  edualliance --db {db_path} sql "{query}"')
    return db_path, digests
