"""Small, real evidence files for the demo: PDFs and PNGs that any viewer opens.

The PDF is written by hand (a page of text in the standard Chinese font STSong-Light, which
every PDF reader substitutes; nothing embedded), so generating dozens costs milliseconds and
needs no font files. The PNG is drawn with Pillow (a WeasyPrint dependency); with Debian's
fonts-noto-cjk installed it carries Chinese text, without it only the certificate's frame and seal.
"""

from __future__ import annotations

import io
from pathlib import Path

CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)


def _pdf_text(s: str) -> str:
    """A PDF hex string in UCS-2 big-endian, as the UniGB-UCS2-H encoding expects."""
    return "<" + s.encode("utf-16-be").hex().upper() + ">"


def make_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page A4 PDF: a title and lines of (Chinese) text."""
    ops = ["BT", "/F1 18 Tf", "72 770 Td", f"{_pdf_text(title)} Tj", "/F1 11 Tf", "0 -34 Td"]
    for line in lines:
        ops += [f"{_pdf_text(line)} Tj", "0 -20 Td"]
    ops.append("ET")
    stream = "\n".join(ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 7 0 R "
        b"/DW 1000 /W [1 95 500 814 939 500] >>",  # half-width advance for the ASCII range
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _font(size: int):
    from PIL import ImageFont

    for path in CJK_FONTS:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return None


def make_png(title: str, lines: list[str]) -> bytes:
    """A certificate-like PNG (600×420): frame, title, lines and a red seal."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (600, 420), (255, 253, 245))
    draw = ImageDraw.Draw(img)
    draw.rectangle((10, 10, 589, 409), outline=(176, 141, 87), width=6)
    draw.rectangle((24, 24, 575, 395), outline=(176, 141, 87), width=1)
    draw.ellipse((430, 270, 550, 390), outline=(200, 30, 30), width=5)
    draw.regular_polygon((490, 330, 22), 5, fill=(200, 30, 30))
    big, small = _font(30), _font(17)
    if big is not None:
        draw.text((300, 70), title, font=big, fill=(120, 20, 20), anchor="mm")
        for i, line in enumerate(lines[:8]):
            draw.text((60, 130 + 30 * i), line, font=small, fill=(40, 40, 40))
    else:  # no CJK font: keep the file a real picture, with ruled lines where text would be
        for i in range(6):
            draw.line((60, 130 + 30 * i, 400, 130 + 30 * i), fill=(190, 190, 190), width=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
