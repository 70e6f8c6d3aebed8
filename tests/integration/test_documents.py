"""Printed documents made from real records through the services, read back with pdftotext."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from PIL import Image
from sqlalchemy import select

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.errors import PermissionDenied, ValidationError
from crm_desktop.core.models import AuditEntry
from crm_desktop.core.services import company, contracts, documents, orders, quotes, receipts
from tests.pdf_helpers import flat, images_per_page, page_count, pdf_text
from tests.sales_fixtures import (
    line,
    make_confirmed_order,
    make_customer,
    make_order,
    make_quote,
    make_signed_contract,
)

CUSTOMER = "广州市华南国际智能装备制造与供应链管理服务有限责任公司"


def order_number(db: Database, actor: Actor, order_id: int) -> str:
    return orders.get_order(db, actor, order_id).number


def printed_actions(db: Database) -> list[tuple[str | None, int | None]]:
    with db.read() as session:
        rows = session.execute(
            select(AuditEntry.entity, AuditEntry.entity_id).where(
                AuditEntry.action == "document.print"
            )
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def png(size: tuple[int, int], colour: tuple[int, int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, colour).save(out, "PNG")
    return out.getvalue()


def test_printed_order_holds_customer_lines_total_and_capital_amount(
    db: Database, team: dict[str, Actor]
) -> None:
    li = team["li"]
    customer = make_customer(db, li, CUSTOMER)
    lines = [line("不锈钢六角螺栓 M12×60", 100, "1.25"), line("工业液压油 46#", 3, "1234.56", 500)]
    order_id = make_order(db, li, customer, lines, tax_rate_bp=1300)
    number = order_number(db, li, order_id)

    text = flat(pdf_text(documents.render_document(db, li, "order", number)))

    assert CUSTOMER in text
    assert "不锈钢六角螺栓M12×60" in text and "工业液压油46#" in text
    # 125.00 + 3 × 1234.56 × 95 % = 3643.50; tax 13 % = 473.66; total 4117.16
    assert "3,643.50" in text and "473.66" in text and "¥4,117.16" in text
    assert "肆仟壹佰壹拾柒元壹角陆分" in text
    assert number in text and "李四" in text


def test_an_order_of_300_lines_spans_pages_with_the_header_on_each(
    db: Database, boss: Actor
) -> None:
    customer = make_customer(db, boss, CUSTOMER)
    lines = [line(f"配件第{n:03d}号", 1, "2.00") for n in range(1, 301)]
    number = order_number(db, boss, make_order(db, boss, customer, lines))

    pdf = documents.render_document(db, boss, "order", number)

    pages = page_count(pdf)
    assert pages >= 5
    found = 0
    for page in range(1, pages + 1):
        text = pdf_text(pdf, page)
        found += flat(text).count("配件第")
        if "配件第" in text:
            assert "Product / description" in text and "Unit price" in text, page
        assert f"{page}/{pages}" in flat(text)
    assert found == 300
    assert "陆佰元整" in flat(pdf_text(pdf, pages))


def test_a_salesperson_cannot_print_a_colleagues_order(
    db: Database, team: dict[str, Actor]
) -> None:
    li, zhao = team["li"], team["zhao"]
    number = order_number(db, li, make_order(db, li, make_customer(db, li, CUSTOMER)))

    with pytest.raises(PermissionDenied):
        documents.render_document(db, zhao, "order", number)
    assert printed_actions(db) == []
    # the manager of their team may
    assert documents.render_document(db, team["manager"], "order", number).startswith(b"%PDF")


def test_quote_prints_the_letterhead_logo_seal_and_terms_of_the_company(
    db: Database, boss: Actor
) -> None:
    profile = company.get_profile(db, boss)
    company.update_profile(
        db,
        boss,
        profile["version"],
        {
            "name": profile["name"],
            "address": "上海市浦东新区碧波路 690 号",
            "bank_name": "中国工商银行上海张江支行",
            "bank_account": "1001 2345 6789",
            "logo": png((160, 60), (31, 58, 95, 255)),
            "seal": png((100, 100), (200, 20, 30, 150)),
            "document_terms": "报价有效期内价格不变。",
        },
    )
    customer = make_customer(db, boss, CUSTOMER)
    quote_id = make_quote(db, boss, customer, [line("办公椅", 2, "450.00")])
    number = quotes.get_quote(db, boss, quote_id).number

    pdf = documents.render_document(db, boss, "quote", number)

    text = flat(pdf_text(pdf))
    for expected in ("测试贸易有限公司", "碧波路690号", "中国工商银行上海张江支行", "100123456789"):
        assert expected in text  # the letterhead
    assert "报价有效期内价格不变。" in text  # the company's default terms
    assert "Quotation" in text and "玖佰元整" in text
    images = images_per_page(pdf)
    assert images == {1: 2}  # one page: the logo and the seal


def test_receipt_prints_its_allocations_and_the_amount_in_capital_figures(
    db: Database, boss: Actor
) -> None:
    customer = make_customer(db, boss, CUSTOMER)
    first = make_confirmed_order(db, boss, customer, "300.00")
    second = make_confirmed_order(db, boss, customer, "200.00")
    receipt_id = receipts.record_receipt(
        db,
        boss,
        {"customer_id": customer, "amount": Decimal("600.00"), "payer": "陈晓明"},
        [(first, Decimal("300.00")), (second, Decimal("200.00"))],
    )
    number = receipts.get_receipt(db, boss, receipt_id).number

    text = flat(pdf_text(documents.render_document(db, boss, "receipt", number)))

    assert CUSTOMER in text and "陈晓明" in text
    assert order_number(db, boss, first) in text and order_number(db, boss, second) in text
    assert "Advancepayment100.00" in text  # the unallocated rest
    assert "¥600.00" in text and "陆佰元整" in text


def test_contract_prints_its_linked_orders_and_amount(db: Database, boss: Actor) -> None:
    customer = make_customer(db, boss, CUSTOMER)
    order_id = make_confirmed_order(db, boss, customer, "12345.67")
    contract_id = make_signed_contract(db, boss, customer, "12345.67", order_ids=(order_id,))
    number = contracts.get_contract(db, boss, contract_id).number
    text = flat(pdf_text(documents.render_document(db, boss, "contract", number)))

    assert order_number(db, boss, order_id) in text
    assert "壹万贰仟叁佰肆拾伍元陆角柒分" in text and "年度供货合同" in text


def test_every_print_is_audited_and_a_cancelled_batch_leaves_no_trace(
    db: Database, boss: Actor
) -> None:
    customer = make_customer(db, boss, CUSTOMER)
    ids = [make_order(db, boss, customer) for _ in range(3)]
    numbers = [order_number(db, boss, i) for i in ids]

    with pytest.raises(documents.PrintCancelled):
        documents.render_documents(db, boss, "order", numbers, lambda done, total: done < 2)
    assert printed_actions(db) == []

    seen: list[tuple[int, int]] = []
    pdfs = documents.render_documents(
        db, boss, "order", numbers, lambda done, total: seen.append((done, total)) or True
    )
    assert [numbers[n] in flat(pdf_text(pdf)) for n, pdf in enumerate(pdfs)] == [True] * 3
    assert seen[-1] == (3, 3)
    assert sorted(printed_actions(db)) == [("order", i) for i in sorted(ids)]


def test_an_unknown_kind_of_document_is_refused(db: Database, boss: Actor) -> None:
    with pytest.raises(ValidationError, match="invoice"):
        documents.render_document(db, boss, "invoice", "X1")
