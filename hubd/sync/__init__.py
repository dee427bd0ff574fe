"""Learner-data rules shared by the hub and central: pure code, no I/O."""
