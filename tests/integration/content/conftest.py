"""The bundle tests' fleet (root, role keys, a hub, central) for content-bundle tests."""

from tests.unit.bundle.bundlekit import fleet

__all__ = ["fleet"]
