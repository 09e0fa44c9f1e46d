"""The demo trend's two sites (see trend.py): the portal's local channel
(``difang``) and the repost portal (``huibao``), rendered from ``Page`` records."""

from __future__ import annotations

from .sites import E, head, rfc822

#: Headlines per listing page of the local channel.
PER_PAGE = 10
#: Other headlines shown under an article (a real portal shows a few, not all).
RELATED = 6


def difang_article(p, others: list) -> str:
    body = "".join(f"<p>{E(x)}</p>\n" for x in p.paragraphs)
    related = "".join(f'<li><a href="{o.path}">{E(o.title)}</a> <span>{o.day}</span></li>\n' for o in others)
    return head(f"{p.title} - 地方教育 - 中国教育在线网") + f"""<body>
<div class="nav"><a href="/difang/">首页</a> <a href="/difang/">地方教育</a></div>
<div class="position">您的位置：<a href="/difang/">首页</a> &gt; <a href="/difang/">地方教育</a> &gt; 正文</div>
<div class="article">
<h1>{E(p.title)}</h1>
<div class="source">来源：{E(p.outlet)}　　发布时间：{p.date}　　<a href="javascript:window.print()">打印</a></div>
<div class="TRS_Editor">
{body}</div>
<div class="editor">（责任编辑：王佳）</div>
</div>
<div class="xgxw"><h3>相关新闻</h3><ul>
{related}</ul></div>
<div class="foot">关于我们 | 联系方式 | 版权声明　京ICP证000000号</div>
</body>
</html>
"""


def difang_listing(items: list, page_no: int, pages: int) -> str:
    rows = "".join(f'<li><span>{p.day}</span><a href="{p.path}">{E(p.title)}</a></li>\n' for p in items)

    def name(n: int) -> str:
        return "index.html" if n == 1 else f"index_{n}.html"

    nav = [f'<a href="/difang/{name(n)}">{n}</a>' if n != page_no else f"<b>{n}</b>" for n in range(1, pages + 1)]
    if page_no < pages:
        nav.append(f'<a href="/difang/{name(page_no + 1)}">下一页</a>')
    return head("地方教育 - 中国教育在线网") + f"""<body>
<div class="nav"><a href="/difang/">首页</a> <a href="/difang/">地方教育</a></div>
<ul class="newslist">
{rows}</ul>
<div class="page">{" ".join(nav)}　共{pages}页</div>
</body>
</html>
"""


def huibao_article(p) -> str:
    body = "".join(f"<p>　　{E(x)}</p>\n" for x in p.paragraphs)
    year, month, day = p.day.split("-")
    return head(f"{p.title}_教育汇报网") + f"""<body>
<div class="top">教育汇报网 | <a href="/huibao/">首页</a> | <a href="/huibao/rss.xml">订阅</a></div>
<div class="detail">
<h1 class="title">{E(p.title)}</h1>
<p class="meta">{year}年{month}月{day}日 {p.date[11:]}　来源：{E(p.outlet)}</p>
<div class="detail-body">
{body}</div>
<p class="note">【编者按】本网转载此文是出于传递更多信息之目的，不代表本网观点。</p>
</div>
<div class="hot"><h3>热点推荐</h3><ul><li>专题：教育强国建设</li></ul></div>
</body>
</html>
"""


def huibao_rss(pages: list) -> str:
    items = "".join(
        f"<item><title>{E(p.title)}</title><link>{{base}}{p.path}</link>"
        f"<pubDate>{rfc822(p.date)}</pubDate><description>{E(p.paragraphs[0][:60])}</description></item>\n"
        for p in pages
    )
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            "<title>教育汇报网</title><link>{base}/huibao/</link>\n" + items + "</channel></rss>\n")


def render_trend(by_site: dict[str, list], put) -> None:
    """Write the two trend sites with ``put(path, text)``."""
    local = sorted(by_site.get("difang", []), key=lambda p: p.date, reverse=True)
    for i, p in enumerate(local):
        neighbours = local[max(0, i - RELATED // 2):i] + local[i + 1:i + 1 + RELATED // 2]
        put(p.path, difang_article(p, neighbours))
    chunks = [local[i:i + PER_PAGE] for i in range(0, len(local), PER_PAGE)]
    for n, chunk in enumerate(chunks, start=1):
        put("difang/index.html" if n == 1 else f"difang/index_{n}.html", difang_listing(chunk, n, len(chunks)))
    reposts = sorted(by_site.get("huibao", []), key=lambda p: p.date, reverse=True)
    for p in reposts:
        put(p.path, huibao_article(p))
    put("huibao/rss.xml", huibao_rss(reposts))
    put("huibao/index.html", head("教育汇报网") + "<body><ul>" + "".join(
        f'<li><a href="{p.path}">{E(p.title)}</a></li>' for p in reposts[:10]) + "</ul></body></html>\n")
