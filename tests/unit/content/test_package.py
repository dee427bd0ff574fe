"""Course packages: what is accepted, and the one sentence a refusal gives."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hubd.content.package import check_file_list, check_path, parse_manifest, parse_quiz
from hubd.errors import CoursePackageError

FILES = {"course.json": 10, "intro.md": 10, "quiz.json": 10, "v.webm": 10, "v.vtt": 10}


def manifest(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "format": 1,
        "id": "maths-en",
        "version": 2,
        "language": "en",
        "title": "Maths",
        "description": "",
        "modules": [
            {
                "id": "m1",
                "title": "One",
                "lessons": [
                    {"id": "intro", "kind": "text", "title": "Intro", "file": "intro.md"},
                    {
                        "id": "pre",
                        "kind": "quiz",
                        "title": "Pre",
                        "file": "quiz.json",
                        "assessment": "pre",
                    },
                    {
                        "id": "vid",
                        "kind": "video",
                        "title": "V",
                        "file": "v.webm",
                        "captions": "v.vtt",
                        "duration_seconds": 12,
                    },
                ],
            }
        ],
    }
    raw.update(changes)
    return raw


def parse(raw: dict[str, Any]) -> Any:
    return parse_manifest(json.dumps(raw).encode(), FILES)


def test_valid_manifest_parses_in_lesson_order() -> None:
    course = parse(manifest())
    assert course.course_id == "maths-en"
    assert [lesson.lesson_id for lesson in course.lessons] == ["intro", "pre", "vid"]
    assert course.lessons[1].assessment == "pre"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format": 2}, "'format' must be 1"),
        ({"format": True}, "'format' must be 1"),
        ({"version": 1.0}, "'version' must be a whole number"),
        ({"version": True}, "'version' must be a whole number"),
        ({"id": "Maths"}, "'id' must be lower-case"),
        ({"language": "english"}, "'language' must be a language code"),
        ({"title": ""}, "'title' must be text"),
        ({"modules": []}, "'modules' must be a list"),
        ({"colour": "red"}, "unknown key(s): colour"),
    ],
)
def test_bad_manifest_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(CoursePackageError) as caught:
        parse(manifest(**changes))
    assert message in caught.value.message


def lesson_manifest(lesson: dict[str, Any]) -> dict[str, Any]:
    return manifest(modules=[{"id": "m1", "title": "One", "lessons": [lesson]}])


@pytest.mark.parametrize(
    ("lesson", "message"),
    [
        ({"id": "a", "kind": "game", "title": "A", "file": "intro.md"}, "'kind' must be one of"),
        ({"id": "a", "kind": "text", "title": "A", "file": "missing.md"}, "is not in the package"),
        ({"id": "a", "kind": "text", "title": "A", "file": "../etc/passwd"}, "is not allowed"),
        ({"id": "a", "kind": "text", "title": "A", "file": "/etc/passwd"}, "is not allowed"),
        (
            {"id": "a", "kind": "text", "title": "A", "file": "intro.md", "assessment": "pre"},
            "only a quiz",
        ),
        (
            {"id": "a", "kind": "text", "title": "A", "file": "intro.md", "captions": "v.vtt"},
            "only video and audio",
        ),
    ],
)
def test_bad_lesson_is_refused(lesson: dict[str, Any], message: str) -> None:
    with pytest.raises(CoursePackageError) as caught:
        parse(lesson_manifest(lesson))
    assert message in caught.value.message


def test_duplicate_lesson_ids_are_refused() -> None:
    lesson = {"id": "a", "kind": "text", "title": "A", "file": "intro.md"}
    raw = manifest(modules=[{"id": "m1", "title": "One", "lessons": [lesson, lesson]}])
    with pytest.raises(CoursePackageError, match="used twice"):
        parse(raw)


def test_not_json_is_refused() -> None:
    with pytest.raises(CoursePackageError, match="not valid UTF-8 JSON"):
        parse_manifest(b"\xff{", FILES)


@pytest.mark.parametrize("path", ["a/../b", ".", "a//b", "a:b", "a\\b", "é.md", "a/" * 9 + "x"])
def test_unsafe_paths_are_refused(path: str) -> None:
    with pytest.raises(CoursePackageError):
        check_path(path)


def test_names_differing_only_in_case_are_refused() -> None:
    with pytest.raises(CoursePackageError, match="differ only in case"):
        check_file_list([("Video.webm", 1), ("video.webm", 1)])


def test_quiz_answers_are_checked() -> None:
    good = {"questions": [{"id": "q1", "prompt": "2+2?", "choices": ["3", "4"], "answer": 1}]}
    assert parse_quiz(json.dumps(good).encode(), "quiz.json")[0].answer == 1
    for answer in (2, -1, True, "1"):
        bad = {
            "questions": [{"id": "q1", "prompt": "2+2?", "choices": ["3", "4"], "answer": answer}]
        }
        with pytest.raises(CoursePackageError, match="'answer'"):
            parse_quiz(json.dumps(bad).encode(), "quiz.json")
