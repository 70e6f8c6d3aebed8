"""Excel import of 100,000 customers into 100,000 existing ones, next to reading the file alone.

    python bench/importing.py               # 100,000 rows into 100,000 customers, 5 pairs
    python bench/importing.py --quick       # 10,000 rows into 10,000 customers, 3 pairs
    python bench/importing.py --profile     # also cProfile one import (top 25 cumulative, tottime)
    python bench/run.py --only import [--quick]

Data, made once and cached in /tmp/crm-import-bench/ (names carry the size, the seed, the
generator version and a hash of db/versions/, so a changed migration makes new ones):
- the database: `crm init` and `crm demo --customers N` (zh_CN base data), as a person makes one;
- the workbook: N customer rows written with openpyxl `write_only` (PERF-FLOORS 3a: Chinese
  company name, contact, phone as text with a leading 0, e-mail, region, city, address, customer
  type, source, salesperson, creation date as a date cell). About 10 % of the rows are customers
  the database already has (half the same name with another company suffix or spacing, half a new
  name with an existing customer's phone) and about 1 % are broken (no name, or an impossible
  date such as 2023-02-30). The expected counts are stored beside the file (`.json`).

Measured in one sitting, A B A B … (which goes first alternates), every run its own child
process (wall time and peak RSS from wait4), the database copied fresh from the cache each time:
- floor: `CalamineWorkbook.from_path(p).get_sheet_by_index(0).to_python()` (PERF-FLOORS 3b);
- app: `core.importing.engine.run_import(db, boss, ImportRequest(customers, path, mode=create,
  key=name), errors_path=…)` in process: reading, header, mapping, conversion, dedupe against the
  file and the database, the verified backup the engine takes first, the writes and the error
  workbook. The backup's time is taken apart (the engine's `backup_database` is timed).
The ratio app ÷ floor is taken per pair (goal ≤ 3×). See bench/README.md ("Excel import").
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
# bench/ is not a package: the helpers shared with bench/run.py
import run as bench_run

GOAL = 3.0
CACHE = Path("/tmp/crm-import-bench")
GENERATOR = "3"  # bump when the generated workbook changes: the cached file is then rebuilt
DUPLICATE_SHARE = 0.10
BROKEN_SHARE = 0.01
HEADERS = (
    "客户名称",
    "联系人",
    "电话",
    "邮箱",
    "所属区域",
    "城市",
    "详细地址",
    "客户类型",
    "客户来源",
    "业务员",
    "创建日期",
)
# PERF-FLOORS' recipe: 城市 + 2–3 字号 characters + 行业 + 组织形式.
CITIES = (
    ("北京", "北京市", "010"),
    ("天津", "天津市", "022"),
    ("上海", "上海市", "021"),
    ("广州", "广东省", "020"),
    ("深圳", "广东省", "0755"),
    ("杭州", "浙江省", "0571"),
    ("宁波", "浙江省", "0574"),
    ("南京", "江苏省", "025"),
    ("苏州", "江苏省", "0512"),
    ("无锡", "江苏省", "0510"),
    ("济南", "山东省", "0531"),
    ("青岛", "山东省", "0532"),
    ("郑州", "河南省", "0371"),
    ("洛阳", "河南省", "0379"),
    ("武汉", "湖北省", "027"),
    ("长沙", "湖南省", "0731"),
    ("成都", "四川省", "028"),
    ("重庆", "重庆市", "023"),
    ("西安", "陕西省", "029"),
    ("沈阳", "辽宁省", "024"),
    ("大连", "辽宁省", "0411"),
    ("哈尔滨", "黑龙江省", "0451"),
    ("石家庄", "河北省", "0311"),
    ("太原", "山西省", "0351"),
    ("合肥", "安徽省", "0551"),
    ("福州", "福建省", "0591"),
    ("厦门", "福建省", "0592"),
    ("南昌", "江西省", "0791"),
    ("昆明", "云南省", "0871"),
    ("南宁", "广西壮族自治区", "0771"),
    ("贵阳", "贵州省", "0851"),
    ("兰州", "甘肃省", "0931"),
    ("东莞", "广东省", "0769"),
    ("佛山", "广东省", "0757"),
    ("温州", "浙江省", "0577"),
    ("常州", "江苏省", "0519"),
    ("烟台", "山东省", "0535"),
    ("唐山", "河北省", "0315"),
    ("保定", "河北省", "0312"),
    ("徐州", "江苏省", "0516"),
    ("泉州", "福建省", "0595"),
    ("绍兴", "浙江省", "0575"),
    ("嘉兴", "浙江省", "0573"),
    ("潍坊", "山东省", "0536"),
    ("临沂", "山东省", "0539"),
    ("南通", "江苏省", "0513"),
    ("金华", "浙江省", "0579"),
    ("珠海", "广东省", "0756"),
)
BRAND_CHARS = (
    "绿海城华盛鑫达宏远金泰恒通瑞丰永昌东方中联天宇新阳光明博远嘉和信德安泰佳美润丰汇通"
    "正大隆盛兴旺龙腾凯旋锦程万达百川昊天星辰海峰卓越宏图利民富源禾木青松翔宇春晖启航"
)
TRADES = (
    "五金制品",
    "机械设备",
    "电子科技",
    "化工",
    "纺织",
    "建材",
    "食品",
    "物流",
    "医疗器械",
    "环保科技",
    "包装材料",
    "汽车配件",
    "农业开发",
    "餐饮管理",
    "文化传媒",
    "装饰工程",
    "精密仪器",
    "进出口",
)
SUFFIXES = ("有限公司", "有限责任公司", "股份有限公司", "集团有限公司", "贸易行", "经营部", "商行")
SUFFIX_WEIGHTS = (50, 20, 8, 3, 6, 8, 5)
SWAPPABLE = ("股份有限公司", "有限责任公司", "有限公司")  # search_keys strips each of these
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志勇海燕晓东"
DISTRICTS = ("高新区", "经济开发区", "工业园区", "新区", "老城区", "滨海新区", "东城区", "西城区")
ROADS = ("人民路", "解放路", "建设路", "中山路", "和平路", "胜利路", "光明路", "长江路", "黄河路")
MAILBOXES = ("sales", "info", "purchase", "service", "office", "contact")


def log(text: str) -> None:
    print(f"bench import: {text}", file=sys.stderr, flush=True)


def crm_zh(*args: str | Path | int) -> list[str]:
    """`crm` in Chinese: the base data (regions, types, sources) get their zh_CN names, as a
    Chinese firm's database has them and its sheets spell them."""
    return [bench_run.PY, "-m", "crm_desktop.cli", "--lang", "zh_CN", *map(str, args)]


# --- the database ---------------------------------------------------------------------------------


def existing_database(customers: int) -> Path:
    """`crm init` + `crm demo --customers N`, built once (about a minute per 100k customers)."""

    def build(work: Path) -> Path:
        env = bench_run.env_with(CRM_PASSWORD=bench_run.PASSWORD)
        path = work / "existing.db"
        init = crm_zh("--db", path, "init", "--company", "基准测试贸易有限公司", "--admin", "boss")
        bench_run.checked(bench_run.run(init, env), "crm init")
        log(f"crm demo --customers {customers:,} (a minute or more per 100k)…")
        demo = crm_zh("--db", path, "--as", "boss", "demo", "--customers", customers)
        bench_run.checked(bench_run.run(demo, env), "crm demo")
        return path

    target = CACHE / f"existing-{customers}c-{bench_run.schema_hash()}.db"
    return bench_run.cached_database(target, build, log)


# --- the workbook ---------------------------------------------------------------------------------


@dataclass
class Expected:
    """What the generator put into the workbook (written beside it as JSON)."""

    rows: int = 0
    new: int = 0
    same_name: int = 0  # an existing customer's name, other suffix or spacing
    same_phone: int = 0  # a new name with an existing customer's phone
    no_name: int = 0
    bad_date: int = 0
    seconds_to_write: float = 0.0
    size: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Existing:
    customers: list[tuple[str, str | None]]  # (name, phone)
    names: set[str]  # normalized names
    phones: set[str]  # phone digits
    salespeople: list[str]
    regions: list[str]
    types: list[str]
    sources: list[str]


def load_existing(path: Path) -> Existing:
    from crm_desktop.core.search_keys import normalized_name, phone_digits

    with sqlite3.connect(path) as conn:
        customers = conn.execute("SELECT name, phone FROM customers ORDER BY id").fetchall()

        def base(kind: str) -> list[str]:
            return [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM base_data_items WHERE kind = ? AND active = 1 "
                    "ORDER BY sort_order, id",
                    (kind,),
                )
            ]

        people = conn.execute(
            "SELECT o.name FROM operators o JOIN roles r ON r.id = o.role_id "
            "WHERE r.code = 'salesperson' AND o.active = 1 ORDER BY o.id"
        ).fetchall()
        regions, types, sources = base("region"), base("customer_type"), base("customer_source")
    counted: dict[str, int] = {}
    for (name,) in people:
        counted[name] = counted.get(name, 0) + 1
    return Existing(
        customers=customers,
        names={normalized_name(n) for n, _p in customers},
        phones={phone_digits(p) for _n, p in customers if p},
        # a name two salespeople share cannot say whose customer it is: left out
        salespeople=[n for n, c in counted.items() if c == 1],
        regions=regions,
        types=types,
        sources=sources,
    )


class Maker:
    """Seeded rows of a customer sheet as a firm keeps it."""

    def __init__(self, existing: Existing, seed: int) -> None:
        from crm_desktop.core.search_keys import normalized_name, phone_digits

        self.normalized_name = normalized_name
        self.phone_digits = phone_digits
        self.existing = existing
        self.rng = random.Random(seed)
        self.names = set(existing.names)
        self.phones = set(existing.phones)
        self.first_day = date(2015, 1, 1)
        self.days = (date(2024, 12, 31) - self.first_day).days

    def pick(self, values: Sequence[Any]) -> Any:
        return values[int(self.rng.random() * len(values))]

    def new_name(self, city: str) -> str:
        rng = self.rng
        while True:
            brand = "".join(self.pick(BRAND_CHARS) for _i in range(2 + (rng.random() < 0.4)))
            suffix = rng.choices(SUFFIXES, SUFFIX_WEIGHTS)[0]
            name = f"{city}{brand}{self.pick(TRADES)}{suffix}"
            key = self.normalized_name(name)
            if key not in self.names:
                self.names.add(key)
                return name

    def new_phone(self, area: str) -> str:
        """Text with its leading zero: area code + 7–8 digits, or 0 + an 11-digit mobile."""
        rng = self.rng
        while True:
            if rng.random() < 0.5:
                digits = 8 if len(area) == 3 else 7 + (rng.random() < 0.5)
                phone = f"{area}{int(rng.random() * 10**digits):0{digits}d}"
            else:
                phone = f"01{self.pick('3578')}{int(rng.random() * 10**9):09d}"
            if self.phone_digits(phone) not in self.phones:
                self.phones.add(self.phone_digits(phone))
                return phone

    def variant(self, name: str) -> str | None:
        """The same customer as the duplicate guard sees it: another legal form that
        `normalized_name` strips (有限公司 / 有限责任公司 / 股份有限公司), or a space (a space
        inside the legal form is not the same name to it: tried again)."""
        for _attempt in range(4):
            candidate = self.candidate(name)
            if candidate is None:
                return None
            if candidate != name and self.normalized_name(candidate) == self.normalized_name(name):
                return candidate
        return None

    def candidate(self, name: str) -> str | None:
        rng = self.rng
        swappable = [s for s in SWAPPABLE if name.endswith(s)]
        if swappable and rng.random() < 0.6:
            base = name[: -len(max(swappable, key=len))]
            return base + self.pick([s for s in SWAPPABLE if not name.endswith(s)])
        if len(name) <= 4:
            return None
        cut = 2 + int(rng.random() * (len(name) - 4))
        if rng.random() < 0.5:
            return f" {name[:cut]} {name[cut:]}"
        return f"{name[:cut]}\u3000{name[cut:]}"  # a full-width space, as input methods type it

    def person(self) -> str:
        return self.pick(SURNAMES) + "".join(
            self.pick(GIVEN) for _i in range(1 + (self.rng.random() < 0.6))
        )

    def row(self, name: str | None, phone: str, when: Any) -> list[Any]:
        city, province, _area = self.pick(CITIES)
        place = province if province.endswith("市") else f"{province}{city}市"
        e = self.existing
        return [
            name,
            self.person(),
            phone,
            f"{self.pick(MAILBOXES)}{int(self.rng.random() * 1000)}@example.com.cn",
            self.pick(e.regions) if e.regions else province,
            city,
            f"{place}{self.pick(DISTRICTS)}{self.pick(ROADS)}{1 + int(self.rng.random() * 999)}号",
            self.pick(e.types) if e.types else None,
            self.pick(e.sources) if e.sources else None,
            self.pick(e.salespeople) if e.salespeople else None,
            when,
        ]

    def day(self) -> date:
        return self.first_day + timedelta(days=int(self.rng.random() * self.days))

    def rows(self, count: int, expected: Expected) -> list[list[Any]]:
        rng = self.rng
        existing = list(self.existing.customers)
        rng.shuffle(existing)  # each existing customer is copied at most once
        rows: list[list[Any]] = []
        for _i in range(count):
            city, _province, area = self.pick(CITIES)
            draw = rng.random()
            if draw < BROKEN_SHARE / 2:
                rows.append(self.row(None, self.new_phone(area), self.day()))
                expected.no_name += 1
            elif draw < BROKEN_SHARE:
                bad = self.pick(("2023-02-30", "2022/13/05", "2021年2月31日", "20231345"))
                rows.append(self.row(self.new_name(city), self.new_phone(area), bad))
                expected.bad_date += 1
            elif draw < BROKEN_SHARE + DUPLICATE_SHARE and existing:
                name, phone = existing.pop()
                copy = self.variant(name) if rng.random() < 0.5 or not phone else None
                if copy is not None:
                    rows.append(self.row(copy, self.new_phone(area), self.day()))
                    expected.same_name += 1
                elif phone:
                    rows.append(self.row(self.new_name(city), phone, self.day()))
                    expected.same_phone += 1
                else:
                    rows.append(self.row(self.new_name(city), self.new_phone(area), self.day()))
                    expected.new += 1
            else:
                rows.append(self.row(self.new_name(city), self.new_phone(area), self.day()))
                expected.new += 1
        expected.rows = len(rows)
        return rows


def workbook(db_path: Path, rows: int, seed: int) -> tuple[Path, Expected]:
    """The cached customer workbook for `db_path` (its duplicates are that database's
    customers), written with openpyxl write_only (~25 s for 100k rows)."""
    target = CACHE / f"customers-{rows}r-s{seed}-g{GENERATOR}-{db_path.stem}.xlsx"
    facts = target.with_suffix(".json")
    if target.exists() and facts.exists():
        log(f"reusing {target}")
        return target, Expected(**json.loads(facts.read_text()))
    from openpyxl import Workbook

    started = time.perf_counter()
    expected = Expected()
    data = Maker(load_existing(db_path), seed).rows(rows, expected)
    made = time.perf_counter()
    log(f"{rows:,} rows made in {made - started:.1f} s; writing the xlsx (openpyxl write_only)…")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("客户资料")
    sheet.append(list(HEADERS))
    for row in data:
        sheet.append(row)
    partial = target.with_name(target.name + ".partial")
    book.save(partial)
    expected.seconds_to_write = time.perf_counter() - made
    partial.replace(target)
    expected.size = target.stat().st_size
    facts.write_text(json.dumps(expected.__dict__, ensure_ascii=False, indent=1))
    log(f"wrote {target} ({expected.size:,} bytes) in {expected.seconds_to_write:.1f} s")
    return target, expected


# --- the children ---------------------------------------------------------------------------------


def floor_child(xlsx: str, out: str) -> int:
    """PERF-FLOORS 3b: the whole sheet as Python values with python-calamine, nothing else."""
    start = time.perf_counter()
    from python_calamine import CalamineWorkbook

    imported = time.perf_counter()
    rows = CalamineWorkbook.from_path(xlsx).get_sheet_by_index(0).to_python()
    done = time.perf_counter()
    result = {"seconds": done - imported, "import_seconds": imported - start, "rows": len(rows)}
    Path(out).write_text(json.dumps(result))
    return 0


def import_child(db_path: str, xlsx: str, errors: str, out: str, profile: str = "") -> int:
    """`run_import` in this process as the boss; the backup the engine takes is timed apart."""
    start = time.perf_counter()
    from crm_desktop.core.db import Database
    from crm_desktop.core.db import backup as backup_module
    from crm_desktop.core.importing import engine
    from crm_desktop.core.importing.model import ImportKind, ImportMode, ImportRequest, MatchKey
    from crm_desktop.core.models import Operator
    from crm_desktop.core.services import auth

    spent: list[float] = []

    def timed_backup(original: Any) -> Any:
        def backup_database(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent.append(time.perf_counter() - began)

        return backup_database

    plain = backup_module.backup_database
    backup_module.backup_database = timed_backup(plain)
    if getattr(engine, "backup_database", None) is plain:  # `from … import backup_database`
        engine.backup_database = backup_module.backup_database

    db = Database(f"sqlite:///{db_path}")
    with db.read() as session:
        boss = auth.actor_for(session.query(Operator).filter(Operator.code == "boss").one())
    request = ImportRequest(
        kind=ImportKind.CUSTOMERS,
        path=Path(xlsx),
        mode=ImportMode.CREATE,
        key=MatchKey.NAME,
    )
    calls = [0]

    def progress(_done: int, _total: int) -> bool:  # the wizard and the CLI always pass one
        calls[0] += 1
        return True

    ready = time.perf_counter()
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    result = engine.run_import(db, boss, request, progress=progress, errors_path=Path(errors))
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    done = time.perf_counter()
    db.dispose()
    facts = {
        "seconds": done - ready,
        "backup_seconds": sum(spent),
        "backups": len(spent),
        "setup_seconds": ready - start,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "skipped": result.skipped,
        "errors": len(result.errors),
        "batch_id": result.batch_id,
        "progress_calls": calls[0],
        "error_file": str(result.error_file) if result.error_file else "",
        "backup_path": str(result.backup_path) if result.backup_path else "",
        "reasons": reasons(result),
    }
    Path(out).write_text(json.dumps(facts, ensure_ascii=False))
    return 0


def reasons(result: Any) -> dict[str, int]:
    """How many error and skipped rows give each reason (numbers blanked: 'row 12' = 'row N')."""
    import re

    counted: dict[str, int] = {}
    for kind, rows in (("error", result.errors), ("skipped", result.skipped_rows)):
        for row in rows:
            text = re.sub(r"[0-9]+", "N", str(row.reason))
            head = text.split(": ")[0]  # "… already exists: <the customer>" counted as one
            key = f"{kind}: {head if len(head) >= 25 else text}"[:100]
            counted[key] = counted.get(key, 0) + 1
    return dict(sorted(counted.items(), key=lambda kv: -kv[1]))


# --- measuring ------------------------------------------------------------------------------------


def engine_ready() -> str:
    """'' when `engine.run_import` can be imported, else why not (checked in a child)."""
    probe = subprocess.run(
        [
            bench_run.PY,
            "-c",
            "from crm_desktop.core.importing.engine import run_import",
        ],
        capture_output=True,
        text=True,
        cwd=bench_run.ROOT,
    )
    if probe.returncode == 0:
        return ""
    last = (probe.stderr.strip().splitlines() or ["(no message)"])[-1]
    return last[:160]


@dataclass
class Sitting:
    """Every run of one sitting: child process figures plus what the child reported."""

    floor: list[tuple[bench_run.Run, dict[str, Any]]] = field(default_factory=list)
    app: list[tuple[bench_run.Run, dict[str, Any]]] = field(default_factory=list)
    copy_seconds: list[float] = field(default_factory=list)
    note: str = ""


def run_floor(xlsx: Path, folder: Path) -> tuple[bench_run.Run, dict[str, Any]]:
    out = folder / "floor.json"
    out.unlink(missing_ok=True)
    cmd = [bench_run.PY, __file__, "--floor-child", str(xlsx), str(out)]
    done = bench_run.checked(bench_run.run(cmd, bench_run.env_with()), "calamine floor")
    return done, json.loads(out.read_text())


def run_app(
    db: Path, xlsx: Path, folder: Path, sitting: Sitting, profile: str = ""
) -> tuple[bench_run.Run, dict[str, Any]]:
    """A fresh copy of the cached database, then one import in a child process."""
    work = folder / "run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    began = time.perf_counter()
    target = work / "crm.db"
    shutil.copyfile(db, target)
    sitting.copy_seconds.append(time.perf_counter() - began)
    out = work / "import.json"
    cmd = [bench_run.PY, __file__, "--import-child", str(target), str(xlsx)]
    cmd += [str(work / "errors.xlsx"), str(out), profile]
    done = bench_run.run(cmd, bench_run.env_with(CRM_PASSWORD=bench_run.PASSWORD))
    if done.returncode != 0 or not out.exists():
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise RuntimeError(f"import failed (exit {done.returncode}): {last[:200]}")
    facts = json.loads(out.read_text())
    facts["db_after"] = work_counts(target)
    shutil.rmtree(work, ignore_errors=True)
    return done, facts


def work_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {
            "customers": conn.execute("SELECT count(*) FROM customers").fetchone()[0],
            "import_changes": conn.execute("SELECT count(*) FROM import_changes").fetchone()[0],
        }


def measure(
    db: Path, xlsx: Path, pairs: int, folder: Path, warmups: int, floor_only: bool = False
) -> Sitting:
    sitting = Sitting()
    why = "--floor-only" if floor_only else engine_ready()
    if why:
        reason = why if floor_only else f"the engine is not importable yet ({why})"
        sitting.note = f"import not measured: {reason}"
        log(sitting.note)

    def app(into: Sitting) -> None:
        nonlocal why
        try:
            into.app.append(run_app(db, xlsx, folder, into))
        except RuntimeError as exc:  # an engine being written: the floor is still measured
            why = str(exc)
            sitting.note = f"import not measured: {why}"
            log(sitting.note)

    for _i in range(warmups):
        run_floor(xlsx, folder)
        if not why:
            app(Sitting())
    for number in range(pairs):
        sides = ["floor", "app"] if number % 2 == 0 else ["app", "floor"]
        for side in sides:
            if side == "floor":
                sitting.floor.append(run_floor(xlsx, folder))
            elif not why:
                app(sitting)
        if why:
            del sitting.app[:]  # unpaired runs would make the ratios lie
        line = f"pair {number + 1}/{pairs}: floor {sitting.floor[-1][1]['seconds']:.2f} s"
        if sitting.app and len(sitting.app) == number + 1:
            facts = sitting.app[-1][1]
            line += f", import {facts['seconds']:.2f} s (backup {facts['backup_seconds']:.2f} s)"
        log(line)
    return sitting


# --- output ---------------------------------------------------------------------------------------


def rows_for(sitting: Sitting, count: int) -> list[bench_run.Row]:
    """Table rows: in-process work (with peak RSS of its process) and the whole processes.

    The pre-import backup runs on a thread beside reading and planning, so subtracting its
    time would not give "the import without it"; the notes give the backup's own time.
    """
    floor_runs = [bench_run.Run(f["seconds"], r.peak_mib, 0) for r, f in sitting.floor]
    whole_floor = [r for r, _f in sitting.floor]
    app = [bench_run.Run(f["seconds"], r.peak_mib, 0) for r, f in sitting.app]
    whole_app = [r for r, _f in sitting.app]
    rows = [
        bench_run.Row(f"import {count:,} customer rows (run_import, in process)", app, floor_runs),
        bench_run.Row("  whole process (start, import, exit)", whole_app, whole_floor),
    ]
    rows[0].note = sitting.note
    if not sitting.app:
        return rows[:1]
    return rows


def notes(sitting: Sitting, expected: Expected, count: int, existing: int) -> list[str]:
    lines = []
    floor = statistics.median(f["seconds"] for _r, f in sitting.floor)
    lines.append(
        f"floor (calamine `to_python()`): {floor:.2f} s = {count / floor:,.0f} rows/s; "
        f"file {expected.size / 2**20:.1f} MiB, {expected.rows:,} data rows + header"
    )
    if not sitting.app:
        return lines
    facts = [f for _r, f in sitting.app]
    seconds = statistics.median(f["seconds"] for f in facts)
    backup = [f["backup_seconds"] for f in facts]
    lines.append(f"import: {seconds:.2f} s = {count / seconds:,.0f} rows/s")
    lines.append(
        f"pre-import backup (`backup_database` on a thread beside reading and planning, "
        f"{facts[0]['backups']} per import, verified "
        f"copy of the {existing:,}-customer file): median {statistics.median(backup):.2f} s "
        f"({min(backup):.2f}–{max(backup):.2f} s); copying the cached file before each run "
        f"(not timed): {statistics.median(sitting.copy_seconds):.2f} s"
    )
    lines.append(
        "child start before run_import (imports, Database, boss): "
        f"{statistics.median(f['setup_seconds'] for f in facts):.2f} s"
    )
    last = facts[-1]
    lines.append(
        f"result: created {last['created']:,}, updated {last['updated']:,}, unchanged "
        f"{last['unchanged']:,}, skipped {last['skipped']:,}, errors {last['errors']:,}; "
        f"customers {existing:,} → {last['db_after']['customers']:,}, "
        f"import_changes rows {last['db_after']['import_changes']:,}, "
        f"progress calls {last['progress_calls']:,}"
    )
    lines.append(
        f"the workbook holds: {expected.new:,} new, {expected.same_name:,} existing names "
        f"(other suffix/spacing), {expected.same_phone:,} existing phones under a new name, "
        f"{expected.no_name:,} without a name, {expected.bad_date:,} impossible dates"
    )
    for reason, number in list(last["reasons"].items())[:8]:
        lines.append(f"  {number:,} × {reason}")
    return lines


def verdict(rows: list[bench_run.Row]) -> str:
    if not rows[0].ratios:
        return f"goal ≤ {GOAL:.0f}× the calamine floor: not measured (no import)"
    ratio = statistics.median(rows[0].ratios)
    met = "met" if ratio <= GOAL else "NOT met"
    return f"goal: import ≤ {GOAL:.0f}× the calamine floor: {met} ({ratio:.2f}×)"


def print_profile(path: str, limit: int = 25) -> str:
    text = io.StringIO()
    stats = pstats.Stats(path, stream=text)
    stats.strip_dirs()
    for order in ("cumulative", "tottime"):
        text.write(f"\n=== top {limit} by {order} ===\n")
        stats.sort_stats(order).print_stats(limit)
    return text.getvalue()


def machine() -> str:
    import platform

    version = sqlite3.sqlite_version
    return (
        f"{platform.node() or 'machine'}: {platform.machine()}, {bench_run.os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, SQLite {version}"
    )


# --- main -----------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 rows and customers, 3 pairs")
    parser.add_argument("--rows", type=int, help="rows in the workbook (default 100,000)")
    parser.add_argument("--customers", type=int, help="existing customers (default 100,000)")
    parser.add_argument("--pairs", type=int, help="floor/import pairs (default 5)")
    parser.add_argument("--warmups", type=int, help="unmeasured pairs first (default 1)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--profile", action="store_true", help="cProfile one more import")
    parser.add_argument("--prepare", action="store_true", help="only build the cached data")
    parser.add_argument("--floor-only", action="store_true", help="do not run the import")
    args = parser.parse_args(argv)
    args.rows = args.rows or (10_000 if args.quick else 100_000)
    args.customers = args.customers or (10_000 if args.quick else 100_000)
    args.pairs = args.pairs or (3 if args.quick else 5)
    args.warmups = 1 if args.warmups is None else args.warmups
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--floor-child"]:
        return floor_child(argv[1], argv[2])
    if argv[:1] == ["--import-child"]:
        return import_child(*argv[1:6])
    args = parse_args(argv)
    # PYTHONDONTWRITEBYTECODE=1 here: without this the app's modules compile on every start.
    subprocess.run(
        [bench_run.PY, "-m", "compileall", "-q", str(bench_run.ROOT / "src")], check=True
    )
    db = existing_database(args.customers)
    xlsx, expected = workbook(db, args.rows, args.seed)
    if args.prepare:
        return 0
    folder = Path(tempfile.mkdtemp(prefix="runs-", dir=CACHE))
    try:
        sitting = measure(db, xlsx, args.pairs, folder, args.warmups, args.floor_only)
        profiled = ""
        if args.profile and sitting.app:
            stats = str(CACHE / f"profile-{args.rows}r.pstats")
            run_app(db, xlsx, folder, Sitting(), profile=stats)
            profiled = print_profile(stats)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print()
    print(
        f"{args.rows:,} rows into {args.customers:,} existing customers; {machine()}; "
        f"{args.pairs} pairs after {args.warmups} warm-up(s)\n"
    )
    rows = rows_for(sitting, args.rows)
    bench_run.print_table(rows)
    for line in notes(sitting, expected, args.rows, args.customers):
        print(f"- {line}")
    print(f"- {verdict(rows)}")
    if profiled:
        print(profiled)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
