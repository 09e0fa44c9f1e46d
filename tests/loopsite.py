"""Loopback test sites shaped like county and bureau sites, not like the crawler's guesses.

* URLs say nothing: articles at ``/a/<opaque-id>.html``, list pages at ``/l/<opaque-id>.html``
  (or a TRS ``index.html``, ``index_1.html`` … sequence written by ``createPageHTML``).
* Pagination: a plain ``下一页`` link, a row of page numbers, or only a script.
* Some articles are linked from no list, only from other articles (上一篇/下一篇, 相关阅读),
  and attachments only from inside an article.
* No charset in the Content-Type header; optional ETag / Last-Modified with 304 answers.

``LoopServer`` serves a ``Site`` (a dict of path → ``Resource``) on 127.0.0.1, port 0, keeps a
request log for assertions, and is stopped by the ``with`` block that started it. The site may be
changed while it runs (a test adds an article, or makes a source fall silent).
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: Sentences of made-up local education news, combined per article so that no two are alike.
_OPENINGS = [
    "近日，{city}教育局召开{topic}工作推进会，总结上一阶段经验，部署下一步重点任务。",
    "为进一步扩大优质教育资源覆盖面，{city}在全区范围内推进{topic}改革。",
    "本学期以来，{city}多所学校围绕{topic}开展了一系列教研交流活动。",
    "{city}教育系统日前印发通知，对今年{topic}工作作出具体安排。",
]
_MIDDLES = [
    "会议指出，要坚持以学生发展为中心，推动管理、师资、课程和评价一体化，切实缩小校际差距。",
    "各成员校通过同步教研、教师轮岗和课程共享，逐步实现理念共通、资源共享和发展共进。",
    "牵头学校选派骨干教师到成员校任教，成员校教师到牵头学校跟岗学习，每学期不少于两周。",
    "教育局将把这项工作纳入年度督导评估，建立经费保障和考核激励机制。",
    "部分乡村学校通过专递课堂接入城区学校的优质课程，学生在家门口就能上好课。",
    "下一步，各学校要结合实际制定实施方案，明确时间表和路线图，确保各项措施落地见效。",
    "与会代表围绕课后服务、作业管理和家校沟通等问题进行了深入交流。",
    "据统计，全区已有三十余所中小学参与其中，覆盖学生两万余人。",
]
_TOPICS = {
    "group_run": "集团化办学",
    "urban_rural": "城乡学校共同体",
    "district_community": "学区制",
    "off_topic": "校园食堂食品安全检查",
}
_OFF_TOPIC = [
    "检查组实地查看了食堂后厨、仓储间和餐具消毒记录，对发现的问题当场提出整改意见。",
    "各学校要严格落实食材采购索证索票制度，确保师生饮食安全。",
    "此次检查共抽查学校食堂十二家，总体情况良好。",
]
_CITIES = ["青川县", "河口区", "石门县", "南溪区", "永和县", "北塘区"]


def opaque_id(*parts: object) -> str:
    """A stable identifier that looks like nothing: no date, no number the crawler could read."""
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()[:6] + "x" + \
        hashlib.md5("/".join(map(str, parts)).encode()).hexdigest()[:5]


def article_text(n: int, topic: str = "group_run") -> list[str]:
    city = _CITIES[n % len(_CITIES)]
    words = _TOPICS[topic]
    paragraphs = [_OPENINGS[n % len(_OPENINGS)].format(city=city, topic=words)]
    pool = _OFF_TOPIC if topic == "off_topic" else _MIDDLES
    for k in range(4):
        paragraphs.append(pool[(n + k * 3) % len(pool)] + _MIDDLES[(n * 7 + k) % len(_MIDDLES)]
                          .replace("。", f"（第{n}期）。", 1))
    return paragraphs


@dataclass
class Resource:
    body: bytes
    content_type: str = "text/html"  # no charset, as many county sites send it
    etag: str | None = None
    last_modified: str | None = None
    status: int = 200


@dataclass
class Logged:
    path: str
    headers: dict[str, str]
    at: float
    status: int


@dataclass
class Site:
    resources: dict[str, Resource] = field(default_factory=dict)
    validators: bool = False  # send ETag and Last-Modified, answer 304 when they match
    down: bool = False  # every request answers 503
    latency: float = 0.0  # seconds before each answer (a slow site, for progress lines)

    def put(self, path: str, html: str | bytes, content_type: str = "text/html") -> None:
        body = html.encode("utf-8") if isinstance(html, str) else html
        etag = '"' + hashlib.md5(body).hexdigest()[:16] + '"' if self.validators else None
        modified = formatdate(1700000000, usegmt=True) if self.validators else None
        self.resources[path] = Resource(body, content_type, etag, modified)


class _Handler(BaseHTTPRequestHandler):
    server: LoopServer

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        site = self.server.site
        if site.latency:
            time.sleep(site.latency)
        path = self.path.split("#")[0]
        resource = site.resources.get(path) if not site.down else None
        status = 503 if site.down else (200 if resource else 404)
        if resource and resource.etag and self.headers.get("If-None-Match") == resource.etag:
            status = 304
        self.server.log.append(Logged(path, dict(self.headers), time.monotonic(), status))
        if status != 200:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", resource.content_type)
        self.send_header("Content-Length", str(len(resource.body)))
        if resource.etag:
            self.send_header("ETag", resource.etag)
        if resource.last_modified:
            self.send_header("Last-Modified", resource.last_modified)
        self.end_headers()
        self.wfile.write(resource.body)

    def log_message(self, *args) -> None:
        pass


class LoopServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, site: Site) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.site = site
        self.log: list[Logged] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> LoopServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)

    def paths(self, prefix: str = "", status: int | None = None) -> list[str]:
        return [r.path for r in self.log if r.path.startswith(prefix) and (status is None or r.status == status)]


# -- page templates ------------------------------------------------------------------------

_NAV = "".join(f'<li><a href="/col/{opaque_id("nav", k)}.html">栏目{k}</a></li>' for k in range(12))


def _page(title: str, inner: str, scripts: str = "") -> str:
    return (f'<!DOCTYPE html><html><head><title>{title}_青川县教育局</title>'
            f'<meta http-equiv="X-UA-Compatible" content="IE=edge"></head><body>'
            f'<div class="top"><ul class="nav">{_NAV}</ul></div>{inner}'
            f'<div class="footer">主办：青川县教育局 地址：青川县人民路1号 备案号：蜀ICP备00000000号</div>'
            f"{scripts}</body></html>")


def article_page(n: int, title: str, topic: str = "group_run", *, prev: str | None = None,
                 nxt: str | None = None, related: list[tuple[str, str]] = (),
                 attachments: list[tuple[str, str]] = ()) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in article_text(n, topic))
    links = ""
    if attachments:
        links += "<div class='fj'>附件：" + "".join(f'<a href="{u}">{t}</a><br>' for u, t in attachments) + "</div>"
    pager = ""
    if prev:
        pager += f'<p>上一篇：<a href="{prev}">上一篇文章</a></p>'
    if nxt:
        pager += f'<p>下一篇：<a href="{nxt}">下一篇文章</a></p>'
    rel = ""
    if related:
        rel = "<div class='xgyd'><h3>相关阅读</h3><ul>" + "".join(
            f'<li><a href="{u}">{t}</a></li>' for u, t in related) + "</ul></div>"
    day = 1 + n % 27
    return _page(title, f'<div class="article"><h1>{title}</h1>'
                        f'<div class="info">发布时间：2026-10-{day:02d} 来源：青川县教育局</div>'
                        f'<div class="content">{paragraphs}{links}</div>{pager}{rel}</div>')


def list_page(items: list[tuple[str, str]], pager: str = "", scripts: str = "") -> str:
    rows = "".join(f'<li><a href="{u}" target="_blank">{t}</a><span>2026-10-{1 + k % 27:02d}</span></li>'
                   for k, (u, t) in enumerate(items))
    return _page("工作动态", f'<div class="list"><h2>工作动态</h2><ul>{rows}</ul>{pager}</div>', scripts)


def plain_pager(prev: str | None, nxt: str | None, total: int, current: int) -> str:
    parts = [f"<span>共{total}页 第{current}页</span>"]
    if prev:
        parts.append(f'<a href="{prev}">上一页</a>')
    if nxt:
        parts.append(f'<a href="{nxt}">下一页</a>')
    return "<div>" + " ".join(parts) + "</div>"


def trs_script(total: int, current: int, prefix: str = "index", suffix: str = "html") -> str:
    """The TRS CMS pager: the page writes its links with document.write at load time."""
    return (f'<script language="JavaScript">var currentPage = {current};var countPage = {total};'
            f'createPageHTML({total}, {current}, "{prefix}", "{suffix}");</script>')


def listing_site(site: Site, titles: list[str], *, per_page: int = 10, pagination: str = "plain",
                 topics: list[str] | None = None, folder: str = "/l/") -> dict[str, list[str]]:
    """Articles behind a paginated list. ``pagination``: "plain" (下一页 links to opaque list
    URLs) or "trs" (index.html, index_1.html … written only by createPageHTML).
    Returns {"articles": paths, "lists": paths}."""
    articles = [f"/a/{opaque_id('art', folder, k)}.html" for k in range(len(titles))]
    for k, (path, title) in enumerate(zip(articles, titles)):
        topic = (topics or ["group_run"] * len(titles))[k]
        site.put(path, article_page(k, title, topic))
    chunks = [list(zip(articles[i:i + per_page], titles[i:i + per_page])) for i in range(0, len(articles), per_page)]
    total = len(chunks)
    if pagination == "trs":
        lists = [f"{folder}index.html"] + [f"{folder}index_{k}.html" for k in range(1, total)]
    else:
        lists = [f"{folder}{opaque_id('list', folder, k)}.html" for k in range(total)]
    for k, chunk in enumerate(chunks):
        if pagination == "trs":
            site.put(lists[k], list_page(chunk, "<div class='page'></div>", trs_script(total, k)))
        else:
            pager = plain_pager(lists[k - 1] if k else None, lists[k + 1] if k + 1 < total else None, total, k + 1)
            site.put(lists[k], list_page(chunk, pager))
    return {"articles": articles, "lists": lists}


def headline(n: int) -> str:
    return f"{_CITIES[n % len(_CITIES)]}推进集团化办学第{n + 1}批成员校签约"
