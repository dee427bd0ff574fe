"""What a learner types is folded the same way as what the lessons say."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hubd.content.search_text import fold, fts_query


def test_spanish_and_french_accents_and_case_fold_away() -> None:
    assert fold("FRACCIÓN") == fold("fraccion") == "fraccion"
    assert fold("Élève à l'école") == "eleve a l'ecole"
    assert fold("São João") == "sao joao"


def test_arabic_vowel_marks_and_letter_variants_fold_away() -> None:
    assert fold("الكَسْرُ") == fold("الكسر")
    assert fold("أحمد") == fold("إحمد") == fold("احمد")
    assert fold("مدرسة") == fold("مدرسه")
    assert fold("كتـــاب") == fold("كتاب")


def test_ukrainian_letters_survive() -> None:
    assert fold("Дроби") == "дроби"


def test_query_words_become_quoted_prefixes() -> None:
    assert fts_query("Fracc  Pizza") == '"fracc"* "pizza"*'
    assert fts_query("  ?! ") is None


@given(st.text(max_size=300))
def test_any_typed_text_gives_a_safe_query(text: str) -> None:
    query = fts_query(text)
    if query is not None:
        # Every word sits inside quotes: nothing typed can become an FTS5 operator.
        for part in query.split(" "):
            assert part.startswith('"') and part.endswith('"*')
