"""Quotes: drafts change, sent ones are revised (old kept), accepted ones become orders whole."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import local_today
from crm_desktop.core.db import Database
from crm_desktop.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from crm_desktop.core.models import AuditEntry, Opportunity
from crm_desktop.core.pricing import LineInput
from crm_desktop.core.services import contacts, customers, orders, quotes
from crm_desktop.core.services.quotes import QuoteFilter
from tests.conftest import MakeOperator
from tests.sales_fixtures import line, make_customer, make_product, make_quote


def sent_quote(db: Database, actor: Actor, customer: int, **values: object) -> int:
    quote = make_quote(db, actor, customer, **values)
    quotes.set_quote_status(db, actor, quote, 1, "sent")
    return quote


def test_a_new_quote_is_a_numbered_draft_with_exact_totals(db: Database, boss: Actor) -> None:
    customer = make_customer(db, boss)
    quote = make_quote(
        db,
        boss,
        customer,
        [line("椅子", 3, "33.33", 1500), line("运费", 1, "0.10")],
        tax_rate_bp=1300,
    )
    detail = quotes.get_quote(db, boss, quote)
    assert detail.number == f"QT{local_today(db.clock):%Y%m%d}0001"
    assert (detail.revision, detail.status, detail.quote_date) == (
        1,
        "draft",
        local_today(db.clock),
    )
    assert (detail.subtotal, detail.tax, detail.total) == (
        Decimal("85.09"),
        Decimal("11.06"),
        Decimal("96.15"),
    )
    assert detail.revisions == [(quote, 1, "draft")]
    assert detail.order_id is None


def test_a_draft_changes_but_a_sent_quote_does_not(db: Database, boss: Actor) -> None:
    customer = make_customer(db, boss)
    quote = make_quote(db, boss, customer)
    quotes.save_quote(db, boss, quote, 1, {"terms": "款到发货"}, [line("改过", 2, "10.00")])
    assert quotes.get_quote(db, boss, quote).total == Decimal("20.00")
    quotes.set_quote_status(db, boss, quote, 2, "sent")
    with pytest.raises(ValidationError, match="make a new revision"):
        quotes.save_quote(db, boss, quote, 3, {"terms": "晚了"}, [line()])
    assert quotes.get_quote(db, boss, quote).terms == "款到发货"


def test_valid_until_cannot_be_before_the_quote_date(db: Database, boss: Actor) -> None:
    customer = make_customer(db, boss)
    with pytest.raises(ValidationError, match="Valid until"):
        make_quote(db, boss, customer, quote_date=date(2026, 1, 5), valid_until=date(2026, 1, 4))


def test_quote_status_moves_draft_sent_then_accepted_or_rejected(db: Database, boss: Actor) -> None:
    customer = make_customer(db, boss)
    quote = make_quote(db, boss, customer)
    with pytest.raises(ValidationError, match="“Draft” cannot become “Accepted”"):
        quotes.set_quote_status(db, boss, quote, 1, "accepted")
    quotes.set_quote_status(db, boss, quote, 1, "sent")
    quotes.set_quote_status(db, boss, quote, 2, "rejected")
    for status in ("accepted", "sent", "draft", "superseded"):
        with pytest.raises(ValidationError):
            quotes.set_quote_status(db, boss, quote, 3, status)
    other = sent_quote(db, boss, customer)
    quotes.set_quote_status(db, boss, other, 2, "accepted")
    assert quotes.get_quote(db, boss, other).status == "accepted"


def test_revising_a_sent_quote_keeps_the_old_version_and_the_number(
    db: Database, boss: Actor
) -> None:
    customer = make_customer(db, boss)
    old = sent_quote(
        db, boss, customer, valid_until=local_today(db.clock) + timedelta(days=30), terms="旧条款"
    )
    db.clock.advance(days=3)  # type: ignore[attr-defined]
    new = quotes.revise_quote(db, boss, old, 2)
    revised = quotes.get_quote(db, boss, new)
    kept = quotes.get_quote(db, boss, old)
    assert revised.number == kept.number
    assert (revised.revision, revised.status, revised.terms) == (2, "draft", "旧条款")
    assert revised.quote_date == local_today(db.clock)
    assert revised.valid_until == local_today(db.clock) + timedelta(days=30)
    assert revised.lines == kept.lines
    assert (kept.status, kept.revision) == ("superseded", 1)
    assert revised.revisions == kept.revisions == [(old, 1, "superseded"), (new, 2, "draft")]
    quotes.save_quote(db, boss, new, 1, {}, [line("降价", 1, "90.00")])
    assert quotes.get_quote(db, boss, old).total == Decimal("100.00")  # what the customer holds
    assert quotes.quote_id_by_number(db, boss, kept.number) == new
    assert quotes.quote_id_by_number(db, boss, kept.number, 1) == old
    latest = quotes.list_quotes(db, boss)
    assert [(r.id, r.revision) for r in latest] == [(new, 2)]
    every = quotes.list_quotes(db, boss, QuoteFilter(all_revisions=True), sort="number")
    assert {r.id for r in every} == {old, new}
    assert quotes.count_quotes(db, boss) == 1
    assert quotes.count_quotes(db, boss, QuoteFilter(all_revisions=True)) == 2


def test_only_the_latest_sent_quote_is_revised(db: Database, boss: Actor) -> None:
    customer = make_customer(db, boss)
    draft = make_quote(db, boss, customer)
    with pytest.raises(ValidationError, match="edited directly"):
        quotes.revise_quote(db, boss, draft, 1)
    old = sent_quote(db, boss, customer)
    quotes.revise_quote(db, boss, old, 2)
    with pytest.raises(ValidationError, match="latest revision"):
        quotes.revise_quote(db, boss, old, 3)
    with pytest.raises(ConflictError):
        quotes.revise_quote(db, boss, sent_quote(db, boss, customer), 1)


def test_converting_keeps_every_line_the_tax_terms_contact_and_opportunity(
    db: Database, boss: Actor
) -> None:
    product = make_product(db, boss, "CH-01", "人体工学椅", "1299.00")
    customer = make_customer(db, boss)
    contact = contacts.save_contact(
        db, boss, customer, None, None, {"name": "陈采购", "mobile": "13912345678"}
    )
    with db.write(boss) as uow:
        opportunity = Opportunity(customer_id=customer, owner_id=boss.id, name="办公室翻新")
        uow.session.add(opportunity)
        uow.session.flush()
        opportunity_id = opportunity.id
    lines = [
        LineInput("人体工学椅", Decimal(12), Decimal("1299.00"), 1500, "把", product),
        LineInput("安装服务", Decimal("2.5"), Decimal("33.33"), 0, "小时"),
        LineInput("运费", Decimal(1), Decimal("0.10")),
    ]
    quote = sent_quote(
        db,
        boss,
        customer,
        lines=lines,
        tax_rate_bp=1300,
        terms="含税含运费，30 天内付款。",
        remarks="老客户",
        contact_id=contact,
        opportunity_id=opportunity_id,
    )
    order_id = quotes.convert_to_order(db, boss, quote, 2)
    order = orders.get_order(db, boss, order_id)
    source = quotes.get_quote(db, boss, quote)
    assert order.lines == source.lines  # code, name, unit, qty, price, discount, amount
    assert order.lines[0].product_code == "CH-01"
    assert (order.tax_rate_bp, order.subtotal, order.tax, order.total) == (
        source.tax_rate_bp,
        source.subtotal,
        source.tax,
        source.total,
    )
    assert (order.terms, order.remarks) == ("含税含运费，30 天内付款。", "老客户")
    assert (order.contact_id, order.contact_phone, order.opportunity_id) == (
        contact,
        "13912345678",
        opportunity_id,
    )
    assert (order.quote_id, order.status, order.order_date) == (
        quote,
        "draft",
        local_today(db.clock),
    )
    assert (source.status, source.order_id) == ("accepted", order_id)
    with db.read() as session:
        audited = session.scalar(
            select(AuditEntry.changes).where(AuditEntry.action == "quote.convert")
        )
    assert order.number in (audited or "")


def test_an_accepted_quote_converts_but_drafts_old_rejected_or_converted_ones_do_not(
    db: Database, boss: Actor
) -> None:
    customer = make_customer(db, boss)
    draft = make_quote(db, boss, customer)
    with pytest.raises(ValidationError, match="Send the quote"):
        quotes.convert_to_order(db, boss, draft, 1)
    old = sent_quote(db, boss, customer)
    quotes.revise_quote(db, boss, old, 2)
    with pytest.raises(ValidationError, match="old revision"):
        quotes.convert_to_order(db, boss, old, 3)
    rejected = sent_quote(db, boss, customer)
    quotes.set_quote_status(db, boss, rejected, 2, "rejected")
    with pytest.raises(ValidationError, match="“Rejected” quote cannot become an order"):
        quotes.convert_to_order(db, boss, rejected, 3)
    accepted = sent_quote(db, boss, customer)
    quotes.set_quote_status(db, boss, accepted, 2, "accepted")
    first = quotes.convert_to_order(db, boss, accepted, 3)
    number = orders.get_order(db, boss, first).number
    with pytest.raises(ValidationError, match=f"already turned into the sales order {number}"):
        quotes.convert_to_order(db, boss, accepted, 3)
    with pytest.raises(ValidationError, match="already turned"):
        quotes.revise_quote(db, boss, accepted, 3)
    orders.set_order_status(db, boss, first, 1, "cancelled")  # the order fell through: again
    again = quotes.convert_to_order(db, boss, accepted, 3)
    assert quotes.get_quote(db, boss, accepted).order_id == again
    assert orders.count_orders(db, boss) == 2


def test_converting_needs_the_right_to_create_orders_and_a_fresh_copy(
    db: Database, boss: Actor, make_operator: MakeOperator
) -> None:
    finance = make_operator("kuaiji", "finance")
    quote = sent_quote(db, boss, make_customer(db, boss))
    assert quotes.get_quote(db, finance, quote).status == "sent"  # may look
    with pytest.raises(PermissionDenied, match="Create sales orders"):
        quotes.convert_to_order(db, finance, quote, 2)
    with pytest.raises(ConflictError):
        quotes.convert_to_order(db, boss, quote, 1)
    assert orders.count_orders(db, boss) == 0


def test_stale_quote_saves_conflict(db: Database, team: dict[str, Actor]) -> None:
    li, manager = team["li"], team["manager"]
    quote = make_quote(db, li, make_customer(db, li))
    quotes.save_quote(db, manager, quote, 1, {"remarks": "经理"}, [line()])
    with pytest.raises(ConflictError):
        quotes.save_quote(db, li, quote, 1, {"remarks": "李四"}, [line()])
    with pytest.raises(ConflictError):
        quotes.set_quote_status(db, li, quote, 1, "sent")
    assert quotes.get_quote(db, li, quote).remarks == "经理"


def test_a_salesperson_cannot_see_list_load_or_change_a_colleagues_quotes(
    db: Database, team: dict[str, Actor]
) -> None:
    li, zhao = team["li"], team["zhao"]
    theirs = sent_quote(db, zhao, make_customer(db, zhao))
    mine = make_quote(db, li, make_customer(db, li))
    number = quotes.get_quote(db, zhao, theirs).number
    assert [r.id for r in quotes.list_quotes(db, li)] == [mine]
    assert quotes.count_quotes(db, li, QuoteFilter(all_revisions=True)) == 1
    with pytest.raises(PermissionDenied):
        quotes.get_quote(db, li, theirs)
    with pytest.raises(PermissionDenied):
        quotes.quote_id_by_number(db, li, number)
    with pytest.raises(PermissionDenied):
        quotes.save_quote(db, li, theirs, 2, {}, [line()])
    for call in (
        lambda: quotes.set_quote_status(db, li, theirs, 2, "accepted"),
        lambda: quotes.revise_quote(db, li, theirs, 2),
        lambda: quotes.convert_to_order(db, li, theirs, 2),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert quotes.get_quote(db, zhao, theirs).version == 2


def test_the_manager_sees_the_teams_quotes_and_a_handover_shows_old_ones(
    db: Database, team: dict[str, Actor], boss: Actor
) -> None:
    li, zhao, manager = team["li"], team["zhao"], team["manager"]
    make_quote(db, boss, make_customer(db, boss))
    customer = make_customer(db, zhao, "转交客户有限公司")
    old = sent_quote(db, zhao, customer)
    mine = make_quote(db, li, make_customer(db, li))
    assert {r.id for r in quotes.list_quotes(db, manager)} == {old, mine}
    version = customers.get_customer(db, boss, customer)["version"]
    customers.update_customer(db, boss, customer, version, {"owner_id": li.id})
    assert {r.id for r in quotes.list_quotes(db, li)} == {old, mine}
    order = quotes.convert_to_order(db, li, old, 2)
    assert orders.get_order(db, li, order).salesperson_id == li.id  # 赵六 is outside li's scope


def test_quote_lists_search_filter_and_sort(db: Database, boss: Actor) -> None:
    alpha = make_customer(db, boss, "阿尔法贸易有限公司")
    beta = make_customer(db, boss, "北京贝塔科技有限公司")
    q1 = make_quote(db, boss, alpha, [line("x", 1, "5.00")], quote_date=date(2025, 1, 1))
    q2 = make_quote(db, boss, beta, [line("x", 1, "9.00")], quote_date=date(2025, 2, 1))
    ids = lambda *a, **kw: [r.id for r in quotes.list_quotes(db, boss, *a, **kw)]  # noqa: E731
    assert ids() == [q2, q1]
    assert ids(sort="total", descending=False) == [q1, q2]
    assert ids(sort="customer", descending=False) == [q1, q2]
    assert ids(QuoteFilter(search="beita")) == [q2]
    assert ids(QuoteFilter(date_to=date(2025, 1, 31))) == [q1]
    assert ids(QuoteFilter(status="sent")) == []
    assert ids(QuoteFilter(customer_id=alpha)) == [q1]
    row = quotes.list_quotes(db, boss, QuoteFilter(customer_id=beta))[0]
    assert (row.customer_name, row.salesperson_name, row.total) == (
        "北京贝塔科技有限公司",
        "王老板",
        Decimal("9.00"),
    )
    with pytest.raises(NotFound):
        quotes.quote_id_by_number(db, boss, "QT-none")


def test_moving_the_quote_date_past_valid_until_is_refused(db: Database, boss: Actor) -> None:
    quote = make_quote(
        db, boss, make_customer(db, boss), quote_date=date(2026, 1, 5), valid_until=date(2026, 2, 4)
    )
    with pytest.raises(ValidationError, match="Valid until"):
        quotes.save_quote(db, boss, quote, 1, {"quote_date": date(2026, 3, 1)}, [line()])
    with pytest.raises(ValidationError, match="must not be empty"):
        quotes.save_quote(db, boss, quote, 1, {"quote_date": None}, [line()])
