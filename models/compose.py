"""Articles composed from the paragraph bank (corpus/training/paragraphs.jsonl).

Real articles discuss a second model in one paragraph, name others in a
list of the year's tasks, and arrive wrapped in the shell of the site that
reposted them (a portal's navigation, a document-sharing page's counters, a
forum thread's furniture, leftover HTML tags). The bank holds paragraphs
written for this project, each labeled on its own (docs/taxonomy.md):

* ``lead`` — an article's opening paragraph, with the article's ``title``;
  labeled with the models it discusses (``[]`` for a hard negative lead);
* ``support`` — a paragraph that discusses a model in substance: added to
  an article about another model, it adds its label (a secondary label);
* ``mention`` — a paragraph that only names models in an enumeration or a
  passing phrase: never a label;
* ``context`` — background, figures, quotes, boundary-case prose: no label.

:func:`composed_examples` deals the bank into articles with a fixed seed:
each paragraph is used once, so no paragraph is both trained and scored on
in one cross-validation fold; each article wears one site shell
(corpus/training/shells.json), which is also its cross-validation group.
Every paragraph is also a training unit of its own, labeled as in the bank:
the per-paragraph evidence is learned from them.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from edualliance.pipeline.records import LABELS, NONE_LABEL

from .examples import SENSES, Example, corpus_dir

BANK = "paragraphs.jsonl"
SHELLS = "shells.json"
ROLES = ("lead", "support", "mention", "context")
#: Fixed so that the composed corpus (and the training-data hash) is reproducible.
SEED = 13
#: How many support, mention and context paragraphs an article draws (cycled).
SUPPORT_DRAWS = (1, 0, 1, 2, 1, 0, 1)
MENTION_DRAWS = (1, 0, 0, 1, 0)
CONTEXT_DRAWS = (1, 2, 0, 1, 1, 2)


def read_bank(root: Path | None = None) -> tuple[list[dict], list[str]]:
    """The bank's records, checked; problems name the line and why it was skipped."""
    path = (root or corpus_dir()) / "training" / BANK
    if not path.exists():
        return [], []
    records: list[dict] = []
    problems: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            problems.append(f"{BANK}:{number}: not JSON ({exc})")
            continue
        where = f"{BANK}:{record.get('id', number)}"
        labels = record.get("labels")
        if not isinstance(record.get("text"), str) or not record["text"].strip():
            problems.append(f"{where}: no text")
        elif not isinstance(labels, list) or any(label not in LABELS for label in labels):
            problems.append(f"{where}: labels must be a list drawn from {LABELS}")
        elif record.get("role") not in ROLES:
            problems.append(f"{where}: role must be one of {ROLES}")
        elif record["role"] in ("mention", "context") and labels:
            problems.append(f"{where}: a {record['role']} paragraph carries no label")
        elif record.get("sense") not in (None, *SENSES):
            problems.append(f"{where}: sense must be one of {SENSES}")
        else:
            records.append(record)
    return records, problems


def read_shells(root: Path | None = None) -> dict[str, dict]:
    path = (root or corpus_dir()) / "training" / SHELLS
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _wrap(style: str, shell: dict, title: str, paragraphs: list[str], rng: random.Random) -> str:
    """The article as the site shows it: header lines, title, paragraphs, footer lines."""
    body = list(paragraphs)
    if shell.get("markup"):
        tag = rng.choice(shell["markup"])
        body = [tag.replace("{}", p) for p in body]
        title = f"<h1>{title}</h1>"
    lines = [*rng.choice(shell.get("headers", [[]])), title, *rng.choice(shell.get("meta", [[]])), *body,
             *rng.choice(shell.get("footers", [[]]))]
    return "\n".join(line for line in lines if line)


def _sense_of(parts: list[dict]) -> str | None:
    for part in parts:
        if "jiaolianti" in part["labels"] and part.get("sense"):
            return part["sense"]
    return None


def composed_examples(root: Path | None = None) -> tuple[list[Example], list[str]]:
    """Composed articles and their paragraph units (see the module docstring)."""
    from edualliance.pipeline.normalize import normalize

    records, problems = read_bank(root)
    shells = read_shells(root)
    if not records or not shells:
        return [], problems
    rng = random.Random(SEED)
    pools = {role: [r for r in records if r["role"] == role] for role in ROLES}
    for pool in pools.values():
        rng.shuffle(pool)
    styles = sorted(shells)
    examples: list[Example] = []
    for number, lead in enumerate(pools["lead"]):
        chosen = [lead]
        lead_labels = set(lead["labels"])
        # A hard-negative lead stays a negative article: no support paragraphs.
        for _ in range(SUPPORT_DRAWS[number % len(SUPPORT_DRAWS)] if lead_labels else 0):
            pick = next((r for r in pools["support"] if set(r["labels"]) - lead_labels), None)
            if pick is not None:
                pools["support"].remove(pick)
                chosen.append(pick)
        for role, draws in (("mention", MENTION_DRAWS), ("context", CONTEXT_DRAWS)):
            for _ in range(draws[number % len(draws)]):
                if pools[role]:
                    chosen.append(pools[role].pop())
        rest = chosen[1:]
        rng.shuffle(rest)
        parts = [lead, *rest]
        style = styles[number % len(styles)]
        article_id = f"compose:{lead['id']}"
        text = _wrap(style, shells[style], lead.get("title", ""), [p["text"] for p in parts], rng)
        labels = tuple(label for label in LABELS if any(label in p["labels"] for p in parts))
        primary = lead.get("primary") or (lead["labels"][0] if lead["labels"] else
                                          (labels[0] if labels else NONE_LABEL))
        normalized, script = normalize(text)
        examples.append(Example(
            title=None, text=normalized, labels=labels, primary=primary if labels else NONE_LABEL,
            sense=_sense_of(parts) if "jiaolianti" in labels else None, origin=article_id, script=script,
            style=f"shell-{style}", article=article_id,
            extra={"composed_of": [p["id"] for p in parts]},
        ))
        for part in parts:
            unit_labels = tuple(label for label in LABELS if label in part["labels"])
            unit_text, unit_script = normalize(part["text"])
            examples.append(Example(
                title=None, text=unit_text, labels=unit_labels,
                primary=(part.get("primary") or unit_labels[0]) if unit_labels else NONE_LABEL,
                sense=part.get("sense") if "jiaolianti" in unit_labels else None,
                origin=f"bank:{part['id']}", script=unit_script, style=f"shell-{style}", unit=True,
                article=article_id,
            ))
    for role in ("support", "mention", "context"):
        for part in pools[role]:  # left over after dealing: units of their own
            unit_labels = tuple(label for label in LABELS if label in part["labels"])
            unit_text, unit_script = normalize(part["text"])
            examples.append(Example(
                title=None, text=unit_text, labels=unit_labels,
                primary=(part.get("primary") or unit_labels[0]) if unit_labels else NONE_LABEL,
                sense=part.get("sense") if "jiaolianti" in unit_labels else None,
                origin=f"bank:{part['id']}", script=unit_script, style="bank-paragraph", unit=True,
                article=f"bank:{part['id']}",
            ))
    return examples, problems
