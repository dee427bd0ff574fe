"""Learning Hub daemon: an offline classroom hub."""

__version__ = "0.1.0"
