"""The bundle tests' fleet (root, role keys, a hub, central) for the hub's sync tests."""

from tests.unit.bundle.bundlekit import fleet

__all__ = ["fleet"]
