"""The alerts section of ``/beheer``: what is wrong now, and what was wrong lately."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from dashboard import fmt
from dashboard.context import DashContext
from dashboard.i18n import t


def _row(alert: dict[str, Any], ctx: DashContext, lang: str) -> html.Tr:
    ended = alert.get("ended")
    return html.Tr(
        [
            html.Td(t(f"alert.{alert['kind']}.title", lang, **alert["values"])),
            html.Td(fmt.moment(alert["started"], ctx.tz, lang)),
            html.Td(fmt.moment(ended, ctx.tz, lang) if ended else t("admin.alert_open", lang)),
        ]
    )


def section(ctx: DashContext, lang: str) -> list:
    runner = ctx.alerts
    if runner is None:
        return [html.P(t("admin.alerts_off", lang), id="alerts-off")]
    rows = [_row(a, ctx, lang) for a in runner.active()] + [_row(a, ctx, lang) for a in runner.recent()]
    if not rows:
        return [html.P(t("admin.alerts_none", lang), id="alerts-none")]
    head = html.Thead(html.Tr([html.Th(t(f"admin.alert_{c}", lang)) for c in ("what", "started", "ended")]))
    return [dbc.Table([head, html.Tbody(rows)], id="alerts-table", size="sm", striped=True)]
