"""Reading a class list from a CSV file, with a preview of every row that cannot be used.

Pure: bytes in, a preview out. Teachers' files come from Excel (UTF-8 with a BOM, semicolons
where the comma is the decimal mark, UTF-16 from "Unicode text"), LibreOffice, Google Sheets or
a phone. Headers are recognised in the hub's languages; without one, the columns are name,
group, PIN. Nothing is saved here: the caller shows the preview, and saves only what it lists.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

MAX_ROWS = 5000
MAX_NAME = 80
MAX_GROUP = 60


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools look for
    """Mark text for translation; the web layer translates it for the teacher."""
    return message


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a row (or the whole file) cannot be used: a message with its values."""

    message: str
    values: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ImportRow:
    line: int
    name: str
    group: str  # the group's name as written (or the one chosen for the whole file)
    pin: str | None
    language: str | None


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int
    text: str  # the row as it was in the file
    problems: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class ImportPreview:
    rows: tuple[ImportRow, ...]
    bad_rows: tuple[BadRow, ...]
    file_problem: Problem | None = None
    columns: tuple[str, ...] = ()
    new_groups: tuple[str, ...] = ()

    @property
    def can_import(self) -> bool:
        return self.file_problem is None and bool(self.rows)


_HEADERS: dict[str, frozenset[str]] = {
    "name": frozenset(
        {
            "name", "names", "full name", "fullname", "learner", "student", "pupil",
            "nombre", "nombres", "nombre completo", "alumno", "alumna", "estudiante",
            "nom", "nom complet", "élève", "eleve", "apprenant",
            "الاسم", "اسم", "الاسم الكامل", "الطالب", "المتعلم",
            "ім'я", "імʼя", "ім’я", "піб", "учень", "прізвище та ім'я",
        }
    ),
    "first": frozenset(
        {"first name", "firstname", "given name", "prénom", "prenom", "الاسم الأول"}
    ),
    "last": frozenset(
        {
            "last name", "lastname", "surname", "family name", "apellido", "apellidos",
            "nom de famille", "اسم العائلة", "العائلة", "اللقب", "прізвище",
        }
    ),
    "group": frozenset(
        {"group", "class", "grupo", "clase", "curso", "groupe", "classe", "المجموعة",
         "الصف", "الفصل", "група", "клас"}
    ),
    "pin": frozenset({"pin", "code", "pin code", "código", "codigo", "code pin", "الرمز",
                      "رمز", "пін", "пін-код", "код"}),
    "language": frozenset({"language", "lang", "idioma", "lengua", "langue", "اللغة", "мова"}),
}
_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"^[0-9]{1,4}$")


def fold(text: str) -> str:
    """How names are compared: NFC, single spaces, any case."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip().casefold()


def clean_name(text: str) -> str:
    """A name as the hub keeps it: NFC, single spaces, no control characters."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\u200c\u200d")
    return _SPACE.sub(" ", text).strip()


def decode(data: bytes) -> str | Problem:
    """The file's text: UTF-8 (with or without BOM) or UTF-16 with a BOM."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    return Problem(
        N_(
            "The file is not saved as UTF-8 text. In Excel choose File, Save As, "
            "\u201cCSV UTF-8\u201d; in LibreOffice choose the character set \u201cUnicode "
            "(UTF-8)\u201d. Then upload it again."
        )
    )


def _delimiter(text: str) -> str:
    """The separator most used in the first lines (outside names, commas are rare)."""
    lines = [line for line in text.splitlines()[:50] if line.strip()][:10]
    counts = {d: sum(line.count(d) for line in lines) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _columns(header: list[str]) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        folded = fold(cell).strip("*:# ")
        for kind, names in _HEADERS.items():
            if folded in names and kind not in found:
                found[kind] = index
    if not found:
        return None
    if "first" in found and "name" in found and "last" not in found:
        found["last"] = found.pop("name")  # French: Prénom + Nom
    if "last" in found and "first" not in found and "name" in found:
        found["first"] = found.pop("name")  # Spanish: Nombre + Apellidos
    if "name" not in found and "first" not in found and "last" not in found:
        return None
    return found


def parse_class_list(
    data: bytes,
    *,
    default_group: str | None,
    languages: Collection[str],
    known_groups: Collection[str] = (),
    known_names: Collection[tuple[str, str]] = (),
) -> ImportPreview:
    """Read a class list. `known_groups` are the folded names of groups on the hub and
    `known_names` the (folded group name, folded learner name) pairs already there."""
    text = decode(data)
    if isinstance(text, Problem):
        return ImportPreview((), (), text)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    try:
        for record in reader:
            records.append((reader.line_num, record))
            if len(records) > MAX_ROWS + 1:
                return ImportPreview(
                    (), (), Problem(N_("The file has more than %(max)d rows. Split it into "
                                       "smaller files."), {"max": MAX_ROWS})
                )
    except csv.Error:
        return ImportPreview(
            (),
            (),
            Problem(
                N_("Line %(line)d of the file has a quotation mark that is never closed. "
                   "Fix it and upload the file again."),
                {"line": reader.line_num},
            ),
        )
    records = [(n, r) for n, r in records if any(cell.strip() for cell in r)]
    if not records:
        return ImportPreview((), (), Problem(N_("The file has no names in it.")))
    columns = _columns(records[0][1])
    if columns is None:
        columns = {"name": 0, "group": 1, "pin": 2}
        header: tuple[str, ...] = ()
    else:
        header = tuple(clean_name(c) for c in records[0][1])
        records = records[1:]
    return _check_rows(
        records, columns, header, default_group, languages, known_groups, known_names
    )


def _cell(record: list[str], columns: Mapping[str, int], kind: str) -> str:
    index = columns.get(kind)
    if index is None or index >= len(record):
        return ""
    return record[index]


def _check_rows(
    records: list[tuple[int, list[str]]],
    columns: Mapping[str, int],
    header: tuple[str, ...],
    default_group: str | None,
    languages: Collection[str],
    known_groups: Collection[str],
    known_names: Collection[tuple[str, str]],
) -> ImportPreview:
    rows: list[ImportRow] = []
    bad: list[BadRow] = []
    seen: dict[tuple[str, str], int] = {}
    known_group_set = set(known_groups)
    known_name_set = set(known_names)
    new_groups: dict[str, str] = {}
    for line, record in records:
        problems: list[Problem] = []
        if "name" in columns:
            name = clean_name(_cell(record, columns, "name"))
        else:
            parts = (_cell(record, columns, "first"), _cell(record, columns, "last"))
            name = clean_name(" ".join(parts))
        group = clean_name(_cell(record, columns, "group")) or (default_group or "")
        pin_text = _cell(record, columns, "pin").strip()
        language = fold(_cell(record, columns, "language")) or None
        if not name:
            problems.append(Problem(N_("There is no name.")))
        elif len(name) > MAX_NAME:
            problems.append(
                Problem(N_("The name is longer than %(max)d characters."), {"max": MAX_NAME})
            )
        if not group:
            problems.append(Problem(N_("There is no group: add a group column, or choose a "
                                       "group for the whole file.")))
        elif len(group) > MAX_GROUP:
            problems.append(
                Problem(N_("The group name is longer than %(max)d characters."),
                        {"max": MAX_GROUP})
            )
        pin: str | None = None
        if pin_text:
            if _DIGITS.match(pin_text):
                pin = pin_text.zfill(4)  # spreadsheets drop a PIN's leading zeros
            else:
                problems.append(
                    Problem(N_("The PIN \u201c%(pin)s\u201d is not 4 digits."), {"pin": pin_text})
                )
        if language is not None and language not in languages:
            problems.append(
                Problem(
                    N_("The language \u201c%(language)s\u201d is not one of %(known)s."),
                    {"language": language, "known": ", ".join(sorted(languages))},
                )
            )
        key = (fold(group), fold(name))
        if name and group:
            if key in seen:
                problems.append(
                    Problem(N_("The same name is on line %(line)d, in the same group. Add an "
                               "initial to tell them apart."), {"line": seen[key]})
                )
            elif key in known_name_set:
                problems.append(
                    Problem(N_("A learner with this name is already in this group on the hub."))
                )
            seen.setdefault(key, line)
        if problems:
            bad.append(BadRow(line, _show(record), tuple(problems)))
            continue
        if key[0] not in known_group_set:
            new_groups.setdefault(key[0], group)
        rows.append(ImportRow(line, name, group, pin, language))
    if not rows and not bad:
        return ImportPreview((), (), Problem(N_("The file has no names in it.")), header)
    return ImportPreview(tuple(rows), tuple(bad), None, header, tuple(new_groups.values()))


def _show(record: list[str]) -> str:
    text = " | ".join(cell.strip() for cell in record)
    return text if len(text) <= 200 else text[:199] + "\u2026"
