"""Customers: the ledger every salesperson works from, limited to each operator's data scope.

This module holds the foundation (create, load, update, archive, list, data scope); the customers
issue adds the public pool rules, transfers, handover and the full search.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from datetime import timedelta
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database, UnitOfWork
from crm_desktop.core.errors import DuplicateCustomer, NotFound, ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.models import BaseDataItem, Customer, Operator, PoolStatus
from crm_desktop.core.search_keys import (
    customer_keys,
    name_key,
    normalized_name,
    phone_digits,
    search_term,
)
from crm_desktop.core.services import records
from crm_desktop.core.services.access import owner_scope, require, require_in_scope
from crm_desktop.core.services.campaigns import check_campaign

FIELDS = (
    "code",
    "name",
    "short_name",
    "type_id",
    "source_id",
    "industry_id",
    "region_id",
    "level_id",
    "address",
    "phone",
    "email",
    "website",
    "tax_id",
    "owner_id",
    "pool_status",
    "remarks",
    "tags",
    "campaign_id",  # the marketing campaign the customer came from (services/campaigns.py)
)


@dataclass(frozen=True)
class CustomerFilter:
    """What the customer list shows; saved filters store it as JSON (`to_json`)."""

    search: str = ""
    type_id: int | None = None
    source_id: int | None = None
    industry_id: int | None = None
    region_id: int | None = None
    level_id: int | None = None
    owner_id: int | None = None
    pool: str | None = None  # "mine", "private", "public" or None for every visible customer
    idle_days: int | None = None  # no follow-up for this many days (or never)
    archived: bool = False  # True: the archived customers instead of the current ones

    def to_json(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value not in (None, "")}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CustomerFilter:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


class CustomerRow(NamedTuple):
    id: int
    name: str
    type_name: str | None
    source_name: str | None
    industry_name: str | None
    region_name: str | None
    phone: str | None
    owner_name: str | None
    last_followup_at: Any
    next_followup_on: Any
    level_name: str | None
    pool_status: str
    archived: bool
    owner_id: int | None


class DuplicateMatch(NamedTuple):
    id: int
    name: str
    phone: str | None
    owner_name: str | None
    visible: bool  # the person may open it (within their scope or in the pool)
    archived: bool
    reason: str  # "name" or "phone"


def _visible(session: Any, operator: Operator) -> Any:
    """Customers the operator may see: within their scope, or in the public pool."""
    return or_(
        owner_scope(session, operator, Customer.owner_id),
        Customer.pool_status == PoolStatus.PUBLIC,
    )


_TYPE, _SOURCE, _INDUSTRY, _REGION, _LEVEL = (aliased(BaseDataItem) for _i in range(5))
_OWNER = aliased(Operator)
SORT_COLUMNS: dict[str, Any] = {
    "name": Customer.sort_name,
    "type": _TYPE.name,
    "source": _SOURCE.name,
    "industry": _INDUSTRY.name,
    "region": _REGION.name,
    "phone": Customer.phone_digits,
    "owner": _OWNER.name,
    "last_followup_at": Customer.last_followup_at,
    "next_followup_on": Customer.next_followup_on,
    "level": _LEVEL.sort_order,
    "created_at": Customer.created_at,
}


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matches_search(text: str) -> ColumnElement[bool]:
    """Customers whose name, pinyin, e-mail or phone contains what the person typed.

    Each kind of term is matched against its own short key (Chinese against `name_key`, digits
    against `phone_digits`, Latin letters against `search_key`): one LIKE scanning one short
    column of the list index, not a long key holding everything.
    """
    term = search_term(text)
    if not term.text:
        return true()
    column = {
        "name": Customer.name_key,
        "phone": Customer.phone_digits,
        "latin": Customer.search_key,
    }[term.key]
    return column.like(_like(term.text), escape="\\")


def _search(session: Session, text: str) -> ColumnElement[bool]:
    """The search box: `matches_search`, or the owner's name (owners are a handful of rows, so
    their ids are looked up first and matched by id)."""
    matches = matches_search(text)
    pattern = _like(name_key(text))
    owners = list(
        session.scalars(select(Operator.id).where(func.lower(Operator.name).like(pattern, "\\")))
    )
    return or_(matches, Customer.owner_id.in_(owners)) if owners else matches


def _conditions(
    session: Session, operator: Operator, wanted: CustomerFilter, now: Any
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        Customer.archived.is_(bool(wanted.archived)),
        _visible(session, operator),
    ]
    for name in ("type_id", "source_id", "industry_id", "region_id", "level_id", "owner_id"):
        value = getattr(wanted, name)
        if value is not None:
            where.append(getattr(Customer, name) == value)
    if wanted.pool == "mine":
        where += [Customer.owner_id == operator.id, Customer.pool_status == PoolStatus.PRIVATE]
    elif wanted.pool in ("private", "public"):
        where.append(Customer.pool_status == wanted.pool)
    elif wanted.pool is not None:
        where.append(false())
    if wanted.idle_days is not None:
        since = now - timedelta(days=max(wanted.idle_days, 0))
        where.append(or_(Customer.last_followup_at.is_(None), Customer.last_followup_at < since))
    if wanted.search.strip():
        where.append(_search(session, wanted.search))
    return where


def _list_query(where: list[ColumnElement[bool]]) -> Select[Any]:
    return (
        select(
            Customer.id,
            Customer.name,
            _TYPE.name,
            _SOURCE.name,
            _INDUSTRY.name,
            _REGION.name,
            Customer.phone,
            _OWNER.name,
            Customer.last_followup_at,
            Customer.next_followup_on,
            _LEVEL.name,
            Customer.pool_status,
            Customer.archived,
            Customer.owner_id,
        )
        .outerjoin(_TYPE, _TYPE.id == Customer.type_id)
        .outerjoin(_SOURCE, _SOURCE.id == Customer.source_id)
        .outerjoin(_INDUSTRY, _INDUSTRY.id == Customer.industry_id)
        .outerjoin(_REGION, _REGION.id == Customer.region_id)
        .outerjoin(_LEVEL, _LEVEL.id == Customer.level_id)
        .outerjoin(_OWNER, _OWNER.id == Customer.owner_id)
        .where(*where)
    )


def list_customers(
    db: Database,
    actor: Actor,
    wanted: CustomerFilter | None = None,
    *,
    sort: str = "name",
    descending: bool = False,
    limit: int = 200,
    offset: int = 0,
) -> list[CustomerRow]:
    """A page of the customers the operator may see, as plain rows (never ORM objects)."""
    order = _order(sort, descending)
    with db.read() as session:
        operator = require(session, actor, "customers.view")
        where = _conditions(session, operator, wanted or CustomerFilter(), db.clock.now())
        query = _list_query(where).order_by(*order).limit(limit).offset(offset)
        return [CustomerRow(*row) for row in session.execute(query)]


def _order(sort: str, descending: bool) -> list[Any]:
    """The list's ORDER BY: the sort column (empty values last), then the id."""
    if sort not in SORT_COLUMNS:
        raise ValidationError(_("Unknown sort order “{sort}”.").format(sort=sort))
    column = SORT_COLUMNS[sort]
    order = column.desc() if descending else column.asc()
    if sort != "name":
        order = order.nulls_last()
    return [order, Customer.id.desc() if descending else Customer.id.asc()]


def iter_customers(
    db: Database,
    actor: Actor,
    wanted: CustomerFilter | None = None,
    *,
    sort: str = "name",
    descending: bool = False,
    page: int = 10_000,
) -> Iterator[list[CustomerRow]]:
    """Every customer `list_customers` shows for this filter and order, page after page.

    For reading a whole list (the export): each page starts after the last row of the one before
    (keyset), so page 10 of 100,000 customers does not reread the 90,000 rows before it as an
    OFFSET does, and a row changed meanwhile is neither skipped nor repeated. Each page is its
    own short read, so the database's shared lock is not held while the caller writes a file.
    """
    order, column = _order(sort, descending), SORT_COLUMNS[sort]
    wanted, now = wanted or CustomerFilter(), db.clock.now()  # one "idle since" for every page
    after: tuple[Any, int] | None = None
    while True:
        with db.read() as session:
            operator = require(session, actor, "customers.view")
            where = _conditions(session, operator, wanted, now)
            if after is not None:
                where.append(_after(column, sort != "name", descending, *after))
            query = _list_query(where).add_columns(column).order_by(*order).limit(page)
            found = session.execute(query).all()
        if found:
            after = (found[-1][-1], found[-1][0])
            yield [CustomerRow(*row[:-1]) for row in found]
        if len(found) < page:
            return


def _after(
    column: Any, nullable: bool, descending: bool, key: Any, last_id: int
) -> ColumnElement[bool]:
    """Rows after (key, last_id) in the order `_order` gives (empty keys last, ids as the
    tiebreak). The plain `column >= key` (or <=) lets SQLite seek in an index on the column."""
    next_id = Customer.id < last_id if descending else Customer.id > last_id
    if key is None:  # already among the empty keys, which come last
        return and_(column.is_(None), next_id)
    if descending:
        later = and_(column <= key, or_(column < key, next_id))
    else:
        later = and_(column >= key, or_(column > key, next_id))
    return or_(later, column.is_(None)) if nullable else later


def count_customers(db: Database, actor: Actor, wanted: CustomerFilter | None = None) -> int:
    with db.read() as session:
        operator = require(session, actor, "customers.view")
        where = _conditions(session, operator, wanted or CustomerFilter(), db.clock.now())
        return session.scalar(select(func.count()).select_from(Customer).where(*where)) or 0


def load_visible(uow_or_session: Any, operator: Operator, customer_id: int) -> Customer:
    """The customer, if it exists and the operator may see it (own scope or the public pool)."""
    session = getattr(uow_or_session, "session", uow_or_session)
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(_("Customer #{id} does not exist.").format(id=customer_id))
    require_in_scope(
        session,
        operator,
        customer.owner_id,
        public=customer.pool_status == PoolStatus.PUBLIC,
    )
    return customer


def get_customer(db: Database, actor: Actor, customer_id: int) -> dict[str, Any]:
    with db.read() as session:
        operator = require(session, actor, "customers.view")
        customer = load_visible(session, operator, customer_id)
        row = records.as_dict(customer, FIELDS)
        owner = session.get(Operator, customer.owner_id) if customer.owner_id else None
        row.update(
            archived=customer.archived,
            owner_name=owner.name if owner else None,
            last_followup_at=customer.last_followup_at,
            next_followup_on=customer.next_followup_on,
            created_at=customer.created_at,
        )
        return row


def record_export(db: Database, actor: Actor, rows: int, description: str) -> None:
    """Check the export right and audit that customer data left the program (file, pipe)."""
    with db.write(actor) as uow:
        require(uow.session, actor, "customers.export")
        uow.audit("customers.export", "customer", None, {"rows": (None, rows)}, summary=description)


def resolve_customer(db: Database, actor: Actor, text: str) -> int:
    """The customer a person means by an id, a code or a name (for the command line)."""
    wanted = text.strip()
    with db.read() as session:
        operator = require(session, actor, "customers.view")
        visible = _visible(session, operator)
        tries = [Customer.code == wanted, Customer.name == wanted]
        if wanted.isdigit():
            tries.insert(0, Customer.id == int(wanted))
        tries.append(Customer.normalized_name == normalized_name(wanted))
        for clause in tries:
            ids = list(session.scalars(select(Customer.id).where(clause, visible).limit(2)))
            if len(ids) == 1:
                return ids[0]
            if len(ids) > 1:
                raise ValidationError(
                    _("Several customers match “{text}”; give the id instead.").format(text=text)
                )
    raise NotFound(_("No customer matches “{text}”.").format(text=text))


def find_duplicates(
    db: Database,
    actor: Actor,
    name: str | None,
    phone: str | None,
    *,
    exclude_id: int | None = None,
) -> list[DuplicateMatch]:
    """Customers anywhere in the firm with the same normalized name or phone number.

    Matches outside the person's scope are listed too (name and owner only), so a salesperson
    learns that a colleague already serves this customer instead of creating it twice.
    """
    with db.read() as session:
        operator = require(session, actor, "customers.view")
        return duplicates_of(session, operator, name, phone, exclude_id)


def duplicates_of(
    session: Session,
    operator: Operator,
    name: str | None,
    phone: str | None,
    exclude_id: int | None,
) -> list[DuplicateMatch]:
    """Likely duplicates of a name/phone within an open session (shared with the leads service)."""
    key, digits = normalized_name(name), phone_digits(phone)
    clashes = []
    if key:
        clashes.append(Customer.normalized_name == key)
    if len(digits) >= 6:  # shorter digit runs (extensions, typos) say nothing about identity
        clashes.append(Customer.phone_digits == digits)
    if not clashes:
        return []
    visible = _visible(session, operator)
    query = (
        select(
            Customer.id,
            Customer.name,
            case((visible, Customer.phone), else_=None),  # a colleague's number stays theirs
            Operator.name,
            case((visible, True), else_=False),
            Customer.archived,
            Customer.normalized_name,
        )
        .outerjoin(Operator, Operator.id == Customer.owner_id)
        .where(or_(*clashes))
        .order_by(Customer.archived, Customer.id)
        .limit(20)
    )
    if exclude_id is not None:
        query = query.where(Customer.id != exclude_id)
    return [
        DuplicateMatch(cid, cname, cphone, owner, bool(seen), bool(archived), reason)
        for cid, cname, cphone, owner, seen, archived, nkey in session.execute(query)
        for reason in ["name" if key and nkey == key else "phone"]
    ]


def refuse_duplicates(
    session: Session,
    operator: Operator,
    name: str | None,
    phone: str | None,
    exclude_id: int | None,
) -> None:
    """Raise `DuplicateCustomer` when the name or phone already belongs to a customer."""
    matches = duplicates_of(session, operator, name, phone, exclude_id)
    if matches:
        first = matches[0]
        message = (
            _("A customer with the same name already exists: {name} ({owner}).")
            if first.reason == "name"
            else _("A customer with the same phone number already exists: {name} ({owner}).")
        )
        raise DuplicateCustomer(
            message.format(name=first.name, owner=first.owner_name or _("public pool")), matches
        )


def _prepare(values: dict[str, Any]) -> dict[str, Any]:
    clean = {k: v for k, v in values.items() if k in FIELDS}
    records.required_text(clean, "name")
    if clean.get("pool_status", PoolStatus.PRIVATE) not in set(PoolStatus):
        raise ValidationError(_("Unknown pool status."))
    return clean


def refresh_keys(customer: Customer) -> None:
    """Recompute the search keys (normalized name, phone digits) after the fields changed."""
    for column, value in customer_keys(customer.name, customer.phone, customer.email).items():
        setattr(customer, column, value)


def create_customer(
    db: Database, actor: Actor, values: dict[str, Any], *, allow_duplicate: bool = False
) -> int:
    """Create a customer; a likely duplicate raises `DuplicateCustomer` unless allowed."""
    clean = _prepare(values)
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "customers.create")
        check_campaign(uow.session, clean.get("campaign_id"))
        if not allow_duplicate:
            refuse_duplicates(uow.session, operator, clean["name"], clean.get("phone"), None)
        if clean.get("pool_status") == PoolStatus.PUBLIC:
            clean["owner_id"] = None
            clean["pool_since"] = uow.clock.now()
        else:
            clean.setdefault("owner_id", operator.id)
            if clean["owner_id"] is None:
                clean["owner_id"] = operator.id
            require_in_scope(uow.session, operator, clean["owner_id"])
            clean["pool_status"] = PoolStatus.PRIVATE
            clean["owned_since"] = uow.clock.now()
        customer = records.create(uow, Customer, clean, entity="customer", derive=refresh_keys)
        uow.touched("customers")
        return customer.id


def update_customer(
    db: Database,
    actor: Actor,
    customer_id: int,
    version: int,
    values: dict[str, Any],
    *,
    allow_duplicate: bool = False,
) -> None:
    """Save changed fields (optimistic version check); a new owner needs the transfer right."""
    clean = _prepare(values)
    clean.pop("pool_status", None)  # the pool moves through claim/release (services/pool.py)
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "customers.edit")
        customer = load_visible(uow, operator, customer_id)
        check_campaign(uow.session, clean.get("campaign_id"))
        renamed = "name" in clean and clean["name"] != customer.name
        rephoned = "phone" in clean and phone_digits(clean["phone"]) != phone_digits(customer.phone)
        if not allow_duplicate and (renamed or rephoned):
            refuse_duplicates(
                uow.session,
                operator,
                clean["name"] if renamed else None,
                clean["phone"] if rephoned else None,
                customer.id,
            )
        if "owner_id" in clean and clean["owner_id"] != customer.owner_id:
            require(uow.session, actor, "customers.transfer")
            if clean["owner_id"] is None:
                raise ValidationError(_("Choose an owner, or release the customer to the pool."))
            require_in_scope(uow.session, operator, clean["owner_id"])
            clean["owned_since"] = uow.clock.now()
            clean["pool_status"] = PoolStatus.PRIVATE
        records.apply_changes(
            uow, customer, clean, expected_version=version, entity="customer", derive=refresh_keys
        )
        uow.touched("customers")


def set_archived(db: Database, actor: Actor, customer_id: int, archived: bool) -> None:
    """Archive (or restore) a customer; archived customers leave the lists but keep history."""
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "customers.archive")
        customer = load_visible(uow, operator, customer_id)
        _archive(uow, customer, archived)


def _archive(uow: UnitOfWork, customer: Customer, archived: bool) -> None:
    records.apply_changes(
        uow,
        customer,
        {"archived": archived, "archived_at": uow.clock.now() if archived else None},
        expected_version=customer.version,
        entity="customer",
        action="customer.archive" if archived else "customer.restore",
    )
    uow.touched("customers")
