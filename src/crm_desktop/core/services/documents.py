"""Printed documents: a quote, order, contract or receipt turned into the one PDF layout.

Each kind is loaded through its own service (`quotes.get_quote`, `orders.get_order`,
`contracts.get_contract`, `receipts.get_receipt`), so printing needs exactly the permission and
data scope that viewing needs: a salesperson cannot print a colleague's order. The letterhead,
seal and default terms come from the company profile. Every print is audited
(`document.print`). reportlab is imported only when a PDF is rendered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database
from crm_desktop.core.errors import CrmError, ValidationError
from crm_desktop.core.i18n import N_, _
from crm_desktop.core.models import Customer, DocumentStatus
from crm_desktop.core.money import ZERO, format_money
from crm_desktop.core.reports.capital import rmb_capital
from crm_desktop.core.reports.pdf.layout import (
    ColumnSpec,
    CompanyBlock,
    PrintedDocument,
    render_pdf,
)

DOCUMENT_KINDS = ("quote", "order", "contract", "receipt")
KIND_LABELS = {
    "quote": N_("Quotation"),
    "order": N_("Sales Order Confirmation"),
    "contract": N_("Sales Contract"),
    "receipt": N_("Receipt"),
}
Progress = Callable[[int, int], bool]


class PrintCancelled(CrmError):
    """A batch was cancelled through its progress callback; nothing was audited."""


@dataclass(frozen=True)
class _Firm:
    """The company profile as printing needs it."""

    block: CompanyBlock
    seal: bytes | None
    terms: str | None


@dataclass(frozen=True)
class _CustomerInfo:
    address: str | None
    phone: str | None
    tax_id: str | None
    contact_phone: str | None


# --- public API ----------------------------------------------------------------------------------


def build_document(
    db: Database, actor: Actor, kind: str, number: str, *, revision: int | None = None
) -> PrintedDocument:
    """The document as printed text (the kind's .view permission and data scope); audited."""
    doc, record_id = _build(db, actor, kind, number, revision, _firm(db, actor))
    _audit(db, actor, [(doc, record_id)])
    return doc


def render_document(
    db: Database, actor: Actor, kind: str, number: str, *, revision: int | None = None
) -> bytes:
    """The document as PDF bytes (quotes: the latest revision unless one is given); audited."""
    doc, record_id = _build(db, actor, kind, number, revision, _firm(db, actor))
    pdf = render_pdf(doc)
    _audit(db, actor, [(doc, record_id)])
    return pdf


def render_documents(
    db: Database,
    actor: Actor,
    kind: str,
    numbers: Sequence[str],
    progress: Progress | None = None,
) -> list[bytes]:
    """One PDF per number, in order; `progress(done, total)` returning False cancels.

    All are audited together at the end, in one transaction, so a cancelled batch leaves no
    trace and a long batch does not take the write lock a hundred times.
    """
    firm = _firm(db, actor)
    total = len(numbers)
    if progress is not None and not progress(0, total):
        raise PrintCancelled(_("Printing was cancelled."))
    made: list[tuple[PrintedDocument, int]] = []
    pdfs: list[bytes] = []
    for done, number in enumerate(numbers, start=1):
        doc, record_id = _build(db, actor, kind, number, None, firm)
        pdfs.append(render_pdf(doc))
        made.append((doc, record_id))
        if progress is not None and not progress(done, total):
            raise PrintCancelled(_("Printing was cancelled."))
    _audit(db, actor, made)
    return pdfs


# --- loading -------------------------------------------------------------------------------------


def _build(
    db: Database, actor: Actor, kind: str, number: str, revision: int | None, firm: _Firm
) -> tuple[PrintedDocument, int]:
    builders = {"quote": _quote, "order": _order, "contract": _contract, "receipt": _receipt}
    if kind not in builders:
        raise ValidationError(
            _("Unknown kind of document “{kind}”; choose one of: {kinds}.").format(
                kind=kind, kinds=", ".join(DOCUMENT_KINDS)
            )
        )
    if revision is not None and kind != "quote":
        raise ValidationError(_("Only quotes have revisions."))
    return builders[kind](db, actor, number.strip(), revision, firm)


def _firm(db: Database, actor: Actor) -> _Firm:
    from crm_desktop.core.services import company

    profile = company.get_profile(db, actor)
    block = CompanyBlock(
        name=profile["name"],
        address=profile["address"],
        phone=profile["phone"],
        fax=profile["fax"],
        email=profile["email"],
        website=profile["website"],
        tax_id=profile["tax_id"],
        bank_name=profile["bank_name"],
        bank_account=profile["bank_account"],
        logo=profile["logo"],
    )
    return _Firm(block, profile["seal"], profile["document_terms"])


def _customer_info(db: Database, customer_id: int, contact_id: int | None) -> _CustomerInfo:
    """Address, phone and tax id for the customer block (the record itself is already
    checked: whoever may see the document may see who it is addressed to)."""
    from crm_desktop.core.services.sales_common import contact_phone

    with db.read() as session:
        row = session.execute(
            select(Customer.address, Customer.phone, Customer.tax_id).where(
                Customer.id == customer_id
            )
        ).one()
        return _CustomerInfo(row.address, row.phone, row.tax_id, contact_phone(session, contact_id))


def _quote(
    db: Database, actor: Actor, number: str, revision: int | None, firm: _Firm
) -> tuple[PrintedDocument, int]:
    from crm_desktop.core.services import quotes

    quote = quotes.get_quote(db, actor, quotes.quote_id_by_number(db, actor, number, revision))
    info = _customer_info(db, quote.customer_id, quote.contact_id)
    shown_number = quote.number
    if quote.revision > 1:
        shown_number = _("{number} (revision {revision})").format(
            number=quote.number, revision=quote.revision
        )
    doc = _document(
        "quote",
        firm,
        number=quote.number,
        date=quote.quote_date,
        party=_party(quote.customer_name, quote.contact_name, info),
        meta=_pairs(
            (_("Quote number"), shown_number),
            (_("Quote date"), _day(quote.quote_date)),
            (_("Valid until"), _day(quote.valid_until)),
            (_("Salesperson"), quote.salesperson_name),
        ),
        **_priced(quote.lines, quote.tax_rate_bp, quote.subtotal, quote.tax, quote.total),
        terms=_terms(quote.remarks, quote.terms or firm.terms),
        signatures=[
            _("Customer (stamp): {name}").format(name=quote.customer_name),
            _("Supplier (stamp): {name}").format(name=firm.block.name),
        ],
        watermark=_("SUPERSEDED") if quote.status == DocumentStatus.SUPERSEDED else None,
    )
    return doc, quote.id


def _order(
    db: Database, actor: Actor, number: str, revision: int | None, firm: _Firm
) -> tuple[PrintedDocument, int]:
    from crm_desktop.core.services import orders

    order = orders.get_order(db, actor, orders.order_id_by_number(db, actor, number))
    info = _customer_info(db, order.customer_id, None)
    info = _CustomerInfo(info.address, info.phone, info.tax_id, order.contact_phone)
    party = _party(order.customer_name, order.contact_name, info)
    if order.delivery_address:
        party.append((_("Delivery address"), order.delivery_address))
    doc = _document(
        "order",
        firm,
        number=order.number,
        date=order.order_date,
        party=party,
        meta=_pairs(
            (_("Order number"), order.number),
            (_("Order date"), _day(order.order_date)),
            (_("Salesperson"), order.salesperson_name),
        ),
        **_priced(order.lines, order.tax_rate_bp, order.subtotal, order.tax, order.total),
        terms=_terms(order.remarks, order.terms or firm.terms),
        signatures=_buyer_seller(order.customer_name, firm),
        watermark=_("CANCELLED") if order.status == DocumentStatus.CANCELLED else None,
    )
    return doc, order.id


def _contract(
    db: Database, actor: Actor, number: str, revision: int | None, firm: _Firm
) -> tuple[PrintedDocument, int]:
    from crm_desktop.core.services import contracts

    contract = contracts.get_contract(db, actor, contracts.contract_id_by_number(db, actor, number))
    info = _customer_info(db, contract.customer_id, None)
    party = _party(contract.customer_name, None, info)
    party.insert(1, (_("Signatory"), contract.signatory or ""))
    period = " – ".join(_day(d) for d in (contract.start_on, contract.end_on) if d)
    doc = _document(
        "contract",
        firm,
        number=contract.number,
        date=contract.signed_on or contract.start_on or date.min,
        party=_pairs(*party),
        meta=_pairs(
            (_("Contract number"), contract.number),
            (_("Subject"), contract.title),
            (_("Signed on"), _day(contract.signed_on)),
            (_("Term"), period),
            (_("Salesperson"), contract.salesperson_name),
        ),
        columns=_order_columns(),
        rows=[
            [str(n), order_number, format_money(total)]
            for n, (_id, order_number, total) in enumerate(contract.orders, start=1)
        ],
        totals=[(_("Contract amount"), contract.amount)],
        capital=rmb_capital(contract.amount),
        terms=_terms(None, contract.terms or firm.terms),
        signatures=_buyer_seller(contract.customer_name, firm),
        watermark=_("CANCELLED") if contract.status == DocumentStatus.CANCELLED else None,
    )
    return doc, contract.id


def _receipt(
    db: Database, actor: Actor, number: str, revision: int | None, firm: _Firm
) -> tuple[PrintedDocument, int]:
    from crm_desktop.core.services import receipts

    receipt = receipts.get_receipt(db, actor, receipts.receipt_id_by_number(db, actor, number))
    allocated = sum((a.amount for a in receipt.allocations), ZERO)
    totals: list[tuple[str, Decimal]] = []
    if receipt.allocations and allocated != receipt.amount:
        totals += [
            (_("Allocated to orders"), allocated),
            (_("Advance payment"), receipt.amount - allocated),
        ]
    totals.append((_("Amount received"), receipt.amount))
    doc = _document(
        "receipt",
        firm,
        number=receipt.number,
        date=receipt.received_on,
        party=_pairs((_("Customer"), receipt.customer_name), (_("Payer"), receipt.payer)),
        meta=_pairs(
            (_("Receipt number"), receipt.number),
            (_("Date received"), _day(receipt.received_on)),
            (_("Payment method"), receipt.method_name),
            (_("Handled by"), receipt.handler_name),
        ),
        columns=_order_columns(),
        rows=[
            [str(n), a.order_number, format_money(a.amount)]
            for n, a in enumerate(receipt.allocations, start=1)
        ],
        empty_table_text=_("Advance payment, not allocated to an order."),
        totals=totals,
        capital=rmb_capital(receipt.amount),
        terms=_terms(receipt.remarks, None),
        signatures=[
            _("Payer: {name}").format(name=receipt.payer or receipt.customer_name),
            _("Payee (stamp): {name}").format(name=firm.block.name),
        ],
        watermark=_("VOID") if receipt.archived else None,
    )
    return doc, receipt.id


# --- shared pieces -------------------------------------------------------------------------------


def _document(kind: str, firm: _Firm, **fields: Any) -> PrintedDocument:
    """A printed document of `kind` under the firm's letterhead and seal."""
    return PrintedDocument(
        kind=kind, title=_(KIND_LABELS[kind]), company=firm.block, seal=firm.seal, **fields
    )


def _order_columns() -> list[ColumnSpec]:
    """The table of a contract's or a receipt's orders: number and amount."""
    return [
        ColumnSpec(_("No."), 0.5, "CENTER"),
        ColumnSpec(_("Order number"), 3),
        ColumnSpec(_("Amount"), 1.5, "RIGHT"),
    ]


def _priced(
    lines: Sequence[Any], tax_rate_bp: int, subtotal: Decimal, tax: Decimal, total: Decimal
) -> dict[str, Any]:
    """Columns, rows, totals and capital amount of a quote or order (DocumentLine rows).

    The code and discount columns appear only when some line has one.
    """
    with_code = any(line.product_code for line in lines)
    with_discount = any(line.discount_bp for line in lines)
    columns = [ColumnSpec(_("No."), 0.45, "CENTER")]
    if with_code:
        columns.append(ColumnSpec(_("Code"), 1.0))
    columns += [
        ColumnSpec(_("Product / description"), 3.0),
        ColumnSpec(_("Unit"), 0.55, "CENTER"),
        ColumnSpec(_("Quantity"), 0.8, "RIGHT"),
        ColumnSpec(_("Unit price"), 1.0, "RIGHT"),
    ]
    if with_discount:
        columns.append(ColumnSpec(_("Discount"), 0.6, "RIGHT"))
    columns.append(ColumnSpec(_("Amount"), 1.2, "RIGHT"))
    rows = []
    for line in lines:
        row = [str(line.line_no)]
        if with_code:
            row.append(line.product_code or "")
        row += [line.description, line.unit or "", _quantity(line.quantity)]
        row.append(format_money(line.unit_price))
        if with_discount:
            row.append(_percent(line.discount_bp) if line.discount_bp else "")
        row.append(format_money(line.amount))
        rows.append(row)
    totals = [(_("Total"), total)]
    if tax_rate_bp:
        tax_label = _("Tax ({rate})").format(rate=_percent(tax_rate_bp))
        totals = [(_("Subtotal"), subtotal), (tax_label, tax), *totals]
    return {"columns": columns, "rows": rows, "totals": totals, "capital": rmb_capital(total)}


def _party(customer: str, contact: str | None, info: _CustomerInfo) -> list[tuple[str, str]]:
    return _pairs(
        (_("Customer"), customer),
        (_("Contact"), contact),
        (_("Phone"), info.contact_phone or info.phone),
        (_("Address"), info.address),
        (_("Tax ID"), info.tax_id),
    )


def _buyer_seller(customer: str, firm: _Firm) -> list[str]:
    return [
        _("Buyer (stamp): {name}").format(name=customer),
        _("Seller (stamp): {name}").format(name=firm.block.name),
    ]


def _pairs(*pairs: tuple[str, str | None]) -> list[tuple[str, str]]:
    """Label/value rows without the empty ones; the first (the customer) is always kept."""
    return [(label, value or "") for n, (label, value) in enumerate(pairs) if value or n == 0]


def _terms(remarks: str | None, terms: str | None) -> str | None:
    parts = []
    if remarks and remarks.strip():
        parts.append(_("Remarks: {text}").format(text=remarks.strip()))
    if terms and terms.strip():
        parts.append(terms.strip())
    return "\n".join(parts) or None


def _day(day: date | None) -> str:
    return day.isoformat() if day else ""


def _quantity(quantity: Decimal) -> str:
    """1,234.5 rather than 1,234.500: three decimals are stored, the needed ones shown."""
    return _trimmed(f"{quantity:,f}")


def _percent(basis_points: int) -> str:
    """1300 -> 13%, 1250 -> 12.5%."""
    return _trimmed(f"{Decimal(basis_points) / 100:f}") + "%"


def _trimmed(number: str) -> str:
    return number.rstrip("0").rstrip(".") if "." in number else number


def _audit(db: Database, actor: Actor, made: Sequence[tuple[PrintedDocument, int]]) -> None:
    with db.write(actor) as uow:
        for doc, record_id in made:
            uow.audit("document.print", doc.kind, record_id, summary=f"{doc.title} {doc.number}")
