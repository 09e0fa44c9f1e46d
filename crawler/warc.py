"""Captures as WARC (ISO 28500) with warcio: a request, a response and a metadata record per
response, in rolling gzipped files that any web-archive tool (warcio, pywb) reads.

Every crawl writes here: a crawl node (``crawl --frontier``, its files named after the node), a
single-machine ``edualliance crawl`` (its crawl process, as the node ``crawl``) and the one-off
move of old ``pages.body`` bytes (``capture_migrate``, as ``migrated``). Each record is its own
gzip member, so a capture can be read from its (file, offset, length) alone
(``pipeline.captures``). A file holds the captures of one writer, named
``<node>-<UTC time>-<n>.warc.gz``, and is closed for a new one past ``ROLL_BYTES``. Records are
flushed before their location is sent, and the storing process fsyncs the files before it
commits a pointer (``pipeline.captures.sync``): whatever points into a file points at complete
records on disk. A writer killed mid-write leaves a torn record, or the first records of an
unfinished capture, at the end of its last file; ``repair`` cuts them off when it starts again.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import time
import zlib
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

log = logging.getLogger(__name__)

#: A new file past this size: big enough that a million pages make a few hundred files, small
#: enough to copy, check and ship one at a time (the size web archives commonly use).
ROLL_BYTES = 2**30

#: Headers that described the bytes on the wire, not the body kept (Scrapy has already
#: decoded gzip and chunks): kept, a reader would try to decode the body again.
_WIRE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}

_NODE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def check_node_name(node: str) -> str:
    if not _NODE_NAME.match(node):
        raise ValueError(f"node name {node!r}: use letters, digits, '.', '_' or '-' (at most 64)")
    return node


class CaptureWriter:
    """Appends captures to ``folder``'s current WARC file of ``node``."""

    def __init__(self, folder: Path, node: str, roll_bytes: int = ROLL_BYTES) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.node = check_node_name(node)
        self.roll_bytes = roll_bytes
        self._handle = None
        self._writer: WARCWriter | None = None
        self._count = 0
        self.name: str | None = None

    def _open(self) -> None:
        self._count += 1
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        self.name = f"{self.node}-{stamp}-{self._count:05d}.warc.gz"
        self._handle = open(self.folder / self.name, "ab")
        self._writer = WARCWriter(self._handle, gzip=True)

    def write(self, *, url: str, status: int, response_headers: list[tuple[str, str]],
              request_headers: list[tuple[str, str]], method: str, body: bytes,
              metadata: dict, date: datetime | None = None) -> tuple[str, int, int]:
        """Write one capture; return (file name, offset, length) of its response record.
        ``date``: when it was fetched (WARC-Date; default now)."""
        if self._handle is None or self._handle.tell() >= self.roll_bytes:
            self.close()
            self._open()
        writer = self._writer
        dated = {"WARC-Date": _warc_date(date)} if date else {}
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request = writer.create_warc_record(
            url, "request", warc_headers_dict=dict(dated),
            http_headers=StatusAndHeaders(f"{method} {target} HTTP/1.1", [("Host", parts.netloc), *request_headers],
                                          is_http_request=True))
        kept = [(k, v) for k, v in response_headers if k.lower() not in _WIRE_HEADERS]
        kept.append(("Content-Length", str(len(body))))
        response = writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), warc_headers_dict=dict(dated),
            http_headers=StatusAndHeaders(f"{status} {_reason(status)}", kept, protocol="HTTP/1.1"))
        response_id = response.rec_headers.get_header("WARC-Record-ID")
        request.rec_headers.add_header("WARC-Concurrent-To", response_id)
        meta = writer.create_warc_record(
            url, "metadata", payload=io.BytesIO(json.dumps(metadata, ensure_ascii=False).encode("utf-8")),
            warc_content_type="application/json", warc_headers_dict=dict(dated))
        meta.rec_headers.add_header("WARC-Concurrent-To", response_id)
        writer.write_record(request)
        offset = self._handle.tell()
        writer.write_record(response)
        length = self._handle.tell() - offset
        writer.write_record(meta)
        self._handle.flush()  # the location is sent next: the reader must find whole records
        return self.name, offset, length

    def write_page(self, item, **metadata) -> tuple[str, int, int]:
        """Write a ``PageItem`` (crawler/items.py) with its HTTP headers and crawl metadata."""
        return self.write(url=item.final_url, status=item.status, response_headers=item.response_headers,
                          request_headers=item.request_headers, method=item.method, body=item.body,
                          metadata={**item.header(), **metadata}, date=datetime.fromisoformat(item.fetched_at))

    def sync(self) -> None:
        """Make what was written durable (fsync): before a database row points at it."""
        if self._handle is not None:
            self._handle.flush()
            os.fsync(self._handle.fileno())

    def close(self) -> None:
        if self._handle is not None:
            self.sync()  # a closed file is complete: nothing of it waits in the page cache
            self._handle.close()
            self._handle = self._writer = None


def _warc_date(moment: datetime) -> str:
    """A WARC-Date; a naive time is UTC (as the database keeps times)."""
    utc = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    return datetime_to_iso_date(utc.replace(tzinfo=None))


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def repair(folder: Path, node: str) -> int:
    """Cut what a killed writer left unfinished off the end of ``node``'s newest file; return the
    bytes removed.

    That is a torn record, and also the whole first records of a capture whose metadata record
    (written last) never came: a kill can stop the writes at a record's end as well as inside one,
    and a capture is its three records.
    """
    files = sorted(Path(folder).glob(f"{node}-*.warc.gz"))
    if not files:
        return 0
    path = files[-1]
    good = position = 0  # the end of the last whole capture: its metadata record's gzip member
    member = zlib.decompressobj(wbits=31)
    head = b""  # the start of the current record, where its WARC-Type stands
    damaged = False
    with open(path, "rb") as handle:
        while not damaged and (chunk := handle.read(2**20)):
            while chunk:
                try:
                    # one record: at most a page (DOWNLOAD_MAXSIZE) of output
                    out = member.decompress(chunk)
                except zlib.error as exc:
                    log.warning("%s: unreadable after byte %d (%s)", path, good, exc)
                    damaged = True
                    break
                if len(head) < _HEAD_BYTES:
                    head += out[:_HEAD_BYTES]
                if member.eof:
                    position += len(chunk) - len(member.unused_data)
                    if _record_type(head) == b"metadata":
                        good = position
                    chunk, head = member.unused_data, b""
                    member = zlib.decompressobj(wbits=31)
                else:
                    position += len(chunk)
                    chunk = b""
    size = path.stat().st_size
    if good < size:
        with open(path, "r+b") as handle:
            handle.truncate(good)
    return size - good


#: Enough of a record's start to hold its WARC-Type header (warcio writes it among the first).
_HEAD_BYTES = 1024
_WARC_TYPE = re.compile(rb"\r\nWARC-Type: *([A-Za-z]+)", re.IGNORECASE)


def _record_type(head: bytes) -> bytes | None:
    found = _WARC_TYPE.search(head.split(b"\r\n\r\n", 1)[0])
    return found.group(1).lower() if found else None
