"""Campaign results: per marketing campaign, what it brought in against what it cost.

One row per campaign that is not archived (and, with a date range, that ran in it: started on or
before its end and ended, or is still running, on or after its start). The figures are
`services.campaigns` figures under the operator's data scope — the same definition as the
Campaigns page: won amount is the sales (order lines before tax of confirmed, delivered and
closed orders) of the campaign's customers since the campaign started.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database
from crm_desktop.core.i18n import N_, _
from crm_desktop.core.models import Campaign
from crm_desktop.core.reports.tables import (
    Analysis,
    ChartSpec,
    ReportColumn,
    ReportParams,
    ReportTable,
    money_total,
    register,
)
from crm_desktop.core.services.access import require
from crm_desktop.core.services.campaigns import figures_of, kind_label

GROUP = N_("Marketing")
TITLE = N_("Campaign results")
NOTE = N_(
    "Won amount: sales (confirmed, delivered and closed orders, before tax) of the customers "
    "who came from the campaign, since its start. ROI = (won amount − actual cost) / actual cost."
)


def _columns() -> list[ReportColumn]:
    return [
        ReportColumn("campaign", _("Campaign"), "text"),
        ReportColumn("kind", _("Type"), "text"),
        ReportColumn("starts_on", _("Start"), "date"),
        ReportColumn("leads", _("Leads"), "int"),
        ReportColumn("converted", _("Converted customers"), "int"),
        ReportColumn("won_customers", _("Customers who bought"), "int"),
        ReportColumn("won_amount", _("Won amount"), "money"),
        ReportColumn("budget", _("Budget"), "money"),
        ReportColumn("actual_cost", _("Actual cost"), "money"),
        ReportColumn("cost_per_won_customer", _("Cost per won customer"), "money"),
        ReportColumn("roi", _("ROI"), "percent"),
    ]


def campaign_results(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    """One row per campaign: leads, converted, won amount, cost, cost per won customer, ROI."""
    with db.read() as session:
        operator = require(session, actor, "statistics.view")
        query = select(Campaign).where(Campaign.archived.is_(False))
        if params.date_to is not None:
            query = query.where(
                or_(Campaign.starts_on.is_(None), Campaign.starts_on <= params.date_to)
            )
        if params.date_from is not None:
            query = query.where(
                or_(Campaign.ends_on.is_(None), Campaign.ends_on >= params.date_from)
            )
        query = query.order_by(Campaign.starts_on.is_(None), Campaign.starts_on, Campaign.id)
        found = list(session.scalars(query))
        figures = figures_of(session, operator, found)
        rows = []
        for campaign in found:
            f = figures[campaign.id]
            rows.append(
                (
                    campaign.name,
                    kind_label(campaign.kind),
                    campaign.starts_on,
                    f.leads,
                    f.converted,
                    f.won_customers,
                    f.won_amount,
                    f.budget,
                    f.actual_cost,
                    f.cost_per_won_customer,
                    f.roi,
                )
            )
    totals = None
    if rows:
        totals = (
            _("Total"),
            "",
            None,
            sum(row[3] for row in rows),
            sum(row[4] for row in rows),
            sum(row[5] for row in rows),
            money_total(rows, 6),
            money_total(rows, 7),
            money_total(rows, 8),
            None,
            None,
        )
    return ReportTable(
        _(TITLE),
        _columns(),
        rows,
        ChartSpec("bar", "campaign", ("won_amount", "actual_cost")),
        [],
        totals,
        _(NOTE),
    )


register(
    Analysis(
        "campaign-results",
        TITLE,
        GROUP,
        ("date_range",),
        campaign_results,
        N_("Per campaign: leads, converted customers, won amount, cost per won customer, ROI."),
    )
)
