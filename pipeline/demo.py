"""`edualliance demo`: the main job, end to end, on the data that ships in corpus/:
the fixture web (corpus/web/, seeds 000, 001, 003 and 004 among its articles)
is crawled on loopback; the pages a researcher saved by hand are ingested
(seed 002, a journal platform's 相似文献 list — such platforms block
crawlers — and the pages in corpus/pages/); then the latest week's digest.
"""

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


class DemoError(RuntimeError):
    pass


def saved_pages() -> list[Path]:
    """Pages that ship as files: seed 002 and the hand-saved pages in corpus/pages/."""
    root = Path(str(resources.files("edualliance.corpus")))
    return [*sorted((root / "seeds").glob("002_*.txt")), root / "pages"]


def run_demo(out_dir: Path, echo: Callable[[str], None] = print, program: str = "edualliance",
             model: str | None = None) -> tuple[Path, list[Path]]:
    """Crawl the bundled fixture web (served on 127.0.0.1 for the run) into a fresh database.

    ``model``: a model folder or version (as ``--model`` takes it); default: as ``load_classifier`` decides."""
    from edualliance.crawler.demo import crawl_demo
    from edualliance.models.loader import load_classifier

    from .digest import write_digest
    from .ingest import ingest_paths
    from .snapshot import snapshot_path
    from .store import Store

    classifier = load_classifier(model=model) if model else load_classifier()  # an unknown model stops here
    if out_dir.exists() and any(out_dir.iterdir()):
        if not (out_dir / "demo.duckdb").exists():
            raise DemoError(f"{out_dir} is not empty and holds no earlier demo: choose another --out folder")
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / "demo.duckdb"
    echo(f"Building a fresh corpus in {db_path} with classifier {classifier.version} …")
    with Store(db_path) as store:
        report = crawl_demo(store, classifier=classifier, echo=echo)
        if report.status != "finished":
            raise DemoError(f"the demo crawl did not finish (run {report.run_id}: {report.status});"
                            " see the errors table in the database")
        _, counts = ingest_paths(store, saved_pages(), classifier, source="saved",
                                 on_error=lambda e: echo(f"  skipped {e.target}: {e.message}"))
        echo(f"Ingested {counts.pages} saved pages: {counts.articles_new} articles"
             f" ({counts.listing} listing page split into items)")
        labels = store.primary_label_counts(classifier.version)
        echo("Primary labels: " + ", ".join(f"{label} {n}" for label, n in labels))
        # The files to read; the PNG charts are for e-mail (`digest --email` writes them).
        digests = write_digest(store, week=None, out_dir=out_dir, images=False)
    echo(f"\nDatabase: {db_path}")
    echo(f"Snapshot: {snapshot_path(db_path)} (what researchers and `edualliance sql` read)")
    for path in digests:
        echo(f"Digest:   {path}")
    echo("\nTry:")
    for query in EXAMPLE_QUERIES:
        echo(f'  {program} --db {db_path} sql "{query}"')
    echo(f'  {program} --db {db_path} search 教联体 --region 广东省')
    echo(f"  {program} --db {db_path} serve     (then open http://127.0.0.1:8750/search)")
    return db_path, digests
