"""What quotes, orders, contracts and service records share: labels, lines, parties, checks.

Quotes and orders are the same kind of document (a header, priced lines, a tax rate, totals), so
the rules for their parties, lines and status moves live here once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from crm_desktop.core.clock import local_today
from crm_desktop.core.db.database import UnitOfWork
from crm_desktop.core.errors import NotFound, ValidationError
from crm_desktop.core.i18n import N_, _
from crm_desktop.core.models import (
    Contact,
    Customer,
    DocumentStatus,
    Operator,
    Opportunity,
    Product,
)
from crm_desktop.core.pricing import (
    FULL_BP,
    LineInput,
    Totals,
    clean_lines,
    document_totals,
    line_amount,
)
from crm_desktop.core.services import records
from crm_desktop.core.services.access import require_in_scope, require_record_in_scope
from crm_desktop.core.services.customers import load_visible

S = DocumentStatus
STATUS_LABELS: dict[str, str] = {
    S.DRAFT: N_("Draft"),
    S.SENT: N_("Sent"),
    S.ACCEPTED: N_("Accepted"),
    S.REJECTED: N_("Rejected"),
    S.CONFIRMED: N_("Confirmed"),
    S.DELIVERED: N_("Delivered"),
    S.CLOSED: N_("Closed"),
    S.CANCELLED: N_("Cancelled"),
    S.SUPERSEDED: N_("Superseded"),
}
PRIORITY_LABELS: dict[int, str] = {1: N_("High"), 2: N_("Normal"), 3: N_("Low")}


class DocumentLine(NamedTuple):
    """A stored line of a quote or an order, as get_quote/get_order return it."""

    line_no: int
    product_id: int | None
    product_code: str | None
    description: str
    unit: str | None
    quantity: Decimal
    unit_price: Decimal
    discount_bp: int
    amount: Decimal

    def as_input(self) -> LineInput:
        """The line as input again (to copy it into another document)."""
        return LineInput(
            description=self.description,
            quantity=self.quantity,
            unit_price=self.unit_price,
            discount_bp=self.discount_bp,
            unit=self.unit,
            product_id=self.product_id,
            product_code=self.product_code,
        )


class Parties(NamedTuple):
    customer_name: str
    contact_name: str | None
    contact_phone: str | None
    salesperson_name: str | None


def status_label(status: str) -> str:
    """The status as the person reads it (translated)."""
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere (with \\ as the escape character)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def load_in_scope(
    session: Session,
    operator: Operator,
    model: type[Any],
    record_id: int,
    what: str,
    *,
    owner: str = "salesperson_id",
) -> Any:
    """A sales record the operator may see: its `owner` (the salesperson, a receipt's handler)
    in their scope, or its customer visible to them; NotFound naming `what` otherwise."""
    record = records.load(session, model, record_id, what)
    require_record_in_scope(session, operator, getattr(record, owner), record.customer_id)
    return record


# --- header values -------------------------------------------------------------------------------


def clean_header(
    values: Mapping[str, Any], fields: Iterable[str], texts: Iterable[str]
) -> dict[str, Any]:
    """The known header fields; text fields stripped (empty -> None), ids and dates checked."""
    known = set(fields)
    clean = {key: value for key, value in values.items() if key in known}
    for key in texts:
        if key in clean:
            clean[key] = (clean[key] or "").strip() or None
    for key, value in clean.items():
        if key.endswith(("_date", "_until", "_on")):
            clean[key] = as_date(value)
    if "tax_rate_bp" in clean:
        clean["tax_rate_bp"] = tax_rate(clean["tax_rate_bp"])
    return clean


REQUIRED_LABELS = {
    "customer_id": N_("Customer"),
    "salesperson_id": N_("Salesperson"),
    "order_date": N_("Order date"),
    "quote_date": N_("Quote date"),
}


def refuse_cleared(values: Mapping[str, Any], *keys: str) -> None:
    """On an update, a required field given as empty is refused (not stored as NULL)."""
    for key in keys:
        if key in values and values[key] is None:
            label = _(REQUIRED_LABELS.get(key, key))
            raise ValidationError(_("“{field}” must not be empty.").format(field=label))


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ValidationError(_("“{text}” is not a date (YYYY-MM-DD).").format(text=value)) from exc


def tax_rate(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= FULL_BP:
        raise ValidationError(_("The tax rate must be between 0 % and 100 %."))
    return value


def new_header(
    uow: UnitOfWork, operator: Operator, values: Mapping[str, Any], date_key: str
) -> dict[str, Any]:
    """A new quote's or order's header: the given values, else the operator as salesperson,
    today as the document date and no tax."""
    header = {key: value for key, value in values.items() if value is not None}
    header.setdefault("salesperson_id", operator.id)
    header.setdefault(date_key, local_today(uow.clock))
    header.setdefault("tax_rate_bp", 0)
    return header


def totals_values(totals: Totals) -> dict[str, Decimal]:
    """The header columns that hold a document's totals."""
    return {"subtotal": totals.subtotal, "tax": totals.tax, "total": totals.total}


def check_parties(
    session: Session, operator: Operator, values: Mapping[str, Any], current: Any = None
) -> None:
    """Refuse a customer the operator may not see, a salesperson outside their scope, and a
    contact or opportunity that belongs to another customer.

    `current` is the stored record on an update: only what changes is checked again, so a
    customer handed over keeps its old orders editable by the new owner.
    """

    def changed(key: str) -> bool:
        return key in values and (current is None or getattr(current, key) != values[key])

    customer_id = values.get("customer_id", getattr(current, "customer_id", None))
    if customer_id is None:
        raise ValidationError(_("Choose a customer."))
    if changed("customer_id"):
        load_visible(session, operator, customer_id)
    if changed("salesperson_id"):
        person = session.get(Operator, values["salesperson_id"])
        if person is None:
            raise NotFound(_("Operator #{id} does not exist.").format(id=values["salesperson_id"]))
        require_in_scope(session, operator, person.id)
    contact_id = values.get("contact_id", getattr(current, "contact_id", None))
    if contact_id is not None and (changed("contact_id") or changed("customer_id")):
        owner = session.scalar(select(Contact.customer_id).where(Contact.id == contact_id))
        if owner != customer_id:
            raise ValidationError(_("The contact does not belong to this customer."))
    opportunity_id = values.get("opportunity_id", getattr(current, "opportunity_id", None))
    if opportunity_id is not None and (changed("opportunity_id") or changed("customer_id")):
        owner = session.scalar(
            select(Opportunity.customer_id).where(Opportunity.id == opportunity_id)
        )
        if owner != customer_id:
            raise ValidationError(_("The opportunity belongs to another customer."))


def keep_or_check_owner(
    session: Session, operator: Operator, values: dict[str, Any], record: Any, key: str
) -> None:
    """On an update: an empty owner (`key`) keeps the current one, since the record always
    has one; a different owner must be in the operator's scope."""
    if values.get(key) is None:
        values.pop(key, None)
    elif values[key] != getattr(record, key):
        require_in_scope(session, operator, values[key])


def contact_phone(session: Session, contact_id: int | None) -> str | None:
    """The contact's mobile, else their phone: what an order prints as the phone to call."""
    if contact_id is None:
        return None
    row = session.execute(
        select(Contact.mobile, Contact.phone).where(Contact.id == contact_id)
    ).first()
    return (row[0] or row[1]) if row else None


def parties(
    session: Session, customer_id: int, contact_id: int | None, salesperson_id: int | None
) -> Parties:
    """Names for a document header, in one round trip each (detail views, prints)."""
    customer = session.scalar(select(Customer.name).where(Customer.id == customer_id)) or ""
    contact = (
        session.execute(
            select(Contact.name, Contact.mobile, Contact.phone).where(Contact.id == contact_id)
        ).first()
        if contact_id
        else None
    )
    person = (
        session.scalar(select(Operator.name).where(Operator.id == salesperson_id))
        if salesperson_id
        else None
    )
    return Parties(
        customer,
        contact[0] if contact else None,
        (contact[1] or contact[2]) if contact else None,
        person,
    )


# --- lines ---------------------------------------------------------------------------------------


def priced_lines(
    session: Session, lines: Sequence[LineInput], tax_rate_bp: int
) -> tuple[list[LineInput], list[Decimal], Totals]:
    """Checked lines (catalogue codes filled in), their amounts, and the document totals."""
    clean = clean_lines(lines)
    if not clean:
        raise ValidationError(_("Add at least one line."))
    clean = _with_catalogue_codes(session, clean)
    amounts = [line_amount(x.quantity, x.unit_price, x.discount_bp) for x in clean]
    return clean, amounts, document_totals(amounts, tax_rate_bp)


def _with_catalogue_codes(session: Session, lines: list[LineInput]) -> list[LineInput]:
    ids = {line.product_id for line in lines if line.product_id is not None}
    if not ids:
        return lines
    codes = dict(session.execute(select(Product.id, Product.code).where(Product.id.in_(ids))).all())
    result = []
    for number, line in enumerate(lines, start=1):
        if line.product_id is not None and line.product_id not in codes:
            raise ValidationError(
                _("Line {n}: the product is no longer in the catalogue.").format(n=number)
            )
        if line.product_id is not None and line.product_code is None:
            line = replace(line, product_code=codes[line.product_id])
        result.append(line)
    return result


@dataclass(frozen=True)
class LineTable:
    """Where a kind of document keeps its lines: the model, the column naming the document,
    and the column holding the description (order lines call it `product_name`)."""

    model: type[Any]
    parent: Any
    description: Any


def load_lines(session: Session, table: LineTable, document_id: int) -> list[DocumentLine]:
    """The stored lines of one document, in order."""
    line = table.model
    query = (
        select(
            line.line_no,
            line.product_id,
            line.product_code,
            table.description,
            line.unit,
            line.quantity,
            line.unit_price,
            line.discount_bp,
            line.amount,
        )
        .where(table.parent == document_id)
        .order_by(line.line_no)
    )
    return [DocumentLine(*row) for row in session.execute(query)]


def insert_lines(
    session: Session, table: LineTable, document_id: int, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Store `line_values` rows (or stored lines as dicts) as the lines of a document."""
    if not rows:
        return
    values = []
    for row in rows:
        value = {key: item for key, item in row.items() if key != "description"}
        value[table.description.key] = row["description"]
        value[table.parent.key] = document_id
        values.append(value)
    session.execute(insert(table.model), values)


def replace_lines(
    uow: UnitOfWork,
    table: LineTable,
    document: Any,
    entity: str,
    old: Sequence[DocumentLine],
    new: Sequence[dict[str, Any]],
    *,
    header_changed: bool,
) -> None:
    """Store new lines in place of the old ones and audit both (`<entity>.lines`).

    The lines are part of the document, so it gets a new version for everyone else even when
    its header did not change.
    """
    session = uow.session
    session.execute(delete(table.model).where(table.parent == document.id))
    insert_lines(session, table, document.id, new)
    if not header_changed:
        flag_modified(document, "updated_at")
        session.flush()
    uow.audit(f"{entity}.lines", entity, document.id, {"lines": (lines_text(old), lines_text(new))})


def line_values(lines: Sequence[LineInput], amounts: Sequence[Decimal]) -> list[dict[str, Any]]:
    """Column values for stored lines (quote lines call the name `description`)."""
    return [
        {
            "line_no": number,
            "product_id": line.product_id,
            "product_code": line.product_code,
            "description": line.description,
            "unit": line.unit,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount_bp": line.discount_bp,
            "amount": amount,
        }
        for number, (line, amount) in enumerate(zip(lines, amounts, strict=True), start=1)
    ]


def lines_text(lines: Iterable[DocumentLine | dict[str, Any]]) -> str:
    """Lines as one line of text each, for the audit log (old -> new)."""
    out = []
    for line in lines:
        row = line._asdict() if isinstance(line, DocumentLine) else line
        discount = f" -{Decimal(row['discount_bp']) / 100:g}%" if row["discount_bp"] else ""
        code = f"{row['product_code']} " if row["product_code"] else ""
        out.append(
            f"{row['line_no']}. {code}{row['description']} {row['quantity']:g}"
            f"{row['unit'] or ''} × {row['unit_price']}{discount} = {row['amount']}"
        )
    return "\n".join(out)


def same_lines(stored: Sequence[DocumentLine], new: Sequence[dict[str, Any]]) -> bool:
    return [line._asdict() for line in stored] == [dict(row) for row in new]


# --- status --------------------------------------------------------------------------------------


def check_move(current: str, wanted: str, allowed: Mapping[str, Iterable[str]]) -> None:
    """Refuse a status change the document's life cycle does not have, naming both states."""
    if wanted not in STATUS_LABELS:
        raise ValidationError(_("Unknown status “{status}”.").format(status=wanted))
    if wanted not in set(allowed.get(current, ())):
        raise ValidationError(
            _("A document that is “{current}” cannot become “{wanted}”.").format(
                current=status_label(current), wanted=status_label(wanted)
            )
        )
