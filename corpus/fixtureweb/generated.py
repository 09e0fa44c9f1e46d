"""Generated pages of the /gen/ benchmark site (served by ``server``).

Real Chinese portal pages are 30–150 KB: the article is a few KB of text and
the rest is page furniture (navigation menus with dozens of links, scripts
and styles in the head and the body, sidebars of headline lists, 相关阅读 and
推荐阅读 blocks with teasers, share and comment widgets, footers). The
benchmark's pages are built the same way, so that extraction costs what it
costs on real pages (``bench/bench_crawl.py`` prints trafilatura's rate on
both to show the calibration).

Everything is deterministic in the page number ``i``: the same page is the
same bytes on every request and in every run. All text is made up by
``generated_text``; no real page's text is reproduced. Three site templates (a
modern ``div`` portal, a 2000s ``table`` portal, a government site) take
turns by ``i``.
"""


from __future__ import annotations

from .generated_text import SCHOOL_KIND, Writer, article_date, article_title, title_parts, topic_of

#: Articles linked from one list page.
PER_LIST = 50

_CHANNELS = ("首页", "要闻", "时政", "教育", "社会", "经济", "文化", "体育", "科技", "健康", "旅游", "房产",
             "汽车", "财经", "评论", "图片", "视频", "专题", "法治", "民生", "乡村振兴", "城市", "生活", "招考")
_SUBCHANNELS = ("基础教育", "高等教育", "职业教育", "学前教育", "校园动态", "教育时评", "教师风采", "招生考试",
                "家庭教育", "政策解读", "通知公告", "工作动态", "教研活动", "德育之窗", "安全教育", "信息公开")
_FOOTER_LINKS = ("关于我们", "联系我们", "网站地图", "广告服务", "法律声明", "隐私政策", "招聘信息", "网站导航",
                 "投稿须知", "友情链接", "意见反馈", "版权声明", "服务条款", "诚聘英才", "RSS订阅", "帮助中心",
                 "举报中心", "违法和不良信息举报", "网站纠错", "无障碍浏览")
_SITES = ("生成日报", "云川教育网", "生成市教育局")
_CSS_PROPS = ("margin", "padding", "color", "background", "font-size", "line-height", "border", "width",
              "height", "display", "float", "text-align", "overflow", "position", "top", "left")
_CSS_VALUES = ("0", "0 auto", "#333", "#fff", "#c00", "#f5f5f5", "14px", "12px", "24px", "1.8", "1px solid #ddd",
               "100%", "auto", "block", "none", "left", "center", "hidden", "relative", "absolute", "10px 0")
_CLASS_WORDS = ("nav", "top", "main", "box", "list", "item", "title", "con", "side", "hot", "news", "pic",
                "txt", "more", "foot", "share", "cmt", "tab", "hd", "bd", "wrap", "inner", "left", "right")




# -- page furniture -----------------------------------------------------------------------------


def _style(w: Writer, rules: int) -> str:
    r = w.rng
    out = []
    for _ in range(rules):
        selector = ",".join("." + r.choice(_CLASS_WORDS) + "-" + r.choice(_CLASS_WORDS) + " " + r.choice("a li p span div h3 img".split())
                            for _ in range(r.randint(2, 4)))
        decls = ";".join(f"{r.choice(_CSS_PROPS)}:{r.choice(_CSS_VALUES)}" for _ in range(r.randint(2, 7)))
        out.append(f"{selector}{{{decls}}}")
    return "<style type=\"text/css\">\n" + "\n".join(out) + "\n</style>\n"


def _script(w: Writer, statements: int, n: int) -> str:
    """Inline script: a minified-looking loader plus a data object (real pages embed both)."""
    r = w.rng
    out = ["(function(w,d){"]
    for _ in range(statements):
        a, b, c = w.js_name(), w.js_name(), w.js_name()
        kind = r.randrange(4)
        if kind == 0:
            out.append(f"var {a}=d.getElementById('{r.choice(_CLASS_WORDS)}{r.randint(1, 99)}');"
                       f"if({a}){{{a}.style.display='{r.choice(('none', 'block'))}';}}")
        elif kind == 1:
            out.append(f"function {a}({b},{c}){{return {b}.length>{r.randint(1, 50)}?{b}.slice(0,{c}):{b};}}")
        elif kind == 2:
            out.append(f"w.{a}=w.{a}||[];w.{a}.push(['_trackEvent','{r.choice(_CLASS_WORDS)}',"
                       f"'{r.randint(1000, 99999)}']);")
        else:
            items = ",".join(
                f'{{"id":{j},"title":"{article_title(j)}","url":"/gen/a/{j}.html","img":"/img/{r.randint(1, 999)}.jpg"}}'
                for j in (r.randrange(n) for _ in range(r.randint(2, 6))))
            out.append(f"var {a}=[{items}];")
    out.append("})(window,document);")
    return "<script type=\"text/javascript\">" + "".join(out) + "</script>\n"


def _headline_items(w: Writer, n: int, count: int, dates: bool = False, numbered: bool = False) -> str:
    r = w.rng
    out = []
    for k in range(count):
        j = r.randrange(n)
        num = f'<span class="num">{k + 1}</span>' if numbered else ""
        date = f'<span class="date">{article_date(j)[5:]}</span>' if dates else ""
        out.append(f'<li>{num}<a href="/gen/a/{j}.html" target="_blank" title="{article_title(j)}">'
                   f"{article_title(j)}</a>{date}</li>")
    return "".join(out)


def _nav(w: Writer, lists: int, style: int) -> str:
    r = w.rng
    channels = list(_CHANNELS)
    r.shuffle(channels)
    rows = []
    for row in range(r.randint(2, 3)):
        cells = []
        for name in channels[row * 8:(row + 1) * 8 + r.randint(0, 4)]:
            href = "/gen/" if name == "首页" else f"/gen/list_{1 + r.randrange(lists)}.html"
            cells.append(f'<a href="{href}">{name}</a>')
        if style == 1:
            rows.append("<tr><td class=\"navtd\">" + "</td><td>|</td><td>".join(cells) + "</td></tr>")
        else:
            rows.append("<ul class=\"nav-row\">" + "".join(f"<li>{c}</li>" for c in cells) + "</ul>")
    subs = "".join(f'<a href="/gen/list_{1 + r.randrange(lists)}.html">{name}</a>'
                   for name in r.sample(_SUBCHANNELS, r.randint(8, 14)))
    menus = []  # drop-down menus: hidden until hovered, but in the page
    for name in channels[: r.randint(6, 10)]:
        items = "".join(f'<li><a href="/gen/list_{1 + r.randrange(lists)}.html"><span>{sub}</span></a></li>'
                        for sub in r.sample(_SUBCHANNELS, r.randint(3, 6)))
        menus.append(f'<div class="menu-item"><div class="menu-hd"><a href="/gen/">{name}</a><i class="arrow"></i></div>'
                     f'<div class="menu-bd" style="display:none"><ul>{items}</ul></div></div>')
    subs += '<div class="mega-menu">' + "".join(menus) + "</div>"
    top = ('<div class="topbar"><span>欢迎访问！今天是' + article_date(r.randrange(5000)) + '</span>'
           '<a href="javascript:void(0)">登录</a><a href="javascript:void(0)">注册</a>'
           '<a href="javascript:void(0)">手机版</a><a href="javascript:void(0)">无障碍</a>'
           '<a href="javascript:void(0)">English</a>'
           '<form action="/search" method="get"><input type="text" name="q" value="请输入关键词">'
           '<select name="c"><option>全站</option><option>新闻</option><option>公告</option></select>'
           '<button type="submit">搜索</button></form></div>\n')
    if style == 1:
        return (top + '<table width="960" border="0" cellpadding="0" cellspacing="0" class="nav">'
                + "".join(rows) + f'</table>\n<table width="960"><tr><td class="subnav">{subs}</td></tr></table>\n')
    return top + f'<div class="header"><div class="logo"><a href="/gen/">{_SITES[style]}</a></div>' \
                 f'<div class="nav">{"".join(rows)}</div><div class="subnav">{subs}</div></div>\n'


def _sidebar(w: Writer, n: int, links: int) -> str:
    r = w.rng
    boxes = [("热点排行", True, False), ("最新资讯", False, True), ("专题推荐", False, False),
             ("图片新闻", False, False), ("通知公告", False, True)]
    r.shuffle(boxes)
    out = ['<div class="side">']
    left = links
    for name, numbered, dates in boxes[: r.randint(3, 5)]:
        count = min(left, r.randint(10, 25))
        if count <= 0:
            break
        left -= count
        out.append(f'<div class="side-box"><div class="side-hd"><h3>{name}</h3>'
                   f'<a class="more" href="/gen/list_1.html">更多&gt;&gt;</a></div>'
                   f'<ul class="side-list">{_headline_items(w, n, count, dates, numbered)}</ul></div>')
    out.append("</div>\n")
    return "".join(out)


def _related(w: Writer, n: int, title: str, count: int) -> str:
    r = w.rng
    items = []
    for _ in range(count):
        j = r.randrange(n)
        items.append(f'<li><h4><a href="/gen/a/{j}.html">{article_title(j)}</a></h4>'
                     f'<p class="summary">{w.teaser()}</p><span class="time">{article_date(j)}</span></li>')
    return f'<div class="related"><div class="hd"><h3>{title}</h3></div><ul>{"".join(items)}</ul></div>\n'


def _feed(w: Writer, n: int, count: int) -> str:
    """A recommendation feed: picture, headline, teaser and counters per item, several wrappers deep."""
    r = w.rng
    items = []
    for _ in range(count):
        j = r.randrange(n)
        items.append(
            f'<div class="feed-item clearfix"><div class="feed-pic"><a href="/gen/a/{j}.html" target="_blank">'
            f'<img src="/img/{r.randint(1, 9999)}.jpg" alt="{article_title(j)}"></a></div>'
            f'<div class="feed-txt"><h4><a href="/gen/a/{j}.html" target="_blank">{article_title(j)}</a></h4>'
            f'<p class="feed-summary">{w.teaser()}</p><div class="feed-meta"><span class="src">{r.choice(_SITES)}</span>'
            f'<span class="time">{article_date(j)}</span><span class="cmt"><a href="/gen/a/{j}.html#comment">'
            f'{r.randint(0, 999)}评</a></span><span class="tag">{r.choice(_SUBCHANNELS)}</span></div></div></div>')
    return (f'<div class="feed"><div class="feed-hd"><span class="cur">为你推荐</span><span>热门</span><span>图片</span>'
            f'</div><div class="feed-bd">{"".join(items)}</div><a class="feed-more" href="/gen/list_1.html">'
            f'加载更多</a></div>\n')


def _share(w: Writer) -> str:
    return ('<div class="share-bar"><span>分享到：</span><a href="javascript:void(0)" class="wx">微信</a>'
            '<a href="javascript:void(0)" class="wb">微博</a><a href="javascript:void(0)" class="qz">QQ空间</a>'
            '<a href="javascript:void(0)" class="db">豆瓣</a><a href="javascript:window.print()">打印</a>'
            '<a href="javascript:window.close()">关闭</a>'
            '<span class="font">字号：<a href="javascript:void(0)">大</a><a href="javascript:void(0)">中</a>'
            '<a href="javascript:void(0)">小</a></span></div>\n')


def _comments(w: Writer, count: int) -> str:
    r = w.rng
    items = []
    for _ in range(count):
        topic = w.random_topic()
        text = w.sentence(topic, w.place())[: r.randint(15, 60)]
        items.append(f'<li class="cmt-item"><div class="cmt-user">{w.place()}网友 {w.person()}</div>'
                     f'<div class="cmt-text">{text}</div><div class="cmt-ops"><span>{article_date(r.randrange(5000))}'
                     f' {r.randint(8, 23):02d}:{r.randint(0, 59):02d}</span>'
                     f'<a href="javascript:void(0)">回复</a><a href="javascript:void(0)">赞({r.randint(0, 99)})</a>'
                     f'</div></li>')
    return (f'<div class="comment" id="comment"><div class="cmt-hd">网友评论 <span>已有{count + r.randint(0, 50)}条评论'
            f'</span></div><form class="cmt-form"><textarea name="content">文明上网，理性发言</textarea>'
            f'<button type="button">发表评论</button></form><ul class="cmt-list">{"".join(items)}</ul>'
            f'<a href="javascript:void(0)" class="cmt-more">查看更多评论</a></div>\n')


def _footer(w: Writer, style: int) -> str:
    r = w.rng
    links = " | ".join(f'<a href="/about/{k}.html">{name}</a>'
                       for k, name in enumerate(r.sample(_FOOTER_LINKS, r.randint(10, 18))))
    site = _SITES[style]
    body = (f'<div class="links">{links}</div><p>主办单位：{site}　承办：{site}信息中心　'
            f'地址：{w.place()}人民路{r.randint(1, 300)}号　邮编：{r.randint(100000, 850000)}</p>'
            f'<p>版权所有 © 2005-2024 {site} 未经授权禁止转载　ICP备{r.randint(10000000, 99999999)}号　'
            f'公网安备{r.randint(10000000000000, 99999999999999)}号</p>'
            f'<p>联系电话：0{r.randint(100, 999)}-{r.randint(1000000, 9999999)}　技术支持：{site}网络部</p>')
    if style == 1:
        return f'<table width="960" class="footer"><tr><td align="center">{body}</td></tr></table>\n'
    return f'<div class="footer">{body}</div>\n'


def _head(w: Writer, title: str, description: str, n: int, style: int, extra: str = "") -> str:
    r = w.rng
    site = _SITES[style]
    links = "".join(f'<link rel="stylesheet" type="text/css" href="/static/css/{w.js_name()}.css">'
                    for _ in range(r.randint(2, 6)))
    scripts = "".join(f'<script type="text/javascript" src="/static/js/{w.js_name()}.js"></script>'
                      for _ in range(r.randint(2, 6)))
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        f'<title>{title}_{site}</title>\n'
        f'<meta name="keywords" content="{title},{site},教育">\n'
        f'<meta name="description" content="{description}">\n{extra}'
        f'{links}\n{scripts}\n{_style(w, r.randint(40, 160))}{_script(w, r.randint(15, 60), n)}</head>\n'
    )


# -- pages --------------------------------------------------------------------------------------


def generated_article(i: int, n: int = 100000) -> str:
    """Article page ``i`` of a site of ``n`` articles (30–150 KB, 6–15 paragraphs)."""
    n = max(n, 1)
    w = Writer(i * 104729 + 7)
    r = w.rng
    style = i % 3
    topic = topic_of(i)
    title_place, title = title_parts(i)
    lists = max(1, -(-n // PER_LIST))
    day = article_date(i)
    author, editor = w.person(), w.person()
    site = _SITES[style]

    paragraphs = []
    count = r.randint(6, 15)
    for k in range(count):
        if k and count >= 9 and r.random() < 0.12:
            paragraphs.append(f"<p><strong>{'一二三四五六'[min(5, k // 3)]}、{w.fill(r.choice(_SUBHEADS))}</strong></p>")
        paragraphs.append(f"<p>　　{w.paragraph(topic, title_place)}</p>")
        if k == 1 and r.random() < 0.5:
            paragraphs.append(f'<p style="text-align:center"><img src="/img/{r.randint(1, 9999)}.jpg" '
                              f'alt="" width="600"></p><p style="text-align:center">图为{title_place}'
                              f'{r.choice(SCHOOL_KIND)}的学生在上课。{w.person()} 摄</p>')
    lead = f"本报讯（记者 {author}）" if style == 0 else ""
    if lead:
        paragraphs[0] = paragraphs[0].replace("<p>　　", "<p>　　" + lead, 1)
    description = w.sentence(topic, title_place)[:60]
    prev_next = (f'<div class="page-turn"><p>上一篇：<a href="/gen/a/{(i - 1) % n}.html">{article_title((i - 1) % n)}</a></p>'
                 f'<p>下一篇：<a href="/gen/a/{(i + 1) % n}.html">{article_title((i + 1) % n)}</a></p></div>\n')
    tags = "".join(f'<a href="/gen/list_{1 + r.randrange(lists)}.html">{name}</a>'
                   for name in r.sample(_SUBCHANNELS, 4))
    info = (f'<span class="time">{day} {r.randint(7, 22):02d}:{r.randint(0, 59):02d}</span>'
            f'<span class="source">来源：{site}</span><span class="author">作者：{author}</span>'
            f'<span class="views">浏览次数：{r.randint(50, 9000)}</span>')
    content = "\n".join(paragraphs)
    article = (
        f'<div class="crumb">当前位置：<a href="/gen/">首页</a> &gt; <a href="/gen/list_1.html">教育</a> &gt; 正文</div>\n'
        f'<div class="article"><h1>{title}</h1>\n<div class="info">{info}</div>\n{_share(w)}'
        f'<div class="content" id="content">\n{content}\n</div>\n'
        f'<div class="editor">（责任编辑：{editor}）</div>\n'
        f'<div class="tags">标签：{tags}</div>\n{prev_next}</div>\n'
    )
    extras = (_related(w, n, "相关阅读", r.randint(5, 8)) + _related(w, n, "推荐阅读", r.randint(5, 8))
              + _share(w) + _comments(w, r.randint(3, 8)) + _feed(w, n, r.randint(4, 10)))
    body_scripts = "".join(_script(w, r.randint(5, 25), n) for _ in range(r.randint(2, 6)))
    sidebar = _sidebar(w, n, r.randint(60, 100))
    if style == 1:  # a 2000s portal: layout tables
        main = (f'<table width="960" border="0" cellspacing="0" cellpadding="0" class="main"><tr>'
                f'<td width="660" valign="top">{article}{extras}</td>'
                f'<td width="10"></td><td width="290" valign="top">{sidebar}</td></tr></table>\n')
    else:
        main = (f'<div class="wrap"><div class="main-left">{article}{extras}</div>'
                f'<div class="main-right">{sidebar}</div></div>\n')
    return (_head(w, title, description, n, style,
                  f'<meta property="og:title" content="{title}">\n<meta name="publishdate" content="{day}">\n')
            + f'<body>\n{_nav(w, lists, style)}{main}{_footer(w, style)}{body_scripts}</body></html>\n')



_SUBHEADS = ("聚焦薄弱环节，补齐发展短板", "创新体制机制，激发办学活力", "共享优质资源，促进均衡发展",
             "强化队伍建设，提升育人水平", "完善评价体系，推动内涵发展", "坚持问题导向，狠抓工作落实")


def generated_listing(page_no: int, n: int, per_list: int = PER_LIST) -> str:
    """List page ``page_no`` (1-based): ``per_list`` headlines with dates and teasers, and the page furniture."""
    w = Writer(-page_no * 31 - 5)
    r = w.rng
    style = page_no % 3
    lists = max(1, -(-n // per_list))
    first = (page_no - 1) * per_list
    rows = []
    for i in range(first, min(n, first + per_list)):
        rows.append(f'<li><h3><a href="/gen/a/{i}.html" target="_blank">{article_title(i)}</a></h3>'
                    f'<p class="summary">{w.teaser()}</p><span class="date">{article_date(i)}</span></li>')
    pages = []
    if page_no > 1:
        pages.append(f'<a href="/gen/list_{page_no - 1}.html">上一页</a>')
    for k in range(max(1, page_no - 3), min(lists, page_no + 3) + 1):
        pages.append(f'<a href="/gen/list_{k}.html">{k}</a>' if k != page_no else f"<span>{k}</span>")
    if first + per_list < n:
        pages.append(f'<a href="/gen/list_{page_no + 1}.html">下一页</a>')
    title = f"教育新闻 第{page_no}页"
    main = (f'<div class="wrap"><div class="main-left"><div class="crumb">当前位置：<a href="/gen/">首页</a> &gt; 教育新闻</div>'
            f'<ul class="news-list">{"".join(rows)}</ul><div class="pages">{"".join(pages)}</div></div>'
            f'<div class="main-right">{_sidebar(w, n, r.randint(40, 70))}</div></div>\n{_feed(w, n, r.randint(6, 12))}')
    body_scripts = "".join(_script(w, r.randint(5, 20), n) for _ in range(r.randint(1, 4)))
    return (_head(w, title, "教育新闻列表", n, style)
            + f'<body>\n{_nav(w, lists, style)}{main}{_footer(w, style)}{body_scripts}</body></html>\n')
