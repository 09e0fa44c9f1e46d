"""Policy diffusion: when each province (or city) first reported a reform model.

A region "reports" a model when an article about that region carries the
model's label (the model version the research views read, any label, not
only the primary one); its first report is the earliest such article's
publication time.

教联体 has two senses (docs/taxonomy.md). By default its diffusion is that of
the school-alliance sense (the reform model); ``sense`` chooses the
家校社协同育人 sense (``home_school_society``) or both (``all``), and every
output says which sense it counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .charts import COLOURS, diffusion_chart, esc
from .records import LABELS
from .tables import markdown_text
from .store import Store

LEVELS = ("province", "city")
#: --sense values: the school-alliance sense is the default count of the reform model.
SENSES = ("school_alliance", "home_school_society", "all")
DEFAULT_SENSE = "school_alliance"


def sense_note(label: str, sense: str | None) -> str:
    """The sentence an output carries about which 教联体 sense it counts ('' for other labels)."""
    if label != "jiaolianti":
        return ""
    sense = sense or DEFAULT_SENSE
    if sense == "school_alliance":
        return ("Counts 教联体 in its school-alliance sense only; the 家校社协同育人 sense"
                " (home_school_society) is left out (--sense home_school_society or all to see it).")
    if sense == "home_school_society":
        return "Counts 教联体 in its 家校社协同育人 sense (home_school_society) only."
    return "Counts 教联体 in both senses together (school alliance and 家校社协同育人)."


@dataclass(frozen=True)
class FirstReport:
    province: str
    city: str | None
    first_published: datetime
    stories: int
    title: str | None
    outlet: str | None

    @property
    def region(self) -> str:
        return f"{self.province} {self.city}" if self.city else self.province


def first_reports(store: Store, label: str, level: str = "province", sense: str | None = None) -> list[FirstReport]:
    """First reports of ``label`` per region; ``sense`` (jiaolianti only) as in SENSES, default school_alliance."""
    if label not in LABELS:
        raise ValueError(f"unknown label {label!r}; choose one of {', '.join(LABELS)}")
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; choose province or city")
    if sense not in (None, *SENSES):
        raise ValueError(f"unknown sense {sense!r}; choose one of {', '.join(SENSES)}")
    if label != "jiaolianti" or sense in (None, DEFAULT_SENSE):
        return [FirstReport(*row) for row in store.diffusion(label, level)]
    return [FirstReport(*row) for row in store.diffusion(label, level, sense)]


def _suffix(label: str, sense: str | None) -> str:
    return f"-{sense}" if label == "jiaolianti" and sense not in (None, DEFAULT_SENSE) else ""


def chart(reports: list[FirstReport], label: str, level: str) -> str:
    return diffusion_chart(
        [(r.first_published, r.city or r.province) for r in reports],
        title=f"{label}: {level}s reporting it for the first time (cumulative)",
        colour=COLOURS[label],
    )


def markdown(reports: list[FirstReport], label: str, level: str, sense: str | None = None) -> str:
    note = sense_note(label, sense)
    lines = [f"# Diffusion of {label} by {level}", "",
             f"{len(reports)} {level}s have reported {label}." + (f" {note}" if note else ""), "",
             "| # | first report | region | stories | first article | outlet |", "|---:|---|---|---:|---|---|"]
    for n, r in enumerate(reports, 1):
        lines.append(f"| {n} | {r.first_published:%Y-%m-%d} | {markdown_text(r.region)} | {r.stories} |"
                     f" {markdown_text(r.title)} | {markdown_text(r.outlet)} |")
    return "\n".join(lines) + "\n"


def html(reports: list[FirstReport], label: str, level: str, sense: str | None = None) -> str:
    note = sense_note(label, sense)
    rows = "\n".join(
        f"<tr><td>{n}</td><td>{r.first_published:%Y-%m-%d}</td><td>{esc(r.region)}</td>"
        f"<td>{r.stories}</td><td>{esc(r.title or '')}</td><td>{esc(r.outlet or '')}</td></tr>"
        for n, r in enumerate(reports, 1)
    )
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-Hans\"><head><meta charset=\"utf-8\">"
        f"<title>Diffusion of {esc(label)} by {esc(level)}</title>"
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem}</style>"
        f"</head><body><h1>Diffusion of {esc(label)} by {esc(level)}</h1>\n"
        + (f"<p>{esc(note)}</p>\n" if note else "") +
        f"{chart(reports, label, level)}\n"
        "<table><tr><th>#</th><th>first report</th><th>region</th><th>stories</th><th>first article</th>"
        f"<th>outlet</th></tr>\n{rows}\n</table></body></html>\n"
    )


def write_diffusion(store: Store, label: str, out_dir: Path, level: str = "province",
                    sense: str | None = None) -> list[Path]:
    """diffusion-<label>-<level>[-<sense>].md, .svg and .html (self-contained) in ``out_dir``."""
    reports = first_reports(store, label, level, sense)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"diffusion-{label}-{level}{_suffix(label, sense)}"
    paths = [stem.with_suffix(".md"), stem.with_suffix(".svg"), stem.with_suffix(".html")]
    paths[0].write_text(markdown(reports, label, level, sense), encoding="utf-8")
    paths[1].write_text(chart(reports, label, level), encoding="utf-8")
    paths[2].write_text(html(reports, label, level, sense), encoding="utf-8")
    return paths

