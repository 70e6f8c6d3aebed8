"""Where operators' password hashes live, and how a typed password is checked against them.

SQLite: the `operator_passwords` table, read and written directly (whoever has the file has
everything; the file's share permissions are the boundary).

PostgreSQL (team server): the PCs' role cannot read that table (core/db/server.py), so the hash
never leaves the server. A check asks `crm_password_salt` for the stored hash's parameters and
salt, hashes the typed password the same way here (the slow argon2 work stays on the PC), and
asks `crm_password_matches` whether the result is the stored hash; setting goes through
`crm_set_password_hash`. Those functions come from migration 0006.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from argon2 import Type
from argon2.low_level import hash_secret
from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.orm import Session

from crm_desktop.core.models import OperatorPassword
from crm_desktop.core.passwords import hash_length, needs_rehash, rehash, verify_password

_TABLE = OperatorPassword.__table__
# A salt answer asking for more memory than this is refused: a PC must not be made to allocate
# gigabytes by a hash someone wrote through crm_set_password_hash.
MAX_MEMORY_KIB = 1024 * 1024

Executor = Session | Connection


def _on_server(executor: Executor) -> bool:
    bind = executor.get_bind() if isinstance(executor, Session) else executor
    return bind.dialect.name == "postgresql"


def check(session: Session, code: str, operator_id: int, password: str) -> bool | None:
    """Whether `password` is this operator's; None when the server refuses to answer for now
    (too many wrong guesses through its function). No password set: False."""
    if not password:
        return False
    if not _on_server(session):
        stored = session.scalar(
            select(_TABLE.c.password_hash).where(_TABLE.c.operator_id == operator_id)
        )
        return verify_password(stored, password)
    candidate = hash_like(session.scalar(select(func.crm_password_salt(code))), password)
    if candidate is None:
        return False
    return session.scalar(select(func.crm_password_matches(code, candidate)))


def hash_like(prefix: str | None, password: str) -> str | None:
    """The argon2id encoded hash of `password` with the parameters and salt of `prefix`
    (`$argon2id$v=19$m=..,t=..,p=..$<salt>`); None when the prefix is not one we can use."""
    parts = (prefix or "").split("$")
    if len(parts) != 5 or parts[1] != "argon2id" or not parts[2].startswith("v="):
        return None
    try:
        version = int(parts[2][2:])
        params = {k: int(v) for k, v in (item.split("=", 1) for item in parts[3].split(","))}
        salt = base64.b64decode(parts[4] + "=" * (-len(parts[4]) % 4), validate=True)
        memory, time, lanes = params["m"], params["t"], params["p"]
    except (ValueError, KeyError, binascii.Error):
        return None
    if not (0 < memory <= MAX_MEMORY_KIB and time > 0 and lanes > 0 and salt):
        return None
    encoded = hash_secret(
        password.encode("utf-8"),
        salt,
        time_cost=time,
        memory_cost=memory,
        parallelism=lanes,
        hash_len=hash_length(),
        type=Type.ID,
        version=version,
    )
    return encoded.decode("ascii")


def rehash_if_needed(session: Session, operator_id: int, password: str) -> None:
    """After a good login on SQLite: store the hash again if the parameters have moved on.

    Not on a server: the PCs' role cannot read the old hash to tell (the next password change
    there writes the new parameters).
    """
    if _on_server(session):
        return
    stored = session.scalar(
        select(_TABLE.c.password_hash).where(_TABLE.c.operator_id == operator_id)
    )
    if stored and needs_rehash(stored):
        set_hash(session, operator_id, rehash(password))


def set_hash(executor: Executor, operator_id: int, password_hash: str | None) -> None:
    """Store (or with None, remove) an operator's password hash; also ends a server block."""
    if _on_server(executor):
        executor.execute(select(func.crm_set_password_hash(operator_id, password_hash)))
        return
    if password_hash is None:
        executor.execute(delete(_TABLE).where(_TABLE.c.operator_id == operator_id))
        return
    values: dict[str, Any] = {"password_hash": password_hash, "failed_checks": 0}
    changed = executor.execute(
        update(_TABLE).where(_TABLE.c.operator_id == operator_id).values(**values)
    )
    if not changed.rowcount:
        executor.execute(insert(_TABLE).values(operator_id=operator_id, **values))


def operators_with_password(session: Session) -> set[int]:
    """The ids of the operators who have a password (and so can log in)."""
    if _on_server(session):
        return set(session.scalars(select(func.crm_operators_with_password())))
    return set(session.scalars(select(_TABLE.c.operator_id)))
