"""Logging in: argon2 hashes, lockout after five failures, no default password anywhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database
from crm_desktop.core.errors import (
    AccountDisabled,
    AccountLocked,
    AlreadyInitialized,
    AuthenticationFailed,
    PermissionDenied,
    ValidationError,
)
from crm_desktop.core.models import AuditEntry, OperatorPassword
from crm_desktop.core.services import auth, customers, operators, setup
from tests.conftest import BOSS_PASSWORD, STAFF_PASSWORD, MakeOperator

SRC = Path(__file__).resolve().parents[2] / "src"


def test_boss_logs_in_with_the_chosen_password(db: Database, boss: Actor) -> None:
    actor = auth.login(db, "BOSS", BOSS_PASSWORD)  # user names are not case-sensitive
    assert actor.id == boss.id and actor.can("settings.operators")


def test_password_is_stored_as_argon2_hash_only(db: Database, boss: Actor) -> None:
    with db.read() as session:
        stored = session.scalar(
            select(OperatorPassword.password_hash).where(OperatorPassword.operator_id == boss.id)
        )
    assert stored.startswith("$argon2id$") and BOSS_PASSWORD not in stored


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(
    db: Database, boss: Actor
) -> None:
    with pytest.raises(AuthenticationFailed, match="Wrong user name or password"):
        auth.login(db, "boss", "not-the-password")
    with pytest.raises(AuthenticationFailed, match="Wrong user name or password"):
        auth.login(db, "nobody", BOSS_PASSWORD)


def test_five_failed_logins_lock_the_account_for_five_minutes(
    db: Database, boss: Actor, clock: FixedClock
) -> None:
    for _attempt in range(4):
        with pytest.raises(AuthenticationFailed):
            auth.login(db, "boss", "wrong-password")
    with pytest.raises(AccountLocked):
        auth.login(db, "boss", "wrong-password")
    with pytest.raises(AccountLocked, match="locked"):
        auth.login(db, "boss", BOSS_PASSWORD)  # even the right password waits

    clock.advance(minutes=4, seconds=59)
    with pytest.raises(AccountLocked):
        auth.login(db, "boss", BOSS_PASSWORD)
    clock.advance(seconds=2)
    assert auth.login(db, "boss", BOSS_PASSWORD).id == boss.id


def test_failed_logins_are_audited(db: Database, boss: Actor) -> None:
    with pytest.raises(AuthenticationFailed):
        auth.login(db, "boss", "wrong-password")
    auth.login(db, "boss", BOSS_PASSWORD)
    with db.read() as session:
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["login.failed", "login"]


def test_reset_password_lifts_a_lockout(db: Database, make_operator: MakeOperator) -> None:
    staff = make_operator("li", "salesperson", with_password=True)
    for _attempt in range(5):
        with pytest.raises(AuthenticationFailed):
            auth.login(db, "li", "wrong-password")
    boss = auth.login(db, "boss", BOSS_PASSWORD)
    auth.reset_password(db, boss, staff.id, "New-pass-2026")
    assert auth.login(db, "li", "New-pass-2026").id == staff.id


def test_disabled_operator_cannot_log_in_or_keep_working(
    db: Database, boss: Actor, make_operator: MakeOperator
) -> None:
    staff = make_operator("zhang", "salesperson", with_password=True)
    operators.set_operator_active(db, boss, staff.id, False)
    with pytest.raises(AccountDisabled):
        auth.login(db, "zhang", STAFF_PASSWORD)
    with pytest.raises(PermissionDenied, match="disabled"):
        customers.list_customers(db, staff)  # an open session stops working at once


def test_change_own_password_needs_the_old_one(db: Database, boss: Actor) -> None:
    with pytest.raises(AuthenticationFailed):
        auth.change_own_password(db, boss, "guess-guess", "Newer-pass-1", "Newer-pass-1")
    with pytest.raises(ValidationError):
        auth.change_own_password(db, boss, BOSS_PASSWORD, "Newer-pass-1", "Newer-pass-2")
    auth.change_own_password(db, boss, BOSS_PASSWORD, "Newer-pass-1", "Newer-pass-1")
    assert auth.login(db, "boss", "Newer-pass-1").id == boss.id


@pytest.mark.parametrize("password", ["", "short", "aaaaaaaaaaaa"])
def test_weak_or_empty_password_is_refused_at_first_run(db: Database, password: str) -> None:
    with pytest.raises(ValidationError):
        setup.initialize(
            db, company_name="公司", admin_code="boss", admin_name="", password=password
        )
    assert not setup.is_initialized(db)


def test_operator_created_without_password_cannot_log_in(db: Database, boss: Actor) -> None:
    role_id = next(r["id"] for r in operators.list_roles(db, boss) if r["code"] == "finance")
    operators.create_operator(db, boss, {"code": "qian", "name": "钱会计", "role_id": role_id})
    for guess in ("", "qian", "123456", "password", "admin"):
        with pytest.raises(AuthenticationFailed):
            auth.login(db, "qian", guess)


def test_second_initialization_is_refused(db: Database, boss: Actor) -> None:
    with pytest.raises(AlreadyInitialized):
        setup.initialize(
            db, company_name="X", admin_code="admin", admin_name="", password="Another-pass-1"
        )


def test_no_default_password_in_the_source() -> None:
    """No password literal is handed to the hashing or login functions anywhere in the app."""
    pattern = re.compile(r"(hash_password|initialize|login)\([^)]*['\"][^'\"]{4,}['\"]")
    offenders = [
        f"{path.relative_to(SRC)}:{number}"
        for path in SRC.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line) or re.search(r"password\s*=\s*['\"][^'\"]+['\"]", line)
    ]
    assert offenders == []
