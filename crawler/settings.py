"""Scrapy settings of the edualliance crawler, grouped by purpose.

Per-run changes go through ``edualliance crawl --set NAME=VALUE`` (or the
``settings`` argument of ``run_crawl``); tests turn delays off that way.
"""

BOT_NAME = "edualliance"
SPIDER_MODULES = ["edualliance.crawler.spiders"]
NEWSPIDER_MODULE = "edualliance.crawler.spiders"

# -- identity and manners ----------------------------------------------------------------
USER_AGENT = (
    "edualliance-crawler/0.1 (+https://github.com/edualliance/edualliance; "
    "education-policy research corpus; weekly, rate-limited)"
)
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
}

# -- politeness: few requests at a time per site, adaptive delays --------------------------------
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # each delay is DOWNLOAD_DELAY ± 50 %
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# -- limits: hostile or broken sites cannot hang or exhaust the crawl -------------------------
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 2**20  # also bounds gzip/deflate decompression
DOWNLOAD_WARNSIZE = 5 * 2**20
REDIRECT_MAX_TIMES = 5
DOWNLOADER_MIDDLEWARES = {
    "edualliance.crawler.middlewares.RedirectLoopMiddleware": 650,  # report loops (see its docstring)
}
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DEPTH_LIMIT = 0  # the spider counts hops per source itself (max_depth)
DNS_TIMEOUT = 20
CLOSESPIDER_TIMEOUT = 8 * 3600  # a weekly run ends, whatever a site does

# -- what is kept: pages go to the corpus database through the item pipeline ------------------
# `scrapy crawl sources -a sources=FILE` writes to $EDUALLIANCE_DB (StorePipeline);
# `edualliance crawl` runs the spider in a child process whose ChannelPipeline hands
# every response to the parent, the one process that writes the database.
HTTPCACHE_ENABLED = False
TELNETCONSOLE_ENABLED = False
ITEM_PIPELINES = {
    "edualliance.crawler.pipelines.StorePipeline": 300,
}
LOG_LEVEL = "INFO"
