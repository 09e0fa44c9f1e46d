"""The six sites of the fixture web, page by page, each in the layout and mess of the kind of site it stands for.

Navigation bars, breadcrumbs, share buttons, 责编 lines, headline link lists,
pagination, RSS, sitemaps (one gzipped), a GBK government site: ``build``
puts the pages together, ``server`` serves them with each site's habits.
"""

from __future__ import annotations

import gzip
import html
from pathlib import Path

from .content import Page

E = html.escape


# Headlines of other sections: link-list noise at the foot of every news page (seed 000's kind).
NOISE_HEADLINES = [
    "揭阳惠来县扶贫小额信贷发放破亿，特色种养业获资金支持",
    "榕江新城地标建筑封顶，粤东数字经济总部基地崛起",
    "普宁市洪阳镇香蕉冷链物流中心启用",
    "揭阳潮汕卤鹅非遗传承人开直播，万人围观卤水开缸仪式",
    "惠来县渔民转产培训中心年度结业学员突破千人",
    "揭东玉滘镇潮绣工坊拥抱元宇宙",
    "揭阳侨批档案馆发现1920年代跨国书信",
    "揭西县荣膺“中国天然氧吧”称号",
    "揭阳跨境电商退货中心仓正式启用",
    "揭阳鞋企扬帆非洲，自主品牌覆盖30国市场",
]


def head(title: str, charset: str = "utf-8", extra: str = "") -> str:
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">\n'
        f"<title>{E(title)}</title>\n{extra}"
        '<script type="text/javascript">var _hmt = _hmt || []; (function(){var hm=document.createElement("script");})();</script>\n'
        "</head>\n"
    )


# -- jynews: local news portal ----------------------------------------------------------


def jynews_article(p: Page, others: list[Page]) -> str:
    related = "".join(f'<li><a href="{o.path}" target="_blank">• {E(o.title)}</a></li>\n' for o in others)
    noise = "".join(
        f'<li><a href="/jynews/shehui/{i}.html" target="_blank">• {E(h)}</a></li>\n'
        for i, h in enumerate(NOISE_HEADLINES)
    )
    body = "".join(f"<p>　　{E(x)}</p>\n" for x in p.paragraphs)
    return head(f"{p.title}_榕江新闻网") + f"""<body>
<div class="topbar"><a href="/jynews/">首页</a> | <a href="/jynews/shizheng/">时政</a> | <a href="/jynews/edu/">教育</a> | <a href="/jynews/shehui/">社会</a> | <a href="/jynews/caijing/">财经</a> | <a href="/jynews/video/">视频</a> | <a href="/jynews/login.html">登录</a></div>
<div class="logo"><img src="/jynews/img/logo.png" alt="榕江新闻网"></div>
<div class="crumb">当前位置：<a href="/jynews/">首页</a> &gt; <a href="/jynews/edu/">教育</a> &gt; 正文</div>
<div class="main">
<h1>{E(p.title)}</h1>
<div class="info"><span>{p.date}</span>　<span>来源：{E(p.outlet)}</span>　<span>作者：{E(p.author or "")}</span></div>
<div class="share">分享到：<a href="javascript:;">微信</a> <a href="javascript:;">微博</a> <a href="javascript:;">QQ空间</a></div>
<div class="content">
{body}</div>
<div class="editor">责任编辑：李明</div>
</div>
<div class="related"><h3>相关新闻</h3><ul>
{related}{noise}</ul></div>
<div class="footer">版权所有 榕江新闻网 粤ICP备00000000号 违法和不良信息举报电话：0663-0000000</div>
</body>
</html>
"""


def jynews_listing(items: list[Page], page_no: int, pages: int) -> str:
    rows = "".join(
        f'<li><a href="{p.path}" title="{E(p.title)}">{E(p.title)}</a><span class="date">{p.day}</span></li>\n'
        for p in items
    )
    nav = []
    if page_no > 1:
        prev = "index.html" if page_no == 2 else f"index_{page_no - 1}.html"
        nav.append(f'<a href="/jynews/edu/{prev}">上一页</a>')
    for n in range(1, pages + 1):
        name = "index.html" if n == 1 else f"index_{n}.html"
        nav.append(f'<a href="/jynews/edu/{name}">{n}</a>' if n != page_no else f"<span>{n}</span>")
    if page_no < pages:
        nav.append(f'<a href="/jynews/edu/index_{page_no + 1}.html">下一页</a>')
    return head("教育_榕江新闻网") + f"""<body>
<div class="topbar"><a href="/jynews/">首页</a> | <a href="/jynews/edu/">教育</a> | <a href="/jynews/shehui/">社会</a></div>
<div class="crumb">当前位置：<a href="/jynews/">首页</a> &gt; 教育</div>
<ul class="list">
{rows}</ul>
<div class="pages">{" ".join(nav)}</div>
<div class="footer">版权所有 榕江新闻网 粤ICP备00000000号</div>
</body>
</html>
"""


# -- fanwen: essay site ----------------------------------------------------------------


def fanwen_article(p: Page, prev: Page | None, nxt: Page | None, others: list[Page]) -> str:
    body = "".join(f"<p>{E(x)}</p>\n" for x in p.paragraphs)
    prev_link = f'上一篇：<a href="{prev.path}">{E(prev.title)}</a>' if prev else "上一篇：没有了"
    next_link = f'下一篇：<a href="{nxt.path}">{E(nxt.title)}</a>' if nxt else "下一篇：没有了"
    related = "".join(f'<li>- <a href="{o.path}">{E(o.title)}</a></li>\n' for o in others)
    fillers = ["新形势下高校学生廉洁教育存在问题与对策报告", "推进高校高质量发展研讨会议讲话",
               "县领导在“戏曲进校园”活动启动仪式上的讲话", "市优化营商环境的实施意见"]
    related += "".join(f'<li>- <a href="/fanwen/gongzuo/{100 + i}.html">{E(t)}</a></li>\n' for i, t in enumerate(fillers))
    return head(f"{p.title} - 百合范文网", extra='<meta name="keywords" content="范文,讲话稿,工作总结">\n'
                 '<meta property="og:site_name" content="百合范文网">\n') + f"""<body>
<div class="header"><a href="/fanwen/">百合范文网</a> <a href="/fanwen/jiaoyu/list_12_1.html">教育范文</a> <a href="/fanwen/gongzuo/">工作总结</a> <a href="/fanwen/jianghua/">讲话稿</a> <input type="text" placeholder="搜索范文"></div>
<div class="article">
<h1>{E(p.title)}</h1>
<div class="meta"><p>{E(p.outlet)}</p><p>{p.date}:52</p><p>来源：{E(p.outlet)}　阅读：<span>2175</span></p></div>
<div class="content">
{body}</div>
<div class="tips">《{E(p.title)}》，由互联网用户分享整理，仅供参考。</div>
<div class="prenext"><p>{prev_link}</p><p>{next_link}</p></div>
</div>
<div class="xg"><h3>相关文章</h3><ul>
{related}</ul></div>
<div class="foot">Copyright © 百合范文网 All Rights Reserved</div>
</body>
</html>
"""


def fanwen_listing(items: list[Page], page_no: int, pages: int) -> str:
    rows = "".join(
        f'<dl><dt><a href="{p.path}">{E(p.title)}</a></dt><dd>{E(p.paragraphs[0][:40])}…</dd><dd class="t">{p.day}</dd></dl>\n'
        for p in items
    )
    nav = " ".join(
        (f'<a href="/fanwen/jiaoyu/list_12_{n}.html">{n}</a>' if n != page_no else f"<b>{n}</b>")
        for n in range(1, pages + 1)
    )
    if page_no < pages:
        nav += f' <a href="/fanwen/jiaoyu/list_12_{page_no + 1}.html">下一页</a>'
    return head("教育范文_百合范文网") + f"""<body>
<div class="header"><a href="/fanwen/">百合范文网</a> <a href="/fanwen/jiaoyu/list_12_1.html">教育范文</a></div>
<div class="list">
{rows}</div>
<div class="pagelist">{nav}</div>
<div class="foot">Copyright © 百合范文网</div>
</body>
</html>
"""


# -- journal: journal platform ------------------------------------------------------------


def journal_abstract(p: Page) -> str:
    body = "".join(f"<p>{E(x)}</p>\n" for x in p.paragraphs)
    similar = p.path.replace("/abstract/", "/similar/")
    return head(f"{p.title}--《{p.journal}》") + f"""<body>
<div class="top">首页 | 本刊简介 | 编委会 | <a href="/journal/search.aspx">高级检索</a> | 官方微博</div>
<div class="art">
<h1>{E(p.title)}</h1>
<div class="authors">作者：{E(p.author or "")}</div>
<div class="src">来源：{E(p.outlet)}　《{E(p.journal or "")}》{E(p.issue or "")}　发表日期：{p.day}</div>
<div class="abs"><b>摘要：</b>
{body}</div>
<div class="kw">关键词：{E(p.keywords_line or "")}</div>
<div class="links"><a href="{similar}">相似文献</a>　<a href="javascript:;">下载PDF</a>　<a href="javascript:;">导出引用</a></div>
</div>
<div class="foot">设为首页 | 免责声明 | 关于我们 | 加入收藏<br>Copyright©教育研究期刊网</div>
</body>
</html>
"""


def journal_similar(p: Page, pool: list[Page]) -> str:
    items = [o for o in pool if o.path != p.path] * 2
    rows = []
    for n, o in enumerate(items[:6], start=1):
        line = f"{E(o.author or '')} 《{E(o.journal or '')}》{E(o.issue or '')}"
        rows.append(f'<div class="item"><p>{n}.</p><p>{line}</p><p>{E(o.paragraphs[0])}  '
                    f'<a href="{o.path}">相似文献</a></p></div>\n')
    return head(f"相似文献--{p.title}") + f"""<body>
<div class="top">首页 | 本学科首页　官方微博 | 高级检索</div>
<h2>相似文献</h2>
<div class="stat">共查询到{len(rows)}条相似文献，搜索用时 31 毫秒</div>
{"".join(rows)}
<div class="foot">设为首页 | 免责声明 | 关于我们 | 加入收藏<br>Copyright©教育研究期刊网</div>
</body>
</html>
"""


def journal_search_page(pool: list[dict], keyword: str, page_no: int, per_page: int = 2) -> str:
    """The journal site's search results (served dynamically by the fixture server)."""
    hits = [a for a in pool if keyword and (keyword in a["title"] or keyword in a["text"])]
    shown = hits[(page_no - 1) * per_page:page_no * per_page]
    rows = "".join(
        f'<dl><dt>{(page_no - 1) * per_page + n}.</dt><dd><a href="{a["path"]}">{E(a["title"])}</a></dd>'
        f'<dd>{E(a["byline"])}</dd><dd>{E(a["text"][:80])}…</dd></dl>\n'
        for n, a in enumerate(shown, start=1)
    )
    pages = max(1, -(-len(hits) // per_page))
    nav = (f'<a href="/journal/search.aspx?q={E(keyword)}&amp;page={page_no + 1}">下一页</a>'
           if page_no < pages else "")
    return head(f"检索结果：{keyword}") + f"""<body>
<div class="top">首页 | <a href="/journal/search.aspx">高级检索</a></div>
<div class="stat">检索“{E(keyword)}”，共找到{len(hits)}条结果</div>
{rows or "<p>没有找到相关文献。</p>"}
<div class="pages">{nav}</div>
<div class="foot">Copyright©教育研究期刊网</div>
</body>
</html>
"""


# -- gmw: national portal's local channel ----------------------------------------------------


def gmw_article(p: Page, others: list[Page]) -> str:
    body = "".join(f"<p>　　{E(x)}</p>\n" for x in p.paragraphs)
    more = "".join(
        f'<li><a href="{o.path}">{E(o.paragraphs[0][:60])}</a><span>{o.date}</span></li>\n' for o in others
    )
    return head(f"{p.title}_光明网", extra=f'<link rel="canonical" href="{p.path}">\n') + f"""<body>
<div class="share-m"><p>点击右上角微信好友</p><p>朋友圈</p><p>请使用浏览器分享功能进行分享</p></div>
<div class="reading">正在阅读：{E(p.title)}</div>
<div class="crumb"><a href="/gmw/">首页</a>&gt; <a href="/gmw/local/">地方频道</a>&gt; 要闻 &gt; 正文</div>
<h1 class="u-title">{E(p.title)}</h1>
<div class="m-con-info"><span class="m-con-source">来源：{E(p.outlet)}</span><span class="m-con-time">{p.date}</span></div>
<div class="u-mainText">
{body}</div>
<div class="liability">[ 责编：邱晓琴 ]</div>
<div class="more">阅读剩余全文(</div>
<div class="rel"><h3>相关阅读</h3></div>
<div class="mood">您此时的心情 <span>开心 0</span><span>难过 0</span><span>点赞 0</span></div>
<ul class="list-more">
{more}</ul>
<div class="loadmore">加载更多</div>
</body>
</html>
"""


def gmw_rss(pages: list[Page]) -> str:
    items = "".join(
        f"<item><title>{E(p.title)}</title><link>{{base}}{p.path}</link>"
        f"<pubDate>{rfc822(p.date)}</pubDate><description>{E(p.paragraphs[0][:60])}</description></item>\n"
        for p in pages
    )
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            "<title>光明网-地方频道</title><link>{base}/gmw/local/</link>\n" + items + "</channel></rss>\n")


def rfc822(date: str) -> str:
    from datetime import datetime, timedelta, timezone
    from email.utils import format_datetime

    moment = datetime.strptime(date, "%Y-%m-%d %H:%M").replace(tzinfo=timezone(timedelta(hours=8)))
    return format_datetime(moment)


# -- kd: snapshot aggregator ---------------------------------------------------------------


def kd_article(p: Page, others: list[Page]) -> str:
    body = "".join(f"<p>{E(x)}</p>\n" for x in p.paragraphs)
    more = "".join(
        f'<li><a href="{o.path}">{E(o.title)}</a><p>...{E(o.paragraphs[0][10:70])}</p><span>{o.date}:00</span></li>\n'
        for o in others
    )
    return head(f"{p.title}-每日看点快看") + f"""<body>
<div class="nav"><ul><li>• 我的订阅</li><li>• 教育</li></ul></div>
<div class="article">
<h1>{E(p.title)}</h1>
<div class="info">类别：教育　发布时间：{p.date}:00　来源：每日看点快看</div>
<div class="zz">本文转自：{E(p.repost or p.outlet)}</div>
<div class="text">
{body}</div>
<div class="kz">以上内容为资讯信息快照，由本站爬虫进行采集并收录，本站未对信息做任何修改，信息内容不代表本站立场。</div>
<div class="kz">快照生成时间：{p.date}:07</div>
<div class="kz">本站信息快照查询为非营利公共服务，如有侵权请联系我们进行删除。</div>
</div>
<div class="more"><h3>更多关于教育的资讯</h3><ul>
{more}</ul></div>
</body>
</html>
"""


def kd_sitemaps(pages: list[Page]) -> dict[str, bytes]:
    news = [p for p in pages if p.day >= "2023-10-01"]
    older = [p for p in pages if p.day < "2023-10-01"]
    news_xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        + "".join(
            f"<url><loc>{{base}}{p.path}</loc><news:news><news:publication>"
            f"<news:name>每日看点快看</news:name><news:language>zh</news:language></news:publication>"
            f"<news:publication_date>{p.day}T{p.date[11:]}:00+08:00</news:publication_date>"
            f"<news:title>{E(p.title)}</news:title></news:news></url>\n"
            for p in news
        )
        + "</urlset>\n"
    )
    old_xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "".join(f"<url><loc>{{base}}{p.path}</loc><lastmod>{p.day}</lastmod></url>\n" for p in older)
        + "</urlset>\n"
    )
    index = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        "<sitemap><loc>{base}/kd/sitemap_news.xml</loc></sitemap>\n"
        "<sitemap><loc>{base}/kd/sitemap_2023.xml.gz</loc><lastmod>2023-10-01</lastmod></sitemap>\n"
        "</sitemapindex>\n"
    )
    return {
        "kd/sitemap_index.xml": index.encode(),
        "kd/sitemap_news.xml": news_xml.encode(),
        "kd/sitemap_2023.xml.gz": gzip.compress(old_xml.encode(), mtime=0),
    }


# -- gov: education bureau (GBK) ---------------------------------------------------------


def gov_article(p: Page) -> str:
    body = "".join(f'<p style="text-indent:2em">{E(x)}</p>\n' for x in p.paragraphs)
    files = ""
    if p.attachments:
        base = p.path.rsplit("/", 1)[0]
        files = "<p>附件：</p>\n" + "".join(
            f'<p><a href="{base}/{a["file"]}">{n}. {E(a["title"])}{Path(a["file"]).suffix}</a></p>\n'
            for n, a in enumerate(p.attachments, start=1)
        )
    section = "政策文件" if "/zcwj/" in p.path else "各地动态"
    return head(f"{p.title}_东江市教育局", charset="gb2312") + f"""<body>
<table width="100%"><tr><td class="banner"><img src="/gov/images/banner.jpg" alt="东江市教育局"></td></tr>
<tr><td class="nav"><a href="/gov/">网站首页</a> | <a href="/gov/jyj/gzdt/index.htm">各地动态</a> | <a href="/gov/jyj/zcwj/index.htm">政策文件</a> | <a href="/gov/jyj/xxgk/">信息公开</a> | <a href="/gov/hdjl/">互动交流</a></td></tr></table>
<div class="position">您的位置：<a href="/gov/">首页</a> &gt; {section}</div>
<table class="article" width="900"><tr><td>
<h2 class="title">{E(p.title)}</h2>
<div class="property">发布时间：{p.date}　来源：{E(p.outlet)}　浏览次数：<span id="count">1024</span>　【字体：<a href="javascript:;">大</a> <a href="javascript:;">中</a> <a href="javascript:;">小</a>】</div>
<div class="TRS_Editor">
{body}{files}</div>
<div class="tools">【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】</div>
</td></tr></table>
<div class="footer">主办单位：东江市教育局　版权所有　东ICP备00000001号</div>
</body>
</html>
"""


def gov_listing(items: list[Page], page_no: int, pages: int, section: str, folder: str) -> str:
    rows = "".join(
        f'<tr><td class="dot">·</td><td><a href="{p.path}" target="_blank" title="{E(p.title)}">{E(p.title)}</a></td><td class="date">{p.day}</td></tr>\n'
        for p in items
    )
    def name(n: int) -> str:
        return "index.htm" if n == 0 else f"index_{n}.htm"
    nav = f"共{pages}页　"
    nav += f'<a href="/gov/jyj/{folder}/{name(0)}">首页</a> '
    if page_no > 0:
        nav += f'<a href="/gov/jyj/{folder}/{name(page_no - 1)}">上一页</a> '
    if page_no < pages - 1:
        nav += f'<a href="/gov/jyj/{folder}/{name(page_no + 1)}">下一页</a> '
    nav += f'<a href="/gov/jyj/{folder}/{name(pages - 1)}">尾页</a>'
    return head(f"{section}_东江市教育局", charset="gb2312") + f"""<body>
<table width="100%"><tr><td class="nav"><a href="/gov/">网站首页</a> | <a href="/gov/jyj/gzdt/index.htm">各地动态</a> | <a href="/gov/jyj/zcwj/index.htm">政策文件</a></td></tr></table>
<div class="position">您的位置：<a href="/gov/">首页</a> &gt; {section}</div>
<table class="list" width="900">
{rows}</table>
<div class="page">{nav}</div>
<div class="footer">主办单位：东江市教育局　版权所有</div>
</body>
</html>
"""


# -- the whole web -----------------------------------------------------------------------
