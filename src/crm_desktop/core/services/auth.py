"""Logging in, lockout after repeated failures, and passwords.

The hashes themselves are kept by `password_store` (on a team server the app cannot read them).

Counters are updated with plain UPDATEs that do not bump the record's version, so a login never
makes an administrator's open edit of that operator look stale.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from crm_desktop.core import password_store
from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database, UnitOfWork
from crm_desktop.core.errors import (
    AccountDisabled,
    AccountLocked,
    AuthenticationFailed,
    CrmError,
    ValidationError,
)
from crm_desktop.core.i18n import _
from crm_desktop.core.models import Operator
from crm_desktop.core.passwords import hash_password
from crm_desktop.core.services.access import current_operator, require

MAX_FAILED_LOGINS = 5
LOCK_DURATION = timedelta(minutes=5)


def actor_for(operator: Operator, pc_name: str | None = None) -> Actor:
    return Actor(
        id=operator.id,
        code=operator.code,
        name=operator.name,
        role_code=operator.role.code,
        role_name=operator.role.name,
        data_scope=operator.data_scope,
        team_id=operator.team_id,
        permissions=operator.role.permission_names,
        pc_name=pc_name,
    )


def login(db: Database, code: str, password: str) -> Actor:
    """The operator as an `Actor`, or an `AuthenticationFailed` saying what a person may know."""
    failure: CrmError | None = None
    actor: Actor | None = None
    now = db.clock.now()
    with db.write(None) as uow:
        session = uow.session
        operator = session.scalar(
            select(Operator).where(func.lower(Operator.code) == code.strip().lower())
        )
        if operator is None:
            uow.audit("login.failed", "operator", None, summary=code.strip()[:40])
            failure = AuthenticationFailed(_("Wrong user name or password."))
        elif not operator.active:
            uow.audit("login.failed", "operator", operator.id, summary="disabled")
            failure = AccountDisabled(_("This account is disabled. Ask an administrator."))
        elif operator.locked_until is not None and operator.locked_until > now:
            minutes = max(1, int((operator.locked_until - now).total_seconds() + 59) // 60)
            uow.audit("login.failed", "operator", operator.id, summary="locked")
            failure = AccountLocked(
                _(
                    "Too many failed logins: this account is locked for {minutes} more minute(s)."
                ).format(minutes=minutes)
            )
        else:
            failure, actor = _check_password(db, uow, operator, password, now)
    if failure is not None:
        raise failure
    assert actor is not None
    return actor


def _check_password(
    db: Database, uow: UnitOfWork, operator: Operator, password: str, now: datetime
) -> tuple[CrmError | None, Actor | None]:
    """The password step of a login: success, a counted failure, or the server's refusal."""
    verdict = password_store.check(uow.session, operator.code, operator.id, password)
    if verdict is None:  # a team server stopped answering for this account (core/db/server.py)
        uow.audit("login.failed", "operator", operator.id, summary="server-blocked")
        return AccountLocked(
            _(
                "Too many wrong passwords were tried for this account; the server refuses it "
                "for a while. Try again later or ask an administrator to reset the password."
            )
        ), None
    if not verdict:
        return _record_failure(uow, operator, now), None
    uow.session.execute(
        update(Operator)
        .where(Operator.id == operator.id)
        .values(failed_logins=0, locked_until=None, last_login_at=now)
    )
    password_store.rehash_if_needed(uow.session, operator.id, password)
    actor = actor_for(operator, db.pc_name)
    uow.audit("login", "operator", operator.id, actor=actor)
    return None, actor


def _record_failure(uow, operator: Operator, now) -> CrmError:  # type: ignore[no-untyped-def]
    failed = operator.failed_logins + 1
    values: dict[str, object] = {"failed_logins": failed}
    if failed >= MAX_FAILED_LOGINS:
        values = {"failed_logins": 0, "locked_until": now + LOCK_DURATION}
    uow.session.execute(update(Operator).where(Operator.id == operator.id).values(**values))
    uow.audit("login.failed", "operator", operator.id, summary=f"attempt {failed}")
    if failed >= MAX_FAILED_LOGINS:
        return AccountLocked(
            _("Too many failed logins: this account is locked for {minutes} minutes.").format(
                minutes=int(LOCK_DURATION.total_seconds() // 60)
            )
        )
    return AuthenticationFailed(_("Wrong user name or password."))


def change_own_password(
    db: Database, actor: Actor, old_password: str, new_password: str, confirm: str
) -> None:
    if new_password != confirm:
        raise ValidationError(_("The new password and its confirmation differ."))
    if new_password == old_password:
        raise ValidationError(_("The new password must differ from the old one."))
    new_hash = hash_password(new_password)
    with db.write(actor) as uow:
        operator = current_operator(uow.session, actor)
        if not password_store.check(uow.session, operator.code, operator.id, old_password):
            raise AuthenticationFailed(_("The old password is wrong."))
        password_store.set_hash(uow.session, operator.id, new_hash)
        operator.password_changed_at = db.clock.now()
        uow.audit("operator.password_change", "operator", operator.id)


def reset_password(db: Database, actor: Actor, operator_id: int, new_password: str) -> None:
    """An administrator sets someone's password; this also lifts a lockout."""
    new_hash = hash_password(new_password)
    with db.write(actor) as uow:
        require(uow.session, actor, "settings.operators")
        operator = uow.session.get(Operator, operator_id)
        if operator is None:
            raise ValidationError(_("That operator does not exist."))
        password_store.set_hash(uow.session, operator.id, new_hash)
        operator.password_changed_at = db.clock.now()
        operator.failed_logins = 0
        operator.locked_until = None
        uow.audit("operator.password_reset", "operator", operator.id, summary=operator.code)
        uow.touched("operators")
