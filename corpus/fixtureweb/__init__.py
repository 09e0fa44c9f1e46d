"""The fixture web: local sites for the tests, the demo and the benchmarks (not the crawler).

``edualliance demo`` and ``edualliance fixture-web`` serve it, so it ships
with the package; nothing in ``crawler/`` or ``pipeline/`` imports it.

* ``content``: corpus/web/content.toml as typed pages, and what the pipeline must store from them;
* ``sites``: the six hand-made sites' page templates; ``build``: renders them (``site_root()``);
* ``docwriters``: deterministic PDF/DOCX/DOC writers for the government site's attachments;
* ``generated_text`` and ``generated``: the /gen/ benchmark site of N made-up portal pages;
* ``server``: ``FixtureServer``, which serves all of it on 127.0.0.1 with each site's habits.
"""
