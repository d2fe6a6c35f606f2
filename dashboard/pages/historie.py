"""``/historie``: day, week, month and year from rollups, compared with the period before, as CSV too."""

from __future__ import annotations

import time
from bisect import bisect_right
from dataclasses import fields
from datetime import date, datetime, timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from buurtwatt.balance import EnergyBucket
from buurtwatt.csvout import csv_text
from buurtwatt.store.base import Resolution
from buurtwatt.timeutil import local_date, local_midnight, split_periods, zone
from dashboard import balance_adapter, charts, costs_adapter, fmt
from dashboard.balance_adapter import PeriodRows
from dashboard.components import explain, frame, stat
from dashboard.context import current
from dashboard.costs_view import cost_block
from dashboard.i18n import pick_language, t
from dashboard.lang import page_language, request_language

VIEWS = ("day", "week", "month", "year")
CHART_PX = 360
HOVER = "%{customdata}: %{y:.2f}<extra>%{fullData.name}</extra>"
RESOLUTION = {
    "day": Resolution.HOUR,
    "week": Resolution.DAY,
    "month": Resolution.DAY,
    "year": Resolution.MONTH,
}


def title(**_: str) -> str:
    return t("title.history", request_language())


dash.register_page(__name__, path="/historie", title=title, order=1, nav="nav.history")


def period(view: str, anchor: date, shift: int = 0) -> tuple[date, date]:
    """[first, last) local dates of the period containing ``anchor``, moved ``shift`` periods back."""
    if view == "day":
        first = anchor - timedelta(days=shift)
        return first, first + timedelta(days=1)
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday()) - timedelta(weeks=shift)
        return first, first + timedelta(days=7)
    if view == "month":
        index = anchor.year * 12 + anchor.month - 1 - shift
        first = date(index // 12, index % 12 + 1, 1)
        nxt = index + 1
        return first, date(nxt // 12, nxt % 12 + 1, 1)
    first = date(anchor.year - shift, 1, 1)
    return first, date(first.year + 1, 1, 1)


def layout(lang: str | None = None, view: str | None = None, day: str | None = None, **_: str) -> html.Div:
    lang = page_language(lang)
    ctx = current()
    today = local_date(time.time(), ctx.tz)
    return frame(
        lang,
        "/historie",
        [
            html.H1(t("hist.heading", lang)),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.Label(t("hist.view", lang), htmlFor="hist-view", className="form-label"),
                            dcc.RadioItems(
                                id="hist-view",
                                value=view if view in VIEWS else "day",
                                inline=True,
                                options=[{"label": t(f"hist.{v}", lang), "value": v} for v in VIEWS],
                                className="bw-radio",
                            ),
                        ],
                        xs=12,
                        md=5,
                    ),
                    dbc.Col(
                        [
                            html.Label(t("hist.date", lang), htmlFor="hist-date", className="form-label"),
                            dcc.DatePickerSingle(
                                id="hist-date",
                                date=day or today.isoformat(),
                                max_date_allowed=today.isoformat(),
                                display_format="DD-MM-YYYY",
                                first_day_of_week=1,
                                placeholder=t("hist.date", lang),  # also its accessible name
                            ),
                        ],
                        xs=6,
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dcc.Checklist(
                                id="hist-compare",
                                options=[{"label": t("hist.compare", lang), "value": "on"}],
                                value=[],
                                className="bw-check",
                            ),
                            html.Button(
                                t("hist.csv_excel", lang),
                                id="hist-excel-btn",
                                className="btn btn-outline-dark mt-2 me-2",
                            ),
                            html.Button(
                                t("hist.csv", lang), id="hist-csv-btn", className="btn btn-outline-dark mt-2"
                            ),
                            dcc.Download(id="hist-csv"),
                        ],
                        xs=6,
                        md=4,
                    ),
                ],
                className="g-3 align-items-end",
            ),
            html.Div(id="hist-totals", className="mt-3"),
            dcc.Graph(id="hist-energy", config=charts.CONFIG, style={"height": f"{CHART_PX}px"}),
            dcc.Graph(id="hist-grid", config=charts.CONFIG, style={"height": f"{CHART_PX}px"}),
            dcc.Graph(id="hist-gas", config=charts.CONFIG, style={"height": f"{CHART_PX}px"}),
            explain(t("hist.explain1", lang), t("hist.explain2", lang)),
        ],
    )


SLOT = {"day": "hour", "week": "day", "month": "day", "year": "month"}


def _read(view: str, anchor: str, shift: int) -> PeriodRows:
    ctx = current()
    first, last = period(view, date.fromisoformat(anchor), shift)
    start, end = local_midnight(first, ctx.tz), local_midnight(last, ctx.tz)
    key = ("hist", view, start, end)
    ttl = 10 if end > time.time() else 600  # closed periods do not change
    rows = ctx.cached(key, ttl, lambda: balance_adapter.buckets(ctx, start, end, RESOLUTION[view]))
    slots = [p.start for p in split_periods(first, last, SLOT[view], ctx.tz)]
    return PeriodRows(
        first, slots, [(bisect_right(slots, r.start) - 1, r) for r in rows if r.start >= slots[0]]
    )


def _labels(view: str, stamps: list[float], lang: str) -> list[str]:
    tz = current().tz
    if view == "day":
        return [fmt.clock(ts, tz, lang) for ts in stamps]
    if view == "year":
        return [fmt.short_month(local_date(ts, tz), lang) for ts in stamps]
    if view == "month":
        return [str(local_date(ts, tz).day) for ts in stamps]
    return [fmt.day(ts, tz, lang, "EEE d MMM") for ts in stamps]


def _axis(view: str, now: PeriodRows, lang: str) -> dict[str, Any]:
    """Places 0..n-1 on a numeric axis with the current period's labels: the period before is
    drawn at the same places (its November at this November), and no two bars share a label."""
    labels = _labels(view, now.slots, lang)
    step = {"day": 2, "month": 2}.get(view, 1)  # every other hour or day: labels stay readable
    ticks = list(range(0, len(labels), step))
    return {
        "tickmode": "array",
        "tickvals": ticks,
        "ticktext": [labels[i] for i in ticks],
        "range": [-0.5, len(labels) - 0.5],
        "gridcolor": "#e3e3e3",
        "automargin": True,
    }


def _empty(fig: dict[str, Any], lang: str) -> dict[str, Any]:
    fig["layout"]["annotations"] = [
        {
            "text": t("hist.no_data_period", lang),
            "showarrow": False,
            "xref": "paper",
            "yref": "paper",
            "x": 0.5,
            "y": 0.5,
            "font": {"size": 18},
        }
    ]
    return fig


@callback(
    Output("hist-energy", "figure"),
    Output("hist-grid", "figure"),
    Output("hist-gas", "figure"),
    Output("hist-totals", "children"),
    Input("hist-view", "value"),
    Input("hist-date", "date"),
    Input("hist-compare", "value"),
    State("page-lang", "data"),
)
def _update(view: str, anchor: str | None, compare: list[str], lang: str | None):
    lang = pick_language(lang)
    anchor = (anchor or date.today().isoformat())[:10]
    now = _read(view, anchor, 0)
    ctx = current()
    x = list(range(len(now.slots)))
    labels = _labels(view, now.slots, lang)

    def layout(title: str, ytitle: str, **extra: Any) -> dict[str, Any]:
        # a fixed height: with the comparison on, a figure must never collapse to 0 px
        out = charts.layout(title=title, ytitle=ytitle, height=CHART_PX, **extra)
        out["xaxis"] = _axis(view, now, lang)
        out["separators"] = ",." if lang == "nl" else ".,"
        return out

    def bars(key: str, name: str, colour: str, sign: float = 1.0) -> dict[str, Any]:
        return charts.bar_trace(
            x, now.values(key, sign), name, colour, customdata=labels, hovertemplate=HOVER
        )

    energy = charts.figure(
        [
            bars("production_kwh", t("series.solar", lang), "solar"),
            bars("consumption_kwh", t("series.use", lang), "use"),
        ],
        layout(t("hist.chart_energy", lang), "kWh", barmode="group"),
    )
    grid = charts.figure(
        [
            bars("import_kwh", t("series.import", lang), "import"),
            bars("export_kwh", t("series.export", lang), "export", -1),
        ],
        layout(t("hist.chart_grid", lang), "kWh", barmode="relative"),
    )
    gas = charts.figure(
        [bars("gas_m3", t("series.gas", lang), "gas")],
        layout(t("hist.chart_gas", lang), "m³"),
    )
    if not now.rows:
        for fig in (energy, grid, gas):
            _empty(fig, lang)
    totals = balance_adapter.energy_over(ctx, now.buckets) if now.rows else None
    previous = None
    if compare:
        before = _read(view, anchor, 1)
        previous = balance_adapter.energy_over(ctx, before.buckets) if before.rows else None
        # each value at its own place in its period, cut to the places this period has
        places = [(i, r) for i, r in before.rows if i < len(x)]
        energy["data"].append(
            {
                "type": "scatter",
                "x": [i for i, _ in places],
                "y": [r.consumption_kwh for _, r in places],
                "customdata": [labels[i] for i, _ in places],
                "hovertemplate": HOVER,
                "name": t("hist.previous_use", lang),
                "mode": "lines+markers",
                "line": {"color": "#1b1e24", "dash": "dash"},
                "meta": "previous",
            }
        )

    def shown(value: float | None) -> str:
        return t("hist.no_data", lang) if value is None else fmt.energy(value, lang)

    def cell(label: str, key: str) -> dbc.Col:
        value = getattr(totals, key) if totals else None
        sub = ""
        if compare:
            prev = getattr(previous, key) if previous else None
            sub = t("hist.before", lang, value=shown(prev))
        return dbc.Col(stat(label, shown(value), sub), xs=6, lg=3)

    cards = dbc.Row(
        [
            cell(t("series.solar", lang), "production_kwh"),
            cell(t("series.use", lang), "consumption_kwh"),
            cell(t("series.import", lang), "import_kwh"),
            cell(t("series.export", lang), "export_kwh"),
        ],
        className="g-3",
        id="hist-cards",
    )
    first, end = period(view, date.fromisoformat(anchor))
    cost = costs_adapter.period_cost(ctx, first, end, time.time())
    costs = dbc.Row(
        dbc.Col(cost_block(t("cost.period", lang), cost, lang, "hist-cost"), xs=12, lg=6), className="mt-3"
    )
    return energy, grid, gas, [cards, costs]


@callback(
    Output("hist-csv", "data"),
    Input("hist-csv-btn", "n_clicks"),
    Input("hist-excel-btn", "n_clicks"),
    State("hist-view", "value"),
    State("hist-date", "date"),
    prevent_initial_call=True,
)
def _csv(_n: int, _excel: int, view: str, anchor: str | None):
    excel_nl = dash.ctx.triggered_id == "hist-excel-btn"  # semicolons and decimal commas
    anchor = (anchor or date.today().isoformat())[:10]
    rows = _read(view, anchor, 0).buckets
    tz = zone(current().tz)
    # the columns are the balance's own names, as in `buurtwatt balance --json`
    columns = [f.name for f in fields(EnergyBucket) if f.name != "start"]
    table = (
        [datetime.fromtimestamp(r.start, tz).isoformat(), *(float(getattr(r, c)) for c in columns)]
        for r in rows
    )
    content = csv_text(["start_local", *columns], table, excel_nl=excel_nl, decimals=3)
    name = f"buurtwatt-{view}-{anchor}{'-excel' if excel_nl else ''}.csv"
    return {"content": content, "filename": name}
