"""A read-only local web explorer over the published snapshot (`edualliance serve`).

Search with reposts merged and filters (model, 教联体 sense, province or city,
dates, outlet), an article page (clean text, metadata, labels with scores and
the terms behind them, model version, the story's other copies, the raw
capture's record), a model page (weekly stories, provinces and cities by first
report, diffusion chart), CSV of every list.

Flask with Jinja2 autoescaping (every template), a Content-Security-Policy
that allows no script at all, parameterised SQL only. It binds 127.0.0.1 by
default; any other address needs a token given at start (``serve.py``).
"""

from .app import CONTENT_SECURITY_POLICY, create_app

__all__ = ["CONTENT_SECURITY_POLICY", "create_app"]
