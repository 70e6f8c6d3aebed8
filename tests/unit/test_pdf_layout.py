"""The one printed layout, fed hand-made documents and read back with poppler's tools."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest
from PIL import Image

from crm_desktop.core.reports.capital import rmb_capital
from crm_desktop.core.reports.pdf.layout import (
    ColumnSpec,
    CompanyBlock,
    PrintedDocument,
    render_pdf,
)
from tests.pdf_helpers import flat, images_per_page, page_count, pdf_text

LONG_CUSTOMER = "广州市天河区珠江新城华南国际智能装备制造与供应链管理服务有限责任公司"
COLUMNS = [
    ColumnSpec("序号", 0.5, "CENTER"),
    ColumnSpec("品名", 3),
    ColumnSpec("数量", 0.8, "RIGHT"),
    ColumnSpec("单价", 1, "RIGHT"),
    ColumnSpec("金额", 1.2, "RIGHT"),
]


def png(colour: tuple[int, int, int, int], size: tuple[int, int] = (80, 80)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, colour).save(out, "PNG")
    return out.getvalue()


def document(lines: int = 3, **changes: object) -> PrintedDocument:
    rows = [
        [str(n), f"不锈钢六角螺栓 M12 第{n:03d}行", "2", "10.00", "20.00"]
        for n in range(1, lines + 1)
    ]
    total = Decimal(20 * lines)
    values: dict[str, object] = {
        "kind": "quote",
        "title": "报价单",
        "number": "BJ20261123001",
        "date": date(2026, 11, 23),
        "company": CompanyBlock(
            name="测试贸易有限公司",
            address="上海市浦东新区碧波路 690 号",
            phone="021-5080 1234",
            tax_id="91310115MA1K4XXXX8",
            bank_name="中国工商银行上海张江支行",
            bank_account="1001 2345 6789",
        ),
        "party": [("客户名称", LONG_CUSTOMER), ("联系人", "陈晓明")],
        "meta": [("报价单号", "BJ20261123001"), ("业务员", "李四")],
        "columns": COLUMNS,
        "rows": rows,
        "totals": [("合计", total)],
        "capital": rmb_capital(total),
        "terms": "报价有效期 30 天。",
        "signatures": ["客户确认（盖章）", "供方（盖章）：测试贸易有限公司"],
    }
    values.update(changes)
    return PrintedDocument(**values)  # type: ignore[arg-type]


def test_pdf_holds_customer_lines_total_and_capital_amount() -> None:
    data = render_pdf(document(lines=3))
    assert data.startswith(b"%PDF")
    text = flat(pdf_text(data))
    assert LONG_CUSTOMER in text  # wrapped over two lines in its cell, all of it printed
    for n in (1, 2, 3):
        assert f"不锈钢六角螺栓M12第{n:03d}行" in text
    assert "¥60.00" in text
    assert "陆拾元整" in text
    assert "测试贸易有限公司" in text and "91310115MA1K4XXXX8" in text
    assert "报价有效期30天。" in text


def test_long_line_table_repeats_its_header_on_every_page_and_numbers_pages() -> None:
    data = render_pdf(document(lines=300))
    pages = page_count(data)
    assert pages >= 5
    seen_rows = 0
    for page in range(1, pages + 1):
        text = pdf_text(data, page)
        words = flat(text)
        if page < pages or "第300行" in words:
            assert "序号" in text and "品名" in text and "单价" in text, f"no header on {page}"
        assert f"{page}/{pages}" in words
        seen_rows += words.count("不锈钢六角螺栓")
        if page > 1:  # later pages name the document at the top
            assert "BJ20261123001" in words
    assert seen_rows == 300


def test_long_cjk_text_wraps_instead_of_running_off_the_page() -> None:
    long_name = "超长品名" * 40
    data = render_pdf(document(lines=1, rows=[["1", long_name, "1", "1.00", "1.00"]]))
    text = pdf_text(data)
    line_lengths = [len(line) for line in text.splitlines() if "超长品名" in line]
    assert len(line_lengths) > 2  # the one cell wrapped over several lines
    assert long_name in flat(text)  # and nothing was cut off


def test_logo_on_the_letterhead_and_seal_over_the_seller_signature() -> None:
    company = document().company
    with_logo = CompanyBlock(**{**company.__dict__, "logo": png((31, 58, 95, 255), (160, 60))})
    data = render_pdf(document(lines=120, company=with_logo, seal=png((200, 20, 30, 160))))
    pages = page_count(data)
    images = images_per_page(data)
    assert images.get(1) == 1  # the logo, first page only
    assert images.get(pages) == 1  # the seal, with the signatures on the last page
    assert sum(images.values()) == 2


def test_a_broken_logo_does_not_stop_printing() -> None:
    company = CompanyBlock(name="测试贸易有限公司", logo=b"not an image")
    data = render_pdf(document(company=company, seal=b"\x89PNG broken"))
    assert "测试贸易有限公司" in pdf_text(data)
    assert images_per_page(data) == {}


def test_receipt_without_allocations_says_so_instead_of_an_empty_table() -> None:
    doc = document(
        kind="receipt",
        title="收款收据",
        columns=[ColumnSpec("订单号", 2), ColumnSpec("金额", 1, "RIGHT")],
        rows=[],
        empty_table_text="预收款，未核销到订单。",
        totals=[("实收金额", Decimal("5000.00"))],
        capital=rmb_capital(Decimal("5000.00")),
    )
    text = flat(pdf_text(render_pdf(doc)))
    assert "预收款，未核销到订单。" in text
    assert "伍仟元整" in text and "¥5,000.00" in text
    assert "订单号" not in text


def test_watermark_marks_every_page_of_a_draft() -> None:
    data = render_pdf(document(lines=120, watermark="草稿"))
    for page in range(1, page_count(data) + 1):
        # drawn diagonally, so pdftotext reads it one character per line
        assert {"草", "稿"} <= set(pdf_text(data, page))


@pytest.mark.parametrize(
    "module", ["crm_desktop.core.reports.pdf.layout", "crm_desktop.core.reports.capital"]
)
def test_importing_the_printing_code_does_not_load_reportlab(module: str) -> None:
    code = f"import sys, {module}; sys.exit('reportlab' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_table_cells_wrap_between_chinese_characters_but_not_inside_latin_words() -> None:
    from crm_desktop.core.reports.pdf.fonts import cjk_font
    from crm_desktop.core.reports.pdf.layout import wrap_text

    font = cjk_font()
    width = 60.0  # points: about seven Chinese characters at 8.5 pt
    text = "铝合金型材国标加厚款阳极氧化银白色 GB/T 5782 M12×60，含运费。"
    lines = wrap_text(text, font, 8.5, width).split("\n")
    assert len(lines) > 2
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing lost or added
    for word in ("GB/T", "5782", "M12×60"):
        assert any(word in line for line in lines), word  # Latin words stay whole
    assert not any(line.startswith(("，", "。")) for line in lines)
    long_word = "X" * 80
    assert "".join(wrap_text(long_word, font, 8.5, width).split("\n")) == long_word
