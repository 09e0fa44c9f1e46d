"""Export the research view for other tools: Parquet (partitioned by year and primary
label, hive layout: ``year=2025/label=urban_rural/*.parquet``) or one CSV file for
R, Stata and Excel (UTF-8; with ``bom`` a byte-order mark first, which Excel needs
to read UTF-8).

``export_records`` writes the records extracted from the articles (facts,
alliances, alliance members, policy documents, article→document links), one
file per kind, each row with its article (and sentence) to trace it back."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .store import Store

BOM = "\ufeff".encode("utf-8")


def export_parquet(store: Store, out_dir: Path) -> list[Path]:
    """Write the Parquet dataset into ``out_dir`` (replacing an earlier export there)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for partition in out_dir.glob("year=*"):  # an earlier export's partitions, nothing else
        if partition.is_dir():
            shutil.rmtree(partition)
    store.export_parquet(out_dir)
    return sorted(out_dir.glob("year=*/label=*/*.parquet"))


def _write_whole(path: Path, write, *, bom: bool = False) -> Path:
    """Have ``write(temp)`` write a file beside ``path``, prefix the UTF-8 BOM if asked, then move
    it in place: a reader never sees half a file, and a failure leaves the earlier one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    temp = Path(temp_name)
    try:
        write(temp)
        if bom:
            with_bom = temp.with_name(temp.name + ".bom")
            with open(with_bom, "wb") as out, open(temp, "rb") as src:
                out.write(BOM)
                shutil.copyfileobj(src, out, 1 << 20)
            os.replace(with_bom, temp)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return path


def export_csv(store: Store, path: Path, *, bom: bool = False, with_text: bool = True) -> Path:
    """Write research_articles to one CSV file at ``path`` (written whole, then moved in place)."""
    return _write_whole(path, lambda temp: store.export_csv(temp, with_text=with_text), bom=bom)


def export_records(store: Store, out_dir: Path, fmt: str, *, bom: bool = False) -> list[Path]:
    """Write each kind of extracted record to ``out_dir/<kind>.parquet`` or ``.csv``; return the files."""
    from .store.records import RECORD_VIEWS

    return [_write_whole(Path(out_dir) / f"{name}.{fmt}",
                         lambda temp, name=name: store.export_records(name, temp, fmt), bom=bom and fmt == "csv")
            for name in RECORD_VIEWS]
