"""The import engine on real xlsx files: what lands in the database, what is refused and why,
and that Cancel, a failure or a dry run leave the database exactly as it was."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select, text

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.errors import PermissionDenied, ValidationError
from crm_desktop.core.importing import engine
from crm_desktop.core.importing.model import (
    ImportCancelled,
    ImportKind,
    ImportMode,
    ImportRequest,
    MatchKey,
    RowAction,
)
from crm_desktop.core.importing.targets import base as target_base
from crm_desktop.core.models import (
    AuditEntry,
    BaseDataItem,
    Contact,
    Customer,
    ImportBatch,
    ImportChange,
    Product,
)
from crm_desktop.core.services import customers, history, products
from tests.conftest import actor_of

DATA = Path(__file__).parent.parent / "data"
HEADER = ["客户名称", "客户编号", "电话", "地区", "负责人", "邮箱", "备注"]
TABLES = ("customers", "contacts", "products", "base_data_items")


def xlsx(path: Path, rows: list[list[Any]], title: str = "Sheet1") -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def request(path: Path, kind: ImportKind = ImportKind.CUSTOMERS, **kw: Any) -> ImportRequest:
    return ImportRequest(kind=kind, path=path, **kw)


def dump(db: Database, tables: tuple[str, ...] = TABLES) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored row of the tables, read with plain SQL (on SQLite and PostgreSQL)."""
    with db.engine.connect() as conn:
        return {
            t: [tuple(row) for row in conn.execute(text(f"SELECT * FROM {t} ORDER BY id"))]
            for t in tables
        }


def stored(db: Database, name: str) -> Any:
    """The customer's stored columns (as attributes), read in a snapshot."""
    with db.read() as session:
        found = session.scalar(select(Customer).where(Customer.name == name))
        assert found is not None
        return SimpleNamespace(**{c.key: getattr(found, c.key) for c in Customer.__table__.c})


def region_id(db: Database, name: str) -> int:
    with db.read() as session:
        found = session.scalar(
            select(BaseDataItem.id).where(BaseDataItem.kind == "region", BaseDataItem.name == name)
        )
        assert found is not None
        return found


def test_creates_customers_with_exact_values_and_the_services_derived_keys(
    db: Database, boss: Actor, tmp_path: Path
) -> None:
    path = xlsx(
        tmp_path / "c.xlsx",
        [
            ["客户名单"],
            HEADER,
            ["上海明达机电设备有限公司", "00101", "021-88886666", "华东", "", "a@b.cn", "老客户"],
            ["北京长城贸易公司", "00102", 13812345678.0, "North China", "boss", None, None],
        ],
    )
    result = engine.run_import(db, boss, request(path))

    assert (result.created, result.updated, result.skipped, result.errors) == (2, 0, 0, [])
    assert result.batch_id is not None
    if db.is_sqlite:  # a server keeps its own backups: the app copies only SQLite files
        assert result.backup_path is not None and result.backup_path.exists()
    first = stored(db, "上海明达机电设备有限公司")
    assert (first.code, first.phone, first.email, first.remarks) == (
        "00101",
        "021-88886666",
        "a@b.cn",
        "老客户",
    )
    assert first.region_id == region_id(db, "East China")  # 华东 is its Chinese name
    assert first.owner_id == boss.id and first.pool_status == "private"
    assert first.import_batch_id == result.batch_id and first.version == 1
    second = stored(db, "北京长城贸易公司")
    assert second.phone == "13812345678" and second.region_id == region_id(db, "North China")
    # the derived keys are exactly what the customer form stores for the same values
    cid = customers.create_customer(
        db,
        boss,
        {"name": "上海明达机电设备有限公司 ", "phone": "021-88886666", "email": "a@b.cn"},
        allow_duplicate=True,
    )
    with db.read() as session:
        twin = session.get(Customer, cid)
        assert twin is not None
        for key in ("normalized_name", "sort_name", "name_key", "search_key", "phone_digits"):
            assert getattr(first, key) == getattr(twin, key), key


def test_real_file_title_rows_leading_zeros_and_text_dates(
    db: Database, boss: Actor, tmp_path: Path
) -> None:
    result = engine.run_import(
        db, boss, request(DATA / "customers.xlsx"), errors_path=tmp_path / "errors.xlsx"
    )

    assert result.created == 6
    assert [(e.line, "Next follow-up" in e.reason) for e in result.errors] == [(11, True)]
    hangzhou = stored(db, "杭州青禾贸易有限公司")
    assert (hangzhou.code, hangzhou.phone) == ("00102", "02188886667")
    assert hangzhou.next_followup_on == date(2023, 5, 1)
    assert stored(db, "苏州恒通精密制造有限公司").phone == "13812345678"
    assert stored(db, "合肥金穗农业有限公司").region_id == region_id(db, "Central China")
    # the error workbook: the original header, the row as read, and why
    sheet = load_workbook(result.error_file).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:2] == ["*客户名称", "客户编号\n(选填)"] and rows[0][-1] == "Error reason"
    assert rows[1][:2] == ["无锡新光电子有限公司", "00107"] and rows[1][6] == "2023-02-30"


def test_the_error_workbook_imports_again_once_fixed(
    db: Database, boss: Actor, tmp_path: Path
) -> None:
    path = xlsx(tmp_path / "c.xlsx", [HEADER, ["甲公司", "007", "010-1", "火星", None, None, None]])
    result = engine.run_import(db, boss, request(path), errors_path=tmp_path / "e.xlsx")
    assert result.created == 0 and "火星" in result.errors[0].reason

    book = load_workbook(tmp_path / "e.xlsx")
    book.active["D2"] = "华东"
    book.save(tmp_path / "fixed.xlsx")
    again = engine.run_import(db, boss, request(tmp_path / "fixed.xlsx"))

    assert again.created == 1 and again.errors == []
    assert stored(db, "甲公司").code == "007"


def test_duplicates_in_the_file_and_in_the_database_as_the_customers_tab_sees_them(
    db: Database, boss: Actor, tmp_path: Path
) -> None:
    customers.create_customer(db, boss, {"name": "老客户有限公司", "phone": "0571-8888 1234"})
    path = xlsx(
        tmp_path / "c.xlsx",
        [
            HEADER,
            ["老客户公司", None, None, None, None, None, None],  # same name without the suffix
            ["别名公司", None, "057188881234", None, None, None, None],  # same phone
            ["新客户有限公司", None, "13900000001", None, None, None, None],
            ["新客户 有限公司", None, None, None, None, None, None],  # same as the row above
            ["另一家公司", None, "139-0000-0001", None, None, None, None],  # same phone as line 4
        ],
    )
    result = engine.run_import(db, boss, request(path))

    assert result.created == 1
    assert [(r.line, r.reason) for r in result.skipped_rows] == [
        (2, "A customer with the same name already exists: 老客户有限公司 (王老板)."),
        (3, "A customer with the same phone number already exists: 老客户有限公司 (王老板)."),
    ]
    assert [(e.line, e.reason) for e in result.errors] == [
        (5, "Same customer as row 4."),
        (6, "Same customer as row 4."),
    ]


def test_upsert_updates_changed_rows_and_leaves_unchanged_ones_untouched(
    db: Database, boss: Actor, tmp_path: Path
) -> None:
    rows = [HEADER, ["甲公司", "001", "010-1", "华东", None, None, None]]
    rows.append(["乙公司", "002", "010-2", "华北", None, None, None])
    engine.run_import(db, boss, request(xlsx(tmp_path / "a.xlsx", rows)))
    before = dump(db)

    same = engine.run_import(
        db, boss, request(xlsx(tmp_path / "b.xlsx", rows), mode=ImportMode.UPSERT)
    )
    assert (same.created, same.updated, same.unchanged, same.batch_id) == (0, 0, 2, None)
    assert dump(db) == before

    rows[2][2] = "010-9999"
    rows.append(["丙公司", None, None, None, None, None, None])
    changed = engine.run_import(
        db, boss, request(xlsx(tmp_path / "c.xlsx", rows), mode=ImportMode.UPSERT)
    )
    assert (changed.created, changed.updated, changed.unchanged) == (1, 1, 1)
    second = stored(db, "乙公司")
    assert (second.phone, second.phone_digits, second.version) == ("010-9999", "0109999", 2)
    assert second.import_batch_id == changed.batch_id
    assert stored(db, "甲公司").version == 1
    # the customer's field history shows the import's change
    changes = history.field_history(db, boss, second.id)
    assert (changes[0].field, changes[0].old, changes[0].new) == ("phone", "010-2", "010-9999")


def test_update_mode_matches_by_phone_and_skips_what_matches_nothing(
    db: Database, boss: Actor, tmp_path: Path
) -> None:
    cid = customers.create_customer(db, boss, {"name": "甲公司", "phone": "010-8888 1234"})
    path = xlsx(
        tmp_path / "c.xlsx",
        [
            ["公司名称", "联系电话", "地址"],
            ["甲公司（新名）", "01088881234", "北京市朝阳区"],
            ["丁公司", "01099999999", "上海"],
        ],
    )
    result = engine.run_import(db, boss, request(path, mode=ImportMode.UPDATE, key=MatchKey.PHONE))

    assert (result.updated, result.skipped, result.created) == (1, 1, 0)
    row = customers.get_customer(db, boss, cid)
    assert (row["name"], row["address"], row["phone"]) == (
        "甲公司（新名）",
        "北京市朝阳区",
        "01088881234",
    )


def test_unknown_base_data_is_an_error_unless_created_once_on_request(
    db: Database, boss: Actor, tmp_path: Path
) -> None:
    rows = [HEADER] + [[f"公司{i}", None, None, "西北", None, None, None] for i in range(3)]
    path = xlsx(tmp_path / "c.xlsx", rows)
    preview = engine.preview_import(db, boss, request(path))
    assert preview.missing_base_data == {"region": ["西北"]}
    assert preview.rows[0].action is RowAction.ERROR and "region" in preview.rows[0].problems

    result = engine.run_import(db, boss, request(path, create_missing=True))

    assert result.created == 3
    new_region = region_id(db, "西北")
    assert {stored(db, f"公司{i}").region_id for i in range(3)} == {new_region}
    with db.read() as session:
        change = session.scalar(select(ImportChange).where(ImportChange.entity == "base_data"))
        assert change is not None and change.entity_id == new_region


def test_dry_run_and_preview_write_nothing(db: Database, boss: Actor, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "c.xlsx", [HEADER, ["甲公司", None, None, "西北", None, None, None]])
    before = dump(db, (*TABLES, "import_batches", "import_changes", "audit_log"))

    result = engine.run_import(db, boss, request(path, create_missing=True), dry_run=True)
    preview = engine.preview_import(db, boss, request(path, create_missing=True))

    assert result.dry_run and result.created == 1 and result.batch_id is None
    assert preview.rows[0].action is RowAction.CREATE and preview.total_rows == 1
    assert dump(db, (*TABLES, "import_batches", "import_changes", "audit_log")) == before


def _mixed_sheet(db: Database, boss: Actor, tmp_path: Path) -> Path:
    """Twenty existing customers updated and twenty new ones, in alternating rows."""
    for i in range(20):
        customers.create_customer(db, boss, {"name": f"老{i:02}公司", "phone": f"0571{i:07}"})
    rows: list[list[Any]] = [HEADER]
    for i in range(20):
        rows.append([f"老{i:02}公司", None, f"0572{i:07}", "华东", None, None, None])
        rows.append([f"新{i:02}公司", None, None, "新区", None, None, None])
    return xlsx(tmp_path / "mixed.xlsx", rows)


def test_cancel_half_way_leaves_the_database_exactly_as_before(
    db: Database, boss: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _mixed_sheet(db, boss, tmp_path)
    monkeypatch.setattr(target_base, "CHUNK_ROWS", 5)
    before = dump(db)
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        seen.append((done, total))
        return done < total // 2

    with pytest.raises(ImportCancelled):
        engine.run_import(
            db,
            boss,
            request(path, mode=ImportMode.UPSERT, create_missing=True),
            progress=progress,
        )

    after = dump(db)
    for table in TABLES:
        assert after[table] == before[table], table
    assert 0 < seen[-1][0] < 40  # it stopped half way, after writing some chunks
    with db.read() as session:
        batch = session.scalars(select(ImportBatch)).one()
        assert batch.status == "cancelled"
        assert session.scalars(select(ImportChange)).all() == []


def test_a_failure_half_way_removes_what_was_written_and_reraises(
    db: Database, boss: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_desktop.core.importing.targets import customers as target

    path = _mixed_sheet(db, boss, tmp_path)
    monkeypatch.setattr(target_base, "CHUNK_ROWS", 5)
    before = dump(db)
    real = target.CustomersRun.write
    calls = []

    def failing(self: Any, writer: Any, plans: Any) -> None:
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("disk gone")
        real(self, writer, plans)

    monkeypatch.setattr(target.CustomersRun, "write", failing)
    with pytest.raises(RuntimeError, match="disk gone"):
        engine.run_import(db, boss, request(path, mode=ImportMode.UPSERT, create_missing=True))

    assert dump(db) == before
    with db.read() as session:
        assert session.scalars(select(ImportBatch.status)).one() == "failed"


def test_a_salesperson_imports_only_within_their_scope(
    db: Database, boss: Actor, team: dict[str, Actor], tmp_path: Path
) -> None:
    from tests.unit.test_list_export import grant

    li, zhao = team["li"], team["zhao"]
    grant(db, boss, "salesperson", "customers.import")
    li = actor_of(db, "li")
    zhao_customer = customers.create_customer(db, zhao, {"name": "赵六的客户", "phone": "0101"})
    path = xlsx(
        tmp_path / "c.xlsx",
        [
            HEADER,
            ["赵六的客户", None, "0109", None, None, None, None],
            ["给赵六的新客户", None, None, None, "赵六", None, None],
            ["李四的新客户", None, None, None, None, None, None],
        ],
    )
    result = engine.run_import(db, li, request(path, mode=ImportMode.UPSERT))

    assert result.created == 1 and result.updated == 0
    assert [e.line for e in result.errors] == [2, 3]
    assert "outside your data scope" in result.errors[0].reason
    assert "outside your data scope" in result.errors[1].reason
    assert customers.get_customer(db, zhao, zhao_customer)["phone"] == "0101"
    assert stored(db, "李四的新客户").owner_id == li.id


def test_importing_customers_needs_the_import_permission(
    db: Database, boss: Actor, team: dict[str, Actor], tmp_path: Path
) -> None:
    path = xlsx(tmp_path / "c.xlsx", [HEADER, ["甲公司", None, None, None, None, None, None]])
    with pytest.raises(PermissionDenied):
        engine.run_import(db, team["li"], request(path))
    with pytest.raises(PermissionDenied):
        engine.preview_import(db, team["li"], request(path))


def test_a_missing_required_column_is_refused_before_anything_is_read(
    db: Database, boss: Actor, tmp_path: Path
) -> None:
    path = xlsx(tmp_path / "c.xlsx", [["电话"], ["010-1"]])
    with pytest.raises(ValidationError, match="Name"):
        engine.run_import(db, boss, request(path))
    assert engine.preview_import(db, boss, request(path)).unmapped_required == ["name"]


def test_owner_column_transfers_only_with_the_transfer_right(
    db: Database, boss: Actor, team: dict[str, Actor], tmp_path: Path
) -> None:
    cid = customers.create_customer(db, boss, {"name": "甲公司"})
    path = xlsx(tmp_path / "c.xlsx", [["客户名称", "业务员"], ["甲公司", "li"]])
    result = engine.run_import(db, boss, request(path, mode=ImportMode.UPDATE))
    assert result.updated == 1
    assert customers.get_customer(db, boss, cid)["owner_id"] == team["li"].id


def test_contacts_attach_to_visible_customers_by_name_or_code(
    db: Database, boss: Actor, team: dict[str, Actor], tmp_path: Path
) -> None:
    ming = customers.create_customer(
        db, boss, {"name": "上海明达机电设备有限公司", "code": "00101"}
    )
    customers.create_customer(db, boss, {"name": "杭州青禾贸易有限公司"})
    customers.create_customer(db, boss, {"name": "苏州恒通精密制造有限公司"})
    sheet = request(DATA / "customers.xlsx", ImportKind.CONTACTS, sheet="联系人")

    result = engine.run_import(db, boss, sheet)

    assert result.created == 3 and result.errors == []
    with db.read() as session:
        wang = session.scalar(select(Contact).where(Contact.name == "王伟"))
        li_na = session.scalar(select(Contact).where(Contact.name == "李娜"))
        assert wang is not None and li_na is not None
        assert (wang.customer_id, wang.mobile, wang.birthday) == (
            ming,
            "13811112222",
            date(1985, 3, 12),
        )
        assert (li_na.mobile, li_na.birthday, li_na.title) == (
            "13922223333",
            date(1990, 7, 8),
            "总经理",
        )
    again = engine.run_import(db, boss, sheet)
    assert (again.created, again.skipped) == (0, 3)  # create mode: they exist now

    by_code = xlsx(
        tmp_path / "k.xlsx", [["客户编码", "姓名", "手机"], ["00101", "赵敏", "13800000000"]]
    )
    assert engine.run_import(db, boss, request(by_code, ImportKind.CONTACTS)).created == 1


def test_contacts_of_a_colleagues_customer_are_refused(
    db: Database, boss: Actor, team: dict[str, Actor], tmp_path: Path
) -> None:
    from tests.unit.test_list_export import grant

    grant(db, boss, "salesperson", "customers.import")
    customers.create_customer(db, team["zhao"], {"name": "赵六的客户"})
    path = xlsx(tmp_path / "k.xlsx", [["客户", "姓名"], ["赵六的客户", "某人"]])

    result = engine.run_import(db, actor_of(db, "li"), request(path, ImportKind.CONTACTS))

    assert result.created == 0 and "No customer" in result.errors[0].reason


def test_products_by_code_create_update_and_unchanged(
    db: Database, boss: Actor, tmp_path: Path
) -> None:
    products.save_product(
        db, boss, None, None, {"code": "P001", "name": "螺丝", "unit_price": "1.50"}
    )
    rows = [
        ["产品编码", "产品名称", "规格型号", "单位", "单价"],
        ["P001", "螺丝", None, None, "1.5"],
        ["P002", "螺母", "M8", "pcs", "¥2.35"],
        ["0003", "垫片", None, "桶", 0.1],
    ]
    path = xlsx(tmp_path / "p.xlsx", rows)
    result = engine.run_import(
        db, boss, request(path, ImportKind.PRODUCTS, mode=ImportMode.UPSERT, key=MatchKey.CODE)
    )

    assert (result.created, result.updated, result.unchanged) == (1, 0, 1)
    assert [e.line for e in result.errors] == [4]  # 桶 is no unit in the list (个 = pcs is)
    with db.read() as session:
        nut = session.scalar(select(Product).where(Product.code == "P002"))
        assert nut is not None and (nut.unit_price, nut.spec) == (Decimal("2.35"), "M8")

    rows[1][4] = "1.60"
    again = engine.run_import(
        db,
        boss,
        request(xlsx(tmp_path / "p2.xlsx", rows), ImportKind.PRODUCTS, mode=ImportMode.UPDATE),
    )
    assert (again.updated, again.unchanged, again.skipped) == (1, 1, 0)
    listed = {p["code"]: p["unit_price"] for p in products.list_products(db, boss)}
    assert listed == {"P001": Decimal("1.60"), "P002": Decimal("2.35")}


def test_export_then_import_with_update_changes_nothing(
    db: Database, boss: Actor, tmp_path: Path
) -> None:
    from crm_desktop.core.exporting.lists import export_list
    from crm_desktop.core.i18n import set_language

    engine.run_import(db, boss, request(DATA / "customers.xlsx"))
    customers.create_customer(db, boss, {"name": "公海客户", "pool_status": "public"})
    before = dump(db)
    for language in ("en", "zh_CN"):
        set_language(language)
        out = export_list(db, boss, "customers", tmp_path / f"{language}.xlsx")
        assert out
        preview = engine.preview_import(db, boss, request(tmp_path / f"{language}.xlsx"))
        assert {"name", "phone", "region", "owner"} <= set(preview.mapping.values()), language
        result = engine.run_import(
            db, boss, request(tmp_path / f"{language}.xlsx", mode=ImportMode.UPDATE)
        )
        assert (result.unchanged, result.updated, result.errors) == (7, 0, []), language
    assert dump(db) == before


def test_import_run_is_audited_once_with_its_counts(
    db: Database, boss: Actor, tmp_path: Path
) -> None:
    path = xlsx(tmp_path / "c.xlsx", [HEADER] + [[f"公司{i}"] for i in range(5)])
    result = engine.run_import(db, boss, request(path))
    with db.read() as session:
        runs = session.execute(
            select(AuditEntry.entity_id, AuditEntry.changes).where(
                AuditEntry.action == "import.run"
            )
        ).all()
        creates = session.scalars(
            select(AuditEntry.id).where(AuditEntry.action == "customer.create")
        ).all()
    assert [r[0] for r in runs] == [result.batch_id] and creates == []
    assert '"created": [null, 5]' in (runs[0][1] or "")


def test_the_cached_word_cut_of_customer_names_is_pypinyins_own() -> None:
    """search_keys cuts names into words itself (cached tails, for 100k-row imports): the words
    and so the pinyin sort keys must be exactly pypinyin's."""
    import random

    from pypinyin import lazy_pinyin
    from pypinyin.seg.simpleseg import seg

    from crm_desktop.core.search_keys import _words, sort_name

    rng = random.Random(7)
    heads = ["长沙", "重庆", "银行", "行长", "中国人民", "厦门", "佛山", "长安", "乐清", "蚌埠"]
    middles = "长行重乐朝单曾解区仇华盛鑫达宏远金泰恒通瑞丰永昌东方中联天宇新阳光明博"
    tails = ["银行", "五金制品", "重工机械", "音乐器材", "有限公司", "股份有限公司", "商行", ""]
    names = [
        rng.choice(heads) + "".join(rng.sample(middles, rng.randint(0, 4))) + rng.choice(tails)
        for _i in range(3000)
    ]
    for name in [*names, "䷀中国", "中国人民银行行长"]:
        assert list(_words(name)) == seg(name), name
    for name in names[:300]:
        assert sort_name(name) == "".join(lazy_pinyin(name)), name
