"""Start-up, readiness, watchdog and shutdown."""
