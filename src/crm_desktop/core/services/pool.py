"""The public pool and customer ownership: claim, release, transfer, handover and the pool rule.

A customer is private (owned by one salesperson) or public (in the pool, anyone may claim it).
The firm's rule (one `PoolRules` row) returns customers nobody works on to the pool, warns the
owner beforehand and caps how many private customers one person may hold. Idle days count from the
latest of the last follow-up, the day the current owner got the customer and its creation, so a
customer just claimed or transferred gets the full period again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import as_local_date, local_day_bounds, local_today
from crm_desktop.core.db.database import Database, UnitOfWork
from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import N_, _
from crm_desktop.core.models import Customer, Operator, PoolStatus, Role
from crm_desktop.core.models.customers import FollowUp, PoolRules
from crm_desktop.core.models.operators import RolePermission
from crm_desktop.core.models.sales import Opportunity, OpportunityStatus
from crm_desktop.core.services import records
from crm_desktop.core.services.access import (
    current_operator,
    owner_scope,
    require,
    require_in_scope,
)
from crm_desktop.core.services.customers import load_visible

RULE_FIELDS = ("enabled", "no_followup_days", "no_deal_days", "warn_days", "max_private_customers")
RULE_LABELS = {
    "no_followup_days": N_("Days without a follow-up"),
    "no_deal_days": N_("Days without a deal"),
    "warn_days": N_("Days of warning"),
    "max_private_customers": N_("Most private customers per salesperson"),
}
REASON_NO_FOLLOWUP = N_("No follow-up for {days} days")
REASON_NO_DEAL = N_("No deal for {days} days")


class PoolCandidate(NamedTuple):
    customer_id: int
    name: str
    owner_id: int | None
    owner_name: str | None
    idle_since: date
    returns_on: date
    reason: str  # translated, e.g. "No follow-up for 30 days"


class RuleRun(NamedTuple):
    returned: list[PoolCandidate]  # went (or, in a dry run, would go) back to the pool
    warned: list[PoolCandidate]  # return within the warning days; their owners should act


class HandoverResult(NamedTuple):
    customers: int
    opportunities: int
    followups: int


# --- the rule ------------------------------------------------------------------------------------


def _rules_row(session: Session) -> PoolRules | None:
    return session.scalar(select(PoolRules).order_by(PoolRules.id).limit(1))


def _rules_of(row: PoolRules | None) -> dict[str, Any]:
    """The rule as plain values; without a row, the model's defaults at version 0."""
    if row is None:
        defaults = {
            name: PoolRules.__table__.c[name].default.arg  # type: ignore[union-attr]
            for name in RULE_FIELDS
        }
        return {**defaults, "in_force_since": None, "version": 0}
    return {
        **records.snapshot(row, RULE_FIELDS),
        "in_force_since": row.in_force_since,
        "version": row.version,
    }


def get_rules(db: Database, actor: Actor) -> dict[str, Any]:
    """The firm's pool rule; every operator may read it (the today queue depends on it)."""
    with db.read() as session:
        current_operator(session, actor)
        return _rules_of(_rules_row(session))


def _validated_rules(values: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "enabled" in values:
        clean["enabled"] = bool(values["enabled"])
    for name, label in RULE_LABELS.items():
        if name not in values:
            continue
        value = values[name]
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError(
                _("“{field}” must be a whole number, 0 or more.").format(field=_(label))
            )
        clean[name] = value
    return clean


def save_rules(db: Database, actor: Actor, version: int, values: dict[str, Any]) -> None:
    """Save the rule (optimistic version check; version 0 = the rule was never saved)."""
    clean = _validated_rules(values)
    with db.write(actor) as uow:
        require(uow.session, actor, "settings.pool")
        row = _rules_row(uow.session)
        if clean.get("enabled") and not (row is not None and row.enabled):
            clean["in_force_since"] = uow.clock.now()  # switched on: everyone gets the full period
        if row is None:  # never saved: nobody else can have changed it
            defaults = {k: v for k, v in _rules_of(None).items() if k != "version"}
            records.create(uow, PoolRules, {**defaults, **clean}, entity="pool_rules")
        else:
            records.apply_changes(uow, row, clean, expected_version=version, entity="pool_rules")
        uow.touched("pool_rules")


def _since(*moments: datetime | None) -> date | None:
    present = [as_local_date(m) for m in moments if m is not None]
    return max(present) if present else None


def _candidate(row: Any, rules: dict[str, Any]) -> PoolCandidate | None:
    """When (and why) this customer returns to the pool under the rule, or None if never."""
    in_force = rules["in_force_since"]
    started = _since(row.owned_since, row.created_at, in_force)
    options: list[tuple[date, date, str]] = []
    idle = _since(row.last_followup_at, row.owned_since, row.created_at, in_force)
    if rules["no_followup_days"] > 0 and idle is not None:
        days = rules["no_followup_days"]
        options.append((idle + timedelta(days=days), idle, _(REASON_NO_FOLLOWUP).format(days=days)))
    dealt = max((d for d in (row.last_deal_on, started) if d is not None), default=None)
    if rules["no_deal_days"] > 0 and dealt is not None:
        days = rules["no_deal_days"]
        options.append((dealt + timedelta(days=days), dealt, _(REASON_NO_DEAL).format(days=days)))
    if not options:
        return None
    returns_on, since, reason = min(options)
    return PoolCandidate(row.id, row.name, row.owner_id, row.owner_name, since, returns_on, reason)


def _idle_before(column: Any, cutoff: datetime) -> ColumnElement[bool]:
    return or_(column.is_(None), column < cutoff)


def _prefilter(rules: dict[str, Any], horizon: date) -> ColumnElement[bool]:
    """SQL that keeps only customers that may return by `horizon`; `_candidate` decides exactly.

    The latest of several moments is before a cutoff when each of them is; the moment the rule
    was switched on is the same for every customer, so it is compared here, not in SQL.
    """
    in_force = rules["in_force_since"]
    parts = []
    for days_key, column in (
        ("no_followup_days", Customer.last_followup_at),
        ("no_deal_days", None),
    ):
        if rules[days_key] <= 0:
            continue
        last = horizon - timedelta(days=rules[days_key])
        _start, cutoff = local_day_bounds(last, last)
        if in_force is not None and in_force >= cutoff:
            continue  # switched on too recently for anyone to have been idle that long
        activity = (
            _idle_before(column, cutoff)
            if column is not None
            else or_(Customer.last_deal_on.is_(None), Customer.last_deal_on <= last)
        )
        parts.append(
            and_(
                activity,
                _idle_before(Customer.owned_since, cutoff),
                _idle_before(Customer.created_at, cutoff),
            )
        )
    return or_(false(), *parts)


def _candidates(
    session: Session, rules: dict[str, Any], horizon: date, scope: ColumnElement[bool]
) -> list[PoolCandidate]:
    """Private, current customers the rule returns on or before `horizon`, soonest first."""
    if not rules["enabled"] or not (rules["no_followup_days"] or rules["no_deal_days"]):
        return []
    query = (
        select(
            Customer.id,
            Customer.name,
            Customer.owner_id,
            Operator.name.label("owner_name"),
            Customer.last_followup_at,
            Customer.owned_since,
            Customer.created_at,
            Customer.last_deal_on,
        )
        .outerjoin(Operator, Operator.id == Customer.owner_id)
        .where(
            Customer.archived.is_(False),
            Customer.pool_status == PoolStatus.PRIVATE,
            scope,
            _prefilter(rules, horizon),
        )
    )
    found = (_candidate(row, rules) for row in session.execute(query))
    due = [c for c in found if c is not None and c.returns_on <= horizon]
    return sorted(due, key=lambda c: (c.returns_on, c.name, c.customer_id))


def due_to_return(
    db: Database, actor: Actor, *, within_days: int | None = None, own_only: bool = False
) -> list[PoolCandidate]:
    """Customers in the actor's scope (`own_only`: the actor's own) that return to the pool
    within the given days (default: the rule's warning days), including those already due; []
    while the rule is off."""
    with db.read() as session:
        operator = require(session, actor, "customers.view")
        rules = _rules_of(_rules_row(session))
        days = rules["warn_days"] if within_days is None else max(within_days, 0)
        horizon = local_today(db.clock) + timedelta(days=days)
        scope = (
            Customer.owner_id == operator.id
            if own_only
            else owner_scope(session, operator, Customer.owner_id)
        )
        return _candidates(session, rules, horizon, scope)


def run_rules(db: Database, actor: Actor, *, dry_run: bool = False) -> RuleRun:
    """Apply the firm's rule to every customer: due ones go to the pool, soon-due ones are listed.

    Any operator who may view customers may run it (it is the firm's rule, not a personal
    action; every PC applies it at login); a dry run only reports what would happen. The rule is
    first evaluated in a read, so the shared file's write lock is taken only when someone is due.
    """
    with db.read() as session:
        require(session, actor, "customers.view")
        run = _evaluate(session, local_today(db.clock))
    if dry_run or not run.returned:
        return run
    with db.write(actor) as uow:
        require(uow.session, actor, "customers.view")
        run = _evaluate(uow.session, local_today(uow.clock))  # again: another PC may have run it
        now = uow.clock.now()
        for candidate in run.returned:
            customer = uow.session.get(Customer, candidate.customer_id)
            records.apply_changes(
                uow,
                customer,
                _public(now),
                expected_version=customer.version,
                entity="customer",
                action="customer.returned_to_pool",
            )
        if run.returned:
            uow.touched("customers")
        return run


def _evaluate(session: Session, today: date) -> RuleRun:
    rules = _rules_of(_rules_row(session))
    horizon = today + timedelta(days=rules["warn_days"])
    due = _candidates(session, rules, horizon, true())
    return RuleRun(
        returned=[c for c in due if c.returns_on <= today],
        warned=[c for c in due if c.returns_on > today],
    )


# --- ownership -----------------------------------------------------------------------------------


def _public(now: datetime) -> dict[str, Any]:
    return {
        "owner_id": None,
        "pool_status": PoolStatus.PUBLIC,
        "pool_since": now,
        "owned_since": None,
    }


def _owned_by(operator_id: int, now: datetime) -> dict[str, Any]:
    return {
        "owner_id": operator_id,
        "pool_status": PoolStatus.PRIVATE,
        "owned_since": now,
        "pool_since": None,
    }


def _private_count(session: Session, operator_id: int) -> int:
    query = select(func.count()).where(
        Customer.owner_id == operator_id,
        Customer.pool_status == PoolStatus.PRIVATE,
        Customer.archived.is_(False),
    )
    return session.scalar(query) or 0


def _check_limit(session: Session, owner: Operator, adding: int, *, is_actor: bool) -> None:
    """Refuse when `owner` would hold more private customers than the rule allows."""
    limit = _rules_of(_rules_row(session))["max_private_customers"]
    if not limit or adding <= 0:
        return
    held = _private_count(session, owner.id)
    if held + adding <= limit:
        return
    if held >= limit:
        message = (
            _("You already hold {held} private customers; the limit is {limit}.")
            if is_actor
            else _("{name} already holds {held} private customers; the limit is {limit}.")
        )
    else:
        message = (
            _("You hold {held} private customers; {count} more would exceed the limit of {limit}.")
            if is_actor
            else _(
                "{name} holds {held} private customers; {count} more would exceed the limit of "
                "{limit}."
            )
        )
    raise ValidationError(message.format(name=owner.name, held=held, limit=limit, count=adding))


def _unique(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def _load_current(uow: UnitOfWork, operator: Operator, customer_id: int) -> Customer:
    customer = load_visible(uow, operator, customer_id)
    if customer.archived:
        raise ValidationError(
            _("“{name}” is archived; restore it first.").format(name=customer.name)
        )
    return customer


def _move(uow: UnitOfWork, customer: Customer, values: dict[str, Any], action: str) -> None:
    records.apply_changes(
        uow, customer, values, expected_version=customer.version, entity="customer", action=action
    )


def claim(db: Database, actor: Actor, customer_ids: Iterable[int]) -> int:
    """Take customers from the public pool; all or none (one not in the pool refuses them all)."""
    ids = _unique(customer_ids)
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "customers.pool")
        chosen = [_load_current(uow, operator, cid) for cid in ids]
        for customer in chosen:
            if customer.pool_status != PoolStatus.PUBLIC:
                raise ValidationError(
                    _("“{name}” is not in the public pool.").format(name=customer.name)
                )
        _check_limit(uow.session, operator, len(chosen), is_actor=True)
        now = uow.clock.now()
        for customer in chosen:
            _move(uow, customer, _owned_by(operator.id, now), "customer.claim")
        uow.touched("customers")
        return len(chosen)


def release(db: Database, actor: Actor, customer_ids: Iterable[int]) -> int:
    """Give private customers (within the actor's scope) back to the public pool."""
    ids = _unique(customer_ids)
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "customers.pool")
        chosen = [_load_current(uow, operator, cid) for cid in ids]
        for customer in chosen:
            if customer.pool_status != PoolStatus.PRIVATE:
                raise ValidationError(
                    _("“{name}” is already in the public pool.").format(name=customer.name)
                )
        now = uow.clock.now()
        for customer in chosen:
            _move(uow, customer, _public(now), "customer.release")
        uow.touched("customers")
        return len(chosen)


def _target(session: Session, operator: Operator, target_id: int) -> Operator:
    """An active colleague within the actor's scope who may work with customers."""
    target = session.get(Operator, target_id)
    if target is None or not target.active:
        raise ValidationError(_("Choose an active operator to take over the customers."))
    require_in_scope(session, operator, target.id)
    if "customers.view" not in target.role.permission_names:
        raise ValidationError(
            _("{name} may not work with customers (the role lacks “View customers”).").format(
                name=target.name
            )
        )
    return target


def transfer(db: Database, actor: Actor, customer_ids: Iterable[int], to_operator_id: int) -> int:
    """Give customers to another salesperson; returns how many changed owner."""
    ids = _unique(customer_ids)
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "customers.transfer")
        target = _target(uow.session, operator, to_operator_id)
        chosen = [_load_current(uow, operator, cid) for cid in ids]
        moving = [
            c for c in chosen if c.owner_id != target.id or c.pool_status != PoolStatus.PRIVATE
        ]
        _check_limit(uow.session, target, len(moving), is_actor=target.id == operator.id)
        now = uow.clock.now()
        for customer in moving:
            _move(uow, customer, _owned_by(target.id, now), "customer.transfer")
        if moving:
            uow.touched("customers")
        return len(moving)


def handover(
    db: Database, actor: Actor, from_operator_id: int, to_operator_id: int
) -> HandoverResult:
    """Move everything a departing salesperson holds to a colleague, in one transaction.

    Their customers (archived ones too: the customer stays with the firm), open opportunities and
    the open (latest, planning) follow-up on each of those customers move; other follow-ups keep
    their author, who really made the visit (the audit keeps the original author of moved ones).
    The private-customer limit does not apply: a handover must never leave customers behind.
    """
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "customers.transfer")
        source = uow.session.get(Operator, from_operator_id)
        if source is None:
            raise ValidationError(_("Choose the operator whose customers are handed over."))
        require_in_scope(uow.session, operator, source.id)
        target = _target(uow.session, operator, to_operator_id)
        if target.id == source.id:
            raise ValidationError(_("Hand the customers over to a different operator."))
        moved = _move_customers(uow, source.id, target.id)
        result = HandoverResult(
            customers=len(moved),
            opportunities=_move_opportunities(uow, source.id, target.id),
            followups=_move_followups(uow, source.id, target.id, moved),
        )
        uow.audit(
            "customer.handover",
            "operator",
            source.id,
            {"owner_id": (source.id, target.id)},
            summary=_(
                "{source} → {target}: {customers} customers, {opportunities} opportunities, "
                "{followups} follow-ups"
            ).format(source=source.name, target=target.name, **result._asdict()),
        )
        uow.touched("customers", "opportunities", "followups")
        return result


def _move_customers(uow: UnitOfWork, source_id: int, target_id: int) -> list[int]:
    now = uow.clock.now()
    owned = list(uow.session.scalars(select(Customer).where(Customer.owner_id == source_id)))
    for customer in owned:
        values = _owned_by(target_id, now)
        if customer.pool_status == PoolStatus.PUBLIC:  # inconsistent row: keep it in the pool
            values = {"owner_id": None}
        _move(uow, customer, values, "customer.transfer")
    return [customer.id for customer in owned]


def _move_opportunities(uow: UnitOfWork, source_id: int, target_id: int) -> int:
    open_ones = list(
        uow.session.scalars(
            select(Opportunity).where(
                Opportunity.owner_id == source_id,
                Opportunity.status.not_in([OpportunityStatus.WON, OpportunityStatus.LOST]),
            )
        )
    )
    return _reassign(uow, open_ones, "owner_id", target_id, "opportunity")


def _move_followups(
    uow: UnitOfWork, source_id: int, target_id: int, customer_ids: list[int]
) -> int:
    planned = [
        followup
        for chunk in range(0, len(customer_ids), 500)  # stay under SQL parameter limits
        for followup in uow.session.scalars(
            select(FollowUp).where(
                FollowUp.operator_id == source_id,
                FollowUp.done.is_(False),
                FollowUp.customer_id.in_(customer_ids[chunk : chunk + 500]),
            )
        )
    ]
    return _reassign(uow, planned, "operator_id", target_id, "followup")


def _reassign(uow: UnitOfWork, rows: list[Any], field: str, target_id: int, entity: str) -> int:
    """Give each record to `target_id`, audited as "<entity>.transfer"; how many moved."""
    for row in rows:
        records.apply_changes(
            uow,
            row,
            {field: target_id},
            expected_version=row.version,
            entity=entity,
            action=f"{entity}.transfer",
        )
    return len(rows)


def assignable_operators(
    db: Database, actor: Actor, *, include_inactive: bool = False
) -> list[tuple[int, str]]:
    """(id, name) of active operators in the actor's scope who may work with customers;
    `include_inactive` adds disabled accounts (a handover is often done after someone left)."""
    with db.read() as session:
        operator = current_operator(session, actor)
        query = (
            select(Operator.id, Operator.name)
            .join(Role, Role.id == Operator.role_id)
            .join(RolePermission, RolePermission.role_id == Role.id)
            .where(
                true() if include_inactive else Operator.active.is_(True),
                RolePermission.permission == "customers.view",
                owner_scope(session, operator, Operator.id),
            )
            .order_by(Operator.name, Operator.id)
        )
        return [(row.id, row.name) for row in session.execute(query)]
