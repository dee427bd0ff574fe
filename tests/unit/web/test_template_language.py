"""Templates compiled per language carry their fixed texts translated, and render exactly what
the same template renders with the language's catalogue functions."""

from __future__ import annotations

import jinja2

from hubd.resources import webui_dir
from hubd.web.app import make_templates
from hubd.web.i18n import LANGUAGES, Catalogues
from hubd.web.template_language import language_environment

SOURCE = (
    '<p>{{ _("Search") }}</p><p>{{ _("Hello, %(name)s", name=who) }}</p>'
    '<p>{{ ngettext("%(num)d lesson", "%(num)d lessons", 2) }}</p>'
    '<p title="{{ _("Search lessons") }}">{{ _("Search") | upper }}</p>'
)


def _render(env: jinja2.Environment, catalogues: Catalogues, code: str) -> str:
    template = env.from_string(SOURCE)
    return template.render(who="<Ana>", **catalogues.template_functions(code))


def test_fixed_text_is_compiled_in_and_the_rest_stays_calls() -> None:
    catalogues = Catalogues(webui_dir() / "locale")
    base = make_templates()
    spanish = language_environment(base, catalogues.get("es"))
    code = spanish.compile(SOURCE, raw=True)
    assert "Buscar" in code  # the text itself, not a call for it
    assert "'Search'" in code  # `_("Search") | upper` is an expression: still a call
    html = _render(spanish, catalogues, "es")
    assert "<p>Buscar</p>" in html
    assert "&lt;Ana&gt;" in html
    assert "BUSCAR" in html


def test_every_language_renders_what_its_catalogue_functions_render() -> None:
    catalogues = Catalogues(webui_dir() / "locale")
    base = make_templates()
    for code in LANGUAGES:
        compiled = language_environment(base, catalogues.get(code))
        assert _render(compiled, catalogues, code) == _render(base, catalogues, code), code
