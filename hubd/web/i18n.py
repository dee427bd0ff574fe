"""Languages of the interface: gettext catalogues (webui/locale/*/LC_MESSAGES/hubd.po).

A translator adds a language by adding a .po file and a line to LANGUAGES; no code changes.
The catalogues are compiled in memory at start-up, so the wheel ships only the .po text.
"""

from __future__ import annotations

import gettext
import io
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from markupsafe import Markup

_LOGGER = logging.getLogger(__name__)

LANGUAGE_COOKIE = "hub_lang"


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools look for
    """Mark text for translation where it is defined; it is translated where it is shown."""
    return message


DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    name: str  # in the language itself: a learner finds their own language by its look
    direction: str


LANGUAGES: Mapping[str, Language] = {
    lang.code: lang
    for lang in (
        Language("en", "English", "ltr"),
        Language("es", "Español", "ltr"),
        Language("fr", "Français", "ltr"),
        Language("ar", "العربية", "rtl"),
        Language("uk", "Українська", "ltr"),
    )
}


class Catalogues:
    """One gettext catalogue per interface language."""

    def __init__(self, locale_dir: Path) -> None:
        self._translations: dict[str, gettext.NullTranslations] = {}
        for code in LANGUAGES:
            po_path = locale_dir / code / "LC_MESSAGES" / "hubd.po"
            if code == DEFAULT_LANGUAGE or not po_path.is_file():
                if code != DEFAULT_LANGUAGE:
                    _LOGGER.warning("No catalogue for %s at %s", code, po_path)
                self._translations[code] = gettext.NullTranslations()
                continue
            with po_path.open("rb") as f:
                catalog = read_po(f, locale=code)
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            self._translations[code] = gettext.GNUTranslations(buffer)

    def get(self, code: str) -> gettext.NullTranslations:
        return self._translations.get(code) or self._translations[DEFAULT_LANGUAGE]

    def template_functions(self, code: str) -> dict[str, Callable[..., Any]]:
        """gettext/ngettext for Jinja, new-style: `_("Hello %(name)s", name=x)`, escaped."""
        translations = self.get(code)

        def gettext_(message: str, **variables: Any) -> Markup:
            # Catalogues ship with hubd and are reviewed like templates; variables are escaped.
            text = Markup(translations.gettext(message))  # noqa: S704
            return text % variables if variables else text

        def ngettext_(singular: str, plural: str, num: int, **variables: Any) -> Markup:
            variables.setdefault("num", num)
            return Markup(translations.ngettext(singular, plural, num)) % variables  # noqa: S704

        return {"_": gettext_, "gettext": gettext_, "ngettext": ngettext_}


def negotiate(
    query: str | None, cookie: str | None, accept_language: str | None, default: str
) -> str:
    """The interface language: chosen now (?lang=), remembered (cookie), or the browser's."""
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return str(candidate)
    for code in _accept_language(accept_language or ""):
        if code in LANGUAGES:
            return code
    return default if default in LANGUAGES else DEFAULT_LANGUAGE


def _accept_language(header: str) -> list[str]:
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary and quality > 0:
            weighted.append((-quality, index, primary))
    return [code for _, _, code in sorted(weighted)]
