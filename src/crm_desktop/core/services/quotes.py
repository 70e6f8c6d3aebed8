"""Quotes: numbered offers with revisions, turned into a sales order in one step.

A quote is edited while it is a draft. Once sent it is fixed: a change makes a new revision with
the same number (the old one stays, marked superseded), so what the customer holds on paper is
always in the database. Converting copies every line, the tax rate and the terms into an order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import local_today
from crm_desktop.core.db.database import Database, UnitOfWork
from crm_desktop.core.errors import NotFound, PermissionDenied, ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.models import Customer, DocumentStatus, Operator, Quote, QuoteLine, SalesOrder
from crm_desktop.core.pricing import LineInput
from crm_desktop.core.services import orders, records
from crm_desktop.core.services.access import (
    record_scope,
    require,
    require_in_scope,
    require_record_in_scope,
)
from crm_desktop.core.services.customers import matches_search
from crm_desktop.core.services.listing import date_range, equal_to, sort_order
from crm_desktop.core.services.numbering import next_number
from crm_desktop.core.services.sales_common import (
    DocumentLine,
    LineTable,
    check_move,
    check_parties,
    clean_header,
    insert_lines,
    like,
    line_values,
    load_in_scope,
    load_lines,
    new_header,
    parties,
    priced_lines,
    refuse_cleared,
    replace_lines,
    same_lines,
    status_label,
    totals_values,
)

S = DocumentStatus
FIELDS = (
    "customer_id",
    "contact_id",
    "salesperson_id",
    "opportunity_id",
    "quote_date",
    "valid_until",
    "tax_rate_bp",
    "terms",
    "remarks",
)
TEXTS = ("terms", "remarks")
MOVES = {S.DRAFT: (S.SENT,), S.SENT: (S.ACCEPTED, S.REJECTED)}
REVISABLE = (S.SENT, S.ACCEPTED, S.REJECTED)  # a draft is simply edited
CONVERTIBLE = (S.SENT, S.ACCEPTED)
COPIED = (
    "number",
    "customer_id",
    "contact_id",
    "salesperson_id",
    "opportunity_id",
    "tax_rate_bp",
    "subtotal",
    "tax",
    "total",
    "terms",
    "remarks",
)


@dataclass(frozen=True)
class QuoteFilter:
    search: str = ""
    status: str | None = None
    salesperson_id: int | None = None
    customer_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    all_revisions: bool = False  # False: only the latest revision of each number


class QuoteRow(NamedTuple):
    id: int
    number: str
    revision: int
    quote_date: date
    valid_until: date | None
    customer_id: int
    customer_name: str
    salesperson_name: str | None
    status: str
    total: Decimal
    version: int


@dataclass
class QuoteDetail:
    id: int
    version: int
    number: str
    revision: int
    status: str
    customer_id: int
    customer_name: str
    contact_id: int | None
    contact_name: str | None
    salesperson_id: int
    salesperson_name: str | None
    opportunity_id: int | None
    quote_date: date
    valid_until: date | None
    tax_rate_bp: int
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    terms: str | None
    remarks: str | None
    lines: list[DocumentLine] = field(default_factory=list)
    revisions: list[tuple[int, int, str]] = field(default_factory=list)  # (id, revision, status)
    order_id: int | None = None  # the order made from it


# --- lists ---------------------------------------------------------------------------------------

_SALES = aliased(Operator)
_NEWER = aliased(Quote)
SORT_COLUMNS: dict[str, Any] = {
    "number": Quote.number,
    "quote_date": Quote.quote_date,
    "valid_until": Quote.valid_until,
    "customer": Customer.sort_name,
    "salesperson": _SALES.name,
    "status": Quote.status,
    "total": Quote.total,
}


def _conditions(session: Session, operator: Operator, wanted: QuoteFilter) -> list[Any]:
    where: list[ColumnElement[bool]] = [
        Quote.archived.is_(False),
        record_scope(session, operator, Quote.salesperson_id, Quote.customer_id),
    ]
    if not wanted.all_revisions:
        newer = exists().where(_NEWER.number == Quote.number, _NEWER.revision > Quote.revision)
        where.append(~newer)
    where += equal_to(Quote, wanted, ("status", "salesperson_id", "customer_id"))
    where += date_range(Quote.quote_date, wanted.date_from, wanted.date_to)
    text = wanted.search.strip()
    if text:
        where.append(or_(Quote.number.ilike(like(text), escape="\\"), matches_search(text)))
    return where


def _from(query: Select[Any]) -> Select[Any]:
    return query.join(Customer, Customer.id == Quote.customer_id)


def list_quotes(
    db: Database,
    actor: Actor,
    wanted: QuoteFilter | None = None,
    *,
    sort: str = "quote_date",
    descending: bool = True,
    limit: int = 200,
    offset: int = 0,
) -> list[QuoteRow]:
    """A page of the quotes the operator may see (latest revisions unless all are asked for)."""
    order, tiebreak = sort_order(SORT_COLUMNS, sort, descending, Quote.id)
    wanted = wanted or QuoteFilter()
    with db.read() as session:
        operator = require(session, actor, "quotes.view")
        query = _from(
            select(
                Quote.id,
                Quote.number,
                Quote.revision,
                Quote.quote_date,
                Quote.valid_until,
                Quote.customer_id,
                Customer.name,
                _SALES.name,
                Quote.status,
                Quote.total,
                Quote.version,
            )
        ).outerjoin(_SALES, _SALES.id == Quote.salesperson_id)
        query = query.where(*_conditions(session, operator, wanted))
        query = query.order_by(order, tiebreak).limit(limit).offset(offset)
        return [QuoteRow(*row) for row in session.execute(query)]


def count_quotes(db: Database, actor: Actor, wanted: QuoteFilter | None = None) -> int:
    wanted = wanted or QuoteFilter()
    with db.read() as session:
        operator = require(session, actor, "quotes.view")
        query = _from(select(func.count(Quote.id)))
        return session.scalar(query.where(*_conditions(session, operator, wanted))) or 0


# --- one quote -----------------------------------------------------------------------------------


_LINES = LineTable(QuoteLine, QuoteLine.quote_id, QuoteLine.description)


def _load(session: Session, operator: Operator, quote_id: int) -> Quote:
    return load_in_scope(session, operator, Quote, quote_id, _("Quote"))


def stored_lines(session: Session, quote_id: int) -> list[DocumentLine]:
    return load_lines(session, _LINES, quote_id)


def _order_made_from(session: Session, quote_id: int) -> int | None:
    """The order converted from this quote (a live one before a cancelled one)."""
    return session.scalar(
        select(SalesOrder.id)
        .where(SalesOrder.quote_id == quote_id)
        .order_by((SalesOrder.status == S.CANCELLED).asc(), SalesOrder.id.desc())
        .limit(1)
    )


def get_quote(db: Database, actor: Actor, quote_id: int) -> QuoteDetail:
    with db.read() as session:
        operator = require(session, actor, "quotes.view")
        quote = _load(session, operator, quote_id)
        names = parties(session, quote.customer_id, quote.contact_id, quote.salesperson_id)
        revisions = session.execute(
            select(Quote.id, Quote.revision, Quote.status)
            .where(Quote.number == quote.number)
            .order_by(Quote.revision)
        )
        return QuoteDetail(
            id=quote.id,
            version=quote.version,
            number=quote.number,
            revision=quote.revision,
            status=quote.status,
            customer_id=quote.customer_id,
            customer_name=names.customer_name,
            contact_id=quote.contact_id,
            contact_name=names.contact_name,
            salesperson_id=quote.salesperson_id,
            salesperson_name=names.salesperson_name,
            opportunity_id=quote.opportunity_id,
            quote_date=quote.quote_date,
            valid_until=quote.valid_until,
            tax_rate_bp=quote.tax_rate_bp,
            subtotal=quote.subtotal,
            tax=quote.tax,
            total=quote.total,
            terms=quote.terms,
            remarks=quote.remarks,
            lines=stored_lines(session, quote.id),
            revisions=[(int(i), int(r), str(s)) for i, r, s in revisions],
            order_id=_order_made_from(session, quote.id),
        )


def quote_id_by_number(db: Database, actor: Actor, number: str, revision: int | None = None) -> int:
    """The quote a person means by its number: the latest revision unless one is given."""
    with db.read() as session:
        operator = require(session, actor, "quotes.view")
        query = select(Quote.id, Quote.salesperson_id, Quote.customer_id).where(
            Quote.number == number.strip()
        )
        if revision is not None:
            query = query.where(Quote.revision == revision)
        row = session.execute(query.order_by(Quote.revision.desc()).limit(1)).first()
        if row is None:
            raise NotFound(_("There is no quote numbered “{number}”.").format(number=number))
        require_record_in_scope(session, operator, row.salesperson_id, row.customer_id)
        return int(row.id)


# --- saving --------------------------------------------------------------------------------------


def save_quote(
    db: Database,
    actor: Actor,
    quote_id: int | None,
    version: int | None,
    values: dict[str, Any],
    lines: Sequence[LineInput],
) -> int:
    """Create a draft quote (numbered now) or change a draft; sent quotes are revised instead."""
    clean = clean_header(values, FIELDS, TEXTS)
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "quotes.edit")
        if quote_id is None:
            quote = _create(uow, operator, clean, lines)
        else:
            quote = _update(uow, operator, quote_id, version or 0, clean, lines)
        uow.touched("quotes")
        return quote.id


def _check_dates(quote_date: date, valid_until: date | None) -> None:
    if valid_until is not None and valid_until < quote_date:
        raise ValidationError(_("“Valid until” cannot be before the quote date."))


def _create(
    uow: UnitOfWork, operator: Operator, values: dict[str, Any], lines: Sequence[LineInput]
) -> Quote:
    session = uow.session
    header = new_header(uow, operator, values, "quote_date")
    _check_dates(header["quote_date"], header.get("valid_until"))
    check_parties(session, operator, header)
    clean, amounts, totals = priced_lines(session, lines, header["tax_rate_bp"])
    header.update(
        number=next_number(uow, "quote"),
        revision=1,
        status=S.DRAFT,
        **totals_values(totals),
    )
    quote = records.create(uow, Quote, header, entity="quote")
    insert_lines(session, _LINES, quote.id, line_values(clean, amounts))
    return quote


def _update(
    uow: UnitOfWork,
    operator: Operator,
    quote_id: int,
    version: int,
    header: dict[str, Any],
    lines: Sequence[LineInput],
) -> Quote:
    session = uow.session
    quote = _load(session, operator, quote_id)
    records.check_version(quote, version, "quote", header)
    if quote.status != S.DRAFT:
        raise ValidationError(
            _("A “{status}” quote cannot change; make a new revision instead.").format(
                status=status_label(quote.status)
            )
        )
    refuse_cleared(header, "customer_id", "salesperson_id", "quote_date")
    check_parties(session, operator, header, quote)
    _check_dates(
        header.get("quote_date", quote.quote_date), header.get("valid_until", quote.valid_until)
    )
    clean, amounts, totals = priced_lines(
        session, lines, header.get("tax_rate_bp", quote.tax_rate_bp)
    )
    new_lines = line_values(clean, amounts)
    old_lines = stored_lines(session, quote.id)
    header.update(totals_values(totals))
    changed = records.apply_changes(uow, quote, header, expected_version=version, entity="quote")
    if not same_lines(old_lines, new_lines):
        replace_lines(
            uow, _LINES, quote, "quote", old_lines, new_lines, header_changed=bool(changed)
        )
    return quote


def set_quote_status(db: Database, actor: Actor, quote_id: int, version: int, status: str) -> None:
    """Mark a draft as sent, or a sent quote as accepted or rejected by the customer."""
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "quotes.edit")
        quote = _load(uow.session, operator, quote_id)
        records.check_version(quote, version, "quote", {"status": status})
        check_move(quote.status, status, MOVES)
        records.apply_changes(
            uow,
            quote,
            {"status": status},
            expected_version=version,
            entity="quote",
            action="quote.status",
        )
        uow.touched("quotes")


def _refuse_converted(session: Session, quote: Quote) -> None:
    number = session.scalar(
        select(SalesOrder.number).where(
            SalesOrder.quote_id == quote.id, SalesOrder.status != S.CANCELLED
        )
    )
    if number is not None:
        raise ValidationError(
            _("This quote was already turned into the sales order {number}.").format(number=number)
        )


def revise_quote(db: Database, actor: Actor, quote_id: int, version: int) -> int:
    """A new draft revision (same number, header and lines); the old one becomes superseded."""
    with db.write(actor) as uow:
        session = uow.session
        operator = require(session, actor, "quotes.edit")
        old = _load(session, operator, quote_id)
        records.check_version(old, version, "quote", {"status": S.SUPERSEDED})
        if old.status == S.DRAFT:
            raise ValidationError(_("A draft quote is edited directly; it needs no revision."))
        if old.status not in REVISABLE:
            raise ValidationError(_("Only the latest revision of a quote can be revised."))
        _refuse_converted(session, old)
        today = local_today(uow.clock)
        values = {name: getattr(old, name) for name in COPIED}
        values.update(revision=old.revision + 1, previous_id=old.id, status=S.DRAFT)
        values["quote_date"] = today
        if old.valid_until is not None:  # the same period of validity, from today
            values["valid_until"] = today + (old.valid_until - old.quote_date)
        new = records.create(uow, Quote, values, entity="quote")
        rows = [line._asdict() for line in stored_lines(session, old.id)]
        insert_lines(session, _LINES, new.id, rows)
        records.apply_changes(
            uow,
            old,
            {"status": S.SUPERSEDED},
            expected_version=version,
            entity="quote",
            action="quote.revise",
        )
        uow.touched("quotes")
        return new.id


def convert_to_order(db: Database, actor: Actor, quote_id: int, version: int) -> int:
    """Make a sales order from a sent or accepted quote, keeping every line, the tax and terms.

    The quote becomes accepted. The order's salesperson is the quote's, unless that person is
    outside the converter's scope (a customer handed over): then the converter.
    """
    with db.write(actor) as uow:
        session = uow.session
        operator = require(session, actor, "orders.create")
        quote = _load(session, operator, quote_id)
        records.check_version(quote, version, "quote", {"status": S.ACCEPTED})
        if quote.status == S.DRAFT:
            raise ValidationError(_("Send the quote to the customer before making an order."))
        if quote.status == S.SUPERSEDED:
            raise ValidationError(_("This is an old revision; convert the latest one."))
        if quote.status not in CONVERTIBLE:
            raise ValidationError(
                _("A “{status}” quote cannot become an order.").format(
                    status=status_label(quote.status)
                )
            )
        _refuse_converted(session, quote)
        values = {
            "customer_id": quote.customer_id,
            "contact_id": quote.contact_id,
            "salesperson_id": _salesperson(session, operator, quote.salesperson_id),
            "opportunity_id": quote.opportunity_id,
            "tax_rate_bp": quote.tax_rate_bp,
            "terms": quote.terms,
            "remarks": quote.remarks,
        }
        lines = [line.as_input() for line in stored_lines(session, quote.id)]
        order = orders.create_in(uow, operator, values, lines, quote_id=quote.id)
        if quote.status != S.ACCEPTED:
            records.apply_changes(
                uow,
                quote,
                {"status": S.ACCEPTED},
                expected_version=version,
                entity="quote",
                action="quote.status",
            )
        uow.audit("quote.convert", "quote", quote.id, {"order": (None, order.number)})
        uow.touched("quotes", "orders")
        return order.id


def _salesperson(session: Session, operator: Operator, person_id: int) -> int:
    try:
        require_in_scope(session, operator, person_id)
    except PermissionDenied:
        return operator.id
    return person_id
