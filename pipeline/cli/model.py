"""Commands about the classifier: classify, train, evaluate, label, reclassify, models list|use.

The classifier itself lives in models/ (issue 4); these commands read
options, call it and print its figures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .options import classifier_option, db_path, err, make_classifier, open_store


#: Records classified (and printed) at a time: output starts before a large file is read to the end.
CLASSIFY_CHUNK = 500


@click.command()
@click.argument("source", default="-", type=click.File("rb"))
@click.option("--explain", is_flag=True, help="Add the terms that drove each label.")
@classifier_option("Which classifier to use.")
def classify(source, explain: bool, classifier_kind: str) -> None:
    """Label JSON Lines records ({"text": …, "id"?, "title"?}) with the reform models.

    Each record is written back with labels (list), primary (a label or
    "none") and scores (label → probability). Raw page text is fine:
    navigation, link lists and Traditional script are handled. The input may
    be UTF-8, UTF-16 or GB18030; each bad line gets one line on stderr
    (FILE:LINE: why) and the good lines are still labelled. A record with no
    prose left once page furniture is dropped is still labelled, with one line
    on stderr naming it. Exit code: 0 every line was labelled, 1 some lines
    were not, 2 none was.

    Example: edualliance extract page.html | edualliance classify --explain
    """
    from edualliance.models.text import prose
    from edualliance.pipeline import jsonl
    from edualliance.pipeline.ingest import exit_code
    from edualliance.pipeline.normalize import normalize

    classifier = make_classifier(classifier_kind)
    name = getattr(source, "name", "-")
    name = "<stdin>" if name == "-" else name
    done = failed = 0
    chunk: list[dict] = []

    def flush() -> None:
        items = [(r.get("title"), normalize(r["text"])[0]) for r in chunk]
        verdicts = classifier.classify(items)
        for offset, (record, verdict, (title, text)) in enumerate(zip(chunk, verdicts, items)):
            if not (title or "").strip() and not prose(text).strip():
                which = f"record {done - len(chunk) + offset + 1}"
                which += f" (id {record['id']!r})" if "id" in record else ""
                err(f"{name}: {which}: no prose left once navigation, link lists and page furniture were"
                    " dropped, so its labels say little; pass the article's own text")
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
            click.echo(jsonl.dumps(record))
        chunk.clear()

    for item in jsonl.read_records(source.read()):
        if isinstance(item, jsonl.LineError):
            err(f"{name}:{item.line}: not a JSON record with text: {item.message}")
            failed += 1
            continue
        chunk.append(item)
        done += 1
        if len(chunk) >= CLASSIFY_CHUNK:
            flush()
    if chunk:
        flush()
    if not done:
        err(f"{name}: no record with a text to classify")
    sys.exit(exit_code(done, failed))


@click.command()
@click.option("--corpus", "corpus_dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="Folder with training/*.jsonl and seeds/. Default: the corpus/ shipped with the package.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder for the artifact and model card. Default: <models folder>/<version> in your user data"
                   " directory ($EDUALLIANCE_MODELS to change it); never the installed package.")
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
    figures (folds grouped by text style). The model is installed as a new
    version in your user data directory (see `edualliance models list`); the
    commands that classify use it from then on unless `edualliance models
    use` chose another version. The research views read the chosen version.

    Example: edualliance train --gold dev.jsonl
    """
    from edualliance.models import artifact
    from edualliance.models import corpus, registry, training

    examples, problems = corpus.load_corpus(Path(corpus_dir) if corpus_dir else None)
    for problem in problems:
        err(f"skipped {problem}")
    db = db_path(ctx)
    if (use_db or weak) and db.exists():
        with open_store(ctx) as store:
            if use_db:
                stored = corpus.researcher_examples(store)
                examples.extend(stored)
                click.echo(f"{len(stored)} researcher labels from {db}", err=True)
            if weak:
                extra = corpus.weak_examples(store)
                examples.extend(extra)
                click.echo(f"{len(extra)} weak labels from the keyword rules", err=True)
    target = Path(out_dir) if out_dir else registry.staging_dir()
    click.echo(f"training on {len(examples)} examples …", err=True)
    try:
        card = training.train(examples, target, cv=cv, problems=problems, progress=lambda m: err(m),
                              gold=Path(gold_path) if gold_path else None)
    except BaseException:
        if not out_dir:
            import shutil

            shutil.rmtree(target, ignore_errors=True)
        raise
    if not out_dir:
        target = registry.install(target, card["version"])
    click.echo(f"model {card['version']} → {target / artifact.ARTIFACT_NAME} ({card['artifact']['bytes']:,} bytes)")
    click.echo(f"final fit: {card['training_seconds']} s on {card['training_data']['examples']} examples")
    if card["cross_validation"]:
        figures = card["cross_validation"]
        per = ", ".join(f"{k} {v['f1']:.3f}" for k, v in figures["per_label"].items())
        low, high = figures["macro_f1_ci95"] or (float("nan"), float("nan"))
        click.echo(f"cross-validated ({figures['folds']} folds grouped by text style) macro-F1"
                   f" {figures['macro_f1']:.3f} (95% CI {low:.3f}–{high:.3f}; {per}); relevance accuracy"
                   f" {figures['relevance_accuracy']:.3f}; sense accuracy {figures['sense_accuracy']}")
    if card.get("evaluation"):
        measured = card["evaluation"]
        click.echo(f"on {measured['file']}: macro-F1 {measured['all']['macro_f1']:.3f} (keyword baseline"
                   f" {measured['baseline']['macro_f1']:.3f}); relevance accuracy"
                   f" {measured['all']['relevance_accuracy']:.3f}")


@click.command()
@click.option("--gold", "gold_path", type=click.Path(dir_okay=False, exists=True), required=True,
              help="JSON Lines with text and labels (and optionally title, primary, script, sense).")
@classifier_option("Which classifier to measure next to the keyword baseline (keywords: the baseline alone).")
@click.option("--errors", is_flag=True, help="Also list every item a classifier got wrong.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), default=None,
              help="Also write the figures as JSON to this file.")
def evaluate(gold_path: str, classifier_kind: str, errors: bool, json_out: str | None) -> None:
    """Score the learned model and the keyword baseline side by side on gold labels.

    Prints per-label precision, recall and F1, macro-F1 with a bootstrap 95%
    interval, relevance accuracy (any label vs none), the confusion of
    primary labels, the 教联体 sense accuracy, calibration (Brier score and
    expected calibration error per label: the scores are probabilities, and
    a label is assigned exactly when its score is at least 0.5), and the
    same figures on Traditional/pinyin items alone.

    Example: edualliance evaluate --gold dev.jsonl --model linear-2-75819c3790 --errors
    """
    from edualliance.models.evaluation import GoldError, full_report, read_gold
    from edualliance.models.keywords import KeywordClassifier

    try:
        items = read_gold(Path(gold_path))
    except GoldError as exc:
        raise click.ClickException(str(exc)) from exc
    model = make_classifier(classifier_kind if classifier_kind != "auto" else "model")
    classifiers = {"keywords": KeywordClassifier()} if isinstance(model, KeywordClassifier) else \
        {"model": model, "keywords": KeywordClassifier()}
    text, summary = full_report(items, classifiers, errors=errors)
    click.echo(text)
    if json_out:
        Path(json_out).write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


@click.command()
@click.option("--limit", default=20, show_default=True, help="Articles to show in this session.")
@click.option("--pool", default=2000, show_default=True,
              help="Most recently stored unlabeled articles scored to find the least certain.")
@click.option("--labeler", default=None, help="Your name, stored with each label. Default: login name.")
@classifier_option("Which classifier ranks and pre-labels the articles.")
@click.pass_context
def label(ctx: click.Context, limit: int, pool: int, labeler: str | None, classifier_kind: str) -> None:
    """Label the articles the model is least sure of, one at a time, in the terminal.

    Type the keys of the labels that apply (j g d u, several allowed, n for
    none), s to skip, q to stop; '# text' adds a note. Each answer is stored
    in the labels table at once (and the snapshot `sql` reads is published)
    and used by the next `edualliance train`. The database is open only to
    read the candidates and to store an answer, never while you read: a
    scheduled crawl runs meanwhile. An answer given while a crawl holds the
    database waits in a file next to it and is stored with the next answer
    (or by the next session).

    Example: edualliance label --limit 30 --labeler wang
    """
    import getpass

    from edualliance.models.database import PendingAnswers, label_loop

    classifier = make_classifier(classifier_kind)
    if labeler is None:
        try:
            labeler = getpass.getuser()
        except (KeyError, OSError):
            labeler = None
    from edualliance.pipeline.store import Store, StoreError

    path = db_path(ctx)
    pending = PendingAnswers(path.with_name(path.name + ".labels-pending.jsonl"))
    try:
        label_loop(lambda: Store(path), classifier, limit=limit, pool=pool, labeler=labeler, echo=click.echo,
                   prompt=lambda text, default: click.prompt(text, default=default, show_default=True),
                   pending=pending)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command()
@classifier_option("Which classifier writes the labels.")
@click.pass_context
def reclassify(ctx: click.Context, classifier_kind: str) -> None:
    """Label every stored article with the current model; earlier versions' labels are kept.

    Rows in classifications are keyed by model version, so the new
    version's labels sit next to the old ones (current_classifications
    shows each article's newest).

    Example: edualliance reclassify
    """
    from edualliance.models.database import reclassify as run_reclassify

    classifier = make_classifier(classifier_kind)
    with open_store(ctx) as store:
        run_id, counts = run_reclassify(
            store, classifier, progress=lambda done, total: err(f"… {done}/{total} articles"))
    click.echo(f"run {run_id}: {counts['articles']} articles labeled by {counts['model_version']}:"
               f" {json.dumps(counts['labels'], ensure_ascii=False, sort_keys=True)}")


@click.group()
def models() -> None:
    """List the installed model versions, or choose the one the research views read.

    Example: edualliance models list
    """


@models.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines.")
@click.pass_context
def models_list(ctx: click.Context, as_json: bool) -> None:
    """Model versions: installed (shipped or trained) and those with labels in the database.

    The chosen version (`edualliance models use`) is marked with *; without
    a choice the research views read each article's most recent version.

    Example: edualliance models list --json
    """
    from edualliance.models import registry

    from .options import selected_model

    chosen = selected_model(ctx)
    in_db: dict[str, tuple[int, object]] = {}
    try:
        from .options import open_snapshot as _open

        with _open(ctx) as store:
            in_db = {version: (articles, last) for version, articles, last in store.model_versions()}
    except click.ClickException:
        pass
    rows = []
    for entry in registry.list_models():
        cv = (entry.card.get("cross_validation") or {}).get("macro_f1")
        rows.append({"version": entry.version, "origin": entry.origin, "created_at": entry.created_at,
                     "cv_macro_f1": cv, "articles_in_db": in_db.pop(entry.version, (0, None))[0],
                     "path": str(entry.path), "chosen": entry.version == chosen})
    for version, (articles, _) in in_db.items():  # rows of models not installed here (e.g. keywords-1)
        rows.append({"version": version, "origin": "database only", "created_at": None, "cv_macro_f1": None,
                     "articles_in_db": articles, "path": None, "chosen": version == chosen})
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    click.echo(f"  {'version':<22} {'origin':<14} {'created':<26} {'CV macro-F1':>11} {'articles':>9}")
    for row in rows:
        cv = f"{row['cv_macro_f1']:.3f}" if row["cv_macro_f1"] is not None else "-"
        click.echo(f"{'*' if row['chosen'] else ' '} {row['version']:<22} {row['origin']:<14}"
                   f" {row['created_at'] or '-':<26} {cv:>11} {row['articles_in_db']:>9}")
    if chosen is None:
        click.echo("no version chosen: the research views read each article's most recent version", err=True)


@models.command("use")
@click.argument("version")
@click.pass_context
def models_use(ctx: click.Context, version: str) -> None:
    """Make VERSION the model version the research views, the digest and the default classifier use.

    Rows of other versions stay in the classifications table. VERSION is one
    of `edualliance models list` (keywords for the rule baseline). Articles
    the version has not classified yet show no labels in the views until
    `edualliance reclassify --model VERSION`.

    Example: edualliance models use linear-2-75819c3790
    """
    import getpass

    from edualliance.models import registry
    from edualliance.models.keywords import MODEL_VERSION as KEYWORDS_VERSION

    if version in registry.KEYWORDS:
        version = KEYWORDS_VERSION
    installed = {entry.version for entry in registry.list_models()}
    with open_store(ctx) as store:
        known = {row[0] for row in store.model_versions()}
        if version not in installed | known | {KEYWORDS_VERSION}:
            raise click.ClickException(
                f"no model version {version!r}: installed {', '.join(sorted(installed)) or 'none'};"
                f" in the database {', '.join(sorted(known)) or 'none'}")
        try:
            chosen_by = getpass.getuser()
        except (KeyError, OSError):
            chosen_by = None
        store.choose_model(version, chosen_by)
        missing = store.articles_without_version(version)
        store.publish_snapshot()
    click.echo(f"the research views and the digest now read {version}")
    if missing:
        click.echo(f"edualliance: {missing} stored articles have no labels of {version}: run"
                   f" `edualliance reclassify --model {version}` to label them", err=True)


COMMANDS = (classify, train, evaluate, label, reclassify, models)
