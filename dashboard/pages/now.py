"""``/``: power now (W) and energy today (kWh), side by side but never mixed up."""

from __future__ import annotations

import time
from datetime import timedelta

import dash
import dash_bootstrap_components as dbc
from dash import html

from buurtwatt.timeutil import local_date
from dashboard import costs_adapter
from dashboard.components import explain, flow, frame, stat
from dashboard.context import current
from dashboard.costs_view import cost_block
from dashboard.i18n import t
from dashboard.lang import page_language, request_language


def title(**_: str) -> str:
    return t("title.now", request_language())


dash.register_page(__name__, path="/", title=title, order=0, nav="nav.now")


def layout(lang: str | None = None, **_: str) -> html.Div:
    lang = page_language(lang)
    ctx = current()
    today = [
        ("now.today_solar", "today_solar", "tone-solar"),
        ("now.today_use", "today_use", "tone-use"),
        ("now.today_import", "today_import", "tone-import"),
        ("now.today_export", "today_export", "tone-export"),
    ]
    return frame(
        lang,
        "/",
        [
            html.H1(t("now.heading", lang, site=ctx.config.site.name)),
            html.Section(
                [
                    html.H2(
                        [
                            t("now.power_heading", lang),
                            " ",
                            html.Span(t("unit.power_hint", lang), className="hint"),
                        ]
                    ),
                    flow(lang),
                    html.P(html.Span(id={"type": "live", "key": "grid_verb_long"}), className="sr-only"),
                ],
                className="bw-section",
            ),
            html.Section(
                [
                    html.H2(
                        [
                            t("now.energy_heading", lang),
                            " ",
                            html.Span(t("unit.energy_hint", lang), className="hint"),
                        ]
                    ),
                    dbc.Row(
                        [
                            dbc.Col(stat(t(label, lang), None, key=key, tone=tone), xs=6, lg=3)
                            for label, key, tone in today
                        ],
                        className="g-3",
                    ),
                    dbc.Row(
                        [
                            dbc.Col(
                                stat(
                                    t("now.selfsuff", lang),
                                    None,
                                    t("now.selfsuff_sub", lang),
                                    key="today_selfsuff",
                                ),
                                xs=12,
                                md=4,
                            ),
                            dbc.Col(
                                html.Div(
                                    [
                                        html.Div(t("now.selfused", lang), className="stat-label"),
                                        html.Div(
                                            html.Span(
                                                id={"type": "live", "key": "today_selfused"},
                                                className="stat-value",
                                            ),
                                            className="stat-number",
                                        ),
                                        html.Div(
                                            html.Span(id={"type": "live", "key": "today_selfused_eur"}),
                                            className="stat-sub",
                                        ),
                                    ],
                                    className="stat tone-solar",
                                ),
                                xs=12,
                                md=4,
                            ),
                            dbc.Col(
                                html.Div(
                                    [
                                        html.Div(t("now.net", lang), className="stat-label"),
                                        html.Div(
                                            html.Span(id={"type": "live", "key": "today_net"}),
                                            className="stat-sentence",
                                        ),
                                        html.Div(
                                            html.Span(id={"type": "live", "key": "today_co2_sentence"}),
                                            className="stat-sub",
                                        ),
                                    ],
                                    className="stat",
                                ),
                                xs=12,
                                md=4,
                            ),
                        ],
                        className="g-3 mt-1",
                    ),
                    _costs(lang),
                    html.P(html.Span(id={"type": "live", "key": "today_note"}, className="partial-note")),
                    explain(t("now.explain1", lang), t("now.explain2", lang)),
                    html.P(html.Span(id={"type": "live", "key": "updated"}), className="updated"),
                ],
                className="bw-section",
            ),
        ],
        live=True,
    )


def _costs(lang: str) -> dbc.Row:
    """Costs today, this month and this year (computed in dashboard/costs_adapter.py)."""
    ctx, now = current(), time.time()
    today = local_date(now, ctx.tz)
    spans = [
        ("cost.today", today, today + timedelta(days=1), "cost-today"),
        ("cost.month", today.replace(day=1), today + timedelta(days=1), "cost-month"),
        ("cost.year", today.replace(month=1, day=1), today + timedelta(days=1), "cost-year"),
    ]
    return dbc.Row(
        [
            dbc.Col(cost_block(t(key, lang), costs_adapter.period_cost(ctx, a, b, now), lang, i), xs=12, md=4)
            for key, a, b, i in spans
        ],
        className="g-3 mt-1",
    )
