"""Commands that read the corpus: sql, search, export, diffusion, digest.

All of them read the published read-only snapshot (pipeline/snapshot.py), so
a researcher's query never blocks, or is blocked by, a running crawl.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from .options import LABEL_CHOICE, config, open_snapshot, refuse_password_option


@click.command()
@click.argument("query")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines.")
@click.pass_context
def sql(ctx: click.Context, query: str, as_csv: bool, as_json: bool) -> None:
    """Run a read-only SQL query on the published snapshot of the corpus and print the result.

    Example: edualliance sql "SELECT label, count(*) FROM classifications WHERE is_primary GROUP BY label"
    """
    import duckdb

    from edualliance.pipeline.tables import format_csv, format_jsonl, format_table

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
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="Results to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines.")
@click.pass_context
def search(ctx: click.Context, query: str, since, until, label: str | None, limit: int, as_json: bool) -> None:
    """Search the articles' normalized (Simplified) text, best matches first, with snippets.

    The query is segmented into words (jieba, with the reform models' terms);
    every word must occur. Reads the published snapshot.

    Example: edualliance search "城乡 共同体" --since 2024-01-01 --label urban_rural
    """
    from edualliance.pipeline.search import highlight
    from edualliance.pipeline.search import search as run_search

    with open_snapshot(ctx) as store:
        result = run_search(store, query, since=since, until=until, label=label, limit=limit)
    if as_json:
        for hit in result.hits:
            click.echo(json.dumps({
                "article_id": hit.article_id, "title": hit.title, "score": hit.score,
                "published_at": hit.published_at.isoformat() if hit.published_at else None,
                "outlet": hit.outlet, "region_province": hit.region_province,
                "primary_label": hit.primary_label, "labels": list(hit.labels), "snippet": hit.snippet,
            }, ensure_ascii=False))
        return
    click.echo(f"{len(result.hits)} best of the articles matching {' + '.join(result.terms) or '(nothing)'}"
               f" among {result.searched} searched")
    for n, hit in enumerate(result.hits, 1):
        when = hit.published_at.strftime("%Y-%m-%d") if hit.published_at else "undated"
        click.echo(f"\n{n}. {hit.title or '(untitled)'}  [{hit.primary_label}] {when}"
                   f" {hit.outlet or ''} {hit.region_province or ''}".rstrip())
        click.echo(f"   {highlight(hit.snippet, hit.spans)}")


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
def digest(ctx: click.Context, week: str | None, out_dir: str, email_to: tuple[str, ...],
           smtp_host: str | None, smtp_port: int | None, smtp_from: str | None,
           feed_base_url: str | None) -> None:
    """Write the weekly policy-trend digest: Markdown, one self-contained HTML file, Atom feed.

    Per model type this week against the previous 12 weeks (stories and
    shares, with charts), regions reporting a model for the first time, top
    stories by outlets carrying them, emerging terms, and sources that failed
    or went silent. Reads the published snapshot. SMTP login, if needed, comes
    from $EDUALLIANCE_SMTP_USER and $EDUALLIANCE_SMTP_PASSWORD.

    With --config, feed_base_url and the [mail] server settings come from the
    config file (its password from the environment or mail.password_file).

    Example: edualliance digest --week 2026-W47 --out digests/ --email team@example.org
    """
    from edualliance.pipeline.digest import DigestError, write_digest

    settings_file = config(ctx)
    if settings_file is not None:
        feed_base_url = feed_base_url or settings_file.digest.feed_base_url

    with open_snapshot(ctx) as store:
        try:
            paths = write_digest(store, week=week, out_dir=Path(out_dir), feed_base_url=feed_base_url)
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
            send_digest(paths[0], paths[1], list(email_to), settings)
        except MailError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"sent to {', '.join(email_to)} via {settings.host}:{settings.port}")


COMMANDS = (sql, search, export, diffusion, digest)
