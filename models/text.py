"""Text preparation for the learned classifier: prose extraction and tokenization.

Everything here is a module-level function so that a saved pipeline refers
to it by name (skops stores ``edualliance.models.text.tokenize``, not a
pickled closure) and loads it from the installed package.

* :func:`document` joins a title and a text into the one string the
  pipeline reads (first line = title, possibly empty).
* :func:`prepare` keeps what a reader would call the article: the title and
  the prose, without navigation, breadcrumbs, metadata lines, link lists,
  search-result teasers and whatever follows a "related articles" or
  snapshot-disclaimer marker. A model named only there is not a text about
  that model (docs/taxonomy.md, labeling rule).
* :func:`tokenize` segments with jieba and the domain dictionary
  (``corpus/dict/userdict.txt``) so that 教联体, 集团化办学, 片区共同体 … stay
  whole, and drops stopwords (``corpus/dict/stopwords.txt``), punctuation
  and bare numbers.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from importlib import resources

from edualliance.pipeline.normalize import normalize

_DICT_PACKAGE = "edualliance.corpus"

#: Bumped whenever a change here changes what the features see; part of the
#: model's feature signature (a model trained under another version is refused).
PREP_VERSION = 5

#: A bullet-list item (link list, menu).
_LIST_LINE = re.compile(r"^\s*(?:[-•·*▪►>»]\s*)+\S")
#: Sentence-final punctuation: a line ending so is prose, however short.
_SENTENCE_END = re.compile(r"[。！？!?；;…”\"）)]\s*$")
#: Breadcrumbs and "you are here" lines: a location label, or a chain of two or
#: more ``>``/``»`` separators (首页 > 教育 > 正文).
_BREADCRUMB_LABEL = re.compile(r"(?:首页|当前位置|您的位置|你的位置|所在位置)\s*[:：>»/]")
_BREADCRUMB_CHAIN = re.compile(r"(?:\S+\s*[>»]\s*){2,}")


def _is_breadcrumb(line: str) -> bool:
    # The chain pattern backtracks over every start of a long unbroken line
    # (quadratic: 6 ms on a 1,500-character article): run it only on lines with
    # the two separators it needs to match at all.
    if _BREADCRUMB_LABEL.search(line):
        return True
    return line.count(">") + line.count("»") >= 2 and _BREADCRUMB_CHAIN.search(line) is not None
#: Metadata and page furniture lines.
_FURNITURE = re.compile(
    r"^(?:发布时间|发布日期|时间|日期|来源|作者|编辑|责任编辑|审核|浏览|点击|阅读|字号|文章来源)\s*[:：]"
    r"|^(?:分享到|打印|关闭|上一篇|下一篇|上一条|下一条|返回顶部|返回列表|扫一扫|版权所有|Copyright|©)"
    r"|(?:浏览次数|点击数|阅读量|阅读数)[:：]?\s*\d|【(?:打印|关闭)】",
    re.IGNORECASE,
)
#: A short line carrying page metadata anywhere (类别:教育 发布时间:… 来源:…).
_METADATA = re.compile(r"(?:发布时间|发布日期|更新时间|来源|作者|浏览次数|点击数|点击量|责任编辑|编辑)\s*[:：]")
_METADATA_MAX_LEN = 80

#: A line that is only a date or a date and time (the foot of a list item).
_DATE_ONLY = re.compile(
    r"^\s*[\[(（]?\s*\d{4}\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}\s*日?"
    r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*[\])）]?\s*$"
)
#: A snippet of another page, as in search results ("...建成城乡学校发展共同体128对").
_SNIPPET = re.compile(r"^\s*(?:\.{2,}|…+|……)")
#: Everything after one of these lines belongs to other pages.
_TAIL_MARKER = re.compile(
    r"^\s*(?:【?相关(?:阅读|新闻|文章|推荐|链接|资讯|报道)|推荐阅读|延伸阅读|热门(?:推荐|文章|新闻)|热点推荐"
    r"|猜你喜欢|更多.{0,10}(?:资讯|新闻|阅读|文章)|以上内容为.{0,8}快照|本站信息快照|信息原文地址"
    r"|快照生成时间|免责声明|版权声明)"
)
#: A numbered section heading (一、… （二）… 3. …) inside an article.
_SECTION_HEADING = re.compile(r"^\s*(?:[（(]?[一二三四五六七八九十]{1,3}[)）、.．]|第[一二三四五六七八九十]{1,3}[、部章节条]|\d{1,2}[、.．]\D)")

#: A short first line worth keeping as the headline when no title was given.
_HEADLINE_MIN_HAN = 8

_HAN = re.compile(r"[\u3400-\u9fff]")
_TOKEN_KEEP = re.compile(r"[\u3400-\u9fffA-Za-z]")
_DIGITS = re.compile(r"^[\d.%]+$")


#: Markup left in a text (a page saved with its tags, a CMS export): script and
#: style blocks and comments go with their content; block-level tags become line
#: breaks; other tags vanish. A tag cut off at the text's start or end (``class="x">``,
#: ``<span style="``) goes too.
_MARKUP_DROP = re.compile(r"<(script|style|noscript)\b.*?</\1\s*>|<!--.*?(?:-->|$)", re.S | re.I)
_MARKUP_BLOCK = re.compile(
    r"<\s*/?\s*(?:p|div|br|li|tr|td|th|h[1-6]|section|article|table|ul|ol|dl|dd|dt|blockquote|hr|pre)\b[^<>]*>",
    re.I)
_MARKUP_TAG = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?\s*>")
_MARKUP_CUT_HEAD = re.compile(r"^[^<>\n]{0,200}?(?:=\s*\"[^\"<>]*\"|=\s*'[^'<>]*')\s*/?>", re.M)
_MARKUP_CUT_TAIL = re.compile(r"<\s*/?\s*[A-Za-z][^<>\n]*$", re.M)
_ENTITY = re.compile(r"&(?:#\d{1,6}|#x[0-9a-fA-F]{1,5}|[A-Za-z]{2,8});")


def strip_markup(text: str) -> str:
    """The text without HTML tags and entities; text without markup is returned unchanged."""
    if "<" not in text and ">" not in text and "&" not in text:
        return text
    import html

    out = _MARKUP_DROP.sub("", text)
    out = _MARKUP_BLOCK.sub("\n", out)
    out = _MARKUP_TAG.sub("", out)
    out = _MARKUP_CUT_HEAD.sub("", out)
    out = _MARKUP_CUT_TAIL.sub("", out)
    if _ENTITY.search(out):
        out = html.unescape(out).replace("\xa0", " ").replace("\u3000", " ")
    return out


#: Shells of document-sharing, forum and social sites around a reposted text:
#: download and page counters, poster and reply furniture, follow-us prompts.
#: Only short lines are dropped (a sentence of prose may use these words).
_SITE_SHELL = re.compile(
    r"下载积分|文档格式|文档页数|页数\s*[:：]|上传(?:者|时间|人|于)\s*[:：]?|免费下载|立即下载|下载文档|下载本文"
    r"|会员免费|VIP|原创力文档|文档投稿|举报|收藏本文|加入收藏|已收藏|发表于|只看该作者|只看楼主|楼主|沙发|板凳|地板"
    r"|回复\s*\d|引用回复|本帖最后由|积分\s*[:：]?\s*\d|帖子\s*[:：]?\s*\d|主题\s*[:：]?\s*\d|注册时间|阅读权限"
    r"|在线时间|登录后|立即登录|注册账号|扫码|二维码|扫一扫|关注公众号|点击(?:蓝字|上方|关注)|长按识别|预览结束"
    r"|剩余\s*\d+\s*页|第\s*\d+\s*页\s*[/／，,]?\s*共|共\s*\d+\s*页|下载后可编辑|由用户上传|侵权请联系|转载请注明"
    r"|点赞|在看|分享到|朋友圈|微博|QQ空间|评论\s*\(?\d|条评论|查看更多|展开全文|阅读原文|上一页|下一页|返回顶部"
    r"|版权所有|备案号|ICP|公网安备|联系我们|网站地图|设为首页|技术支持",
    re.I,
)
_SITE_SHELL_MAX_LEN = 60
#: A repost's own label before the text (文档介绍：…, 正文：…): the label goes, the text stays.
_SHELL_PREFIX = re.compile(r"^\s*(?:文档介绍|文档简介|内容简介|内容摘要|正文|原文|全文|帖子内容|楼主发言)\s*[:：]\s*")


def is_site_shell(line: str) -> bool:
    return len(line) <= _SITE_SHELL_MAX_LEN and _SITE_SHELL.search(line) is not None


def document(title: str | None, text: str) -> str:
    """The single string the pipeline reads: title line, then the text."""
    title = (title or "").replace("\n", " ").strip()
    return f"{title}\n{text}"


def _han_count(line: str) -> int:
    return len(_HAN.findall(line))


def _is_prose(line: str) -> bool:
    return bool(line) and (len(line) >= 40 or bool(_SENTENCE_END.search(line)))


#: When the sentence rule keeps less than this share of the text's Han
#: characters (a page hard-wrapped into short lines), the short lines are kept.
_HARD_WRAP_SHARE = 0.25
_HARD_WRAP_MIN_HAN = 200


def prose(text: str, *, keep_headline: bool = True) -> str:
    """The article's own sentences: page furniture, lists and trailing blocks dropped.

    A page hard-wrapped into short lines would lose nearly everything to the
    short-line rule; then the short lines are kept (furniture, list items and
    what follows a tail marker are still dropped).
    """
    lines = [_SHELL_PREFIX.sub("", line.strip()) for line in strip_markup(text).splitlines()]
    kept: list[str] = []
    candidates: list[str] = []  # lines that are not furniture or list items
    fragments: list[str] = []  # lines that open with an ellipsis: snippets of other pages, or this text cut
    has_prose = False  # a line kept as prose, not as a headline or section heading
    headline_taken = not keep_headline
    for index, line in enumerate(lines):
        if not line:
            continue
        if _TAIL_MARKER.match(line) and kept:
            break
        if _LIST_LINE.match(line) or _is_breadcrumb(line) or _FURNITURE.match(line) or is_site_shell(line):
            continue
        if _METADATA.search(line) and len(line) < _METADATA_MAX_LEN:
            continue
        if _DATE_ONLY.match(line):
            continue
        if _SNIPPET.match(line):
            fragments.append(_SNIPPET.sub("", line))
            continue
        following = next((ln for ln in lines[index + 1:] if ln), "")
        if _DATE_ONLY.match(following):
            # The headline or teaser of a list item: its date comes next.
            continue
        candidates.append(line)
        if not _SENTENCE_END.search(line) and len(line) < 40:
            # A short line without sentence punctuation: a menu, a headline
            # of a list — or this article's own headline, kept once, first,
            # or a numbered section heading inside the article.
            if _SECTION_HEADING.match(line) and kept and _is_prose(following):
                kept.append(line)
                continue
            if (not headline_taken and not kept and _han_count(line) >= _HEADLINE_MIN_HAN
                    and len(line.split()) <= 3):
                kept.append(line)
                headline_taken = True
            continue
        headline_taken = has_prose = True
        kept.append(line)
    if fragments and not has_prose:
        # No prose but fragments (a headline at most): the input is itself an excerpt (a reply
        # or teaser cut at the front), not a page that quotes other pages' snippets.
        return "\n".join([*kept, *fragments])
    available = sum(_han_count(line) for line in candidates)
    if available >= _HARD_WRAP_MIN_HAN and sum(_han_count(line) for line in kept) < _HARD_WRAP_SHARE * available:
        return "\n".join(candidates)
    return "\n".join(kept)


def prepare(doc: str) -> str:
    """Title plus prose of one :func:`document`, in Simplified script."""
    title, _, text = doc.partition("\n")
    title = strip_markup(title).replace("\n", " ")
    text, _script = normalize(text)
    title, _script = normalize(title)
    body = prose(text, keep_headline=not title.strip())
    return f"{title.strip()}\n{body}" if title.strip() else body


#: Paragraph units: a line shorter than this joins the next (a heading or a
#: one-line lead belongs with what follows); a paragraph longer than
#: PARAGRAPH_MAX is cut at sentence ends into pieces of about that size.
#: 180, about the median training article (170 characters): a passage about a
#: model inside a long run-on paragraph is then scored at the density the model
#: learned from. Forward by writing round (bench/cv_classify.py --by-round), with
#: each round's texts padded to a page's length with prose that names no model
#: (bench/padding.py): macro-F1 0.885 against 0.839 with 700 (400: 0.857, 250: 0.876,
#: 140: 0.882, 120: 0.880); unpadded 0.944 against 0.943.
PARAGRAPH_MIN = 60
PARAGRAPH_MAX = 180
_SENTENCE = re.compile(r"[^。！？!?；;]*[。！？!?；;]+[”」』）)]*|[^。！？!?；;]+$")


def paragraphs(prepared: str) -> list[str]:
    """The paragraphs of a prepared text (title line included in the first), each a unit of evidence."""
    out: list[str] = []
    pending = ""
    for line in prepared.splitlines():
        line = line.strip()
        if not line:
            continue
        pending = f"{pending}\n{line}" if pending else line
        if len(pending) >= PARAGRAPH_MIN:
            out.extend(_cut(pending))
            pending = ""
    if pending:
        if out and len(pending) < PARAGRAPH_MIN:
            out[-1] = f"{out[-1]}\n{pending}"
        else:
            out.append(pending)
    return out


def _cut(paragraph: str) -> list[str]:
    if len(paragraph) <= PARAGRAPH_MAX:
        return [paragraph]
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE.findall(paragraph):
        if current and len(current) + len(sentence) > PARAGRAPH_MAX:
            pieces.append(current)
            current = ""
        current += sentence
    if current:
        if pieces and len(current) < PARAGRAPH_MIN:
            pieces[-1] += current
        else:
            pieces.append(current)
    return pieces


def prepare_texts(docs) -> list[str]:
    """:func:`prepare` over a sequence (the pipeline's first step)."""
    return [prepare(doc) for doc in docs]


def dict_path(name: str):
    return resources.files(_DICT_PACKAGE).joinpath("dict", name)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    text = dict_path("stopwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


@lru_cache(maxsize=1)
def _segmenter():
    import warnings

    with warnings.catch_warnings():
        # jieba imports pkg_resources, which warns on import.
        warnings.simplefilter("ignore")
        import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    if tokenizer.dictionary == jieba.dt.dictionary:
        # jieba's global tokenizer (which pipeline.facts tags with) has the same dictionary: this
        # one starts from a copy of its table, which shares the 350,000 words and their counts
        # with it (a second table, about 20 MiB, instead of a second dictionary, about 65 MiB),
        # then adds the domain words to the copy only.
        jieba.dt.check_initialized()
        tokenizer.FREQ, tokenizer.total = dict(jieba.dt.FREQ), jieba.dt.total
        tokenizer.initialized = True
    with resources.as_file(dict_path("userdict.txt")) as path:
        tokenizer.load_userdict(str(path))
    tokenizer.initialize()
    return tokenizer


def segment(text: str) -> list[str]:
    """jieba segmentation with the domain dictionary, nothing dropped.

    Search mode: a long word also yields the dictionary words inside it, so
    县域教联体 gives 县域教联体, 县域 and 教联体, and 城乡教育共同体 gives 教育共同体 too;
    regional compounds then share the core term's weight.
    """
    return _segmenter().lcut_for_search(text, HMM=False)


def tokenize(text: str) -> list[str]:
    """Content words: segmented, without stopwords, punctuation or bare numbers.

    Segmented sentence by sentence, each sentence's tokens cached: the
    classifier reads an article both whole and paragraph by paragraph (see
    scoring.py), and jieba then runs once per sentence. jieba never joins
    words across a line break or sentence punctuation, so the tokens are
    those of segmenting the text at once.
    """
    tokens: list[str] = []
    for line in text.split("\n"):
        for sentence in _SENTENCE_PIECE.findall(line):
            tokens.extend(_line_tokens(sentence))
    return tokens


#: A sentence with its closing punctuation, or a last piece without any.
_SENTENCE_PIECE = re.compile(r"[^。！？!?；;]*[。！？!?；;]+|[^。！？!?；;]+")


def forget_lines() -> None:
    """Empty the per-line token cache (see :func:`tokenize`)."""
    _line_tokens.cache_clear()


@lru_cache(maxsize=32768)
def _line_tokens(line: str) -> tuple[str, ...]:
    stop = stopwords()
    return tuple(
        token for token in segment(line)
        if token not in stop and _TOKEN_KEEP.search(token) and not _DIGITS.match(token)
    )
