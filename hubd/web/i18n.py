"""Languages of the interface: gettext catalogues (webui/locale/*/LC_MESSAGES/*.po).

A translator adds a language with its .po files and a few lines in webui/locale/languages.toml;
no code changes.
The catalogues are compiled in memory at start-up, so the wheel ships only the .po text.
"""

from __future__ import annotations

import gettext
import io
import logging
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from markupsafe import Markup

from hubd.resources import webui_dir

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


def load_languages(path: Path) -> Mapping[str, Language]:
    """The interface languages listed in languages.toml, in its order."""
    with path.open("rb") as f:
        listed = tomllib.load(f)
    languages: dict[str, Language] = {}
    for code, entry in listed.items():
        direction = entry.get("direction", "ltr")
        if not code.isalpha() or direction not in ("ltr", "rtl") or not entry.get("name"):
            raise ValueError(f"{path}: language {code!r} needs a name and direction ltr or rtl")
        languages[code] = Language(code, str(entry["name"]), direction)
    if DEFAULT_LANGUAGE not in languages:
        raise ValueError(f"{path} must list {DEFAULT_LANGUAGE}, the language of the source text")
    return languages


LANGUAGES: Mapping[str, Language] = load_languages(webui_dir() / "locale" / "languages.toml")


# Gettext domains: the learner side (hubd) and the teachers' pages (admin), kept in separate
# files so that each side's translators never edit the same file. Looked up in this order.
DOMAINS = ("hubd", "admin")


def _compile(po_path: Path, code: str) -> gettext.GNUTranslations:
    with po_path.open("rb") as f:
        catalog = read_po(f, locale=code)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Catalogues:
    """One gettext catalogue per interface language (its domains merged by fallback)."""

    def __init__(self, locale_dir: Path) -> None:
        self._translations: dict[str, gettext.NullTranslations] = {}
        for code in LANGUAGES:
            merged: gettext.NullTranslations | None = None
            for domain in DOMAINS:
                po_path = locale_dir / code / "LC_MESSAGES" / f"{domain}.po"
                if code == DEFAULT_LANGUAGE:
                    continue
                if not po_path.is_file():
                    _LOGGER.warning("No catalogue for %s at %s", code, po_path)
                    continue
                translations = _compile(po_path, code)
                if merged is None:
                    merged = translations
                else:
                    merged.add_fallback(translations)
            self._translations[code] = merged or gettext.NullTranslations()
        self._functions: dict[str, dict[str, Callable[..., Any]]] = {}

    def get(self, code: str) -> gettext.NullTranslations:
        return self._translations.get(code) or self._translations[DEFAULT_LANGUAGE]

    def template_functions(self, code: str) -> dict[str, Callable[..., Any]]:
        """gettext/ngettext for Jinja, new-style: `_("Hello %(name)s", name=x)`, escaped.

        Made once per language: a page calls `_()` a dozen times, and the same messages are
        asked for on every page, so each translated message is kept as Markup once made.
        """
        functions = self._functions.get(code)
        if functions is None:
            functions = self._functions[code] = _template_functions(self.get(code))
        return functions


_KEPT_MESSAGES = 4096  # far more than the interface has; a bound all the same


def _template_functions(translations: gettext.NullTranslations) -> dict[str, Callable[..., Any]]:
    made: dict[str, Markup] = {}

    def gettext_(message: str, **variables: Any) -> Markup:
        text = made.get(message)
        if text is None:
            # Catalogues ship with hubd and are reviewed like templates; variables are escaped.
            text = Markup(translations.gettext(message))  # noqa: S704
            if len(made) < _KEPT_MESSAGES:
                made[message] = text
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
