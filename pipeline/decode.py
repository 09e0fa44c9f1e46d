"""Bytes → text, in the order that survives Chinese sites' wrong charset headers.

Order: BOM; strict UTF-8; the declared charset (HTTP header, then <meta>) only
if the bytes decode cleanly with it; GB18030 (a superset of GB2312/GBK, which
most mis-declared pages really are) unless the text is implausible as Chinese
and Big5 reads better; then a tolerant pass (old portals cut titles in the
middle of a character, so one bad byte must not discard a page); then charset
detection. The declared and the used encoding are both returned so that the
store can keep them; the bytes themselves are never changed.
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

from .records import Decoded

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]{0,300}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

#: How much of the page to search for a <meta charset>: it belongs in <head>.
META_SCAN_BYTES = 4096

#: Share of Han characters that must be common ones (GB2312 level 1 or Big5
#: common set) for a decoding to be plausible. Real Chinese text scores above
#: 0.9; Big5 bytes read as GB18030 land in rare GBK rows and score about 0.5.
PLAUSIBLE_COMMON_HAN = 0.8

#: Below this many Han characters the common-character share says nothing.
MIN_HAN_FOR_PLAUSIBILITY = 20

#: A tolerant decoding is accepted when at most this share of characters had
#: to be replaced: a truncated title or one stray byte, not a wrong charset.
MAX_REPLACED_SHARE = 0.002

#: Without Han characters, a decoding is accepted only if at most this share of
#: its characters is non-ASCII: a Chinese page never decodes to mostly Latin accents.
MAX_FOREIGN_SHARE = 0.05

# GB2312 and GBK are subsets of GB18030: decoding with the superset keeps the
# characters that pages labelled GB2312 use anyway. Big5 pages use HKSCS
# characters under the plain label.
_SUPERSET = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5": "big5hkscs",
             "cp950": "big5hkscs"}


_SINGLE_BYTE = frozenset({"ascii", "latin-1", "iso8859-1", "cp1252", "windows-1252", "cp437", "koi8-r"})


_HTML_SNIFF = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|meta|div|p|script|title|table)\b", re.I)


def looks_like_html(body: bytes) -> bool:
    """An HTML tag near the start: what servers that send no Content-Type really sent."""
    return bool(_HTML_SNIFF.search(body[:2048]))


class DecodeError(ValueError):
    """The bytes are not text in any encoding we know."""


def _canonical(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip()).name
    except LookupError:
        return None


def declared_charset(body: bytes, content_type: str | None = None) -> str | None:
    """The charset the server or the page claims, canonicalised; None if none or unknown."""
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match and _canonical(match[1]):
            return _canonical(match[1])
    match = _META_CHARSET.search(body[:META_SCAN_BYTES])
    if match:
        return _canonical(match[1].decode("ascii", "ignore"))
    return None


def _try(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(_SUPERSET.get(encoding, encoding))
    except (UnicodeDecodeError, LookupError):
        return None


@lru_cache(maxsize=1)
def _common_han() -> frozenset[str]:
    """GB2312 level-1 (the 3,755 commonest Simplified characters) plus Big5's common set."""
    common = set()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                common.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    for lead in range(0xA4, 0xC7):
        for trail in (*range(0x40, 0x7F), *range(0xA1, 0xFF)):
            try:
                common.add(bytes((lead, trail)).decode("big5"))
            except UnicodeDecodeError:
                pass
    return frozenset(common)


def common_han_share(text: str) -> float | None:
    """Share of Han characters that are common ones; None when there are too few to tell."""
    han = _HAN.findall(text[:200_000])
    if len(han) < MIN_HAN_FOR_PLAUSIBILITY:
        return None
    common = _common_han()
    return sum(1 for ch in han if ch in common) / len(han)


def _plausible(text: str) -> bool:
    share = common_han_share(text)
    return share is None or share >= PLAUSIBLE_COMMON_HAN


def _readable(text: str) -> bool:
    """Plausible Chinese, or text that is nearly all ASCII (an English page, a bare template)."""
    share = common_han_share(text)
    if share is not None:
        return share >= PLAUSIBLE_COMMON_HAN
    return sum(1 for ch in text if ord(ch) > 127) <= MAX_FOREIGN_SHARE * max(len(text), 1)


def looks_binary(body: bytes) -> bool:
    """NUL bytes or many control characters in the head: not a text page."""
    head = body[:4096]
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls > len(head) * 0.05


def _single_byte(encoding: str) -> bool:
    """Encodings in which every byte string is valid text (server defaults like ISO-8859-1)."""
    return encoding in _SINGLE_BYTE or encoding.startswith(("iso8859", "cp125", "latin", "mac-"))


def _best_cjk(body: bytes, declared: str | None, require_han: bool = False) -> tuple[str, str] | None:
    """GB18030 or Big5, strictly decoded, whichever reads as more plausible Chinese."""
    candidates = []
    for encoding in ("gb18030", "big5hkscs"):
        text = _try(body, encoding)
        if text is not None:
            candidates.append((common_han_share(text) or 0.0, encoding == "gb18030", text, encoding))
    if not candidates:
        return None
    share, _, text, encoding = max(candidates)
    if require_han and share < PLAUSIBLE_COMMON_HAN:
        return None
    if len(candidates) == 1 and not _plausible(text):
        return None
    return text, encoding


def _tolerant(body: bytes, declared: str | None) -> tuple[str, str] | None:
    """The candidate that needs the fewest replacements, if they are few."""
    best = None
    for encoding in dict.fromkeys(x for x in (declared, "gb18030", "big5hkscs", "utf-8") if x):
        try:
            text = body.decode(_SUPERSET.get(encoding, encoding), "replace")
        except LookupError:
            continue
        replaced = text.count("\ufffd") / max(len(text), 1)
        if replaced <= MAX_REPLACED_SHARE and _plausible(text) and (best is None or replaced < best[0]):
            best = (replaced, text, _SUPERSET.get(encoding, encoding))
    return (best[1], best[2]) if best else None


def decode(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode page bytes; raise DecodeError if they are not text."""
    declared = declared_charset(body, content_type)
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return Decoded(body.decode(encoding, "replace"), declared or encoding, encoding)
    if looks_binary(body):
        raise DecodeError("binary content, not a text or HTML page")
    text = _try(body, "utf-8")
    if text is not None:
        return Decoded(text, declared, "utf-8")
    found = None
    if declared and declared != "utf-8":
        text = _try(body, declared)
        if text is not None and _plausible(text):
            if not _single_byte(declared):
                return Decoded(text, declared, _SUPERSET.get(declared, declared))
            # Latin-1 and friends decode every byte string: a Chinese page served with
            # a server's default charset is GB18030 or Big5 when those read plausibly.
            found = _best_cjk(body, declared, require_han=True) or (text, declared)
    found = found or _best_cjk(body, declared) or _tolerant(body, declared)
    if found is not None:
        return Decoded(found[0], declared, found[1])
    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    if best is None or not _readable(str(best)):
        raise DecodeError(
            "undecodable: not UTF-8, not the declared charset, not GB18030 or Big5, "
            "and charset detection found nothing plausible"
        )
    return Decoded(str(best), declared, best.encoding)
