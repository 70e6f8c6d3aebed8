"""Permission checks and the data-scope rule, applied by every service.

The actor passed in is only a claim: the operator row is reloaded inside the transaction, so a
disabled account or a role that lost a permission stops working at once, on every PC.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, literal, or_, select, true
from sqlalchemy.orm import Session

from crm_desktop.core.actor import Actor
from crm_desktop.core.errors import PermissionDenied
from crm_desktop.core.i18n import _
from crm_desktop.core.models import Customer, DataScope, Operator, Team
from crm_desktop.core.permissions import ALL_PERMISSIONS

_LABELS = {p.name: p.label for p in ALL_PERMISSIONS}


def current_operator(session: Session, actor: Actor | None) -> Operator:
    if actor is None:
        raise PermissionDenied(_("Please log in first."))
    operator = session.get(Operator, actor.id)
    if operator is None or not operator.active:
        raise PermissionDenied(_("Your account is disabled. Ask an administrator."))
    return operator


def require(session: Session, actor: Actor | None, permission: str) -> Operator:
    """The operator, if their role grants `permission`; otherwise `PermissionDenied`."""
    operator = current_operator(session, actor)
    if permission not in operator.role.permission_names:
        label = _(_LABELS.get(permission, permission))
        raise PermissionDenied(
            _("You do not have the permission “{permission}”. Ask an administrator.").format(
                permission=label
            )
        )
    return operator


def visible_team_ids(session: Session, operator: Operator) -> set[int]:
    """The operator's own team, the teams they manage, and those teams' sub-teams."""
    teams = {operator.team_id} if operator.team_id else set()
    teams |= set(session.scalars(select(Team.id).where(Team.manager_id == operator.id)))
    frontier = set(teams)
    while frontier:
        children = set(session.scalars(select(Team.id).where(Team.parent_id.in_(frontier))))
        frontier = children - teams
        teams |= children
    return teams


def owner_scope(
    session: Session, operator: Operator, owner_column: ColumnElement[int | None]
) -> ColumnElement[bool]:
    """A WHERE clause limiting records to those whose owner is within the operator's scope."""
    if operator.data_scope == DataScope.ALL:
        return true()
    if operator.data_scope == DataScope.TEAM:
        teams = visible_team_ids(session, operator)
        if teams:
            members = select(Operator.id).where(Operator.team_id.in_(teams))
            return or_(owner_column == operator.id, owner_column.in_(members))
    return owner_column == operator.id


def require_in_scope(
    session: Session, operator: Operator, owner_id: int | None, *, public: bool = False
) -> None:
    """Raise unless a record with this owner is within the operator's data scope."""
    if public or operator.data_scope == DataScope.ALL:
        return
    allowed = session.scalar(select(owner_scope(session, operator, literal(owner_id))))
    if not allowed:
        raise PermissionDenied(_("This record belongs to someone outside your data scope."))


def record_scope(
    session: Session,
    operator: Operator,
    person_column: ColumnElement[int | None],
    customer_id_column: ColumnElement[int],
) -> ColumnElement[bool]:
    """WHERE clause for sales and service records (orders, quotes, receipts, service, ...).

    A record is visible when the person it belongs to (salesperson, handler) is within the
    operator's scope, or when its customer's owner is: a salesperson sees the work done for
    their own customers, also by a colleague before a handover.
    """
    if operator.data_scope == DataScope.ALL:
        return true()
    owners = select(Customer.id).where(owner_scope(session, operator, Customer.owner_id))
    return or_(owner_scope(session, operator, person_column), customer_id_column.in_(owners))


def require_record_in_scope(
    session: Session, operator: Operator, person_id: int | None, customer_id: int
) -> None:
    """Raise unless a sales or service record is visible under `record_scope`."""
    if operator.data_scope == DataScope.ALL:
        return
    owner_id = session.scalar(select(Customer.owner_id).where(Customer.id == customer_id))
    mine = select(owner_scope(session, operator, literal(person_id)))
    theirs = select(owner_scope(session, operator, literal(owner_id)))
    if not (session.scalar(mine) or (owner_id is not None and session.scalar(theirs))):
        raise PermissionDenied(_("This record belongs to someone outside your data scope."))
