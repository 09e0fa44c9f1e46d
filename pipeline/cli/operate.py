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

from .collect import crawl_options, crawl_sources
from .options import base_option, load_sources, open_store, sources_option


@click.command()
@crawl_options
@click.pass_context
def run(ctx, sources_file, base, overrides, classifier_kind, log_file, verbose) -> None:
    """The scheduled job: crawl every enabled source → clean → classify → store.

    One row in the runs table with per-source counts (listed, fetched, new,
    updated, off-topic, errors). A source that listed articles last run and
    none now is flagged (printed as FLAG: on stderr, so cron mails it).
    See README.md for a cron line and a systemd timer.

    Example: edualliance --db /srv/edualliance/corpus.duckdb run --log /var/log/edualliance-crawl.log
    """
    crawl_sources(ctx, "run", (), sources_file, overrides, classifier_kind, log_file, verbose, base)


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

    Search templates are tried with the first keyword, page 1. The exit code
    is 1 if any start URL fails.

    Example: edualliance sources check moe-gedi
    """
    from edualliance.crawler.check import check_targets, check_url
    from edualliance.crawler.registry import RegistryError, select

    try:
        registry = load_sources(sources_file, base)
        chosen = select(registry, names) if names else registry
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from exc
    failed = 0
    for source in chosen:
        for url in check_targets(source):
            ok, message = check_url(url, timeout=timeout)
            failed += not ok
            click.echo(f"{'ok  ' if ok else 'FAIL'} {source.name}: {url} — {message}")
    if failed:
        sys.exit(1)


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
def demo(out_dir: str) -> None:
    """Build a fresh corpus from the bundled data: clean, classify, store, digest.

    Runs offline in well under two minutes, then prints where the database
    and digest are and queries to try.

    Example: edualliance demo --out /tmp/demo
    """
    from edualliance.pipeline.demo import DemoError, run_demo

    try:
        # Print the queries to try with the program as it was called (.venv/bin/edualliance).
        called = sys.argv[0] if Path(sys.argv[0]).name == "edualliance" else "edualliance"
        run_demo(Path(out_dir), echo=click.echo, program=called)
    except DemoError as exc:
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
