"""Signing people in: secrets hashed with argon2id, attempts slowed and locked."""
