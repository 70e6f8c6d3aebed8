"""Printed documents: a 50-line quote and a batch of 100, next to a bare reportlab table.

    python bench/pdf.py                 # 30 single pairs, 3 batch pairs, 5 whole-process pairs
    python bench/pdf.py --quick         # 10 single pairs, 1 batch pair, 2 whole-process pairs
    python bench/run.py --only pdf      # the same through the bench runner

The database is made the way a person makes one (`crm init`), then 100 quotes of 50 lines each
(Chinese descriptions, codes, 13 % tax), a company logo and seal are added through the services.

Every app figure is paired with the floor of PERF-FLOORS 6b, built in the same process, on the same
rows, alternately (A B A B …): platypus `SimpleDocTemplate`, a title, a customer paragraph, an
8-column `Table` with grid, `repeatRows=1` and the quote's own cell texts, a total row and the
大写 line, A4, the same embedded font. The app's document does more on purpose (letterhead with
logo, customer/meta block, wrapped descriptions, totals, terms, signatures with the seal, page
"x / y"): the ratio says what that costs.

Rows:
- `render_document`: load through the quote service + layout + PDF + the audit row (what the
  preview window and `crm render` call), after the font is loaded;
- `render_pdf`: the layout and PDF alone, from a prebuilt `PrintedDocument`;
- `render_documents`, 100 quotes: one batch (one audit transaction) vs 100 bare tables;
- whole process: `crm render quote N out.pdf` (start-up, login, import, font, one PDF) vs a process
  that imports reportlab, registers the font and writes the bare table.
See bench/README.md ("Printed documents") for how to read the table.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
# bench/ is not a package: the helpers shared with bench/run.py
import run as bench_run

GOAL_MS = 150.0
GOAL_RATIO = 2.0
LINES = 50
BATCH = 100
PRODUCTS = (
    "不锈钢六角螺栓 M12×60 GB/T 5782",
    "工业级液压油 46# 200L/桶（含运费，送货至客户指定仓库）",
    "深沟球轴承 6205-2RS",
    "PVC 电工套管 Φ20 阻燃型",
    "铝合金型材 6063-T5 国标加厚款 每支 6 米 阳极氧化 银白色",
)


def log(text: str) -> None:
    print(f"bench pdf: {text}", file=sys.stderr, flush=True)


# --- the data -------------------------------------------------------------------------------------


def _png(size: tuple[int, int], colour: tuple[int, int, int, int]) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((4, 4, size[0] - 4, size[1] - 4), outline=colour, width=12)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def open_as_boss(path: Path) -> tuple[Any, Any]:
    from crm_desktop.core.db import Database
    from crm_desktop.core.services import auth

    db = Database(f"sqlite:///{path}")
    return db, auth.login(db, "boss", bench_run.PASSWORD)


def fill_child(path: str) -> int:
    """Add the company's logo and seal and 100 quotes of 50 lines; print their numbers (JSON).

    A child process, so the bench process stays small for the whole-process pairs (a child
    started from a large process inherits its peak RSS on Linux).
    """
    from crm_desktop.core.pricing import LineInput
    from crm_desktop.core.services import company, customers, quotes

    db, boss = open_as_boss(Path(path))
    profile = company.get_profile(db, boss)
    extra = {
        "address": "上海市浦东新区张江高科技园区碧波路 690 号 3 号楼 5 层",
        "phone": "021-5080 1234",
        "tax_id": "91310115MA1K4XXXX8",
        "bank_name": "中国工商银行上海张江支行",
        "bank_account": "1001 2345 6789 0123 456",
        "logo": _png((360, 160), (31, 58, 95, 255)),
        "seal": _png((400, 400), (200, 20, 30, 200)),
        "document_terms": "1. 以上报价含 13% 增值税专用发票，有效期 30 天。\n"
        "2. 交货期：收到预付款后 15 个工作日内发货。",
    }
    company.update_profile(db, boss, profile["version"], {"name": profile["name"], **extra})
    customer = customers.create_customer(
        db, boss, {"name": "广州市天河区华南国际智能装备制造与供应链管理服务有限责任公司"}
    )
    lines = [
        LineInput(
            PRODUCTS[n % len(PRODUCTS)],
            Decimal(n % 7 + 1),
            (Decimal("1234.50") / (n % 5 + 1)).quantize(Decimal("0.01")),
            500 if n % 4 == 0 else 0,
            unit="件",
            product_code=f"P-{10000 + n}",
        )
        for n in range(LINES)
    ]
    numbers = []
    for _n in range(BATCH):
        quote_id = quotes.save_quote(
            db, boss, None, None, {"customer_id": customer, "tax_rate_bp": 1300}, lines
        )
        numbers.append(quotes.get_quote(db, boss, quote_id).number)
    db.dispose()
    print(json.dumps(numbers))
    return 0


# --- the floor ------------------------------------------------------------------------------------


def bare_quote(rows: Sequence[Sequence[str]], font: str) -> bytes:
    """PERF-FLOORS 6b: the plainest platypus quote of the same rows."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    out = io.BytesIO()
    body = ParagraphStyle("b", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    title = ParagraphStyle("t", parent=body, fontSize=18, leading=24)
    header = ["序号", "编码", "品名", "单位", "数量", "单价", "折扣", "金额"]
    table = Table(
        [header, *(list(r) for r in rows), ["", "", "合计", "", "", "", "", "147,828.65"]],
        repeatRows=1,
        style=[
            ("FONT", (0, 0), (-1, -1), font, 8.5),
            ("GRID", (0, 0), (-1, -1), 0.25, "#888888"),
            ("ALIGN", (4, 1), (-1, -1), "RIGHT"),
        ],
    )
    story = [
        Paragraph("报价单", title),
        Paragraph("客户：广州市天河区华南国际智能装备制造与供应链管理服务有限责任公司", body),
        table,
        Paragraph("合计人民币（大写）：壹拾肆万柒仟捌佰贰拾捌元陆角伍分", body),
    ]
    SimpleDocTemplate(out, pagesize=A4).build(story)
    return out.getvalue()


def bare_child(out: str) -> int:
    """Whole-process floor: import reportlab, register the font, write one bare quote."""
    from crm_desktop.core.reports.pdf.fonts import cjk_font

    font = cjk_font()
    rows = [
        [str(n + 1), f"P-{10000 + n}", PRODUCTS[n % 5], "件", "1", "1,234.50", "", "1,234.50"]
        for n in range(LINES)
    ]
    Path(out).write_bytes(bare_quote(rows, font))
    return 0


# --- measuring ------------------------------------------------------------------------------------


def timed(work: Callable[[], Any]) -> bench_run.Run:
    start = time.perf_counter()
    work()
    return bench_run.Run(time.perf_counter() - start, 0.0, 0)


def paired(name: str, app: Callable[[], Any], base: Callable[[], Any], pairs: int) -> Any:
    row = bench_run.Row(name)
    for _i in range(pairs):
        row.app.append(timed(app))
        row.base.append(timed(base))
    return row


def measure(args: argparse.Namespace, folder: Path) -> tuple[list[Any], list[str]]:
    template = bench_run.initialized_db(folder)
    path = folder / "pdf.db"
    shutil.copyfile(template, path)
    log(f"adding {BATCH} quotes of {LINES} lines")
    filled = subprocess.run(
        [bench_run.PY, __file__, "--fill-child", str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=bench_run.ROOT,
    )
    numbers = json.loads(filled.stdout)
    log("whole processes")
    whole = whole_process(path, numbers[2], folder, args.process_pairs)
    db, boss = open_as_boss(path)
    assert "reportlab" not in sys.modules, "something imported reportlab before the measurement"

    from crm_desktop.core.services import documents

    start = time.perf_counter()
    from crm_desktop.core.reports.pdf.fonts import cjk_font

    font = cjk_font()
    loaded = time.perf_counter()
    documents.render_document(db, boss, "quote", numbers[0])
    first = time.perf_counter()
    notes = [
        "first quote in a process: import reportlab + register the font "
        f"{1000 * (loaded - start):.0f} ms, then the first document "
        f"{1000 * (first - loaded):.0f} ms"
    ]
    from crm_desktop.core.reports.pdf import layout
    from crm_desktop.core.reports.pdf.layout import render_pdf

    def cold(work: Callable[[], Any]) -> Callable[[], Any]:
        """Measured with the text-width cache emptied first: one document as the preview makes
        it (the cache only helps from the second document on, as in the batch row)."""

        def run() -> Any:
            layout._string_width.cache_clear()
            return work()

        return run

    doc = documents.build_document(db, boss, "quote", numbers[0])
    size = len(render_pdf(doc))
    rows = [
        paired(
            f"render_document, {LINES}-line quote",
            cold(lambda: documents.render_document(db, boss, "quote", numbers[1])),
            lambda: bare_quote(doc.rows, font),
            args.pairs,
        ),
        paired(
            f"render_pdf only, {LINES}-line quote",
            cold(lambda: render_pdf(doc)),
            lambda: bare_quote(doc.rows, font),
            args.pairs,
        ),
    ]
    log("batch")
    rows.append(
        paired(
            f"render_documents, {BATCH} quotes",
            lambda: documents.render_documents(db, boss, "quote", numbers),
            lambda: [bare_quote(doc.rows, font) for _n in range(BATCH)],
            args.batch_pairs,
        )
    )
    notes.append(f"one {LINES}-line quote: {size // 1024} KB, logo, seal and font subset embedded")
    db.dispose()
    rows.append(whole)
    return rows, notes


def whole_process(path: Path, number: str, folder: Path, pairs: int) -> Any:
    env = bench_run.env_with(CRM_PASSWORD=bench_run.PASSWORD)
    app = bench_run.crm("--db", path, "--as", "boss", "render", "quote", number, folder / "a.pdf")
    base = [bench_run.PY, __file__, "--bare-child", str(folder / "b.pdf")]
    row = bench_run.Row(f"crm render quote ({LINES} lines), whole process")
    bench_run.run(app, env)
    bench_run.run(base, env)
    for _i in range(pairs):
        row.app.append(bench_run.checked(bench_run.run(app, env), "crm render"))
        row.base.append(bench_run.checked(bench_run.run(base, env), "bare reportlab"))
    return row


def verdicts(rows: list[Any]) -> list[str]:
    single = rows[0]
    median_ms = 1000 * statistics.median(r.seconds for r in single.app)
    ratio = statistics.median(single.ratios)
    batch = rows[2]
    per_quote = 1000 * statistics.median(r.seconds for r in batch.app) / BATCH
    met = "met" if median_ms <= GOAL_MS else "NOT met"
    ratio_met = "met" if ratio <= GOAL_RATIO else "NOT met"
    return [
        f"goal: {LINES}-line quote ≤ {GOAL_MS:.0f} ms after the font is loaded: {met} "
        f"({median_ms:.0f} ms)",
        f"goal: ≤ {GOAL_RATIO:.0f}× the bare table: {ratio_met} ({ratio:.2f}×)",
        f"batch: {per_quote:.0f} ms per quote",
    ]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer pairs")
    parser.add_argument("--pairs", type=int, help="single-quote pairs (default 30)")
    parser.add_argument("--batch-pairs", type=int, help="batch pairs (default 3)")
    parser.add_argument("--process-pairs", type=int, help="whole-process pairs (default 5)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    args.pairs = args.pairs or (10 if args.quick else 30)
    args.batch_pairs = args.batch_pairs or (1 if args.quick else 3)
    args.process_pairs = args.process_pairs or (2 if args.quick else 5)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--bare-child"]:
        return bare_child(argv[1])
    if argv[:1] == ["--fill-child"]:
        return fill_child(argv[1])
    args = parse_args(argv)
    # PYTHONDONTWRITEBYTECODE=1 here: without this the app's modules compile on every start.
    subprocess.run(
        [bench_run.PY, "-m", "compileall", "-q", str(bench_run.ROOT / "src")], check=True
    )
    folder = Path(tempfile.mkdtemp(prefix="crm-bench-pdf-"))
    try:
        rows, notes = measure(args, folder)
    finally:
        if args.keep:
            log(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print()
    bench_run.print_table(rows)
    for line in notes + verdicts(rows):
        print(f"- {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
