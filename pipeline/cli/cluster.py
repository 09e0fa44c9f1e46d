"""Crawling on several machines: a crawl node (``crawl --frontier``) and the one writer (``process``);
and the WARC captures every crawl writes (``captures migrate``).

See the README's "Crawling on several machines", "Captures" and crawler/frontier/.
"""

from __future__ import annotations

from pathlib import Path

import click

from .options import classifier_option, classifier_spec, db_path, open_store

FRONTIER_HELP = "The shared frontier: redis://[:PASSWORD@]HOST:PORT/N (every node and the writer use the same)."
CAPTURES_HELP = "The captures folder (WARC files), shared by the nodes and the writer."


def crawl_node(frontier_url: str, captures: str | None, node: str | None, sources: list, settings: dict) -> None:
    """``edualliance crawl --frontier URL``: crawl as one node; pages go to WARC files and the stream."""
    from edualliance.crawler.frontier.node import default_node_name, run_node
    from edualliance.crawler.frontier.redis_state import FrontierError
    from edualliance.crawler.registry import taxonomy_keywords

    if not captures:
        raise click.UsageError("--frontier needs --captures DIR (the WARC folder the writer reads)")
    try:
        run_node(frontier_url, Path(captures), node or default_node_name(), sources, taxonomy_keywords(), settings)
    except (FrontierError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc


@click.command()
@click.option("--frontier", "frontier_url", required=True, metavar="URL", help=FRONTIER_HELP)
@click.option("--captures", type=click.Path(file_okay=False), required=True, help=CAPTURES_HELP)
@click.option("--follow", is_flag=True,
              help="Keep running: store each round as its nodes send it (one run per round), until stopped.")
@classifier_option("Which classifier labels the articles.")
@click.pass_context
def process(ctx: click.Context, frontier_url: str, captures: str, follow: bool, classifier_kind: str) -> None:
    """Store what crawl nodes captured: the one process that writes the database.

    Reads the frontier's capture stream, the pages from their WARC files,
    and cleans, classifies and stores them as a single-machine crawl does.
    Without --follow it returns when the stream is read and no node is
    left. Safe to kill: a rerun stores every capture exactly once.

    Example: edualliance process --frontier redis://crawl-hub:6379/0 --captures /srv/captures
    """
    from edualliance.crawler.frontier.redis_state import Frontier, FrontierError, connect
    from edualliance.crawler.frontier.writer import Writer

    try:
        frontier = Frontier(connect(frontier_url))
    except FrontierError as exc:
        raise click.ClickException(str(exc)) from exc
    spec = classifier_spec(ctx, classifier_kind)
    with open_store(ctx) as store:
        while True:
            report = Writer(store, frontier, Path(captures), spec, echo=lambda m: click.echo(m, err=True)).run(follow)
            new = sum(c.get("new", 0) for c in report.counts["sources"].values())
            click.echo(f"run {report.run_id} (cluster): {report.entries} stream entries stored"
                       f" ({report.duplicates} delivered again, skipped), {new} new articles → {db_path(ctx)}")
            if not follow:
                break


@click.group()
def captures() -> None:
    """The raw captures: WARC files in a folder beside the database.

    Every crawl writes each page it fetches as a WARC record into
    <database name>-captures/ (or $EDUALLIANCE_CAPTURES); the database keeps
    where each record lives. See the README, "Captures".

    Example: edualliance captures migrate
    """


@captures.command("migrate")
@click.pass_context
def captures_migrate(ctx: click.Context) -> None:
    """Move page bytes kept in the database (older versions) into WARC files.

    Writes each crawled page's bytes (stored pages, and off-topic pages kept
    in the archive) as a WARC record, fsyncs the file, then
    points the page at it and clears its bytes, a batch at a time: safe to
    interrupt and run again; a second run does nothing. `crawl` and `process`
    do it too when they find bytes in the database. The database file keeps
    its size until it is compacted (README, "Captures").

    Example: edualliance --db corpus.duckdb captures migrate
    """
    from edualliance.crawler.capture_migrate import migrate
    from edualliance.pipeline.captures import captures_path

    with open_store(ctx) as store:
        folder = captures_path(store.path)
        moved = migrate(store, folder, echo=lambda m: click.echo(m, err=True))
    click.echo(f"{moved} pages moved into WARC files in {folder}" if moved
               else f"nothing to move: every crawled page is in WARC files ({folder})")


COMMANDS = (process, captures)
