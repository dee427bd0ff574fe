"""The sample courses in bundles/samples follow docs/course-format.md.

Checked here on their own, without the hub's package parser, so that a sample that breaks the
written format fails even while the parser changes, and so that the demo's courses stay small,
offline and playable on old phones.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "bundles" / "samples"
COURSES = sorted(p for p in SAMPLES.iterdir() if (p / "course.json").is_file())

ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
LANG_RE = re.compile(r"[a-z]{2,3}")
SEGMENT_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")
COURSE_KEYS = {"format", "id", "version", "language", "title", "description", "subject", "modules"}
REQUIRED_COURSE_KEYS = COURSE_KEYS - {"subject"}
MODULE_KEYS = {"id", "title", "lessons"}
LESSON_KEYS = {"id", "kind", "title", "file", "captions", "duration_seconds", "assessment"}
KINDS = {"text", "video", "audio", "pdf", "html5", "quiz"}
MAX_FILE_BYTES = 200 * 1024
MAX_SAMPLES_BYTES = 1536 * 1024
EXTERNAL_URL = re.compile(r"https?://", re.IGNORECASE)
# What a sandboxed activity with an opaque origin cannot use, or must not try.
FORBIDDEN_IN_ACTIVITIES = (
    "localStorage",
    "sessionStorage",
    "document.cookie",
    "fetch(",
    "XMLHttpRequest",
    "indexedDB",
    "WebSocket",
)


def _manifest(course: Path) -> dict[str, Any]:
    raw = (course / "course.json").read_bytes()
    assert len(raw) <= 1 << 20
    data = json.loads(raw.decode("utf-8"))
    assert isinstance(data, dict)
    return data


def _lessons(course: Path) -> list[dict[str, Any]]:
    return [lesson for module in _manifest(course)["modules"] for lesson in module["lessons"]]


def _files(course: Path) -> list[Path]:
    return sorted(p for p in course.rglob("*") if not p.is_dir())


def _is_text(value: object, low: int, high: int) -> bool:
    return isinstance(value, str) and low <= len(value.strip()) <= high


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_path(path: str) -> None:
    segments = path.split("/")
    assert 1 <= len(segments) <= 8, path
    for segment in segments:
        assert segment not in (".", ".."), path
        assert SEGMENT_RE.fullmatch(segment), path


course_params = pytest.mark.parametrize("course", COURSES, ids=[p.name for p in COURSES])


def test_samples_cover_three_languages() -> None:
    assert sorted(_manifest(c)["language"] for c in COURSES) == ["ar", "en", "es"]


def test_course_ids_are_unique_and_name_their_folders() -> None:
    ids = [_manifest(c)["id"] for c in COURSES]
    assert len(set(ids)) == len(ids)
    assert ids == [c.name for c in COURSES]


def test_samples_stay_small() -> None:
    total = sum(
        p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    )
    assert total <= MAX_SAMPLES_BYTES


@course_params
def test_manifest_has_the_documented_keys_and_types(course: Path) -> None:
    manifest = _manifest(course)
    assert REQUIRED_COURSE_KEYS <= set(manifest) <= COURSE_KEYS
    assert manifest["format"] == 1 and _is_int(manifest["format"])
    assert ID_RE.fullmatch(manifest["id"])
    assert _is_int(manifest["version"]) and manifest["version"] >= 1
    assert LANG_RE.fullmatch(manifest["language"])
    assert _is_text(manifest["title"], 1, 200)
    assert _is_text(manifest["description"], 0, 2000)
    assert isinstance(manifest.get("subject", ""), str)
    modules = manifest["modules"]
    assert isinstance(modules, list) and 1 <= len(modules) <= 200
    module_ids = []
    for module in modules:
        assert isinstance(module, dict) and set(module) == MODULE_KEYS
        assert ID_RE.fullmatch(module["id"])
        assert _is_text(module["title"], 1, 200)
        assert isinstance(module["lessons"], list) and module["lessons"]
        module_ids.append(module["id"])
    assert len(set(module_ids)) == len(module_ids)


@course_params
def test_lessons_follow_the_format(course: Path) -> None:
    lessons = _lessons(course)
    ids = [lesson["id"] for lesson in lessons]
    assert len(set(ids)) == len(ids), "lesson ids must be unique within the course"
    for lesson in lessons:
        assert isinstance(lesson, dict)
        assert {"id", "kind", "title", "file"} <= set(lesson) <= LESSON_KEYS, lesson
        assert ID_RE.fullmatch(lesson["id"])
        assert lesson["kind"] in KINDS
        assert _is_text(lesson["title"], 1, 200)
        if lesson["kind"] not in ("video", "audio"):
            assert "captions" not in lesson and "duration_seconds" not in lesson, lesson
        if "duration_seconds" in lesson:
            assert _is_int(lesson["duration_seconds"]) and lesson["duration_seconds"] > 0
        if "assessment" in lesson:
            assert lesson["kind"] == "quiz"
            assert lesson["assessment"] in ("pre", "post", "practice")


@course_params
def test_every_lesson_kind_is_present(course: Path) -> None:
    assert {lesson["kind"] for lesson in _lessons(course)} >= {
        "quiz",
        "text",
        "video",
        "pdf",
        "html5",
    }


@course_params
def test_referenced_files_exist_with_valid_paths(course: Path) -> None:
    for lesson in _lessons(course):
        for key in ("file", "captions"):
            if key in lesson:
                _check_path(lesson[key])
                target = course / lesson[key]
                assert target.is_file() and not target.is_symlink(), lesson[key]


@course_params
def test_every_file_has_a_path_a_fat_stick_keeps(course: Path) -> None:
    names = [p.relative_to(course).as_posix() for p in _files(course)]
    for name in names:
        _check_path(name)
        assert not (course / name).is_symlink(), name
    folded = [n.lower() for n in names]
    assert len(set(folded)) == len(folded), "names differ only in case"


@course_params
def test_no_file_is_over_200_kb(course: Path) -> None:
    for path in _files(course):
        assert path.stat().st_size <= MAX_FILE_BYTES, path


@course_params
def test_pre_and_post_ask_the_same_five_questions(course: Path) -> None:
    quizzes = [lesson for lesson in _lessons(course) if lesson["kind"] == "quiz"]
    pre = [q["file"] for q in quizzes if q.get("assessment") == "pre"]
    post = [q["file"] for q in quizzes if q.get("assessment") == "post"]
    assert len(pre) == 1 and pre == post
    assert _lessons(course)[0].get("assessment") == "pre"
    assert _lessons(course)[-1].get("assessment") == "post"
    quiz = json.loads((course / pre[0]).read_text(encoding="utf-8"))
    assert set(quiz) == {"questions"}
    questions = quiz["questions"]
    assert len(questions) == 5
    assert len({q["id"] for q in questions}) == 5
    for question in questions:
        assert set(question) == {"id", "prompt", "choices", "answer"}
        assert isinstance(question["id"], str) and question["id"]
        assert _is_text(question["prompt"], 1, 1000)
        choices = question["choices"]
        assert isinstance(choices, list) and 2 <= len(choices) <= 8
        assert all(_is_text(c, 1, 1000) for c in choices)
        assert len(set(choices)) == len(choices)
        assert _is_int(question["answer"]) and 0 <= question["answer"] < len(choices)


@course_params
def test_videos_are_webm_or_mp4_with_webvtt_captions(course: Path) -> None:
    videos = [lesson for lesson in _lessons(course) if lesson["kind"] == "video"]
    assert videos
    for lesson in videos:
        head = (course / lesson["file"]).read_bytes()[:12]
        is_webm = head.startswith(b"\x1a\x45\xdf\xa3")
        is_mp4 = head[4:8] == b"ftyp"
        assert is_webm or is_mp4, lesson["file"]
        assert lesson["file"].endswith(".webm" if is_webm else ".mp4")
        assert 3 <= lesson["duration_seconds"] <= 10
        captions = (course / lesson["captions"]).read_text(encoding="utf-8")
        assert captions.startswith("WEBVTT")
        assert "-->" in captions


@course_params
def test_pdfs_are_whole_pdf_files(course: Path) -> None:
    pdfs = [lesson["file"] for lesson in _lessons(course) if lesson["kind"] == "pdf"]
    assert pdfs
    for name in pdfs:
        data = (course / name).read_bytes()
        assert data.startswith(b"%PDF-")
        assert data.rstrip().endswith(b"%%EOF")


@course_params
def test_text_lessons_are_markdown_with_content(course: Path) -> None:
    for lesson in _lessons(course):
        if lesson["kind"] == "text":
            assert lesson["file"].endswith(".md")
            text = (course / lesson["file"]).read_text(encoding="utf-8")
            assert text.startswith("# ")
            assert len(text.split()) >= 150


@course_params
def test_nothing_is_fetched_from_outside_the_hub(course: Path) -> None:
    for path in _files(course):
        if path.suffix in (".html", ".js", ".css", ".md"):
            text = path.read_text(encoding="utf-8")
            assert not EXTERNAL_URL.search(text), path
            for ref in re.findall(r"(?:src|href|url)[=(]\"?([^\")]*)", text):
                assert not ref.startswith("//"), f"{path.name}: {ref}"


@course_params
def test_activity_is_self_contained_and_sandbox_safe(course: Path) -> None:
    entries = [lesson["file"] for lesson in _lessons(course) if lesson["kind"] == "html5"]
    assert entries
    for entry in entries:
        assert entry.endswith("/index.html"), "an activity has its own folder"
        folder = (course / entry).parent
        html = (course / entry).read_text(encoding="utf-8")
        assert 'name="viewport"' in html
        for ref in re.findall(r"(?:src|href)=\"([^\"]+)\"", html):
            assert not ref.startswith(("/", "//")) and ":" not in ref, ref
            assert (folder / ref).is_file(), ref
        scripts = sorted(folder.glob("*.js"))
        assert scripts and sorted(folder.glob("*.css"))
        for script in scripts:
            code = script.read_text(encoding="utf-8")
            for word in FORBIDDEN_IN_ACTIVITIES:
                assert word not in code, f"{script.name} uses {word}"
            assert '"hub:score"' in code


def test_samples_exercise_accent_and_harakat_search() -> None:
    by_language = {_manifest(c)["language"]: c for c in COURSES}
    spanish = (by_language["es"] / "leccion.md").read_text(encoding="utf-8")
    for word in ("fracción", "número", "camión"):
        assert word in spanish
    arabic = (by_language["ar"] / "dars.md").read_text(encoding="utf-8")
    assert "الخَرِيطَةُ" in arabic and "الخريطة" in arabic
