"""Fixtures for the bundle tests (defined in bundlekit)."""

from tests.unit.bundle.bundlekit import fleet, refused

__all__ = ["fleet", "refused"]
