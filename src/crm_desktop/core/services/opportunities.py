"""Opportunities: deals in the making, moved through the firm's own stages until won or lost.

Stages are the OPPORTUNITY_STAGE base-data list (the firm names and orders them); whether a deal
was won or lost is its status, not a stage, so the board and the funnel show the stages a deal
passes through and the outcome separately. Data scope is by the opportunity's owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database, UnitOfWork
from crm_desktop.core.errors import NotFound, ValidationError
from crm_desktop.core.i18n import N_, NC_, _, translated
from crm_desktop.core.models import (
    BaseDataItem,
    BaseDataKind,
    Customer,
    Operator,
    Opportunity,
    OpportunityStatus,
)
from crm_desktop.core.money import ZERO, to_money
from crm_desktop.core.services import customers, records
from crm_desktop.core.services.access import owner_scope, require, require_in_scope
from crm_desktop.core.services.listing import equal_to, text_or_customer
from crm_desktop.core.services.sales_common import keep_or_check_owner

FIELDS = (
    "customer_id",
    "owner_id",
    "name",
    "stage_id",
    "expected_amount",
    "expected_close_on",
    "probability",
    "remarks",
)
DETAIL_FIELDS = (*FIELDS, "status", "lost_reason")

OPPORTUNITY_STATUS_LABELS: dict[str, str] = {
    OpportunityStatus.OPEN: NC_("opportunity status", "Open"),
    OpportunityStatus.WON: N_("Won"),
    OpportunityStatus.LOST: N_("Lost"),
}


@dataclass(frozen=True)
class OpportunityFilter:
    """What the board or list shows; `status=None` shows open, won and lost alike."""

    search: str = ""
    owner_id: int | None = None
    stage_id: int | None = None
    status: str | None = OpportunityStatus.OPEN
    customer_id: int | None = None


class OpportunityRow(NamedTuple):
    id: int
    name: str
    customer_id: int
    customer_name: str
    owner_id: int
    owner_name: str
    stage_id: int | None
    stage_name: str | None
    status: str
    expected_amount: Decimal | None
    expected_close_on: date | None
    probability: int | None
    version: int


class FunnelStage(NamedTuple):
    """Open opportunities in one stage; the last two rows are the won and the lost ones."""

    stage_id: int | None
    name: str
    count: int
    amount: Decimal


_STAGE = aliased(BaseDataItem)


def stage_rows(session: Session, *, keep: set[int] | None = None) -> list[tuple[int, str]]:
    """Active stages in order, plus the inactive ones in `keep` (switched off but still used)."""
    query = (
        select(BaseDataItem.id, BaseDataItem.name, BaseDataItem.active)
        .where(BaseDataItem.kind == BaseDataKind.OPPORTUNITY_STAGE)
        .order_by(BaseDataItem.sort_order, BaseDataItem.code, BaseDataItem.id)
    )
    return [
        (stage_id, translated(name))
        for stage_id, name, active in session.execute(query)
        if active or stage_id in (keep or ())
    ]


def stages(db: Database, actor: Actor) -> list[tuple[int, str]]:
    """The active stages in the firm's order: the board's columns and the funnel's rows."""
    with db.read() as session:
        require(session, actor, "opportunities.view")
        return stage_rows(session)


# --- listing -----------------------------------------------------------------------------------


def _conditions(
    session: Session, operator: Operator, wanted: OpportunityFilter, *, with_status: bool = True
) -> list[ColumnElement[bool]]:
    names = ("owner_id", "customer_id", *(("stage_id", "status") if with_status else ()))
    where: list[ColumnElement[bool]] = [
        owner_scope(session, operator, Opportunity.owner_id),
        *equal_to(Opportunity, wanted, names),
    ]
    text = wanted.search.strip()
    if text:
        where.append(text_or_customer(text, Opportunity.customer_id, Opportunity.name))
    return where


def list_opportunities(
    db: Database,
    actor: Actor,
    wanted: OpportunityFilter | None = None,
    *,
    limit: int = 500,
    offset: int = 0,
) -> list[OpportunityRow]:
    """Visible opportunities in board order: by stage, then the soonest expected close."""
    with db.read() as session:
        operator = require(session, actor, "opportunities.view")
        where = _conditions(session, operator, wanted or OpportunityFilter())
        query = (
            select(
                Opportunity.id,
                Opportunity.name,
                Opportunity.customer_id,
                Customer.name,
                Opportunity.owner_id,
                Operator.name,
                Opportunity.stage_id,
                _STAGE.name,
                Opportunity.status,
                Opportunity.expected_amount,
                Opportunity.expected_close_on,
                Opportunity.probability,
                Opportunity.version,
            )
            .join(Customer, Customer.id == Opportunity.customer_id)
            .join(Operator, Operator.id == Opportunity.owner_id)
            .outerjoin(_STAGE, _STAGE.id == Opportunity.stage_id)
            .where(*where)
            .order_by(
                _STAGE.sort_order.asc().nulls_first(),
                Opportunity.expected_close_on.asc().nulls_last(),
                Opportunity.id,
            )
            .limit(limit)
            .offset(offset)
        )
        return [
            OpportunityRow(*row[:7], translated(row[7]) if row[7] else None, *row[8:])
            for row in session.execute(query)
        ]


def funnel(
    db: Database, actor: Actor, wanted: OpportunityFilter | None = None
) -> list[FunnelStage]:
    """Count and expected amount of open opportunities per stage (every active stage, also
    empty ones, in order), then the won and the lost ones. Sums are integer cents in SQL.

    The filter's owner, customer and search narrow it; its stage and status do not apply.
    """
    with db.read() as session:
        operator = require(session, actor, "opportunities.view")
        where = _conditions(session, operator, wanted or OpportunityFilter(), with_status=False)
        query = (
            select(
                Opportunity.status,
                Opportunity.stage_id,
                func.count(Opportunity.id),
                func.sum(Opportunity.expected_amount),
            )
            .where(*where)
            .group_by(Opportunity.status, Opportunity.stage_id)
        )
        totals: dict[tuple[str, int | None], tuple[int, Decimal]] = {
            (status, stage_id): (count, amount or ZERO)
            for status, stage_id, count, amount in session.execute(query)
        }
        return _funnel_rows(session, totals)


def _funnel_rows(
    session: Session, totals: dict[tuple[str, int | None], tuple[int, Decimal]]
) -> list[FunnelStage]:
    open_ = OpportunityStatus.OPEN
    # A stage switched off after deals entered it still shows while it holds open deals.
    held = {stage_id for status, stage_id in totals if status == open_ and stage_id is not None}
    shown = stage_rows(session, keep=held)
    rows = []
    if (open_, None) in totals:
        rows.append(FunnelStage(None, _("No stage"), *totals[(open_, None)]))
    rows += [FunnelStage(i, name, *totals.get((open_, i), (0, ZERO))) for i, name in shown]
    for status in (OpportunityStatus.WON, OpportunityStatus.LOST):
        count, amount = 0, ZERO
        for (row_status, _stage), (part_count, part_amount) in totals.items():
            if row_status == status:
                count, amount = count + part_count, amount + part_amount
        rows.append(FunnelStage(None, _(OPPORTUNITY_STATUS_LABELS[status]), count, amount))
    return rows


# --- one opportunity ---------------------------------------------------------------------------


def _load_visible(session: Session, operator: Operator, opp_id: int) -> Opportunity:
    opportunity = session.get(Opportunity, opp_id)
    if opportunity is None:
        raise NotFound(_("Opportunity #{id} does not exist.").format(id=opp_id))
    require_in_scope(session, operator, opportunity.owner_id)
    return opportunity


def get_opportunity(db: Database, actor: Actor, opp_id: int) -> dict[str, Any]:
    """Every field plus the names the detail form shows."""
    with db.read() as session:
        operator = require(session, actor, "opportunities.view")
        opportunity = _load_visible(session, operator, opp_id)
        row = records.as_dict(opportunity, DETAIL_FIELDS)
        stage = session.get(BaseDataItem, opportunity.stage_id) if opportunity.stage_id else None
        row.update(
            customer_name=session.get(Customer, opportunity.customer_id).name,
            owner_name=session.get(Operator, opportunity.owner_id).name,
            stage_name=translated(stage.name) if stage else None,
        )
        return row


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    clean = {key: value for key, value in values.items() if key in FIELDS}
    records.required_text(clean, "name")
    if "customer_id" in clean and clean["customer_id"] is None:
        raise ValidationError(_("Choose a customer."))
    if "expected_amount" in clean:
        amount = to_money(clean["expected_amount"])
        if amount is not None and amount < 0:
            raise ValidationError(_("The expected amount must not be negative."))
        clean["expected_amount"] = amount
    probability = clean.get("probability")
    if probability is not None and not 0 <= int(probability) <= 100:
        raise ValidationError(_("The probability must be between 0 and 100 %."))
    if "remarks" in clean:
        clean["remarks"] = (clean["remarks"] or "").strip() or None
    return clean


def _check_stage(session: Session, stage_id: int | None) -> None:
    if stage_id is None:
        return
    stage = session.get(BaseDataItem, stage_id)
    if stage is None or stage.kind != BaseDataKind.OPPORTUNITY_STAGE:
        raise ValidationError(_("Choose a stage from the opportunity stages list."))


def save_opportunity(
    db: Database, actor: Actor, opp_id: int | None, version: int | None, values: dict[str, Any]
) -> int:
    """Create (opp_id None) or update an opportunity; won/lost go through `close_opportunity`.

    The customer must be visible and the owner (default: the actor) within the actor's scope.
    A new opportunity without a stage starts in the first one.
    """
    clean = _clean(values)
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "opportunities.edit")
        session = uow.session
        if "stage_id" in clean:
            _check_stage(session, clean["stage_id"])
        if opp_id is None:
            opportunity = _create(uow, operator, clean)
        else:
            opportunity = _load_visible(session, operator, opp_id)
            if clean.get("customer_id", opportunity.customer_id) != opportunity.customer_id:
                customers.load_visible(session, operator, clean["customer_id"])
            keep_or_check_owner(session, operator, clean, opportunity, "owner_id")
            records.apply_changes(
                uow, opportunity, clean, expected_version=version or 0, entity="opportunity"
            )
        uow.touched("opportunities")
        return opportunity.id


def _create(uow: UnitOfWork, operator: Operator, clean: dict[str, Any]) -> Opportunity:
    if "customer_id" not in clean:
        raise ValidationError(_("Choose a customer."))
    customers.load_visible(uow.session, operator, clean["customer_id"])
    if "name" not in clean:
        raise ValidationError(_("“{field}” must not be empty.").format(field=_("Name")))
    clean["owner_id"] = clean.get("owner_id") or operator.id
    require_in_scope(uow.session, operator, clean["owner_id"])
    if clean.get("stage_id") is None:
        first = stage_rows(uow.session)
        clean["stage_id"] = first[0][0] if first else None
    clean["status"] = OpportunityStatus.OPEN
    return records.create(uow, Opportunity, clean, entity="opportunity")


def move_to_stage(db: Database, actor: Actor, opp_id: int, version: int, stage_id: int) -> None:
    """Put the opportunity in another stage (a drag on the board).

    Moving a won or lost opportunity back into a stage reopens it: the deal is alive again.
    """
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "opportunities.edit")
        opportunity = _load_visible(uow.session, operator, opp_id)
        _check_stage(uow.session, stage_id)
        changes: dict[str, Any] = {"stage_id": stage_id}
        if opportunity.status != OpportunityStatus.OPEN:
            changes.update(status=OpportunityStatus.OPEN, lost_reason=None)
        records.apply_changes(
            uow,
            opportunity,
            changes,
            expected_version=version,
            entity="opportunity",
            action="opportunity.stage",
        )
        uow.touched("opportunities")


def close_opportunity(
    db: Database,
    actor: Actor,
    opp_id: int,
    version: int,
    won: bool,
    lost_reason: str | None = None,
) -> None:
    """Mark the deal won (probability 100 %) or lost (0 %, with the reason when given)."""
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "opportunities.edit")
        opportunity = _load_visible(uow.session, operator, opp_id)
        changes = {
            "status": OpportunityStatus.WON if won else OpportunityStatus.LOST,
            "probability": 100 if won else 0,
            "lost_reason": None if won else ((lost_reason or "").strip() or None),
        }
        records.apply_changes(
            uow,
            opportunity,
            changes,
            expected_version=version,
            entity="opportunity",
            action="opportunity.won" if won else "opportunity.lost",
        )
        uow.touched("opportunities")
