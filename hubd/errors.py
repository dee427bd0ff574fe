"""Domain errors: each carries the HTTP status and a stable code, rendered in one place.

The message is written for the person in front of the hub (a teacher, a learner, a technician);
details for the engineer go to the log, never onto a page.
"""

from __future__ import annotations


class HubError(Exception):
    """Base of every error the hub shows to a person."""

    status = 500
    code = "internal"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class ConfigError(HubError):
    """The configuration file is missing, unreadable or has a bad value."""

    code = "config"


class DataDirError(HubError):
    """The data directory cannot be used (missing, unwritable, full)."""

    code = "data_dir"


class DatabaseError(HubError):
    """The database file is damaged, too new, or cannot be written."""

    code = "database"


class StorageFullError(HubError):
    """The hub's storage has no room left for this write."""

    status = 507
    code = "storage_full"


class BadRequest(HubError):
    """The request is malformed; nothing was changed."""

    status = 400
    code = "bad_request"


class NotFound(HubError):
    status = 404
    code = "not_found"


class Unauthorized(HubError):
    status = 401
    code = "unauthorized"


class Forbidden(HubError):
    status = 403
    code = "forbidden"


class PayloadTooLarge(HubError):
    status = 413
    code = "too_large"


class CoursePackageError(HubError):
    """A course package is malformed; it was not installed."""

    status = 422
    code = "course_package"
