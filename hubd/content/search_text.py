"""Folding text for keyword search, and turning what a learner typed into an FTS5 query.

Learners type without accents, in any case, and Arabic text may or may not carry its short
vowel marks; all of these must find the same lesson. Both the indexed text and the query pass
through `fold`, so the index never depends on what the tokenizer happens to fold itself.
"""

from __future__ import annotations

import re
import unicodedata

# Arabic letters that are written several ways: hamza carriers and the final forms.
_ARABIC_FOLD = str.maketrans(
    {
        "\u0622": "\u0627",  # alef with madda -> alef
        "\u0623": "\u0627",  # alef with hamza above -> alef
        "\u0625": "\u0627",  # alef with hamza below -> alef
        "\u0671": "\u0627",  # alef wasla -> alef
        "\u0649": "\u064a",  # alef maksura -> yeh
        "\u0629": "\u0647",  # teh marbuta -> heh
        "\u0640": None,  # tatweel (stretching) carries no meaning
    }
)

_WORD_RE = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_WORDS = 8


def fold(text: str) -> str:
    """Lower-case text with accents, Arabic vowel marks and letter variants removed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped.translate(_ARABIC_FOLD))


def query_words(text: str) -> list[str]:
    """The folded words of a query, at most MAX_QUERY_WORDS of them."""
    return _WORD_RE.findall(fold(text))[:MAX_QUERY_WORDS]


def fts_query(text: str) -> str | None:
    """An FTS5 MATCH expression: every word must appear, each as a prefix ("fracc" finds
    "fracciones"). None when the query has no words. Words are quoted, so FTS5 operators
    typed by a learner are only ever searched for as text."""
    words = query_words(text)
    if not words:
        return None
    return " ".join('"' + w.replace('"', '""') + '"*' for w in words)
