"""Policy files attached to government pages: PDF, DOCX and legacy Word .doc.

Reading (what the crawler needs): ``extract_text(body, kind)`` with pypdf,
python-docx, and for .doc (Word 97–2003 binary) olefile plus the piece-table
walk of the MS-DOC format, which needs no external program.

The fixture web's writers of the three formats are in
``edualliance.corpus.fixtureweb.docwriters``.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile

#: Decompressed text longer than this is cut: a policy file is not a book.
MAX_TEXT_CHARS = 2_000_000

ATTACHMENT_TYPES = {
    ".pdf": "pdf",
    ".doc": "doc",
    ".docx": "docx",
}
CONTENT_TYPES = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}


#: Largest property block MS-DOC allows (cbGrpprl); anything else is a damaged file.
MAX_GRPPRL = 0x3FA2


class AttachmentError(ValueError):
    """The file is not a readable PDF/DOC/DOCX."""


def kind_of(url: str | None, content_type: str | None, body: bytes = b"") -> str | None:
    """'pdf', 'doc', 'docx' or None, by content, then Content-Type, then URL suffix."""
    if body.startswith(b"%PDF-"):
        return "pdf"
    if body.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    if body.startswith(b"PK\x03\x04") and b"word/" in body[:4096]:
        return "docx"
    if content_type:
        found = CONTENT_TYPES.get(content_type.split(";")[0].strip().lower())
        if found:
            return found
    if url:
        path = url.split("?", 1)[0].split("#", 1)[0].lower()
        for suffix, kind in ATTACHMENT_TYPES.items():
            if path.endswith(suffix):
                return kind
    return None


def extract_text(body: bytes, kind: str) -> str:
    try:
        if kind == "pdf":
            text = _pdf_text(body)
        elif kind == "docx":
            text = _docx_text(body)
        elif kind == "doc":
            text = _doc_text(body)
        else:
            raise AttachmentError(f"not an attachment type: {kind}")
    except AttachmentError:
        raise
    except Exception as exc:  # the parsers raise many kinds on broken files
        raise AttachmentError(f"unreadable {kind.upper()}: {type(exc).__name__}: {exc}") from exc
    text = text[:MAX_TEXT_CHARS]
    if not text.strip():
        raise AttachmentError(f"no text in the {kind.upper()} (a scan needs OCR)")
    return text


# -- PDF -----------------------------------------------------------------------------


def _pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    if reader.is_encrypted:
        try:
            reader.decrypt("")
        except Exception as exc:
            raise AttachmentError("encrypted PDF") from exc
    pages = [page.extract_text() or "" for page in reader.pages[:500]]
    return reflow("\n".join(pages))


def reflow(text: str) -> str:
    """Join lines that a PDF wrapped: a line as long as the longest ones continues on the next."""
    lines = [line.strip() for line in text.splitlines()]
    lengths = sorted(len(line) for line in lines if line)
    if not lengths:
        return ""
    full = lengths[int(len(lengths) * 0.9) - 1 if len(lengths) > 1 else 0] * 0.85
    out: list[str] = []
    joining = False
    for line in lines:
        if not line:
            joining = False
            continue
        if joining and out:
            out[-1] += line
        else:
            out.append(line)
        joining = len(line) >= full and not re.search(r"[。！？；：:]$", line)
    return "\n".join(out)


# -- DOCX ----------------------------------------------------------------------------


def _docx_text(body: bytes) -> str:
    import docx

    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        total = sum(info.file_size for info in archive.infolist())
        if total > 200 * 2**20:
            raise AttachmentError(f"DOCX unpacks to {total // 2**20} MB: refused")
    document = docx.Document(io.BytesIO(body))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines)



# -- DOC (Word 97-2003 binary) ----------------------------------------------------------

_FIB_IDENT = 0xA5EC


def _doc_text(body: bytes) -> str:
    """Text of a Word 97–2003 document: FIB → CLX piece table → text pieces (MS-DOC 2.4.1)."""
    import olefile

    if not olefile.isOleFile(io.BytesIO(body)):
        raise AttachmentError("not an OLE compound file")
    with olefile.OleFileIO(io.BytesIO(body)) as ole:
        if not ole.exists("WordDocument"):
            raise AttachmentError("OLE file without a WordDocument stream (not a Word document)")
        word = ole.openstream("WordDocument").read()
        ident, _nfib = struct.unpack_from("<HH", word, 0)
        if ident != _FIB_IDENT:
            raise AttachmentError("WordDocument stream without a Word 97+ header (Word 6/95 files are not read)")
        flags = struct.unpack_from("<H", word, 0x0A)[0]
        if flags & 0x0100:
            raise AttachmentError("encrypted Word document")
        table_name = "1Table" if flags & 0x0200 else "0Table"
        if not ole.exists(table_name):
            raise AttachmentError(f"Word document without its {table_name} stream")
        table = ole.openstream(table_name).read()
    pos = 32
    csw = struct.unpack_from("<H", word, pos)[0]
    pos += 2 + csw * 2
    cslw = struct.unpack_from("<H", word, pos)[0]
    lw_start = pos + 2
    ccp_text = struct.unpack_from("<i", word, lw_start + 3 * 4)[0]
    pos = lw_start + cslw * 4
    cb_rg = struct.unpack_from("<H", word, pos)[0]
    rg_start = pos + 2
    if cb_rg < 34:
        raise AttachmentError("Word header too short for a piece table")
    fc_clx, lcb_clx = struct.unpack_from("<II", word, rg_start + 33 * 8)
    clx = table[fc_clx:fc_clx + lcb_clx]
    i = 0
    while i < len(clx) and clx[i] == 0x01:  # Prc: property modifiers, skipped
        cb_grpprl = struct.unpack_from("<h", clx, i + 1)[0]
        if not 0 <= cb_grpprl <= MAX_GRPPRL:
            raise AttachmentError(f"Word property block of {cb_grpprl} bytes: a damaged or hostile file")
        i += 3 + cb_grpprl
    if i >= len(clx) or clx[i] != 0x02:
        raise AttachmentError("Word piece table not found")
    lcb = struct.unpack_from("<I", clx, i + 1)[0]
    plc = clx[i + 5:i + 5 + lcb]
    n = (lcb - 4) // 12
    cps = struct.unpack_from(f"<{n + 1}i", plc, 0)
    parts: list[str] = []
    for k in range(n):
        pcd = plc[4 * (n + 1) + 8 * k:4 * (n + 1) + 8 * (k + 1)]
        fc = struct.unpack_from("<I", pcd, 2)[0]
        count = cps[k + 1] - cps[k]
        if fc & 0x40000000:
            start = (fc & 0x3FFFFFFF) // 2
            parts.append(word[start:start + count].decode("cp1252", "replace"))
        else:
            parts.append(word[fc:fc + 2 * count].decode("utf-16-le", "replace"))
    text = "".join(parts)[:max(ccp_text, 0)]
    text = re.sub(r"\x13[^\x13\x14\x15]*\x14?([^\x15]*)\x15", r"\1", text)  # fields: keep results
    text = text.replace("\r", "\n").replace("\x07", "\t").replace("\x0b", "\n").replace("\x0c", "\n")
    return re.sub(r"[\x00-\x08\x0e-\x1f]", "", text)
