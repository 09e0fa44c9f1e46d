"""The operator's config file (TOML): where the corpus lives, what to crawl, where the
digests go and who gets them, validated on load like the source registry.

    db = "/srv/edualliance/corpus.duckdb"

    [crawl]
    sources = "sources.toml"

    [digest]
    out = "/srv/edualliance/digests"
    languages = ["zh", "en"]

    [mail]
    host = "smtp.example.edu"
    user = "edualliance"
    from = "edualliance@example.edu"
    to = ["team@example.edu"]

Every key is optional except those a section needs to work (``mail.host`` and
``mail.to`` once there is a ``[mail]`` section). Unknown keys are errors naming
the file and the key, so a typo cannot silently switch a setting off. Relative
paths are relative to the config file's folder, so a config and its registry
can travel together.

The SMTP password is never read from this file or from the command line (a
config file is copied, backed up and shown to colleagues; a command line is
visible in ``ps`` to every user): it comes from an environment variable
(``mail.password_env``, default ``EDUALLIANCE_SMTP_PASSWORD``) or from a file
only the service user can read (``mail.password_file``).
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_ENV = "EDUALLIANCE_CONFIG"
PASSWORD_ENV = "EDUALLIANCE_SMTP_PASSWORD"

#: Digest languages (issue 16 writes both; Chinese first, it is the corpus's language).
LANGUAGES = ("zh", "en")
TLS_MODES = ("starttls", "ssl", "none")
CLASSIFIERS = ("auto", "model", "keywords")

_WEEK = re.compile(r"^\d{4}-W\d{2}$")
_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

#: Where to put the password, for every message that refuses it.
PASSWORD_HINT = (
    "put it in the environment variable named by mail.password_env (default {env}; with systemd,"
    " an EnvironmentFile= readable only by root), or in a file only the service user can read"
    " (chmod 600) named by mail.password_file"
)


class ConfigError(ValueError):
    """The config file is not valid; the message names the file and the key."""


@dataclass(frozen=True)
class CrawlConfig:
    sources: Path | None = None  # the source registry; None: the shipped crawler/sources.toml
    log: Path | None = None  # the crawler's own (Scrapy) log, appended
    classifier: str = "auto"
    settings: dict[str, Any] = field(default_factory=dict)  # Scrapy settings for every crawl


@dataclass(frozen=True)
class DigestConfig:
    out: Path | None = None  # the archive: <out>/2026-W48/…, index.html, feed.xml
    languages: tuple[str, ...] = LANGUAGES
    feed_base_url: str | None = None  # where <out> is published, for absolute links in feed.xml
    first_week: str | None = None  # the archive's first week on a first run (default: earliest article)


@dataclass(frozen=True)
class MailConfig:
    host: str
    to: tuple[str, ...]
    port: int | None = None  # default: 587 starttls, 465 ssl, 25 none
    tls: str = "starttls"
    user: str | None = None
    sender: str = "edualliance@localhost"
    password_env: str = PASSWORD_ENV
    password_file: Path | None = None
    timeout: float = 30.0
    language: str | None = None  # the digest language mailed; default: the first of digest.languages
    remail_revised_weeks: int = 4  # re-mail a revised digest if its week is one of the last N (0: never)
    where: str = "config"  # the file, for messages

    @property
    def effective_port(self) -> int:
        return self.port or {"starttls": 587, "ssl": 465, "none": 25}[self.tls]

    def password(self) -> str | None:
        """The SMTP password: $password_env, else password_file; None without mail.user.

        Read only when mail is sent, so that commands that send none never need it.
        """
        if not self.user:
            return None
        value = os.environ.get(self.password_env)
        if value:
            return value
        if self.password_file is None:
            raise ConfigError(
                f"{self.where}: mail.user is set but no password was found: "
                + PASSWORD_HINT.format(env=self.password_env))
        path = self.password_file
        try:
            mode = path.stat().st_mode
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{self.where}: mail.password_file {path}: cannot read it ({exc.strerror});"
                              " it must be readable by the user the job runs as") from exc
        if mode & stat.S_IROTH:
            raise ConfigError(f"{self.where}: mail.password_file {path} is readable by every user"
                              f" (mode {stat.S_IMODE(mode):o}): chmod 600 it")
        value = text.strip("\r\n")
        if not value:
            raise ConfigError(f"{self.where}: mail.password_file {path} is empty")
        return value


@dataclass(frozen=True)
class Config:
    path: Path
    db: Path | None = None
    crawl: CrawlConfig = field(default_factory=CrawlConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    mail: MailConfig | None = None

    @property
    def digest_out(self) -> Path:
        """The digest archive: digest.out, else ``digests/`` beside the config file."""
        return self.digest.out or self.path.parent / "digests"


# -- validation ---------------------------------------------------------------------------------

#: key → (types, meaning); the sections' keys, in the order the README documents them.
TOP_KEYS = {"db": (str,), "crawl": (dict,), "digest": (dict,), "mail": (dict,)}
CRAWL_KEYS = {"sources": (str,), "log": (str,), "classifier": (str,), "settings": (dict,)}
DIGEST_KEYS = {"out": (str,), "languages": (list,), "feed_base_url": (str,), "first_week": (str,)}
MAIL_KEYS = {
    "host": (str,), "port": (int,), "tls": (str,), "user": (str,), "from": (str,), "to": (list,),
    "password_env": (str,), "password_file": (str,), "timeout": (int, float), "language": (str,),
    "remail_revised_weeks": (int,),
}
#: Keys that look like a password: refused wherever they appear.
_SECRET_KEYS = re.compile(r"pass(word)?|secret|pwd", re.IGNORECASE)


def _check(table: dict[str, Any], allowed: dict[str, tuple[type, ...]], section: str, where: str) -> None:
    for key, value in table.items():
        name = f"{section}.{key}" if section else key
        if _SECRET_KEYS.fullmatch(key) or key in ("smtp_password", "mail_password"):
            raise ConfigError(f"{where}: {name}: a password is not accepted in the config file (it gets"
                              " copied, backed up and shown around); " + PASSWORD_HINT.format(env=PASSWORD_ENV))
        if key not in allowed:
            raise ConfigError(f"{where}: unknown key {name!r}; allowed"
                              f"{' in [' + section + ']' if section else ''}: {', '.join(allowed)}")
        types = allowed[key]
        if isinstance(value, bool) and bool not in types:
            raise ConfigError(f"{where}: {name} must be {types[0].__name__}, not a boolean")
        if not isinstance(value, types):
            raise ConfigError(f"{where}: {name} must be {' or '.join(_type_name(t) for t in types)}")
        if types == (list,) and not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: {name} must be a list of strings")


def _type_name(t: type) -> str:
    return {str: "a string", int: "an integer", float: "a number", list: "a list", dict: "a table"}.get(t, t.__name__)


def _path(value: str | None, base: Path) -> Path | None:
    if value is None:
        return None
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else base / path


def parse_config(text: str, path: Path) -> Config:
    where = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from exc
    _check(data, TOP_KEYS, "", where)
    base = path.parent
    crawl_t, digest_t = data.get("crawl", {}), data.get("digest", {})
    _check(crawl_t, CRAWL_KEYS, "crawl", where)
    _check(digest_t, DIGEST_KEYS, "digest", where)

    classifier = crawl_t.get("classifier", "auto")
    if classifier not in CLASSIFIERS:
        raise ConfigError(f"{where}: crawl.classifier must be one of {', '.join(CLASSIFIERS)}")
    for key in crawl_t.get("settings", {}):
        if not re.fullmatch(r"[A-Z][A-Z0-9_]*", key):
            raise ConfigError(f"{where}: crawl.settings.{key}: Scrapy settings are upper-case names"
                              " like DOWNLOAD_DELAY")
    crawl = CrawlConfig(sources=_path(crawl_t.get("sources"), base), log=_path(crawl_t.get("log"), base),
                        classifier=classifier, settings=dict(crawl_t.get("settings", {})))

    languages = tuple(digest_t.get("languages", LANGUAGES))
    bad = [lang for lang in languages if lang not in LANGUAGES]
    if bad or not languages or len(set(languages)) != len(languages):
        raise ConfigError(f"{where}: digest.languages must list {' and/or '.join(LANGUAGES)} once each,"
                          f" not {list(languages)}")
    first_week = digest_t.get("first_week")
    if first_week is not None:
        _check_week(first_week, f"{where}: digest.first_week")
    feed_base_url = digest_t.get("feed_base_url")
    if feed_base_url is not None and not re.match(r"^https?://[^/\s]+", feed_base_url):
        raise ConfigError(f"{where}: digest.feed_base_url must be an http(s) address like"
                          " https://example.edu/digests/")
    digest = DigestConfig(out=_path(digest_t.get("out"), base), languages=languages,
                          feed_base_url=feed_base_url, first_week=first_week)

    mail = _parse_mail(data["mail"], where, base, languages) if "mail" in data else None
    return Config(path=path, db=_path(data.get("db"), base), crawl=crawl, digest=digest, mail=mail)


def _check_week(value: str, name: str) -> None:
    from datetime import date

    if not _WEEK.match(value):
        raise ConfigError(f"{name} must be an ISO week like 2026-W45, not {value!r}")
    try:
        date.fromisocalendar(int(value[:4]), int(value[6:]), 1)
    except ValueError as exc:
        raise ConfigError(f"{name}: {value} does not exist ({exc})") from exc


def _parse_mail(table: dict[str, Any], where: str, base: Path, languages: tuple[str, ...]) -> MailConfig:
    _check(table, MAIL_KEYS, "mail", where)
    for key in ("host", "to"):
        if key not in table:
            raise ConfigError(f"{where}: [mail] needs {key} (or leave the [mail] section out to send no mail)")
    to = tuple(table["to"])
    if not to:
        raise ConfigError(f"{where}: mail.to is empty")
    for address in [*to, table.get("from", "edualliance@localhost")]:
        if not _ADDRESS.match(address):
            raise ConfigError(f"{where}: {address!r} is not an e-mail address like team@example.edu"
                              " (mail.to and mail.from hold bare addresses)")
    if len(set(to)) != len(to):
        raise ConfigError(f"{where}: mail.to lists an address twice")
    tls = table.get("tls", "starttls")
    if tls not in TLS_MODES:
        raise ConfigError(f"{where}: mail.tls must be one of {', '.join(TLS_MODES)}")
    port = table.get("port")
    if port is not None and not 0 < port < 65536:
        raise ConfigError(f"{where}: mail.port must be between 1 and 65535")
    password_env = table.get("password_env", PASSWORD_ENV)
    if not _ENV_NAME.match(password_env):
        raise ConfigError(f"{where}: mail.password_env must name an environment variable, like {PASSWORD_ENV}"
                          " (the variable's name, not the password)")
    language = table.get("language")
    if language is not None and language not in languages:
        raise ConfigError(f"{where}: mail.language must be one of digest.languages ({', '.join(languages)})")
    timeout = table.get("timeout", 30.0)
    if timeout <= 0:
        raise ConfigError(f"{where}: mail.timeout must be positive (seconds)")
    remail = table.get("remail_revised_weeks", 4)
    if remail < 0:
        raise ConfigError(f"{where}: mail.remail_revised_weeks cannot be negative (0: never re-mail)")
    return MailConfig(
        host=table["host"], to=to, port=port, tls=tls, user=table.get("user") or None,
        sender=table.get("from", "edualliance@localhost"), password_env=password_env,
        password_file=_path(table.get("password_file"), base), timeout=float(timeout),
        language=language, remail_revised_weeks=remail, where=where,
    )


def load_config(path: str | Path) -> Config:
    """Read and validate a config file; a problem is a ConfigError naming the file and the key."""
    path = Path(path).absolute()  # its relative paths must not move when the job changes folder
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: {exc}") from exc
    return parse_config(text, path)


def config_path(given: str | Path | None) -> Path | None:
    """--config, else $EDUALLIANCE_CONFIG, else none."""
    if given:
        return Path(given)
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    return None
