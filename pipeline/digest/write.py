"""Writing a week's digest: the library entry point the CLI, the demo and the
weekly archiver call.

    paths = write_digest(store, "2026-W47", Path("digests"), langs=("zh", "en"))

writes, per language, ``digest-2026-W47.<lang>.md``, a self-contained
``digest-2026-W47.<lang>.html`` (inline SVG charts) and the charts as PNG
(``digest-2026-W47.<lang>.<chart>.png``, what the e-mail shows), then
refreshes ``feed.xml``; returns every path written, feed last.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .build import build_digest
from .feed import write_feed
from .html import render_html
from .i18n import LANGS
from .markdown import render_markdown
from .weeks import DigestError, resolve_week


def parse_langs(value: str | Sequence[str]) -> tuple[str, ...]:
    """'zh', 'en', 'both' (or a sequence of them) → the languages, Chinese first."""
    asked = [value] if isinstance(value, str) else list(value)
    langs: set[str] = set()
    for item in asked:
        if item == "both":
            langs.update(LANGS)
        elif item in LANGS:
            langs.add(item)
        else:
            raise DigestError(f"unknown digest language {item!r}: choose zh, en or both")
    if not langs:
        raise DigestError("no digest language given: choose zh, en or both")
    return tuple(lang for lang in LANGS if lang in langs)


def digest_stem(week: str, lang: str) -> str:
    return f"digest-{week}.{lang}"


def write_digest(store, week: str | None, out_dir: Path, *, langs: str | Sequence[str] = "both",
                 feed_base_url: str | None = None, images: bool = True) -> list[Path]:
    """Write the digest of ``week`` (ISO week like 2026-W47; None: the latest with articles)
    in ``langs`` into ``out_dir``; return the files written (feed.xml last)."""
    from .images import chart_pngs

    langs = parse_langs(langs)
    if store.latest_model_version() is None:
        raise DigestError("the database has no classified articles yet: run `edualliance ingest` or `crawl` first")
    digest = build_digest(store, resolve_week(store, week))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for lang in langs:
        stem = digest_stem(digest.name, lang)
        others = [other for other in langs if other != lang]
        other_href = f"{digest_stem(digest.name, others[0])}.html" if others else None
        md_path, html_path = out_dir / f"{stem}.md", out_dir / f"{stem}.html"
        md_path.write_text(render_markdown(digest, lang), encoding="utf-8")
        html_path.write_text(render_html(digest, lang, other_lang_href=other_href), encoding="utf-8")
        written += [md_path, html_path]
        if images:
            for name, png in chart_pngs(digest, lang).items():
                png_path = out_dir / f"{stem}.{name}.png"
                png_path.write_bytes(png)
                written.append(png_path)
    written.append(write_feed(out_dir, feed_base_url))
    return written
