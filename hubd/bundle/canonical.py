"""Canonical JSON: one exact byte string per value, and a strict parser that insists on it.

The manifest and the trust document are signed as bytes, so both sides must agree on those
bytes exactly. The rules (see bundles/FORMAT.md) are deliberately narrow so that an
implementation in any language can produce them: objects with sorted ASCII keys, no whitespace,
integers only (no floats, 0 to 2**53-1), strings of printable ASCII without quote or backslash
(so no escaping is ever needed), ``true``/``false``, lists. ``null`` is not used.
"""

from __future__ import annotations

import json
from typing import Any

from hubd.bundle import errors

MAX_INT = 2**53 - 1
_MAX_DEPTH = 8

JsonValue = Any


def _check(value: JsonValue, depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise ValueError("nested too deeply")
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if not 0 <= value <= MAX_INT:
            raise ValueError(f"integer out of range: {value}")
        return
    if isinstance(value, str):
        if not all(0x20 <= ord(ch) < 0x7F and ch not in '"\\' for ch in value):
            raise ValueError("string with characters outside printable ASCII")
        return
    if isinstance(value, list):
        for item in value:
            _check(item, depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError("object key is not a string")
            _check(key, depth + 1)
            _check(item, depth + 1)
        return
    raise ValueError(f"type not allowed in canonical JSON: {type(value).__name__}")


def encode(value: JsonValue) -> bytes:
    """Return the canonical bytes of ``value`` (raises ValueError for anything not allowed)."""
    _check(value, 0)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode(
        "ascii"
    )


def _no_float(text: str) -> Any:
    raise ValueError(f"a number with a fraction or exponent ({text}) where an integer belongs")


def _no_constant(text: str) -> Any:
    raise ValueError(f"{text} is not allowed")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"key {key!r} appears twice")
        result[key] = value
    return result


def decode(data: bytes, what: str) -> JsonValue:
    """Parse canonical JSON, refusing anything that is not exactly its canonical form.

    ``what`` names the document in the refusal ("The bundle's manifest ...").
    """
    try:
        text = data.decode("ascii")
        value = json.loads(
            text,
            parse_float=_no_float,
            parse_constant=_no_constant,
            object_pairs_hook=_no_duplicates,
        )
        again = encode(value)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise errors.refuse(
            errors.MANIFEST_INVALID, f"The {what} is malformed ({_short(exc)}); it was not applied."
        ) from None
    if again != data:
        raise errors.refuse(
            errors.MANIFEST_INVALID,
            f"The {what} is not in canonical form (spacing, key order or number format); "
            "it was not applied.",
        )
    return value


def _short(exc: BaseException) -> str:
    text = str(exc).split("\n", 1)[0]
    return text[:120]
