"""Crawling on several machines: one frontier in Redis, captures in WARC files, one writer.

* ``redis_state``: ``Frontier``, the Redis keys and atomic scripts every node shares (the lease
  on each request taken from the queue, per-host politeness, node liveness, what is known);
* ``serialize``: requests as JSON in the queue (never pickle: a queue is shared input);
* ``scheduler``: scrapy-redis's scheduler, priority queue and duplicate filter, with the
  lease on pop and a per-source fingerprint for listing pages;
* ``politeness``: the downloader middleware that waits for the host's cluster-wide turn;
* ``warc``: rolling gzipped WARC files (warcio): request, response and metadata records;
* ``node``: one crawl node (``edualliance crawl --frontier``): spider, pipeline, settings;
* ``writer``: the one writer (``edualliance process``): capture stream → database.
"""
