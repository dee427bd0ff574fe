"""Regenerate the sample courses' worksheets (PDF) and videos (MP4), deterministically.

The generated files are committed: the hub serves them as they are and needs none of the tools
below. This script is only for changing them.

    /work/main/.venv/bin/python bundles/samples/make_media.py            # everything
    /work/main/.venv/bin/python bundles/samples/make_media.py --only pdf # worksheets only

Needs, to regenerate only:
- PDFs: nothing for English and Spanish (hand-written PDF objects, standard Helvetica font).
  The Arabic worksheet embeds a subset of Noto Naskh Arabic (Debian package fonts-noto-core),
  shaped with HarfBuzz: `pip install uharfbuzz fonttools` into the venv.
- Videos: ffmpeg with libx264, drawtext, libfribidi (Debian package ffmpeg), and the fonts of
  fonts-dejavu-core and fonts-noto-core.

The same inputs and tool versions give byte-identical files (no dates, no encoder banners,
single-threaded encoding).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from media_pdf import (  # beside this script, which Python puts first on sys.path
    BLACK,
    GREY,
    MARGIN,
    PAGE_H,
    PAGE_W,
    WHITE,
    ArabicFont,
    Color,
    Page,
    latin_width,
    wrap,
    write_pdf,
)

HERE = Path(__file__).resolve().parent
NOTO_NASKH = Path("/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf")
NOTO_NASKH_BOLD = Path("/usr/share/fonts/truetype/noto/NotoNaskhArabic-Bold.ttf")
DEJAVU_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

# ---------------------------------------------------------------------------------------------
# Worksheets


def _header(page: Page, title: str, color: Color, left: str, right: str) -> None:
    page.rect(0, PAGE_H - 80, PAGE_W, 80, fill=color, stroke=None)
    page.text(MARGIN, PAGE_H - 50, title, 22, bold=True, color=WHITE)
    page.y = PAGE_H - 115
    page.text(MARGIN, page.y, left, 11)
    page.line(MARGIN + latin_width(left, 11) + 4, page.y - 2, 330, page.y - 2, GREY)
    page.text(350, page.y, right, 11)
    page.line(350 + latin_width(right, 11) + 4, page.y - 2, PAGE_W - MARGIN, page.y - 2, GREY)
    page.y -= 10


def _task(page: Page, number: int, text: str, color: Color) -> None:
    page.y -= 30
    page.circle(MARGIN + 9, page.y + 4, 10, fill=color, stroke=None)
    page.text_centered(MARGIN + 9, page.y, str(number), 11, bold=True, color=WHITE)
    lines = wrap(text, lambda s: latin_width(s, 12, True), PAGE_W - 2 * MARGIN - 26)
    for i, line in enumerate(lines):
        if i:
            page.y -= 16
        page.text(MARGIN + 26, page.y, line, 12, bold=True)


def _footer(page: Page, text: str) -> None:
    page.line(MARGIN, 48, PAGE_W - MARGIN, 48, GREY, 0.5)
    page.text(MARGIN, 34, text, 8, color=GREY)


def worksheet_en(path: Path) -> None:
    blue: Color = (0.16, 0.45, 0.66)
    page = Page()
    _header(page, "Worksheet: Clean Water, Healthy Bodies", blue, "Name:", "Date:")

    _task(page, 1, "Put the steps in order. Write 1, 2, 3 or 4 in each box.", blue)
    for step in (
        "Boil the water until big bubbles keep rising for one minute.",
        "Let the cloudy water stand in a bucket until the mud sinks.",
        "Keep the cool water in a clean container with a lid.",
        "Pour the top part slowly through a clean cloth folded four times.",
    ):
        page.y -= 24
        page.rect(MARGIN + 26, page.y - 5, 18, 18, stroke=blue, width=1.2)
        page.text(MARGIN + 54, page.y, step, 11)

    _task(page, 2, "Safe or not safe? Put a tick in one box on each line.", blue)
    page.y -= 20
    col_safe, col_not = 430, 490
    page.text_centered(col_safe + 9, page.y, "Safe", 10, bold=True)
    page.text_centered(col_not + 9, page.y, "Not safe", 10, bold=True)
    for row in (
        "Drinking water straight from a pond where cows drink.",
        "Drinking boiled water that cooled in a covered pot.",
        "Putting your hands into the drinking-water bucket.",
        "Washing your hands with soap after using the toilet.",
        "Drinking clear water from a well dug next to a latrine.",
    ):
        page.y -= 24
        page.line(MARGIN + 26, page.y - 8, PAGE_W - MARGIN, page.y - 8, (0.8, 0.85, 0.9), 0.5)
        page.text(MARGIN + 26, page.y, row, 11)
        page.rect(col_safe, page.y - 4, 16, 16, stroke=blue)
        page.rect(col_not, page.y - 4, 16, 16, stroke=blue)

    _task(page, 3, "Finish the sentences.", blue)
    for start in (
        "I wash my hands with soap before",
        "and after",
        "Boiling water is important because",
    ):
        page.y -= 26
        page.text(MARGIN + 26, page.y, start, 11)
        page.line(
            MARGIN + 30 + latin_width(start, 11), page.y - 2, PAGE_W - MARGIN, page.y - 2, GREY
        )

    _task(
        page,
        4,
        "My water diary. Each day, colour one drop for every cup of safe water you "
        "drink, and tick if you washed your hands before eating.",
        blue,
    )
    page.y -= 12
    top = page.y
    row_h = 23
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    x0, x1, x2 = MARGIN + 26, MARGIN + 110, PAGE_W - MARGIN - 80
    page.rect(x0, top - row_h, PAGE_W - MARGIN - x0, row_h, fill=(0.87, 0.93, 0.97), stroke=None)
    page.text(x0 + 6, top - 16, "Day", 10, bold=True)
    page.text(x1 + 6, top - 16, "Cups of safe water", 10, bold=True)
    page.text(x2 + 6, top - 16, "Washed hands", 10, bold=True)
    for i, day in enumerate(days, start=1):
        y = top - row_h * (i + 1)
        page.text(x0 + 6, y + 8, day, 10)
        for cup in range(8):
            page.drop(x1 + 18 + cup * 30, y + 8, 5, stroke=blue, width=0.9)
        page.rect(x2 + 32, y + 5, 13, 13, stroke=blue)
    bottom = top - row_h * (len(days) + 1)
    page.rect(x0, bottom, PAGE_W - MARGIN - x0, top - bottom, stroke=GREY, width=0.8)
    for x in (x1, x2):
        page.line(x, bottom, x, top, GREY, 0.8)
    for i in range(1, len(days) + 1):
        page.line(x0, top - row_h * i, PAGE_W - MARGIN, top - row_h * i, GREY, 0.5)
    _footer(page, 'Learning Hub sample course "Clean Water, Healthy Bodies" - CC BY 4.0')

    key = Page()
    key.rect(0, PAGE_H - 80, PAGE_W, 80, fill=blue, stroke=None)
    key.text(MARGIN, PAGE_H - 50, "For the teacher: answers and ideas", 22, bold=True, color=WHITE)
    key.y = PAGE_H - 100
    for heading, body in (
        ("1. Order of the steps", "3, 1, 4, 2: settle, filter, boil, then cover and store."),
        (
            "2. Safe or not safe",
            "Not safe, safe, not safe, safe, not safe. Clear water is not "
            "always clean: germs are too small to see.",
        ),
        (
            "3. Sentences",
            "Before eating or touching food; after using the toilet. Boiling "
            "kills the germs that make people sick.",
        ),
        (
            "4. Water diary",
            "There is no wrong answer. At the end of the week, ask the class to "
            "count their drops together and talk about the days when it was "
            "hard to find safe water.",
        ),
        (
            "Talk about it",
            "Where does the water at home come from? Who carries it? Is the "
            "container covered? Let the children draw their own water path.",
        ),
    ):
        key.y -= 14
        key.para(heading, 13, bold=True, color=blue)
        key.para(body, 11)
    _footer(key, 'Learning Hub sample course "Clean Water, Healthy Bodies" - CC BY 4.0')
    write_pdf(path, [page, key], "Worksheet: Clean Water, Healthy Bodies", "en")


def _bar(
    page: Page, x: float, y: float, w: float, h: float, parts: int, shaded: int, color: Color
) -> None:
    part = w / parts
    for i in range(parts):
        page.rect(
            x + i * part, y, part, h, fill=color if i < shaded else WHITE, stroke=BLACK, width=1.2
        )


def ficha_es(path: Path) -> None:
    orange: Color = (0.85, 0.46, 0.05)
    page = Page()
    _header(page, "Ficha: Fracciones", orange, "Nombre:", "Fecha:")

    _task(page, 1, "Escribe qué fracción de cada barra está pintada.", orange)
    for parts, shaded in ((2, 1), (4, 3), (3, 2), (8, 5)):
        page.y -= 40
        _bar(page, MARGIN + 26, page.y - 6, 300, 28, parts, shaded, orange)
        page.line(MARGIN + 360, page.y - 4, MARGIN + 430, page.y - 4, GREY)

    _task(page, 2, "Pinta la fracción que se indica.", orange)
    for parts, label in ((4, "1/4"), (5, "2/5"), (6, "5/6")):
        page.y -= 40
        page.text(MARGIN + 26, page.y + 4, label, 16, bold=True)
        _bar(page, MARGIN + 76, page.y - 6, 300, 28, parts, 0, orange)

    _task(page, 3, "Compara. Escribe >, < o = en cada cuadro.", orange)
    page.y -= 34
    for i, (a, b) in enumerate((("1/2", "1/4"), ("3/8", "5/8"), ("2/4", "1/2"), ("1/3", "1/5"))):
        x = MARGIN + 26 + i * 120
        page.text(x, page.y, a, 16)
        page.rect(x + 32, page.y - 6, 24, 24, stroke=orange, width=1.2)
        page.text(x + 64, page.y, b, 16)

    _task(page, 4, "Suma las fracciones.", orange)
    page.y -= 34
    for i, (a, b) in enumerate((("1/5", "2/5"), ("3/8", "4/8"), ("2/6", "3/6"))):
        x = MARGIN + 26 + i * 160
        expr = f"{a} + {b} ="
        page.text(x, page.y, expr, 16)
        page.line(
            x + latin_width(expr, 16) + 6,
            page.y - 2,
            x + latin_width(expr, 16) + 50,
            page.y - 2,
            GREY,
        )

    _task(page, 5, "Resuelve el problema.", orange)
    page.y -= 4
    page.para(
        "Un camión lleva 12 garrafones de agua. En la primera parada deja 1/4 de los "
        "garrafones. ¿Cuántos garrafones dejó? ¿Qué número de garrafones quedan en el "
        "camión?",
        12,
        x=MARGIN + 26,
        width=PAGE_W - 2 * MARGIN - 26,
    )
    for i in range(12):  # twelve water jugs to help count
        page.rect(
            MARGIN + 26 + i * 38,
            page.y - 44,
            26,
            30,
            fill=(0.75, 0.87, 0.95),
            stroke=(0.16, 0.45, 0.66),
        )
        page.rect(MARGIN + 34 + i * 38, page.y - 14, 10, 6, fill=(0.16, 0.45, 0.66), stroke=None)
    page.y -= 52
    for label in ("Dejó:", "Quedan:"):
        page.y -= 26
        page.text(MARGIN + 26, page.y, label, 12)
        page.line(MARGIN + 90, page.y - 2, MARGIN + 300, page.y - 2, GREY)
    _footer(page, "Curso de muestra de Learning Hub «Fracciones» - CC BY 4.0")

    key = Page()
    key.rect(0, PAGE_H - 80, PAGE_W, 80, fill=orange, stroke=None)
    key.text(
        MARGIN, PAGE_H - 50, "Respuestas (para el maestro o la maestra)", 20, bold=True, color=WHITE
    )
    key.y = PAGE_H - 100
    for heading, body in (
        ("1. Fracción pintada", "1/2, 3/4, 2/3 y 5/8."),
        (
            "2. Pintar",
            "Un cuarto: 1 de 4 partes. Dos quintos: 2 de 5 partes. Cinco sextos: 5 de 6 partes.",
        ),
        ("3. Comparar", "1/2 > 1/4;  3/8 < 5/8;  2/4 = 1/2;  1/3 > 1/5."),
        ("4. Sumar", "3/5;  7/8;  5/6. Los numeradores se suman y el denominador no cambia."),
        (
            "5. Problema",
            "Un cuarto de 12 es 3: dejó 3 garrafones y quedan 9 en el camión. Se "
            "puede resolver en grupos: repartir los 12 garrafones en 4 grupos "
            "iguales y tomar uno.",
        ),
        (
            "Para platicar",
            "¿Dónde usamos fracciones en casa o en el mercado? Media tortilla, un "
            "cuarto de kilo, tres cuartos de hora...",
        ),
    ):
        key.y -= 14
        key.para(heading, 13, bold=True, color=orange)
        key.para(body, 11)
    _footer(key, "Curso de muestra de Learning Hub «Fracciones» - CC BY 4.0")
    write_pdf(path, [page, key], "Ficha: Fracciones", "es")


def _footer_ar(page: Page) -> None:
    page.line(MARGIN, 48, PAGE_W - MARGIN, 48, GREY, 0.5)
    page.ar_text(PAGE_W - MARGIN, 32, "درس نموذجي: «قراءة الخريطة»", 9, GREY)
    page.text(MARGIN, 34, "Learning Hub sample course - CC BY 4.0", 8, color=GREY)


def waraqa_ar(path: Path) -> None:
    green: Color = (0.07, 0.48, 0.4)
    red: Color = (0.75, 0.22, 0.17)
    water: Color = (0.18, 0.53, 0.76)
    font = ArabicFont(NOTO_NASKH)
    right = PAGE_W - MARGIN
    page = Page(font)
    page.rect(0, PAGE_H - 80, PAGE_W, 80, fill=green, stroke=None)
    page.ar_text(right, PAGE_H - 55, "ورقة عمل: قِرَاءَةُ الخَرِيطَةِ", 24, WHITE)
    page.y = PAGE_H - 115
    w = page.ar_text(right, page.y, "الاسم:", 13)
    page.line(300, page.y - 2, right - w - 6, page.y - 2, GREY)
    w = page.ar_text(270, page.y, "التاريخ:", 13)
    page.line(MARGIN, page.y - 2, 270 - w - 6, page.y - 2, GREY)
    page.y -= 16
    page.ar_para("هذه خريطة قرية صغيرة. اقرأ مفتاح الخريطة أولًا، ثم أجب عن الأسئلة.", 13)

    # The map: 5 x 5 squares, each 100 metres; north is up, east is to the right.
    cell = 50
    map_right = right
    map_left = map_right - 5 * cell
    map_top = page.y - 40
    map_bottom = map_top - 5 * cell
    page.rect(map_left, map_bottom, 5 * cell, 5 * cell, fill=(0.93, 0.97, 0.91), stroke=None)
    for i in range(6):
        page.line(
            map_left + i * cell, map_bottom, map_left + i * cell, map_top, (0.75, 0.82, 0.75), 0.6
        )
        page.line(
            map_left,
            map_bottom + i * cell,
            map_right,
            map_bottom + i * cell,
            (0.75, 0.82, 0.75),
            0.6,
        )

    def centre(col: int, row: int) -> tuple[float, float]:
        return map_left + col * cell + cell / 2, map_top - row * cell - cell / 2

    page.wave(map_left + cell / 2, map_top, map_bottom, 7, water, 4)
    sx, sy = centre(2, 2)
    mx, my = centre(4, 2)
    cx, cy = centre(2, 4)
    page.line(sx, sy, mx, my, BLACK, 3)
    page.line(sx, sy, cx, cy, BLACK, 3)
    page.line(map_left + cell / 2, sy, sx, sy, BLACK, 3)  # road to the river
    page.rect(sx - 13, sy - 13, 26, 26, fill=red, stroke=None)  # school
    wx, wy = centre(2, 0)
    page.circle(wx, wy, 12, fill=water, stroke=None)  # well
    page.rect(mx - 13, my - 13, 26, 26, fill=(0.95, 0.61, 0.07), stroke=None)  # market
    page.rect(cx - 13, cy - 13, 26, 26, fill=(0.16, 0.45, 0.66), stroke=None)  # clinic
    page.rect(cx - 3.5, cy - 10, 7, 20, fill=WHITE, stroke=None)
    page.rect(cx - 10, cy - 3.5, 20, 7, fill=WHITE, stroke=None)
    for col, row in ((3, 0), (4, 0), (4, 1), (1, 3), (1, 4)):  # trees
        tx, ty = centre(col, row)
        page.path(
            [(tx - 11, ty - 10), (tx + 11, ty - 10), (tx, ty + 12)],
            fill=(0.14, 0.61, 0.34),
            stroke=None,
        )
    page.rect(map_left, map_bottom, 5 * cell, 5 * cell, stroke=BLACK, width=1.5)
    # North arrow above the map's top left corner.
    ax = map_left + 18
    page.path(
        [(ax, map_top + 34), (ax - 8, map_top + 12), (ax + 8, map_top + 12)], fill=red, stroke=None
    )
    page.ar_text(ax + 26, map_top + 14, "ش", 16, red)

    # The key, to the left of the map.
    key_right = map_left - 22
    key_left = MARGIN
    key_top = map_top
    page.rect(
        key_left, map_bottom, key_right - key_left, key_top - map_bottom, fill=WHITE, stroke=GREY
    )
    page.ar_text(key_right - 12, key_top - 24, "مفتاح الخريطة", 14, green)
    symbols: list[tuple[str, Callable[[float, float], None]]] = [
        ("مدرسة", lambda x, y: page.rect(x - 8, y - 8, 16, 16, fill=red, stroke=None)),
        ("بئر", lambda x, y: page.circle(x, y, 8, fill=water, stroke=None)),
        ("سوق", lambda x, y: page.rect(x - 8, y - 8, 16, 16, fill=(0.95, 0.61, 0.07), stroke=None)),
        (
            "مستوصف",
            lambda x, y: page.rect(x - 8, y - 8, 16, 16, fill=(0.16, 0.45, 0.66), stroke=None),
        ),
        ("نهر", lambda x, y: page.line(x - 10, y, x + 10, y, water, 4)),
        ("طريق", lambda x, y: page.line(x - 10, y, x + 10, y, BLACK, 3)),
        (
            "شجرة",
            lambda x, y: page.path(
                [(x - 8, y - 7), (x + 8, y - 7), (x, y + 9)], fill=(0.14, 0.61, 0.34), stroke=None
            ),
        ),
    ]
    y = key_top - 50
    for label, draw in symbols:
        draw(key_right - 24, y + 4)
        page.ar_text(key_right - 44, y, label, 13)
        y -= 22
    page.ar_text(key_right - 12, y - 2, "مقياس الرسم:", 12, green)
    page.ar_text(key_right - 12, y - 20, "ضلع كل مربع يساوي ١٠٠ متر", 12)

    page.y = map_bottom - 8
    questions = (
        "١. ما المكان الذي يقع شمال المدرسة؟",
        "٢. ما المكان الذي يقع شرق المدرسة؟",
        "٣. في أي جهة من المدرسة يجري النهر؟",
        "٤. كم مترًا تبعد البئر عن المدرسة؟",
    )
    for q in questions:
        page.y -= 30
        w = page.ar_text(right, page.y, q, 13)
        page.line(MARGIN, page.y - 3, right - w - 10, page.y - 3, GREY)
    page.y -= 30
    page.ar_text(right, page.y, "٥. ارسم في الإطار خريطة لغرفة صفّك، ولا تنسَ سهم الشمال.", 13)
    page.rect(MARGIN, 60, PAGE_W - 2 * MARGIN, page.y - 72, stroke=green, width=1.2)
    _footer_ar(page)

    key = Page(font)
    key.rect(0, PAGE_H - 80, PAGE_W, 80, fill=green, stroke=None)
    key.ar_text(right, PAGE_H - 55, "للمعلّم: الإجابات وأفكار للنقاش", 24, WHITE)
    key.y = PAGE_H - 100
    for heading, body in (
        ("١. شمال المدرسة", "البئر."),
        ("٢. شرق المدرسة", "السوق، ويصل إليه الطريق."),
        ("٣. النهر", "يجري النهر غرب المدرسة."),
        ("٤. المسافة", "البئر على بعد مربعين شمال المدرسة، أي ٢٠٠ متر."),
        (
            "٥. خريطة الصف",
            "لا توجد إجابة واحدة. تأكّد أن الخريطة فيها سهم للشمال، ومفتاح "
            "يشرح الرموز. اطلب من الأطفال أن يتبادلوا خرائطهم ويقرأ كل واحد "
            "خريطة صديقه.",
        ),
        (
            "للنقاش",
            "من أين تشرق الشمس في قريتنا أو مخيّمنا؟ ما الأماكن المهمة التي نضعها على "
            "خريطة حيّنا: البئر، والمدرسة، والمستوصف، ومكان التجمّع الآمن؟",
        ),
    ):
        key.y -= 14
        key.ar_para(heading, 15, color=green)
        key.ar_para(body, 13)
    _footer_ar(key)
    write_pdf(path, [page, key], "ورقة عمل: قراءة الخريطة", "ar", arabic=font)


# ---------------------------------------------------------------------------------------------
# Videos: lavfi colour sources, boxes and text, encoded as small H.264 Baseline MP4 (plays on
# the oldest phones); no audio.

WIDTH, HEIGHT, FPS = 640, 360, 20


@dataclass
class Scene:
    """A filter chain: drawbox and drawtext steps, with text kept in files (no escaping)."""

    workdir: Path
    filters: list[str] = field(default_factory=list)

    def box(
        self,
        x: str | float,
        y: str | float,
        w: str | float,
        h: str | float,
        color: str,
        start: float = 0,
        end: float = 99,
        thickness: str = "fill",
    ) -> None:
        self.filters.append(
            f"drawbox=x='{x}':y='{y}':w='{w}':h='{h}':color={color}:t={thickness}"
            f":enable='gte(t,{start})*lt(t,{end})'"
        )

    def text(
        self,
        text: str,
        x: str | float,
        y: str | float,
        size: int,
        color: str,
        start: float = 0,
        end: float = 99,
        font: Path = DEJAVU_BOLD,
    ) -> None:
        textfile = self.workdir / f"text{len(self.filters)}.txt"
        textfile.write_text(text, encoding="utf-8")
        self.filters.append(
            f"drawtext=fontfile={font}:textfile={textfile}:fontsize={size}:fontcolor={color}"
            f":expansion=none:x='{x}':y='{y}':enable='gte(t,{start})*lt(t,{end})'"
        )

    def centred(
        self,
        text: str,
        y: str | float,
        size: int,
        color: str,
        start: float = 0,
        end: float = 99,
        font: Path = DEJAVU_BOLD,
    ) -> None:
        self.text(text, "(w-text_w)/2", y, size, color, start, end, font)


def encode(scene: Scene, background: str, seconds: float, out: Path) -> None:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise SystemExit("ffmpeg is needed to regenerate the videos (apt-get install ffmpeg)")
    cmd = [
        ffmpeg,
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"color=c={background}:s={WIDTH}x{HEIGHT}:r={FPS}:d={seconds}",
        "-vf",
        ",".join([*scene.filters, "format=yuv420p"]),
        "-c:v",
        "libx264",
        "-profile:v",
        "baseline",
        "-level",
        "3.0",
        "-preset",
        "veryslow",
        "-crf",
        "30",
        "-threads",
        "1",
        "-g",
        str(FPS * 3),
        "-bsf:v",
        "filter_units=remove_types=6",  # drop x264's banner (SEI): same bytes always
        "-an",
        "-map_metadata",
        "-1",
        "-fflags",
        "+bitexact",
        "-flags:v",
        "+bitexact",
        "-movflags",
        "+faststart",
        str(out),
    ]
    subprocess.run(cmd, check=True)  # noqa: S603 (fixed arguments, no shell)


def video_en(work: Path, out: Path) -> None:
    s = Scene(work)
    # 0-2 s: title
    s.centred("Safe water", 80, 64, "0x1a5276", 0, 2)
    s.centred("in 3 steps", 160, 48, "0x2e86c1", 0, 2)
    s.box(270, 240, 100, 70, "0x2e86c1", 0, 2)
    # 2-4.5 s: settle and filter
    s.text("1. Settle and filter", 30, 24, 40, "0x1a5276", 2, 4.5)
    s.box(230, 120, 180, 30, "white", 2, 4.5)  # the cloth
    s.box(230, 120, 180, 30, "0x7f8c8d", 2, 4.5, thickness="3")
    for i in range(4):  # drops falling through the cloth
        s.box(250 + i * 40, f"155+mod((t-2)*120+{i * 25},90)", 8, 12, "0x2e86c1", 2, 4.5)
    s.box(240, 250, 160, 90, "0x7f8c8d", 2, 4.5, thickness="4")  # the bucket
    s.box(244, "336-min((t-2)*10,20)", 152, "min((t-2)*10,20)", "0x8d6e63", 2, 4.5)  # mud
    # 4.5-7 s: boil
    s.text("2. Boil for 1 minute", 30, 24, 40, "0xc0392b", 4.5, 7)
    s.box(220, 150, 200, 130, "0x566573", 4.5, 7)  # the pot
    s.box(234, 164, 172, 104, "0xaed6f1", 4.5, 7)  # water inside
    for i in range(5):  # bubbles
        s.box(250 + i * 32, f"250-mod((t-4.5)*70+{i * 17},80)", 12, 12, "white", 4.5, 7)
    for i in range(4):  # flames
        s.box(240 + i * 45, "290+4*sin(t*20)", 30, 40, "0xf39c12", 4.5, 7)
        s.box(248 + i * 45, "302+4*sin(t*20+1)", 14, 28, "0xe74c3c", 4.5, 7)
    # 7-9 s: cover and store
    s.text("3. Cover and store", 30, 24, 40, "0x1e8449", 7, 9)
    s.box(250, 170, 140, 150, "0x2e86c1", 7, 9)  # the container
    s.box(240, "min(20+(t-7)*300,150)", 160, 20, "0x17202a", 7, 9)  # the lid comes down
    s.centred("Safe to drink!", 100, 36, "0x1e8449", 8, 9)
    # progress dots
    for i, (start, end) in enumerate(((0, 2), (2, 4.5), (4.5, 7), (7, 9))):
        s.box(281 + i * 20, 340, 10, 10, "0xaab7b8", 0, 9)
        s.box(281 + i * 20, 340, 10, 10, "0x1a5276", start, end)
    encode(s, "0xeaf4fb", 9, out)


def video_es(work: Path, out: Path) -> None:
    s = Scene(work)
    s.centred("¿Qué es una fracción?", 140, 48, "0x9c640c", 0, 2)
    s.centred("Partimos en 4 partes iguales", 40, 32, "0x212f3d", 2, 9)
    bar_x, bar_y, part = 120, 150, 100
    for i in range(4):  # parts fill one by one
        start = 3.5 + 1.5 * i
        s.box(bar_x + i * part, bar_y, part, 80, "0xf39c12", start, 9)
    s.box(bar_x, bar_y, 4 * part, 80, "0x212f3d", 2, 9, thickness="5")
    for i in range(1, 4):
        s.box(bar_x + i * part - 2, bar_y, 5, 80, "0x212f3d", 2, 9)
    labels = (
        ("1/4", "un cuarto"),
        ("2/4", "dos cuartos"),
        ("3/4", "tres cuartos"),
        ("4/4 = 1", "un entero"),
    )
    for i, (fraction, words) in enumerate(labels):
        start = 3.5 + 1.5 * i
        end = start + 1.5 if i < 3 else 9
        s.centred(fraction, 250, 56, "0x212f3d", start, end)
        s.centred(words, 312, 30, "0x9c640c", start, end)
    encode(s, "0xfef9e7", 9, out)


def video_ar(work: Path, out: Path) -> None:
    s = Scene(work)
    font = NOTO_NASKH_BOLD
    s.centred("الجهات الأربع", 110, 64, "0x117a65", 0, 2, font)
    cx, cy = WIDTH // 2, HEIGHT // 2 + 10
    s.box(cx - 3, cy - 110, 6, 220, "0x1b2631", 2, 9)  # compass cross
    s.box(cx - 140, cy - 3, 280, 6, "0x1b2631", 2, 9)
    s.box(cx - 10, cy - 10, 20, 20, "0xc0392b", 2, 9)
    s.centred("الشمال", 4, 40, "0xc0392b", 2, 9, font)
    s.centred("الجنوب", HEIGHT - 70, 40, "0x1b2631", 3.5, 9, font)
    s.text("الشرق", cx + 152, cy - 40, 40, "0x1b2631", 5, 9, font)
    s.text("الغرب", f"{cx - 152}-text_w", cy - 40, 40, "0x1b2631", 6.5, 9, font)
    # the sun rises in the east, then sets in the west
    s.text("☀", WIDTH - 62, f"{cy + 40}-(t-5)*60", 48, "0xf1c40f", 5, 6.5, DEJAVU)
    s.text("☀", 14, f"{cy - 55}+(t-6.5)*40", 48, "0xe67e22", 6.5, 9, DEJAVU)
    encode(s, "0xeafaf1", 9, out)


# ---------------------------------------------------------------------------------------------

PDFS: dict[str, Callable[[Path], None]] = {
    "water-health-en/worksheet.pdf": worksheet_en,
    "fracciones-es/ficha.pdf": ficha_es,
    "al-kharita-ar/waraqa.pdf": waraqa_ar,
}
VIDEOS: dict[str, Callable[[Path, Path], None]] = {
    "water-health-en/media/safe-water.mp4": video_en,
    "fracciones-es/media/cuartos.mp4": video_es,
    "al-kharita-ar/media/jihat.mp4": video_ar,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("pdf", "video"), help="make only one kind")
    args = parser.parse_args()
    if args.only in (None, "pdf"):
        for name, make in PDFS.items():
            make(HERE / name)
            print(f"{name}: {(HERE / name).stat().st_size} bytes")
    if args.only in (None, "video"):
        for name, make_video in VIDEOS.items():
            with tempfile.TemporaryDirectory() as tmp:
                make_video(Path(tmp), HERE / name)
            print(f"{name}: {(HERE / name).stat().st_size} bytes")


if __name__ == "__main__":
    main()
