"""Central's numbered schema migrations (one SQL text for SQLite and PostgreSQL)."""
