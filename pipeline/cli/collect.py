"""Commands that bring pages in: ingest, extract, crawl, reprocess.

Each reads its options, calls the library (pipeline/ingest.py, clean.py,
crawler/run.py, crawler/reprocess.py) and prints what happened; heavy
libraries are imported inside the commands.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from .options import (base_option, classifier_option, classifier_spec, config, configured, db_path, err,
                      load_sources, make_classifier, open_store, sources_option)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--source", default="local", show_default=True, help="Source name stored with the pages.")
@classifier_option("Which classifier labels the articles.")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[str, ...], source: str, classifier_kind: str) -> None:
    """Store local pages and folders: clean, classify, store.

    Reads .html .htm .shtml .xhtml .txt, and .php .asp .jsp … or extension-less
    files that start like HTML. Files already stored (same bytes) are skipped,
    so ingesting twice stores once. Every input yields articles or one line
    naming it and why (unreadable, not a page, a page of links, a FIFO …), also
    recorded in the errors table. Exit code: 0 every input yielded articles,
    1 some inputs failed, 2 none yielded any.

    Example: edualliance ingest saved-pages/ notice.html
    """
    from edualliance.pipeline.ingest import exit_code, ingest_paths

    classifier = make_classifier(classifier_kind)
    with open_store(ctx) as store:
        run_id, counts = ingest_paths(
            store, paths, classifier, source=source,
            on_error=lambda e: err(f"{e.target}: {e.message}"),
            on_progress=lambda c: click.echo(
                f"… {c.pages} pages read, {c.articles_new} new articles, {c.errors} errors", err=True),
        )
    click.echo(
        f"run {run_id}: {counts.pages} pages ({counts.pages_new} new, {counts.pages_seen} already stored,"
        f" {counts.listing} listing, {counts.no_article} without an article), {counts.skipped} files skipped,"
        f" {counts.articles_new} new and {counts.articles_updated} updated articles,"
        f" {counts.errors} inputs with an error line → {db_path(ctx)}"
    )
    code = exit_code(counts.processed, counts.errors)
    if code == 2:
        err("nothing was stored: no input yielded an article (see the lines above)")
    sys.exit(code)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def extract(paths: tuple[str, ...]) -> None:
    """Print the cleaned records of pages as JSON Lines (valid UTF-8); store nothing.

    One object per record with source_path, part, title, text, published
    (ISO 8601 or null), outlet, author, url, reposted_from, script, region
    (province, city, county, level) and carrier; a listing page gives one record
    per item. Works on HTML in any encoding and on plain-text pages; every
    input that yields no record gets one line on stderr saying why. Exit code:
    0 every input yielded records, 1 some did not, 2 none did.

    Example: edualliance extract page.html seeds/*.txt > records.jsonl
    """
    from edualliance.pipeline import jsonl
    from edualliance.pipeline.ingest import (NO_ARTICLE_MESSAGE, InputError, clean_one, display_path,
                                             exit_code, iter_page_files, read_page_file)
    from edualliance.pipeline.records import extract_record

    done = failed = 0
    for item in iter_page_files(paths):
        if isinstance(item, InputError):
            err(f"{item.target}: {item.message}")
            failed += 1
            continue
        name = display_path(item)
        try:
            result = clean_one(read_page_file(item))
        except Exception as exc:  # noqa: BLE001 - OSError, the size limit: name the file, go on
            err(f"{name}: {exc.strerror if isinstance(exc, OSError) and exc.strerror else exc}")
            failed += 1
            continue
        if isinstance(result, InputError):
            err(f"{name}: {result.message}")
            failed += 1
            continue
        if not result.articles:
            err(f"{name}: {NO_ARTICLE_MESSAGE.split(' (')[0]}")
            failed += 1
            continue
        done += 1
        for article in result.articles:
            click.echo(jsonl.dumps(extract_record(name, article)))
    sys.exit(exit_code(done, failed))


# -- crawling: `crawl` here, and the scheduled `run` (operate.py) share the options and the runner --


def _overrides(pairs: tuple[str, ...]) -> dict:
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--set")
        try:
            settings[name.strip()] = json.loads(value)
        except json.JSONDecodeError:
            settings[name.strip()] = value
    return settings


def crawl_options(func):
    """--sources, --base, --set, --classifier, --log, --verbose (in this order in --help)."""
    func = click.option("--verbose", is_flag=True, help="Let the crawler log each request (Scrapy INFO).")(func)
    func = click.option("--log", "log_file", type=click.Path(dir_okay=False), default=None,
                        help="Append the crawler's own log (Scrapy) to this file.")(func)
    func = classifier_option("Which classifier labels the articles.")(func)
    func = click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE",
                        help="A Scrapy setting for this run, e.g. --set DOWNLOAD_DELAY=3 (repeatable).")(func)
    func = base_option(func)
    return sources_option(func)


def crawl_setup(ctx: click.Context, names: tuple[str, ...], sources_file: str | None, overrides: tuple[str, ...],
                classifier_kind: str, log_file: str | None, verbose: bool, base: str | None):
    """(sources, Scrapy settings, classifier kind, log file) from the options, the config file filling in
    what the command line leaves out. The kind, not a loaded model: the crawl's cleaning workers load
    and share the model, so the storing process holds none."""
    from edualliance.crawler.registry import RegistryError, select

    settings_file = config(ctx)
    if settings_file is not None:
        crawl = settings_file.crawl
        sources_file = configured(ctx, "sources_file", sources_file, crawl.sources)
        log_file = configured(ctx, "log_file", log_file, crawl.log)
        classifier_kind = configured(ctx, "classifier_kind", classifier_kind, crawl.classifier)
    try:
        sources = select(load_sources(sources_file, base), names)
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from exc
    if not sources:
        raise click.ClickException("no enabled source in the registry (set enabled = true, or name one)")
    settings = {**(settings_file.crawl.settings if settings_file else {}), **_overrides(overrides)}
    if verbose:
        settings.setdefault("LOG_LEVEL", "INFO")
    elif not log_file:
        # every failure is recorded per source in the errors table; Scrapy's own
        # tracebacks go to --log FILE, or to the terminal with --verbose
        settings.setdefault("LOG_LEVEL", "CRITICAL")
    if log_file:
        try:  # the log folder may not exist yet on a fresh machine
            Path(log_file).parent.mkdir(parents=True, exist_ok=True)
            Path(log_file).open("ab").close()
        except OSError as exc:
            raise click.ClickException(f"cannot write the crawl log {log_file}: {exc.strerror or exc}") from exc
    return sources, settings, classifier_spec(ctx, classifier_kind), (Path(log_file) if log_file else None)


def print_crawl_report(ctx: click.Context, report, errors: list, kind: str, started: float,
                       log_file: Path | None) -> None:
    """The per-source table on stdout; flags, notes and the first errors on stderr; a summary line."""
    from edualliance.crawler.report import report_notes, report_table

    for line in report_table(report):
        click.echo(line)
    for line in report_notes(report):
        click.echo(line, err=True)
    for target, stage, message in errors[:5]:
        click.echo(f"error ({stage}): {target}: {message}", err=True)
    if len(errors) > 5:
        click.echo(f"… and {len(errors) - 5} more: edualliance sql \"SELECT * FROM errors"
                   f" WHERE run_id = {report.run_id}\"", err=True)
    totals = report.counts["totals"]
    click.echo(f"run {report.run_id} ({kind}, {report.status}) in {time.monotonic() - started:.0f} s:"
               f" {totals.get('new', 0)} new and {totals.get('updated', 0)} updated articles,"
               f" {totals.get('errors', 0)} errors → {db_path(ctx)}")
    if report.status != "finished":
        click.echo(f"edualliance: the crawler exited with code {report.exit_code}"
                   + (f"; see {log_file}" if log_file else "; rerun with --log FILE to keep its log"), err=True)


def crawl_sources(ctx: click.Context, kind: str, names: tuple[str, ...], sources_file: str | None,
                  overrides: tuple[str, ...], classifier_kind: str, log_file: str | None, verbose: bool,
                  base: str | None) -> None:
    """Crawl the named (else every enabled) source, print the report; exit 1 if the crawler failed,
    3 (``health.EXIT_FLAGGED``) if it finished but a source is flagged."""
    from edualliance.crawler.health import EXIT_FLAGGED
    from edualliance.crawler.run import run_crawl

    sources, settings, classifier, log_path = crawl_setup(ctx, names, sources_file, overrides, classifier_kind,
                                                          log_file, verbose, base)
    started = time.monotonic()
    with open_store(ctx) as store:
        report = run_crawl(store, sources, classifier, kind=kind, settings=settings,
                           echo=lambda m: click.echo(m, err=True), worker_log=log_path)
        errors = store.errors(report.run_id)
    print_crawl_report(ctx, report, errors, kind, started, log_path)
    if report.status != "finished":
        sys.exit(1)
    if report.flags:
        click.echo(f"edualliance: {len(report.flags)} source(s) flagged (exit code {EXIT_FLAGGED}); "
                   "history: edualliance sources health", err=True)
        sys.exit(EXIT_FLAGGED)


@click.command()
@click.argument("names", nargs=-1, metavar="[SOURCE]...")
@crawl_options
@click.option("--frontier", "frontier_url", metavar="URL", default=None,
              help="Crawl as one node of a shared frontier, redis://HOST:PORT/N: pages go to WARC files in"
                   " --captures for `edualliance process`; no database is opened.")
@click.option("--captures", type=click.Path(file_okay=False), default=None,
              help="With --frontier: the shared captures folder (WARC files).")
@click.option("--node", default=None, help="With --frontier: this node's name (default: host-pid).")
@click.pass_context
def crawl(ctx, names, sources_file, base, overrides, classifier_kind, log_file, verbose, frontier_url, captures,
          node) -> None:
    """Crawl sources: fetch new and changed articles, clean, classify, store.

    With no SOURCE, every enabled source of the registry. Articles fetched
    before are requested again only if their sitemap/feed date or their
    ETag/Last-Modified say they changed; listing pages are read every time.
    Off-topic pages of focused sources are archived (compressed) but not
    stored as articles. Safe to kill: the next run finishes the work without
    duplicates. Exit code 1: the crawler failed; 3: it finished but a source
    is flagged (see `edualliance sources health`).

    With --frontier, this machine is one of several crawl nodes (see the
    README, "Crawling on several machines").

    Example: edualliance crawl --sources my-sources.toml moe-gedi gmw-edu
    """
    if frontier_url:
        from .cluster import crawl_node

        sources, settings, _, log_path = crawl_setup(ctx, names, sources_file, overrides, "keywords", log_file,
                                                     verbose, base)
        if log_path:
            settings["LOG_FILE"] = str(log_path)
        crawl_node(frontier_url, captures, node, sources, settings)
        return
    crawl_sources(ctx, "crawl", names, sources_file, overrides, classifier_kind, log_file, verbose, base)


@click.command()
@classifier_option("Which classifier writes the labels.")
@click.pass_context
def reprocess(ctx: click.Context, classifier_kind: str) -> None:
    """Re-clean and reclassify every stored page from its raw bytes; no crawling.

    Uses the archive in the pages table (each response as received), so new
    cleaning rules or a new model reach the whole corpus; pages judged
    off-topic before (kept compressed in crawl_archive) are judged again and
    stored if the classifier labels them now. The runs table records what
    changed (articles, recovered pages, labels before and after).

    Example: edualliance reprocess --classifier keywords
    """
    from edualliance.crawler.reprocess import reprocess as run_reprocess

    classifier = make_classifier(classifier_kind)
    with open_store(ctx) as store:
        run_id, counts = run_reprocess(
            store, classifier,
            on_progress=lambda c: click.echo(f"… {c.pages} pages re-cleaned", err=True))
    archive = counts.archive
    click.echo(f"run {run_id}: {counts.pages} pages re-cleaned ({counts.listing} listing),"
               f" {counts.articles_new} new, {counts.articles_updated} updated,"
               f" {counts.articles_unchanged} unchanged articles, {counts.errors} errors → {db_path(ctx)}")
    click.echo(f"off-topic archive: {archive.examined} pages re-judged, {archive.recovered} recovered"
               f" (stored now), {archive.still_off_topic} still off-topic, {archive.errors} errors")
    before = ", ".join(f"{k} {v}" for k, v in sorted(counts.labels_before.items())) or "none"
    click.echo(f"primary labels before: {before}; after this run: "
               + (", ".join(f"{k} {v}" for k, v in sorted(counts.labels.items())) or "none"))


COMMANDS = (ingest, extract, crawl, reprocess)
