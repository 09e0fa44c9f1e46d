"""The rules of ``pipeline/facts/rules.toml``, compiled once."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def rules() -> dict:
    return tomllib.loads(resources.files(__package__).joinpath("rules.toml").read_text(encoding="utf-8"))


def section(name: str) -> dict:
    return rules()[name]


def alternation(patterns) -> str:
    return "(?:" + "|".join(f"(?:{p})" for p in patterns) + ")"


@lru_cache(maxsize=None)
def compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
