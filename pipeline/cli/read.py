"""Commands that read the corpus: sql, search, export, diffusion, digest, serve.

All of them read the published read-only snapshot (pipeline/snapshot.py), so
a researcher's query never blocks, or is blocked by, a running crawl.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from .options import LABEL_CHOICE, config, db_path, open_snapshot, refuse_password_option


@click.command()
@click.argument("query")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines.")
@click.pass_context
def sql(ctx: click.Context, query: str, as_csv: bool, as_json: bool) -> None:
    """Run one read-only SQL query on the published snapshot of the corpus and print the result.

    Exactly one statement: SELECT (also WITH, FROM), DESCRIBE, SHOW, SUMMARIZE
    or EXPLAIN of a SELECT. Anything else (CALL, PRAGMA, SET, COPY, several
    statements) is refused with a message and exit code 1.

    Example: edualliance sql "SELECT label, count(*) FROM classifications WHERE is_primary GROUP BY label"
    """
    import duckdb

    from edualliance.pipeline.sqlcheck import QueryRefused, read_statement
    from edualliance.pipeline.tables import format_csv, format_jsonl, format_table

    try:
        read_statement(query)  # before the snapshot is opened: a refusal needs no database
    except QueryRefused as exc:
        raise click.ClickException(f"query refused: {exc}") from exc
    with open_snapshot(ctx) as store:
        try:
            columns, rows = store.run_user_query(query)
        except duckdb.Error as exc:
            raise click.ClickException(f"query failed: {exc}") from exc
    if as_json:
        click.echo(format_jsonl(columns, rows), nl=False)
    elif as_csv:
        click.echo(format_csv(columns, rows), nl=False)
    else:
        click.echo(format_table(columns, rows))


@click.command()
@click.argument("query")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Published on or after this day.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Published before this day.")
@click.option("--label", type=LABEL_CHOICE, default=None, help="Only articles carrying this label.")
@click.option("--sense", type=click.Choice(["school_alliance", "home_school_society"]), default=None,
              help="Only 教联体 articles in this sense.")
@click.option("--region", default=None, help="Only articles about this province or city (e.g. 浙江省, 杭州市).")
@click.option("--outlet", default=None, help="Only articles by this outlet (or reposted from it).")
@click.option("--articles", "every_copy", is_flag=True,
              help="List every matching article; by default reposts are merged into one hit per story.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="Results to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines (with each article's URL).")
@click.pass_context
def search(ctx: click.Context, query: str, since, until, label: str | None, sense: str | None, region: str | None,
           outlet: str | None, every_copy: bool, limit: int, as_json: bool) -> None:
    """Search the articles' normalized (Simplified) text, best stories first, with snippets.

    A Traditional query is converted to Simplified; "quoted parts" are
    phrases that must occur as written; the rest is segmented into words
    (jieba, with the reform models' terms), every one of which must occur.
    Reposts of a story are one hit, with its copies and outlets. Reads the
    published snapshot.

    Example: edualliance search '"城乡教育共同体" 结对' --region 浙江省 --since 2024-01-01
    """
    from edualliance.pipeline.search import BY_INDEX, highlight
    from edualliance.pipeline.search import search as run_search
    from edualliance.pipeline.store.research import SearchFilters

    filters = SearchFilters(since=since, until=until, label=label, sense=sense, region=region, outlet=outlet)
    with open_snapshot(ctx) as store:
        result = run_search(store, query, filters=filters, limit=limit, merge_stories=not every_copy)
    if result.terms and result.method != BY_INDEX:
        click.echo(f"edualliance: searched by {result.method}", err=True)  # slower, same results
    if as_json:
        for hit in result.hits:
            click.echo(json.dumps({
                "article_id": hit.article_id, "story_id": hit.story_id, "title": hit.title, "url": hit.url,
                "score": hit.score, "published_at": hit.published_at.isoformat() if hit.published_at else None,
                "outlet": hit.outlet, "region_province": hit.region_province, "region_city": hit.region_city,
                "primary_label": hit.primary_label, "labels": list(hit.labels), "sense": hit.sense,
                "copies": hit.copies, "outlets": list(hit.outlets), "snippet": hit.snippet,
            }, ensure_ascii=False))
        return
    unit = "articles" if every_copy else "stories"
    click.echo(f"{len(result.hits)} best {unit} matching {' + '.join(result.terms) or '(nothing)'}"
               f" among {result.searched} articles searched")
    for n, hit in enumerate(result.hits, 1):
        when = hit.published_at.strftime("%Y-%m-%d") if hit.published_at else "undated"
        region = " ".join(r for r in (hit.region_province, hit.region_city) if r)
        click.echo(f"\n{n}. {hit.title or '(untitled)'}  [{hit.primary_label}] {when}"
                   f" {hit.outlet or ''} {region}".rstrip())
        click.echo(f"   {highlight(hit.snippet, hit.spans)}")
        if hit.copies > 1:
            click.echo(f"   {hit.copies} copies: {'、'.join(hit.outlets)}")
        if hit.url:
            click.echo(f"   {hit.url}")


@click.command()
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv"]), required=True,
              help="parquet: a folder partitioned by year and label; csv: one file.")
@click.option("--out", "out", type=click.Path(), default=None,
              help="Folder (parquet) or file (csv). Default: edualliance-export or edualliance-export.csv.")
@click.option("--bom", is_flag=True, help="CSV: start with a UTF-8 byte-order mark (for Excel).")
@click.option("--no-text", is_flag=True, help="CSV: leave out the article text (smaller, spreadsheet-friendly).")
@click.option("--records", "records_dir", type=click.Path(file_okay=False), default=None,
              help="Also write the extracted facts, alliances, alliance members, documents and article→document"
                   " links, one file each, into this folder.")
@click.pass_context
def export(ctx: click.Context, fmt: str, out: str | None, bom: bool, no_text: bool, records_dir: str | None) -> None:
    """Export one row per article (research_articles) for R, Stata, Excel or pandas.

    Parquet goes to year=YYYY/label=LABEL/ folders; CSV is UTF-8 with a
    header, labels joined with ';'. Reads the published snapshot.

    Example: edualliance export --format csv --bom --out articles.csv --records records/
    """
    from edualliance.pipeline.export import export_csv, export_parquet, export_records

    with open_snapshot(ctx) as store:
        if fmt == "parquet":
            files = export_parquet(store, Path(out or "edualliance-export"))
            click.echo(f"{len(files)} Parquet files in {out or 'edualliance-export'}")
        else:
            path = export_csv(store, Path(out or "edualliance-export.csv"), bom=bom, with_text=not no_text)
            click.echo(str(path))
        if records_dir:
            for path in export_records(store, Path(records_dir), fmt, bom=bom):
                click.echo(str(path))


@click.command()
@click.option("--label", type=LABEL_CHOICE, required=True, help="The reform model.")
@click.option("--level", type=click.Choice(["province", "city"]), default="province", show_default=True,
              help="Regions to list.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Folder for the chart and table files (SVG, self-contained HTML, Markdown).")
@click.option("--no-files", is_flag=True, help="Print the table only; write no files.")
@click.option("--sense", type=click.Choice(["school_alliance", "home_school_society", "all"]), default=None,
              help="For jiaolianti: which sense of 教联体 to count. Default: school_alliance (the reform model;"
                   " the 家校社协同育人 sense is left out, and the output says so).")
@click.pass_context
def diffusion(ctx: click.Context, label: str, level: str, out_dir: str, no_files: bool, sense: str | None) -> None:
    """When each province (or city) first reported a reform model: a table, and a chart.

    Prints the table and writes diffusion-LABEL-LEVEL.svg, .html and .md
    (with -SENSE before the suffix for a --sense other than the default).
    Reads the published snapshot, labeled by the model version chosen with
    `edualliance models use` (else each article's newest).

    Example: edualliance diffusion --label jiaolianti --sense all --level city --out charts/
    """
    from edualliance.pipeline.diffusion import first_reports, sense_note, write_diffusion
    from edualliance.pipeline.tables import format_table

    with open_snapshot(ctx) as store:
        reports = first_reports(store, label, level, sense)
        paths = [] if no_files else write_diffusion(store, label, Path(out_dir), level, sense)
    if sense_note(label, sense):
        click.echo(sense_note(label, sense), err=True)
    click.echo(format_table(
        ["#", "first report", level, "stories", "first article", "outlet"],
        [(n, f"{r.first_published:%Y-%m-%d}", r.region, r.stories, r.title, r.outlet)
         for n, r in enumerate(reports, 1)],
    ))
    for path in paths:
        click.echo(str(path))


@click.command()
@click.option("--week", default=None, help="ISO week like 2026-W47. Default: the latest week with articles.")
@click.option("--lang", type=click.Choice(["zh", "en", "both"]), default="both", show_default=True,
              help="Language of the digest: Chinese, English or both.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Folder for the digest files and feed.xml.")
@click.option("--email", "email_to", multiple=True, metavar="TO",
              help="Also send the digest to this address over SMTP (repeat for more).")
@click.option("--smtp-host", default=None, help="SMTP server. Default: $EDUALLIANCE_SMTP_HOST, else localhost.")
@click.option("--smtp-port", type=int, default=None, help="SMTP port. Default: $EDUALLIANCE_SMTP_PORT, else 25.")
@click.option("--smtp-from", "smtp_from", default=None,
              help="Sender address. Default: $EDUALLIANCE_SMTP_FROM, else edualliance@localhost.")
@click.option("--feed-base-url", default=None,
              help="Address the digests are published under, for the links in feed.xml.")
@refuse_password_option
@click.pass_context
def digest(ctx: click.Context, week: str | None, lang: str, out_dir: str, email_to: tuple[str, ...],
           smtp_host: str | None, smtp_port: int | None, smtp_from: str | None,
           feed_base_url: str | None) -> None:
    """Write the weekly policy-trend digest in Chinese and English: Markdown, a
    self-contained HTML file with charts, the charts as PNG, and the Atom feed.

    Per model type this week against the previous 12 collected weeks
    (stories and shares, with charts), regions reporting a model for the first
    time, top stories with region and snippet, emerging terms, and source
    health from the runs of the week. Reads the published snapshot. --email
    sends every language in one message; SMTP login, if needed, comes from
    $EDUALLIANCE_SMTP_USER and $EDUALLIANCE_SMTP_PASSWORD.

    With --config, feed_base_url and the [mail] server settings come from the
    config file (its password from the environment or mail.password_file).

    Example: edualliance digest --week 2026-W47 --lang both --out digests/ --email team@example.org
    """
    from edualliance.pipeline.digest import DigestError, write_digest

    settings_file = config(ctx)
    if settings_file is not None:
        feed_base_url = feed_base_url or settings_file.digest.feed_base_url

    with open_snapshot(ctx) as store:
        try:
            paths = write_digest(store, week=week, out_dir=Path(out_dir), langs=lang, feed_base_url=feed_base_url)
        except DigestError as exc:
            raise click.ClickException(str(exc)) from exc
    for path in paths:
        click.echo(str(path))
    if email_to:
        from edualliance.pipeline.mail import MailError, SmtpSettings, send_digest

        settings = SmtpSettings.from_env(host=smtp_host, port=smtp_port, sender=smtp_from)
        if settings_file is not None and settings_file.mail is not None:
            from dataclasses import replace

            from edualliance.pipeline.config import ConfigError

            try:
                settings = SmtpSettings.from_config(settings_file.mail)
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from exc
            settings = replace(settings, host=smtp_host or settings.host, port=smtp_port or settings.port,
                               sender=smtp_from or settings.sender)
        try:
            send_digest(paths, list(email_to), settings)
        except MailError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"sent to {', '.join(email_to)} via {settings.host}:{settings.port}")


#: Where `serve` listens unless told otherwise.
SERVE_PORT = 8750


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback needs --token.")
@click.option("--port", type=click.IntRange(0, 65535), default=SERVE_PORT, show_default=True,
              help="Port (0: any free one).")
@click.option("--token", default=None, envvar="EDUALLIANCE_SERVE_TOKEN", show_envvar=True,
              help="Secret every request must carry (?token=… once, or Authorization: Bearer …).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, token: str | None) -> None:
    """Browse the corpus in a web browser: search, articles, models, diffusion, CSV.

    A read-only explorer over the published snapshot (a newer snapshot is
    seen by the next request). Binds 127.0.0.1 unless --host says otherwise;
    serving on another address requires --token. Ctrl-C stops it.

    Example: edualliance serve --port 8750   (then open http://127.0.0.1:8750/search?q=教联体)
    """
    from edualliance.pipeline.explorer.serve import ServeError
    from edualliance.pipeline.explorer.serve import serve as run_server
    from edualliance.pipeline.snapshot import snapshot_path

    path = snapshot_path(db_path(ctx))
    if not path.exists():
        raise click.ClickException(f"no published snapshot at {path}: run `edualliance demo` or"
                                   " `edualliance ingest` first (every run publishes one)")
    try:
        run_server(path, host, port, token, echo=click.echo)
    except ServeError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from exc


COMMANDS = (sql, search, export, diffusion, digest, serve)
