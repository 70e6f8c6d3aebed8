"""Operators, roles (sets of permissions) and teams: the settings a boss manages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified

from crm_desktop.core import password_store
from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database
from crm_desktop.core.errors import NotFound, ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.models import DataScope, Operator, Role, RolePermission, Team
from crm_desktop.core.passwords import hash_password
from crm_desktop.core.permissions import PERMISSION_NAMES
from crm_desktop.core.services import records
from crm_desktop.core.services.access import current_operator, require

OPERATOR_FIELDS = (
    "code",
    "name",
    "team_id",
    "region_id",
    "person_type_id",
    "job_title",
    "phone",
    "email",
    "role_id",
    "data_scope",
    "active",
)
ADMIN_PERMISSIONS = ("settings.operators", "settings.roles")


def operator_choices(db: Database, actor: Actor) -> list[tuple[int, str]]:
    """(id, name) of active operators, for owner and handler pickers."""
    with db.read() as session:
        current_operator(session, actor)
        rows = session.execute(
            select(Operator.id, Operator.name).where(Operator.active).order_by(Operator.code)
        )
        return [(r.id, r.name) for r in rows]


def operator_id_by_code(db: Database, actor: Actor, code: str) -> int:
    """The id of the active operator with this login name (the command line names people so)."""
    with db.read() as session:
        current_operator(session, actor)
        found = session.scalar(select(Operator.id).where(Operator.code == code, Operator.active))
        if found is None:
            raise NotFound(_("There is no active operator “{code}”.").format(code=code))
        return found


def list_operators(db: Database, actor: Actor) -> list[dict[str, Any]]:
    with db.read() as session:
        require(session, actor, "settings.operators")
        team_names = dict(session.execute(select(Team.id, Team.name)).all())
        with_password = password_store.operators_with_password(session)
        rows = []
        for op in session.scalars(select(Operator).order_by(Operator.code)):
            row = records.as_dict(op, OPERATOR_FIELDS)
            row["role_name"] = op.role.name
            row["team_name"] = team_names.get(op.team_id or 0, "")
            row["locked_until"] = op.locked_until
            row["has_password"] = op.id in with_password
            rows.append(row)
        return rows


def get_operator(db: Database, actor: Actor, operator_id: int) -> dict[str, Any]:
    with db.read() as session:
        require(session, actor, "settings.operators")
        return records.as_dict(
            records.load(session, Operator, operator_id, _("Operator")), OPERATOR_FIELDS
        )


def _validate_operator(values: dict[str, Any]) -> dict[str, Any]:
    clean = {k: v for k, v in values.items() if k in OPERATOR_FIELDS}
    for key in ("code", "name"):
        if key in clean:
            clean[key] = (clean[key] or "").strip()
            if not clean[key]:
                raise ValidationError(_("User name and display name are required."))
    if "data_scope" in clean and clean["data_scope"] not in set(DataScope):
        raise ValidationError(_("Unknown data scope."))
    return clean


def create_operator(
    db: Database,
    actor: Actor,
    values: dict[str, Any],
    password: str | None = None,
) -> int:
    """A new operator; without a password they cannot log in until one is set."""
    clean = _validate_operator(values)
    password_hash = hash_password(password) if password else None
    with db.write(actor) as uow:
        require(uow.session, actor, "settings.operators")
        _ensure_unique_code(uow.session, clean["code"])
        role = records.load(uow.session, Role, clean["role_id"], _("Role"))
        clean.setdefault("data_scope", role.default_scope)
        operator = records.create(uow, Operator, clean, entity="operator")
        if password_hash is not None:
            password_store.set_hash(uow.session, operator.id, password_hash)
        uow.touched("operators")
        return operator.id


def _ensure_unique_code(session: Any, code: str, exclude_id: int | None = None) -> None:
    """User names are compared without case: “Li” and “li” would be the same login."""
    records.ensure_unique(
        session,
        Operator,
        func.lower(Operator.code) == code.lower(),
        exclude_id,
        _("The user name “{code}” is taken.").format(code=code),
    )


def update_operator(
    db: Database, actor: Actor, operator_id: int, version: int, values: dict[str, Any]
) -> None:
    clean = _validate_operator(values)
    with db.write(actor) as uow:
        require(uow.session, actor, "settings.operators")
        operator = records.load(uow.session, Operator, operator_id, _("Operator"))
        if "code" in clean:
            _ensure_unique_code(uow.session, clean["code"], operator_id)
        if operator_id == actor.id and clean.get("active") is False:
            raise ValidationError(_("You cannot disable your own account."))
        records.apply_changes(uow, operator, clean, expected_version=version, entity="operator")
        _keep_an_administrator(uow.session)
        uow.touched("operators")


def set_operator_active(db: Database, actor: Actor, operator_id: int, active: bool) -> None:
    with db.write(actor) as uow:
        require(uow.session, actor, "settings.operators")
        if operator_id == actor.id and not active:
            raise ValidationError(_("You cannot disable your own account."))
        operator = records.load(uow.session, Operator, operator_id, _("Operator"))
        records.apply_changes(
            uow,
            operator,
            {"active": active},
            expected_version=operator.version,
            entity="operator",
            action="operator.enable" if active else "operator.disable",
        )
        _keep_an_administrator(uow.session)
        uow.touched("operators")


def _keep_an_administrator(session: Any) -> None:
    """Refuse a change that would leave nobody able to manage operators and roles."""
    session.flush()
    admins = session.scalar(
        select(Operator.id)
        .join(RolePermission, RolePermission.role_id == Operator.role_id)
        .where(Operator.active, RolePermission.permission.in_(ADMIN_PERMISSIONS))
        .group_by(Operator.id)
        .having(func.count(func.distinct(RolePermission.permission)) == len(ADMIN_PERMISSIONS))
        .limit(1)
    )
    if not admins:
        raise ValidationError(
            _("This would leave nobody able to manage operators and roles; it was not saved.")
        )


# --- roles -------------------------------------------------------------------------------------

ROLE_FIELDS = ("code", "name", "description", "default_scope", "is_preset")


def list_roles(db: Database, actor: Actor) -> list[dict[str, Any]]:
    with db.read() as session:
        current_operator(session, actor)
        result = []
        for role in session.scalars(select(Role).order_by(Role.id)):
            row = records.as_dict(role, ROLE_FIELDS)
            row["permissions"] = sorted(role.permission_names)
            result.append(row)
        return result


def save_role(
    db: Database,
    actor: Actor,
    role_id: int | None,
    version: int | None,
    values: dict[str, Any],
    permissions: set[str],
) -> int:
    """Create (role_id None) or update a role and its permissions (audited as such)."""
    unknown = permissions - PERMISSION_NAMES
    if unknown:
        raise ValidationError(_("Unknown permissions: {names}").format(names=", ".join(unknown)))
    clean = {
        k: v for k, v in values.items() if k in ("code", "name", "description", "default_scope")
    }
    if not (clean.get("name") or "").strip() and role_id is None:
        raise ValidationError(_("Enter a name for the role."))
    with db.write(actor) as uow:
        require(uow.session, actor, "settings.roles")
        if role_id is None:
            clean.setdefault("code", clean["name"].strip().lower().replace(" ", "_"))
            if uow.session.scalar(select(Role.id).where(Role.code == clean["code"])):
                raise ValidationError(_("A role with this code exists already."))
            role = records.create(uow, Role, clean, entity="role")
            old: set[str] = set()
        else:
            role = records.load(uow.session, Role, role_id, _("Role"))
            records.apply_changes(uow, role, clean, expected_version=version or 0, entity="role")
            old = set(role.permission_names)
        if old != permissions:
            # Remove first, then add: replacing the whole list would insert the kept permissions
            # again before deleting the old rows (UNIQUE role_id, permission).
            role.permissions = [p for p in role.permissions if p.permission in permissions]
            uow.session.flush()
            role.permissions.extend(RolePermission(permission=p) for p in sorted(permissions - old))
            role.updated_at = uow.clock.now()
            flag_modified(role, "updated_at")  # a row update, so the version moves on too
            uow.session.flush()
            uow.audit(
                "role.permissions",
                "role",
                role.id,
                {"permissions": (sorted(old), sorted(permissions))},
                summary=role.name,
            )
            _keep_an_administrator(uow.session)
        uow.touched("roles", "operators")
        return role.id


# --- teams -------------------------------------------------------------------------------------

TEAM_FIELDS = ("code", "name", "manager_id", "parent_id", "active")


def list_teams(db: Database, actor: Actor) -> list[dict[str, Any]]:
    with db.read() as session:
        current_operator(session, actor)
        names = dict(session.execute(select(Operator.id, Operator.name)).all())
        members = dict(
            session.execute(select(Operator.team_id, func.count()).group_by(Operator.team_id)).all()
        )
        result = []
        for team in session.scalars(select(Team).order_by(Team.code)):
            row = records.as_dict(team, TEAM_FIELDS)
            row["manager_name"] = names.get(team.manager_id or 0, "")
            row["members"] = members.get(team.id, 0)
            result.append(row)
        return result


def save_team(
    db: Database, actor: Actor, team_id: int | None, version: int | None, values: dict[str, Any]
) -> int:
    clean = {k: v for k, v in values.items() if k in TEAM_FIELDS}
    for key in ("code", "name"):
        if key in clean:
            clean[key] = (clean[key] or "").strip()
            if not clean[key]:
                raise ValidationError(_("Code and name are required."))
    with db.write(actor) as uow:
        require(uow.session, actor, "settings.teams")
        team = records.save(uow, Team, team_id, version, clean, entity="team", what=_("Team"))
        uow.touched("teams", "operators")
        return team.id
