"""Reading and writing JSON Lines that come from anywhere (``classify``'s input, ``extract``'s output).

Input is hostile: a file saved in GBK by a spreadsheet, UTF-16 from a Windows
tool, one invalid byte in one line, a 100,000-deep array, ``"\\ud800"`` (a lone
surrogate that no UTF-8 writer can encode). Each line is read on its own: a
bad line is one ``LineError`` naming its number and why; the good lines around
it are still records. Output is always valid UTF-8: lone surrogates become
U+FFFD before anything is written.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .sniff import wide_encoding

#: A line longer than this is refused (a record is an article, not a corpus dump);
#: it bounds the memory one line can take.
MAX_LINE_BYTES = 50 * 2**20

_SURROGATE = re.compile("[\ud800-\udfff]")
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    message: str


def without_surrogates(value):
    """The value with every lone surrogate in its strings replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {without_surrogates(k): without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_surrogates(v) for v in value]
    return value


def dumps(record: dict) -> str:
    """One JSON line that is valid UTF-8 whatever the record's strings hold."""
    return json.dumps(without_surrogates(record), ensure_ascii=False)


def _file_encoding(head: bytes) -> str | None:
    """A whole-file encoding told by a BOM or by UTF-16/32 zero bytes; None: decide per line."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    return wide_encoding(head[:4096])


def _lines(data: bytes) -> Iterator[tuple[int, str | None, str | None]]:
    """(line number, text, why the line cannot be read) for each line of the file."""
    encoding = _file_encoding(data[:4096])
    if encoding:
        for number, line in enumerate(data.decode(encoding, "replace").split("\n"), 1):
            yield number, line, None
        return
    for number, raw in enumerate(data.split(b"\n"), 1):
        if len(raw) > MAX_LINE_BYTES:
            yield number, None, f"longer than {MAX_LINE_BYTES // 2**20} MB"
            continue
        for candidate in ("utf-8", "gb18030"):  # a GBK file saved by a spreadsheet is common
            try:
                yield number, raw.decode(candidate), None
                break
            except UnicodeDecodeError:
                continue
        else:
            yield number, None, "not text in UTF-8, UTF-16 or GB18030"


def read_records(data: bytes, required: str = "text") -> Iterator[dict | LineError]:
    """Records of JSON Lines bytes, in order, and a ``LineError`` for each bad line.

    A record is an object with a string ``required`` field and, if present, a
    string or null ``title``. Blank lines are not records and not errors.
    """
    for number, line, problem in _lines(data):
        if problem:
            yield LineError(number, problem)
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except RecursionError:
            yield LineError(number, "JSON nested too deeply")
            continue
        except ValueError as exc:
            yield LineError(number, f"invalid JSON ({exc})")
            continue
        if not isinstance(record, dict) or not isinstance(record.get(required), str):
            yield LineError(number, f'not a JSON object with a "{required}" string')
            continue
        if not isinstance(record.get("title"), (str, type(None))):
            yield LineError(number, '"title" must be a string or null')
            continue
        yield without_surrogates(record)
