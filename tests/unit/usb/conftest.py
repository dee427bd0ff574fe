"""The bundle tests' fleet and hubs on real databases for stick sessions."""

from tests.unit.bundle.bundlekit import fleet
from tests.unit.usb.stickkit import make_hub

__all__ = ["fleet", "make_hub"]
