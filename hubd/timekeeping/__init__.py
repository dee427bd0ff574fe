"""The hub's wall clock on a board without a real-time clock (see :mod:`hubd.timekeeping.wall`)."""

from hubd.timekeeping.wall import HubWall

__all__ = ["HubWall"]
