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
        "scikit-learn Pipeline built by `edualliance.models.build.build_pipeline`: prose",
        "extraction (HTML markup, navigation, link lists, teaser lists and document-sharing/forum",
        "shells dropped; Traditional script and pinyin annotations normalized) → word TF-IDF over",
        "jieba tokens with the domain dictionary, character n-gram TF-IDF and counts of the",
        "taxonomy's patterns → one calibrated linear SVM per output (four labels, relevance, two",
        "教联体 senses). Trained on whole texts and on paragraphs labeled one by one; an article is",
        "scored whole and paragraph by paragraph, and a label's score is the highest (a model",
        "discussed in one paragraph is a label). 教联体 needs its name in the text. A school-alliance",
        "教联体 text with two or more sentences that join it with town and country schools, or a 学区",
        "text with four, scores urban_rural at least as high as that model (`scoring.AIM_RULES`).",
        "",
        "**Scores and decisions.** Each unit's probability is rescaled so that the label's",
        "cross-validated threshold maps to 0.5 (piecewise linear, monotone); the article's score is",
        "then recalibrated per label on out-of-fold article scores: a threshold chosen for F1 is",
        "mapped to 0.5 again and a temperature (one slope in logit space, which keeps 0.5 at 0.5) is",
        "fitted for log loss (`calibration` below). A label is assigned **exactly** when its",
        "published score (rounded to 4 digits) is at least 0.5. Saved with skops; loaded only with",
        "an explicit list of trusted types.",
        "",
        f"- created: {card.get('created_at', '?')}",
        f"- family: {card.get('family', '?')}",
        f"- parameters: `{card.get('params', {})}`",
        f"- unit thresholds (mapped to 0.5): `{card.get('thresholds', {})}`",
        f"- article calibration (threshold on the rescaled score, slope): `{card.get('calibration', {})}`",
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
        f"- articles: {data.get('articles', '?')}; paragraph units: {data.get('paragraph_units', 0)}",
        f"- by script: `{data.get('by_script', {})}`",
        f"- by text style (the cross-validation groups): `{data.get('by_style', {})}`",
        "",
        "## Cross-validated figures (training corpus)",
        "",
    ]
    cv = card.get("cross_validation")
    if not cv:
        lines.append("Not computed for this model (trained with `--no-cv`).")
    else:
        lines += [
            f"{cv['folds']}-fold, grouped by text style (a fold holds out whole genres and site shells, so each"
            f" text is scored by a model that saw no text of its style); article calibration fitted on the"
            f" other styles ({cv['n']} articles; paragraph units are trained on, not scored).",
            "",
            "| label | precision | recall | F1 | support |",
            "|---|---|---|---|---|",
        ]
        for label in LABELS:
            m = cv["per_label"][label]
            lines.append(f"| {label} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {int(m['support'])} |")
        ci = cv.get("macro_f1_ci95")
        lines += [
            "",
            f"- macro-F1: **{cv['macro_f1']:.3f}**"
            + (f" (bootstrap 95% interval {ci[0]:.3f}–{ci[1]:.3f})" if ci else ""),
            f"- relevance accuracy (any label vs none): {cv['relevance_accuracy']:.3f}",
            f"- primary-label accuracy: {cv['primary_accuracy']:.3f}",
            f"- exact label-set match: {cv['exact_match']:.3f}",
            f"- 教联体 sense accuracy: {cv['sense_accuracy']} (on {cv['sense_support']} texts)",
        ]
        if cv.get("calibration"):
            lines += ["", "| label | Brier score | expected calibration error |", "|---|---|---|"]
            for label in LABELS:
                c = cv["calibration"][label]
                lines.append(f"| {label} | {c['brier']:.4f} | {c['ece']:.4f} |")
    gold = card.get("evaluation")
    if gold:
        lines += ["", f"## Measured on real texts: `{gold['file']}` ({gold['all']['n']} texts)", "",
                  "Never trained on. Its errors were read, in kind, before the training texts of"
                  " texts_real.jsonl, texts_general.jsonl, texts_hard.jsonl and the paragraph bank were"
                  " written (and for texts_extra.jsonl, by an earlier engineer, and for the briefs of"
                  " texts_writers_recall.jsonl, texts_writers_plain.jsonl and texts_writers_topic.jsonl);"
                  " the writers of every texts_writers*.jsonl file saw the taxonomy and a brief only. No setting"
                  " was chosen on it. Sites unlike it may score lower."
                  + (f" Note: {gold['note']}." if gold.get("note") else ""), "",
                  "| | this model | keyword baseline |", "|---|---|---|"]
        base = gold.get("baseline", {})
        for label in LABELS:
            lines.append(f"| {label} F1 | {gold['all']['per_label'][label]['f1']:.3f} |"
                         f" {base.get('per_label', {}).get(label, {}).get('f1', float('nan')):.3f} |")
        for key, title in (("macro_f1", "macro-F1"), ("relevance_accuracy", "relevance accuracy"),
                           ("primary_accuracy", "primary accuracy"), ("exact_match", "exact label-set match")):
            lines.append(f"| {title} | {gold['all'][key]:.3f} | {base.get(key, float('nan')):.3f} |")

        def interval(figures: dict) -> str:
            ci = figures.get("macro_f1_ci95")
            return f"{ci[0]:.3f}–{ci[1]:.3f}" if ci else "n/a"

        lines.append(f"| macro-F1 bootstrap 95% interval | {interval(gold['all'])} | {interval(base)} |")
        for label in LABELS:
            mine = gold["all"].get("calibration", {}).get(label)
            theirs = base.get("calibration", {}).get(label)
            if mine:
                lines.append(f"| {label} Brier / ECE | {mine['brier']:.3f} / {mine['ece']:.3f} |"
                             + (f" {theirs['brier']:.3f} / {theirs['ece']:.3f} |" if theirs else " n/a |"))
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
        "mention a model in one sentence are the hardest cases. The style-grouped figures above",
        "flatter the model (its folds share writers): on text by a writer it has not seen, expect",
        "what `python bench/cv_classify.py --by-round` (each writing round scored by a model of the",
        "earlier ones) and `python bench/eval_classify.py bench/classify_holdout3.jsonl` (long",
        "pages by a writer held out of training; `classify_holdout4.jsonl`, short items by another;",
        "`classify_holdout.jsonl` and `classify_holdout2.jsonl`, four more) report.",
        "",
    ]
    return "\n".join(lines)
