"""Password hashing (argon2id via argon2-cffi) and the minimum password rule."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import _

MIN_LENGTH = 8


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationError(
            _("The password must have at least {n} characters.").format(n=MIN_LENGTH)
        )
    if len(set(password)) < 3:
        raise ValidationError(_("The password is too simple; use more different characters."))


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher().hash(password)


def rehash(password: str) -> str:
    """A new hash of a password that was already accepted (after a login): no strength rule,
    which could otherwise refuse an old password at the moment its owner logs in."""
    return _hasher().hash(password)


def hash_length() -> int:
    """The raw hash length of the hashes we write (the server check recomputes one)."""
    return _hasher().hash_len


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash or not password:
        return False
    try:
        return _hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)
