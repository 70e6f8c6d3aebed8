"""人民币大写 on the totals of every printed document: the amount a customer signs for."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm_desktop.core.reports.capital import rmb_capital

CASES = [
    ("0", "零元整"),
    ("0.00", "零元整"),
    ("0.05", "伍分"),
    ("0.5", "伍角整"),
    ("0.10", "壹角整"),
    ("1.00", "壹元整"),
    ("1.05", "壹元零伍分"),
    ("10", "壹拾元整"),
    ("20", "贰拾元整"),
    ("100.10", "壹佰元零壹角整"),
    ("1005.00", "壹仟零伍元整"),
    ("1010", "壹仟零壹拾元整"),
    ("1000005.06", "壹佰万零伍元零陆分"),
    ("10000.00", "壹万元整"),
    ("100000.00", "壹拾万元整"),
    ("100000000.00", "壹亿元整"),
    ("100000001", "壹亿零壹元整"),
    ("100010000", "壹亿零壹万元整"),
    ("110000000", "壹亿壹仟万元整"),
    ("12345.67", "壹万贰仟叁佰肆拾伍元陆角柒分"),
    ("105000.00", "壹拾万零伍仟元整"),
    ("1010000.09", "壹佰零壹万元零玖分"),
    ("1680.32", "壹仟陆佰捌拾元零叁角贰分"),
    ("1000000000000", "壹万亿元整"),
    ("1000100000000", "壹万零壹亿元整"),
    ("123456789012.34", "壹仟贰佰叁拾肆亿伍仟陆佰柒拾捌万玖仟零壹拾贰元叁角肆分"),
    ("-12.30", "负壹拾贰元叁角整"),
    ("-0.05", "负伍分"),
]


@pytest.mark.parametrize(("amount", "expected"), CASES)
def test_amount_in_capital_figures_follows_the_bank_rules(amount: str, expected: str) -> None:
    assert rmb_capital(Decimal(amount)) == expected


def test_whole_numbers_are_accepted_as_int() -> None:
    assert rmb_capital(105000) == "壹拾万零伍仟元整"


def test_fractions_of_a_cent_round_half_up_like_the_totals() -> None:
    assert rmb_capital(Decimal("1.005")) == "壹元零壹分"
    assert rmb_capital(Decimal("1.995")) == "贰元整"
    assert rmb_capital(Decimal("1.004")) == "壹元整"


def test_nothing_owed_is_never_negative() -> None:
    assert rmb_capital(Decimal("-0")) == "零元整"
    assert rmb_capital(Decimal("-0.004")) == "零元整"


def test_floats_are_refused_so_rounding_errors_never_reach_a_document() -> None:
    with pytest.raises(TypeError):
        rmb_capital(0.1 + 0.2)  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", [Decimal("1E16"), Decimal("NaN"), Decimal("Infinity")])
def test_amounts_that_cannot_be_written_are_refused(amount: Decimal) -> None:
    with pytest.raises(ValueError):
        rmb_capital(amount)
