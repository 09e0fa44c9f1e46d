"""The digest archive's files: one week's digest written through ``pipeline/digest/``, and
the archive's index page and Atom feed. Every file is replaced atomically, so a web
server publishing the archive serves the old file or the new one, never half."""

from __future__ import annotations

import os
import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .charts import esc
from .records import LABELS

#: Weeks listed in feed.xml, newest first (two years; the index lists all).
FEED_WEEKS = 104


# -- the digest files: the one place that calls pipeline/digest/ -------------------------------


def write_week_files(snapshot, week_start: date, languages: tuple[str, ...], folder: Path
                     ) -> dict[str, tuple[Path, Path]]:
    """Write the digest of one week into ``folder``; language → (Markdown, HTML) written.

    Adapter over the digest API (``pipeline/digest/``): per language its
    Markdown, its HTML (inline SVG charts, a link to the other language) and
    the charts as PNG beside them (``digest-W.<lang>.<chart>.png``), which the
    mail attaches inline in place of the SVG.
    """
    from .digest import build_digest, digest_stem, render_html, render_markdown
    from .digest.images import chart_pngs

    digest = build_digest(snapshot, week_start)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, tuple[Path, Path]] = {}
    for language in languages:
        stem = digest_stem(digest.name, language)
        others = [other for other in languages if other != language]
        other_href = f"{digest_stem(digest.name, others[0])}.html" if others else None
        md_path, html_path = folder / f"{stem}.md", folder / f"{stem}.html"
        for chart, png in chart_pngs(digest, language).items():
            _write_atomic_bytes(folder / f"{stem}.{chart}.png", png)
        _write_atomic(md_path, render_markdown(digest, language))
        _write_atomic(html_path, render_html(digest, language, other_lang_href=other_href))
        written[language] = (md_path, html_path)
    return written


def _write_atomic(path: Path, text: str) -> None:
    """Readers (a web server publishing the archive) see the old file or the new one, never half."""
    _write_atomic_bytes(path, text.encode("utf-8"))


def _write_atomic_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# -- index page and feed --------------------------------------------------------------------

_CSS = """
body{font-family:'Noto Sans CJK SC','WenQuanYi Zen Hei','Microsoft YaHei',sans-serif;max-width:62rem;
margin:1.5rem auto;padding:0 1rem;color:#222;line-height:1.45}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;vertical-align:top}
td.n{text-align:right}.revised{color:#a40}.muted{color:#666}
"""


def _stamp(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.replace(tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _links(record: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """(label, href) of a week's files: 'HTML', 'Markdown' or per language 'zh HTML', …"""
    out = []
    for name in record["files"]:
        base = name.rsplit("/", 1)[-1]
        stem, _, suffix = base.rpartition(".")
        language = stem.rpartition(".")[2] if stem.count(".") else ""
        kind = "HTML" if suffix == "html" else "Markdown" if suffix == "md" else suffix
        out.append(((f"{language} " if language else "") + kind, prefix + name))
    return out


def write_index(out: Path, records: list[dict[str, Any]], mails: dict[tuple[str, str], int]) -> Path:
    """index.html: every digest in the archive, newest first, revisions marked with what changed."""
    rows = []
    for r in sorted(records, key=lambda r: r["week_start"], reverse=True):
        c = r["counts"]
        end = r["week_start"] + timedelta(days=6)
        labels = "".join(f"<td class=n>{c['labels'].get(label, {}).get('stories', 0)}</td>" for label in LABELS)
        links = " · ".join(f'<a href="{esc(href)}">{esc(text)}</a>' for text, href in _links(r))
        status = ""
        if r["revision"]:
            status = (f'<div class=revised>revised {r["revision"]}× (latest {_stamp(r["revised_at"])[:10]}):'
                      f' {esc(r["changes"] or "")}</div>')
        sent, failed = mails.get((r["week"], "sent"), 0), mails.get((r["week"], "failed"), 0)
        pending = mails.get((r["week"], "pending"), 0)
        mailed = f"{sent} sent" + (f", {failed} failed" if failed else "") + (f", {pending} queued" if pending else "")
        rows.append(f"<tr><td><b>{esc(r['week'])}</b><div class=muted>{r['week_start']:%m-%d}–{end:%m-%d}</div>"
                    f"{status}</td><td class=n>{c['stories']}</td><td class=n>{c['articles']}</td>{labels}"
                    f"<td>{links}</td><td class=muted>{esc(mailed)}</td></tr>")
    heads = "".join(f"<th>{esc(label)}</th>" for label in LABELS)
    html = "\n".join([
        "<!DOCTYPE html>", '<html lang="zh-Hans"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>edualliance policy-trend digests</title><style>{_CSS}</style>",
        '<link rel="alternate" type="application/atom+xml" href="feed.xml" title="edualliance digests">',
        "</head><body>", "<h1>edualliance policy-trend digests</h1>",
        f"<p>{len(records)} weekly digests (ISO weeks, Asia/Shanghai), newest first; stories count a story"
        ' and its reposts once. <a href="feed.xml">Atom feed</a>.</p>',
        f"<table><tr><th>week</th><th>stories</th><th>articles</th>{heads}<th>files</th><th>mail</th></tr>",
        *rows, "</table></body></html>", ""])
    path = out / "index.html"
    _write_atomic(path, html)
    return path


def write_feed(out: Path, records: list[dict[str, Any]], base_url: str | None) -> Path:
    """feed.xml: one Atom entry per week (the newest FEED_WEEKS), updated when the week is revised."""
    base = (base_url.rstrip("/") + "/") if base_url else ""
    newest = sorted(records, key=lambda r: r["week_start"], reverse=True)[:FEED_WEEKS]

    def updated(r: dict[str, Any]) -> str:
        return _stamp(r["revised_at"] or r["written_at"])

    xml = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">',
           "<title>edualliance weekly policy-trend digests</title>", "<id>urn:edualliance:digests</id>",
           f"<updated>{max((updated(r) for r in newest), default=_stamp(datetime.now(timezone.utc).replace(tzinfo=None)))}</updated>",
           "<author><name>edualliance</name></author>", f'<link rel="self" href="{esc(base + "feed.xml")}"/>',
           f'<link rel="alternate" type="text/html" href="{esc(base + "index.html")}"/>']
    for r in newest:
        c = r["counts"]
        title = f"Policy-trend digest {r['week']}" + (" (revised)" if r["revision"] else "")
        summary = (f"Week of {r['week_start']:%Y-%m-%d}: {c['stories']} stories ({c['articles']} articles); "
                   + ", ".join(f"{label} {c['labels'].get(label, {}).get('stories', 0)}" for label in LABELS) + ".")
        if r["revision"]:
            summary += f" Revised (revision {r['revision']}, {_stamp(r['revised_at'])[:10]}): {r['changes']}."
        xml += ["<entry>", f"<title>{esc(title)}</title>", f"<id>urn:edualliance:digest:{esc(r['week'])}</id>",
                f"<published>{_stamp(r['written_at'])}</published>", f"<updated>{updated(r)}</updated>"]
        for text, href in _links(r, base):
            if href.endswith(".html"):  # one alternate per language (hreflang tells them apart)
                language = text.split(" ")[0] if " " in text else ""
                hreflang = f' hreflang="{esc(language)}"' if language else ""
                xml.append(f'<link rel="alternate" type="text/html"{hreflang} href="{esc(href)}"/>')
        xml += [f"<summary>{esc(summary)}</summary>", "</entry>"]
    xml.append("</feed>")
    path = out / "feed.xml"
    _write_atomic(path, "\n".join(xml) + "\n")
    return path
