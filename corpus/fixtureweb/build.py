"""Build the fixture web from corpus/web/content.toml (see site_root()).

Six small sites, each in the layout and mess of the kind of site it stands
for: navigation bars, breadcrumbs, share buttons, 责编 lines, headline link
lists, pagination, a GBK government site whose server mislabels its charset,
RSS, sitemaps (one gzipped), and PDF/DOC/DOCX attachments. Deterministic:
the same content gives the same bytes (a test renders it twice).

    python -m edualliance.corpus.fixtureweb.build [OUT_DIR]
"""

from __future__ import annotations

import atexit
import json
import shutil
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from . import docwriters
from .content import Page, load_content
from .sites import (E, fanwen_article, fanwen_listing, gmw_article, gmw_rss, gov_article, gov_listing, head,
                    journal_abstract, journal_similar, jynews_article, jynews_listing, kd_article, kd_sitemaps)


@lru_cache(maxsize=1)
def site_root() -> Path:
    """The fixture web rendered from content.toml, once per process, into a temporary
    folder (it is derived data, so it is not kept in the repository; rendering takes
    a fraction of a second). The folder is removed when the process exits."""
    folder = Path(tempfile.mkdtemp(prefix="edualliance-web-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    build(folder)
    return folder



def render(root: Path | None = None) -> dict[str, bytes]:
    """Relative path under site/ → bytes."""
    pages, attachment_text = load_content(root)
    by_site: dict[str, list[Page]] = {}
    for p in pages:
        by_site.setdefault(p.site, []).append(p)
    out: dict[str, bytes] = {}

    def put(path: str, text: str, encoding: str = "utf-8") -> None:
        out[path.lstrip("/")] = text.encode(encoding)

    put("robots.txt", "User-agent: *\nDisallow: /private/\nDisallow: /jynews/login.html\n\n"
        "Sitemap: {base}/kd/sitemap_index.xml\n")
    put("private/index.html", head("内部") + "<body><p>robots.txt 不允许抓取本目录。</p></body></html>\n")
    put("index.html", head("fixture web") + "<body><ul>"
        + "".join(f'<li><a href="/{s}/">{s}</a></li>' for s in by_site) + "</ul></body></html>\n")

    news = sorted(by_site["jynews"], key=lambda p: p.date, reverse=True)
    for p in news:
        put(p.path, jynews_article(p, [o for o in news if o is not p]))
    per = 3
    chunks = [news[i:i + per] for i in range(0, len(news), per)]
    for n, chunk in enumerate(chunks, start=1):
        put("jynews/edu/index.html" if n == 1 else f"jynews/edu/index_{n}.html",
            jynews_listing(chunk, n, len(chunks)))
    put("jynews/index.html", head("榕江新闻网") + '<body><div class="topbar"><a href="/jynews/edu/">教育</a>'
        ' <a href="/jynews/shehui/">社会</a></div><ul>' + "".join(
            f'<li><a href="{p.path}">{E(p.title)}</a></li>' for p in news[:4]) + "</ul></body></html>\n")

    essays = sorted(by_site["fanwen"], key=lambda p: p.date)
    for i, p in enumerate(essays):
        put(p.path, fanwen_article(p, essays[i - 1] if i else None,
                                    essays[i + 1] if i + 1 < len(essays) else None,
                                    [o for o in essays if o is not p]))
    chunks = [essays[i:i + 2] for i in range(0, len(essays), 2)]
    for n, chunk in enumerate(chunks, start=1):
        put(f"fanwen/jiaoyu/list_12_{n}.html", fanwen_listing(chunk, n, len(chunks)))

    papers = by_site["journal"]
    for p in papers:
        put(p.path, journal_abstract(p))
        put(p.path.replace("/abstract/", "/similar/"), journal_similar(p, papers))
    pool = [{"path": p.path, "title": p.title, "text": "".join(p.paragraphs) + (p.keywords_line or ""),
             "byline": f"{p.author} 《{p.journal}》{p.issue}"} for p in papers]
    put("journal/_search_index.json", json.dumps(pool, ensure_ascii=False, indent=1) + "\n")

    local = sorted(by_site["gmw"], key=lambda p: p.date, reverse=True)
    for p in local:
        put(p.path, gmw_article(p, [o for o in local if o is not p]))
    put("gmw/rss/local.xml", gmw_rss(local))
    channel = "".join(f'<li><a href="{p.path}">{E(p.title)}</a><span>{p.date}</span></li>\n' for p in local)
    put("gmw/local/index.html", head("地方频道_光明网") + '<body><div class="crumb"><a href="/gmw/">首页</a>&gt; 地方频道</div>'
        f'<ul class="channel-list">\n{channel}</ul><div class="loadmore">加载更多</div>'
        '<p><a href="/gmw/rss/local.xml">RSS订阅</a></p></body></html>\n')
    put("gmw/index.html", head("光明网") + '<body><div class="nav"><a href="/gmw/local/">地方频道</a>'
        ' <a href="/gmw/rss/local.xml">RSS</a></div></body></html>\n')

    snaps = sorted(by_site["kd"], key=lambda p: p.date, reverse=True)
    for p in snaps:
        put(p.path, kd_article(p, [o for o in snaps if o is not p]))
    for path, data in kd_sitemaps(snaps).items():
        out[path] = data

    gov = sorted(by_site["gov"], key=lambda p: p.date, reverse=True)
    news_items = [p for p in gov if "/gzdt/" in p.path]
    files = [p for p in gov if "/zcwj/" in p.path]
    for p in gov:
        put(p.path, gov_article(p), "gbk")
    chunks = [news_items[i:i + 2] for i in range(0, len(news_items), 2)]
    for n, chunk in enumerate(chunks):
        put("gov/jyj/gzdt/index.htm" if n == 0 else f"gov/jyj/gzdt/index_{n}.htm",
            gov_listing(chunk, n, len(chunks), "各地动态", "gzdt"), "gbk")
    put("gov/jyj/zcwj/index.htm", gov_listing(files, 0, 1, "政策文件", "zcwj"), "gbk")
    put("gov/jyj/xxgk/index.htm", gov_listing(files, 0, 1, "信息公开", "xxgk"), "gbk")
    put("gov/index.htm", gov_listing(gov[:4], 0, 1, "网站首页", "gzdt"), "gbk")
    for p in files:
        base = p.path.rsplit("/", 1)[0].lstrip("/")
        for a in p.attachments or []:
            lines = attachment_text[a["file"]]
            suffix = Path(a["file"]).suffix
            if suffix == ".pdf":
                data = docwriters.write_pdf(lines, title=a["title"])
            elif suffix == ".docx":
                data = docwriters.write_docx(lines, title=a["title"])
            else:
                data = docwriters.write_doc(lines)
            out[f"{base}/{a['file']}"] = data
    return out


def build(out_dir: Path) -> list[Path]:
    """Write the rendered fixture web into ``out_dir``; return the files."""
    written = []
    for rel, data in sorted(render().items()):
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)
        written.append(target)
    return written


if __name__ == "__main__":  # python -m edualliance.corpus.fixtureweb.build OUT_DIR: write the site to look at
    if len(sys.argv) != 2:
        sys.exit("usage: python -m edualliance.corpus.fixtureweb.build OUT_DIR")
    for path in build(Path(sys.argv[1])):
        print(path)
