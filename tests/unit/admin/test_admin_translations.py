"""Every text of the teachers' pages is translated into every language, placeholders intact,
and the committed template (admin.pot) matches what the code and templates use."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from hubd.web.i18n import LANGUAGES, Catalogues

ROOT = Path(__file__).resolve().parents[3]
LOCALE = ROOT / "webui" / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def extract(tmp_path: Path) -> set[object]:
    out = tmp_path / "admin.pot"
    script = (ROOT / "scripts" / "update-admin-translations.sh").read_text()
    command = [
        sys.executable,
        "-m",
        "babel.messages.frontend",
        "extract",
        "-F",
        "babel-admin.cfg",
        "--no-location",
        "--sort-output",
        "--omit-header",
    ]
    for keyword in re.findall(r"-k (\S+)", script):
        command += ["-k", keyword]
    command += ["-o", str(out), "."]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    with out.open("rb") as f:
        return {m.id for m in read_po(f) if m.id}


def test_admin_template_is_up_to_date_with_the_code(tmp_path: Path) -> None:
    with (LOCALE / "admin.pot").open("rb") as committed:
        known = {m.id for m in read_po(committed) if m.id}
    assert extract(tmp_path) == known, "run ./scripts/update-admin-translations.sh and translate"


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != "en"])
def test_every_admin_message_is_translated_with_its_placeholders(lang: str) -> None:
    with (LOCALE / "admin.pot").open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with (LOCALE / lang / "LC_MESSAGES" / "admin.po").open("rb") as f:
        found = {m.id: m for m in read_po(f, locale=lang) if m.id}
    assert wanted <= set(found), f"{lang}: untranslated {sorted(map(str, wanted - set(found)))}"
    for msgid in wanted:
        message = found[msgid]
        sources = msgid if isinstance(msgid, tuple) else (msgid,)
        raw = message.string if isinstance(message.string, tuple) else (message.string,)
        strings = [str(s) if s else "" for s in raw]
        assert all(strings), f"{lang}: empty translation for {msgid!r}"
        expected = set(PLACEHOLDER.findall(str(sources[-1])))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) <= expected | {"%(num)d"}, (lang, msgid, text)
        if len(strings) == 1:
            assert set(PLACEHOLDER.findall(strings[0])) == expected, (lang, msgid)


def test_admin_text_reaches_pages_through_the_merged_catalogue() -> None:
    catalogues = Catalogues(LOCALE)
    assert catalogues.get("es").gettext("Print login cards") == "Imprimir tarjetas de acceso"
    assert catalogues.get("ar").gettext("Groups") == "المجموعات"
    # The learner side's text still comes from its own catalogue.
    assert catalogues.get("es").gettext("Sign in") != "Sign in"
