"""Fixtures for the bundle tests (defined in bundlekit)."""

from bundlekit import fleet, refused

__all__ = ["fleet", "refused"]
