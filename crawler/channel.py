"""Messages from the crawl process to the process that stores: a length-prefixed
JSON header, then the body bytes untouched (raw capture must stay raw)."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from typing import Any, BinaryIO

_LEN = struct.Struct(">I")
#: A header is metadata; anything larger is a broken stream, not a message.
MAX_HEADER = 1 << 20


class ChannelError(RuntimeError):
    """The stream is not a sequence of messages (a crashed or foreign writer)."""


def write_message(stream: BinaryIO, header: dict[str, Any], body: bytes = b"") -> None:
    encoded = json.dumps({**header, "body_len": len(body)}, ensure_ascii=False).encode("utf-8")
    stream.write(_LEN.pack(len(encoded)) + encoded)
    if body:
        stream.write(body)
    stream.flush()


def _read_exact(stream: BinaryIO, size: int) -> bytes | None:
    chunks = []
    remaining = size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_messages(stream: BinaryIO) -> Iterator[tuple[dict[str, Any], bytes]]:
    """Messages until the writer closes the stream; a message cut short ends the stream."""
    while True:
        prefix = _read_exact(stream, _LEN.size)
        if prefix is None:
            return
        (size,) = _LEN.unpack(prefix)
        if size > MAX_HEADER:
            raise ChannelError(f"message header of {size} bytes: the stream is corrupt")
        raw = _read_exact(stream, size)
        if raw is None:
            return
        header = json.loads(raw.decode("utf-8"))
        body = _read_exact(stream, header.get("body_len", 0)) if header.get("body_len") else b""
        if body is None:
            return
        yield header, body
