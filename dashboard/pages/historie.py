"""``/historie``: day, week, month and year from rollups, compared with the period before, as CSV too.

For the whole building (sun, use, grid, gas), one plug (its kWh) or one room (CO2, temperature,
humidity: mean with lowest and highest); the numbers come from ``balance_adapter``.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from dataclasses import fields
from datetime import date, datetime, timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from buurtwatt.balance import ClimateBucket, EnergyBucket, PlugHistory
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
from dashboard.live import CO2_HIGH, CO2_OK

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
                            html.Label(t("hist.what", lang), htmlFor="hist-what", className="form-label"),
                            dcc.Dropdown(
                                id="hist-what",
                                options=_choices(ctx, lang),
                                value=BUILDING,
                                clearable=False,
                                searchable=False,
                                placeholder=t("hist.what", lang),
                            ),
                        ],
                        xs=12,
                        md=5,
                    ),
                ],
                className="g-3 mb-2",
            ),
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
            # the charts of what is chosen: the building's three, a plug's one or a room's three
            html.Div([_graph(i, None) for i in ("hist-energy", "hist-grid", "hist-gas")], id="hist-charts"),
        ],
    )


SLOT = {"day": "hour", "week": "day", "month": "day", "year": "month"}
BUILDING = "building"
# what a room chart shows: quantity, unit, decimals in the hover, colour
CLIMATE = (
    ("co2_ppm", "ppm", 0, "sky"),
    ("temperature_c", "°C", 1, "gas"),
    ("humidity_pct", "%", 0, "import"),
)
CLIMATE_IDS = {"co2_ppm": "hist-co2", "temperature_c": "hist-temp", "humidity_pct": "hist-humidity"}


def _choices(ctx: Any, lang: str) -> list[dict[str, str]]:
    """The building, every plug and every room, by names people read (never a device id)."""
    roles = ctx.roles()
    out = [{"label": t("hist.building", lang), "value": BUILDING}]
    out += [
        {"label": t("hist.plug_choice", lang, name=fmt.device_label(p)), "value": f"plug={p}"}
        for p in roles.plugs
    ]
    out += [
        {"label": t("hist.room_choice", lang, name=fmt.device_label(r)), "value": f"room={r}"}
        for r in roles.rooms
    ]
    return out


def _chosen(what: str | None) -> tuple[str, str]:
    """("plug", id), ("room", id) or ("building", ""), for a choice this site still has."""
    kind, _, item = (what or BUILDING).partition("=")
    roles = current().roles()
    if (kind == "plug" and item in roles.plugs) or (kind == "room" and item in roles.rooms):
        return kind, item
    return BUILDING, ""


def _graph(graph_id: str, fig: dict[str, Any] | None) -> dcc.Graph:
    # a fixed height: with the comparison on, a figure must never collapse to 0 px
    extra = {"figure": fig} if fig is not None else {}
    return dcc.Graph(id=graph_id, config=charts.CONFIG, style={"height": f"{CHART_PX}px"}, **extra)


def _span(view: str, anchor: str, shift: int) -> tuple[float, float, list[float], int]:
    """Start, end, the start of every place (hour, day, month) and how long to cache."""
    ctx = current()
    first, last = period(view, date.fromisoformat(anchor), shift)
    start, end = local_midnight(first, ctx.tz), local_midnight(last, ctx.tz)
    ttl = 10 if end > time.time() else 600  # closed periods do not change
    return start, end, [p.start for p in split_periods(first, last, SLOT[view], ctx.tz)], ttl


def _read(view: str, anchor: str, shift: int) -> PeriodRows:
    ctx = current()
    start, end, slots, ttl = _span(view, anchor, shift)
    key = ("hist", view, start, end)
    rows = ctx.cached(key, ttl, lambda: balance_adapter.buckets(ctx, start, end, RESOLUTION[view]))
    first = period(view, date.fromisoformat(anchor), shift)[0]
    return PeriodRows(
        first, slots, [(bisect_right(slots, r.start) - 1, r) for r in rows if r.start >= slots[0]]
    )


def _plug(view: str, anchor: str, shift: int, plug: str) -> tuple[PlugHistory, list[float]]:
    ctx = current()
    start, end, slots, ttl = _span(view, anchor, shift)
    key = ("hist-plug", plug, view, start, end)
    got = ctx.cached(key, ttl, lambda: balance_adapter.plug_buckets(ctx, plug, start, end, RESOLUTION[view]))
    return got, slots


def _room(
    view: str, anchor: str, shift: int, room: str
) -> tuple[dict[str, list[ClimateBucket]], list[float]]:
    ctx = current()
    start, end, slots, ttl = _span(view, anchor, shift)
    key = ("hist-room", room, view, start, end)
    got = ctx.cached(key, ttl, lambda: balance_adapter.room_buckets(ctx, room, start, end, RESOLUTION[view]))
    return got, slots


def _labels(view: str, stamps: list[float], lang: str) -> list[str]:
    tz = current().tz
    if view == "day":
        return [fmt.clock(ts, tz, lang) for ts in stamps]
    if view == "year":
        return [fmt.short_month(local_date(ts, tz), lang) for ts in stamps]
    if view == "month":
        return [str(local_date(ts, tz).day) for ts in stamps]
    return [fmt.day(ts, tz, lang, "EEE d MMM") for ts in stamps]


def _axis(view: str, slots: list[float], lang: str) -> dict[str, Any]:
    """Places 0..n-1 on a numeric axis with the current period's labels: the period before is
    drawn at the same places (its November at this November), and no two bars share a label."""
    labels = _labels(view, slots, lang)
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


def _layout(
    view: str, slots: list[float], lang: str, title: str, ytitle: str, **extra: Any
) -> dict[str, Any]:
    out = charts.layout(title=title, ytitle=ytitle, height=CHART_PX, **extra)
    out["xaxis"] = _axis(view, slots, lang)
    out["separators"] = ",." if lang == "nl" else ".,"
    return out


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


def _previous_line(slots: list[float], values: list[float | None], labels: list[str], name: str, hover: str):
    """The period before as a dashed line at the same places, cut to the places this period has."""
    places = [i for i, v in enumerate(values) if v is not None and i < len(slots)]
    return {
        "type": "scatter",
        "x": places,
        "y": [values[i] for i in places],
        "customdata": [labels[i] for i in places],
        "hovertemplate": hover,
        "name": name,
        "mode": "lines+markers",
        "line": {"color": "#1b1e24", "dash": "dash"},
        "meta": "previous",
    }


@callback(
    Output("hist-charts", "children"),
    Output("hist-totals", "children"),
    Input("hist-view", "value"),
    Input("hist-date", "date"),
    Input("hist-compare", "value"),
    Input("hist-what", "value"),
    State("page-lang", "data"),
)
def _update(view: str, anchor: str | None, compare: list[str], what: str | None, lang: str | None):
    lang = pick_language(lang)
    anchor = (anchor or date.today().isoformat())[:10]
    kind, item = _chosen(what)
    if kind == "plug":
        return _plug_view(view, anchor, bool(compare), item, lang)
    if kind == "room":
        return _room_view(view, anchor, bool(compare), item, lang)
    return _building_view(view, anchor, compare, lang)


def _plug_view(view: str, anchor: str, compare: bool, plug: str, lang: str) -> tuple[list, list]:
    now, slots = _plug(view, anchor, 0, plug)
    labels = _labels(view, slots, lang)
    name = fmt.device_label(plug)
    hover = "%{customdata}: %{y:.3~f} kWh<extra>%{fullData.name}</extra>"
    bars = charts.bar_trace(
        list(range(len(slots))),
        balance_adapter.on_slots(slots, now.kwh),
        t("hist.plug_energy", lang, name=name),
        "use",
        customdata=labels,
        hovertemplate=hover,
    )
    fig = charts.figure([bars], _layout(view, slots, lang, t("hist.chart_plug", lang, name=name), "kWh"))
    previous = None
    if compare:
        # each value at its place in its own period, drawn at the same place in this one
        previous, before_slots = _plug(view, anchor, 1, plug)
        before = balance_adapter.on_slots(before_slots, previous.kwh)
        fig["data"].append(_previous_line(slots, before, labels, t("hist.previous", lang), hover))
    if not now.kwh:
        _empty(fig, lang)

    # this period and the one before in one unit, so "850 kWh" never stands over "1,2 MWh"
    unit = fmt.energy_unit([now.total_kwh, previous.total_kwh if previous else None])

    def shown(value: float | None) -> str:
        return t("hist.no_data", lang) if value is None else fmt.energy_in(value, unit, lang)

    sub = t("hist.before", lang, value=shown(previous.total_kwh if previous else None)) if compare else ""
    how = t("hist.plug_counter" if now.from_counter else "hist.plug_from_power", lang)
    totals = [
        dbc.Row(dbc.Col(stat(t("hist.plug_total", lang, name=name), shown(now.total_kwh), sub), xs=12, lg=4)),
        html.P(how if now.kwh else "", id="hist-source", className="mt-2"),
    ]
    return [_graph("hist-plug", fig)], totals


def _room_view(view: str, anchor: str, compare: bool, room: str, lang: str) -> tuple[list, list]:
    now, slots = _room(view, anchor, 0, room)
    before, before_slots = _room(view, anchor, 1, room) if compare else (None, [])
    labels = _labels(view, slots, lang)
    x = list(range(len(slots)))
    name = fmt.device_label(room)
    graphs, cells = [], []
    for quantity, unit, decimals, colour in CLIMATE:
        rows = now[quantity]
        hover = f"%{{customdata}}: %{{y:.{decimals}f}} {unit}<extra>%{{fullData.name}}</extra>"
        band = {"mode": "lines", "line": {"width": 0, "color": charts.PALETTE[colour]}, "hoverinfo": "skip"}
        data = [
            {
                "type": "scatter",
                "x": x,
                "y": balance_adapter.on_slots(slots, ((b.start, b.low) for b in rows)),
                "name": t("hist.lowest", lang),
                "showlegend": False,
                **band,
            },
            {
                "type": "scatter",
                "x": x,
                "y": balance_adapter.on_slots(slots, ((b.start, b.high) for b in rows)),
                "name": t("hist.range", lang),
                "fill": "tonexty",
                "fillcolor": "rgba(153,153,153,0.25)",
                **band,
            },
            {
                "type": "scatter",
                "x": x,
                "y": balance_adapter.on_slots(slots, ((b.start, b.mean) for b in rows)),
                "customdata": labels,
                "hovertemplate": hover,
                "name": t("hist.mean", lang),
                "mode": "lines+markers",
                "line": {"color": charts.PALETTE[colour], "width": 3},
                "meta": "mean",
            },
        ]
        if before is not None:
            prev = balance_adapter.on_slots(before_slots, ((b.start, b.mean) for b in before[quantity]))
            data.append(_previous_line(slots, prev, labels, t("hist.previous", lang), hover))
        title = t(f"hist.chart_{quantity}", lang, name=name)
        fig = charts.figure(data, _layout(view, slots, lang, title, unit))
        if quantity == "co2_ppm":
            _co2_lines(fig, lang)
        if not rows:
            _empty(fig, lang)
        graphs.append(_graph(CLIMATE_IDS[quantity], fig))

        def shown(value: float | None, decimals: int = decimals, unit: str = unit) -> str:
            return (
                t("hist.no_data", lang)
                if value is None
                else f"{fmt.number(value, lang, decimals)}\u00a0{unit}"
            )

        sub = ""
        if before is not None:
            sub = t("hist.before", lang, value=shown(balance_adapter.climate_mean(before[quantity])))
        mean = shown(balance_adapter.climate_mean(rows))
        cells.append(dbc.Col(stat(t(f"hist.mean_{quantity}", lang), mean, sub), xs=12, md=4))
    totals = [
        dbc.Row(cells, className="g-3", id="hist-cards"),
        html.P(t("hist.room_explain", lang), className="mt-2"),
    ]
    return graphs, totals


def _co2_lines(fig: dict[str, Any], lang: str) -> None:
    """The usual thresholds: from 800 ppm open a window, from 1200 ppm air the room now."""
    lines = ((CO2_OK, "hist.co2_open", "#E69F00"), (CO2_HIGH, "hist.co2_ventilate", "#D55E00"))
    fig["layout"]["shapes"] = [
        {
            "type": "line",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "yref": "y",
            "y0": ppm,
            "y1": ppm,
            "line": {"color": colour, "dash": "dot", "width": 2},
        }
        for ppm, _, colour in lines
    ]
    fig["layout"]["annotations"] = [
        {
            "text": t(key, lang, ppm=fmt.number(ppm, lang)),
            "xref": "paper",
            "x": 0,
            "xanchor": "left",
            "yref": "y",
            "y": ppm,
            "yanchor": "bottom",
            "showarrow": False,
            "font": {"size": 14},
        }
        for ppm, key, _ in lines
    ]
    # both lines always in view, also on a day with fresh air
    fig["layout"]["yaxis"]["rangemode"] = "tozero"


def _building_view(view: str, anchor: str, compare: list[str], lang: str) -> tuple[list, list]:
    now = _read(view, anchor, 0)
    ctx = current()
    x = list(range(len(now.slots)))
    labels = _labels(view, now.slots, lang)

    def layout(title: str, ytitle: str, **extra: Any) -> dict[str, Any]:
        return _layout(view, now.slots, lang, title, ytitle, **extra)

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

    keys = ("production_kwh", "consumption_kwh", "import_kwh", "export_kwh")
    # all four cards and their "before" lines in one unit, so one row never mixes kWh and MWh
    unit = fmt.energy_unit([getattr(p, k) for p in (totals, previous) if p for k in keys])

    def shown(value: float | None) -> str:
        return t("hist.no_data", lang) if value is None else fmt.energy_in(value, unit, lang)

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
    graphs = [
        _graph("hist-energy", energy),
        _graph("hist-grid", grid),
        _graph("hist-gas", gas),
        explain(t("hist.explain1", lang), t("hist.explain2", lang)),
    ]
    return graphs, [cards, costs]


@callback(
    Output("hist-csv", "data"),
    Input("hist-csv-btn", "n_clicks"),
    Input("hist-excel-btn", "n_clicks"),
    State("hist-view", "value"),
    State("hist-date", "date"),
    State("hist-what", "value"),
    prevent_initial_call=True,
)
def _csv(_n: int, _excel: int, view: str, anchor: str | None, what: str | None):
    excel_nl = dash.ctx.triggered_id == "hist-excel-btn"  # semicolons and decimal commas
    anchor = (anchor or date.today().isoformat())[:10]
    tz = zone(current().tz)
    kind, item = _chosen(what)
    if kind != BUILDING:
        columns, table = _item_table(view, anchor, kind, item)
        # four decimals: a plug on standby uses 0,0004 kWh in an hour
        content = csv_text(["start_local", *columns], table, excel_nl=excel_nl, decimals=4)
        name = f"buurtwatt-{fmt.device_label(item).lower().replace(' ', '-')}-{view}-{anchor}"
        return {"content": content, "filename": f"{name}{'-excel' if excel_nl else ''}.csv"}
    rows = _read(view, anchor, 0).buckets
    # the columns are the balance's own names, as in `buurtwatt balance --json`
    columns = [f.name for f in fields(EnergyBucket) if f.name != "start"]
    table = (
        [datetime.fromtimestamp(r.start, tz).isoformat(), *(float(getattr(r, c)) for c in columns)]
        for r in rows
    )
    content = csv_text(["start_local", *columns], table, excel_nl=excel_nl, decimals=3)
    name = f"buurtwatt-{view}-{anchor}{'-excel' if excel_nl else ''}.csv"
    return {"content": content, "filename": name}


def _item_table(view: str, anchor: str, kind: str, item: str) -> tuple[list[str], list[list[Any]]]:
    """A plug's kWh or a room's means per place, only the places with data."""
    tz = zone(current().tz)
    if kind == "plug":
        got, slots = _plug(view, anchor, 0, item)
        columns, values = ["energy_kwh"], [balance_adapter.on_slots(slots, got.kwh)]
    else:
        climate, slots = _room(view, anchor, 0, item)
        columns = [q for q, *_ in CLIMATE]
        values = [balance_adapter.on_slots(slots, ((b.start, b.mean) for b in climate[q])) for q in columns]
    table = [
        [datetime.fromtimestamp(ts, tz).isoformat(), *(v[i] for v in values)]
        for i, ts in enumerate(slots)
        if any(v[i] is not None for v in values)
    ]
    return columns, table
