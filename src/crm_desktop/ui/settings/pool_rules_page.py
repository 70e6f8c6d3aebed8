"""The public pool rule: when customers nobody works on go back to the pool, and the private limit.

One record for the whole firm, edited in place like the company profile (a `FormPanel` with Save
and conflict handling). 0 turns a rule part off, which the spin boxes say as "Off".
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QSpinBox, QWidget

from crm_desktop.core.i18n import N_, _
from crm_desktop.core.services import pool
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.settings.common import RecordFormPage
from crm_desktop.ui.widgets import Field

KINDS = ("pool_rules",)


def pool_rule_fields() -> list[Field]:
    label = {key: _(text) for key, text in pool.RULE_LABELS.items()}
    return [
        Field(
            "enabled",
            _("Return idle customers to the public pool"),
            "bool",
            tooltip=_("Off: customers stay with their owner however long they are idle"),
        ),
        Field(
            "no_followup_days",
            label["no_followup_days"],
            "int",
            tooltip=_("A customer with no follow-up for this many days returns to the pool"),
        ),
        Field(
            "no_deal_days",
            label["no_deal_days"],
            "int",
            tooltip=_("A customer with no order for this many days returns to the pool"),
        ),
        Field(
            "warn_days",
            label["warn_days"],
            "int",
            tooltip=_("The owner sees the customer in Today this many days before it returns"),
        ),
        Field(
            "max_private_customers",
            label["max_private_customers"],
            "int",
            tooltip=_("Claiming or receiving more customers than this is refused"),
        ),
    ]


class PoolRulesPage(RecordFormPage):
    kinds = KINDS
    title = N_("Public pool rules")
    note = N_(
        "Idle days count from the last follow-up, or from the day the owner got the "
        "customer or the rule was switched on, whichever is latest. 0 turns a rule off."
    )

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        for key in ("no_followup_days", "no_deal_days", "warn_days", "max_private_customers"):
            spin = self.form.editor(key)
            assert isinstance(spin, QSpinBox)
            spin.setRange(0, 36500)
            spin.setSpecialValueText(_("Off"))
        self.reload()  # again: the spin boxes' range now holds the stored values

    def fields(self) -> list[Field]:
        return pool_rule_fields()

    def load(self) -> dict[str, Any]:
        return pool.get_rules(self.ctx.db, self.ctx.actor)

    def store(self, values: dict[str, Any], version: int) -> None:
        pool.save_rules(self.ctx.db, self.ctx.actor, version, values)
