"""Saved filters belong to the operator who saved them: listed, replaced and deleted per person."""

from __future__ import annotations

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.errors import PermissionDenied, ValidationError
from crm_desktop.core.services import saved_filters
from tests.conftest import MakeOperator

IDLE = {"idle_days": 30, "pool": "mine"}
BEIJING = {"region_id": 7, "search": "北京"}


@pytest.fixture
def li(make_operator: MakeOperator) -> Actor:
    return make_operator("li", "salesperson")


@pytest.fixture
def zhao(make_operator: MakeOperator) -> Actor:
    return make_operator("zhao", "salesperson")


def _names(db: Database, actor: Actor, list_name: str = "customers") -> list[str]:
    return [row.name for row in saved_filters.list_saved_filters(db, actor, list_name)]


def test_each_operator_lists_only_their_own_filters(db: Database, li: Actor, zhao: Actor) -> None:
    saved_filters.save_filter(db, li, "customers", "久未跟进", IDLE)
    saved_filters.save_filter(db, zhao, "customers", "北京客户", BEIJING)

    (mine,) = saved_filters.list_saved_filters(db, li, "customers")
    assert (mine.name, mine.definition) == ("久未跟进", IDLE)
    assert _names(db, zhao) == ["北京客户"]


def test_filters_are_kept_per_list_in_the_order_saved(db: Database, li: Actor) -> None:
    saved_filters.save_filter(db, li, "customers", "Zeta", IDLE)
    saved_filters.save_filter(db, li, "customers", "Alpha", BEIJING)
    saved_filters.save_filter(db, li, "followups", "本周", {"date_from": "2026-01-05"})

    assert _names(db, li) == ["Zeta", "Alpha"]
    assert _names(db, li, "followups") == ["本周"]


def test_saving_under_the_same_name_replaces_the_definition(db: Database, li: Actor) -> None:
    first = saved_filters.save_filter(db, li, "customers", "我的", IDLE)
    again = saved_filters.save_filter(db, li, "customers", " 我的 ", BEIJING)

    assert again == first
    assert saved_filters.list_saved_filters(db, li, "customers") == [
        saved_filters.SavedFilterRow(first, "我的", BEIJING)
    ]


def test_two_operators_may_use_the_same_name(db: Database, li: Actor, zhao: Actor) -> None:
    mine = saved_filters.save_filter(db, li, "customers", "重点", IDLE)
    theirs = saved_filters.save_filter(db, zhao, "customers", "重点", BEIJING)

    assert mine != theirs
    assert saved_filters.list_saved_filters(db, li, "customers")[0].definition == IDLE


def test_only_the_owner_can_delete_a_filter(db: Database, li: Actor, zhao: Actor) -> None:
    filter_id = saved_filters.save_filter(db, li, "customers", "久未跟进", IDLE)

    with pytest.raises(PermissionDenied):
        saved_filters.delete_filter(db, zhao, filter_id)
    assert _names(db, li) == ["久未跟进"]

    saved_filters.delete_filter(db, li, filter_id)
    assert _names(db, li) == []


def test_a_filter_needs_a_name(db: Database, li: Actor) -> None:
    with pytest.raises(ValidationError, match="must not be empty"):
        saved_filters.save_filter(db, li, "customers", "  ", IDLE)
