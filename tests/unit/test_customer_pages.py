"""Reading a whole customer list page by page (the export): exactly the rows and the order the
list shows, for every sort and direction, whatever page boundaries fall between equal values."""

from __future__ import annotations

from typing import Any

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.errors import ValidationError
from crm_desktop.core.models import BaseDataKind
from crm_desktop.core.services import basedata, customers
from crm_desktop.core.services.customers import SORT_COLUMNS, CustomerFilter


def add(db: Database, actor: Actor, name: str, **values: Any) -> int:
    return customers.create_customer(db, actor, {"name": name, **values}, allow_duplicate=True)


def region(db: Database, boss: Actor, name: str) -> int:
    values = {"kind": BaseDataKind.REGION, "code": name, "name": name}
    return basedata.save_item(db, boss, None, None, values)


@pytest.fixture
def ledger(db: Database, boss: Actor, team: dict[str, Actor]) -> Database:
    """Customers with repeated names, phones and regions, and some without a region or phone."""
    east, west = region(db, boss, "华东"), region(db, boss, "华西")
    for number in range(9):
        add(
            db,
            team["li"] if number % 3 == 0 else boss,
            f"客户{number % 4}",  # names repeat: ties broken by id
            phone=f"0571{number % 2}" if number % 3 else None,
            region_id=[east, west, None][number % 3],
        )
    return db


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("sort", sorted(SORT_COLUMNS))
def test_pages_hold_the_lists_rows_in_its_order(
    ledger: Database, boss: Actor, sort: str, descending: bool
) -> None:
    shown = customers.list_customers(ledger, boss, sort=sort, descending=descending, limit=100)
    for page in (1, 2, 4, 100):
        pages = list(
            customers.iter_customers(ledger, boss, sort=sort, descending=descending, page=page)
        )
        assert [row for rows in pages for row in rows] == shown, (sort, descending, page)
        assert all(0 < len(rows) <= page for rows in pages)


def test_pages_keep_the_operators_scope_and_the_filter(
    ledger: Database, boss: Actor, team: dict[str, Actor]
) -> None:
    li = team["li"]
    mine = [r for rows in customers.iter_customers(ledger, li, page=2) for r in rows]
    assert mine == customers.list_customers(ledger, li) and len(mine) == 3
    wanted = CustomerFilter(search="0571")
    found = [r for rows in customers.iter_customers(ledger, boss, wanted, page=2) for r in rows]
    assert found == customers.list_customers(ledger, boss, wanted)
    assert {r.phone for r in found} == {"05710", "05711"}


def test_an_empty_list_has_no_pages(db: Database, boss: Actor) -> None:
    assert list(customers.iter_customers(db, boss, page=2)) == []


def test_a_customer_changed_between_pages_is_neither_lost_nor_repeated(
    db: Database, boss: Actor
) -> None:
    ids = [add(db, boss, f"客户{number}") for number in range(6)]
    pages = customers.iter_customers(db, boss, page=2)
    first = next(pages)
    customers.set_archived(db, boss, ids[0], True)  # a row already read leaves the list
    rest = [row.id for rows in pages for row in rows]
    assert [row.id for row in first] + rest == ids


def test_an_unknown_sort_is_refused(db: Database, boss: Actor) -> None:
    with pytest.raises(ValidationError, match="Unknown sort"):
        list(customers.iter_customers(db, boss, sort="shoe size"))
