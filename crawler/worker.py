"""The crawl process: ``python -m edualliance.crawler.worker PLAN.json``.

Started by ``run.run_crawl``; runs Scrapy (its own Twisted reactor, one per
process) and writes every item to its original stdout as messages (see
``channel.py``). Anything else that would print to stdout goes to stderr.
It dies with its parent (Linux PR_SET_PDEATHSIG), so a killed
``edualliance crawl`` leaves no orphan crawler behind.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:
            pass


def build_settings(plan: dict):
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("edualliance.crawler.settings", priority="project")
    settings.set("ITEM_PIPELINES", {"edualliance.crawler.pipelines.ChannelPipeline": 300}, priority="cmdline")
    slots = {}
    from urllib.parse import urlsplit

    for cfg in plan["sources"]:
        if cfg.get("delay") is not None:
            for url in cfg["start_urls"]:
                host = urlsplit(url.replace("{keyword}", "x").replace("{page}", "1")).hostname
                if host:
                    slots[host] = {"delay": float(cfg["delay"])}
    if slots:
        settings.set("DOWNLOAD_SLOTS", slots, priority="cmdline")
    for name, value in (plan.get("settings") or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m edualliance.crawler.worker PLAN.json", file=sys.stderr)
        return 2
    plan = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _die_with_parent()
    if os.getppid() != plan.get("parent_pid", os.getppid()):
        return 3  # the parent died before we could ask to die with it

    from scrapy.crawler import CrawlerProcess

    from . import pipelines
    from .spiders.sources import SourcesSpider

    pipelines.CHANNEL = channel
    pipelines.CAPTURES = Path(plan["captures"])
    process = CrawlerProcess(build_settings(plan))
    process.crawl(SourcesSpider, plan=plan)
    process.start()
    channel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
