"""SQLite storage: the only place the hub keeps state."""
