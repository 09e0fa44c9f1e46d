"""The `edualliance` command line: a thin layer over the library.

Commands are grouped by what users do, one module each:

- ``collect.py``: bring pages in (ingest, extract, crawl, reprocess);
- ``read.py``: read the published snapshot (sql, search, export, diffusion, digest, serve);
- ``model.py``: the classifier (classify, train, evaluate, label, reclassify);
- ``operate.py``: run the corpus (run, sources, publish, demo, fixture-web);
- ``cluster.py``: crawling on several machines (a crawl node, the one writer: process).

``options.py`` holds what they share (the database ``--db`` names, the store
and snapshot they open, common options). Heavy libraries (DuckDB, trafilatura,
jieba, scikit-learn, Scrapy) are imported inside the commands that use them,
so that `edualliance --help` answers at once.
"""

from __future__ import annotations

import click

from . import cluster, collect, model, operate, read
from .options import DB_ENV, refuse_password_option

CONFIG_HELP = ("The operator's config file (TOML; see the README): database, sources, crawl settings, digest"
               " archive, mail. Default: $EDUALLIANCE_CONFIG. Options given on the command line win over it.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help=CONFIG_HELP)
@click.option("--db", type=click.Path(dir_okay=False), default=None,
              help=f"Database file. Default: the config file's db, else ${DB_ENV}, else corpus.duckdb in your"
                   " user data directory.")
@refuse_password_option
@click.version_option(package_name="edualliance")
@click.pass_context
def main(ctx: click.Context, config_file: str | None, db: str | None) -> None:
    """Corpus pipeline for research on China's school-alliance reforms.

    Collect articles, clean them, tag them with the four reform models
    (jiaolianti, group_run, district_community, urban_rural), store them in
    DuckDB and write weekly digests.

    Example: edualliance demo
    """
    from edualliance.pipeline.config import ConfigError, config_path, load_config

    ctx.ensure_object(dict)
    ctx.obj["db"] = db
    path = config_path(config_file)
    try:
        ctx.obj["config"] = load_config(path) if path else None
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


for _group in (collect, read, model, operate, cluster):
    for _command in _group.COMMANDS:
        main.add_command(_command)
