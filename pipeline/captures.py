"""Raw captures kept in WARC files: where they live, making them durable, and reading one back.

A crawled page is stored as a pointer (``pages.warc_file``, ``warc_offset``,
``warc_length``) into the captures folder, not as bytes in the database. The folder is
``$EDUALLIANCE_CAPTURES``, else ``<database name>-captures`` beside the database (for the
snapshot ``corpus.snapshot.duckdb`` too: the folder of ``corpus.duckdb``).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

CAPTURES_ENV = "EDUALLIANCE_CAPTURES"

#: The snapshot's name part (store/snapshot.py: ``<name>.snapshot.duckdb``).
_SNAPSHOT_SUFFIX = ".snapshot"


class CaptureError(Exception):
    """A capture cannot be read where its pointer says."""


def captures_path(db_path: str | os.PathLike) -> Path:
    if os.environ.get(CAPTURES_ENV):
        return Path(os.environ[CAPTURES_ENV])
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem.removesuffix(_SNAPSHOT_SUFFIX)}-captures")


def resolve(folder: Path, name: str) -> Path:
    """The file ``name`` inside ``folder`` (a name from a pointer, checked: never a path)."""
    if "/" in name or "\\" in name or name.startswith(".") or not name.endswith(".warc.gz"):
        raise CaptureError(f"capture file name {name!r} is not a WARC file name")
    return Path(folder) / name


def sync(folder: Path, names) -> None:
    """fsync the WARC files ``names`` of ``folder`` (written by another process, which flushed
    them): a pointer is committed only once its record is on disk. A name that is no file here
    is left to the reader, which records the capture as unreadable."""
    for name in sorted(set(names)):
        try:
            fd = os.open(resolve(folder, name), os.O_RDONLY)
        except (OSError, CaptureError):
            continue
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def read_body(path: Path, offset: int, length: int) -> bytes:
    """The HTTP body of the response record at ``offset`` in ``path``."""
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read(length)
    except OSError as exc:
        raise CaptureError(f"{path}: {exc.strerror or exc}") from exc
    if len(data) != length:
        raise CaptureError(f"{path}: {length} bytes expected at offset {offset}, {len(data)} found")
    try:
        for record in ArchiveIterator(io.BytesIO(data)):
            if record.rec_type == "response":
                return record.content_stream().read()
    except Exception as exc:  # noqa: BLE001 - warcio raises several kinds on damaged input
        raise CaptureError(f"{path}: damaged record at offset {offset}: {exc}") from exc
    raise CaptureError(f"{path}: no response record at offset {offset}")


def read_capture(folder: Path, name: str, offset: int, length: int) -> bytes:
    return read_body(resolve(folder, name), offset, length)
