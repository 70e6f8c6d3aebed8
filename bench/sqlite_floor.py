"""The insert floor (PERF-FLOORS 4a): N customer rows (7 columns, 6 indexes present) with plain
`sqlite3`, one transaction, `executemany`. Usage: sqlite_floor.py N PATH"""

import random
import sqlite3
import sys

n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(42)
CITIES = ("天津", "北京", "上海", "广州", "深圳", "成都", "武汉", "西安", "杭州", "南京")
BRANDS = ("绿海城", "华盛", "鑫达", "宏远", "金泰", "恒通", "瑞丰", "永昌", "长城", "东方")
TRADES = ("五金制品", "机械设备", "电子科技", "化工", "纺织", "建材", "食品", "物流")
rows = []
for i in range(1, n + 1):
    name = rng.choice(CITIES) + rng.choice(BRANDS) + rng.choice(TRADES) + "有限公司"
    phone = f"0{rng.randrange(10, 999)}{rng.randrange(10**7, 10**8)}"
    owner, region = rng.randrange(1, 41), rng.randrange(1, 31)
    rows.append((i, name, phone, f"pinyin{i}", f"py{i}", owner, region))
conn = sqlite3.connect(path, isolation_level=None)
conn.execute("PRAGMA journal_mode=DELETE")
conn.execute("PRAGMA synchronous=FULL")
conn.execute(
    "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, phone TEXT, pinyin TEXT,"
    " initials TEXT, owner_id INTEGER, region_id INTEGER)"
)
for ddl in (
    "CREATE INDEX ix_c_name ON customers(name)",
    "CREATE INDEX ix_c_phone ON customers(phone)",
    "CREATE INDEX ix_c_pinyin ON customers(pinyin COLLATE NOCASE)",
    "CREATE INDEX ix_c_initials ON customers(initials COLLATE NOCASE)",
    "CREATE INDEX ix_c_owner ON customers(owner_id)",
    "CREATE INDEX ix_c_region ON customers(region_id)",
):
    conn.execute(ddl)
conn.execute("BEGIN IMMEDIATE")
conn.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
conn.execute("COMMIT")
conn.close()
