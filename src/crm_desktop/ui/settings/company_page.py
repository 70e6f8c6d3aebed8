"""The company profile printed on letterheads: name, contact and bank details, logo, seal."""

from __future__ import annotations

from typing import Any

from crm_desktop.core.i18n import N_, _
from crm_desktop.core.services import company
from crm_desktop.ui.settings.common import RecordFormPage
from crm_desktop.ui.widgets import Field

KINDS = ("company",)


def company_fields() -> list[Field]:
    return [
        Field("name", _("Company name"), required=True),
        Field("short_name", _("Short name")),
        Field("address", _("Address")),
        Field("phone", _("Phone")),
        Field("fax", _("Fax")),
        Field("email", _("Email")),
        Field("website", _("Website")),
        Field("tax_id", _("Tax ID")),
        Field("bank_name", _("Bank")),
        Field("bank_account", _("Bank account")),
        Field("logo", _("Logo"), "image"),
        Field("seal", _("Seal"), "image"),
        Field(
            "document_terms",
            _("Terms on documents"),
            "multiline",
            placeholder=_("Printed at the end of quotes and contracts"),
        ),
        Field(
            "complaint_escalation_days",
            _("Escalate complaints after (days)"),
            "int",
            tooltip=_(
                "A complaint still open this many days after it was accepted goes to the "
                "handler's manager"
            ),
        ),
    ]


class CompanyPage(RecordFormPage):
    kinds = KINDS
    title = N_("Company profile")

    def fields(self) -> list[Field]:
        return company_fields()

    def load(self) -> dict[str, Any]:
        return company.get_profile(self.ctx.db, self.ctx.actor)

    def store(self, values: dict[str, Any], version: int) -> None:
        company.update_profile(self.ctx.db, self.ctx.actor, version, values)
