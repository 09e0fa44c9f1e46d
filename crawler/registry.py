"""The source registry: which sites to crawl and how, as data (TOML).

A minimal entry is enough for an ordinary news site::

    [[source]]
    name = "jieyang-news"
    kind = "listing"            # or "sitemap", "feed", "search"
    start_urls = ["https://news.example.cn/edu/"]
    allow = ['/edu/']           # optional: regexes a followed URL must match

Everything else has a default (see ``FIELDS``). Unknown keys are errors, so a
typo cannot silently switch a setting off. ``{base}`` in a URL or pattern is
replaced by ``base_url`` when given (the demo registry points at the fixture
web on a port chosen at run time).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

KINDS = ("listing", "sitemap", "feed", "search")
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


class RegistryError(ValueError):
    """The registry file is not valid; the message names the entry and the key."""


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    start_urls: tuple[str, ...]
    allow: tuple[str, ...] = ()  # a followed URL must match one of these (when any)
    deny: tuple[str, ...] = ()  # … and none of these
    max_pages: int = 500  # requests per run, all roles
    max_depth: int = 3  # link hops from a start URL (pagination does not count; attachments are fetched at any depth)
    enabled: bool = True
    focused: bool = True  # off-topic articles are recorded as seen, not stored
    article_urls: tuple[str, ...] = ()  # override: URLs matching these are articles
    listing_urls: tuple[str, ...] = ()  # override: URLs matching these are listing pages
    attachments: bool = True  # fetch linked PDF/DOC/DOCX files
    keywords: tuple[str, ...] = ()  # search sources: default is the taxonomy's keywords
    search_pages: int = 2  # search sources: result pages per keyword ({page} = 1..N)
    revalidate_days: float = 28.0  # re-check a stored article with a conditional request after this
    domains: tuple[str, ...] = ()  # hosts besides the start URLs' hosts that may be followed
    delay: float | None = None  # seconds between requests to this source's hosts (default: settings)
    note: str = ""

    @property
    def hosts(self) -> tuple[str, ...]:
        found = [urlsplit(u.replace("{keyword}", "x").replace("{page}", "1")).hostname or "" for u in self.start_urls]
        return tuple(dict.fromkeys([h for h in found if h] + [d.lower() for d in self.domains]))

    def as_config(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items() if v is not None}


_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,), "kind": (str,), "start_urls": (list,), "allow": (list,), "deny": (list,),
    "max_pages": (int,), "max_depth": (int,), "enabled": (bool,), "focused": (bool,),
    "article_urls": (list,), "listing_urls": (list,), "attachments": (bool,), "keywords": (list,),
    "search_pages": (int,), "revalidate_days": (int, float), "domains": (list,), "delay": (int, float),
    "note": (str,),
}
REQUIRED = ("name", "kind", "start_urls")
FIELDS = tuple(_TYPES)


def _substitute(value: Any, base_url: str | None) -> Any:
    if base_url is None:
        return value
    if isinstance(value, str):
        return value.replace("{base}", base_url.rstrip("/"))
    if isinstance(value, list):
        return [_substitute(v, base_url) for v in value]
    return value


#: A host name as `domains` takes it: no scheme, path or port.
HOST = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")


def parse_source(entry: dict[str, Any], where: str, base_url: str | None = None) -> Source:
    if isinstance(entry.get("name"), str):
        where = f"{where} ({entry['name']})"  # every message names the entry, not only its number
    unknown = sorted(set(entry) - set(FIELDS))
    if unknown:
        raise RegistryError(f"{where}: unknown key(s) {unknown}; allowed: {', '.join(FIELDS)}")
    missing = [k for k in REQUIRED if k not in entry]
    if missing:
        raise RegistryError(f"{where}: missing {missing}")
    values: dict[str, Any] = {}
    for key, value in entry.items():
        types = _TYPES[key]
        if isinstance(value, bool) and bool not in types:
            raise RegistryError(f"{where}: {key} must be {types[0].__name__}, not a boolean")
        if not isinstance(value, types):
            raise RegistryError(f"{where}: {key} must be {' or '.join(t.__name__ for t in types)}")
        if isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                raise RegistryError(f"{where}: {key} must be a list of strings")
            value = tuple(_substitute(value, base_url))
        else:
            value = _substitute(value, base_url)
        values[key] = value
    if not NAME.match(values["name"]):
        raise RegistryError(f"{where}: name must be lower-case letters, digits, '-', '_' or '.'")
    if values["kind"] not in KINDS:
        raise RegistryError(f"{where}: kind must be one of {', '.join(KINDS)}")
    if not values["start_urls"]:
        raise RegistryError(f"{where}: start_urls is empty")
    for url in values["start_urls"]:
        parts = urlsplit(url.replace("{keyword}", "x").replace("{page}", "1"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RegistryError(f"{where}: start URL {url!r} is not an http(s) URL")
        if values["kind"] == "search" and "{keyword}" not in url:
            raise RegistryError(f"{where}: a search URL template needs {{keyword}}: {url!r}")
    for domain in values.get("domains", ()):
        if not HOST.match(domain.lower()):
            hint = urlsplit(domain).hostname if "://" in domain else None
            raise RegistryError(f"{where}: domains entry {domain!r} is not a host name"
                                + (f" (write {hint!r})" if hint else " (no scheme, path or port)"))
    for key in ("allow", "deny", "article_urls", "listing_urls"):
        for pattern in values.get(key, ()):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise RegistryError(f"{where}: {key} pattern {pattern!r}: {exc}") from exc
    for key in ("max_pages", "max_depth", "search_pages"):
        if key in values and values[key] < (0 if key == "max_depth" else 1):
            raise RegistryError(f"{where}: {key} must be positive")
    if values.get("revalidate_days", 0) < 0 or values.get("delay", 0) < 0:
        raise RegistryError(f"{where}: revalidate_days and delay cannot be negative")
    return Source(**values)


def parse_registry(text: str, where: str = "registry", base_url: str | None = None) -> list[Source]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{where}: not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - {"source"})
    if unknown:
        raise RegistryError(f"{where}: unknown top-level key(s) {unknown}; entries are [[source]] tables")
    entries = data.get("source", [])
    if not isinstance(entries, list):
        raise RegistryError(f"{where}: 'source' must be an array of tables ([[source]])")
    sources = [parse_source(e, f"{where}: source #{i + 1}", base_url) for i, e in enumerate(entries)]
    seen: set[str] = set()
    for source in sources:
        if source.name in seen:
            raise RegistryError(f"{where}: source name {source.name!r} is used twice")
        seen.add(source.name)
    return sources


def shipped_registry_path() -> Path:
    return Path(str(resources.files(__package__).joinpath("sources.toml")))


def demo_registry_path() -> Path:
    return Path(str(resources.files(__package__).joinpath("demo_sources.toml")))


def load_registry(path: str | Path | None = None, base_url: str | None = None) -> list[Source]:
    """Read and validate a registry file (default: the shipped crawler/sources.toml)."""
    path = Path(path) if path else shipped_registry_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegistryError(f"cannot read {path}: {exc}") from exc
    return parse_registry(text, str(path), base_url)


def select(sources: list[Source], names: tuple[str, ...] | list[str] = ()) -> list[Source]:
    """The named sources (enabled or not), or every enabled one when no name is given."""
    if not names:
        return [s for s in sources if s.enabled]
    by_name = {s.name: s for s in sources}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise RegistryError(f"no source named {', '.join(missing)}; known: {', '.join(by_name)}")
    return [by_name[n] for n in names]


def taxonomy_keywords() -> tuple[str, ...]:
    """Search keywords: the keyword classifier's terms that are plain words, not patterns."""
    from edualliance.models.keywords import TERMS

    words = [p for terms in TERMS.values() for p, _ in terms if re.escape(p) == p]
    return tuple(dict.fromkeys(words))


@dataclass
class SourceCounts:
    """Per source, per run: stored in runs.counts['sources'][name]."""

    listed: int = 0  # article and attachment URLs discovered
    fetched: int = 0  # full responses received for them
    new: int = 0  # articles stored for the first time
    updated: int = 0  # stored articles whose text changed
    unchanged: int = 0  # refetched, same text
    off_topic: int = 0  # judged off-topic: recorded as seen, not stored
    not_modified: int = 0  # conditional request answered 304
    skipped_known: int = 0  # known and unchanged: not requested
    skipped_missing: int = 0  # answered 404/410 on an earlier run and not due again: not requested
    listing_pages: int = 0  # listing pages read
    attachments: int = 0  # PDF/DOC/DOCX files turned into text
    errors: int = 0
    requests: int = 0  # requests the crawler made for this source (all roles)
    archived: int = 0  # off-topic pages kept compressed in crawl_archive (for reprocess)
    start_urls: int = 0  # start URLs of the source …
    start_failures: int = 0  # … and how many of them did not answer
    flags: list[str] = field(default_factory=list)  # health flags (crawler/health.py) and notes

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
