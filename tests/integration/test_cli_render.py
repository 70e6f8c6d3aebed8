"""`crm render`: a document printed to a PDF file from the command line, with the same checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_desktop.core.db import Database
from crm_desktop.core.services import auth, orders
from tests.integration.test_cli import SALES_PASSWORD, crm, one_line_error
from tests.pdf_helpers import flat, pdf_text
from tests.sales_fixtures import line, make_customer, make_order

pytest_plugins = ["tests.integration.test_cli"]

CUSTOMER = "北京华北精密机械制造有限公司"


@pytest.fixture
def li_order(fresh: Path) -> str:
    """The number of an order salesperson li made for their own customer."""
    db = Database(f"sqlite:///{fresh}")
    try:
        li = auth.login(db, "li", SALES_PASSWORD)
        customer = make_customer(db, li, CUSTOMER)
        lines = [line("数控车床刀片 CNMG120408", 20, "18.50"), line("切削液 20L", 2, "365.00")]
        order_id = make_order(db, li, customer, lines)
        return orders.get_order(db, li, order_id).number
    finally:
        db.dispose()


def test_render_writes_the_order_as_pdf_end_to_end(
    fresh: Path, li_order: str, tmp_path: Path
) -> None:
    out = tmp_path / "order.pdf"
    result = crm("--db", fresh, "render", "order", li_order, out, "--as", "li",
                 password=SALES_PASSWORD, process=True)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout
    text = flat(pdf_text(out.read_bytes()))
    assert CUSTOMER in text and li_order in text
    assert "数控车床刀片CNMG120408" in text and "切削液20L" in text
    assert "¥1,100.00" in text and "壹仟壹佰元整" in text


def test_render_refuses_a_colleagues_order_in_one_line_and_writes_nothing(
    fresh: Path, li_order: str, tmp_path: Path
) -> None:
    zhao = crm("--db", fresh, "--as", "boss", "operator", "add", "zhao", "--name", "赵六",
               "--role", "salesperson", password="Boss-pass-2026",
               env={"CRM_NEW_PASSWORD": SALES_PASSWORD})  # fmt: skip
    assert zhao.returncode == 0, zhao.stderr
    out = tmp_path / "theirs.pdf"
    result = crm("--db", fresh, "--as", "zhao", "render", "order", li_order, out,
                 password=SALES_PASSWORD)  # fmt: skip
    assert "outside your data scope" in one_line_error(result)
    assert not out.exists()


def test_render_names_an_unknown_number_or_kind(fresh: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    missing = crm("--db", fresh, "--as", "li", "render", "order", "NO-SUCH", out,
                  password=SALES_PASSWORD)  # fmt: skip
    assert "NO-SUCH" in one_line_error(missing)
    wrong = crm("--db", fresh, "--as", "li", "render", "invoice", "X", out,
                password=SALES_PASSWORD)  # fmt: skip
    assert "invoice" in one_line_error(wrong)
    assert not out.exists()
