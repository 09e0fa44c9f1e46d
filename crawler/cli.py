"""Crawler commands of the `edualliance` command line: crawl, run, sources, reprocess.

Registered on the main group by ``register(main)`` (pipeline/cli.py); Scrapy,
DuckDB and trafilatura are imported inside the commands.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from urllib.parse import quote

import click

SOURCES_HELP = "Source registry (TOML). Default: the shipped crawler/sources.toml."


BASE_HELP = "Replace {base} in the registry's URLs with this address (e.g. the fixture web's)."


def _registry(sources_file: str | None, base: str | None = None):
    from .registry import RegistryError, load_registry

    try:
        return load_registry(sources_file, base_url=base)
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from exc


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


COLUMNS = ("listed", "fetched", "new", "updated", "off_topic", "not_modified", "skipped_known", "errors")


def _print_report(report, echo=click.echo) -> None:
    per_source = report.counts["sources"]
    width = max([len("source")] + [len(n) for n in per_source])
    heads = [c.replace("_", "-") for c in COLUMNS]
    echo(f"{'source':<{width}}  " + "  ".join(heads))
    for name, counts in per_source.items():
        echo(f"{name:<{width}}  " + "  ".join(f"{counts.get(c, 0):>{len(h)}}" for c, h in zip(COLUMNS, heads)))
    for flag in report.flags:
        click.echo(f"FLAG: {flag}", err=True)
    for name, counts in per_source.items():
        for flag in counts.get("flags", []):
            if flag not in report.flags:
                click.echo(f"note: {name}: {flag}", err=True)


def _crawl(ctx: click.Context, kind: str, names: tuple[str, ...], sources_file: str | None,
           overrides: tuple[str, ...], classifier_kind: str, log_file: str | None, verbose: bool,
           base: str | None) -> None:
    from edualliance.models.loader import load_classifier
    from edualliance.pipeline.cli import _db_path, _open_store

    from .registry import RegistryError, select
    from .run import run_crawl

    try:
        sources = select(_registry(sources_file, base), names)
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from exc
    if not sources:
        raise click.ClickException("no enabled source in the registry (set enabled = true, or name one)")
    settings = _overrides(overrides)
    if verbose:
        settings.setdefault("LOG_LEVEL", "INFO")
    elif not log_file:
        # every failure is recorded per source in the errors table; Scrapy's own
        # tracebacks go to --log FILE, or to the terminal with --verbose
        settings.setdefault("LOG_LEVEL", "CRITICAL")
    classifier = load_classifier(classifier_kind)
    started = time.monotonic()
    with _open_store(ctx) as store:
        report = run_crawl(store, sources, classifier, kind=kind, settings=settings,
                           echo=lambda m: click.echo(m, err=True),
                           worker_log=Path(log_file) if log_file else None)
        errors = store.errors(report.run_id)
    _print_report(report)
    for target, stage, message in errors[:5]:
        click.echo(f"error ({stage}): {target}: {message}", err=True)
    if len(errors) > 5:
        click.echo(f"… and {len(errors) - 5} more: edualliance sql \"SELECT * FROM errors"
                   f" WHERE run_id = {report.run_id}\"", err=True)
    totals = report.counts["totals"]
    click.echo(f"run {report.run_id} ({kind}, {report.status}) in {time.monotonic() - started:.0f} s:"
               f" {totals.get('new', 0)} new and {totals.get('updated', 0)} updated articles,"
               f" {totals.get('errors', 0)} errors → {_db_path(ctx)}")
    if report.status != "finished":
        click.echo(f"edualliance: the crawler exited with code {report.exit_code}"
                   + (f"; see {log_file}" if log_file else "; rerun with --log FILE to keep its log"), err=True)
        sys.exit(1)


def _crawl_options(func):
    func = click.option("--verbose", is_flag=True, help="Let the crawler log each request (Scrapy INFO).")(func)
    func = click.option("--log", "log_file", type=click.Path(dir_okay=False), default=None,
                        help="Append the crawler's own log (Scrapy) to this file.")(func)
    func = click.option("--classifier", "classifier_kind", type=click.Choice(["auto", "model", "keywords"]),
                        default="auto", show_default=True, help="Which classifier labels the articles.")(func)
    func = click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE",
                        help="A Scrapy setting for this run, e.g. --set DOWNLOAD_DELAY=3 (repeatable).")(func)
    func = click.option("--base", default=None, metavar="URL", help=BASE_HELP)(func)
    func = click.option("--sources", "sources_file", type=click.Path(exists=True, dir_okay=False),
                        default=None, help=SOURCES_HELP)(func)
    return func


@click.command()
@click.argument("names", nargs=-1, metavar="[SOURCE]...")
@_crawl_options
@click.pass_context
def crawl(ctx, names, sources_file, base, overrides, classifier_kind, log_file, verbose) -> None:
    """Crawl sources: fetch new and changed articles, clean, classify, store.

    With no SOURCE, every enabled source of the registry. Articles fetched
    before are requested again only if their sitemap/feed date or their
    ETag/Last-Modified say they changed; listing pages are read every time.
    Off-topic pages of focused sources are recorded, not stored. Safe to
    kill: the next run finishes the work without duplicates.

    Example: edualliance crawl --sources my-sources.toml moe-gedi gmw-edu
    """
    _crawl(ctx, "crawl", names, sources_file, overrides, classifier_kind, log_file, verbose, base)


@click.command()
@_crawl_options
@click.pass_context
def run(ctx, sources_file, base, overrides, classifier_kind, log_file, verbose) -> None:
    """The scheduled job: crawl every enabled source → clean → classify → store.

    One row in the runs table with per-source counts (listed, fetched, new,
    updated, off-topic, errors). A source that listed articles last run and
    none now is flagged (printed as FLAG: on stderr, so cron mails it).
    See README.md for a cron line and a systemd timer.

    Example: edualliance --db /srv/edualliance/corpus.duckdb run --log /var/log/edualliance-crawl.log
    """
    _crawl(ctx, "run", (), sources_file, overrides, classifier_kind, log_file, verbose, base)


@click.group()
def sources() -> None:
    """Show the source registry, or test that its sites answer.

    Example: edualliance sources check --sources my-sources.toml
    """


@sources.command("list")
@click.option("--sources", "sources_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help=SOURCES_HELP)
@click.option("--base", default=None, metavar="URL", help=BASE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the validated entries as JSON.")
def sources_list(sources_file: str | None, base: str | None, as_json: bool) -> None:
    """List the registry's sources (validated: a bad entry is an error).

    Example: edualliance sources list --sources crawler/sources.toml
    """
    registry = _registry(sources_file, base)
    if as_json:
        click.echo(json.dumps([s.as_config() for s in registry], ensure_ascii=False, indent=2))
        return
    width = max([len("name")] + [len(s.name) for s in registry])
    click.echo(f"{'name':<{width}}  {'kind':<8} {'on':<3} {'focus':<5} start URL")
    for s in registry:
        more = f" (+{len(s.start_urls) - 1})" if len(s.start_urls) > 1 else ""
        click.echo(f"{s.name:<{width}}  {s.kind:<8} {'yes' if s.enabled else 'no':<3} "
                   f"{'yes' if s.focused else 'no':<5} {s.start_urls[0]}{more}")
        if s.note:
            click.echo(f"{'':<{width}}  {s.note}")


def check_url(url: str, user_agent: str, timeout: float) -> tuple[bool, str]:
    import urllib.error
    import urllib.request  # here, not at start-up: it pulls in http, email and ssl

    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - registry URLs
            response.read(65536)
            took = time.monotonic() - started
            return True, f"HTTP {response.status} {response.headers.get('Content-Type', '?')} in {took:.1f} s"
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return False, f"unreachable: {reason}"


@sources.command("check")
@click.argument("names", nargs=-1, metavar="[SOURCE]...")
@click.option("--sources", "sources_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help=SOURCES_HELP)
@click.option("--base", default=None, metavar="URL", help=BASE_HELP)
@click.option("--timeout", type=float, default=15.0, show_default=True, help="Seconds per request.")
def sources_check(names: tuple[str, ...], sources_file: str | None, base: str | None, timeout: float) -> None:
    """Request each source's start URLs once and report whether they answer.

    Search templates are tried with the first keyword, page 1. The exit code
    is 1 if any start URL fails.

    Example: edualliance sources check moe-gedi
    """
    from . import settings
    from .registry import RegistryError, select, taxonomy_keywords

    try:
        registry = _registry(sources_file, base)
        chosen = select(registry, names) if names else registry
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from exc
    failed = 0
    for source in chosen:
        keyword = (source.keywords or taxonomy_keywords())[0]
        for template in source.start_urls:
            url = template.replace("{keyword}", quote(keyword)).replace("{page}", "1")
            ok, message = check_url(url, settings.USER_AGENT, timeout)
            failed += not ok
            click.echo(f"{'ok  ' if ok else 'FAIL'} {source.name}: {url} — {message}")
    if failed:
        sys.exit(1)


@click.command()
@click.option("--classifier", "classifier_kind", type=click.Choice(["auto", "model", "keywords"]),
              default="auto", show_default=True, help="Which classifier writes the labels.")
@click.pass_context
def reprocess(ctx: click.Context, classifier_kind: str) -> None:
    """Re-clean and reclassify every stored page from its raw bytes; no crawling.

    Uses the archive in the pages table (each response as received), so new
    cleaning rules or a new model reach the whole corpus.

    Example: edualliance reprocess --classifier keywords
    """
    from edualliance.models.loader import load_classifier
    from edualliance.pipeline.cli import _db_path, _open_store

    from .reprocess import reprocess as run_reprocess

    classifier = load_classifier(classifier_kind)
    with _open_store(ctx) as store:
        run_id, counts = run_reprocess(
            store, classifier,
            on_progress=lambda c: click.echo(f"… {c.pages} pages re-cleaned", err=True))
    click.echo(f"run {run_id}: {counts.pages} pages re-cleaned ({counts.listing} listing),"
               f" {counts.articles_new} new, {counts.articles_updated} updated,"
               f" {counts.articles_unchanged} unchanged articles, {counts.errors} errors → {_db_path(ctx)}")


@click.command("fixture-web")
@click.option("--port", type=int, default=0, help="Port on 127.0.0.1 (default: a free one).")
@click.option("--hostile", is_flag=True, help="Also serve /hostile/: broken, slow, huge and malicious pages.")
@click.option("--generated", type=int, default=0, metavar="N",
              help="Also serve /gen/: N generated article pages behind paginated lists (benchmarks;"
                   " rendered before the server starts answering, about 5 ms a page).")
def fixture_web(port: int, hostile: bool, generated: int) -> None:
    """Serve the fixture web on 127.0.0.1 until Ctrl-C, to try the crawler by hand.

    Example: edualliance fixture-web --port 8765  (then: edualliance crawl
    --sources crawler/demo_sources.toml --base http://127.0.0.1:8765 --set DOWNLOAD_DELAY=0)
    """
    from edualliance.corpus.fixtureweb.server import FixtureServer

    server = FixtureServer(hostile=hostile, port=port, generated=generated).start()
    click.echo(f"Serving the fixture web at {server.base_url} (Ctrl-C stops)", nl=True)
    sys.stdout.flush()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def register(main: click.Group) -> None:
    """Add the crawler's commands to the `edualliance` group."""
    for command in (crawl, run, sources, reprocess, fixture_web):
        main.add_command(command)
