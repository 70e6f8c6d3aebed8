"""Leads: prospects not yet customers, worked by a salesperson until converted or disqualified.

A lead belongs to its owner (default: whoever enters it); data scope is by owner, as for
customers and opportunities. The duplicate check is the customers tab's: the lead's company (or,
without one, the person's name) normalized like a customer name, and its phone digits, compared
with every customer and every other lead, so nobody chases a firm a colleague already serves.

Only a *qualified* lead converts (the issue's rule: qualify first, then convert): conversion
creates the customer, its primary contact (the person) and an open opportunity in the first
stage in one unit of work, or links the lead to an existing customer instead (`into_customer_id`),
and the lead becomes CONVERTED, read-only from then on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, aliased

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database, UnitOfWork
from crm_desktop.core.errors import NotFound, ValidationError
from crm_desktop.core.i18n import N_, NC_, _
from crm_desktop.core.models import (
    BaseDataItem,
    Campaign,
    Contact,
    Customer,
    Lead,
    LeadStatus,
    Operator,
    Opportunity,
    OpportunityStatus,
    PoolStatus,
)
from crm_desktop.core.money import to_money
from crm_desktop.core.search_keys import normalized_name, phone_digits
from crm_desktop.core.services import customers, records
from crm_desktop.core.services.access import owner_scope, require, require_in_scope
from crm_desktop.core.services.listing import equal_to
from crm_desktop.core.services.opportunities import stage_rows

ENTITY = "lead"
FIELDS = (
    "name",
    "company",
    "title",
    "phone",
    "email",
    "source_id",
    "campaign_id",
    "owner_id",
    "remarks",
)
DETAIL_FIELDS = (
    *FIELDS,
    "status",
    "converted_at",
    "customer_id",
    "contact_id",
    "opportunity_id",
    "archived",
)
_OPTIONAL_TEXT = ("company", "title", "phone", "email", "remarks")
MIN_PHONE_DIGITS = 6  # as customers.duplicates_of
CONVERSION_KINDS = ("leads", "customers", "contacts", "opportunities")  # what a conversion touches

STATUS_LABELS: dict[str, str] = {
    LeadStatus.NEW: NC_("lead status", "New"),
    LeadStatus.CONTACTED: N_("Contacted"),
    LeadStatus.QUALIFIED: N_("Qualified"),
    LeadStatus.DISQUALIFIED: N_("Disqualified"),
    LeadStatus.CONVERTED: N_("Converted"),
}
# Statuses a person sets by hand; CONVERTED only comes from convert_lead.
MANUAL_STATUSES = (
    LeadStatus.NEW,
    LeadStatus.CONTACTED,
    LeadStatus.QUALIFIED,
    LeadStatus.DISQUALIFIED,
)


def status_label(status: str) -> str:
    return _(STATUS_LABELS.get(status, status))


@dataclass(frozen=True)
class LeadFilter:
    """What the leads list shows; `status=None` shows every status but archived leads never."""

    search: str = ""
    status: str | None = None
    campaign_id: int | None = None
    owner_id: int | None = None
    archived: bool = False


class LeadRow(NamedTuple):
    id: int
    name: str
    company: str | None
    title: str | None
    phone: str | None
    email: str | None
    source_name: str | None
    campaign_id: int | None
    campaign_name: str | None
    owner_id: int | None
    owner_name: str | None
    status: str
    created_at: datetime
    customer_id: int | None
    version: int


class LeadMatch(NamedTuple):
    """Another lead that looks like the same prospect (same company/name or phone)."""

    id: int
    name: str
    company: str | None
    owner_name: str | None
    status: str
    reason: str  # "name" or "phone"


class ConversionResult(NamedTuple):
    customer_id: int
    contact_id: int | None
    opportunity_id: int | None


class DuplicateLead(ValidationError):
    """Another lead already names this prospect; `matches` lists them (LeadMatch)."""

    def __init__(self, message: str, matches: list[LeadMatch]) -> None:
        super().__init__(message)
        self.matches = matches


# --- listing ------------------------------------------------------------------------------------

_SOURCE = aliased(BaseDataItem)


def _conditions(
    session: Session, operator: Operator, wanted: LeadFilter
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        owner_scope(session, operator, Lead.owner_id),
        Lead.archived.is_(bool(wanted.archived)),
        *equal_to(Lead, wanted, ("status", "campaign_id", "owner_id")),
    ]
    text = wanted.search.strip()
    if text:
        digits = phone_digits(text)
        columns = (Lead.name, Lead.company, Lead.email, Lead.remarks)
        matches = [column.icontains(text, autoescape=True) for column in columns]
        if len(digits) >= 3 and len(digits) * 2 >= len(text):
            matches.append(Lead.phone_digits.contains(digits, autoescape=True))
        where.append(or_(*matches))
    return where


def list_leads(
    db: Database,
    actor: Actor,
    wanted: LeadFilter | None = None,
    *,
    limit: int = 500,
    offset: int = 0,
) -> list[LeadRow]:
    """Visible leads, newest first."""
    with db.read() as session:
        operator = require(session, actor, "leads.view")
        where = _conditions(session, operator, wanted or LeadFilter())
        query = (
            select(
                Lead.id,
                Lead.name,
                Lead.company,
                Lead.title,
                Lead.phone,
                Lead.email,
                _SOURCE.name,
                Lead.campaign_id,
                Campaign.name,
                Lead.owner_id,
                Operator.name,
                Lead.status,
                Lead.created_at,
                Lead.customer_id,
                Lead.version,
            )
            .outerjoin(_SOURCE, _SOURCE.id == Lead.source_id)
            .outerjoin(Campaign, Campaign.id == Lead.campaign_id)
            .outerjoin(Operator, Operator.id == Lead.owner_id)
            .where(*where)
            .order_by(Lead.created_at.desc(), Lead.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [LeadRow(*row) for row in session.execute(query)]


def count_leads(db: Database, actor: Actor, wanted: LeadFilter | None = None) -> int:
    with db.read() as session:
        operator = require(session, actor, "leads.view")
        where = _conditions(session, operator, wanted or LeadFilter())
        return session.scalar(select(func.count()).select_from(Lead).where(*where)) or 0


# --- one lead -----------------------------------------------------------------------------------


def _load_visible(session: Session, operator: Operator, lead_id: int) -> Lead:
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(_("Lead #{id} does not exist.").format(id=lead_id))
    require_in_scope(session, operator, lead.owner_id)
    return lead


def get_lead(db: Database, actor: Actor, lead_id: int) -> dict[str, Any]:
    """Every field plus the owner's and the campaign's names."""
    with db.read() as session:
        operator = require(session, actor, "leads.view")
        lead = _load_visible(session, operator, lead_id)
        row = records.as_dict(lead, DETAIL_FIELDS)
        owner = session.get(Operator, lead.owner_id) if lead.owner_id else None
        campaign = session.get(Campaign, lead.campaign_id) if lead.campaign_id else None
        row.update(
            owner_name=owner.name if owner else None,
            campaign_name=campaign.name if campaign else None,
        )
        return row


def customer_name_of(name: str | None, company: str | None) -> str:
    """The customer a lead would become: the company, or the person for a private buyer."""
    return (company or "").strip() or (name or "").strip()


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    clean = {key: value for key, value in values.items() if key in FIELDS}
    records.required_text(clean, "name")
    for key in _OPTIONAL_TEXT:
        if key in clean:
            clean[key] = (clean[key] or "").strip() or None
    return clean


def _refresh_keys(lead: Lead) -> None:
    lead.normalized_company = normalized_name(customer_name_of(lead.name, lead.company))
    lead.phone_digits = phone_digits(lead.phone) or None


def _check_links(session: Session, clean: dict[str, Any]) -> None:
    if clean.get("campaign_id") is not None and session.get(Campaign, clean["campaign_id"]) is None:
        raise ValidationError(_("Choose a campaign from the list."))


# --- duplicates ---------------------------------------------------------------------------------


def _lead_duplicates(
    session: Session, name: str | None, company: str | None, phone: str | None, exclude: int | None
) -> list[LeadMatch]:
    key = normalized_name(customer_name_of(name, company))
    digits = phone_digits(phone)
    clashes = []
    if key:
        clashes.append(Lead.normalized_company == key)
    if len(digits) >= MIN_PHONE_DIGITS:
        clashes.append(Lead.phone_digits == digits)
    if not clashes:
        return []
    query = (
        select(
            Lead.id, Lead.name, Lead.company, Operator.name, Lead.status, Lead.normalized_company
        )
        .outerjoin(Operator, Operator.id == Lead.owner_id)
        .where(or_(*clashes), Lead.archived.is_(False))
        .order_by(Lead.id)
        .limit(20)
    )
    if exclude is not None:
        query = query.where(Lead.id != exclude)
    return [
        LeadMatch(lid, lname, lcompany, owner, status, "name" if key and nkey == key else "phone")
        for lid, lname, lcompany, owner, status, nkey in session.execute(query)
    ]


def find_duplicates(
    db: Database,
    actor: Actor,
    name: str | None,
    company: str | None,
    phone: str | None,
    *,
    exclude_lead_id: int | None = None,
) -> tuple[list[customers.DuplicateMatch], list[LeadMatch]]:
    """Customers and other leads that look like this prospect (the whole firm: a colleague's
    customer is named with its owner, as the customers tab does)."""
    with db.read() as session:
        operator = require(session, actor, "leads.view")
        cust = customers.duplicates_of(
            session, operator, customer_name_of(name, company), phone, None
        )
        return cust, _lead_duplicates(session, name, company, phone, exclude_lead_id)


def _refuse_duplicates(
    session: Session,
    operator: Operator,
    clean: dict[str, Any],
    exclude: int | None,
) -> None:
    name, company, phone = clean.get("name"), clean.get("company"), clean.get("phone")
    customers.refuse_duplicates(session, operator, customer_name_of(name, company), phone, None)
    matches = _lead_duplicates(session, name, company, phone, exclude)
    if matches:
        first = matches[0]
        message = (
            _("A lead with the same name already exists: {name} ({owner}).")
            if first.reason == "name"
            else _("A lead with the same phone number already exists: {name} ({owner}).")
        )
        shown = first.company or first.name
        raise DuplicateLead(message.format(name=shown, owner=first.owner_name or "-"), matches)


# --- create / update / status / archive ---------------------------------------------------------


def create_lead(
    db: Database, actor: Actor, values: dict[str, Any], *, allow_duplicate: bool = False
) -> int:
    """Create a lead (status new, owner the actor unless another in their scope is named).

    A prospect that is already a customer raises `DuplicateCustomer`, one that is already a
    lead `DuplicateLead`, unless `allow_duplicate`.
    """
    clean = _clean(values)
    if "name" not in clean:
        raise ValidationError(_("“{field}” must not be empty.").format(field=_("Name")))
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "leads.edit")
        _check_links(uow.session, clean)
        if clean.get("owner_id") is None:
            clean["owner_id"] = operator.id
        require_in_scope(uow.session, operator, clean["owner_id"])
        if not allow_duplicate:
            _refuse_duplicates(uow.session, operator, clean, None)
        clean["status"] = LeadStatus.NEW
        lead = records.create(uow, Lead, clean, entity=ENTITY, derive=_refresh_keys)
        uow.touched("leads")
        return lead.id


def _editable(session: Session, operator: Operator, lead_id: int) -> Lead:
    lead = _load_visible(session, operator, lead_id)
    if lead.status == LeadStatus.CONVERTED:
        raise ValidationError(_("This lead was converted to a customer and cannot change."))
    return lead


def update_lead(
    db: Database,
    actor: Actor,
    lead_id: int,
    version: int,
    values: dict[str, Any],
    *,
    allow_duplicate: bool = False,
) -> None:
    """Save changed fields (optimistic version check); a new owner must be in the actor's scope."""
    clean = _clean(values)
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "leads.edit")
        lead = _editable(uow.session, operator, lead_id)
        _check_links(uow.session, clean)
        if clean.get("owner_id", lead.owner_id) is None:
            clean.pop("owner_id")
        elif clean.get("owner_id", lead.owner_id) != lead.owner_id:
            require_in_scope(uow.session, operator, clean["owner_id"])
        merged = {k: clean.get(k, getattr(lead, k)) for k in ("name", "company", "phone")}
        key_changed = normalized_name(customer_name_of(merged["name"], merged["company"])) != (
            lead.normalized_company
        ) or phone_digits(merged["phone"]) != (lead.phone_digits or "")
        if key_changed and not allow_duplicate:
            _refuse_duplicates(uow.session, operator, merged, lead.id)
        records.apply_changes(
            uow, lead, clean, expected_version=version, entity=ENTITY, derive=_refresh_keys
        )
        uow.touched("leads")


def set_status(db: Database, actor: Actor, lead_id: int, version: int, status: str) -> None:
    """Move a lead to new / contacted / qualified / disqualified (converting is `convert_lead`)."""
    if status not in MANUAL_STATUSES:
        raise ValidationError(_("A lead becomes converted only by converting it."))
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "leads.edit")
        lead = _editable(uow.session, operator, lead_id)
        records.apply_changes(
            uow,
            lead,
            {"status": status},
            expected_version=version,
            entity=ENTITY,
            action="lead.status",
        )
        uow.touched("leads")


def set_archived(db: Database, actor: Actor, lead_id: int, version: int, archived: bool) -> None:
    """Archive (or restore) a lead: it leaves the list but keeps its history and links."""
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "leads.edit")
        lead = _load_visible(uow.session, operator, lead_id)
        records.apply_changes(
            uow,
            lead,
            {"archived": archived},
            expected_version=version,
            entity=ENTITY,
            action="lead.archive" if archived else "lead.restore",
        )
        uow.touched("leads")


# --- conversion ---------------------------------------------------------------------------------


def convert_lead(
    db: Database,
    actor: Actor,
    lead_id: int,
    version: int,
    *,
    allow_duplicate: bool = False,
    into_customer_id: int | None = None,
    opportunity_name: str | None = None,
    opportunity_amount: Decimal | str | None = None,
    create_opportunity: bool = True,
) -> ConversionResult:
    """Turn a qualified lead into a customer + primary contact + open opportunity, in one unit
    of work (all or nothing).

    The customer gets the lead's company (or the person's name), phone, e-mail, source,
    campaign and owner. A prospect that looks like an existing customer raises
    `DuplicateCustomer` (as customers.create_customer) unless `allow_duplicate`; the person may
    then link the lead to that customer instead (`into_customer_id`: the contact and the
    opportunity go to it, no new customer). The lead becomes CONVERTED with the new ids.
    """
    amount = to_money(opportunity_amount) if opportunity_amount not in (None, "") else None
    if amount is not None and amount < 0:
        raise ValidationError(_("The expected amount must not be negative."))
    with db.write(actor) as uow:
        session = uow.session
        operator = require(session, actor, "leads.edit")
        require(
            session, actor, "customers.create" if into_customer_id is None else "customers.edit"
        )
        if create_opportunity:
            require(session, actor, "opportunities.edit")
        lead = _editable(session, operator, lead_id)
        records.check_version(lead, version, ENTITY, {"status": LeadStatus.CONVERTED})
        if lead.status != LeadStatus.QUALIFIED:
            raise ValidationError(
                _("Only a qualified lead can be converted; mark it qualified first.")
            )
        if into_customer_id is not None:
            customer = customers.load_visible(session, operator, into_customer_id)
        else:
            customer = _new_customer(uow, operator, lead, allow_duplicate)
        contact = _new_contact(uow, lead, customer.id)
        opportunity = None
        if create_opportunity:
            name = (opportunity_name or "").strip() or customer_name_of(lead.name, lead.company)
            opportunity = _new_opportunity(
                uow, lead.owner_id or operator.id, customer.id, name, amount
            )
        records.apply_changes(
            uow,
            lead,
            {
                "status": LeadStatus.CONVERTED,
                "converted_at": uow.clock.now(),
                "customer_id": customer.id,
                "contact_id": contact.id,
                "opportunity_id": opportunity.id if opportunity else None,
            },
            expected_version=version,
            entity=ENTITY,
            action="lead.convert",
        )
        uow.touched(*CONVERSION_KINDS)
        return ConversionResult(customer.id, contact.id, opportunity.id if opportunity else None)


def _new_customer(
    uow: UnitOfWork, operator: Operator, lead: Lead, allow_duplicate: bool
) -> Customer:
    name = customer_name_of(lead.name, lead.company)
    if not allow_duplicate:
        customers.refuse_duplicates(uow.session, operator, name, lead.phone, None)
    owner_id = lead.owner_id or operator.id
    values = {
        "name": name,
        "phone": lead.phone,
        "email": lead.email,
        "source_id": lead.source_id,
        "campaign_id": lead.campaign_id,
        "owner_id": owner_id,
        "pool_status": PoolStatus.PRIVATE,
        "owned_since": uow.clock.now(),
    }
    return records.create(uow, Customer, values, entity="customer", derive=customers.refresh_keys)


def _new_contact(uow: UnitOfWork, lead: Lead, customer_id: int) -> Contact:
    """The person becomes the customer's contact; primary when the customer has none yet."""
    has_primary = uow.session.scalar(
        select(func.count(Contact.id)).where(
            Contact.customer_id == customer_id,
            Contact.is_primary.is_(True),
            Contact.archived.is_(False),
        )
    )
    values = {
        "customer_id": customer_id,
        "name": lead.name,
        "title": lead.title,
        "phone": lead.phone,
        "email": lead.email,
        "is_primary": not has_primary,
    }
    return records.create(uow, Contact, values, entity="contact")


def _new_opportunity(
    uow: UnitOfWork, owner_id: int, customer_id: int, name: str, amount: Decimal | None
) -> Opportunity:
    stages = stage_rows(uow.session)
    values = {
        "customer_id": customer_id,
        "owner_id": owner_id,
        "name": name,
        "stage_id": stages[0][0] if stages else None,
        "expected_amount": amount,
        "status": OpportunityStatus.OPEN,
    }
    return records.create(uow, Opportunity, values, entity="opportunity")


def resolve_lead(db: Database, actor: Actor, text: str) -> int:
    """The lead a person means by its id (the command line)."""
    if not text.strip().isdigit():
        raise ValidationError(_("Give the lead's number (crm leads list shows it)."))
    lead_id = int(text)
    with db.read() as session:
        operator = require(session, actor, "leads.view")
        _load_visible(session, operator, lead_id)
    return lead_id
