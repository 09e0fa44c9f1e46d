"""Small deterministic writers of PDF, DOCX and legacy Word .doc for the fixture web's attachments.

The same lines give the same bytes every time, so the attachments are made
by code, not committed. ``edualliance.crawler.docfiles`` reads them back (a
test round-trips each format).
"""

from __future__ import annotations

import io
import struct
import zipfile

#: wIdent of a Word 97 FIB (MS-DOC 2.5.2); the reader checks it too. Not imported from the
#: crawler, so that the fixture web depends on nothing of the product.
FIB_IDENT = 0xA5EC


def write_pdf(lines: list[str], *, chars_per_line: int = 38, title: str = "") -> bytes:
    """A one-font PDF whose text pypdf can extract (CID font, Identity-H, ToUnicode map).

    The font is not embedded (viewers substitute a CJK font); the text layer,
    which is what a crawler reads, is exact.
    """
    wrapped: list[str] = []
    for paragraph in lines:
        chunks = [paragraph[i:i + chars_per_line] for i in range(0, len(paragraph), chars_per_line)] or [""]
        wrapped.extend(chunks)
        wrapped.append("")
    per_page = 48
    pages = [wrapped[i:i + per_page] for i in range(0, len(wrapped), per_page)]
    chars = sorted({ord(c) for line in wrapped for c in line if ord(c) < 0x10000})

    objects: list[bytes] = []

    def add(obj: bytes) -> int:
        objects.append(obj)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages_obj = add(b"")
    cmap_lines = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
                  "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
                  "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
                  "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange"]
    for start in range(0, len(chars), 100):
        block = chars[start:start + 100]
        cmap_lines.append(f"{len(block)} beginbfchar")
        cmap_lines.extend(f"<{c:04X}> <{c:04X}>" for c in block)
        cmap_lines.append("endbfchar")
    cmap_lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    cmap = "\n".join(cmap_lines).encode("ascii")
    tounicode = add(b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream")
    descriptor = add(b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880]"
                     b" /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>")
    cidfont = add(b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
                  b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
                  b" /FontDescriptor %d 0 R /DW 1000 >>" % descriptor)
    font = add(b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H"
               b" /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (cidfont, tounicode))
    page_ids = []
    for page_lines in pages:
        ops = ["BT", "/F1 12 Tf", "16 TL", "56 790 Td"]
        for line in page_lines:
            hexed = "".join(f"{ord(c):04X}" for c in line if ord(c) < 0x10000)
            ops.append(f"<{hexed}> Tj T*" if hexed else "T*")
        ops.append("ET")
        content = "\n".join(ops).encode("ascii")
        stream = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        page_ids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842]"
                            b" /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                            % (pages_obj, font, stream)))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_obj
    kids = b" ".join(b"%d 0 R" % p for p in page_ids)
    objects[pages_obj - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))
    info = add(b"<< /Title <FEFF%s> /Producer (edualliance fixture web) >>"
               % "".join(f"{ord(c):04X}" for c in title).encode("ascii"))

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, catalog, info, xref)
    return bytes(out)



_DOCX_FIXED_TIME = (2024, 3, 1, 0, 0, 0)


def write_docx(lines: list[str], title: str = "") -> bytes:
    from xml.sax.saxutils import escape

    paragraphs = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>' for line in lines
    )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
            'package.core-properties+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
            'metadata/core-properties" Target="docProps/core.xml"/></Relationships>'
        ),
        "docProps/core.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:title>{escape(title)}</dc:title></cp:coreProperties>"
        ),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{paragraphs}</w:body></w:document>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, _DOCX_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()



def write_doc(lines: list[str]) -> bytes:
    """A minimal Word 97 document (FIB, one Unicode text piece) in a CFB container."""
    text = "\r".join(lines) + "\r"
    encoded = text.encode("utf-16-le")
    text_fc = 0x800
    csw, cslw, cb_rg = 14, 22, 0x5D
    fib = bytearray(32)
    struct.pack_into("<HHHHH", fib, 0, FIB_IDENT, 0x00C1, 0, 0x0409, 0)
    struct.pack_into("<H", fib, 0x0A, 0x0200)  # fWhichTblStm: 1Table
    struct.pack_into("<H", fib, 0x0C, 0x00BF)  # nFibBack
    fib += struct.pack("<H", csw) + bytes(csw * 2)
    lw = bytearray(cslw * 4)
    struct.pack_into("<i", lw, 0, text_fc + len(encoded))  # cbMac
    struct.pack_into("<i", lw, 3 * 4, len(text))  # ccpText
    fib += struct.pack("<H", cslw) + lw
    rg = bytearray(cb_rg * 8)
    plc = struct.pack("<ii", 0, len(text)) + struct.pack("<HIH", 0, text_fc, 0)
    clx = b"\x02" + struct.pack("<I", len(plc)) + plc
    struct.pack_into("<II", rg, 33 * 8, 0, len(clx))  # fcClx, lcbClx
    fib += struct.pack("<H", cb_rg) + rg + struct.pack("<H", 0)
    word = bytes(fib).ljust(text_fc, b"\x00") + encoded
    table = clx
    return _write_cfb({"WordDocument": word, "1Table": table})


def _write_cfb(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file holding the given streams (each padded past the mini-stream cutoff)."""
    sector = 512
    end, free, fatsect = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    names = list(streams)
    data = {name: streams[name].ljust(4096, b"\x00") for name in names}
    counts = {name: -(-len(data[name]) // sector) for name in names}
    total = 1 + sum(counts.values())  # dir sector + stream sectors
    n_fat = 1
    while n_fat * (sector // 4) < total + n_fat:
        n_fat += 1
    fat = [fatsect] * n_fat
    dir_sector = len(fat)
    fat.append(end)
    starts = {}
    for name in names:
        starts[name] = len(fat)
        for j in range(counts[name]):
            fat.append(len(fat) + 1 if j < counts[name] - 1 else end)
    fat += [free] * (n_fat * (sector // 4) - len(fat))

    def entry(name: str, kind: int, child: int, left: int, right: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00" if name else b""
        out = bytearray(128)
        out[:len(raw)] = raw
        struct.pack_into("<HBB", out, 64, len(raw), kind, 1)
        struct.pack_into("<III", out, 68, left, right, child)
        struct.pack_into("<II", out, 116, start, size)
        return bytes(out)

    # Red-black tree of the root's children, compared by (length, upper-case name).
    ordered = sorted(names, key=lambda n: (len(n), n.upper()))
    ids = {name: i + 1 for i, name in enumerate(names)}
    root_child = ids[ordered[-1]]
    entries = [entry("Root Entry", 5, root_child, free, free, end, 0)]
    for name in names:
        pos = ordered.index(name)
        left = ids[ordered[pos - 1]] if name == ordered[-1] and pos > 0 else free
        if name == ordered[-1] and len(ordered) > 2:
            raise ValueError("this writer builds trees of at most two streams")
        entries.append(entry(name, 2, free, left, free, starts[name], len(data[name])))
    while len(entries) % 4:
        entries.append(entry("", 0, free, free, free, 0, 0))
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x003E, 0x0003, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, n_fat, dir_sector, 0, 4096, end, 0, end, 0)
    difat = list(range(n_fat)) + [free] * (109 - n_fat)
    struct.pack_into("<109I", header, 76, *difat)
    body = bytearray(header)
    body += struct.pack(f"<{len(fat)}I", *fat)
    body += b"".join(entries[:4])
    for name in names:
        body += data[name].ljust(counts[name] * sector, b"\x00")
    return bytes(body)
