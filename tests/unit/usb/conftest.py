"""The bundle tests' fleet for stick sessions."""

from tests.unit.bundle.bundlekit import fleet

__all__ = ["fleet"]
