"""Every text of the interface is translated into every language, placeholders intact."""

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


def test_template_is_up_to_date_with_the_code(tmp_path: Path) -> None:
    """Run the extraction as a translator would; it must find nothing new."""
    out = tmp_path / "hubd.pot"
    script = (ROOT / "scripts" / "update-translations.sh").read_text()
    keywords = re.findall(r"-k (\S+)", script)
    command = [
        sys.executable,
        "-m",
        "babel.messages.frontend",
        "extract",
        "-F",
        "babel.cfg",
        "--no-location",
        "--sort-output",
        "--omit-header",
        "-o",
        str(out),
        ".",
    ]
    for keyword in keywords:
        command[4:4] = ["-k", keyword]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    with out.open("rb") as fresh, (LOCALE / "hubd.pot").open("rb") as committed:
        assert {m.id for m in read_po(fresh)} == {m.id for m in read_po(committed)}, (
            "run ./scripts/update-translations.sh and translate the new text"
        )


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != "en"])
def test_every_message_is_translated_with_its_placeholders(lang: str) -> None:
    with (LOCALE / "hubd.pot").open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with (LOCALE / lang / "LC_MESSAGES" / "hubd.po").open("rb") as f:
        catalog = read_po(f, locale=lang)
    found = {m.id: m for m in catalog if m.id}
    assert wanted <= set(found), f"{lang}: untranslated {sorted(map(str, wanted - set(found)))}"
    for msgid in wanted:
        message = found[msgid]
        sources = [str(s) for s in (msgid if isinstance(msgid, tuple) else (msgid,))]
        raw = message.string if isinstance(message.string, tuple) else (message.string,)
        strings = [str(s) if s else "" for s in raw]
        assert all(strings), f"{lang}: empty translation for {msgid!r}"
        expected = set(PLACEHOLDER.findall(sources[-1]))
        for text in strings:
            # Plural forms for one or two may spell the number out (Arabic "درسان").
            assert set(PLACEHOLDER.findall(text)) <= expected | {"%(num)d"}, (lang, msgid, text)
        if len(strings) == 1:
            assert set(PLACEHOLDER.findall(strings[0])) == expected, (lang, msgid)


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != "en"])
def test_catalogues_keep_their_plural_rule(lang: str) -> None:
    """Without its header a catalogue falls back to English plurals: "2 درس" for Arabic."""
    translations = Catalogues(LOCALE).get(lang)
    forms = {translations.ngettext("%(num)d lesson", "%(num)d lessons", n) for n in range(112)}
    expected = {"es": 2, "fr": 2, "uk": 3, "ar": 6}.get(lang, 2)
    assert len(forms) >= expected, forms
