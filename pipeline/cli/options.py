"""What the commands share: the database --db names, the store and snapshot they open, common options.

Kept apart from the root group (``__init__.py``) so that the command modules
import it, and the root group imports them, without a cycle.
"""

from __future__ import annotations

from pathlib import Path

import click

from edualliance.pipeline.dbpath import DB_ENV, resolve_db_path

__all__ = ["DB_ENV", "LABEL_CHOICE", "base_option", "classifier_option", "config", "configured", "db_path", "err",
           "load_sources", "classifier_spec", "make_classifier", "open_snapshot", "open_store", "refuse_password_option",
           "selected_model", "sources_option"]

#: The four reform models, for --label (a literal: importing the records at start-up is not needed).
LABEL_CHOICE = click.Choice(["jiaolianti", "group_run", "district_community", "urban_rural"])

SOURCES_HELP = "Source registry (TOML). Default: the shipped crawler/sources.toml."
BASE_HELP = "Replace {base} in the registry's URLs with this address (e.g. the fixture web's)."


def config(ctx: click.Context):
    """The operator's config file (``--config``, else $EDUALLIANCE_CONFIG), validated; None without one."""
    return (ctx.find_root().obj or {}).get("config")


def configured(ctx: click.Context, name: str, value, from_config):
    """An option's value: given on the command line, else the config file's (when set), else its default."""
    from click.core import ParameterSource

    explicit = ctx.get_parameter_source(name) not in (ParameterSource.DEFAULT, None)
    return value if explicit or from_config is None else from_config


def db_path(ctx: click.Context) -> Path:
    """--db, else the config file's db, else $EDUALLIANCE_DB, else corpus.duckdb in the user's data directory."""
    given = (ctx.find_root().obj or {}).get("db")
    settings = config(ctx)
    return resolve_db_path(given or (settings.db if settings else None))


def open_store(ctx: click.Context, read_only: bool = False):
    from edualliance.pipeline.store import Store, StoreError

    try:
        return Store(db_path(ctx), read_only=read_only)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


def open_snapshot(ctx: click.Context):
    """The published read-only snapshot: what every reading command uses, so that
    a reader never blocks a run (see pipeline/snapshot.py)."""
    from edualliance.pipeline.snapshot import open_snapshot as open_published
    from edualliance.pipeline.store import StoreError

    try:
        return open_published(db_path(ctx))
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


def err(message: str) -> None:
    click.echo(f"edualliance: {message}", err=True)


MODEL_HELP = ("The model: a folder, a version from `edualliance models list`, 'shipped' or 'keywords'."
              " Default: the version `edualliance models use` chose, else the newest trained, else the shipped one.")


def classifier_option(help_text: str):
    """--classifier auto|model|keywords (auto: a trained model if installed, else the keyword rules)
    and --model PATH|VERSION (remembered on the context; read by :func:`make_classifier`)."""
    def decorate(func):
        func = click.option("--model", "model_spec", default=None, metavar="PATH|VERSION", expose_value=False,
                            callback=_remember_model, help=MODEL_HELP)(func)
        return click.option("--classifier", "classifier_kind", type=click.Choice(["auto", "model", "keywords"]),
                            default="auto", show_default=True, help=help_text)(func)
    return decorate


def _remember_model(ctx: click.Context, _param, value: str | None) -> str | None:
    ctx.ensure_object(dict)
    ctx.obj["model"] = value
    return value


def selected_model(ctx: click.Context) -> str | None:
    """The version `edualliance models use` chose, read from the published snapshot (no lock taken);
    None when nothing was chosen or there is no database yet."""
    import duckdb

    from edualliance.pipeline.snapshot import open_snapshot as open_published
    from edualliance.pipeline.store import StoreError

    try:
        with open_published(db_path(ctx)) as store:
            return store.selected_model()
    except (StoreError, duckdb.Error):
        return None


def classifier_spec(ctx: click.Context, kind: str) -> str:
    """What a crawl's workers load, without loading it here: 'keywords', 'model' (the shipped one) or a
    model folder — from --model if given, else per --classifier and the chosen version."""
    from edualliance.crawler.sink.pool import model_spec
    from edualliance.models import registry

    spec = (ctx.obj or {}).get("model")
    try:
        if spec is None:
            return model_spec(selected_model(ctx), kind)
        if spec in registry.KEYWORDS:
            return "keywords"
        entry = registry.find(spec)
        return "model" if entry.origin == registry.SHIPPED else str(entry.path)
    except (registry.ModelNotFoundError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc)) from exc


def make_classifier(kind: str):
    """The classifier a command uses: --model if given, else per --classifier and the chosen version."""
    from edualliance.models.loader import load_classifier
    from edualliance.models.registry import ModelNotFoundError

    ctx = click.get_current_context()
    spec = (ctx.obj or {}).get("model")
    try:
        return load_classifier(kind, model=spec, selected=None if spec else selected_model(ctx))
    except (ModelNotFoundError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc)) from exc


def sources_option(func):
    return click.option("--sources", "sources_file", type=click.Path(exists=True, dir_okay=False),
                        default=None, help=SOURCES_HELP)(func)


def base_option(func):
    return click.option("--base", default=None, metavar="URL", help=BASE_HELP)(func)


def _refuse_password(ctx: click.Context, param: click.Parameter, value) -> None:
    if value is not None:
        from edualliance.pipeline.config import PASSWORD_ENV, PASSWORD_HINT

        raise click.UsageError(f"{param.opts[0]}: a password on the command line is visible to every user"
                               " (ps, shell history); not accepted. " + PASSWORD_HINT.format(env=PASSWORD_ENV))


def refuse_password_option(func):
    """Hidden --smtp-password/--password: refused with where to put the password instead."""
    return click.option("--smtp-password", "--password", "refused_password", hidden=True, expose_value=False,
                        callback=_refuse_password, is_eager=True)(func)


def load_sources(sources_file: str | None, base: str | None = None):
    """The validated registry; a bad entry is a usage error naming it."""
    from edualliance.crawler.registry import RegistryError, load_registry

    try:
        return load_registry(sources_file, base_url=base)
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from exc
