"""A generator of hostile input files: what a crawl, a colleague's USB stick or a
spreadsheet export hands the pipeline.

Test and bench scaffolding (imported by ``tests/test_clean_fuzz.py`` and
``bench/fuzz_inputs.py``), never production code. ``generate(folder, n, seed)``
writes ``n`` files (pages, text files, JSON Lines for ``classify``, and
non-files: FIFOs, broken links) and returns what it wrote. Every kind is one
that broke or silently dropped input before issue 12, or a real-web shape
next to it (gazette pages, link tables, comment threads, doc-sharing shells,
missing charsets). Deterministic for a seed.
"""

from __future__ import annotations

import codecs
import json
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SENTENCES = [
    "该县将全县中小学划分为8个学区，每个学区由一所优质学校任学区长学校，统筹学区内教研、师资和课程资源。",
    "集团内各校区实行管理共通、师资共享、课程共建，新校区的教学质量两年内稳步提升。",
    "城区学校与乡村学校结成城乡学校共同体，骨干教师每学期到乡村校区驻校指导不少于一个月。",
    "教联体由一所优质学校牵头，成员校在教研、评价和教师培训上实行捆绑式考核。",
    "市教育局有关负责人表示，下一步将把共同体建设成效纳入学校办学水平评价。",
    "据介绍，全市已组建紧密型教育集团46个，覆盖义务教育阶段学校近七成。",
    "家长普遍反映，孩子在家门口就能享受到优质学校的课程和师资。",
]
HEADLINES = ["某县推进学区制改革", "集团化办学进入深水区", "城乡学校共同体建设观察", "教联体让乡村学校活起来",
             "关于开展学区制管理改革中期检查的通知", "市教育局关于公布第三批紧密型教育集团名单的通知"]
NAV = "".join(f"<li><a href='/c/{i}/'>{name}</a></li>" for i, name in
              enumerate(["首页", "教育新闻", "通知公告", "政策文件", "信息公开", "互动交流", "专题专栏"]))
BOGUS_CHARSETS = ["undefined", "idna", "punycode", "utf-7", "base64", "rot13", "unicode_escape",
                  "x-user-defined", "gb2312;", "utf-16", "", "GBK\x00", "'", "utf8mb4"]


@dataclass(frozen=True, slots=True)
class Hostile:
    path: Path
    kind: str
    role: str  # page (ingest/extract) | jsonl (classify) | special (a non-file of the walk)


def _prose(rng: random.Random, n: int = 3) -> list[str]:
    return [rng.choice(SENTENCES) + rng.choice(SENTENCES) for _ in range(n)]


def _page(rng: random.Random, body: str | None = None, head: str = "", title: str | None = None) -> str:
    title = title or rng.choice(HEADLINES)
    body = body if body is not None else "".join(f"<p>{x}</p>" for x in _prose(rng))
    return (f"<!DOCTYPE html><html><head>{head}<title>{title}_教育新闻_某某教育网</title></head><body>"
            f"<div class='nav'><ul>{NAV}</ul></div><div class='main'><h1>{title}</h1>"
            f"<div class='info'>发布时间：2023-0{rng.randint(1, 9)}-1{rng.randint(0, 9)} 来源：某某日报</div>"
            f"<div class='content'>{body}</div></div><div class='footer'>版权所有 某某教育网 ICP备xxxx号</div>"
            f"</body></html>")


# -- page kinds: (rng) -> (bytes, file suffix) ----------------------------------------------


def bogus_charset(rng):
    charset = rng.choice(BOGUS_CHARSETS)
    where = rng.choice(["meta", "http-equiv", "xml"])
    head = {"meta": f'<meta charset="{charset}">',
            "http-equiv": f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">',
            "xml": ""}[where]
    text = _page(rng, head=head)
    if where == "xml":
        text = f'<?xml version="1.0" encoding="{charset}"?>' + text
    return text.encode(rng.choice(["utf-8", "gb18030"])), rng.choice([".html", ".htm", ".xhtml"])


def xml_declaration(rng):
    encoding = rng.choice(["utf-8", "gb2312", "gbk", "big5"])
    text = f'<?xml version="1.0" encoding="{encoding}"?>\n' + _page(rng).replace("<html>", '<html xmlns="http://www.w3.org/1999/xhtml">')
    return text.encode("big5" if encoding == "big5" else "gb18030" if encoding.startswith("gb") else "utf-8",
                       "replace"), ".xhtml"


def short_bad_byte(rng):
    text = _page(rng, body=f"<p>{rng.choice(SENTENCES)}</p>")
    data = bytearray(text.encode(rng.choice(["utf-8", "gb18030"])))
    for _ in range(rng.randint(1, 3)):
        data.insert(rng.randrange(len(data) // 2, len(data)), rng.choice([0x80, 0xFF, 0xC3, 0xE4, 0x81]))
    return bytes(data), ".html"


def mixed_encoding(rng):
    parts = [f"<p>{x}</p>".encode(rng.choice(["utf-8", "utf-8", "gb18030"])) for x in _prose(rng, 5)]
    return _page(rng, body="\x00BODY\x00").encode("utf-8").replace(b"\x00BODY\x00", b"".join(parts)), ".html"


def wide_without_bom(rng):
    encoding = rng.choice(["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
    text = _page(rng) if rng.random() < 0.7 else "".join(_prose(rng))
    return text.encode(encoding), rng.choice([".html", ".txt"])


def with_bom(rng):
    encoding, bom = rng.choice([("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE),
                                ("utf-16-be", codecs.BOM_UTF16_BE), ("utf-32-le", codecs.BOM_UTF32_LE)])
    return bom + _page(rng).encode(encoding), ".html"


def nul_bytes(rng):
    data = bytearray(_page(rng).encode("utf-8"))
    for _ in range(rng.randint(1, 6)):
        data.insert(rng.randrange(len(data)), 0)
    return bytes(data), ".html"


def lone_surrogate(rng):
    data = _page(rng).encode("utf-8").replace(b"<p>", b"<p>\xed\xa0\x80&#xD800;\\ud800", 1)
    return data, ".html"


def deep_nesting(rng):
    depth = rng.choice([200, 300, 2000, 20000])
    body = "<div>" * depth + f"<p>{rng.choice(SENTENCES)}</p>" + "</div>" * rng.choice([depth, 0])
    return _page(rng, body=body).encode("utf-8"), ".html"


def huge_nested(rng):
    unit = "<div>" * 40 + f"<p>{rng.choice(SENTENCES)}</p>" + "</div>" * 40
    return _page(rng, body=unit * (int(9.5 * 2**20) // len(unit.encode()))).encode("utf-8"), ".html"


def over_size_limit(rng):
    return _page(rng, body="<p>" + "教" * (11 * 2**20 // 3) + "</p>").encode("utf-8"), ".html"


def link_table(rng):
    rows = "".join(f"<tr><td><a href='/art/{rng.randint(1000, 9999)}.html'>{rng.choice(HEADLINES)}（{i}）</a></td>"
                   f"<td>2023-0{rng.randint(1, 9)}-{rng.randint(10, 28)}</td></tr>" for i in range(rng.randint(8, 30)))
    return _page(rng, body=f"<table>{rows}</table>").encode(rng.choice(["utf-8", "gb18030"])), ".html"


def truncated_nav_only(rng):
    text = _page(rng)
    return text[: text.index("<div class='main'>") + rng.randint(0, 30)].encode("utf-8"), rng.choice([".html", ".asp", ""])


def comment_thread(rng):
    comments = "".join(f"<div class='pinglun-item'><span>网友{rng.randint(100, 999)}：</span>{rng.choice(['说得好', '支持！', '我们县也在搞学区制，效果不错。'])}</div>"
                       for _ in range(rng.randint(3, 20)))
    body = "".join(f"<p>{x}</p>" for x in _prose(rng, rng.randint(0, 2))) + f"<div id='comments'>{comments}</div>"
    return _page(rng, body=body).encode("utf-8"), ".shtml"


def doc_sharing_shell(rng):
    body = ("<div class='doc-viewer'><div class='doc-title'>集团化办学实施方案.doc</div>"
            "<div class='doc-info'>页数：12 大小：86KB 下载：<em>325</em>次</div>"
            "<div class='reader' data-src='/view/aj38df.swf'>文档加载中……</div>"
            f"<div class='preview'><p>{rng.choice(SENTENCES)}</p></div>"
            "<a class='btn-download' href='/down/aj38df'>立即下载</a> <a href='/vip/'>开通VIP免费下载</a></div>")
    return _page(rng, body=body).encode("utf-8"), ".php"


def gazette(rng):
    items = "".join(f"<p>{i}．{name}</p>" for i, name in
                    enumerate(rng.sample(["北京市海淀区", "江苏省苏州市吴江区", "浙江省杭州市上城区", "四川省成都市武侯区",
                                          "安徽省合肥市庐阳区", "陕西省西安市碑林区"], 4), 1))
    body = (f"<div id='UCAP-CONTENT'><p style='text-align:center'>{rng.choice(['教基〔2024〕3号', '2024年第3号'])}</p>"
            f"<p style='text-align:center'><strong>一、东部地区</strong></p>{items}"
            "<p style='text-align:right'>教育部</p><p style='text-align:right'>2024年1月25日</p></div>")
    return _page(rng, body=body, title="教育部关于公布第二批学区制改革实验区名单的公告").encode("utf-8"), ".htm"


def numbered_notice(rng):
    items = "".join(f"{i}、{x}<br>" for i, x in enumerate(
        ["检查范围：全县8个学区。", "检查内容：教师走教、课程共享。", "检查方式：听取汇报、随堂听课。", "时间安排：另行通知。"], 1))
    body = f"{items}<div align='right'>县教育局<br>二○一二年五月十四日</div>"
    return _page(rng, body=body, title="关于开展学区制管理改革中期检查的通知").encode("gb18030"), ".asp"


def missing_charset_legacy(rng):
    text = _page(rng)
    encoding = rng.choice(["gb18030", "big5"])
    if encoding == "big5":
        import opencc  # noqa: PLC0415 - only for this kind

        text = opencc.OpenCC("s2t").convert(text)
    return text.encode(encoding, "replace"), rng.choice([".html", ".htm", ""])


def text_page(rng):
    text = rng.choice(HEADLINES) + "\n来源：某某日报 2023-05-06\n" + "\n".join(_prose(rng))
    return text.encode(rng.choice(["utf-8", "gb18030", "utf-16"])), ".txt"


def random_bytes(rng):
    return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 3000))), rng.choice([".html", ".txt", ""])


def binary_file(rng):
    head = rng.choice([b"\x89PNG\r\n\x1a\n", b"%PDF-1.4\n", b"PK\x03\x04", b"\xff\xd8\xff\xe0"])
    return head + bytes(rng.getrandbits(8) for _ in range(2000)), rng.choice([".html", ".jpg", ".pdf", ".txt"])


def empty_or_blank(rng):
    return rng.choice([b"", b"   \n\t", b"\xef\xbb\xbf", b"<html></html>"]), ".html"


def damaged(rng):
    data = bytearray(_page(rng).encode(rng.choice(["utf-8", "gb18030"])))
    del data[rng.randrange(len(data)):]
    for _ in range(rng.randint(0, 20)):
        if data:
            data[rng.randrange(len(data))] = rng.getrandbits(8)
    return bytes(data), rng.choice([".html", ".php", ".aspx", ""])


PAGE_KINDS: dict[str, tuple[float, Callable]] = {
    "bogus-charset": (6, bogus_charset), "xml-declaration": (4, xml_declaration),
    "short-bad-byte": (4, short_bad_byte), "mixed-encoding": (4, mixed_encoding),
    "utf16-32-no-bom": (4, wide_without_bom), "bom": (2, with_bom), "nul-bytes": (3, nul_bytes),
    "lone-surrogate": (2, lone_surrogate), "deep-nesting": (3, deep_nesting),
    "huge-nested": (0.08, huge_nested), "over-size-limit": (0.08, over_size_limit),
    "link-table": (4, link_table), "truncated-nav-only": (3, truncated_nav_only),
    "comment-thread": (3, comment_thread), "doc-sharing-shell": (3, doc_sharing_shell),
    "gazette": (3, gazette), "numbered-notice": (3, numbered_notice),
    "missing-charset": (4, missing_charset_legacy), "text-page": (3, text_page),
    "random-bytes": (3, random_bytes), "binary": (2, binary_file), "empty": (2, empty_or_blank),
    "damaged": (6, damaged),
}

# -- classify input (JSON Lines) ------------------------------------------------------------


def jsonl_file(rng) -> tuple[bytes, str]:
    good = [json.dumps({"id": i, "title": rng.choice(HEADLINES), "text": " ".join(_prose(rng, 1))},
                       ensure_ascii=False) for i in range(rng.randint(1, 5))]
    kind = rng.choice(["invalid-utf8-line", "gbk-file", "utf16-file", "deep-array", "lone-surrogate",
                       "not-object", "truncated", "valid"])
    lines = [x.encode("utf-8") for x in good]
    if kind == "invalid-utf8-line":
        lines.insert(rng.randrange(len(lines) + 1), b'{"text": "\xff\xfe\x80"}')
    elif kind == "gbk-file":
        lines = [x.encode("gb18030") for x in good]
    elif kind == "utf16-file":
        return ("\n".join(good)).encode(rng.choice(["utf-16", "utf-16-le"])), kind
    elif kind == "deep-array":
        lines.insert(0, b"[" * 100_000 + b"]" * 100_000)
    elif kind == "lone-surrogate":
        lines.append(b'{"text": "\\ud800\\udfff\\udc00 \xe5\xad\xa6\xe5\x8c\xba"}')
    elif kind == "not-object":
        lines.append(rng.choice([b"[1, 2]", b'"text"', b"null", b'{"text": 3}', b'{"text": "a", "title": 5}']))
    elif kind == "truncated":
        lines[-1] = lines[-1][: len(lines[-1]) // 2]
    return b"\n".join(lines), kind


# -- the generator --------------------------------------------------------------------------


def generate(folder: Path, n: int, seed: int = 12, *, with_specials: bool = True,
             with_huge: bool = True) -> list[Hostile]:
    """Write ``n`` hostile inputs into ``folder`` (created); return them."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    kinds = [k for k in PAGE_KINDS if with_huge or k not in ("huge-nested", "over-size-limit")]
    weights = [PAGE_KINDS[k][0] for k in kinds]
    made: list[Hostile] = []
    for i in range(n):
        roll = rng.random()
        if with_specials and roll < 0.03:
            made.append(_special(folder, i, rng))
            continue
        if roll < 0.13:
            data, kind = jsonl_file(rng)
            path = folder / f"records-{i:05d}.jsonl"
            path.write_bytes(data)
            made.append(Hostile(path, "jsonl:" + kind, "jsonl"))
            continue
        kind = rng.choices(kinds, weights)[0]
        data, suffix = PAGE_KINDS[kind][1](rng)
        name = f"{i:05d}-{kind}{suffix}"
        if rng.random() < 0.05:  # a GBK file name on a UTF-8 file system
            name = os.fsdecode(f"{i:05d}-".encode() + "学区通知".encode("gbk") + suffix.encode())
        path = folder / name
        path.write_bytes(data)
        made.append(Hostile(path, kind, "page"))
    return made


def _special(folder: Path, i: int, rng: random.Random) -> Hostile:
    kind = rng.choice(["fifo", "broken-symlink", "symlink-loop"])
    path = folder / f"{i:05d}-{kind}.html"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "broken-symlink":
        path.symlink_to(folder / f"missing-{i}.html")
    else:
        path = folder / f"{i:05d}-loop"
        path.symlink_to(folder)
    return Hostile(path, kind, "special")
