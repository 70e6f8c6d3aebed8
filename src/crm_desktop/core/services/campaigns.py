"""Marketing campaigns (市场活动) and what they brought in: leads, customers, sales.

Every holder of `campaigns.view` sees every campaign (a campaign is the firm's, not a person's),
but the FIGURES follow the operator's data scope: a salesperson counts only their own leads and
customers and those customers' sales, a manager the team's, the boss everything.

The figures of a campaign:
- leads: the leads that name the campaign (archived ones too), by status, under the lead owner's
  scope;
- converted customers: customers that name the campaign, plus customers converted from the
  campaign's leads (one customer counts once), under the customer owner's scope;
- won amount: the sales of those customers, as the statistics define sales (order lines before
  tax of confirmed, delivered and closed orders), counting only orders dated on or after the
  campaign's start: an existing customer later linked to a campaign does not credit it with
  what they bought before it (no start date: every order counts);
- won customers: the converted customers with such a sale;
- cost per won customer: actual cost / won customers (None when nobody has bought or no cost
  is known); ROI: (won amount - actual cost) / actual cost (None without a cost).

The cost is the campaign's whole cost, so for an operator who sees only part of the customers,
cost per won customer and ROI describe their part against the whole cost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import BigInteger, Select, func, or_, select, union
from sqlalchemy.orm import Session

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database
from crm_desktop.core.errors import NotFound, ValidationError
from crm_desktop.core.i18n import N_, _
from crm_desktop.core.models import (
    Campaign,
    CampaignKind,
    Customer,
    Lead,
    LeadStatus,
    Operator,
    OrderLine,
    SalesOrder,
)
from crm_desktop.core.money import CENT, ZERO, from_cents, to_money
from crm_desktop.core.reports.tables import SALES_STATUSES
from crm_desktop.core.services import records
from crm_desktop.core.services.access import owner_scope, require

FIELDS = (
    "name",
    "kind",
    "starts_on",
    "ends_on",
    "budget",
    "actual_cost",
    "owner_id",
    "description",
)
DETAIL_FIELDS = (*FIELDS, "archived")

CAMPAIGN_KIND_LABELS: dict[str, str] = {
    CampaignKind.EXHIBITION: N_("Exhibition"),
    CampaignKind.SEMINAR: N_("Seminar"),
    CampaignKind.ONLINE: N_("Online promotion"),
    CampaignKind.MAILING: N_("Mail / SMS"),
    CampaignKind.TELEMARKETING: N_("Telemarketing"),
    CampaignKind.OTHER: N_("Other"),
}
RATIO = Decimal("0.0001")


@dataclass(frozen=True)
class CampaignFigures:
    """What one campaign brought in, as far as the operator may see."""

    campaign_id: int
    leads: int = 0
    leads_by_status: dict[str, int] = field(default_factory=dict)
    converted: int = 0  # customers that came from the campaign
    won_customers: int = 0  # of those, customers with a sale since the start
    won_amount: Decimal = ZERO
    budget: Decimal | None = None
    actual_cost: Decimal | None = None
    cost_per_won_customer: Decimal | None = None
    roi: Decimal | None = None  # 0.5 is +50 %


class CampaignRow(NamedTuple):
    id: int
    name: str
    kind: str
    starts_on: date | None
    ends_on: date | None
    budget: Decimal | None
    actual_cost: Decimal | None
    owner_id: int | None
    owner_name: str | None
    archived: bool
    version: int
    leads: int
    converted: int
    won_customers: int
    won_amount: Decimal
    cost_per_won_customer: Decimal | None
    roi: Decimal | None


def kind_label(kind: str) -> str:
    return _(CAMPAIGN_KIND_LABELS.get(kind, kind))


# --- figures -----------------------------------------------------------------------------------


def _campaign_customers(ids: Sequence[int]) -> Any:
    """(campaign_id, customer_id) pairs: customers naming the campaign, and customers converted
    from its leads; UNION, so a customer counts once per campaign."""
    named = select(Customer.campaign_id.label("campaign_id"), Customer.id.label("customer_id"))
    named = named.where(Customer.campaign_id.in_(ids))
    converted = select(Lead.campaign_id, Lead.customer_id).where(
        Lead.campaign_id.in_(ids), Lead.customer_id.is_not(None)
    )
    return union(named, converted).subquery("campaign_customers")


def _won_query(session: Session, operator: Operator, ids: Sequence[int]) -> Select[Any]:
    """Per campaign and customer in scope: the sales in cents since the campaign's start."""
    pairs = _campaign_customers(ids)
    return (
        select(
            pairs.c.campaign_id, pairs.c.customer_id, func.sum(OrderLine.amount, type_=BigInteger)
        )
        .select_from(pairs)
        .join(Customer, Customer.id == pairs.c.customer_id)
        .join(Campaign, Campaign.id == pairs.c.campaign_id)
        .join(SalesOrder, SalesOrder.customer_id == pairs.c.customer_id)
        .join(OrderLine, OrderLine.order_id == SalesOrder.id)
        .where(
            owner_scope(session, operator, Customer.owner_id),
            SalesOrder.status.in_(SALES_STATUSES),
            or_(Campaign.starts_on.is_(None), SalesOrder.order_date >= Campaign.starts_on),
        )
        .group_by(pairs.c.campaign_id, pairs.c.customer_id)
    )


def figures_of(
    session: Session, operator: Operator, campaigns: Iterable[Campaign]
) -> dict[int, CampaignFigures]:
    """The figures of several campaigns in three aggregate queries, within an open session
    (the campaigns list and the campaign results analysis)."""
    by_id = {campaign.id: campaign for campaign in campaigns}
    ids = list(by_id)
    if not ids:
        return {}
    statuses: dict[int, dict[str, int]] = defaultdict(dict)
    lead_rows = session.execute(
        select(Lead.campaign_id, Lead.status, func.count(Lead.id))
        .where(Lead.campaign_id.in_(ids), owner_scope(session, operator, Lead.owner_id))
        .group_by(Lead.campaign_id, Lead.status)
    )
    for campaign_id, status, count in lead_rows:
        statuses[campaign_id][status] = count
    pairs = _campaign_customers(ids)
    converted = dict(
        session.execute(
            select(pairs.c.campaign_id, func.count())
            .select_from(pairs)
            .join(Customer, Customer.id == pairs.c.customer_id)
            .where(owner_scope(session, operator, Customer.owner_id))
            .group_by(pairs.c.campaign_id)
        ).all()
    )
    won: dict[int, list[int]] = defaultdict(list)
    for campaign_id, _customer_id, cents in session.execute(_won_query(session, operator, ids)):
        won[campaign_id].append(int(cents or 0))
    return {
        campaign_id: _make_figures(
            campaign, statuses.get(campaign_id, {}), converted.get(campaign_id, 0), won[campaign_id]
        )
        for campaign_id, campaign in by_id.items()
    }


def _make_figures(
    campaign: Campaign, statuses: dict[str, int], converted: int, won_cents: list[int]
) -> CampaignFigures:
    won_amount = from_cents(sum(won_cents))
    buyers = len(won_cents)
    cost = campaign.actual_cost
    return CampaignFigures(
        campaign_id=campaign.id,
        leads=sum(statuses.values()),
        leads_by_status={status: statuses.get(status, 0) for status in LeadStatus},
        converted=converted,
        won_customers=buyers,
        won_amount=won_amount,
        budget=campaign.budget,
        actual_cost=cost,
        cost_per_won_customer=(cost / buyers).quantize(CENT)
        if cost is not None and buyers
        else None,
        roi=((won_amount - cost) / cost).quantize(RATIO) if cost else None,
    )


def campaign_figures(db: Database, actor: Actor, campaign_id: int) -> CampaignFigures:
    """One campaign's figures under the operator's data scope."""
    with db.read() as session:
        operator = require(session, actor, "campaigns.view")
        campaign = _load(session, campaign_id)
        return figures_of(session, operator, [campaign])[campaign_id]


# --- listing -----------------------------------------------------------------------------------


def _load(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(_("Campaign #{id} does not exist.").format(id=campaign_id))
    return campaign


def list_campaigns(
    db: Database, actor: Actor, *, include_archived: bool = False, search: str = ""
) -> list[CampaignRow]:
    """Every campaign (newest start first) with its figures under the operator's scope."""
    with db.read() as session:
        operator = require(session, actor, "campaigns.view")
        query = select(Campaign).order_by(
            Campaign.starts_on.is_(None), Campaign.starts_on.desc(), Campaign.id.desc()
        )
        if not include_archived:
            query = query.where(Campaign.archived.is_(False))
        if search.strip():
            query = query.where(Campaign.name.contains(search.strip(), autoescape=True))
        campaigns = list(session.scalars(query))
        figures = figures_of(session, operator, campaigns)
        owners = _owner_names(session, {c.owner_id for c in campaigns if c.owner_id})
        return [_row(c, figures[c.id], owners.get(c.owner_id)) for c in campaigns]


def _owner_names(session: Session, ids: set[int]) -> dict[int | None, str]:
    if not ids:
        return {}
    rows = session.execute(select(Operator.id, Operator.name).where(Operator.id.in_(ids)))
    return {row[0]: row[1] for row in rows}


def _row(campaign: Campaign, figures: CampaignFigures, owner_name: str | None) -> CampaignRow:
    return CampaignRow(
        id=campaign.id,
        name=campaign.name,
        kind=campaign.kind,
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        budget=campaign.budget,
        actual_cost=campaign.actual_cost,
        owner_id=campaign.owner_id,
        owner_name=owner_name,
        archived=campaign.archived,
        version=campaign.version,
        leads=figures.leads,
        converted=figures.converted,
        won_customers=figures.won_customers,
        won_amount=figures.won_amount,
        cost_per_won_customer=figures.cost_per_won_customer,
        roi=figures.roi,
    )


def campaign_choices(
    db: Database, actor: Actor, *, keep: int | None = None
) -> list[tuple[int, str]]:
    """(id, name) of the campaigns a customer or lead may name: the active ones, plus `keep`
    (the one already named, even if archived since)."""
    with db.read() as session:
        require(session, actor, "campaigns.view")
        query = select(Campaign.id, Campaign.name).order_by(Campaign.name, Campaign.id)
        rows = session.execute(
            query.where(or_(Campaign.archived.is_(False), Campaign.id == (keep or 0)))
        )
        return [(row.id, row.name) for row in rows]


def get_campaign(db: Database, actor: Actor, campaign_id: int) -> dict[str, Any]:
    """Every field plus the owner's name."""
    with db.read() as session:
        require(session, actor, "campaigns.view")
        campaign = _load(session, campaign_id)
        row = records.as_dict(campaign, DETAIL_FIELDS)
        owner = session.get(Operator, campaign.owner_id) if campaign.owner_id else None
        row["owner_name"] = owner.name if owner else None
        return row


class CampaignLead(NamedTuple):
    id: int
    name: str
    company: str | None
    phone: str | None
    status: str
    owner_name: str | None


class CampaignCustomer(NamedTuple):
    id: int
    name: str
    owner_name: str | None
    won_amount: Decimal


def campaign_leads(db: Database, actor: Actor, campaign_id: int) -> list[CampaignLead]:
    """The campaign's leads under the operator's scope, newest first."""
    with db.read() as session:
        operator = require(session, actor, "campaigns.view")
        _load(session, campaign_id)
        rows = session.execute(
            select(Lead.id, Lead.name, Lead.company, Lead.phone, Lead.status, Operator.name)
            .outerjoin(Operator, Operator.id == Lead.owner_id)
            .where(Lead.campaign_id == campaign_id, owner_scope(session, operator, Lead.owner_id))
            .order_by(Lead.id.desc())
        )
        return [CampaignLead(*row) for row in rows]


def campaign_customers(db: Database, actor: Actor, campaign_id: int) -> list[CampaignCustomer]:
    """The customers that came from the campaign (in scope), with their sales since its start;
    largest first."""
    with db.read() as session:
        operator = require(session, actor, "campaigns.view")
        _load(session, campaign_id)
        pairs = _campaign_customers([campaign_id])
        rows = session.execute(
            select(Customer.id, Customer.name, Operator.name)
            .select_from(pairs)
            .join(Customer, Customer.id == pairs.c.customer_id)
            .outerjoin(Operator, Operator.id == Customer.owner_id)
            .where(owner_scope(session, operator, Customer.owner_id))
        ).all()
        won = {
            customer_id: from_cents(int(cents or 0))
            for _c, customer_id, cents in session.execute(
                _won_query(session, operator, [campaign_id])
            )
        }
        found = [
            CampaignCustomer(cid, name, owner, won.get(cid, ZERO)) for cid, name, owner in rows
        ]
        return sorted(found, key=lambda row: (-row.won_amount, row.id))


# --- writing -----------------------------------------------------------------------------------


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    clean = {key: value for key, value in values.items() if key in FIELDS}
    records.required_text(clean, "name")
    if "kind" in clean:
        clean["kind"] = clean["kind"] or CampaignKind.OTHER
        if clean["kind"] not in set(CampaignKind):
            raise ValidationError(_("Unknown campaign type."))
    for key, label in (("budget", N_("Budget")), ("actual_cost", N_("Actual cost"))):
        if key in clean:
            amount = to_money(clean[key]) if clean[key] not in (None, "") else None
            if amount is not None and amount < 0:
                raise ValidationError(_("“{field}” must not be negative.").format(field=_(label)))
            clean[key] = amount
    if "description" in clean:
        clean["description"] = (clean["description"] or "").strip() or None
    return clean


def _check_dates(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError(_("The campaign ends before it starts."))


def save_campaign(
    db: Database,
    actor: Actor,
    campaign_id: int | None,
    version: int | None,
    values: dict[str, Any],
) -> int:
    """Create (campaign_id None) or update a campaign; needs `campaigns.edit`."""
    clean = _clean(values)
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "campaigns.edit")
        owner_id = clean.get("owner_id")
        if owner_id is not None and uow.session.get(Operator, owner_id) is None:
            raise ValidationError(_("Choose an owner from the list of operators."))
        if campaign_id is None:
            if "name" not in clean:
                raise ValidationError(_("“{field}” must not be empty.").format(field=_("Name")))
            clean.setdefault("kind", CampaignKind.OTHER)
            clean.setdefault("owner_id", operator.id)
            _check_dates(clean.get("starts_on"), clean.get("ends_on"))
            campaign = records.create(uow, Campaign, clean, entity="campaign")
        else:
            campaign = _load(uow.session, campaign_id)
            _check_dates(
                clean.get("starts_on", campaign.starts_on), clean.get("ends_on", campaign.ends_on)
            )
            records.apply_changes(
                uow, campaign, clean, expected_version=version or 0, entity="campaign"
            )
        uow.touched("campaigns")
        return campaign.id


def set_archived(db: Database, actor: Actor, campaign_id: int, archived: bool) -> None:
    """Archive a finished campaign (hidden from lists and pickers) or bring it back."""
    with db.write(actor) as uow:
        require(uow.session, actor, "campaigns.edit")
        campaign = _load(uow.session, campaign_id)
        if campaign.archived == archived:
            return
        records.apply_changes(
            uow,
            campaign,
            {"archived": archived},
            expected_version=campaign.version,
            entity="campaign",
            action="campaign.archive" if archived else "campaign.restore",
        )
        uow.touched("campaigns")


def check_campaign(session: Session, campaign_id: int | None) -> None:
    """Refuse a campaign id that does not exist (customers and leads name campaigns)."""
    if campaign_id is not None and session.get(Campaign, campaign_id) is None:
        raise ValidationError(_("Choose a campaign from the list."))
