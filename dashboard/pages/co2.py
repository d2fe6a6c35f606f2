"""``/co2``: the CO2 bank account since the start, per month, and over the last 12 months.

The figures come from the balance (buurtwatt.balance) through the balance adapter.
Above zero is good: more CO2 avoided than caused. Months with missing data are marked,
a month without any data is a gap in the chart, never a zero.
"""

from __future__ import annotations

import time

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from buurtwatt.balance.config import DEFAULT_GAS_SOURCE
from dashboard import balance_adapter, charts, fmt
from dashboard.balance_adapter import Co2Overview, MonthCo2
from dashboard.components import explain, frame, stat
from dashboard.context import current
from dashboard.i18n import t
from dashboard.lang import page_language, request_language


def title(**_: str) -> str:
    return t("title.co2", request_language())


dash.register_page(__name__, path="/co2", title=title, order=2, nav="nav.co2")

GOOD, BAD = charts.PALETTE["export"], charts.PALETTE["import"]


def _status(view: Co2Overview, lang: str, tz: str) -> tuple[str, str]:
    total = view.total.co2.net_kg
    if total >= 0:
        since = view.positive_since if view.positive_since is not None else view.months[0].start
        return t("co2.positive_since", lang, since=fmt.month_name(since, tz, lang)), "tone-export"
    text = t("co2.to_go", lang, kg=fmt.kg(-total, lang))
    p = view.projection
    if p is not None and p.status == "reaches" and p.date is not None:
        text += " " + t("co2.reaches", lang, when=fmt.month_year(p.date, lang))
    elif p is not None and p.status == "not_at_this_rate":
        text += " " + t("co2.not_at_this_rate", lang)
    return text, "tone-import"


def _month_label(m: MonthCo2, lang: str) -> str:
    if m.net_kg is None:
        return t("co2.month_empty", lang)
    if m.partial:
        return t("co2.month_partial", lang, percent=fmt.percent(m.fraction, lang))
    return t("co2.month_running", lang) if m.in_progress else ""


def _charts(view: Co2Overview, lang: str, tz: str) -> list:
    x = [fmt.month_name(m.start, tz, lang) for m in view.months]
    y = [None if m.net_kg is None else round(m.net_kg, 1) for m in view.months]
    notes = [_month_label(m, lang) for m in view.months]
    monthly = charts.figure(
        [
            {
                "type": "bar",
                "x": x,
                "y": y,
                "name": t("co2.month_net", lang),
                "text": notes,
                "textposition": "outside",
                "cliponaxis": False,
                "marker": {
                    "color": [GOOD if (v or 0) >= 0 else BAD for v in y],
                    # a partial month is hatched and pale: its real figure differs
                    "opacity": [0.45 if m.partial else 1.0 for m in view.months],
                    "pattern": {
                        "shape": [
                            "x" if m.partial else ("/" if (v or 0) >= 0 else "")
                            for m, v in zip(view.months, y, strict=True)
                        ]
                    },
                },
                "hovertemplate": "%{x}: %{y:.0f} kg<extra></extra>",
            }
        ],
        charts.layout(ytitle="kg CO₂", showlegend=False),
    )
    cumulative = charts.figure(
        [
            {
                "type": "scatter",
                "x": x,
                "y": [round(kg, 1) for _, kg in view.cumulative],
                "mode": "lines+markers",
                "name": t("co2.cumulative", lang),
                "fill": "tozeroy",
                "line": {"color": charts.PALETTE["use"], "width": 4},
                "hovertemplate": "%{x}: %{y:.0f} kg<extra></extra>",
            }
        ],
        charts.layout(ytitle="kg CO₂", showlegend=False),
    )
    # headings outside the figures wrap on a phone; a figure title would be cut off
    return [
        html.H2(t("co2.chart_cumulative", lang), className="chart-heading"),
        dcc.Graph(figure=cumulative, config=charts.CONFIG, id="co2-cumulative"),
        html.H2(t("co2.chart_months", lang), className="chart-heading"),
        dcc.Graph(figure=monthly, config=charts.CONFIG, id="co2-months"),
    ]


def _coverage(view: Co2Overview, lang: str, tz: str) -> html.Div | None:
    partial = view.partial_months
    if not partial and not view.total.coverage.partial:
        return None
    names = ", ".join(fmt.month_name(m.start, tz, lang) for m in partial)
    return dbc.Alert(
        [
            html.Strong(t("co2.partial_heading", lang)),
            " ",
            t(
                "co2.partial_body",
                lang,
                months=names or fmt.DASH,
                percent=fmt.percent(view.total.coverage.fraction, lang),
            ),
        ],
        color="warning",
        id="co2-partial",
    )


def _boundary(view: Co2Overview, lang: str) -> html.Ul:
    items = []
    for name, on in view.boundary.items():
        text = t(f"co2.boundary_{name}", lang)
        if name == "collective_share" and view.collective:
            title, held, total = view.collective
            text += " " + t(
                "co2.collective_detail",
                lang,
                title=title,
                held=fmt.number(held, lang),
                total=fmt.number(total, lang),
            )
        items.append(
            html.Li(
                [
                    html.Span("✔ " if on else "✘ ", **{"aria-hidden": "true"}),
                    text,
                    " – ",
                    html.Strong(t("co2.in" if on else "co2.out", lang)),
                ]
            )
        )
    return html.Ul(items, className="boundary", id="co2-boundary")


def _factors(view: Co2Overview, lang: str) -> html.Ul:
    items = []
    for f in view.factors:
        unit = f.unit.replace("CO2", "CO₂").replace("m3", "m³")
        text = t(
            "co2.factor_line",
            lang,
            kind=t(f"co2.role_{f.role}", lang),
            category=f.text("label", lang),  # never the category's id ("stroom_onbekend")
            value=fmt.number(f.value, lang, 3),
            unit=unit,
            year=f.list_year,
            scope=t(f"co2.scope_{f.scope}", lang) if f.scope == "WTW" else f.scope,
        )
        if f.year != f.list_year:
            text += " " + t("co2.factor_fallback", lang, year=f.year, list_year=f.list_year)
        items.append(
            html.Li(
                [
                    text,
                    html.Br(),
                    html.Small(t("co2.source", lang, source=f.text("source", lang))),
                    html.Strong(" " + t("co2.unverified", lang), className="unverified")
                    if not f.verified
                    else None,
                ]
            )
        )
    return html.Ul(items, className="factors", id="co2-factors")


def layout(lang: str | None = None, **_: str) -> html.Div:
    lang = page_language(lang)
    ctx = current()
    view = balance_adapter.co2_overview(ctx, time.time())
    tz = ctx.tz
    status, tone = _status(view, lang, tz)
    rolling = view.rolling12.co2
    return frame(
        lang,
        "/co2",
        [
            html.H1(t("co2.heading", lang)),
            html.P(status, className=f"co2-status {tone}", id="co2-status"),
            dbc.Row(
                [
                    dbc.Col(
                        html.Div(
                            stat(
                                t("co2.total", lang, since=fmt.day(_midnight(view), tz, lang)),
                                fmt.kg(view.total.co2.net_kg, lang),
                                t("co2.total_sub", lang),
                            ),
                            id="co2-total",
                        ),
                        xs=12,
                        md=6,
                    ),
                    dbc.Col(
                        html.Div(
                            stat(
                                t("co2.rolling", lang),
                                fmt.kg(rolling.net_kg, lang),
                                t(
                                    "co2.rolling_sub",
                                    lang,
                                    emitted=fmt.kg(rolling.emitted_kg, lang),
                                    avoided=fmt.kg(rolling.avoided_kg, lang),
                                ),
                            ),
                            id="co2-rolling",
                        ),
                        xs=12,
                        md=6,
                    ),
                ],
                className="g-3",
            ),
            html.P(
                t(
                    "co2.energy_since",
                    lang,
                    used=fmt.energy(view.total.energy.consumption_kwh, lang),
                    percent=fmt.percent(view.total.energy.self_sufficiency, lang),
                ),
                className="co2-energy",
                id="co2-energy",
            ),
            _coverage(view, lang, tz),
            explain(t("co2.explain1", lang), t("co2.explain2", lang)),
            *_charts(view, lang, tz),
            html.H2(t("co2.boundary", lang)),
            _boundary(view, lang),
            html.H2(t("co2.factors", lang)),
            _factors(view, lang),
            html.P(
                t(
                    "co2.gas_kwh",
                    lang,
                    value=fmt.number(view.gas_kwh_per_m3, lang, 2),
                    # the built-in choice in words; a site's own text is shown as written
                    source=t("co2.gas_default_source", lang)
                    if view.gas_source == DEFAULT_GAS_SOURCE
                    else view.gas_source,
                ),
                className="small",
            ),
        ],
    )


def _midnight(view: Co2Overview) -> float:
    return view.total.period.start
