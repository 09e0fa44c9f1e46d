"""The `edualliance` command line: a thin layer over the library.

Heavy libraries (DuckDB, trafilatura, jieba, scikit-learn, Scrapy) are
imported inside the commands that use them, so that `edualliance --help`
answers at once.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

DB_ENV = "EDUALLIANCE_DB"


def default_db_path() -> Path:
    """$EDUALLIANCE_DB, else corpus.duckdb in the user's data directory."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("edualliance")) / "corpus.duckdb"


def _db_path(ctx: click.Context) -> Path:
    given = ctx.obj.get("db")
    if given:
        return Path(given)
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV])
    return default_db_path()


def _open_store(ctx: click.Context, read_only: bool = False):
    from .store import Store, StoreError

    try:
        return Store(_db_path(ctx), read_only=read_only)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


def _err(message: str) -> None:
    click.echo(f"edualliance: {message}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", type=click.Path(dir_okay=False), default=None,
              help=f"Database file. Default: ${DB_ENV}, else corpus.duckdb in your user data directory.")
@click.version_option(package_name="edualliance")
@click.pass_context
def main(ctx: click.Context, db: str | None) -> None:
    """Corpus pipeline for research on China's school-alliance reforms.

    Collect articles, clean them, tag them with the four reform models
    (jiaolianti, group_run, district_community, urban_rural), store them in
    DuckDB and write weekly digests.

    Example: edualliance demo
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = db


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--source", default="local", show_default=True, help="Source name stored with the pages.")
@click.option("--classifier", "classifier_kind", type=click.Choice(["auto", "model", "keywords"]),
              default="auto", show_default=True, help="Which classifier labels the articles.")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[str, ...], source: str, classifier_kind: str) -> None:
    """Store local .html/.htm/.txt files and folders: clean, classify, store.

    Files already stored (same bytes) are skipped, so ingesting twice stores
    once. Bad files are reported, recorded in the errors table, and skipped;
    the exit code is non-zero only if nothing could be processed.

    Example: edualliance ingest saved-pages/ notice.html
    """
    from edualliance.models.loader import load_classifier

    from .ingest import ingest_paths

    classifier = load_classifier(classifier_kind)
    with _open_store(ctx) as store:
        run_id, counts = ingest_paths(
            store, paths, classifier, source=source,
            on_error=lambda e: _err(f"{e.target}: {e.message}"),
            on_progress=lambda c: click.echo(
                f"… {c.pages} pages read, {c.articles_new} new articles, {c.errors} errors", err=True),
        )
    click.echo(
        f"run {run_id}: {counts.pages} pages ({counts.pages_new} new, {counts.pages_seen} already stored,"
        f" {counts.listing} listing), {counts.articles_new} new and {counts.articles_updated} updated"
        f" articles, {counts.errors} errors → {_db_path(ctx)}"
    )
    if counts.errors and counts.pages_ok == 0:
        sys.exit(1)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def extract(paths: tuple[str, ...]) -> None:
    """Print the cleaned records of pages as JSON Lines; store nothing.

    One object per record with source_path, part, title, text, published
    (ISO 8601 or null), outlet, author, url; a listing page gives one record
    per item. Works on HTML in any encoding and on plain-text pages.

    Example: edualliance extract page.html seeds/*.txt > records.jsonl
    """
    from .clean import CleaningError, clean_page
    from .ingest import InputError, iter_page_files, read_page_file

    done = failed = 0
    for item in iter_page_files(paths):
        if isinstance(item, InputError):
            _err(f"{item.target}: {item.message}")
            failed += 1
            continue
        try:
            result = clean_page(read_page_file(item))
        except (OSError, CleaningError, RecursionError) as exc:
            _err(f"{item}: {exc}")
            failed += 1
            continue
        done += 1
        for article in result.articles:
            click.echo(json.dumps(extract_record(str(item), article), ensure_ascii=False))
    if failed and not done:
        sys.exit(1)


def extract_record(source_path: str, article) -> dict:
    """The `extract` output contract (extend it, don't rename its keys)."""
    return {
        "source_path": source_path,
        "part": article.part,
        "title": article.title,
        "text": article.text,
        "published": article.published.isoformat() if article.published else None,
        "outlet": article.outlet,
        "author": article.author,
        "url": article.url,
        "reposted_from": article.reposted_from,
        "script": article.script,
        "region": {
            "province": article.region_province,
            "city": article.region_city,
            "county": article.region_county,
        },
    }


@main.command()
@click.argument("source", default="-", type=click.File("r", encoding="utf-8"))
@click.option("--explain", is_flag=True, help="Add the terms that drove each label.")
@click.option("--classifier", "classifier_kind", type=click.Choice(["auto", "model", "keywords"]),
              default="auto", show_default=True, help="Which classifier to use.")
def classify(source, explain: bool, classifier_kind: str) -> None:
    """Label JSON Lines records ({"text": …, "id"?, "title"?}) with the reform models.

    Each record is written back with labels (list), primary (a label or
    "none") and scores (label → probability). Raw page text is fine:
    navigation, link lists and Traditional script are handled.

    Example: edualliance extract page.html | edualliance classify --explain
    """
    from edualliance.models.loader import load_classifier

    from .normalize import normalize

    classifier = load_classifier(classifier_kind)
    records = []
    for number, line in enumerate(source, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                raise ValueError('needs an object with a "text" string')
        except ValueError as exc:
            _err(f"{getattr(source, 'name', '-')}:{number}: not a JSON record with text ({exc})")
            continue
        records.append(record)
    verdicts = classifier.classify(
        [(r.get("title"), normalize(r["text"])[0]) for r in records]
    )
    for record, verdict in zip(records, verdicts):
        record.update(
            labels=list(verdict.labels),
            primary=verdict.primary,
            scores=verdict.scores,
            model_version=verdict.model_version,
        )
        if verdict.sense:
            record["sense"] = verdict.sense
        if explain:
            record["explain"] = {label: list(terms) for label, terms in verdict.evidence.items()}
        click.echo(json.dumps(record, ensure_ascii=False))


@main.command()
@click.argument("query")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines.")
@click.pass_context
def sql(ctx: click.Context, query: str, as_csv: bool, as_json: bool) -> None:
    """Run a read-only SQL query on the corpus and print the result.

    Example: edualliance sql "SELECT label, count(*) FROM classifications WHERE is_primary GROUP BY label"
    """
    import duckdb

    with _open_store(ctx, read_only=True) as store:
        try:
            columns, rows = store.run_user_query(query)
        except duckdb.Error as exc:
            raise click.ClickException(f"query failed: {exc}") from exc
    from .tables import format_csv, format_jsonl, format_table

    if as_json:
        click.echo(format_jsonl(columns, rows), nl=False)
    elif as_csv:
        click.echo(format_csv(columns, rows), nl=False)
    else:
        click.echo(format_table(columns, rows))


@main.command()
@click.option("--week", default=None, help="ISO week like 2026-W47. Default: the latest week with articles.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Folder for the digest files.")
@click.pass_context
def digest(ctx: click.Context, week: str | None, out_dir: str) -> None:
    """Write the weekly policy-trend digest (Markdown).

    Example: edualliance digest --week 2026-W47 --out digests/
    """
    from .digest import DigestError, write_digest

    with _open_store(ctx, read_only=True) as store:
        try:
            paths = write_digest(store, week=week, out_dir=Path(out_dir))
        except DigestError as exc:
            raise click.ClickException(str(exc)) from exc
    for path in paths:
        click.echo(str(path))


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="edualliance-demo",
              show_default=True, help="Folder for the demo database and digest (rebuilt each time).")
def demo(out_dir: str) -> None:
    """Build a fresh corpus from the bundled data: clean, classify, store, digest.

    Runs offline in well under two minutes, then prints where the database
    and digest are and queries to try.

    Example: edualliance demo --out /tmp/demo
    """
    from .demo import run_demo

    run_demo(Path(out_dir), echo=click.echo)


if __name__ == "__main__":
    main()
