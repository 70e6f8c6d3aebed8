"""Errors a person can read.

Every error the core raises on purpose derives from `CrmError` and carries a message meant for the
person at the keyboard (already translated). The CLI prints it on one line; the GUI shows it in a
message box. Anything else escaping is a bug and is reported as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class CrmError(Exception):
    """Base of every expected, user-facing failure."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(CrmError):
    """Input that cannot be stored as given (empty name, bad code, mismatched passwords)."""


class DuplicateCustomer(ValidationError):
    """A customer with the same normalized name or phone exists; `matches` names them.

    The person may open the existing one or save anyway (`allow_duplicate=True`).
    """

    def __init__(self, message: str, matches: list[Any]) -> None:
        super().__init__(message)
        self.matches = matches


class NotFound(CrmError):
    """The record does not exist (or is outside the operator's data scope)."""


class PermissionDenied(CrmError):
    """The acting operator lacks a permission or the record is outside their data scope."""

    exit_code = 3


class AuthenticationFailed(CrmError):
    """Wrong user name or password; deliberately does not say which."""

    exit_code = 3


class AccountLocked(AuthenticationFailed):
    """Too many failed logins: the account is locked for a while."""


class AccountDisabled(AuthenticationFailed):
    """The account has been disabled by an administrator."""


class DatabaseError(CrmError):
    """The database cannot be used as asked (missing, not ours, newer, read-only, busy)."""

    exit_code = 4


class DatabaseMissing(DatabaseError):
    pass


class NotACrmDatabase(DatabaseError):
    pass


class NewerDatabase(DatabaseError):
    pass


class ReadOnlyDatabase(DatabaseError):
    pass


class UnsafeDatabase(DatabaseError):
    """The file is set up in a way that would damage it when shared (WAL mode beside it)."""


class DatabaseBusy(DatabaseError):
    """Another PC held the write lock for longer than we were willing to wait."""


class NotInitialized(DatabaseError):
    """The database has a schema but no company/administrator yet."""


class AlreadyInitialized(CrmError):
    pass


class OthersConnected(DatabaseError):
    """A schema migration was refused because other PCs are using the database."""


@dataclass
class FieldConflict:
    """One field that both operators changed differently."""

    field: str
    theirs: Any
    yours: Any


class ConflictError(CrmError):
    """Someone else saved the record since it was loaded.

    Carries both sides so the UI can offer a field-by-field merge; nothing has been written.
    `changed_by` (an operator's name) and `changed_at` (UTC) say who saved the newer version and
    when, where the record keeps it, so the person knows whom to ask.
    """

    exit_code = 5

    def __init__(
        self,
        message: str,
        *,
        entity: str,
        entity_id: int,
        expected_version: int,
        current_version: int,
        theirs: dict[str, Any],
        yours: dict[str, Any],
        changed_by: str | None = None,
        changed_at: datetime | None = None,
    ) -> None:
        super().__init__(message)
        self.entity = entity
        self.entity_id = entity_id
        self.expected_version = expected_version
        self.current_version = current_version
        self.theirs = theirs
        self.yours = yours
        self.changed_by = changed_by
        self.changed_at = changed_at

    @property
    def conflicts(self) -> list[FieldConflict]:
        """Fields whose stored value differs from what this operator wants to save."""
        return [
            FieldConflict(name, self.theirs.get(name), value)
            for name, value in self.yours.items()
            if self.theirs.get(name) != value
        ]


@dataclass
class Problems(CrmError):
    """Several validation problems at once, keyed by field."""

    by_field: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__("; ".join(self.by_field.values()))
