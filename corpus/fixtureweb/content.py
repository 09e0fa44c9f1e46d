"""The fixture web's content: corpus/web/content.toml as typed pages, and what the pipeline must make of it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path


def web_root() -> Path:
    return Path(str(resources.files("edualliance.corpus").joinpath("web")))


@dataclass
class Page:
    site: str
    path: str
    title: str
    date: str
    outlet: str
    label: str
    paragraphs: list[str]
    author: str | None = None
    repost: str | None = None
    journal: str | None = None
    issue: str | None = None
    keywords_line: str | None = None
    attachments: list[dict] | None = None

    @property
    def day(self) -> str:
        return self.date[:10]


def load_content(root: Path | None = None) -> tuple[list[Page], dict[str, list[str]]]:
    data = tomllib.loads(((root or web_root()) / "content.toml").read_text(encoding="utf-8"))
    return [Page(**a) for a in data["article"]], data["attachment_text"]


def expected_articles(root: Path | None = None) -> list[dict]:
    """What the pipeline must store from the fixture web: one dict per article page or attachment."""
    pages, _ = load_content(root)
    out = []
    for p in pages:
        out.append({"path": p.path, "site": p.site, "title": p.title, "date": p.date, "outlet": p.outlet,
                    "label": p.label, "kind": "page"})
        base = p.path.rsplit("/", 1)[0]
        for a in p.attachments or []:
            out.append({"path": f"{base}/{a['file']}", "site": p.site, "title": a["title"], "date": None,
                        "outlet": None, "label": a["label"], "kind": "attachment"})
    return out

