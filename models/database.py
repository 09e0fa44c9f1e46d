"""What the classifier does with the corpus database: reclassify, and the labeling loop."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np

from edualliance.pipeline.records import LABELS, NONE_LABEL

#: Keys of the labeling prompt.
KEYS = {"j": "jiaolianti", "g": "group_run", "d": "district_community", "u": "urban_rural"}
SENSE_KEYS = {"a": "school_alliance", "h": "home_school_society"}
PROMPT = "labels: j=jiaolianti g=group_run d=district_community u=urban_rural n=none (s=skip q=quit; '# note' after)"
#: Characters of text shown per article.
SHOW_CHARS = 700


def reclassify(store, classifier, *, batch: int = 200,
               progress: Callable[[int, int], None] = lambda done, total: None) -> tuple[int, dict]:
    """Label every stored article with ``classifier``'s version; other versions' rows stay.

    Returns (run id, counts). Each batch is written in one transaction.
    """
    run_id = store.start_run("reclassify")
    counts: dict = {"articles": 0, "model_version": classifier.version, "labels": {}}
    primaries: Counter = Counter()
    status = "failed"
    try:
        total = store.article_count()
        after = None
        while chunk := store.articles_for_classification(after, batch):
            after = chunk[-1][0]
            verdicts = classifier.classify([(title, text) for _, title, text in chunk])
            with store.transaction():
                store.save_classifications([(article_id, v) for (article_id, _, _), v in zip(chunk, verdicts)])
            primaries.update(v.primary for v in verdicts)
            counts["articles"] += len(chunk)
            progress(counts["articles"], total)
        status = "finished"
    finally:
        counts["labels"] = dict(primaries)
        store.finish_run(run_id, status, counts)
    return run_id, counts


def uncertainty(classifier, items) -> np.ndarray:
    """1 at a decision boundary, 0 far from all: the learned model's own, or from the scores."""
    if hasattr(classifier, "uncertainty"):
        return classifier.uncertainty(items)
    verdicts = classifier.classify(items)
    return np.array([1.0 - min(abs(v.scores.get(label, 0.0) - 0.5) for label in LABELS) * 2 for v in verdicts])


def most_uncertain(store, classifier, limit: int, pool: int) -> list[tuple[str, str | None, str, float]]:
    """(article_id, title, text, uncertainty) of unlabeled articles, least certain first.

    ``pool`` bounds how many recently stored unlabeled articles are scored.
    """
    return rank_uncertain(store.unlabeled_articles(pool), classifier, limit)


def rank_uncertain(candidates, classifier, limit: int) -> list[tuple[str, str | None, str, float]]:
    """The ``limit`` least certain of (article_id, title, text) candidates, with their uncertainty."""
    if not candidates:
        return []
    scores = uncertainty(classifier, [(title, text) for _, title, text in candidates])
    order = np.argsort(-scores, kind="stable")[:limit]
    return [(*candidates[i], float(scores[i])) for i in order]


class Quit(Exception):
    pass


def parse_labels(answer: str) -> tuple[tuple[str, ...] | None, str | None]:
    """'g d # note' → ((group_run, district_community), 'note'); None labels for skip."""
    answer, _, note = answer.partition("#")
    keys = answer.replace(",", " ").replace(" ", "").lower()
    note = note.strip() or None
    if keys in ("q", "quit"):
        raise Quit
    if keys in ("s", "skip", ""):
        return None, note
    if keys in ("n", "none"):
        return (), note
    if any(k not in KEYS for k in keys):
        raise ValueError(f"unknown key in {answer.strip()!r}: use {', '.join(KEYS)} or n, s, q")
    chosen = {KEYS[k] for k in keys}
    return tuple(label for label in LABELS if label in chosen), note


#: How long an answer waits for the database when a run holds it, before it is
#: kept in the pending file (and stored at the next answer or session).
SAVE_WAIT_SECONDS = 2.0


class PendingAnswers:
    """Answers not yet stored because another process (a crawl) held the database.

    Kept in a JSON Lines file next to the database, so that an answer given
    while a crawl runs is never lost: each later save, and the next ``label``
    session, stores them first.
    """

    def __init__(self, path) -> None:
        from pathlib import Path

        self.path = Path(path)

    def add(self, answer: dict) -> None:
        import json

        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(answer, ensure_ascii=False) + "\n")

    def read(self) -> list[dict]:
        import json

        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:  # a line cut by a crash: nothing to store
                continue
        return out

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def store_answers(open_store, answers: list[dict], pending: PendingAnswers, *,
                  wait: float = SAVE_WAIT_SECONDS) -> bool:
    """Store the pending answers and ``answers`` in one short write; True if stored.

    When the database is held by another process, retry for ``wait`` seconds,
    then keep the answers in ``pending`` and return False.
    """
    import time

    from edualliance.pipeline.store import StoreError

    waiting = pending.read() + answers
    if not waiting:
        return True
    deadline = time.monotonic() + wait
    while True:
        try:
            with open_store() as store:
                with store.transaction():
                    for a in waiting:
                        store.save_label(a["article_id"], a["labels"], a["primary"], a["sense"], a["labeler"],
                                         a["model_version"], a["note"])
            pending.clear()
            return True
        except StoreError:
            if time.monotonic() >= deadline:
                for a in answers:
                    pending.add(a)
                return False
            time.sleep(0.2)


def publish(open_store, echo: Callable[[str], None]) -> None:
    """Publish the snapshot so that readers see the new labels (skipped, with a note, while a run holds
    the database: that run publishes when it ends)."""
    from edualliance.pipeline.store import StoreError

    try:
        with open_store() as store:
            store.publish_snapshot()
    except StoreError:
        echo("the database is busy: the snapshot `sql` reads shows the new labels after the running job")


def label_loop(open_store, classifier, *, limit: int, pool: int, labeler: str | None,
               echo: Callable[[str], None], prompt: Callable[..., str], pending: PendingAnswers) -> Counter:
    """Show the least certain unlabeled articles one at a time; store each answer.

    ``open_store()`` opens the database for writing; it is called only to
    read the candidates at the start and to store each answer, so that while
    the researcher reads and thinks no lock is held and a scheduled crawl can
    run. An answer given while a crawl holds the database waits in
    ``pending`` (see PendingAnswers) and is stored with the next one.
    ``prompt(text, default=…)`` asks (click.prompt in the CLI). Returns counts
    of stored, skipped, waiting and the labels given.
    """
    done: Counter = Counter()
    quit_early = False
    if pending.read():
        count = len(pending.read())
        if store_answers(open_store, [], pending):
            echo(f"stored {count} answers left from an earlier session")
    with open_store() as store:
        candidates = store.unlabeled_articles(pool)
    queue = rank_uncertain(candidates, classifier, limit)  # scored with the database closed
    if not queue:
        echo("No unlabeled articles: ingest or crawl some first.")
        return done
    verdicts = classifier.classify([(title, text) for _, title, text, _ in queue])
    for number, ((article_id, title, text, doubt), verdict) in enumerate(zip(queue, verdicts), 1):
        answer = _ask(number, len(queue), article_id, title, text, doubt, verdict, classifier, echo, prompt)
        if answer is Quit:
            quit_early = True
            break
        if answer is None:
            done["skipped"] += 1
            continue
        answer["labeler"] = labeler
        answer["model_version"] = classifier.version
        if store_answers(open_store, [answer], pending):
            done["stored"] += 1
        else:
            done["waiting"] += 1
            echo("the database is busy (a crawl?): the answer waits and is stored with the next one")
        done[answer["primary"]] += 1
    if pending.read():
        if store_answers(open_store, [], pending, wait=10 * SAVE_WAIT_SECONDS):
            done["stored"] += done.pop("waiting", 0)
        else:
            echo(f"{len(pending.read())} answers wait in {pending.path}: the next `edualliance label` stores them")
    if done["stored"]:
        publish(open_store, echo)
    echo(f"{'stopped' if quit_early else 'done'}: {done['stored']} stored, {done['skipped']} skipped"
         + (f", {done['waiting']} waiting" if done.get("waiting") else ""))
    return done


def _ask(number, total, article_id, title, text, doubt, verdict, classifier, echo, prompt):
    """Show one article and read the researcher's answer: a dict, None (skip) or Quit."""
    echo("")
    echo(f"── {number}/{total}  article {article_id}  (uncertainty {doubt:.2f})")
    echo(f"title: {title or '(none)'}")
    shown = text if len(text) <= SHOW_CHARS else text[:SHOW_CHARS] + " …"
    echo(shown)
    guess = ", ".join(verdict.labels) or NONE_LABEL
    scores = " ".join(f"{label}={verdict.scores.get(label, 0):.2f}" for label in LABELS)
    echo(f"model {classifier.version}: {guess}" + (f" ({verdict.sense})" if verdict.sense else "")
         + f"  [{scores}]")
    for label, terms in verdict.evidence.items():
        if terms:
            echo(f"  {label}: {' '.join(terms)}")
    while True:
        try:
            labels, note = parse_labels(prompt(PROMPT, default="s"))
            break
        except ValueError as exc:
            echo(str(exc))
        except Quit:
            return Quit
    if labels is None:
        return None
    primary = labels[0] if labels else NONE_LABEL
    if len(labels) > 1:
        while True:
            answer = prompt(f"primary label ({'/'.join(k for k, v in KEYS.items() if v in labels)})",
                            default=next(k for k, v in KEYS.items() if v == labels[0])).strip().lower()
            if KEYS.get(answer) in labels:
                primary = KEYS[answer]
                break
            echo(f"choose one of the labels given: {', '.join(labels)}")
    sense = None
    if "jiaolianti" in labels:
        default = "h" if verdict.sense == "home_school_society" else "a"
        while True:
            answer = prompt("教联体 sense: a=school_alliance h=home_school_society", default=default)
            if answer.strip().lower() in SENSE_KEYS:
                sense = SENSE_KEYS[answer.strip().lower()]
                break
            echo("answer a or h")
    return {"article_id": article_id, "labels": list(labels), "primary": primary, "sense": sense, "note": note}
