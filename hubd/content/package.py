"""The course package format (docs/course-format.md): parsing and checking, pure.

A package is refused as a whole, with one sentence naming the first problem found; nothing of
it is installed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hubd.errors import CoursePackageError

MANIFEST_NAME = "course.json"
MAX_MANIFEST_BYTES = 1 << 20
MAX_FILES = 5000
MAX_FILE_BYTES = 1 << 30
MAX_PACKAGE_BYTES = 4 << 30
MAX_PATH_SEGMENTS = 8

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_LANG_RE = re.compile(r"^[a-z]{2,3}$")
_SEGMENT_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
LESSON_KINDS = ("text", "video", "audio", "pdf", "html5", "quiz")
ASSESSMENTS = ("pre", "post", "practice")

_COURSE_KEYS = {"format", "id", "version", "language", "title", "description", "subject", "modules"}
_MODULE_KEYS = {"id", "title", "lessons"}
_LESSON_KEYS = {"id", "kind", "title", "file", "captions", "duration_seconds", "assessment"}


@dataclass(frozen=True, slots=True)
class Lesson:
    lesson_id: str
    module_id: str
    module_title: str
    position: int
    kind: str
    title: str
    file: str
    captions: str | None = None
    duration_seconds: int | None = None
    assessment: str | None = None


@dataclass(frozen=True, slots=True)
class CourseManifest:
    course_id: str
    version: int
    language: str
    title: str
    description: str
    subject: str | None
    lessons: tuple[Lesson, ...]
    raw: str


@dataclass(frozen=True, slots=True)
class Question:
    question_id: str
    prompt: str
    choices: tuple[str, ...]
    answer: int


def check_path(path: str) -> str:
    """Refuse paths that could escape the package or that FAT would not keep faithfully."""
    segments = path.split("/")
    if len(segments) > MAX_PATH_SEGMENTS:
        raise CoursePackageError(f"The path {path!r} is nested too deeply.")
    for segment in segments:
        if segment in (".", "..") or not _SEGMENT_RE.match(segment):
            raise CoursePackageError(
                f"The file name {path!r} is not allowed: use letters, digits, '.', '_' and '-'."
            )
    return path


def check_file_list(files: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Check every (path, size) of a package; return them as a dict."""
    seen: dict[str, int] = {}
    folded: dict[str, str] = {}
    total = 0
    for path, size in files:
        check_path(path)
        other = folded.setdefault(path.lower(), path)
        if other != path:
            raise CoursePackageError(
                f"The files {other!r} and {path!r} differ only in case; a FAT stick keeps one."
            )
        if size > MAX_FILE_BYTES:
            raise CoursePackageError(f"The file {path!r} is larger than 1 GiB.")
        total += size
        seen[path] = size
    if len(seen) > MAX_FILES:
        raise CoursePackageError(f"A course may hold at most {MAX_FILES} files.")
    if total > MAX_PACKAGE_BYTES:
        raise CoursePackageError("A course may hold at most 4 GiB of files.")
    return seen


def _text(obj: dict[str, Any], key: str, where: str, low: int, high: int) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not low <= len(value.strip()) <= high:
        raise CoursePackageError(f"{where}: '{key}' must be text of {low} to {high} characters.")
    return value.strip()


def _ident(obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise CoursePackageError(
            f"{where}: '{key}' must be lower-case letters, digits and '-' (up to 63)."
        )
    return value


def _keys(obj: object, allowed: set[str], where: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise CoursePackageError(f"{where} must be a JSON object.")
    unknown = set(obj) - allowed
    if unknown:
        raise CoursePackageError(f"{where} has unknown key(s): {', '.join(sorted(unknown))}.")
    return obj


def parse_manifest(data: bytes, files: dict[str, int]) -> CourseManifest:
    """Parse course.json and check it against the package's files."""
    if len(data) > MAX_MANIFEST_BYTES:
        raise CoursePackageError("course.json is larger than 1 MiB.")
    try:
        text = data.decode("utf-8-sig")
        raw = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CoursePackageError(f"course.json is not valid UTF-8 JSON ({exc}).") from None
    course = _keys(raw, _COURSE_KEYS, "course.json")
    fmt = course.get("format")
    if fmt != 1 or isinstance(fmt, bool):
        raise CoursePackageError("course.json: 'format' must be 1 (this hub reads format 1).")
    course_id = _ident(course, "id", "course.json")
    version = course.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version < 2**31:
        raise CoursePackageError("course.json: 'version' must be a whole number of 1 or more.")
    language = course.get("language")
    if not isinstance(language, str) or not _LANG_RE.match(language):
        raise CoursePackageError("course.json: 'language' must be a language code such as 'es'.")
    title = _text(course, "title", "course.json", 1, 200)
    description = _text(course, "description", "course.json", 0, 2000)
    subject = course.get("subject")
    if subject is not None and (not isinstance(subject, str) or len(subject) > 100):
        raise CoursePackageError("course.json: 'subject' must be short text.")
    modules = course.get("modules")
    if not isinstance(modules, list) or not 1 <= len(modules) <= 200:
        raise CoursePackageError("course.json: 'modules' must be a list of 1 to 200 modules.")
    lessons: list[Lesson] = []
    seen_ids: set[str] = set()
    seen_modules: set[str] = set()
    for m_index, module_raw in enumerate(modules, start=1):
        where = f"module {m_index}"
        module = _keys(module_raw, _MODULE_KEYS, where)
        module_id = _ident(module, "id", where)
        if module_id in seen_modules:
            raise CoursePackageError(f"{where}: the id {module_id!r} is used twice.")
        seen_modules.add(module_id)
        module_title = _text(module, "title", where, 1, 200)
        lesson_list = module.get("lessons")
        if not isinstance(lesson_list, list) or not 1 <= len(lesson_list) <= 500:
            raise CoursePackageError(f"{where}: 'lessons' must be a list of 1 to 500 lessons.")
        for l_index, lesson_raw in enumerate(lesson_list, start=1):
            lwhere = f"module {m_index}, lesson {l_index}"
            lessons.append(
                _lesson(lesson_raw, lwhere, module_id, module_title, len(lessons), files, seen_ids)
            )
    return CourseManifest(
        course_id=course_id,
        version=version,
        language=language,
        title=title,
        description=description,
        subject=subject,
        lessons=tuple(lessons),
        raw=text,
    )


def _lesson(
    raw: object,
    where: str,
    module_id: str,
    module_title: str,
    position: int,
    files: dict[str, int],
    seen_ids: set[str],
) -> Lesson:
    lesson = _keys(raw, _LESSON_KEYS, where)
    lesson_id = _ident(lesson, "id", where)
    if lesson_id in seen_ids:
        raise CoursePackageError(f"{where}: the lesson id {lesson_id!r} is used twice.")
    seen_ids.add(lesson_id)
    kind = lesson.get("kind")
    if kind not in LESSON_KINDS:
        raise CoursePackageError(f"{where}: 'kind' must be one of {', '.join(LESSON_KINDS)}.")
    title = _text(lesson, "title", where, 1, 200)
    file = _file(lesson, "file", where, files)
    assert file is not None
    captions = _file(lesson, "captions", where, files)
    duration = lesson.get("duration_seconds")
    assessment = lesson.get("assessment")
    if (captions is not None or duration is not None) and kind not in ("video", "audio"):
        raise CoursePackageError(
            f"{where}: only video and audio lessons have captions or a duration."
        )
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, int) or not 0 < duration < 86_400
    ):
        raise CoursePackageError(f"{where}: 'duration_seconds' must be a whole number of seconds.")
    if assessment is not None:
        if kind != "quiz":
            raise CoursePackageError(f"{where}: only a quiz can be a pre- or post-assessment.")
        if assessment not in ASSESSMENTS:
            raise CoursePackageError(f"{where}: 'assessment' must be pre, post or practice.")
    elif kind == "quiz":
        assessment = "practice"
    return Lesson(
        lesson_id=lesson_id,
        module_id=module_id,
        module_title=module_title,
        position=position,
        kind=str(kind),
        title=title,
        file=file,
        captions=captions,
        duration_seconds=duration,
        assessment=assessment,
    )


def _file(lesson: dict[str, Any], key: str, where: str, files: dict[str, int]) -> str | None:
    value = lesson.get(key)
    if value is None and key != "file":
        return None
    if not isinstance(value, str):
        raise CoursePackageError(f"{where}: '{key}' must name a file of the package.")
    check_path(value)
    if value not in files:
        raise CoursePackageError(f"{where}: the file {value!r} is not in the package.")
    return value


def parse_quiz(data: bytes, where: str) -> tuple[Question, ...]:
    """Parse and check a quiz file (questions with their answers: never sent to a browser)."""
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CoursePackageError(f"{where} is not valid UTF-8 JSON ({exc}).") from None
    quiz = _keys(raw, {"questions"}, where)
    items = quiz.get("questions")
    if not isinstance(items, list) or not 1 <= len(items) <= 100:
        raise CoursePackageError(f"{where}: 'questions' must be a list of 1 to 100 questions.")
    questions: list[Question] = []
    ids: set[str] = set()
    for index, item in enumerate(items, start=1):
        qwhere = f"{where}, question {index}"
        q = _keys(item, {"id", "prompt", "choices", "answer"}, qwhere)
        qid = q.get("id")
        if not isinstance(qid, str) or not re.match(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", qid):
            raise CoursePackageError(f"{qwhere}: 'id' must be letters, digits, '_' or '-'.")
        if qid in ids:
            raise CoursePackageError(f"{qwhere}: the id {qid!r} is used twice.")
        ids.add(qid)
        prompt = _text(q, "prompt", qwhere, 1, 1000)
        choices = q.get("choices")
        if (
            not isinstance(choices, list)
            or not 2 <= len(choices) <= 8
            or not all(isinstance(c, str) and 0 < len(c) <= 500 for c in choices)
        ):
            raise CoursePackageError(f"{qwhere}: 'choices' must be 2 to 8 pieces of text.")
        answer = q.get("answer")
        if (
            isinstance(answer, bool)
            or not isinstance(answer, int)
            or not 0 <= answer < len(choices)
        ):
            raise CoursePackageError(f"{qwhere}: 'answer' must be the number of a choice, from 0.")
        questions.append(Question(qid, prompt, tuple(choices), answer))
    return tuple(questions)
