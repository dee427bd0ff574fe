"""The OpenAPI 3.1 description of /api/v1. A test keeps it in step with the routes."""

from __future__ import annotations

from typing import Any

import hubd

_ERROR = {"$ref": "#/components/responses/Error"}


_STICKS: dict[str, Any] = {
    "type": "object",
    "required": ["busy", "sticks"],
    "properties": {
        "busy": {"type": "boolean", "description": "A stick is being synced: do not pull it."},
        "sticks": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["device", "phase", "phase_text", "safe_to_remove", "message"],
                "properties": {
                    "device": {"type": "string"},
                    "label": {"type": "string"},
                    "phase": {
                        "type": "string",
                        "enum": [
                            "waiting", "opening", "reading", "applying", "writing",
                            "checking", "closing", "done", "failed", "removed",
                        ],
                    },
                    "phase_text": {"type": "string"},
                    "safe_to_remove": {"type": "boolean"},
                    "message": {"type": "string"},
                    "results": {"type": "array", "items": {"type": "string"}},
                    "problems": {"type": "array", "items": {"type": "string"}},
                    "progress": {"type": "object"},
                    "seconds": {"type": ["number", "null"]},
                },
            },
        },
    },
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi_document() -> dict[str, Any]:
    """The API description served at /api/v1/openapi.json."""
    course = {
        "type": "object",
        "required": ["id", "version", "language", "title", "description", "lesson_count"],
        "properties": {
            "id": {"type": "string"},
            "version": {"type": "integer"},
            "language": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "subject": {"type": ["string", "null"]},
            "lesson_count": {"type": "integer"},
        },
    }
    event = {
        "type": "object",
        "required": ["id", "type", "course_id", "lesson_id"],
        "additionalProperties": False,
        "properties": {
            "id": {
                "type": "string",
                "format": "uuid",
                "description": "Made by the browser; sending the same event twice records it once.",
            },
            "type": {
                "type": "string",
                "enum": [
                    "lesson_started",
                    "lesson_completed",
                    "time_spent",
                    "media_position",
                    "answer",
                    "quiz_scored",
                ],
            },
            "learner_id": {"type": "string", "description": "If present, the signed-in learner."},
            "course_id": {"type": "string"},
            "lesson_id": {"type": "string"},
            "payload": {"type": "object"},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Learning Hub API",
            "version": hubd.__version__,
            "description": "The JSON API of an offline classroom hub. Errors always have the "
            'shape {"error": {"code", "message"}}; the message is written for a person.',
        },
        "servers": [{"url": "/"}],
        "paths": {
            "/api/v1/health": {
                "get": {
                    "summary": "Version, database state, free space and uptime",
                    "operationId": "health",
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Health"}, "The hub is healthy"),
                        "503": _json(
                            {"$ref": "#/components/schemas/Health"}, "The database failed"
                        ),
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1 document")},
                }
            },
            "/api/v1/sticks": {
                "get": {
                    "summary": "USB sync sticks: phase, progress, safe to remove, what happened",
                    "operationId": "listSticks",
                    "responses": {"200": _json(_STICKS, "Sticks seen since the hub started")},
                }
            },
            "/api/v1/courses": {
                "get": {
                    "summary": "Installed courses",
                    "operationId": "listCourses",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["courses"],
                                "properties": {"courses": {"type": "array", "items": course}},
                            },
                            "Courses by title",
                        )
                    },
                }
            },
            "/api/v1/courses/{course_id}": {
                "get": {
                    "summary": "One course and its lessons",
                    "operationId": "getCourse",
                    "parameters": [
                        {
                            "name": "course_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {"200": _json(course, "The course"), "404": _ERROR},
                }
            },
            "/api/v1/search": {
                "get": {
                    "summary": "Keyword search over courses and lessons",
                    "description": "Case and accents are ignored; each word matches as a "
                    "prefix; results in `lang` come first.",
                    "operationId": "search",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "maxLength": 200},
                        },
                        {
                            "name": "lang",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": {"200": _json({"type": "object"}, "Matches"), "400": _ERROR},
                }
            },
            "/api/v1/progress": {
                "post": {
                    "summary": "Record progress events of the signed-in learner",
                    "description": "A 200 means every event is durable on the hub. Events "
                    "already recorded are counted as duplicates and change nothing.",
                    "operationId": "recordProgress",
                    "security": [{"learnerSession": []}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["events"],
                                    "properties": {
                                        "events": {
                                            "type": "array",
                                            "maxItems": 500,
                                            "items": event,
                                        },
                                        "sent_ms": {
                                            "type": "integer",
                                            "description": "The browser's clock as it sends "
                                            "(ms since 1970). A hub without a clock module "
                                            "takes the time most devices agree on.",
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "accepted": {"type": "integer"},
                                    "duplicates": {"type": "integer"},
                                },
                            },
                            "Recorded",
                        ),
                        "400": _ERROR,
                        "401": _ERROR,
                        "413": _ERROR,
                        "507": _ERROR,
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "learnerSession": {"type": "apiKey", "in": "cookie", "name": "hub_learner"}
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        }
                    },
                },
                "Health": {
                    "type": "object",
                    "required": ["status", "version", "database", "disk", "uptime_seconds"],
                    "properties": {
                        "status": {"type": "string", "enum": ["ok", "degraded"]},
                        "version": {"type": "string"},
                        "hub": {"type": "object"},
                        "database": {"type": "object"},
                        "disk": {"type": "object"},
                        "clock": {
                            "type": "object",
                            "description": "The hub's time (now_ms), how far it has moved its "
                            "clock forward since it started (corrected_ms) and the last such "
                            "move (last: by records or devices, ahead_ms, at_ms, devices).",
                        },
                        "uptime_seconds": {"type": "number"},
                    },
                },
            },
            "responses": {
                "Error": _json({"$ref": "#/components/schemas/Error"}, "A refusal, explained")
            },
        },
    }
