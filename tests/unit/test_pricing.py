"""Line amounts and totals are exact to the cent, checked against an independent Decimal sum."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

import pytest

from crm_desktop.core.errors import ValidationError
from crm_desktop.core.pricing import (
    MAX_LINES,
    LineInput,
    clean_lines,
    document_totals,
    line_amount,
)

CENT = Decimal("0.01")


def reference_amount(quantity: str, price: str, discount_percent: str = "0") -> Decimal:
    """The amount a careful clerk works out: exact product, rounded half up to the cent once."""
    exact = Decimal(quantity) * Decimal(price) * (1 - Decimal(discount_percent) / 100)
    return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def test_point_one_plus_point_two_is_exactly_point_three() -> None:
    amounts = [line_amount(Decimal(1), Decimal("0.1")), line_amount(Decimal(1), Decimal("0.2"))]
    assert document_totals(amounts, 0).total == Decimal("0.30")


def test_three_times_33_33_at_15_percent_off_rounds_once_half_up() -> None:
    # 3 × 33.33 = 99.99; × 0.85 = 84.9915 -> 84.99 (not 3 × 28.33 = 84.99 by luck: check both)
    assert line_amount(Decimal(3), Decimal("33.33"), 1500) == Decimal("84.99")
    assert line_amount(Decimal(1), Decimal("0.05"), 5000) == Decimal("0.03")  # 0.025 half up
    assert line_amount(Decimal("2.5"), Decimal("0.01")) == Decimal("0.03")  # 0.025 half up
    assert line_amount(Decimal("0.001"), Decimal("4.99")) == Decimal("0.00")


def test_tax_at_13_percent_is_rounded_once_on_the_subtotal() -> None:
    totals = document_totals([Decimal("33.33"), Decimal("33.33"), Decimal("33.33")], 1300)
    assert totals.subtotal == Decimal("99.99")
    assert totals.tax == Decimal("13.00")  # 12.9987 -> 13.00
    assert totals.total == Decimal("112.99")


def test_fifteen_hundred_awkward_lines_match_an_independent_decimal_computation() -> None:
    rng = random.Random(5)
    lines, expected = [], Decimal("0")
    for _i in range(1500):
        quantity = f"{rng.randint(1, 999_999) / 1000:.3f}"
        price = rng.choice(
            ["0.10", "0.20", "33.33", "0.01", "19.99", f"{rng.randint(1, 10**7) / 100:.2f}"]
        )
        discount = rng.choice([0, 1500, 333, 5000, 10000, 1])
        lines.append(line_amount(Decimal(quantity), Decimal(price), discount))
        expected += reference_amount(quantity, price, str(Decimal(discount) / 100))
    totals = document_totals(lines, 1300)
    assert totals.subtotal == expected
    assert totals.tax == (expected * Decimal("0.13")).quantize(CENT, rounding=ROUND_HALF_UP)
    assert totals.total == totals.subtotal + totals.tax
    assert totals.total.as_tuple().exponent == -2


def test_a_full_discount_costs_nothing_and_no_tax_means_no_tax() -> None:
    assert line_amount(Decimal(7), Decimal("12.34"), 10000) == Decimal("0.00")
    totals = document_totals([Decimal("10.00")], 0)
    assert (totals.subtotal, totals.tax, totals.total) == (
        Decimal("10.00"),
        Decimal("0.00"),
        Decimal("10.00"),
    )


def test_clean_lines_tidies_text_and_keeps_three_decimal_quantities() -> None:
    [line] = clean_lines(
        [LineInput("  螺栓 ", Decimal("1.5"), Decimal("2"), 0, unit=" 个 ", product_code=" ")]
    )
    assert line.description == "螺栓"
    assert line.unit == "个"
    assert line.product_code is None
    assert line.quantity == Decimal("1.500")
    assert line.unit_price == Decimal("2.00")


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        (LineInput(" ", Decimal(1), Decimal(1)), "empty"),
        (LineInput("x", Decimal(0), Decimal(1)), "more than zero"),
        (LineInput("x", Decimal(-1), Decimal(1)), "more than zero"),
        (LineInput("x", Decimal("0.0001"), Decimal(1)), "three decimals"),
        (LineInput("x", Decimal(1), Decimal("-0.01")), "negative"),
        (LineInput("x", Decimal(1), Decimal("0.001")), "two decimals"),
        (LineInput("x", Decimal(1), Decimal(1), -1), "discount"),
        (LineInput("x", Decimal(1), Decimal(1), 10001), "discount"),
        (LineInput("x", 1.5, Decimal(1)), "not a number"),  # type: ignore[arg-type]
        (LineInput("x", Decimal(1), "abc"), "not an amount"),  # type: ignore[arg-type]
    ],
)
def test_a_bad_line_is_refused_naming_its_line_number(bad: LineInput, problem: str) -> None:
    good = LineInput("好的一行", Decimal(1), Decimal(1))
    with pytest.raises(ValidationError) as refused:
        clean_lines([good, good, bad])
    assert str(refused.value).startswith("Line 3:")
    assert problem in str(refused.value)


def test_at_most_two_thousand_lines() -> None:
    line = LineInput("x", Decimal(1), Decimal(1))
    assert len(clean_lines([line] * MAX_LINES)) == MAX_LINES
    with pytest.raises(ValidationError, match="at most 2000 lines"):
        clean_lines([line] * (MAX_LINES + 1))
