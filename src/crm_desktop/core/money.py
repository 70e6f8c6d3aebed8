"""Money as `Decimal`, stored as integer cents.

Floats never touch money: parsing accepts `Decimal`, `int` and strings; floats are refused so a
rounding error can never reach a receipt. Statistics sum integer cents in SQL and divide at
the edge.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: Decimal | int | str | None) -> Decimal | None:
    """Round a value to cents (half up, as Chinese invoices do); `None` stays `None`."""
    if value is None:
        return None
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a Decimal or a string")
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(f"not an amount of money: {value!r}") from exc
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(value: Decimal | int | str) -> int:
    amount = to_money(value)
    if amount is None:
        raise ValueError("an amount is required")
    return int(amount * 100)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def format_money(amount: Decimal | None) -> str:
    """Thousands separators and two decimals, the way both Chinese and English users read it."""
    if amount is None:
        return ""
    return f"{amount:,.2f}"
