"""Serve the fixture web (rendered from corpus/web/content.toml) on 127.0.0.1, as real sites would.

Each site keeps its own server habits (see ``SITE_HABITS``): which charset
the Content-Type header claims (often wrong, as on the sites the seeds come
from), and which validators (ETag, Last-Modified) it sends and honours with
304 answers. Every request is logged (``server.log``), so tests can assert on
what the crawler actually fetched.

Optional parts: ``hostile=True`` adds /hostile/ (404/500, a slow page, a
redirect loop, a gzip bomb, a 50 MB page, XXE and billion-laughs sitemaps,
mis-declared encodings); ``generated=N`` adds /gen/, a site of N generated
article pages behind paginated lists, built like real portal pages (for
benchmarks; see ``generated``).
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import json
import threading
import time
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from .generated import PER_LIST, generated_article, generated_listing

#: Up to this many /gen/ articles are rendered once, before the server answers
#: (about 50 KB each): a real site's server runs on another machine, so the
#: benchmark's crawl must not share its cores with page rendering.
PRERENDER_MAX = 10000


@dataclass(frozen=True)
class Habits:
    content_type: str  # for HTML pages
    etag: bool
    last_modified: bool


SITE_HABITS = {
    "jynews": Habits("text/html; charset=utf-8", etag=False, last_modified=False),
    "fanwen": Habits("text/html", etag=True, last_modified=True),
    "journal": Habits("text/html; charset=iso-8859-1", etag=False, last_modified=True),  # UTF-8 body
    "gmw": Habits("text/html; charset=utf-8", etag=True, last_modified=True),
    "kd": Habits("text/html; charset=gb2312", etag=True, last_modified=False),  # UTF-8 body
    "gov": Habits("text/html; charset=utf-8", etag=False, last_modified=True),  # GBK body
}
DEFAULT_HABITS = Habits("text/html; charset=utf-8", etag=True, last_modified=True)

TYPES = {
    ".html": None, ".htm": None, ".shtml": None,
    ".xml": "application/xml", ".gz": "application/x-gzip", ".txt": "text/plain",
    ".json": "application/json", ".pdf": "application/pdf", ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

#: How long /hostile/ slow pages keep the client waiting (the crawler's timeout is shorter).
SLOW_SECONDS = 8.0


@dataclass(frozen=True)
class Logged:
    method: str
    path: str  # path and query as requested
    status: int
    conditional: bool  # sent If-None-Match or If-Modified-Since
    user_agent: str


class FixtureServer:
    """``with FixtureServer(root) as server: … server.base_url … server.log``"""

    def __init__(self, root: str | Path | None = None, *, hostile: bool = False, generated: int = 0,
                 delay: float = 0.0, port: int = 0) -> None:
        if root is None:
            from .build import site_root

            root = site_root()
        self.root = Path(root)
        self.hostile = hostile
        self.generated = generated
        self.delay = delay
        self.port = port
        self.log: list[Logged] = []
        self._settled = threading.Condition()  # guards log and _in_flight
        self._in_flight = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._bomb: bytes | None = None
        self._rendered: dict[str, bytes] = {}
        self.base_url = ""

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> FixtureServer:
        server = self
        if 0 < self.generated <= PRERENDER_MAX:
            self._rendered = {f"/gen/a/{i}.html": generated_article(i, self.generated).encode()
                              for i in range(self.generated)}

        class Handler(_Handler):
            fixture = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fixture-web", daemon=True)
        self._thread.start()
        if self.hostile:
            self.bomb()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FixtureServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- log --------------------------------------------------------------------------

    def started(self) -> None:
        with self._settled:
            self._in_flight += 1

    def record(self, entry: Logged) -> None:
        with self._settled:
            self.log.append(entry)
            self._in_flight -= 1
            self._settled.notify_all()

    def requests(self, settle_s: float = 5.0) -> list[Logged]:
        """The request log, once every request in flight has been logged (a client can
        read a response before its handler thread has written the log entry)."""
        with self._settled:
            self._settled.wait_for(lambda: self._in_flight == 0, timeout=settle_s)
            return list(self.log)

    def clear_log(self) -> None:
        with self._settled:
            self.log.clear()

    def bomb(self) -> bytes:
        """gzip of 64 MB of zeros (about 64 KB on the wire), made once."""
        if self._bomb is None:
            packer = zlib.compressobj(9, zlib.DEFLATED, 31)
            chunk = b"\0" * (1 << 20)
            parts = [packer.compress(chunk) for _ in range(64)]
            parts.append(packer.flush())
            self._bomb = b"".join(parts)
        return self._bomb


class _Handler(BaseHTTPRequestHandler):
    fixture: FixtureServer
    protocol_version = "HTTP/1.1"
    server_version = "FixtureWeb/1.0"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet
        pass

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        self.fixture.started()
        if self.fixture.delay:
            time.sleep(self.fixture.delay)
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        status = 500  # logged as such if a handler fails
        try:
            if path.startswith("/hostile/") and self.fixture.hostile:
                status = self._hostile(path)
            elif path.startswith("/gen/") and self.fixture.generated:
                status = self._generated(path)
            elif path == "/journal/search.aspx":
                status = self._journal_search(parse_qs(parts.query))
            else:
                status = self._static(path)
        except (BrokenPipeError, ConnectionResetError):
            status = 499
        finally:
            self.fixture.record(Logged(
                "HEAD" if self.command == "HEAD" else "GET", self.path, status,
                bool(self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")),
                self.headers.get("User-Agent", ""),
            ))

    # -- responses ----------------------------------------------------------------------

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> int:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return status

    def _not_found(self) -> int:
        return self._send(404, b"<html><body><h1>404 Not Found</h1></body></html>",
                          {"Content-Type": "text/html"})

    def _static(self, path: str) -> int:
        root = self.fixture.root.resolve()
        target = (root / path.lstrip("/")).resolve()
        if root not in target.parents and target != root:
            return self._not_found()
        if target.is_dir():
            for name in ("index.html", "index.htm"):
                if (target / name).is_file():
                    target = target / name
                    break
        if not target.is_file() or target.name.startswith("_"):
            return self._not_found()
        body = target.read_bytes()
        suffix = target.suffix.lower()
        site = path.strip("/").split("/", 1)[0]
        habits = SITE_HABITS.get(site, DEFAULT_HABITS)
        if suffix in (".xml", ".txt"):
            body = body.replace(b"{base}", self.fixture.base_url.encode())
        elif suffix == ".gz":
            body = gzip.compress(gzip.decompress(body).replace(b"{base}", self.fixture.base_url.encode()), mtime=0)
        content_type = TYPES.get(suffix, "application/octet-stream") or habits.content_type
        if site == "gov" and target.name.startswith("index"):
            content_type = "text/html"  # the listing pages declare no charset at all
        if site == "gmw" and suffix == ".xml":
            content_type = "application/rss+xml"
        headers = {"Content-Type": content_type}
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        mtime = int(target.stat().st_mtime)
        if habits.etag:
            headers["ETag"] = etag
        if habits.last_modified:
            headers["Last-Modified"] = email.utils.formatdate(mtime, usegmt=True)
        if habits.etag and self.headers.get("If-None-Match") == etag:
            return self._send(304, b"", {k: v for k, v in headers.items() if k != "Content-Type"})
        since = self.headers.get("If-Modified-Since")
        if habits.last_modified and since and not self.headers.get("If-None-Match"):
            try:
                if mtime <= email.utils.parsedate_to_datetime(since).timestamp():
                    return self._send(304, b"", {k: v for k, v in headers.items() if k != "Content-Type"})
            except (TypeError, ValueError):
                pass
        return self._send(200, body, headers)

    def _journal_search(self, query: dict[str, list[str]]) -> int:
        from .sites import journal_search_page

        index = self.fixture.root / "journal" / "_search_index.json"
        pool = json.loads(index.read_text(encoding="utf-8")) if index.is_file() else []
        keyword = (query.get("q") or [""])[0]
        try:
            page_no = max(1, int((query.get("page") or ["1"])[0]))
        except ValueError:
            page_no = 1
        html = journal_search_page(pool, keyword, page_no)
        return self._send(200, html.encode("utf-8"), {"Content-Type": SITE_HABITS["journal"].content_type})

    # -- /hostile/ ---------------------------------------------------------------------

    def _hostile(self, path: str) -> int:
        html = {"Content-Type": "text/html; charset=utf-8"}
        name = path.rsplit("/", 1)[-1]
        if path == "/hostile/" or name == "index.html":
            links = "".join(f'<li><a href="/hostile/news/2024-01-0{i}/{n}.html">新闻{n}</a></li>'
                            for i, n in enumerate(HOSTILE_PAGES, start=1))
            return self._send(200, f"<html><body><h1>异常网页</h1><ul>{links}</ul></body></html>".encode(), html)
        if name == "notfound.html":
            return self._not_found()
        if name == "error.html":
            return self._send(500, b"<html><body>Internal Server Error</body></html>", html)
        if name == "slow.html":
            time.sleep(SLOW_SECONDS)
            return self._send(200, b"<html><body>too late</body></html>", html)
        if name in ("loop.html", "loop2.html"):
            other = "loop2.html" if name == "loop.html" else "loop.html"
            self.send_response(302)
            self.send_header("Location", path.rsplit("/", 1)[0] + "/" + other)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return 302
        if name == "bomb.html":
            return self._send(200, self.fixture.bomb(), {**html, "Content-Encoding": "gzip"})
        if name == "huge.html":
            size = 50 * 2**20
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            chunk = ("<p>" + "很长的网页。" * 340 + "</p>\n").encode()[:1 << 16]
            sent = 0
            while sent < size:
                piece = chunk[: size - sent]
                self.wfile.write(piece)
                sent += len(piece)
            return 200
        if name == "mojibake.html":
            text = MOJIBAKE_PAGE.encode("gbk")
            return self._send(200, text, html)  # GBK bytes, header and <meta> say UTF-8
        if name == "deep.html":
            prose = ("<p>" + "某县教联体建设稳步推进，成员学校共享课程和师资。" * 8 + "</p>").encode()
            body = b"<html><body>" + b"<div>" * 3000 + prose + b"</div>" * 3000 + b"</body></html>"
            return self._send(200, body, html)
        if name == "binary.html":
            return self._send(200, bytes(range(256)) * 64, html)
        if name == "sitemap-xxe.xml":
            return self._send(200, XXE_SITEMAP.encode(), {"Content-Type": "application/xml"})
        if name == "sitemap-lol.xml":
            return self._send(200, LOL_SITEMAP.encode(), {"Content-Type": "application/xml"})
        if name == "sitemap-bomb.xml.gz":
            return self._send(200, self.fixture.bomb(), {"Content-Type": "application/x-gzip"})
        if name == "sitemap-index.xml":
            body = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    + "".join(f"<sitemap><loc>{self.fixture.base_url}/hostile/{n}</loc></sitemap>"
                              for n in ("sitemap-xxe.xml", "sitemap-lol.xml", "sitemap-bomb.xml.gz",
                                        "sitemap-missing.xml"))
                    + "</sitemapindex>")
            return self._send(200, body.encode(), {"Content-Type": "application/xml"})
        return self._not_found()

    # -- /gen/ (benchmark site) -----------------------------------------------------------

    def _generated(self, path: str) -> int:
        html = {"Content-Type": "text/html; charset=utf-8"}
        n = self.fixture.generated
        per_list = PER_LIST
        if path in ("/gen/", "/gen/index.html") or path.startswith("/gen/list_"):
            page_no = 1 if not path.startswith("/gen/list_") else int(path[len("/gen/list_"):-len(".html")])
            first = (page_no - 1) * per_list
            if first >= n:
                return self._not_found()
            return self._send(200, generated_listing(page_no, n, per_list).encode(), html)
        if path.startswith("/gen/a/"):
            try:
                i = int(path.rsplit("/", 1)[-1].split(".")[0])
            except ValueError:
                return self._not_found()
            if not 0 <= i < n:
                return self._not_found()
            body = self.fixture._rendered.get(path) or generated_article(i, n).encode()
            return self._send(200, body, html)
        return self._not_found()


HOSTILE_PAGES = ("notfound", "error", "slow", "loop", "bomb", "huge", "mojibake", "deep", "binary")

MOJIBAKE_PAGE = """<html><head><meta charset="utf-8"><title>某县推进教联体建设工作纪实_某县教育局</title></head><body>
<h1>某县推进教联体建设工作纪实</h1>
<div>发布时间：2024-01-07 10:00　来源：某县教育局</div>
<p>某县以教联体建设为抓手，组建十个教联体，每个教联体由一所优质学校牵头，联合周边乡村学校共同发展，实行教师统一调配和教研一体化。</p>
<p>县教育局表示，将继续完善教联体运行机制，让教联体内的每一所学校都能共享优质教育资源。</p>
</body></html>"""

XXE_SITEMAP = """<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&xxe;</loc></url></urlset>"""

LOL_SITEMAP = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">""" + "".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
) + """]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol9;</loc></url></urlset>"""
