"""Where the files that ship with hubd live: inside the wheel, or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _locate(packaged: str, in_checkout: str) -> Path:
    # A wheel carries them inside the package (see pyproject's force-include); a source
    # checkout (editable install, tests) has them at the top of the repository.
    inside = _PACKAGE / packaged
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / in_checkout


def webui_dir() -> Path:
    """Templates, CSS, JS and translations."""
    return _locate("_webui", "webui")


def samples_dir() -> Path:
    """The sample courses the demo hub installs."""
    return _locate("_samples", "bundles/samples")
