"""Turn raw sheet cells into stored values: text, codes, phones, dates, money, numbers.

Cells come as calamine and the CSV reader give them (str, int, float, bool, date, datetime,
time; "" or None when empty). Each converter returns None for an empty cell and raises
`ValueProblem` with a message the person can act on. Every converter tests the common types
first with `__class__ is` (no regex for a plain string or a real date): the engine calls them
for every cell of 100k-row sheets.

Money and decimals never go through float arithmetic: a float cell becomes Decimal(repr(x))
(the shortest text that reads back as x, i.e. what Excel shows) and is rounded half up.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from crm_desktop.core.i18n import _

_CENT = Decimal("0.01")
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 (with Excel's 1900 leap-year bug)
_MAX_SERIAL = 2958465  # 9999-12-31
_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
    r"(?:(?:\s+|T)\d{1,2}[:：]\d{2}(?:[:：]\d{2}(?:\.\d+)?)?)?"
)
_DATE_DIGITS = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DAY_FIRST = re.compile(r"\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{2,4}(?:\s.*)?")
_MONEY_NOISE = re.compile(r"[\s,，¥￥$]|元|人民币|rmb|cny", re.IGNORECASE)
_NUMBER_NOISE = re.compile(r"[\s,，]")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_DIGIT = re.compile(r"\d")
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d+)?[eE][+-]?\d+")
_TRUE = frozenset({"是", "有", "对", "真", "y", "yes", "true", "t", "1", "√", "✓", "✔", "on"})
_FALSE = frozenset(
    {"否", "无", "没有", "不", "错", "假", "n", "no", "false", "f", "0", "×", "✗", "✘", "off"}
)


class ValueProblem(Exception):
    """A cell that cannot become the field's value; `message` says why, already translated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# --- text ----------------------------------------------------------------------------------


def to_text(raw: Any) -> str | None:
    """Stripped text; 12345.0 -> "12345", 0.1 -> "0.1" (never scientific notation)."""
    cls = raw.__class__
    if cls is str:
        text = raw.strip()
        if text and text[0] == "=" and text[1:2] == '"' and text[-1] == '"':
            text = text[2:-1].strip()  # ="00123": Excel's way to keep zeros in a CSV
        return text or None
    if raw is None:
        return None
    if cls is float:
        return _float_text(raw)
    if cls is int:
        return str(raw)
    if cls is bool:
        return "TRUE" if raw else "FALSE"
    if cls is datetime:
        if raw.time() == time(0):
            return raw.date().isoformat()
        return raw.isoformat(sep=" ", timespec="seconds" if raw.second else "minutes")
    if cls is date:
        return raw.isoformat()
    if cls is time:
        return raw.isoformat(timespec="seconds" if raw.second else "minutes")
    if cls is Decimal:
        return format(raw, "f")
    return str(raw).strip() or None


def _float_text(value: float) -> str:
    if value.is_integer():
        return str(int(value))
    text = repr(value)
    if "e" in text or "E" in text:
        if value != value or value in (float("inf"), float("-inf")):
            return text
        return format(Decimal(text), "f")
    return text


def to_code(raw: Any) -> str | None:
    """A code as text: leading zeros of text kept, 102.0 -> "102", a leading ' dropped."""
    text = to_text(raw)
    if text and text[0] == "'":
        text = text[1:].strip() or None
    return text


def to_phone(raw: Any) -> str | None:
    """A phone number as text: zeros kept, 13812345678.0 -> "13812345678", no ".0".

    Text Excel saved in scientific notation (1.38123E+10) has lost digits: that is a problem,
    not a number to guess.
    """
    cls = raw.__class__
    if cls is float:
        if not raw.is_integer():
            raise ValueProblem(_("“{value}” is not a phone number.").format(value=_show(raw)))
        return str(int(raw))
    if cls is int:
        return str(raw)
    if cls is str:
        text = raw.strip()
        if text.isdigit() and text.isascii():  # the common case: digits only
            return text
    text = to_code(raw)
    if text is None:
        return None
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if ("E" in text or "e" in text) and _SCIENTIFIC.fullmatch(text):
        return _phone_from_scientific(text)
    if not _DIGIT.search(text):
        raise ValueProblem(_("“{value}” is not a phone number.").format(value=text))
    return text


def _phone_from_scientific(text: str) -> str:
    number = Decimal(text)
    if number.as_tuple().exponent != 0 or number < 0:  # digits lost or not a whole number
        raise ValueProblem(
            _(
                "“{value}” has lost its last digits (Excel showed the number in scientific "
                "notation). Format the column as text in Excel and type the number again."
            ).format(value=text)
        )
    return str(int(number))


def to_email(raw: Any) -> str | None:
    """An e-mail address (light check: something@something.tld); full-width ＠ accepted."""
    text = to_text(raw)
    if text is None:
        return None
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if ":" in text and text[:7].lower() == "mailto:":
        text = text[7:].strip()
    if not _EMAIL.fullmatch(text):
        raise ValueProblem(_("“{value}” is not an e-mail address.").format(value=text))
    return text


# --- dates ---------------------------------------------------------------------------------


def to_date(raw: Any) -> date | None:
    """A date from a date cell, an Excel serial number or text.

    Text forms: 2023-05-01, 2023/5/1, 2023.5.1, 2023年5月1日, 20230501, each with an optional
    time (2023/05/01 10:30, dropped). Day-first or month-first forms (5/1/2023) are refused as
    ambiguous; impossible dates (2023-02-30) are refused.
    """
    cls = raw.__class__
    if cls is date:
        return raw
    if cls is datetime:
        return raw.date()
    if cls is str:
        return _date_from_text(raw)
    if raw is None:
        return None
    if cls is float or cls is int:
        return _date_from_number(raw)
    if isinstance(raw, datetime):  # subclasses (pandas, arrow) and date subclasses
        return raw.date()
    if isinstance(raw, date):
        return raw
    raise ValueProblem(_("“{value}” is not a date.").format(value=_show(raw)))


def _date_from_text(raw: str) -> date | None:
    text = raw.strip()
    if not text:
        return None
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text)  # 2023-05-01, the common case, without a regex
        except ValueError:
            pass
    match = _DATE_TEXT.fullmatch(text) or _DATE_DIGITS.fullmatch(text)
    if match:
        return _checked_date(text, *match.groups())
    if _DAY_FIRST.fullmatch(text):
        raise ValueProblem(
            _("“{value}” is ambiguous: write dates as year-month-day, like 2023-05-01.").format(
                value=text
            )
        )
    raise ValueProblem(_("“{value}” is not a date (write it like 2023-05-01).").format(value=text))


def _checked_date(text: str, year: str, month: str, day: str) -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise ValueProblem(_("“{value}” is not a date that exists.").format(value=text)) from None


def _date_from_number(value: float | int) -> date:
    """An Excel serial (days since 1899-12-30), or a number typed as 20230501."""
    if not 1 <= value <= 99991231:  # also NaN
        raise ValueProblem(_("“{value}” is not a date.").format(value=_show(value)))
    whole = value == int(value)
    if whole and value >= 19000101:
        digits = str(int(value))
        return _checked_date(digits, digits[:4], digits[4:6], digits[6:])
    if whole and 1900 <= value <= 2100:
        raise ValueProblem(_("“{value}” is a year, not a date.").format(value=_show(value)))
    if value > _MAX_SERIAL:
        raise ValueProblem(_("“{value}” is not a date.").format(value=_show(value)))
    return _EXCEL_EPOCH + timedelta(days=int(value))


# --- numbers -------------------------------------------------------------------------------


def to_money(raw: Any) -> Decimal | None:
    """Exact cents, rounded half up: ¥/￥/元, commas, spaces, (1,234.50) and 1.5万 understood."""
    cls = raw.__class__
    if cls is float:
        return _finite(_decimal_of_float(raw), raw).quantize(_CENT, rounding=ROUND_HALF_UP)
    if cls is int:
        return Decimal(raw).quantize(_CENT)
    if cls is Decimal:
        return _finite(raw, raw).quantize(_CENT, rounding=ROUND_HALF_UP)
    if cls is str:
        text = _MONEY_NOISE.sub("", raw)
        if not text:
            return None
        return _parse_amount(text, raw).quantize(_CENT, rounding=ROUND_HALF_UP)
    if raw is None:
        return None
    raise ValueProblem(_("“{value}” is not an amount of money.").format(value=_show(raw)))


def _parse_amount(text: str, raw: Any) -> Decimal:
    negative = text[0] in "(（" and text[-1] in ")）"
    if negative:
        text = text[1:-1]
    factor = 1
    if text.endswith("万"):
        text, factor = text[:-1], 10000
    text = text.replace("−", "-").replace("－", "-")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueProblem(
            _("“{value}” is not an amount of money.").format(value=raw.strip())
        ) from None
    number = _finite(number, raw) * factor
    return -number if negative else number


def to_decimal(raw: Any, places: int = 4) -> Decimal | None:
    """A number rounded half up to `places` decimals (quantities, rates)."""
    cls = raw.__class__
    if cls is float:
        number = _finite(_decimal_of_float(raw), raw)
    elif cls is int:
        number = Decimal(raw)
    elif cls is str:
        text = _NUMBER_NOISE.sub("", raw)
        if not text:
            return None
        number = _number_from_text(text, raw)
    elif raw is None:
        return None
    elif cls is Decimal:
        number = _finite(raw, raw)
    else:
        raise ValueProblem(_("“{value}” is not a number.").format(value=_show(raw)))
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def to_int(raw: Any) -> int | None:
    """A whole number; 3.0 and "1,200" are fine, 3.5 is a problem."""
    cls = raw.__class__
    if cls is int:
        return raw
    if cls is float and raw.is_integer():
        return int(raw)
    number = to_decimal(raw, places=6)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueProblem(_("“{value}” is not a whole number.").format(value=_show(raw)))
    return int(number)


def to_percent_bp(raw: Any) -> int | None:
    """Basis points (1 % = 100): "10%", 0.1 and 10 are all 1000; numbers up to 1 are fractions.

    "9折" (pay 90 %) is a 10 % discount: 1000; "95折" and "9.5折" are 500.
    """
    cls = raw.__class__
    if cls is str:
        text = _NUMBER_NOISE.sub("", raw)
        if not text:
            return None
        if text[-1] in "%％":
            return _basis_points(_number_from_text(text[:-1], raw) * 100)
        if text[-1] == "折":
            return _discount_basis_points(text[:-1], raw)
        number = _number_from_text(text, raw)
    elif cls is float:
        number = _finite(_decimal_of_float(raw), raw)
    elif cls is int or cls is Decimal:
        number = Decimal(raw)
    elif raw is None:
        return None
    else:
        raise ValueProblem(_percent_problem(raw))
    return _basis_points(number * 10000 if abs(number) <= 1 else number * 100)


def _discount_basis_points(text: str, raw: Any) -> int:
    paid = _number_from_text(text, raw)
    if 0 < paid < 10:
        paid *= 10  # 9折 -> pays 90 %
    elif not (10 < paid < 100 and paid == paid.to_integral_value()):  # 95折 -> pays 95 %
        raise ValueProblem(_percent_problem(raw))
    return _basis_points((100 - paid) * 100)


def _basis_points(number: Decimal) -> int:
    return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _percent_problem(raw: Any) -> str:
    return _("“{value}” is not a percentage (write it like 0.1 or 10%).").format(value=_show(raw))


def to_bool(raw: Any) -> bool | None:
    """Yes or no: 是/否, 有/无, √/×, yes/no, true/false, y/n, 1/0 (and the app's Yes/No)."""
    cls = raw.__class__
    if cls is bool:
        return raw
    if cls is int or cls is float:
        if raw in (0, 1):
            return bool(raw)
    elif cls is str:
        text = raw.strip().casefold()
        if not text:
            return None
        if text in _TRUE or text == _("Yes").casefold():
            return True
        if text in _FALSE or text == _("No").casefold():
            return False
    elif raw is None:
        return None
    raise ValueProblem(_("“{value}” is not yes or no.").format(value=_show(raw)))


# --- helpers -------------------------------------------------------------------------------


def _decimal_of_float(value: float) -> Decimal:
    """What Excel shows for the float: 0.1 -> Decimal("0.1"), not 0.1000000000000000055…"""
    return Decimal(repr(value))


def _finite(number: Decimal, raw: Any) -> Decimal:
    if not number.is_finite():
        raise ValueProblem(_("“{value}” is not a number.").format(value=_show(raw)))
    return number


def _number_from_text(text: str, raw: Any) -> Decimal:
    try:
        number = Decimal(text.replace("−", "-").replace("－", "-"))
    except InvalidOperation:
        raise ValueProblem(_("“{value}” is not a number.").format(value=_show(raw))) from None
    return _finite(number, raw)


def _show(raw: Any) -> str:
    """A raw cell as the person saw it, for messages."""
    return to_text(raw) or ""


# --- dispatch on FieldSpec.kind ------------------------------------------------------------

CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "text": to_text,
    "code": to_code,
    "phone": to_phone,
    "email": to_email,
    "date": to_date,
    "money": to_money,
    "decimal": to_decimal,
    "int": to_int,
    "percent": to_percent_bp,
    "bool": to_bool,
}
# kinds resolved by the engine's lookups from the cell's text
_LOOKUP_KINDS = ("operator", "customer", "product")


def converter(kind: str) -> Callable[[Any], Any]:
    """The converter for a FieldSpec.kind (look it up once per column, not per cell)."""
    found = CONVERTERS.get(kind)
    if found is not None:
        return found
    if kind.startswith("base:") or kind in _LOOKUP_KINDS:
        return to_text
    raise KeyError(f"unknown field kind {kind!r}")


def convert(kind: str, raw: Any) -> Any:
    """The cell converted for a field of this kind; raises ValueProblem."""
    return converter(kind)(raw)
