"""Commands for whoever runs the corpus: run, sources, publish, demo, fixture-web.

The scheduled job and its registry, the snapshot readers see, and the
bundled demo and fixture web to try it all offline.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from .collect import crawl_options, crawl_setup, print_crawl_report
from .options import (base_option, config, configured, db_path, load_sources, open_store, refuse_password_option,
                      sources_option)


@click.command()
@crawl_options
@click.option("--resend", multiple=True, metavar="WEEK",
              help="Also mail the archived digest of this ISO week (2026-W48) again to every recipient"
                   " (repeatable).")
@refuse_password_option
@click.pass_context
def run(ctx, sources_file, base, overrides, classifier_kind, log_file, verbose, resend) -> None:
    """The scheduled weekly job: crawl → publish → due digests → index and feed → mail.

    Crawls every enabled source (one runs row with per-source counts; a
    source that fell against its own recent median, could not be reached or
    never yielded an article is flagged, printed as FLAG: on stderr; see
    `edualliance sources health`), publishes the snapshot, writes the digest of every
    complete week due into the archive (digest.out in the config file; else
    digests/ beside the database), regenerates index.html and feed.xml, and
    mails each new digest once per recipient ([mail] in the config file).
    Nothing is written or sent twice. Exit codes: 0 done, 1 failed, 3 a
    source flagged, 4 a mail not sent (retried next run). See README.md for
    the cron line and the systemd timer.

    Example: edualliance --config /etc/edualliance/config.toml run
    """
    from edualliance.pipeline.config import Config
    from edualliance.pipeline.job import JobError, check_ready, run_job
    from edualliance.pipeline.weeks import WeeklyError, parse_week

    settings_file = config(ctx)
    try:
        for week in resend:
            parse_week(week)
        check_ready(settings_file)  # before hours of crawling: the mail password must be there
    except (JobError, WeeklyError) as exc:
        raise click.ClickException(str(exc)) from exc
    if settings_file is None:  # no config file: the archive beside the database, no mail
        settings_file = Config(path=db_path(ctx).parent / "edualliance.toml")
    sources, settings, classifier, log_path = crawl_setup(ctx, (), sources_file, overrides, classifier_kind,
                                                          log_file, verbose, base)
    started = time.monotonic()
    with open_store(ctx) as store:
        result = run_job(store, settings_file, sources, classifier, crawl_settings=settings,
                         worker_log=log_path, resend=tuple(resend), echo=lambda m: click.echo(m, err=True))
        errors = store.errors(result.crawl.run_id) if result.crawl else []
    if result.crawl:
        print_crawl_report(ctx, result.crawl, errors, "run", started, log_path)
    weekly = result.weekly
    if weekly is not None:
        click.echo(f"digests: {len(weekly.written)} written ({', '.join(weekly.written) or 'none due'}),"
                   f" {len(weekly.revised)} revised, {len(weekly.sent)} mails sent,"
                   f" {len(weekly.mail_failures)} not sent → {settings_file.digest_out}")
    for problem in result.problems:
        click.echo(f"edualliance: {problem}", err=True)
    sys.exit(result.exit_code)


@click.group()
def sources() -> None:
    """Show the source registry, or test that its sites answer.

    Example: edualliance sources check --sources my-sources.toml
    """


@sources.command("list")
@sources_option
@base_option
@click.option("--json", "as_json", is_flag=True, help="Print the validated entries as JSON.")
def sources_list(sources_file: str | None, base: str | None, as_json: bool) -> None:
    """List the registry's sources (validated: a bad entry is an error).

    Example: edualliance sources list --sources crawler/sources.toml
    """
    ctx = click.get_current_context()
    settings_file = config(ctx)
    if settings_file is not None:
        sources_file = configured(ctx, "sources_file", sources_file, settings_file.crawl.sources)
    registry = load_sources(sources_file, base)
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


@sources.command("check")
@click.argument("names", nargs=-1, metavar="[SOURCE]...")
@sources_option
@base_option
@click.option("--timeout", type=float, default=15.0, show_default=True, help="Seconds per request.")
def sources_check(names: tuple[str, ...], sources_file: str | None, base: str | None, timeout: float) -> None:
    """Request each source's start URLs once and report whether they answer.

    For each answer, also what the crawler would make of the page: links in
    scope (article-shaped or to be judged) and the pager it recognises, so a
    disabled entry can be confirmed before it is enabled. Search templates are
    tried with the first keyword, page 1. The exit code is 1 if any start URL
    fails.

    Example: edualliance sources check moe-gedi
    """
    from edualliance.crawler.check import check_targets, describe_layout, fetch
    from edualliance.crawler.registry import RegistryError, select

    ctx = click.get_current_context()
    settings_file = config(ctx)
    if settings_file is not None:
        sources_file = configured(ctx, "sources_file", sources_file, settings_file.crawl.sources)
    try:
        registry = load_sources(sources_file, base)
        chosen = select(registry, names) if names else registry
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from exc
    failed = 0
    for source in chosen:
        state = "" if source.enabled else " (disabled)"
        for url in check_targets(source):
            ok, message, body, content_type = fetch(url, timeout=timeout)
            failed += not ok
            click.echo(f"{'ok  ' if ok else 'FAIL'} {source.name}{state}: {url} — {message}")
            layout = describe_layout(source, url, body, content_type) if ok else ""
            if layout:
                click.echo(f"     {layout}")
    if failed:
        sys.exit(1)


@sources.command("health")
@click.argument("names", nargs=-1, metavar="[SOURCE]...")
@click.option("--runs", "runs", type=click.IntRange(1, 100), default=8, show_default=True,
              help="Recent runs shown per source.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per source.")
@click.pass_context
def sources_health(ctx: click.Context, names: tuple[str, ...], runs: int, as_json: bool) -> None:
    """Per-source history over recent runs: listed, new, errors, last new article, flags.

    A source is flagged when its latest run listed less than half its own
    recent median (or nothing after listing some), none of its start URLs
    answered, or it has never listed an article. The exit code is 3 when a
    source is flagged (as for `run`), else 0.

    Example: edualliance sources health --runs 12 moe-gedi
    """
    from edualliance.crawler.health import EXIT_FLAGGED, health_lines, source_health

    with open_store(ctx) as store:
        report = source_health(store, list(names) or None, runs=runs)
    if not report:
        click.echo("no crawl has run yet: nothing to show")
        return
    if as_json:
        for name, item in report.items():
            click.echo(json.dumps({
                "source": name, "flags": item.flags,
                "last_new": item.last_new.isoformat() if item.last_new else None,
                "runs": [{"run_id": r.run_id, "started_at": r.started_at.isoformat() if r.started_at else None,
                          "listed": r.listed, "new": r.new, "errors": r.errors} for r in item.runs],
            }, ensure_ascii=False))
    else:
        for line in health_lines(report):
            click.echo(line)
    if any(item.flags for item in report.values()):
        sys.exit(EXIT_FLAGGED)


@click.command()
@click.pass_context
def publish(ctx: click.Context) -> None:
    """Publish the read-only snapshot researchers read now (every run does this at its end).

    Example: edualliance publish
    """
    from edualliance.pipeline.snapshot import publish_snapshot

    with open_store(ctx) as store:
        click.echo(str(publish_snapshot(store)))


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="edualliance-demo",
              show_default=True, help="Folder for the demo database and digest (rebuilt each time).")
@click.option("--model", "model_spec", default=None, metavar="PATH|VERSION",
              help="The model: a folder, a version from `edualliance models list`, 'shipped' or 'keywords'."
                   " Default: the newest trained, else the shipped one.")
def demo(out_dir: str, model_spec: str | None) -> None:
    """Build a fresh corpus from the bundled data: clean, classify, store, digest.

    Runs offline in well under two minutes, then prints where the database
    and digest are and queries to try.

    Example: edualliance demo --out /tmp/demo
    """
    from edualliance.models.registry import ModelNotFoundError
    from edualliance.pipeline.demo import DemoError, run_demo

    try:
        # Print the queries to try with the program as it was called (.venv/bin/edualliance).
        called = sys.argv[0] if Path(sys.argv[0]).name == "edualliance" else "edualliance"
        run_demo(Path(out_dir), echo=click.echo, program=called, model=model_spec)
    except (DemoError, ModelNotFoundError) as exc:
        raise click.ClickException(str(exc)) from exc


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


COMMANDS = (run, sources, publish, demo, fixture_web)
