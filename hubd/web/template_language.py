"""Templates compiled once per interface language, with fixed texts already translated.

Most `_()` calls in a template are a fixed text alone in an output, `{{ _("Search") }}`. Asked
at every render, each costs a call, a catalogue lookup and an escape; compiled per language, it
is plain text in the template like the markup around it. Calls with variables, plural forms
and `_()` inside expressions stay calls, served by the page's own catalogue functions.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator

import jinja2
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream


class FixedTextTranslations(Extension):
    """Replaces `{{ _("text") }}` by the text in the environment's language (see below)."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        translations: gettext.NullTranslations = self.environment.fixed_translations  # type: ignore[attr-defined]
        pending: list[Token] = []
        for token in stream:
            if not pending:
                if token.type == "variable_begin":
                    pending.append(token)
                else:
                    yield token
                continue
            pending.append(token)
            if token.type == "variable_end":
                text = _fixed_text(pending)
                if text is None:
                    yield from pending
                else:
                    # Catalogues ship with hubd and are reviewed like templates (as in i18n.py).
                    yield Token(pending[0].lineno, "data", translations.gettext(text))
                pending = []
            elif len(pending) >= len(_FIXED_TEXT):  # longer than {{ _("text") }}
                yield from pending
                pending = []
        yield from pending


_FIXED_TEXT = ["variable_begin", "name", "lparen", "string", "rparen", "variable_end"]


def _fixed_text(tokens: list[Token]) -> str | None:
    """The text of `{{ _("text") }}`, or None for any other output."""
    if [t.type for t in tokens] != _FIXED_TEXT:
        return None
    if tokens[1].value != "_":
        return None
    return str(tokens[3].value)


def language_environment(
    base: jinja2.Environment, translations: gettext.NullTranslations
) -> jinja2.Environment:
    """An overlay of `base` (same loader and globals) whose templates carry one language."""
    env = base.overlay(extensions=[FixedTextTranslations], cache_size=400)
    env.fixed_translations = translations  # type: ignore[attr-defined]
    return env
