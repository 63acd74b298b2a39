"""Secrets: passwords hashed with argon2id (argon2-cffi), and random secrets for sessions, CSRF
and API tokens, of which the store keeps only a SHA-256 (a 256-bit random secret needs no slow
hash: there is nothing to guess)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = [
    "TOKEN_PREFIX",
    "hash_password",
    "hash_secret",
    "new_password",
    "new_secret",
    "new_token",
    "same",
    "verify_password",
]

#: API tokens start with this, so a leaked one is easy to recognise (and to scan for).
TOKEN_PREFIX = "dsk_"


@functools.cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's (RFC 9106) parameters


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_secret() -> str:
    """32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def new_token() -> str:
    return TOKEN_PREFIX + new_secret()


def new_password() -> str:
    """A generated password for the first admin: 20 URL-safe characters (120 bits)."""
    return secrets.token_urlsafe(15)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    """Compare two secrets in constant time."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
