"""Lists to xlsx: what the tab shows (its scope, filters and columns) as typed cells, only for
operators allowed to export, audited, and never a half-written file."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import text

from crm_desktop.core import i18n
from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock, as_utc
from crm_desktop.core.db import Database
from crm_desktop.core.errors import PermissionDenied, ValidationError
from crm_desktop.core.exporting import lists
from crm_desktop.core.exporting.lists import (
    EXPORT_KINDS,
    columns_for,
    default_columns,
    export_list,
)
from crm_desktop.core.importing.model import ImportCancelled
from crm_desktop.core.services import contacts, customers, followups, orders
from crm_desktop.core.services.customers import CustomerFilter
from crm_desktop.core.services.orders import OrderFilter
from tests.sales_fixtures import line, make_order


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """The folder the exports go to (the database file lives beside it)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def customer(db: Database, actor: Actor, name: str, **values: Any) -> int:
    return customers.create_customer(db, actor, {"name": name, **values}, allow_duplicate=True)


def sheet_of(path: Path) -> Any:
    return openpyxl.load_workbook(path).active


def rows_of(path: Path) -> list[list[Any]]:
    return [[cell.value for cell in row] for row in sheet_of(path).iter_rows(min_row=2)]


def audits(db: Database, action: str) -> list[dict[str, Any]]:
    """The audit rows of an action, read with plain SQL (not through the audit service)."""
    with db.engine.connect() as connection:
        found = connection.execute(
            text(
                "SELECT operator_code, summary, changes FROM audit_log WHERE action = :action"
                " ORDER BY id"
            ),
            {"action": action},
        )
        return [dict(row._mapping) for row in found]


def test_customer_cells_are_typed_and_the_phone_keeps_its_leading_zero(
    db: Database, boss: Actor, clock: FixedClock, out: Path
) -> None:
    cid = customer(db, boss, "杭州西湖茶叶有限公司", phone="057188886666")
    followups.record_followup(
        db,
        boss,
        {
            "customer_id": cid,
            "method": "phone",
            "subject": "报价",
            "next_followup_on": date(2026, 2, 1),
        },
    )
    customer(db, boss, '=HYPERLINK("http://x")', phone="0")

    count = export_list(db, boss, "customers", out / "c.xlsx")

    assert count == 2
    sheet = sheet_of(out / "c.xlsx")
    header = [c.value for c in sheet[1]]
    assert header == [c.label for c in default_columns("customers")]
    assert header[:7] == ["Name", "Type", "Source", "Industry", "Region", "Phone", "Owner"]
    by_name = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    tea = by_name["杭州西湖茶叶有限公司"]
    phone = tea[header.index("Phone")]
    assert (phone.value, phone.data_type) == ("057188886666", "s")
    assert tea[header.index("Owner")].value == "王老板"
    last = tea[header.index("Last follow-up")]
    assert last.is_date and last.number_format == "yyyy-mm-dd hh:mm"
    assert last.value == as_utc(clock.now()).astimezone().replace(tzinfo=None)
    following = tea[header.index("Next follow-up")]
    assert following.value == datetime(2026, 2, 1) and following.number_format == "yyyy-mm-dd"
    formula = by_name['=HYPERLINK("http://x")'][0]
    assert formula.data_type == "s"  # written as text, never run


def test_money_is_exact_to_the_cent_and_formatted(db: Database, boss: Actor, out: Path) -> None:
    cid = customer(db, boss, "上海华盛机械有限公司")
    make_order(db, boss, cid, [line("螺栓", 3, "411.52")], order_date=date(2025, 12, 31))

    export_list(db, boss, "orders", out / "o.xlsx")

    sheet = sheet_of(out / "o.xlsx")
    header = [c.value for c in sheet[1]]
    row = sheet[2]
    total = row[header.index("Total")]
    assert isinstance(total.value, int | float)
    assert Decimal(str(total.value)) == Decimal("1234.56")
    assert total.number_format == "#,##0.00"
    assert row[header.index("Outstanding")].value == pytest.approx(1234.56)
    assert row[header.index("Date")].value == datetime(2025, 12, 31)
    assert row[header.index("Status")].value == "Draft"
    number = row[header.index("Number")]
    assert number.data_type == "s"


def test_the_header_is_bold_and_frozen_and_columns_are_wide_enough(
    db: Database, boss: Actor, out: Path
) -> None:
    customer(db, boss, "内蒙古鄂尔多斯市东胜区稀土新材料科技股份有限公司")
    export_list(db, boss, "customers", out / "c.xlsx")
    sheet = sheet_of(out / "c.xlsx")
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert not sheet["A2"].font.bold
    assert sheet.column_dimensions["A"].width >= 40  # 24 Chinese characters, capped at 60
    assert sheet.column_dimensions["F"].width >= len("Phone")


def test_the_chosen_columns_are_written_in_the_given_order(
    db: Database, boss: Actor, out: Path
) -> None:
    customer(db, boss, "甲公司", phone="010-1234")
    export_list(
        db,
        boss,
        "customers",
        out / "c.xlsx",
        columns=columns_for("customers", ["phone", "name"]),
    )
    sheet = sheet_of(out / "c.xlsx")
    assert [c.value for c in sheet[1]] == ["Phone", "Name"]
    assert rows_of(out / "c.xlsx") == [["010-1234", "甲公司"]]


def grant(db: Database, boss: Actor, role_code: str, permission: str) -> None:
    from crm_desktop.core.models import Role
    from crm_desktop.core.services import operators

    with db.read() as session:
        role = session.query(Role).filter(Role.code == role_code).one()
        role_id, version, names = role.id, role.version, set(role.permission_names)
    operators.save_role(db, boss, role_id, version, {}, names | {permission})


def test_a_salesperson_exports_only_their_own_customers(
    db: Database, boss: Actor, team: dict[str, Actor], out: Path
) -> None:
    li, zhao = team["li"], team["zhao"]
    grant(db, boss, "salesperson", "customers.export")  # as a firm may choose to
    customer(db, li, "李四的客户")
    customer(db, zhao, "赵六的客户")
    customer(db, boss, "老板的客户")

    export_list(db, li, "customers", out / "li.xlsx")

    assert [row[0] for row in rows_of(out / "li.xlsx")] == ["李四的客户"]


def test_export_without_the_permission_is_refused_and_writes_nothing(
    db: Database, boss: Actor, team: dict[str, Actor], out: Path
) -> None:
    customer(db, team["li"], "李四的客户")
    target = out / "li.xlsx"
    with pytest.raises(PermissionDenied):
        export_list(db, team["li"], "customers", target)  # salespeople may not export
    assert not target.exists()
    assert list(out.iterdir()) == []
    assert audits(db, "customers.export") == []


def test_a_finished_export_is_audited_with_rows_and_filters(
    db: Database, boss: Actor, out: Path
) -> None:
    customer(db, boss, "上海甲公司")
    customer(db, boss, "北京乙公司")
    count = export_list(db, boss, "customers", out / "c.xlsx", search="上海")

    assert count == 1
    [entry] = audits(db, "customers.export")
    assert entry["operator_code"] == "boss"
    assert "search=上海" in entry["summary"] and "c.xlsx" in entry["summary"]
    changes = json.loads(entry["changes"])
    assert changes["rows"][1] == 1
    assert changes["filters"][1] == "search=上海"


def test_cancel_leaves_no_file_and_no_audit(
    db: Database, boss: Actor, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lists, "PAGE", 2)
    for number in range(5):
        customer(db, boss, f"客户{number}")
    target = out / "c.xlsx"
    target.write_bytes(b"the previous export")
    seen: list[tuple[int, int]] = []

    def cancel_halfway(done: int, total: int) -> bool:
        seen.append((done, total))
        return done < 2

    with pytest.raises(ImportCancelled):
        export_list(db, boss, "customers", target, progress=cancel_halfway)
    assert seen == [(0, 5), (2, 5)]  # cancelled after the first page of two
    assert target.read_bytes() == b"the previous export"
    assert [p.name for p in out.iterdir()] == ["c.xlsx"]
    assert audits(db, "customers.export") == []


def test_pages_are_read_until_the_list_ends(
    db: Database, boss: Actor, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lists, "PAGE", 2)
    names = [f"客户{number}" for number in range(5)]
    for name in names:
        customer(db, boss, name)
    progress: list[tuple[int, int]] = []
    count = export_list(
        db,
        boss,
        "customers",
        out / "c.xlsx",
        sort=("name", True),
        progress=lambda done, total: progress.append((done, total)) or True,
    )
    assert count == 5
    assert [row[0] for row in rows_of(out / "c.xlsx")] == sorted(names, reverse=True)
    assert progress[-1] == (5, 5)


def test_progress_is_reported_within_a_page_and_at_its_end(
    db: Database, boss: Actor, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lists, "PROGRESS_EVERY", 2)
    for number in range(5):
        customer(db, boss, f"客户{number}")
    seen: list[tuple[int, int]] = []
    export_list(db, boss, "customers", out / "c.xlsx", progress=lambda *p: seen.append(p) or True)
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]


def test_the_tabs_filters_select_the_rows(db: Database, boss: Actor, out: Path) -> None:
    cid = customer(db, boss, "丙公司")
    draft = make_order(db, boss, cid)
    confirmed = make_order(db, boss, cid)
    version = orders.get_order(db, boss, confirmed).version
    orders.set_order_status(db, boss, confirmed, version, "confirmed")

    export_list(db, boss, "orders", out / "o.xlsx", filters=OrderFilter(status="confirmed"))
    export_list(db, boss, "orders", out / "all.xlsx", filters={"customer_id": cid})

    assert [row[3] for row in rows_of(out / "o.xlsx")] == ["Confirmed"]
    assert len(rows_of(out / "all.xlsx")) == 2
    assert draft != confirmed


def test_search_narrows_the_tabs_filter(db: Database, boss: Actor, out: Path) -> None:
    region = _region(db, boss, "华东")
    customer(db, boss, "上海甲公司", region_id=region)
    customer(db, boss, "上海乙公司")
    customer(db, boss, "杭州丙公司", region_id=region)
    export_list(
        db,
        boss,
        "customers",
        out / "c.xlsx",
        filters=CustomerFilter(region_id=region),
        search="上海",
    )
    assert [row[0] for row in rows_of(out / "c.xlsx")] == ["上海甲公司"]


def _region(db: Database, boss: Actor, name: str) -> int:
    from crm_desktop.core.models import BaseDataKind
    from crm_desktop.core.services import basedata

    values = {"kind": BaseDataKind.REGION, "code": name, "name": name}
    return basedata.save_item(db, boss, None, None, values)


def test_contacts_of_visible_customers_only_and_searchable(
    db: Database, boss: Actor, team: dict[str, Actor], out: Path
) -> None:
    mine = customer(db, team["manager"], "马经理的客户")
    other = customer(db, boss, "老板的客户")
    contacts.save_contact(
        db, boss, mine, None, None, {"name": "张三", "mobile": "013800001111", "is_primary": True}
    )
    contacts.save_contact(db, boss, mine, None, None, {"name": "李雷", "birthday": "1990-05-01"})
    contacts.save_contact(db, boss, other, None, None, {"name": "韩梅梅"})

    export_list(db, team["manager"], "contacts", out / "m.xlsx")
    export_list(db, boss, "contacts", out / "b.xlsx", search="013800")

    header = [c.value for c in sheet_of(out / "m.xlsx")[1]]
    assert header[:3] == ["Customer", "Name", "Title"]
    rows = rows_of(out / "m.xlsx")
    assert [(r[0], r[1]) for r in rows] == [("马经理的客户", "张三"), ("马经理的客户", "李雷")]
    mobile = sheet_of(out / "m.xlsx")["E2"]
    assert (mobile.value, mobile.data_type) == ("013800001111", "s")
    assert rows[0][header.index("Primary")] is True
    assert rows[1][header.index("Birthday")] == datetime(1990, 5, 1)
    assert [r[1] for r in rows_of(out / "b.xlsx")] == ["张三"]


def test_every_list_exports_what_its_service_lists(
    db: Database, boss: Actor, clock: FixedClock, out: Path
) -> None:
    from crm_desktop.core.services import demo

    demo.generate(db, boss, customers=30, seed=1, today=date(2026, 1, 5))
    for kind in EXPORT_KINDS:
        path = out / f"{kind}.xlsx"
        count = export_list(db, boss, kind, path)
        spec = lists._services()[kind]
        assert count == spec.count(db, boss, spec.filter_type()), kind
        sheet = sheet_of(path)
        assert sheet.title == lists.kind_title(kind)
        assert [c.value for c in sheet[1]] == [c.label for c in default_columns(kind)]
        assert sheet.max_row == count + 1, kind
    assert count > 0  # the demo fills service records too


def test_labels_follow_the_language_for_the_importer_to_map_back(
    db: Database, boss: Actor, out: Path
) -> None:
    i18n.set_language("zh_CN")
    labels = [c.label for c in default_columns("customers")]
    assert labels[:7] == ["名称", "类型", "来源", "行业", "地区", "电话", "负责人"]


def test_an_unknown_list_or_a_missing_folder_is_a_readable_error(
    db: Database, boss: Actor, out: Path
) -> None:
    with pytest.raises(ValidationError, match="Unknown list"):
        export_list(db, boss, "invoices", out / "x.xlsx")
    with pytest.raises(ValidationError, match="does not exist"):
        export_list(db, boss, "customers", out / "nowhere" / "x.xlsx")


def test_more_rows_than_a_sheet_holds_are_refused_before_writing(
    db: Database, boss: Actor, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lists, "MAX_ROWS", 3)
    for number in range(3):
        customer(db, boss, f"客户{number}")
    with pytest.raises(ValidationError, match="narrow the filters"):
        export_list(db, boss, "customers", out / "x.xlsx")
    assert list(out.iterdir()) == []
