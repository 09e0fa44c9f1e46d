"""What page bytes say about themselves before they are decoded: the charset the server or
the page declares, UTF-16/32 without a BOM (where the zero bytes stand), HTML or binary."""

from __future__ import annotations

import codecs
import re

_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
_META_CHARSET = re.compile(
    rb"<meta[^>]{0,300}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)"
    rb"|<\?xml[^>]{0,200}?encoding\s*=\s*[\"']\s*([A-Za-z0-9_.:-]+)", re.I)

#: How much of the page to search for a <meta charset>: it belongs in <head>.
META_SCAN_BYTES = 4096

#: UTF-32 without a BOM: this share of the first units is a BMP character (two zero bytes).
UTF32_UNIT_SHARE = 0.9

#: UTF-16 without a BOM: among the first code units, at least this share has its
#: zero byte where ASCII text puts it (markup is ASCII) ...
UTF16_ZERO_SHARE = 0.25
#: ... and at most this share has a zero byte at the other position.
UTF16_OTHER_ZERO_SHARE = 0.02

#: NUL bytes in a text page are dropped, if they are at most this share of the bytes
#: (a NUL in a template, a page padded by a broken server); more is a binary file.
MAX_NUL_SHARE = 0.01

#: Python codecs that are no web page's charset: they raise on every byte
#: (``undefined``), read host names (``idna``, ``punycode``), interpret escapes
#: (``unicode-escape``: it would turn ``\\ud800`` in a page into a lone surrogate),
#: or smuggle markup past filters (``utf-7``). A page that declares one is read as if
#: it declared nothing. Non-text codecs (base64, zlib, rot13) are refused by lookup.
_NOT_PAGE_CHARSETS = frozenset({"undefined", "idna", "punycode", "unicode-escape",
                                "raw-unicode-escape", "utf-7", "palmos"})

#: A page can only declare UTF-16/32 by a BOM or the HTTP header: a <meta> that says
#: utf-16 is in ASCII bytes, so it is wrong (browsers read it as UTF-8 too).
_WIDE = frozenset({"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"})

_HTML_SNIFF = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|meta|div|p|script|title|table)\b", re.I)


def looks_like_html(body: bytes) -> bool:
    """An HTML tag near the start: what servers that send no Content-Type really sent."""
    head = body[:4096]
    wide = wide_encoding(head)
    if wide:
        head = head.decode(wide, "ignore").encode("ascii", "ignore")
    return bool(_HTML_SNIFF.search(head[:2048]) or _HTML_SNIFF.search(head.replace(b"\x00", b"")[:2048]))


def canonical_charset(name: str | None) -> str | None:
    """The codec's canonical name, if it is a text encoding a page can be in."""
    if not name:
        return None
    try:
        info = codecs.lookup(name.strip())
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_PAGE_CHARSETS:
        return None
    return info.name


def declared_charset(body: bytes, content_type: str | None = None) -> str | None:
    """The charset the server or the page claims, canonicalised; None if none or unknown."""
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match and canonical_charset(match[1]):
            return canonical_charset(match[1])
    match = _META_CHARSET.search(body[:META_SCAN_BYTES])
    if match:
        name = canonical_charset((match[1] or match[2]).decode("ascii", "ignore"))
        return "utf-8" if name in _WIDE else name
    return None


def wide_encoding(head: bytes) -> str | None:
    """UTF-32 or UTF-16 (LE or BE) without a BOM, told by where the zero bytes stand.

    UTF-32: every character of a page is in the Basic Multilingual Plane, so two
    bytes of each unit are zero. UTF-16: ASCII markup puts a zero byte in every
    other position, and text almost never at the other one.
    """
    if b"\x00" not in head:  # both need zero bytes: most pages are told here, at C speed
        return None
    quads = [head[i:i + 4] for i in range(0, len(head) - 3, 4)]
    if len(quads) >= 4:
        for encoding, zero, text in (("utf-32-le", slice(2, 4), slice(0, 2)), ("utf-32-be", slice(0, 2), slice(2, 4))):
            if sum(1 for q in quads if not any(q[zero]) and any(q[text])) >= UTF32_UNIT_SHARE * len(quads):
                return encoding
    pairs = [head[i:i + 2] for i in range(0, len(head) - 1, 2)]
    if len(pairs) < 4:
        return None
    for encoding, zero, text in (("utf-16-le", 1, 0), ("utf-16-be", 0, 1)):
        ascii_like = sum(1 for p in pairs if p[zero] == 0 and p[text])
        other = sum(1 for p in pairs if p[text] == 0)
        if ascii_like >= UTF16_ZERO_SHARE * len(pairs) and other <= UTF16_OTHER_ZERO_SHARE * len(pairs):
            return encoding
    return None


def looks_binary(body: bytes) -> bool:
    """Many NUL bytes or control characters in the head: not a text page.

    A few NULs in a text page are dropped by ``decode``; UTF-16/32 text has
    zero bytes in a regular pattern and is text.
    """
    head = body[:4096]
    if wide_encoding(head):
        return False
    if head.count(0) > MAX_NUL_SHARE * len(head) or body.count(0) > MAX_NUL_SHARE * len(body):
        return True
    controls = len(head.translate(None, _NOT_CONTROL))
    return controls > len(head) * 0.05


#: Every byte but the control characters that text never holds (1–8, 14–31): deleted, the
#: control bytes are what is left.
_NOT_CONTROL = bytes(b for b in range(256) if not (0 < b < 9 or 13 < b < 32))
