"""The cost figure as the pages show it: one number with what it contains, through the catalogues."""

from __future__ import annotations

from dash import html

from dashboard import fmt
from dashboard.costs_adapter import PeriodCost
from dashboard.i18n import t


def cost_block(label: str, pc: PeriodCost | None, lang: str, block_id: str) -> html.Div:
    """A stat block: the total in euros and a short line on what is in it (or why it is missing)."""
    if pc is None:
        return html.Div(
            [html.Div(label, className="stat-label"), html.Div(t("cost.none", lang), className="stat-sub")],
            className="stat",
            id=block_id,
        )
    c = pc.cost
    rule = t("cost.rule_net", lang) if c.net_metering else t("cost.rule_separate", lang)
    sub = [t("cost.contains", lang), " ", rule]
    if c.export_credit_eur:
        sub += [" ", t("cost.export", lang, eur=fmt.money(c.export_credit_eur, lang))]
    warnings = []
    if pc.unverified:
        warnings.append(t("cost.unverified", lang))
    if pc.notes or c.missing_hours:
        warnings.append(t("cost.missing", lang))
    return html.Div(
        [
            html.Div(label, className="stat-label"),
            html.Div(
                html.Span(fmt.money(c.total_eur, lang), className="stat-value"), className="stat-number"
            ),
            html.Div(sub, className="stat-sub"),
            html.Div(" ".join(warnings), className="stat-sub unverified") if warnings else None,
        ],
        className="stat",
        id=block_id,
    )
