"""Imported by the cleaning workers' fork server first, before it forks them (and before
``shared_model``): what every worker needs is loaded once, here, and shared copy-on-write.

* The cleaning stage imports trafilatura, lxml, readability, htmldate, jieba and
  builds the gazetteer index on first use (about 35 MiB), and the facts extractor
  loads jieba's dictionary and tagger (about 65 MiB): cleaning one small page and
  extracting its facts here does it once for all workers, instead of once per
  worker. (The classifier's tokenizer shares that dictionary's words: models/text.py.)
* pandas and pyarrow are made unimportable in the workers: scikit-learn imports
  pandas whenever it is installed (pandas then imports pyarrow), only to recognise
  DataFrame inputs, which the workers never pass (they classify lists of strings,
  and touch no database). That is about 90 MiB the workers do not load; scikit-learn
  then behaves as it does where pandas is not installed, a configuration it supports.
  (A ``None`` entry in ``sys.modules`` makes ``import`` raise ImportError.) The
  storing process, which bulk-loads through Arrow, is not affected.
"""

from __future__ import annotations

import gc
import sys
from datetime import datetime

#: Libraries the workers never use that others import when they are installed.
NOT_IN_WORKERS = ("pandas", "pyarrow")

_SAMPLE = """<!doctype html><html><head><meta charset="utf-8"><title>城乡学校共同体建设推进会召开</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/news/">新闻</a></div>
<h1>城乡学校共同体建设推进会召开</h1><div class="info">发布时间：2024-03-12 来源：县教育局</div>
<div class="content"><p>3月12日，青海省海东市乐都区召开城乡学校共同体建设推进会，总结集团化办学和结对帮扶经验。</p>
<p>会议要求各共同体完善教研联动机制，推动优质教育资源向农村学校延伸，促进义务教育优质均衡发展。</p>
<p>下一步，全区将以教联体建设为抓手，深化学区制改革，建立健全教师交流轮岗制度。</p></div></body></html>"""


def _block() -> None:
    for name in NOT_IN_WORKERS:
        if name not in sys.modules:  # never taken away from a process that has it loaded
            sys.modules[name] = None  # type: ignore[assignment]


def _warm_cleaning() -> None:
    try:
        from edualliance.pipeline.facts import extract

        from .rows import prepare

        prepared = prepare((0, "preload", "article", "http://127.0.0.1/preload/t20240312_1.html", None, 200,
                            "text/html; charset=utf-8", None, None, None, None, datetime(2024, 3, 12),
                            _SAMPLE.encode(), None))
        for article in prepared.articles:
            extract(article)  # jieba's tagger and its dictionary (about 65 MiB): one copy for all workers
    except Exception:  # noqa: BLE001 - the fork server must start whatever happens; a worker reports errors
        pass


_block()
_warm_cleaning()
gc.freeze()  # as shared_model does: the collector then never writes to (copies) these objects' pages
