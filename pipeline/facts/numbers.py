"""Chinese and Arabic numerals to numbers: 一百二十八 → 128, 3.2万 → 32000, 近百 → 100.

Figures in Chinese news mix scripts freely (两千余名, 1.2亿元, 三百五十名, １２８对);
``parse_number`` reads one written number, ``NUMBER`` finds them in text.
"""

from __future__ import annotations

import re
import unicodedata

_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL = {"十": 10, "百": 100, "千": 1000}
_LARGE = {"万": 10_000, "亿": 100_000_000}

_CN = "零〇○一二两三四五六七八九十百千"
#: A written number: Arabic (with thousands separators and decimals) or Chinese numerals,
#: optionally followed by 万/亿 (3.2万, 两千, 1.2亿). A bare magnitude (百, 千, 万) is read
#: only after a qualifier (近百所): see quantities.py.
NUMBER = re.compile(rf"(?:\d+(?:[,，]\d{{3}})*(?:\.\d+)?|[{_CN}]+)(?:[万亿](?![{_CN}\d]))?")


def _chinese_integer(text: str) -> int | None:
    """一百二十八 → 128, 十二 → 12, 二〇二三 → 2023 (digit by digit), 两千 → 2000."""
    if not text:
        return None
    if all(ch in _DIGITS for ch in text):  # 二〇二三, 三: read digit by digit
        value = 0
        for ch in text:
            value = value * 10 + _DIGITS[ch]
        return value
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _DIGITS:
            if digit is not None and _DIGITS[ch] != 0:
                return None  # 二三百: not one number
            digit = _DIGITS[ch] if _DIGITS[ch] != 0 else None
        elif ch in _SMALL:
            section += (1 if digit is None else digit) * _SMALL[ch]
            digit = None
        elif ch in _LARGE:
            section += digit or 0
            total += (section or 1) * _LARGE[ch]
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


def parse_number(text: str) -> float | None:
    """One written number to a float; None when it is not one.

    >>> parse_number("一百二十八"), parse_number("3.2万"), parse_number("1,756"), parse_number("两千")
    (128.0, 32000.0, 1756.0, 2000.0)
    """
    text = unicodedata.normalize("NFKC", text).strip().replace(",", "").replace("，", "")
    if not text:
        return None
    multiplier = 1
    while text and text[-1] in _LARGE and (len(text) > 1):
        head = text[:-1]
        if head and (head[-1].isdigit() or head[-1] in _DIGITS or head[-1] in _SMALL or head[-1] == "."):
            multiplier *= _LARGE[text[-1]]
            text = head
        else:
            break
    try:
        value = float(text)
    except ValueError:
        integer = _chinese_integer(text)
        if integer is None:
            return None
        value = float(integer)
    return value * multiplier


def magnitude(char: str) -> float | None:
    """The value of a bare magnitude after a qualifier: 近百 → 100, 逾千 → 1000, 上万 → 10000."""
    return {"十": 10.0, "百": 100.0, "千": 1000.0, "万": 10_000.0, "亿": 100_000_000.0}.get(char)
