"""A crawl run's report as text: the per-source count table, its flags and notes.

What `edualliance crawl` and `edualliance run` print at the end of a run
(the same counts are in the run's ``runs`` row).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the report is all this module needs; run.py pulls in the sink
    from .run import CrawlReport

#: The per-source counts shown, in this order (headed with dashes for underscores).
COLUMNS = ("listed", "fetched", "new", "updated", "off_topic", "not_modified", "skipped_known", "errors")


def report_table(report: CrawlReport) -> list[str]:
    """One header line, then one line per source with its counts right-aligned under the heads."""
    per_source = report.counts["sources"]
    width = max([len("source")] + [len(n) for n in per_source])
    heads = [c.replace("_", "-") for c in COLUMNS]
    lines = [f"{'source':<{width}}  " + "  ".join(heads)]
    for name, counts in per_source.items():
        lines.append(f"{name:<{width}}  "
                     + "  ".join(f"{counts.get(c, 0):>{len(h)}}" for c, h in zip(COLUMNS, heads)))
    return lines


def report_notes(report: CrawlReport) -> list[str]:
    """The run's flags ("FLAG: …", e.g. a source gone silent), then per-source notes not already flagged."""
    notes = [f"FLAG: {flag}" for flag in report.flags]
    for name, counts in report.counts["sources"].items():
        for flag in counts.get("flags", []):
            if flag not in report.flags:
                notes.append(f"note: {name}: {flag}")
    return notes
