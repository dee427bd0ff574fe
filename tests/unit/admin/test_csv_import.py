"""Reading teachers' class lists: encodings, separators, headers in five languages, bad rows."""

from __future__ import annotations

import codecs
import time

from hubd.roster.csv_import import parse_class_list

LANGS = ["en", "es", "fr", "ar", "uk"]


def parse(data: bytes, group: str | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
    return parse_class_list(data, default_group=group, languages=LANGS, **kwargs)  # type: ignore[arg-type]


def test_excel_utf8_with_bom_and_semicolons() -> None:
    data = codecs.BOM_UTF8 + "Nombre;Apellidos;Grupo;PIN\r\nMaría;López;4B;0042\r\n".encode()
    preview = parse(data)
    assert preview.can_import and not preview.bad_rows
    (row,) = preview.rows
    assert (row.name, row.group, row.pin) == ("María López", "4B", "0042")
    assert preview.new_groups == ("4B",)


def test_utf16_from_excel_unicode_text_with_tabs() -> None:
    data = "Name\tClass\nОксана\t5A\nيوسف\t5A\n".encode("utf-16")
    preview = parse(data)
    assert [r.name for r in preview.rows] == ["Оксана", "يوسف"]


def test_french_prenom_and_nom_make_the_full_name() -> None:
    preview = parse("Prénom,Nom,Classe\nLéa,Martin,CM1\n".encode())
    assert preview.rows[0].name == "Léa Martin"


def test_without_a_header_the_columns_are_name_group_pin() -> None:
    preview = parse(b"Amina,Clase A,1234\nCarlos,Clase A\n")
    assert [(r.name, r.group, r.pin) for r in preview.rows] == [
        ("Amina", "Clase A", "1234"),
        ("Carlos", "Clase A", None),
    ]


def test_every_bad_row_is_listed_with_its_reasons() -> None:
    data = (
        (
            "name,group,pin,language\n"
            "Amina,4B,12345,en\n"  # PIN too long
            ",4B,,\n"  # no name
            "Carlos,,,\n"  # no group, and no group chosen for the file
            "Lina,4B,,klingon\n"  # unknown language
            "amina ,4B,,\n"  # same as line 2 (case and spaces do not matter)
            + "X"
            * 81
            + ",4B,,\n"  # too long
            "Yusuf,4B,7,es\n"  # fine; PIN padded to 0007
        ).encode()
    )
    preview = parse(data)
    assert [r.line for r in preview.bad_rows] == [2, 3, 4, 5, 6, 7]
    messages = {r.line: [p.message for p in r.problems] for r in preview.bad_rows}
    assert "not 4 digits" in messages[2][0]
    assert messages[3] == ["There is no name."]
    assert "There is no group" in messages[4][0]
    assert "language" in messages[5][0]
    assert "same name is on line" in messages[6][0]
    assert "longer than" in messages[7][0]
    assert [(r.name, r.pin, r.language) for r in preview.rows] == [("Yusuf", "0007", "es")]


def test_names_already_on_the_hub_are_bad_rows() -> None:
    preview = parse(
        b"name\nLina\nNour\n",
        group="Clase 4B",
        known_groups={"clase 4b"},
        known_names={("clase 4b", "lina")},
    )
    assert [r.line for r in preview.bad_rows] == [2]
    assert not preview.new_groups


def test_a_file_that_is_not_utf8_is_refused_with_how_to_fix_it() -> None:
    preview = parse("Nombre\nJosé\n".encode("cp1252"))
    assert not preview.can_import
    assert preview.file_problem is not None and "UTF-8" in preview.file_problem.message


def test_an_unclosed_quote_is_refused_with_its_line() -> None:
    preview = parse(b'name\nAmina\n"Carlos,4B\n')
    assert preview.file_problem is not None
    assert int(str(preview.file_problem.values["line"])) >= 3


def test_empty_rows_and_files() -> None:
    assert parse(b"").file_problem is not None
    assert parse(b"name\n;;;\n\n").file_problem is not None
    assert parse(b"Amina\n\n;;\n", group="4B").rows[0].name == "Amina"


def test_markup_and_emoji_are_kept_as_text() -> None:
    preview = parse("name\n<script>alert(1)</script> 🦊\n".encode(), group="4B")
    assert preview.rows[0].name == "<script>alert(1)</script> 🦊"


def test_a_thousand_rows_in_well_under_a_second() -> None:
    data = (
        "nombre;grupo;pin\n"
        + "".join(f"Alumno {i};Grupo {i % 5};{i % 10000:04d}\n" for i in range(1000))
    ).encode()
    start = time.perf_counter()
    preview = parse(data)
    elapsed = time.perf_counter() - start
    assert len(preview.rows) == 1000 and not preview.bad_rows
    print(f"parsed 1000 rows in {elapsed * 1000:.1f} ms")


def test_reading_a_class_list_is_pure() -> None:
    """No I/O library behind the parser: it is tested, and could run, without a loop or a disk."""
    import subprocess
    import sys

    code = (
        "import sys, hubd.roster.csv_import\n"
        "print(sorted(m for m in ('aiohttp', 'aiosqlite', 'sqlite3') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
