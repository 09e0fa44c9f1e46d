"""The model card in Markdown, written next to the artifact from its JSON twin."""

from __future__ import annotations

from edualliance.pipeline.records import LABELS


def card_markdown(card: dict) -> str:
    data = card.get("training_data", {})
    lines = [
        f"# Model card: {card.get('version', '?')}",
        "",
        "Classifier of Chinese education texts into the four school-alliance reform models",
        "(`jiaolianti`, `group_run`, `district_community`, `urban_rural`; `none` when no model is",
        "substantively discussed) and the sense of 教联体 (`school_alliance` / `home_school_society`).",
        "Taxonomy and labeling rule: `docs/taxonomy.md`. Training data: `corpus/README.md`.",
        "",
        "## Model",
        "",
        "scikit-learn Pipeline built by `edualliance.models.classifier.build_pipeline`: prose",
        "extraction (navigation, link lists and teaser lists dropped; Traditional script and pinyin",
        "annotations normalized) → word TF-IDF over jieba tokens with the domain dictionary,",
        "character n-gram TF-IDF and counts of the taxonomy's patterns → one calibrated linear SVM",
        "per output (four labels, relevance gate, two 教联体 senses), thresholds chosen by",
        "cross-validation on the training data. Decisions: a label needs its threshold and the gate",
        "(or a probability of at least 0.5); a school-alliance 教联体 text whose prose discusses the",
        "urban–rural aim also gets `urban_rural` (docs/taxonomy.md). Saved with skops; loaded only",
        "with an explicit list of trusted types.",
        "",
        f"- created: {card.get('created_at', '?')}",
        f"- family: {card.get('family', '?')}",
        f"- parameters: `{card.get('params', {})}`",
        f"- thresholds: `{card.get('thresholds', {})}`",
        f"- training time (final fit): {card.get('training_seconds', '?')} s",
        f"- environment: `{card.get('environment', {})}`",
    ]
    artifact = card.get("artifact")
    if artifact:
        lines.append(f"- artifact: `{artifact['file']}`, {artifact['bytes']:,} bytes, sha256 `{artifact['sha256']}`")
    lines += [
        "",
        "## Training data",
        "",
        f"- sha256 of texts and labels: `{data.get('sha256', '?')}`",
        f"- examples: {data.get('examples', '?')} (weakly labeled: {data.get('weak', 0)};"
        f" unreadable lines skipped: {data.get('skipped_lines', 0)})",
        f"- by source: `{data.get('by_source', {})}`",
        f"- by label: `{data.get('by_label', {})}`",
        f"- by script: `{data.get('by_script', {})}`",
        "",
        "## Cross-validated figures (training corpus)",
        "",
    ]
    cv = card.get("cross_validation")
    if not cv:
        lines.append("Not computed for this model (trained with `--no-cv`).")
    else:
        lines += [
            f"{cv['folds']}-fold, stratified by primary label; each text scored by a model that did not see it"
            f" ({cv['n']} texts).",
            "",
            "| label | precision | recall | F1 | support |",
            "|---|---|---|---|---|",
        ]
        for label in LABELS:
            m = cv["per_label"][label]
            lines.append(f"| {label} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {int(m['support'])} |")
        lines += [
            "",
            f"- macro-F1: **{cv['macro_f1']:.3f}**",
            f"- relevance accuracy (any label vs none): {cv['relevance_accuracy']:.3f}",
            f"- primary-label accuracy: {cv['primary_accuracy']:.3f}",
            f"- exact label-set match: {cv['exact_match']:.3f}",
            f"- 教联体 sense accuracy: {cv['sense_accuracy']} (on {cv['sense_support']} texts)",
        ]
    gold = card.get("evaluation")
    if gold:
        lines += ["", f"## Measured on real texts: `{gold['file']}` ({gold['all']['n']} texts)", "",
                  "Never trained on. Its errors were studied while the features, decisions and the kinds of"
                  " training text in texts_extra.jsonl were chosen, so these figures are optimistic for"
                  " sites the model has not seen.", "",
                  "| | this model | keyword baseline |", "|---|---|---|"]
        base = gold.get("baseline", {})
        for label in LABELS:
            lines.append(f"| {label} F1 | {gold['all']['per_label'][label]['f1']:.3f} |"
                         f" {base.get('per_label', {}).get(label, {}).get('f1', float('nan')):.3f} |")
        for key, title in (("macro_f1", "macro-F1"), ("relevance_accuracy", "relevance accuracy"),
                           ("primary_accuracy", "primary accuracy")):
            lines.append(f"| {title} | {gold['all'][key]:.3f} | {base.get(key, float('nan')):.3f} |")
        lines.append(f"| 教联体 sense accuracy | {gold['all']['sense_accuracy']} | {base.get('sense_accuracy')} |")
        if gold.get("traditional_pinyin"):
            tp = gold["traditional_pinyin"]
            lines.append(f"| Traditional/pinyin items ({tp['n']}): macro-F1 | {tp['macro_f1']:.3f} |"
                         f" {gold.get('baseline_traditional_pinyin', {}).get('macro_f1', float('nan')):.3f} |")
    lines += [
        "",
        "## Intended use and limits",
        "",
        "For sorting and counting a research corpus, with researchers checking samples",
        "(`edualliance label` shows the texts the model is least sure of). The training texts were",
        "written for this project (see corpus/README.md); figures on real web text are measured",
        "separately with `edualliance evaluate --gold FILE.jsonl`. Short teasers and texts that",
        "mention a model in one sentence are the hardest cases.",
        "",
    ]
    return "\n".join(lines)
