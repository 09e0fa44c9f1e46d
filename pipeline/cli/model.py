"""Commands about the classifier: classify, train, evaluate, label, reclassify.

The classifier itself lives in models/ (issue 4); these commands read
options, call it and print its figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from .options import classifier_option, db_path, err, open_store


@click.command()
@click.argument("source", default="-", type=click.File("r", encoding="utf-8"))
@click.option("--explain", is_flag=True, help="Add the terms that drove each label.")
@classifier_option("Which classifier to use.")
def classify(source, explain: bool, classifier_kind: str) -> None:
    """Label JSON Lines records ({"text": …, "id"?, "title"?}) with the reform models.

    Each record is written back with labels (list), primary (a label or
    "none") and scores (label → probability). Raw page text is fine:
    navigation, link lists and Traditional script are handled.

    Example: edualliance extract page.html | edualliance classify --explain
    """
    from edualliance.models.loader import load_classifier
    from edualliance.pipeline.normalize import normalize

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
            err(f"{getattr(source, 'name', '-')}:{number}: not a JSON record with text ({exc})")
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


@click.command()
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
    target = Path(out_dir) if out_dir else clf.artifacts_dir()
    click.echo(f"training on {len(examples)} examples …", err=True)
    card = training.train(examples, target, cv=cv, problems=problems, progress=lambda m: err(m),
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


@click.command()
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
    with open_store(ctx) as store:
        try:
            label_loop(store, classifier, limit=limit, pool=pool, labeler=labeler, echo=click.echo,
                       prompt=lambda text, default: click.prompt(text, default=default, show_default=True))
        finally:  # Ctrl-C included: the labels given so far are stored, and readers should see them
            store.publish_snapshot()


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
    from edualliance.models.loader import load_classifier

    classifier = load_classifier(classifier_kind)
    with open_store(ctx) as store:
        run_id, counts = run_reclassify(
            store, classifier, progress=lambda done, total: err(f"… {done}/{total} articles"))
    click.echo(f"run {run_id}: {counts['articles']} articles labeled by {counts['model_version']}:"
               f" {json.dumps(counts['labels'], ensure_ascii=False, sort_keys=True)}")


COMMANDS = (classify, train, evaluate, label, reclassify)
