"""Hashing passwords, PINs and picture passwords with argon2id.

Two cost settings: staff passwords get the OWASP minimum (19 MiB, 2 passes); a learner's PIN
or picture password is a short secret that only lockout protects, so it gets a cheaper hash that
thirty children signing in at once on a Raspberry Pi can afford (8 MiB each).
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

STAFF = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
LEARNER = PasswordHasher(time_cost=2, memory_cost=8 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    return STAFF.hash(password)


def check_password(stored_hash: str, password: str) -> bool:
    return _verify(STAFF, stored_hash, password)


def hash_learner_secret(secret: str) -> str:
    """A PIN ("4821") or a picture password ("dog cat")."""
    return LEARNER.hash(secret)


def check_learner_secret(stored_hash: str, secret: str) -> bool:
    return _verify(LEARNER, stored_hash, secret)


def _verify(hasher: PasswordHasher, stored_hash: str, secret: str) -> bool:
    try:
        return hasher.verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False
