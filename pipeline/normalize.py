"""Script detection and the normalized (Simplified, annotation-free) form of a text.

Mirror sites repost articles in Traditional script, often with pinyin after
characters (``發(fā)展``). The classifier and search read the normalized form;
the original is kept next to it.
"""

from __future__ import annotations

import re
from functools import lru_cache

# A pinyin syllable in parentheses right after a Han character: 發(fā)展 → 發展.
# Requires at least one tone-marked vowel or ü so that ordinary bracketed
# Latin text such as (AI) or (PISA) is left alone.
_PINYIN_ANNOTATION = re.compile(
    r"(?<=[\u3400-\u9fff])[(（]"
    r"[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü][a-zü]*"
    r"[)）]"
)
_HAN = re.compile(r"[\u3400-\u9fff]")

#: Share of characters that must change under t2s before a text counts as
#: Traditional: a few characters (e.g. in names) change in Simplified text too.
TRADITIONAL_SHARE = 0.02


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def strip_pinyin(text: str) -> str:
    return _PINYIN_ANNOTATION.sub("", text)


def detect_script(text: str) -> str:
    """'simplified', 'traditional', 'pinyin' (annotated Traditional) or 'none' (no Han)."""
    han = _HAN.findall(text)
    if not han:
        return "none"
    if len(_PINYIN_ANNOTATION.findall(text)) >= 3:
        return "pinyin"
    sample = "".join(han[:4000])
    converted = _t2s().convert(sample)
    changed = sum(1 for a, b in zip(sample, converted) if a != b)
    return "traditional" if changed / len(sample) >= TRADITIONAL_SHARE else "simplified"


def normalize(text: str) -> tuple[str, str]:
    """(normalized text, detected script)."""
    script = detect_script(text)
    if script in ("simplified", "none"):
        return text, script
    return _t2s().convert(strip_pinyin(text)), script
