"""Bytes → text, in the order that survives Chinese sites' wrong charset headers.

Order: BOM; UTF-16/32 without a BOM (sniffed from where the zero bytes stand, or
from Han text that only reads as UTF-16); stray NUL bytes dropped; strict UTF-8;
a UTF-8 page with pasted GBK paragraphs decoded block by block; the declared
charset (HTTP header, then <meta> or the XML declaration) only if the bytes
decode cleanly with it; GB18030 (a superset of GB2312/GBK, which most
mis-declared pages really are) unless the text is implausible as Chinese and
Big5 reads better; then a tolerant pass that keeps what can be read with
replacement characters (old portals cut titles in the middle of a character, so
one bad byte must not discard a page); then charset detection. Declared charsets
that are not text encodings of web pages (``undefined``, ``idna``, ``base64``,
``utf-7``) are ignored. The declared and the used encoding are both returned so
that the store can keep them; the bytes themselves are never changed.
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

from .records import Decoded
from .sniff import canonical_charset, declared_charset, looks_binary, wide_encoding

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
#: Runs of non-ASCII bytes (with an ASCII byte that can be a GBK trail byte after a
#: high byte): the blocks that a page with mixed encodings is decoded by.
_HIGH_RUN = re.compile(rb"(?:[\x80-\xff]|(?<=[\x80-\xff])[\x40-\x7e])+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")

#: Share of Han characters that must be common ones (GB2312 level 1 or Big5
#: common set) for a decoding to be plausible. Real Chinese text scores above
#: 0.9; Big5 bytes read as GB18030 land in rare GBK rows and score about 0.5.
PLAUSIBLE_COMMON_HAN = 0.8

#: Below this many Han characters the common-character share says nothing.
MIN_HAN_FOR_PLAUSIBILITY = 20

#: A tolerant decoding is accepted when at most this share of characters had
#: to be replaced: a truncated title or one stray byte, not a wrong charset ...
MAX_REPLACED_SHARE = 0.002
#: ... or at most this many, whatever the page's length: a 300-character notice
#: with one bad byte is read with one replacement character, not rejected.
MIN_REPLACED_ALLOWED = 8

#: Without Han characters, a decoding is accepted only if at most this share of
#: its characters is non-ASCII: a Chinese page never decodes to mostly Latin accents.
MAX_FOREIGN_SHARE = 0.05

#: A page whose non-ASCII bytes are at least this share valid UTF-8 runs is a UTF-8
#: page; its other runs (a paragraph pasted from a GBK page) are decoded on their own.
MIXED_UTF8_SHARE = 0.5

#: ... or, for a page mixing UTF-8 and GB18030 blocks, at most this share of its
#: non-ASCII bytes may be neither (they become replacement characters).
MIXED_BAD_SHARE = 0.02

#: Han text with no zero byte at all (no ASCII markup) reads as UTF-16 when this share of its
#: characters are Han and they are common ones (GBK bytes read as UTF-16 are not).
UTF16_HAN_SHARE = 0.5

# GB2312 and GBK are subsets of GB18030: decoding with the superset keeps the
# characters that pages labelled GB2312 use anyway. Big5 pages use HKSCS
# characters under the plain label.
_SUPERSET = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5": "big5hkscs",
             "cp950": "big5hkscs"}

_SINGLE_BYTE = frozenset({"ascii", "latin-1", "iso8859-1", "cp1252", "windows-1252", "cp437", "koi8-r"})


class DecodeError(ValueError):
    """The bytes are not text in any encoding we know."""


def _try(body: bytes, encoding: str) -> str | None:
    """Strict decoding; None if the bytes are not in that encoding (or the codec misbehaves)."""
    try:
        text = body.decode(_SUPERSET.get(encoding, encoding))
    except Exception:  # noqa: BLE001 - codecs raise UnicodeError, LookupError, TypeError, ValueError
        return None
    return text if isinstance(text, str) else None


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


def _utf16_han(body: bytes) -> tuple[str, str] | None:
    """Han text in UTF-16 with no ASCII at all (so no zero bytes): only the Han reading is plausible."""
    if len(body) % 2:
        return None
    for encoding in ("utf-16-le", "utf-16-be"):
        text = _try(body, encoding)
        if text is None or _CONTROL.search(text):
            continue
        visible = [ch for ch in text if not ch.isspace()]
        share = common_han_share(text)
        if visible and share is not None and share >= PLAUSIBLE_COMMON_HAN \
                and len(_HAN.findall(text)) >= UTF16_HAN_SHARE * len(visible):
            return text, encoding
    return None


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


def _utf8_run(run: bytes) -> str | None:
    """A run of high bytes as UTF-8, if it reads as UTF-8 text: Han or punctuation, not the
    Cyrillic and Latin letters that GBK pairs such as D1 A7 (学) also spell in UTF-8."""
    text = _try(run, "utf-8")
    if text is None or any("\u0080" <= ch <= "\u07ff" for ch in text) and not _HAN.search(text):
        return None
    return text


def _mixed_utf8(body: bytes) -> tuple[str, str] | None:
    """A page mixing UTF-8 and GB18030 blocks (a paragraph pasted from an old page), run by run.

    Used when every run of non-ASCII bytes is UTF-8 or plausible GB18030 (at most
    ``MIXED_BAD_SHARE`` of their bytes neither, as replacement characters) and both occur;
    or, for a page that is mostly UTF-8, when the other runs are broken characters.
    """
    runs = list(_HIGH_RUN.finditer(body))
    if not runs:
        return None
    decoded: list[tuple[str | None, str]] = []
    sizes = {"utf-8": 0, "gb18030": 0, "bad": 0}
    for m in runs:
        text = _utf8_run(m[0])
        kind = "utf-8"
        if text is None:
            gb = _try(m[0], "gb18030")
            if gb is not None and _HAN.search(gb) and (common_han_share(gb) or 1.0) >= PLAUSIBLE_COMMON_HAN:
                text, kind = gb, "gb18030"
            else:
                kind = "bad"
        sizes[kind] += m.end() - m.start()
        decoded.append((text, kind))
    total = sum(sizes.values())
    both = sizes["utf-8"] and sizes["gb18030"] and sizes["bad"] <= MIXED_BAD_SHARE * total
    mostly_utf8 = sizes["utf-8"] >= MIXED_UTF8_SHARE * total and not sizes["gb18030"]
    if not (both or mostly_utf8):
        return None
    parts: list[str] = []
    last = 0
    for m, (text, kind) in zip(runs, decoded):
        parts.append(body[last:m.start()].decode("ascii", "replace"))
        parts.append(text if text is not None else m[0].decode("utf-8", "replace"))
        last = m.end()
    parts.append(body[last:].decode("ascii", "replace"))
    return "".join(parts), "utf-8+gb18030" if sizes["gb18030"] else "utf-8"


def _tolerant(body: bytes, declared: str | None) -> tuple[str, str] | None:
    """The candidate that needs the fewest replacements, if they are few."""
    best = None
    for encoding in dict.fromkeys(x for x in (declared, "gb18030", "big5hkscs", "utf-8") if x):
        try:
            text = body.decode(_SUPERSET.get(encoding, encoding), "replace")
        except Exception:  # noqa: BLE001 - see _try
            continue
        if not isinstance(text, str):
            continue
        replaced = text.count("\ufffd")
        allowed = max(MAX_REPLACED_SHARE * len(text), MIN_REPLACED_ALLOWED)
        if replaced <= allowed and _plausible(text) and (best is None or replaced < best[0]):
            best = (replaced, text, _SUPERSET.get(encoding, encoding))
    return (best[1], best[2]) if best else None


def _detected(body: bytes) -> tuple[str, str] | None:
    """charset_normalizer's best guess, if it reads as Chinese or near-ASCII text."""
    from charset_normalizer import from_bytes

    try:
        best = from_bytes(body).best()
        text = str(best) if best is not None else None
    except Exception:  # noqa: BLE001 - a detector bug must not abort a run
        return None
    if text is None or not _readable(text) or canonical_charset(best.encoding) is None:
        return None
    return text, best.encoding


def decode(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode page bytes; raise DecodeError if they are not text. Never any other exception."""
    declared = declared_charset(body, content_type)
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return Decoded(_clean(body.decode(encoding, "replace")), declared or encoding, encoding)
    wide = wide_encoding(body[:4096])
    if wide:
        return Decoded(_clean(body[: len(body) - len(body) % (4 if "32" in wide else 2)].decode(wide, "replace")),
                       declared, wide)
    utf8 = _try(body, "utf-8")
    found = _utf16_han(body) if utf8 is None else None
    if found is None and looks_binary(body):
        raise DecodeError("binary content, not a text or HTML page")
    if found is None and utf8 is not None:
        found = (utf8, "utf-8")
    found = found or _decode_text(body.replace(b"\x00", b""), declared)
    if found is None:
        raise DecodeError(
            "undecodable: not UTF-8, not the declared charset, not GB18030 or Big5, "
            "and charset detection found nothing plausible"
        )
    return Decoded(_clean(found[0]), declared, found[1])


def _decode_text(body: bytes, declared: str | None) -> tuple[str, str] | None:
    text = _try(body, "utf-8")
    if text is not None:
        return text, "utf-8"
    found = None
    if declared in (None, "utf-8", "gb18030", "gbk", "gb2312"):
        # Mostly UTF-8 with GBK blocks or with broken characters (a byte lost or
        # inserted): reading all of it as GB18030 would garble every UTF-8 character.
        found = _mixed_utf8(body)
    if found is None and declared and declared != "utf-8":
        text = _try(body, declared)
        if text is not None and _plausible(text):
            if not _single_byte(declared):
                return text, _SUPERSET.get(declared, declared)
            # Latin-1 and friends decode every byte string: a Chinese page served with
            # a server's default charset is GB18030 or Big5 when those read plausibly.
            found = _best_cjk(body, declared, require_han=True) or (text, declared)
    return found or _best_cjk(body, declared) or _tolerant(body, declared) or _detected(body)


def _clean(text: str) -> str:
    """No NUL and no lone surrogate survives decoding (neither can be stored or encoded as UTF-8)."""
    text = text.replace("\x00", "")
    if _SURROGATE.search(text):
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text
