"""A minimal PDF writer for the sample worksheets: pages, shapes, Helvetica and shaped Arabic.

Used only by make_media.py, to regenerate the committed PDFs. Latin text uses the standard
Helvetica fonts (not embedded, WinAnsi encoding). Arabic text is shaped with HarfBuzz (uharfbuzz)
and drawn with a subset of a TrueType font embedded as a CID font, cut with fontTools.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PAGE_W, PAGE_H = 595, 842  # A4 in points
MARGIN = 50

Color = tuple[float, float, float]
BLACK: Color = (0.1, 0.12, 0.15)
GREY: Color = (0.45, 0.48, 0.5)
WHITE: Color = (1, 1, 1)

# ---------------------------------------------------------------------------------------------
# Helvetica metrics (Adobe's AFM widths for ASCII 32-126), enough to wrap lines and centre text.

_HELV = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 "
    "556 556 556 556 278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 "
    "556 833 722 778 667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 333 556 "
    "556 500 556 556 278 556 556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 722 "
    "500 500 500 334 260 334 584"
)
_HELV_BOLD = (
    "278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 556 556 556 556 556 556 "
    "556 556 556 556 333 333 584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 "
    "611 833 722 778 667 778 722 667 611 722 667 944 667 667 611 333 278 333 584 556 333 556 "
    "611 556 611 556 333 611 611 278 278 556 278 889 611 611 611 611 389 556 333 611 556 778 "
    "556 556 500 389 280 389 584"
)
_WIDTHS = {
    False: dict(zip(range(32, 127), map(int, _HELV.split()), strict=True)),
    True: dict(zip(range(32, 127), map(int, _HELV_BOLD.split()), strict=True)),
}


def latin_width(text: str, size: float, bold: bool = False) -> float:
    """Width of `text` in Helvetica, in points (accented letters measure as their base)."""
    table = _WIDTHS[bold]
    total = 0
    for ch in text:
        base = unicodedata.normalize("NFD", ch)[0]
        total += table.get(ord(base), 611 if ch == "¿" else 556)
    return total * size / 1000


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


# ---------------------------------------------------------------------------------------------
# Arabic: HarfBuzz shapes each run, a tiny bidi splits out number runs, fontTools subsets the
# font. Only used for the Arabic worksheet.

_LTR_RUN = re.compile(r"[0-9٠-٩]+(?:[.,/:٫][0-9٠-٩]+)*")


@dataclass
class PlacedGlyph:
    gid: int
    x: float  # font units from the start of the line
    y: float


@dataclass
class ArabicFont:
    """A TrueType font used through glyph ids (Identity-H); remembers what it has drawn."""

    path: Path
    used: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        import uharfbuzz as hb

        self._hb = hb
        self._face = hb.Face(self.path.read_bytes())
        self._font = hb.Font(self._face)
        self.upem: int = self._face.upem

    def _shape_run(self, text: str, rtl: bool) -> tuple[float, list[PlacedGlyph]]:
        hb = self._hb
        buf = hb.Buffer()
        buf.add_str(text)
        buf.direction = "rtl" if rtl else "ltr"
        buf.script = "Arab"
        buf.language = "ar"
        buf.cluster_level = hb.BufferClusterLevel.MONOTONE_CHARACTERS  # a mark is its own
        hb.shape(self._font, buf, {})
        clusters = sorted({info.cluster for info in buf.glyph_infos})
        ends = {
            c: (clusters[i + 1] if i + 1 < len(clusters) else len(text))
            for i, c in enumerate(clusters)
        }
        pen = 0.0
        placed: list[PlacedGlyph] = []
        for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True):
            if info.codepoint == 0:
                raise ValueError(f"{self.path.name} has no glyph for part of {text!r}")
            cluster_text = text[info.cluster : ends[info.cluster]]
            self.used.setdefault(info.codepoint, cluster_text)
            placed.append(PlacedGlyph(info.codepoint, pen + pos.x_offset, pos.y_offset))
            pen += pos.x_advance
        return pen, placed

    def line(self, text: str) -> tuple[float, list[PlacedGlyph]]:
        """Shape one right-to-left line; numbers stay left-to-right. Returns width and glyphs."""
        runs: list[tuple[str, bool]] = []
        last = 0
        for match in _LTR_RUN.finditer(text):
            if match.start() > last:
                runs.append((text[last : match.start()], True))
            runs.append((match.group(), False))
            last = match.end()
        if last < len(text):
            runs.append((text[last:], True))
        shaped = [self._shape_run(run, rtl) for run, rtl in runs]
        width = sum(w for w, _ in shaped)
        right = width
        glyphs: list[PlacedGlyph] = []
        for run_width, run_glyphs in shaped:  # logical order, laid out from the right
            left = right - run_width
            glyphs.extend(PlacedGlyph(g.gid, left + g.x, g.y) for g in run_glyphs)
            right = left
        return width, glyphs

    def width(self, text: str, size: float) -> float:
        return self.line(text)[0] * size / self.upem

    def subset(self) -> bytes:
        """The font cut down to the glyphs drawn so far, keeping their ids."""
        from fontTools import subset
        from fontTools.ttLib import TTFont

        font = TTFont(self.path, recalcTimestamp=False)
        options = subset.Options()
        options.retain_gids = True
        options.notdef_outline = True
        options.hinting = False
        options.layout_features = []
        options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "DSIG"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(gids=sorted(self.used))
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out)
        return out.getvalue()

    def advance(self, gid: int) -> int:
        return int(self._font.get_glyph_h_advance(gid))


# ---------------------------------------------------------------------------------------------
# A minimal PDF writer: objects, pages with compressed content streams, three fonts.


class Page:
    """Drawing operations for one page, in PDF points (origin bottom left)."""

    def __init__(self, arabic: ArabicFont | None = None) -> None:
        self.ops: list[str] = []
        self.arabic = arabic
        self.y = PAGE_H - MARGIN

    # -- graphics --
    def _paint(self, fill: Color | None, stroke: Color | None, width: float) -> str:
        ops = []
        if fill is not None:
            ops.append("{} {} {} rg".format(*map(_num, fill)))
        if stroke is not None:
            ops.append("{} {} {} RG {} w".format(*map(_num, stroke), _num(width)))
        paint = "B" if fill is not None and stroke is not None else "f" if fill else "S"
        return " ".join([*ops, paint])

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        fill: Color | None = None,
        stroke: Color | None = BLACK,
        width: float = 1,
    ) -> None:
        self.ops.append(
            f"{_num(x)} {_num(y)} {_num(w)} {_num(h)} re " + self._paint(fill, stroke, width)
        )

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        color: Color = BLACK,
        width: float = 1,
        dash: bool = False,
    ) -> None:
        pattern = "[3 3] 0 d " if dash else ""
        self.ops.append(
            f"q {pattern}{_num(x1)} {_num(y1)} m {_num(x2)} {_num(y2)} l "
            + self._paint(None, color, width)
            + " Q"
        )

    def path(
        self,
        points: Sequence[tuple[float, float]],
        fill: Color | None = None,
        stroke: Color | None = BLACK,
        width: float = 1,
        close: bool = True,
    ) -> None:
        first, *rest = points
        ops = [f"{_num(first[0])} {_num(first[1])} m"]
        ops += [f"{_num(x)} {_num(y)} l" for x, y in rest]
        if close:
            ops.append("h")
        self.ops.append(" ".join(ops) + " " + self._paint(fill, stroke, width))

    def circle(
        self,
        cx: float,
        cy: float,
        r: float,
        fill: Color | None = None,
        stroke: Color | None = BLACK,
        width: float = 1,
    ) -> None:
        k = 0.5523 * r
        ops = [f"{_num(cx + r)} {_num(cy)} m"]
        for (ax, ay), (bx, by), (ex, ey) in (
            ((cx + r, cy + k), (cx + k, cy + r), (cx, cy + r)),
            ((cx - k, cy + r), (cx - r, cy + k), (cx - r, cy)),
            ((cx - r, cy - k), (cx - k, cy - r), (cx, cy - r)),
            ((cx + k, cy - r), (cx + r, cy - k), (cx + r, cy)),
        ):
            ops.append(" ".join(_num(v) for v in (ax, ay, bx, by, ex, ey)) + " c")
        self.ops.append(" ".join(ops) + " h " + self._paint(fill, stroke, width))

    def drop(
        self,
        cx: float,
        cy: float,
        r: float,
        fill: Color | None = None,
        stroke: Color | None = BLACK,
        width: float = 1,
    ) -> None:
        """A water drop: round at the bottom (centre cx, cy), pointed at the top."""
        k = 0.5523 * r
        pts = [
            (cx, cy + 2 * r),
            (cx + 0.25 * r, cy + 1.3 * r),
            (cx + r, cy + 0.8 * r),
            (cx + r, cy),
            (cx + r, cy - k),
            (cx + k, cy - r),
            (cx, cy - r),
            (cx - k, cy - r),
            (cx - r, cy - k),
            (cx - r, cy),
            (cx - r, cy + 0.8 * r),
            (cx - 0.25 * r, cy + 1.3 * r),
            (cx, cy + 2 * r),
        ]
        ops = [f"{_num(pts[0][0])} {_num(pts[0][1])} m"]
        for i in range(1, len(pts), 3):
            ops.append(" ".join(f"{_num(x)} {_num(y)}" for x, y in pts[i : i + 3]) + " c")
        self.ops.append(" ".join(ops) + " h " + self._paint(fill, stroke, width))

    def wave(
        self, x: float, y_top: float, y_bottom: float, amp: float, color: Color, width: float
    ) -> None:
        """A wavy line from top to bottom (a river)."""
        step = 18.0
        ops = [f"{_num(x)} {_num(y_top)} m"]
        y = y_top
        side = 1
        while y - step >= y_bottom - 0.01:
            ops.append(
                f"{_num(x + side * amp)} {_num(y - step / 3)} "
                f"{_num(x + side * amp)} {_num(y - 2 * step / 3)} {_num(x)} {_num(y - step)} c"
            )
            y -= step
            side = -side
        self.ops.append(" ".join(ops) + " " + self._paint(None, color, width))

    # -- Latin text (Helvetica) --
    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float = 11,
        bold: bool = False,
        color: Color = BLACK,
    ) -> None:
        font = "F2" if bold else "F1"
        self.ops.append(
            "BT {} {} {} rg /{} {} Tf {} {} Td ".format(
                *map(_num, color), font, _num(size), _num(x), _num(y)
            )
            + _pdf_string(text).decode("latin-1")
            + " Tj ET"
        )

    def text_centered(
        self,
        cx: float,
        y: float,
        text: str,
        size: float = 11,
        bold: bool = False,
        color: Color = BLACK,
    ) -> None:
        self.text(cx - latin_width(text, size, bold) / 2, y, text, size, bold, color)

    def para(
        self,
        text: str,
        size: float = 11,
        bold: bool = False,
        x: float = MARGIN,
        width: float = PAGE_W - 2 * MARGIN,
        leading: float = 1.35,
        color: Color = BLACK,
    ) -> None:
        """Wrapped text at the cursor; moves the cursor down."""
        for line in wrap(text, lambda s: latin_width(s, size, bold), width):
            self.y -= size * leading
            self.text(x, self.y, line, size, bold, color)

    # -- Arabic text --
    def ar_text(
        self, x_right: float, y: float, text: str, size: float = 13, color: Color = BLACK
    ) -> float:
        """Right-aligned Arabic line ending at x_right; returns its width in points."""
        assert self.arabic is not None
        units, glyphs = self.arabic.line(text)
        scale = size / self.arabic.upem
        x0 = x_right - units * scale
        parts = ["BT {} {} {} rg /F3 {} Tf".format(*map(_num, color), _num(size))]
        for g in glyphs:
            parts.append(
                f"1 0 0 1 {_num(x0 + g.x * scale)} {_num(y + g.y * scale)} Tm <{g.gid:04X}> Tj"
            )
        parts.append("ET")
        self.ops.append(" ".join(parts))
        return units * scale

    def ar_para(
        self,
        text: str,
        size: float = 13,
        x_right: float = PAGE_W - MARGIN,
        width: float = PAGE_W - 2 * MARGIN,
        leading: float = 1.7,
        color: Color = BLACK,
    ) -> None:
        assert self.arabic is not None
        arabic = self.arabic
        for line in wrap(text, lambda s: arabic.width(s, size), width):
            self.y -= size * leading
            self.ar_text(x_right, self.y, line, size, color)

    def content(self) -> bytes:
        return "\n".join(self.ops).encode("latin-1")


def wrap(text: str, measure: Callable[[str], float], width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and measure(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


class PdfWriter:
    def __init__(self) -> None:
        self.objects: list[bytes] = []

    def add(self, body: bytes) -> int:
        self.objects.append(body)
        return len(self.objects)

    def reserve(self) -> int:
        return self.add(b"")

    def put(self, number: int, body: bytes) -> None:
        self.objects[number - 1] = body

    def stream(self, data: bytes, extra: str = "", compress: bool = True) -> int:
        if compress:
            data = zlib.compress(data, 9)
            extra += " /Filter /FlateDecode"
        head = f"<< /Length {len(data)}{extra} >>\nstream\n".encode()
        return self.add(head + data + b"\nendstream")

    def build(self, root: int, title: str) -> bytes:
        info = self.add(
            b"<< /Title " + _utf16_string(title) + b" /Producer (Learning Hub make_media.py) >>"
        )
        out = io.BytesIO()
        out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(self.objects, start=1):
            offsets.append(out.tell())
            out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
        xref = out.tell()
        out.write(f"xref\n0 {len(self.objects) + 1}\n0000000000 65535 f \n".encode())
        for offset in offsets:
            out.write(f"{offset:010d} 00000 n \n".encode())
        out.write(
            f"trailer\n<< /Size {len(self.objects) + 1} /Root {root} 0 R "
            f"/Info {info} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
        )
        return out.getvalue()


def _utf16_string(text: str) -> bytes:
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def _arabic_font_objects(pdf: PdfWriter, font: ArabicFont) -> int:
    """Type0 / CIDFontType2 objects for the glyphs used; returns the Type0 font object."""
    from fontTools.ttLib import TTFont

    data = font.subset()
    ttf = TTFont(io.BytesIO(data))
    head = ttf["head"]
    hhea = ttf["hhea"]
    scale = 1000 / font.upem
    tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(data).digest()[:6])
    name = f"{tag}+{font.path.stem}"
    file_obj = pdf.stream(data, f" /Length1 {len(data)}")
    descriptor = pdf.add(
        (
            f"<< /Type /FontDescriptor /FontName /{name} /Flags 4 "
            f"/FontBBox [{round(head.xMin * scale)} {round(head.yMin * scale)} "
            f"{round(head.xMax * scale)} {round(head.yMax * scale)}] /ItalicAngle 0 "
            f"/Ascent {round(hhea.ascent * scale)} /Descent {round(hhea.descent * scale)} "
            f"/CapHeight {round(hhea.ascent * scale)} /StemV 80 /FontFile2 {file_obj} 0 R >>"
        ).encode()
    )
    widths = " ".join(f"{gid} [{round(font.advance(gid) * scale)}]" for gid in sorted(font.used))
    cid_font = pdf.add(
        (
            f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} "
            f"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
            f"/FontDescriptor {descriptor} 0 R /DW 0 /W [{widths}] /CIDToGIDMap /Identity >>"
        ).encode()
    )
    entries = [
        f"<{gid:04X}> <{text.encode('utf-16-be').hex().upper()}>"
        for gid, text in sorted(font.used.items())
        if text
    ]
    chunks = [entries[i : i + 100] for i in range(0, len(entries), 100)]
    cmap = "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            "<0000> <FFFF>",
            "endcodespacerange",
        ]
        + [f"{len(c)} beginbfchar\n" + "\n".join(c) + "\nendbfchar" for c in chunks]
        + ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    )
    to_unicode = pdf.stream(cmap.encode())
    return pdf.add(
        (
            f"<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H "
            f"/DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>"
        ).encode()
    )


def write_pdf(
    path: Path, pages: Sequence[Page], title: str, lang: str, arabic: ArabicFont | None = None
) -> None:
    pdf = PdfWriter()
    catalog = pdf.reserve()
    pages_obj = pdf.reserve()
    fonts = [
        "/F1 {} 0 R".format(
            pdf.add(
                b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            )
        ),
        "/F2 {} 0 R".format(
            pdf.add(
                b"<< /Type /Font /Subtype /Type1 /BaseFont "
                b"/Helvetica-Bold /Encoding /WinAnsiEncoding >>"
            )
        ),
    ]
    if arabic is not None:
        fonts.append(f"/F3 {_arabic_font_objects(pdf, arabic)} 0 R")
    resources = pdf.add(f"<< /Font << {' '.join(fonts)} >> >>".encode())
    kids = []
    for page in pages:
        content = pdf.stream(page.content())
        kids.append(
            pdf.add(
                (
                    f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
                    f"/Resources {resources} 0 R /Contents {content} 0 R >>"
                ).encode()
            )
        )
    pdf.put(
        pages_obj,
        (
            f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>"
        ).encode(),
    )
    pdf.put(catalog, (f"<< /Type /Catalog /Pages {pages_obj} 0 R /Lang ({lang}) >>").encode())
    path.write_bytes(pdf.build(catalog, title))
