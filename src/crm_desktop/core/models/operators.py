"""Operators (the people who log in), roles with named permissions, and teams."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_desktop.core.models.base import Base, Editable
from crm_desktop.core.models.types import UTCDateTime


class DataScope(StrEnum):
    """Which records an operator sees: their own, their team's, or everyone's."""

    OWN = "own"
    TEAM = "team"
    ALL = "all"


class Role(Editable, Base):
    __tablename__ = "roles"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(String(300))
    is_preset: Mapped[bool] = mapped_column(Boolean, default=False)
    default_scope: Mapped[str] = mapped_column(String(10), default=DataScope.OWN)
    permissions: Mapped[list[RolePermission]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def permission_names(self) -> frozenset[str]:
        return frozenset(p.permission for p in self.permissions)


class RolePermission(Base):
    __tablename__ = "role_permissions"
    __table_args__ = (UniqueConstraint("role_id", "permission"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), index=True)
    permission: Mapped[str] = mapped_column(String(60))


class Team(Editable, Base):
    __tablename__ = "teams"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("operators.id", use_alter=True, name="fk_teams_manager_id_operators")
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Operator(Editable, Base):
    __tablename__ = "operators"

    code: Mapped[str] = mapped_column(String(40), unique=True)  # the login name
    name: Mapped[str] = mapped_column(String(80))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("base_data_items.id"))
    person_type_id: Mapped[int | None] = mapped_column(ForeignKey("base_data_items.id"))
    job_title: Mapped[str | None] = mapped_column(String(80))
    phone: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(120))
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"))
    data_scope: Mapped[str] = mapped_column(String(10), default=DataScope.OWN)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str | None] = mapped_column(String(10))

    role: Mapped[Role] = relationship(lazy="joined")


class OperatorPassword(Base):
    """An operator's password hash, apart from the operator so a server can hide it.

    On a PostgreSQL server the app's role has no privilege on this table at all: it checks and
    sets passwords only through the `crm_password_*` functions of migration 0006. No row: the
    operator cannot log in yet. `failed_checks`/`blocked_until` are the server's own throttle of
    wrong guesses through those functions (SQLite does not use them; the app's lockout is on
    `Operator`).
    """

    __tablename__ = "operator_passwords"

    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), primary_key=True
    )
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_checks: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
