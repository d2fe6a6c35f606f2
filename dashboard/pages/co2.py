"""``/co2``: the CO2 bank account since the start, per month, and over the last 12 months."""

from __future__ import annotations

import time

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from dashboard import balance_adapter, charts, fmt
from dashboard.components import explain, frame, stat
from dashboard.context import current
from dashboard.i18n import t
from dashboard.lang import page_language, request_language


def title(**_: str) -> str:
    return t("title.co2", request_language())


dash.register_page(__name__, path="/co2", title=title, order=2)


def layout(lang: str | None = None, **_: str) -> html.Div:
    lang = page_language(lang)
    ctx = current()
    now = time.time()
    view = ctx.cached(("co2", int(now // 300)), 300,
                      lambda: balance_adapter.co2_overview(ctx, ctx.store, ctx.roles(), now))
    tz = ctx.tz
    if view.total_kg <= 0 and view.positive_since is not None:
        status = t("co2.positive_since", lang, since=fmt.month_name(view.positive_since, tz, lang))
        tone = "tone-export"
    else:
        status = t("co2.to_go", lang, kg=fmt.kg(view.total_kg, lang))
        tone = "tone-import"
    months_x = [fmt.month_name(ts, tz, lang) for ts, _ in view.months]
    monthly = go.Figure([go.Bar(
        x=months_x, y=[kg for _, kg in view.months], name=t("co2.month_net", lang),
        marker={"color": [charts.PALETTE["export"] if kg <= 0 else charts.PALETTE["import"] for _,
                          kg in view.months],
                "pattern": {"shape": ["/" if kg <= 0 else "" for _, kg in view.months]}})],
        charts.layout(title=t("co2.chart_months", lang), yaxis={"title": "kg CO₂"}, showlegend=False))
    cumulative = go.Figure([go.Scatter(
        x=months_x, y=[kg for _, kg in view.cumulative], mode="lines+markers", name=t("co2.cumulative", lang),
        line={"color": charts.PALETTE["use"], "width": 4}, fill="tozeroy")],
        charts.layout(title=t("co2.chart_cumulative", lang), yaxis={"title": "kg CO₂"}, showlegend=False))
    factor_items = []
    for f in view.factors:
        text = t("co2.factor_line", lang, kind=t(f"co2.kind_{f.kind}", lang), category=f.category,
                 value=fmt.number(f.value, lang, 3), unit=f.unit, year=f.list_year, scope=f.scope)
        note = "" if f.verified else t("co2.unverified", lang)
        factor_items.append(html.Li([text, html.Br(), html.Small(t("co2.source", lang, source=f.source)),
                                     html.Strong(f" {note}") if note else None]))
    boundary = [html.Li(("✔ " if on else "✘ ") + t(f"co2.boundary_{name}", lang) +
                        (f" ({t('co2.in', lang)})" if on else f" ({t('co2.out', lang)})"))
                for name, on in view.boundary.items()]
    return frame(lang, "/co2", [
        html.H1(t("co2.heading", lang)),
        html.P(status, className=f"co2-status {tone}", id="co2-status"),
        dbc.Row([
            dbc.Col(stat(t("co2.total", lang), fmt.kg(view.total_kg, lang), t("co2.total_sub", lang)),
                    xs=12, md=6),
            dbc.Col(stat(t("co2.rolling", lang), fmt.kg(view.rolling12_kg, lang), t("co2.rolling_sub", lang)),
                    xs=12, md=6),
        ], className="g-3"),
        explain(t("co2.explain1", lang), t("co2.explain2", lang)),
        dcc.Graph(figure=cumulative, config=charts.CONFIG, id="co2-cumulative"),
        dcc.Graph(figure=monthly, config=charts.CONFIG, id="co2-months"),
        html.H2(t("co2.boundary", lang)),
        html.Ul(boundary, className="boundary"),
        html.H2(t("co2.factors", lang)),
        html.Ul(factor_items, className="factors"),
        html.P(t("co2.gas_kwh", lang, value=fmt.number(view.gas_kwh_per_m3, lang, 2), source=view.gas_source),
               className="small"),
    ])
