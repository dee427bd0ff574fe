"""The bundle tests' fleet (root, role keys, central) for the end-to-end tests."""

from tests.unit.bundle.bundlekit import fleet

__all__ = ["fleet"]
