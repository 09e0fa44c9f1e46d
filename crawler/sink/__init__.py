"""Where crawled responses become corpus rows (the storing process's side of a crawl).

* ``crawl_sink``: ``CrawlSink``: capture raw responses into the inbox, hand
  batches to the workers, store their results (one transaction per batch);
* ``pool``: the worker processes that clean and classify, and how they get the classifier;
* ``shared_model``: what the workers' fork server loads so that they share the model;
* ``rows``: what one inbox row becomes (pure functions, run in the workers);
* ``attachments``: PDF/DOC/DOCX text as an article.

Nothing is imported here: the fork server imports ``pool`` and should not
import the database with it.
"""
