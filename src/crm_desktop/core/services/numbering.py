"""Document numbers: prefix + date part + zero-padded sequence, unique across every PC.

A number is allocated inside the caller's write transaction. On SQLite that transaction already
holds the file's write lock (BEGIN IMMEDIATE), so two PCs take turns; on PostgreSQL the rule row
is locked with SELECT … FOR UPDATE, so a second PC waits for the first to commit and then reads
the advanced sequence. Either way the sequence stays contiguous and no number is issued twice.

The period comes from today's local date (when the number is issued), not from the document
date: a back-dated order still gets today's next number, which is what keeps sequences unique.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import local_today
from crm_desktop.core.db.database import Database, UnitOfWork
from crm_desktop.core.errors import NotFound, ValidationError
from crm_desktop.core.i18n import N_, _
from crm_desktop.core.models import Contract, NumberingRule, Quote, Receipt, SalesOrder
from crm_desktop.core.services import records
from crm_desktop.core.services.access import current_operator, require

NUMBERED: dict[str, Any] = {
    "order": SalesOrder,
    "quote": Quote,
    "contract": Contract,
    "receipt": Receipt,
}
KIND_LABELS = {
    "order": N_("Sales order"),
    "quote": N_("Quote"),
    "contract": N_("Contract"),
    "receipt": N_("Receipt"),
}
RESETS = ("daily", "monthly", "yearly", "never")
RESET_LABELS = {
    "daily": N_("Every day"),
    "monthly": N_("Every month"),
    "yearly": N_("Every year"),
    "never": N_("Never"),
}
# The date part may only use these strftime codes; each reset needs its own period in the number.
DATE_CODES = {"Y", "y", "m", "d"}
NEEDED_CODES = {"daily": ("d", "m"), "monthly": ("m",), "yearly": ()}
DEFAULT_PREFIXES = {"order": "SO", "quote": "QT", "contract": "HT", "receipt": "SK"}
MAX_NUMBER_LENGTH = 40  # the number columns are String(40)
PROBE = 20  # candidate numbers checked per query when skipping taken ones
FIELD_LABELS = {"sequence_digits": N_("Sequence digits"), "next_sequence": N_("Next sequence")}
FIELDS = ("prefix", "date_format", "sequence_digits", "reset", "next_sequence")


class RuleRow(NamedTuple):
    id: int
    kind: str
    prefix: str
    date_format: str
    sequence_digits: int
    reset: str
    next_sequence: int  # the sequence the next number will get (1 after a period change)
    version: int
    example: str  # the next number, as it would be issued today


def format_number(prefix: str, date_format: str, digits: int, day: date, seq: int) -> str:
    """One document number, e.g. SO20260105 + 0001."""
    period = day.strftime(date_format) if date_format else ""
    return f"{prefix}{period}{seq:0{digits}d}"


def period_key(reset: str, day: date) -> str:
    """Which counting period `day` falls in: the sequence restarts when this changes."""
    if reset == "daily":
        return day.isoformat()
    if reset == "monthly":
        return day.strftime("%Y-%m")
    if reset == "yearly":
        return day.strftime("%Y")
    return ""


def _effective_next(rule: NumberingRule, day: date) -> int:
    """The next sequence for `day`: the stored one within the period, else 1."""
    return rule.next_sequence if rule.current_period == period_key(rule.reset, day) else 1


def next_number(uow: UnitOfWork, kind: str) -> str:
    """Allocate the next number of `kind` in the caller's write transaction.

    Numbers already taken (imported or demo rows, or a rule edited back) are skipped, so the
    unique index on the number never fails a save.
    """
    if kind not in NUMBERED:
        raise ValueError(f"unknown numbered kind {kind!r}")
    session = uow.session
    rule = session.scalar(
        select(NumberingRule)
        .where(NumberingRule.kind == kind)
        .with_for_update()  # PostgreSQL row lock; SQLite already holds the write lock
        .execution_options(populate_existing=True)
    )
    if rule is None:  # a database set up before this kind existed: start with the defaults
        rule = NumberingRule(kind=kind, prefix=DEFAULT_PREFIXES[kind])
        session.add(rule)
        session.flush()
    today = local_today(uow.clock)
    seq = _effective_next(rule, today)
    seq, number = _first_free(session, NUMBERED[kind], rule, today, seq)
    rule.current_period = period_key(rule.reset, today)
    rule.next_sequence = seq + 1
    session.flush()
    return number


def _first_free(
    session: Session, model: Any, rule: NumberingRule, day: date, seq: int
) -> tuple[int, str]:
    """The first sequence from `seq` on whose number no record of `model` uses yet."""
    while True:
        candidates = {
            format_number(rule.prefix, rule.date_format, rule.sequence_digits, day, s): s
            for s in range(seq, seq + PROBE)
        }
        taken = set(session.scalars(select(model.number).where(model.number.in_(candidates))))
        for number, s in candidates.items():
            if number not in taken:
                return s, number
        seq += PROBE


def list_rules(db: Database, actor: Actor) -> list[RuleRow]:
    """Every numbering rule with the number it would issue next (any logged-in operator)."""
    with db.read() as session:
        current_operator(session, actor)
        today = local_today(db.clock)
        rules = session.scalars(select(NumberingRule).order_by(NumberingRule.id))
        return [_row(rule, today) for rule in rules if rule.kind in NUMBERED]


def _row(rule: NumberingRule, today: date) -> RuleRow:
    seq = _effective_next(rule, today)
    return RuleRow(
        rule.id,
        rule.kind,
        rule.prefix or "",
        rule.date_format or "",
        rule.sequence_digits,
        rule.reset,
        seq,
        rule.version,
        format_number(rule.prefix or "", rule.date_format or "", rule.sequence_digits, today, seq),
    )


def save_rule(
    db: Database, actor: Actor, rule_id: int, version: int, values: dict[str, Any]
) -> None:
    """Change a rule (settings.company). The sequence given (or the current one) applies from
    today's period on; numbers already issued are never reused."""
    clean = {key: value for key, value in values.items() if key in FIELDS}
    with db.write(actor) as uow:
        require(uow.session, actor, "settings.company")
        rule = uow.session.get(NumberingRule, rule_id)
        if rule is None:
            raise NotFound(_("Numbering rule #{id} does not exist.").format(id=rule_id))
        today = local_today(uow.clock)
        wanted = {name: getattr(rule, name) for name in FIELDS}
        wanted["next_sequence"] = _effective_next(rule, today)
        wanted.update(clean)
        _validate(wanted, today)
        wanted["current_period"] = period_key(wanted["reset"], today)
        records.apply_changes(uow, rule, wanted, expected_version=version, entity="numbering_rule")
        uow.touched("numbering")


def _validate(rule: dict[str, Any], today: date) -> None:
    rule["prefix"] = (rule["prefix"] or "").strip()
    rule["date_format"] = (rule["date_format"] or "").strip()
    if any(ch.isspace() or ch == "%" for ch in rule["prefix"]):
        raise ValidationError(_("The prefix cannot contain spaces or “%”."))
    if len(rule["prefix"]) > 20:
        raise ValidationError(_("The prefix can have at most 20 characters."))
    if len(rule["date_format"]) > 20:
        raise ValidationError(_("The date part can have at most 20 characters."))
    if rule["reset"] not in RESETS:
        raise ValidationError(_("Unknown reset period “{reset}”.").format(reset=rule["reset"]))
    codes = _date_codes(rule["date_format"])
    needed = NEEDED_CODES.get(rule["reset"], ())
    if rule["reset"] != "never" and not ({"Y", "y"} & codes and set(needed) <= codes):
        raise ValidationError(
            _(
                "When the sequence restarts {reset}, the date part must show that period "
                "(for example %Y%m%d), or numbers would repeat."
            ).format(reset=_(RESET_LABELS[rule["reset"]]).lower())
        )
    for key, low, high in (("sequence_digits", 1, 10), ("next_sequence", 1, 10**10 - 1)):
        value = rule[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(
                _("“{field}” must be a whole number from {low} to {high}.").format(
                    field=_(FIELD_LABELS[key]), low=low, high=high
                )
            )
    example = format_number(
        rule["prefix"], rule["date_format"], rule["sequence_digits"], today, rule["next_sequence"]
    )
    if len(example) > MAX_NUMBER_LENGTH:
        raise ValidationError(
            _("Numbers would be longer than {n} characters.").format(n=MAX_NUMBER_LENGTH)
        )


def _date_codes(fmt: str) -> set[str]:
    """The strftime codes in a date part; only year, month and day (and plain text) are allowed."""
    codes = set()
    index = 0
    while index < len(fmt):
        ch = fmt[index]
        if ch.isspace():
            raise ValidationError(_("The date part cannot contain spaces."))
        if ch == "%":
            code = fmt[index + 1] if index + 1 < len(fmt) else ""
            if code not in DATE_CODES:
                raise ValidationError(
                    _("The date part may use only %Y, %y, %m and %d (found “%{code}”).").format(
                        code=code
                    )
                )
            codes.add(code)
            index += 2
        else:
            index += 1
    return codes
