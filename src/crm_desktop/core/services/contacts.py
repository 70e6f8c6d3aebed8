"""A customer's contacts (the people a salesperson calls), with one primary contact.

Contacts follow their customer's visibility: whoever may see the customer may read them, whoever
may edit the customer may change them. Removing a contact archives it, so follow-ups and orders
that name it keep their history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import func, or_, select

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database, UnitOfWork
from crm_desktop.core.errors import NotFound, ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.models import Contact, Customer
from crm_desktop.core.services import records
from crm_desktop.core.services.access import require
from crm_desktop.core.services.customers import _like, _visible, load_visible, matches_search

CONTACT_FIELDS = (
    "name",
    "title",
    "phone",
    "mobile",
    "email",
    "wechat",
    "birthday",
    "is_primary",
    "remarks",
)
_OPTIONAL_TEXT = ("title", "phone", "mobile", "email", "wechat", "remarks")
ENTITY = "contact"


def list_contacts(db: Database, actor: Actor, customer_id: int) -> list[dict[str, Any]]:
    """The customer's current contacts: the primary one first, then by name."""
    with db.read() as session:
        operator = require(session, actor, "customers.view")
        load_visible(session, operator, customer_id)
        query = (
            select(Contact)
            .where(Contact.customer_id == customer_id, Contact.archived.is_(False))
            .order_by(Contact.is_primary.desc(), Contact.name, Contact.id)
        )
        return [records.as_dict(contact, CONTACT_FIELDS) for contact in session.scalars(query)]


def save_contact(
    db: Database,
    actor: Actor,
    customer_id: int,
    contact_id: int | None,
    version: int | None,
    values: dict[str, Any],
) -> int:
    """Create (contact_id None) or update a contact; marking it primary unmarks the others."""
    clean = _clean(values, creating=contact_id is None)
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "customers.edit")
        load_visible(uow, operator, customer_id)
        if contact_id is None:
            clean["customer_id"] = customer_id
            contact = records.create(uow, Contact, clean, entity=ENTITY)
        else:
            contact = _load_contact(uow.session, contact_id)
            if contact.customer_id != customer_id:
                raise NotFound(_("Contact #{id} does not exist.").format(id=contact_id))
            records.apply_changes(uow, contact, clean, expected_version=version or 0, entity=ENTITY)
        if contact.is_primary:
            _clear_other_primaries(uow, contact)
        uow.touched("contacts")
        return contact.id


def remove_contact(db: Database, actor: Actor, contact_id: int) -> None:
    """Archive the contact: it leaves the list but stays on the records that name it."""
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "customers.edit")
        contact = _load_contact(uow.session, contact_id)
        load_visible(uow, operator, contact.customer_id)
        records.apply_changes(
            uow,
            contact,
            {"archived": True, "is_primary": False},
            expected_version=contact.version,
            entity=ENTITY,
            action="contact.archive",
        )
        uow.touched("contacts")


def _load_contact(session: Any, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None or contact.archived:
        raise NotFound(_("Contact #{id} does not exist.").format(id=contact_id))
    return contact


def _clear_other_primaries(uow: UnitOfWork, contact: Contact) -> None:
    """Keep a single primary contact per customer, in the same transaction as the save."""
    others = uow.session.scalars(
        select(Contact).where(
            Contact.customer_id == contact.customer_id,
            Contact.id != contact.id,
            Contact.is_primary.is_(True),
        )
    )
    for other in list(others):
        records.apply_changes(
            uow, other, {"is_primary": False}, expected_version=other.version, entity=ENTITY
        )


def _clean(values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    clean = {k: v for k, v in values.items() if k in CONTACT_FIELDS}
    if creating:
        clean.setdefault("name", "")
        clean["is_primary"] = bool(clean.get("is_primary", False))
    records.required_text(clean, "name")
    for key in _OPTIONAL_TEXT:
        if key in clean:
            clean[key] = (clean[key] or "").strip() or None
    if "birthday" in clean:
        clean["birthday"] = _birthday(clean["birthday"])
    if "is_primary" in clean:
        clean["is_primary"] = bool(clean["is_primary"])
    return clean


def _birthday(value: Any) -> date | None:
    """A date, an ISO date text (from the CLI or an import) or nothing."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(
            _("“{value}” is not a date (use YYYY-MM-DD).").format(value=value)
        ) from None


# --- every visible contact (the contacts export) -------------------------------------------------


@dataclass(frozen=True)
class ContactFilter:
    """Contacts of the customers the operator may see: one customer's, or matching a search."""

    search: str = ""  # the contact's name, phone, mobile, e-mail or the customer (as its search)
    customer_id: int | None = None


class ContactRow(NamedTuple):
    id: int
    customer_id: int
    customer_name: str
    name: str
    title: str | None
    phone: str | None
    mobile: str | None
    email: str | None
    wechat: str | None
    birthday: date | None
    is_primary: bool


def _visible_contacts(session: Any, operator: Any, wanted: ContactFilter) -> list[Any]:
    where = [
        Contact.archived.is_(False),
        Customer.archived.is_(False),
        _visible(session, operator),
    ]
    if wanted.customer_id is not None:
        where.append(Contact.customer_id == wanted.customer_id)
    text = wanted.search.strip()
    if text:
        pattern = _like(text.casefold())
        own = [
            func.lower(column).like(pattern, escape="\\")
            for column in (Contact.name, Contact.phone, Contact.mobile, Contact.email)
        ]
        where.append(or_(*own, matches_search(text)))
    return where


def list_visible_contacts(
    db: Database,
    actor: Actor,
    wanted: ContactFilter | None = None,
    *,
    limit: int = 200,
    offset: int = 0,
) -> list[ContactRow]:
    """A page of the current contacts of every customer the operator may see (within their
    scope or in the public pool), by customer, the primary contact first."""
    with db.read() as session:
        operator = require(session, actor, "customers.view")
        query = (
            select(
                Contact.id,
                Contact.customer_id,
                Customer.name,
                Contact.name,
                Contact.title,
                Contact.phone,
                Contact.mobile,
                Contact.email,
                Contact.wechat,
                Contact.birthday,
                Contact.is_primary,
            )
            .join(Customer, Customer.id == Contact.customer_id)
            .where(*_visible_contacts(session, operator, wanted or ContactFilter()))
            .order_by(
                Customer.sort_name,
                Customer.id,
                Contact.is_primary.desc(),
                Contact.name,
                Contact.id,
            )
            .limit(limit)
            .offset(offset)
        )
        return [ContactRow(*row) for row in session.execute(query)]


def count_visible_contacts(db: Database, actor: Actor, wanted: ContactFilter | None = None) -> int:
    with db.read() as session:
        operator = require(session, actor, "customers.view")
        query = (
            select(func.count(Contact.id))
            .join(Customer, Customer.id == Contact.customer_id)
            .where(*_visible_contacts(session, operator, wanted or ContactFilter()))
        )
        return session.scalar(query) or 0
