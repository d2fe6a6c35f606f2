"""``/historie``: day, week, month and year from rollups, compared with the period before, as CSV too."""

from __future__ import annotations

import io
import time
from dataclasses import fields
from datetime import date, datetime, timedelta

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from buurtwatt import csvsafe
from buurtwatt.balance import EnergyBucket
from buurtwatt.store.base import Resolution
from buurtwatt.timeutil import local_date, local_midnight, zone
from dashboard import balance_adapter, charts, costs_adapter, fmt
from dashboard.components import explain, frame, stat
from dashboard.context import current
from dashboard.costs_view import cost_block
from dashboard.i18n import pick_language, t
from dashboard.lang import page_language, request_language

VIEWS = ("day", "week", "month", "year")
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
            dcc.Graph(id="hist-energy", config=charts.CONFIG),
            dcc.Graph(id="hist-grid", config=charts.CONFIG),
            dcc.Graph(id="hist-gas", config=charts.CONFIG),
            explain(t("hist.explain1", lang), t("hist.explain2", lang)),
        ],
    )


def _read(view: str, anchor: str, shift: int) -> list[EnergyBucket]:
    ctx = current()
    first, last = period(view, date.fromisoformat(anchor), shift)
    start, end = local_midnight(first, ctx.tz), local_midnight(last, ctx.tz)
    key = ("hist", view, start, end)
    ttl = 10 if end > time.time() else 600  # closed periods do not change
    return ctx.cached(key, ttl, lambda: balance_adapter.buckets(ctx, start, end, RESOLUTION[view]))


def _labels(view: str, stamps: list[float], lang: str) -> list[str]:
    tz = current().tz
    if view == "day":
        return [fmt.clock(ts, tz, lang) for ts in stamps]
    if view == "year":
        return [fmt.month_name(ts, tz, lang) for ts in stamps]
    return [fmt.day(ts, tz, lang, "EEE d MMM") for ts in stamps]


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
    rows = _read(view, anchor, 0)
    ctx = current()
    x = _labels(view, [r.start for r in rows], lang)

    def ys(key: str, sign: float = 1.0) -> list[float]:
        return [sign * getattr(r, key) for r in rows]

    energy = charts.figure(
        [
            charts.bar_trace(x, ys("production_kwh"), t("series.solar", lang), "solar"),
            charts.bar_trace(x, ys("consumption_kwh"), t("series.use", lang), "use"),
        ],
        charts.layout(title=t("hist.chart_energy", lang), barmode="group", ytitle="kWh"),
    )
    grid = charts.figure(
        [
            charts.bar_trace(x, ys("import_kwh"), t("series.import", lang), "import"),
            charts.bar_trace(x, ys("export_kwh", -1), t("series.export", lang), "export"),
        ],
        charts.layout(title=t("hist.chart_grid", lang), barmode="relative", ytitle="kWh"),
    )
    gas = charts.figure(
        [charts.bar_trace(x, ys("gas_m3"), t("series.gas", lang), "gas")],
        charts.layout(title=t("hist.chart_gas", lang), ytitle="m³"),
    )
    totals = balance_adapter.energy_over(ctx, rows)
    previous = None
    if compare:
        before = _read(view, anchor, 1)
        previous = balance_adapter.energy_over(ctx, before)
        before_use = [r.consumption_kwh for r in before]
        energy["data"].append(
            {
                "type": "scatter",
                "x": x[: len(before_use)],
                "y": before_use[: len(x)],
                "name": t("hist.previous_use", lang),
                "mode": "lines+markers",
                "line": {"color": "#1b1e24", "dash": "dash"},
            }
        )

    def cell(label: str, value: float | None, unit_fmt, prev: float | None) -> dbc.Col:
        sub = t("hist.before", lang, value=unit_fmt(prev, lang)) if prev is not None else ""
        return dbc.Col(stat(label, unit_fmt(value, lang), sub), xs=6, lg=3)

    p = previous
    cards = dbc.Row(
        [
            cell(t("series.solar", lang), totals.production_kwh, fmt.energy, p.production_kwh if p else None),
            cell(t("series.use", lang), totals.consumption_kwh, fmt.energy, p.consumption_kwh if p else None),
            cell(t("series.import", lang), totals.import_kwh, fmt.energy, p.import_kwh if p else None),
            cell(t("series.export", lang), totals.export_kwh, fmt.energy, p.export_kwh if p else None),
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
    State("hist-view", "value"),
    State("hist-date", "date"),
    prevent_initial_call=True,
)
def _csv(_n: int, view: str, anchor: str | None):
    anchor = (anchor or date.today().isoformat())[:10]
    rows = _read(view, anchor, 0)
    tz = zone(current().tz)
    # the columns are the balance's own names, as in `buurtwatt balance --json`
    columns = [f.name for f in fields(EnergyBucket) if f.name != "start"]
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(["start_local", *columns])
    for r in rows:
        writer.writerow(
            [
                datetime.fromtimestamp(r.start, tz).isoformat(),
                *(f"{getattr(r, c):.3f}" for c in columns),
            ]
        )
    return {"content": out.getvalue(), "filename": f"buurtwatt-{view}-{anchor}.csv"}
