"""The cleaning rules of ``rules.toml``, compiled once.

The patterns are data (one file, each with the kind of site that needed it);
this module only turns them into regular expressions.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def _rules() -> dict:
    return tomllib.loads(resources.files(__package__).joinpath("rules.toml").read_text(encoding="utf-8"))


def _any(patterns: list[str], prefix: str = "") -> re.Pattern[str]:
    return re.compile(prefix + "(?:" + "|".join(f"(?:{p})" for p in patterns) + ")", re.I)


# Leading bullets, numbering marks and brackets are not part of what a line says.
_LEAD = r"^[\s\-–—•·*▪►▶■□◆◇○●※>》【\[（(]*"

END_OF_ARTICLE = _any(_rules()["lines"]["end_of_article"], _LEAD)
BOILERPLATE = _any(_rules()["lines"]["boilerplate"], _LEAD)
META_LINE = re.compile(_rules()["lines"]["meta_line"])
TOP_BLOCK = re.compile(_LEAD + _rules()["lines"]["top_block"])
CREDIT_LINE = re.compile(_rules()["lines"]["credit_line"])
DROP_ID_CLASS = _any(_rules()["html"]["drop_id_class"])
