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


def _open_snapshot(ctx: click.Context):
    """The published read-only snapshot: what every reading command uses, so that
    a reader never blocks a run (see pipeline/snapshot.py)."""
    from .snapshot import open_snapshot
    from .store import StoreError

    try:
        return open_snapshot(_db_path(ctx))
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
            if not isinstance(record.get("title"), (str, type(None))):
                raise ValueError('"title" must be a string or null')
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
    """Run a read-only SQL query on the published snapshot of the corpus and print the result.

    Example: edualliance sql "SELECT label, count(*) FROM classifications WHERE is_primary GROUP BY label"
    """
    import duckdb

    with _open_snapshot(ctx) as store:
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
              help="Folder for the digest files and feed.xml.")
@click.option("--email", "email_to", multiple=True, metavar="TO",
              help="Also send the digest to this address over SMTP (repeat for more).")
@click.option("--smtp-host", default=None, help="SMTP server. Default: $EDUALLIANCE_SMTP_HOST, else localhost.")
@click.option("--smtp-port", type=int, default=None, help="SMTP port. Default: $EDUALLIANCE_SMTP_PORT, else 25.")
@click.option("--smtp-from", "smtp_from", default=None,
              help="Sender address. Default: $EDUALLIANCE_SMTP_FROM, else edualliance@localhost.")
@click.option("--feed-base-url", default=None,
              help="Address the digests are published under, for the links in feed.xml.")
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

    Example: edualliance digest --week 2026-W47 --out digests/ --email team@example.org
    """
    from .digest import DigestError, write_digest

    with _open_snapshot(ctx) as store:
        try:
            paths = write_digest(store, week=week, out_dir=Path(out_dir), feed_base_url=feed_base_url)
        except DigestError as exc:
            raise click.ClickException(str(exc)) from exc
    for path in paths:
        click.echo(str(path))
    if email_to:
        from .mail import MailError, SmtpSettings, send_digest

        settings = SmtpSettings.from_env(host=smtp_host, port=smtp_port, sender=smtp_from)
        try:
            send_digest(paths[0], paths[1], list(email_to), settings)
        except MailError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"sent to {', '.join(email_to)} via {settings.host}:{settings.port}")


@main.command()
@click.argument("query")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Published on or after this day.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Published before this day.")
@click.option("--label", type=click.Choice(["jiaolianti", "group_run", "district_community", "urban_rural"]),
              default=None, help="Only articles carrying this label.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="Results to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines.")
@click.pass_context
def search(ctx: click.Context, query: str, since, until, label: str | None, limit: int, as_json: bool) -> None:
    """Search the articles' normalized (Simplified) text, best matches first, with snippets.

    The query is segmented into words (jieba, with the reform models' terms);
    every word must occur. Reads the published snapshot.

    Example: edualliance search "城乡 共同体" --since 2024-01-01 --label urban_rural
    """
    from .search import highlight
    from .search import search as run_search

    with _open_snapshot(ctx) as store:
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


@main.command()
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv"]), required=True,
              help="parquet: a folder partitioned by year and label; csv: one file.")
@click.option("--out", "out", type=click.Path(), default=None,
              help="Folder (parquet) or file (csv). Default: edualliance-export or edualliance-export.csv.")
@click.option("--bom", is_flag=True, help="CSV: start with a UTF-8 byte-order mark (for Excel).")
@click.option("--no-text", is_flag=True, help="CSV: leave out the article text (smaller, spreadsheet-friendly).")
@click.pass_context
def export(ctx: click.Context, fmt: str, out: str | None, bom: bool, no_text: bool) -> None:
    """Export one row per article (research_articles) for R, Stata, Excel or pandas.

    Parquet goes to year=YYYY/label=LABEL/ folders; CSV is UTF-8 with a
    header, labels joined with ';'. Reads the published snapshot.

    Example: edualliance export --format csv --bom --out articles.csv
    """
    from .export import export_csv, export_parquet

    with _open_snapshot(ctx) as store:
        if fmt == "parquet":
            files = export_parquet(store, Path(out or "edualliance-export"))
            click.echo(f"{len(files)} Parquet files in {out or 'edualliance-export'}")
        else:
            path = export_csv(store, Path(out or "edualliance-export.csv"), bom=bom, with_text=not no_text)
            click.echo(str(path))


@main.command()
@click.option("--label", type=click.Choice(["jiaolianti", "group_run", "district_community", "urban_rural"]),
              required=True, help="The reform model.")
@click.option("--level", type=click.Choice(["province", "city"]), default="province", show_default=True,
              help="Regions to list.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Folder for the chart and table files (SVG, self-contained HTML, Markdown).")
@click.option("--no-files", is_flag=True, help="Print the table only; write no files.")
@click.pass_context
def diffusion(ctx: click.Context, label: str, level: str, out_dir: str, no_files: bool) -> None:
    """When each province (or city) first reported a reform model: a table, and a chart.

    Prints the table and writes diffusion-LABEL-LEVEL.svg, .html and .md.
    Reads the published snapshot.

    Example: edualliance diffusion --label jiaolianti --level city --out charts/
    """
    from .diffusion import first_reports, write_diffusion
    from .tables import format_table

    with _open_snapshot(ctx) as store:
        reports = first_reports(store, label, level)
        paths = [] if no_files else write_diffusion(store, label, Path(out_dir), level)
    click.echo(format_table(
        ["#", "first report", level, "stories", "first article", "outlet"],
        [(n, f"{r.first_published:%Y-%m-%d}", r.region, r.stories, r.title, r.outlet)
         for n, r in enumerate(reports, 1)],
    ))
    for path in paths:
        click.echo(str(path))


@main.command()
@click.pass_context
def publish(ctx: click.Context) -> None:
    """Publish the read-only snapshot researchers read now (every run does this at its end).

    Example: edualliance publish
    """
    from .snapshot import publish_snapshot

    with _open_store(ctx) as store:
        click.echo(str(publish_snapshot(store)))


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="edualliance-demo",
              show_default=True, help="Folder for the demo database and digest (rebuilt each time).")
def demo(out_dir: str) -> None:
    """Build a fresh corpus from the bundled data: clean, classify, store, digest.

    Runs offline in well under two minutes, then prints where the database
    and digest are and queries to try.

    Example: edualliance demo --out /tmp/demo
    """
    from .demo import DemoError, run_demo

    try:
        # Print the queries to try with the program as it was called (.venv/bin/edualliance).
        called = sys.argv[0] if Path(sys.argv[0]).name == "edualliance" else "edualliance"
        run_demo(Path(out_dir), echo=click.echo, program=called)
    except DemoError as exc:
        raise click.ClickException(str(exc)) from exc


# -- the learned classifier (issue 4): train, evaluate, label, reclassify ----------------


@main.command()
@click.option("--corpus", "corpus_dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="Folder with training/*.jsonl and seeds/. Default: the corpus/ shipped with the package.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder for the artifact and model card. Default: the package's models/artifacts/.")
@click.option("--use-db/--no-db", default=True, show_default=True,
              help="Also train on the labels researchers stored in the database (if it exists).")
@click.option("--weak/--no-weak", default=False, show_default=True,
              help="Add weak labels: stored unlabeled articles the keyword rules label confidently.")
@click.option("--cv/--no-cv", default=True, show_default=True,
              help="Cross-validate on the training data first (figures go into the model card).")
@click.option("--gold", "gold_path", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Labeled JSON Lines to measure the new model on (never trained on); figures go into the card.")
@click.pass_context
def train(ctx: click.Context, corpus_dir: str | None, out_dir: str | None, use_db: bool, weak: bool,
          cv: bool, gold_path: str | None) -> None:
    """Train the learned classifier and write its artifact and model card.

    Trains on corpus/training/*.jsonl, the seed pages and (with --use-db)
    the labels stored by `edualliance label`; prints the cross-validated
    figures. The new model is used from then on (classify, ingest).

    Example: edualliance train --out models/artifacts
    """
    from edualliance.models import classifier as clf
    from edualliance.models import corpus, training

    examples, problems = corpus.load_corpus(Path(corpus_dir) if corpus_dir else None)
    for problem in problems:
        _err(f"skipped {problem}")
    db = _db_path(ctx)
    if (use_db or weak) and db.exists():
        with _open_store(ctx) as store:
            if use_db:
                stored = corpus.researcher_examples(store)
                examples.extend(stored)
                click.echo(f"{len(stored)} researcher labels from {db}", err=True)
            if weak:
                extra = corpus.weak_examples(store)
                examples.extend(extra)
                click.echo(f"{len(extra)} weak labels from the keyword rules", err=True)
    target = Path(out_dir) if out_dir else clf.artifacts_dir()
    click.echo(f"training on {len(examples)} examples …", err=True)
    card = training.train(examples, target, cv=cv, problems=problems, progress=lambda m: _err(m),
                          gold=Path(gold_path) if gold_path else None)
    click.echo(f"model {card['version']} → {target / clf.ARTIFACT_NAME} ({card['artifact']['bytes']:,} bytes)")
    click.echo(f"final fit: {card['training_seconds']} s on {card['training_data']['examples']} examples")
    if card["cross_validation"]:
        figures = card["cross_validation"]
        per = ", ".join(f"{k} {v['f1']:.3f}" for k, v in figures["per_label"].items())
        click.echo(f"cross-validated macro-F1 {figures['macro_f1']:.3f} ({per}); relevance accuracy"
                   f" {figures['relevance_accuracy']:.3f}; sense accuracy {figures['sense_accuracy']}")
    if card.get("evaluation"):
        measured = card["evaluation"]
        click.echo(f"on {measured['file']}: macro-F1 {measured['all']['macro_f1']:.3f} (keyword baseline"
                   f" {measured['baseline']['macro_f1']:.3f}); relevance accuracy"
                   f" {measured['all']['relevance_accuracy']:.3f}")


@main.command()
@click.option("--gold", "gold_path", type=click.Path(dir_okay=False, exists=True), required=True,
              help="JSON Lines with text and labels (and optionally title, primary, script, sense).")
@click.option("--model", "model_dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="Folder of a trained model. Default: the installed one.")
@click.option("--errors", is_flag=True, help="Also list every item a classifier got wrong.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), default=None,
              help="Also write the figures as JSON to this file.")
def evaluate(gold_path: str, model_dir: str | None, errors: bool, json_out: str | None) -> None:
    """Score the learned model and the keyword baseline side by side on gold labels.

    Prints per-label precision, recall and F1, macro-F1, relevance accuracy
    (any label vs none), the confusion of primary labels, the 教联体 sense
    accuracy, and the same figures on Traditional/pinyin items alone.

    Example: edualliance evaluate --gold dev.jsonl --errors
    """
    from edualliance.models import classifier as clf
    from edualliance.models.evaluation import GoldError, full_report, read_gold
    from edualliance.models.keywords import KeywordClassifier

    try:
        items = read_gold(Path(gold_path))
    except GoldError as exc:
        raise click.ClickException(str(exc)) from exc
    model = clf.load(Path(model_dir)) if model_dir else clf.load_shipped()
    if model is None:
        raise click.ClickException("no trained model is installed: run `edualliance train`")
    text, summary = full_report(items, {"model": model, "keywords": KeywordClassifier()}, errors=errors)
    click.echo(text)
    if json_out:
        Path(json_out).write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


@main.command()
@click.option("--limit", default=20, show_default=True, help="Articles to show in this session.")
@click.option("--pool", default=2000, show_default=True,
              help="Most recently stored unlabeled articles scored to find the least certain.")
@click.option("--labeler", default=None, help="Your name, stored with each label. Default: login name.")
@click.option("--classifier", "classifier_kind", type=click.Choice(["auto", "model", "keywords"]),
              default="auto", show_default=True, help="Which classifier ranks and pre-labels the articles.")
@click.pass_context
def label(ctx: click.Context, limit: int, pool: int, labeler: str | None, classifier_kind: str) -> None:
    """Label the articles the model is least sure of, one at a time, in the terminal.

    Type the keys of the labels that apply (j g d u, several allowed, n for
    none), s to skip, q to stop; '# text' adds a note. Labels are stored in
    the labels table at once and used by the next `edualliance train`; the
    snapshot that `sql` reads is published again when the session ends.

    Example: edualliance label --limit 30 --labeler wang
    """
    import getpass

    from edualliance.models.database import label_loop
    from edualliance.models.loader import load_classifier

    classifier = load_classifier(classifier_kind)
    if labeler is None:
        try:
            labeler = getpass.getuser()
        except (KeyError, OSError):
            labeler = None
    with _open_store(ctx) as store:
        try:
            label_loop(store, classifier, limit=limit, pool=pool, labeler=labeler, echo=click.echo,
                       prompt=lambda text, default: click.prompt(text, default=default, show_default=True))
        finally:  # Ctrl-C included: the labels given so far are stored, and readers should see them
            store.publish_snapshot()


@main.command()
@click.option("--classifier", "classifier_kind", type=click.Choice(["auto", "model", "keywords"]),
              default="auto", show_default=True, help="Which classifier writes the labels.")
@click.pass_context
def reclassify(ctx: click.Context, classifier_kind: str) -> None:
    """Label every stored article with the current model; earlier versions' labels are kept.

    Rows in classifications are keyed by model version, so the new
    version's labels sit next to the old ones (current_classifications
    shows each article's newest).

    Example: edualliance reclassify
    """
    from edualliance.models.database import reclassify as run_reclassify
    from edualliance.models.loader import load_classifier

    classifier = load_classifier(classifier_kind)
    with _open_store(ctx) as store:
        run_id, counts = run_reclassify(
            store, classifier, progress=lambda done, total: _err(f"… {done}/{total} articles"))
    click.echo(f"run {run_id}: {counts['articles']} articles labeled by {counts['model_version']}:"
               f" {json.dumps(counts['labels'], ensure_ascii=False, sort_keys=True)}")


# The crawler's commands (crawl, run, sources, reprocess) live with the crawler.
from edualliance.crawler.cli import register as _register_crawler_commands  # noqa: E402

_register_crawler_commands(main)


if __name__ == "__main__":
    main()
