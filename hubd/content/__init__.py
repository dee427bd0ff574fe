"""Installed courses: the package format, the content-addressed file store, search."""
