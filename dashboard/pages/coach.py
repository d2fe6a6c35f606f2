"""``/coach``: three demonstrations for energy coaches, each with a few plain sentences."""

from __future__ import annotations

import time
from datetime import date, timedelta

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, dcc, html

from buurtwatt.store.base import Resolution
from buurtwatt.timeutil import local_date, local_midnight
from buurtwatt.whatif.simulate import Choices, Year
from dashboard import balance_adapter, charts, costs_adapter, fmt
from dashboard.components import explain, frame
from dashboard.context import DashContext, current
from dashboard.i18n import pick_language, t
from dashboard.lang import page_language, request_language

HOURS_PER_YEAR = 8760


def title(**_: str) -> str:
    return t("title.coach", request_language())


dash.register_page(__name__, path="/coach", title=title, order=3, nav="nav.coach")


def layout(lang: str | None = None, **_: str) -> html.Div:
    lang = page_language(lang)
    ctx = current()
    plugs = ctx.roles().plugs
    yesterday = local_date(time.time(), ctx.tz) - timedelta(days=1)
    return frame(
        lang,
        "/coach",
        [
            html.H1(t("coach.heading", lang)),
            # the consultation hour with a household: behind the coach login
            html.P(
                html.A(
                    t("coach.to_spreekuur", lang),
                    href=f"/coach/spreekuur?lang={lang}",
                    id="to-spreekuur",
                    className="btn btn-outline-dark",
                )
            ),
            html.Section(
                [
                    html.H2(t("coach.plug_heading", lang)),
                    explain(t("coach.plug_explain1", lang), t("coach.plug_explain2", lang)),
                    dcc.Dropdown(
                        id="plug-pick",
                        options=[{"label": fmt.device_label(p), "value": p} for p in plugs],
                        value=plugs[0] if plugs else None,
                        clearable=False,
                        placeholder=t("coach.plug_pick", lang),
                    ),
                    dcc.Interval(id="plug-tick", interval=2000),
                    html.Div(id="plug-result", className="plug-result", **{"aria-live": "polite"}),
                ],
                className="bw-section",
            ),
            html.Section(
                [
                    html.H2(t("coach.day_heading", lang)),
                    explain(t("coach.day_explain1", lang), t("coach.day_explain2", lang)),
                    dbc.Row(
                        [
                            dbc.Col(
                                dcc.DatePickerSingle(
                                    id="day-pick",
                                    date=yesterday.isoformat(),
                                    max_date_allowed=yesterday.isoformat(),
                                    display_format="DD-MM-YYYY",
                                    first_day_of_week=1,
                                    placeholder=t("coach.day_pick", lang),  # also its accessible name
                                ),
                                xs=12,
                                md=4,
                            ),
                            dbc.Col(
                                [
                                    html.Label(t("coach.day_speed", lang), htmlFor="day-speed"),
                                    dcc.Slider(
                                        id="day-speed",
                                        min=1,
                                        max=8,
                                        step=1,
                                        value=4,
                                        marks={1: t("coach.slow", lang), 8: t("coach.fast", lang)},
                                    ),
                                ],
                                xs=12,
                                md=8,
                            ),
                        ],
                        className="g-3 align-items-center",
                    ),
                    dcc.Store(id="day-data"),
                    dcc.Interval(id="day-tick", interval=200),
                    html.Div(id="day-clock", className="day-clock"),
                    dcc.Graph(id="day-graph", config=charts.STATIC),
                ],
                className="bw-section",
            ),
            html.Section(
                [
                    html.H2(t("coach.whatif_heading", lang)),
                    explain(t("coach.whatif_explain1", lang), t("coach.whatif_explain2", lang)),
                    dbc.Row(
                        [
                            dbc.Col(
                                [
                                    html.Label(t("coach.wi_kwp", lang), htmlFor="wi-kwp"),
                                    dcc.Slider(id="wi-kwp", min=0, max=30, step=1, value=0),
                                ],
                                xs=12,
                                md=6,
                            ),
                            dbc.Col(
                                [
                                    html.Label(t("coach.wi_led", lang), htmlFor="wi-led"),
                                    dcc.Slider(id="wi-led", min=0, max=100, step=10, value=0),
                                ],
                                xs=12,
                                md=6,
                            ),
                            dbc.Col(
                                [
                                    html.Label(t("coach.wi_battery", lang), htmlFor="wi-battery"),
                                    dcc.Slider(id="wi-battery", min=0, max=40, step=5, value=0),
                                ],
                                xs=12,
                                md=6,
                            ),
                            dbc.Col(
                                [
                                    html.Label(t("coach.wi_rules", lang), htmlFor="wi-rules"),
                                    dcc.RadioItems(
                                        id="wi-rules",
                                        options=[
                                            {
                                                "label": t("coach.wi_rules_net", lang, year=2026),
                                                "value": 2026,
                                            },
                                            {
                                                "label": t("coach.wi_rules_separate", lang, year=2027),
                                                "value": 2027,
                                            },
                                        ],
                                        value=2027 if yesterday.year >= 2027 else 2026,
                                        className="bw-check",
                                    ),
                                ],
                                xs=12,
                                md=6,
                            ),
                            dbc.Col(
                                dcc.Checklist(
                                    id="wi-heatpump",
                                    options=[{"label": t("coach.wi_heatpump", lang), "value": "on"}],
                                    value=[],
                                    className="bw-check",
                                ),
                                xs=12,
                                md=6,
                            ),
                        ],
                        className="g-3",
                    ),
                    html.Div(id="wi-result", className="mt-3"),
                    html.P(id="wi-assumptions", className="small"),
                ],
                className="bw-section",
            ),
        ],
    )


@callback(
    Output("plug-result", "children"),
    Input("plug-tick", "n_intervals"),
    Input("plug-pick", "value"),
    State("page-lang", "data"),
)
def _plug(_n: int | None, plug: str | None, lang: str | None):
    lang = pick_language(lang)
    if not plug:
        return html.P(t("coach.plug_none", lang))
    ctx = current()
    watts, ts = _plug_power(ctx, plug)
    if watts is None or ts is None or time.time() - ts > ctx.config.dashboard.stale_after_s:
        return html.P(t("coach.plug_quiet", lang), className="stale-note")
    kwh = watts * HOURS_PER_YEAR / 1000
    price = ctx.config.dashboard.price_eur_per_kwh
    year = local_date(time.time(), ctx.tz).year
    kg = balance_adapter.co2_of_energy(ctx, kwh, 0.0, 0.0, year).emitted_kg
    return html.Div(
        [
            html.Div(
                [
                    html.Span(t("coach.plug_now", lang), className="stat-label"),
                    html.Div(fmt.power(watts, lang), className="big-number", id="plug-watts"),
                ]
            ),
            html.P(
                t(
                    "coach.plug_year",
                    lang,
                    kwh=fmt.energy(kwh, lang),
                    eur=fmt.money(kwh * price, lang, 0),
                    kg=fmt.kg(kg, lang),
                ),
                className="plug-sentence",
                id="plug-sentence",
            ),
        ]
    )


def _plug_power(ctx: DashContext, plug: str) -> tuple[float | None, float | None]:
    """(watts, timestamp) of a smart plug now."""
    series = str(ctx.roles().plug_w(plug))
    row = ctx.store.latest([series]).get(series)
    return (None, None) if row is None else (row.value, row.ts)


@callback(Output("day-data", "data"), Input("day-pick", "date"), State("page-lang", "data"))
def _day(day: str | None, lang: str | None):
    lang = pick_language(lang)
    ctx = current()
    first = date.fromisoformat((day or date.today().isoformat())[:10])
    start, end = local_midnight(first, ctx.tz), local_midnight(first + timedelta(days=1), ctx.tz)
    rows = ctx.cached(("day", start), 600, lambda: balance_adapter.buckets(ctx, start, end, Resolution.MIN15))
    step, bars = 900, False
    if not any((r.start - start) % 3600 for r in rows):
        # only hourly rollups are kept for this day: draw honest hourly bars, never spikes with gaps
        rows = ctx.cached(
            ("day-h", start), 600, lambda: balance_adapter.buckets(ctx, start, end, Resolution.HOUR)
        )
        step, bars = 3600, True
    stamps = [start + i * step for i in range(int((end - start) // step))]
    per_hour = 3600 / step  # kWh per bucket -> average kW
    sol = {r.start: r.production_kwh for r in rows}
    use = {r.start: r.consumption_kwh for r in rows}
    return {
        "x": [fmt.clock(ts, ctx.tz, lang) for ts in stamps],
        # a bucket without any meter data stays empty; a sleeping inverter in a metered bucket is 0
        "solar": [round(sol.get(ts, 0.0) * per_hour, 3) if ts in use else None for ts in stamps],
        "use": [round(use[ts] * per_hour, 3) if ts in use else None for ts in stamps],
        "names": [t("series.solar", lang), t("series.use", lang)],
        "unit": "kW",
        "label": t("coach.day_label", lang),
        "note": t("coach.day_hourly", lang) if bars else t("coach.day_quarter", lang),
        "bars": bars,
        "colors": [charts.PALETTE["solar"], charts.PALETTE["use"]],
    }


# The replay runs in the browser: the day is fetched once, each frame costs no server time.
clientside_callback(
    """
    function(n, data, speed) {
        if (!data || !data.x.length) { return [window.dash_clientside.no_update, '']; }
        const len = data.x.length;
        const i = Math.min(len, Math.floor((n || 0) * (speed || 4) / 2) % (len + 8));
        const upto = Math.max(1, Math.min(len, i));
        const vals = [...data.solar, ...data.use].filter(v => v !== null);
        const ymax = Math.max(0.5, ...vals) * 1.1;
        const kind = data.bars ? {type: 'bar'} : {type: 'scatter'};
        const fig = {data: [
            Object.assign({x: data.x.slice(0, upto), y: data.solar.slice(0, upto), name: data.names[0],
             marker: {color: data.colors[0]}}, kind,
             data.bars ? {} : {fill: 'tozeroy', line: {color: data.colors[0], width: 4}}),
            Object.assign({x: data.x.slice(0, upto), y: data.use.slice(0, upto), name: data.names[1],
             marker: {color: data.colors[1]}}, kind,
             data.bars ? {} : {line: {color: data.colors[1], width: 4, dash: 'dot'}})],
            layout: {xaxis: {range: [-0.5, len - 0.5], type: 'category', nticks: 12},
                     yaxis: {range: [0, ymax], title: {text: data.unit}}, height: 360, barmode: 'group',
                     margin: {l: 50, r: 10, t: 10, b: 40}, legend: {orientation: 'h', y: -0.2},
                     paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: 'rgba(0,0,0,0)', font: {size: 16}}};
        return [fig, data.label + ' ' + data.x[upto - 1] + ' · ' + data.note];
    }
    """,
    Output("day-graph", "figure"),
    Output("day-clock", "children"),
    Input("day-tick", "n_intervals"),
    State("day-data", "data"),
    State("day-speed", "value"),
)


@callback(
    Output("wi-result", "children"),
    Output("wi-assumptions", "children"),
    Input("wi-kwp", "value"),
    Input("wi-led", "value"),
    Input("wi-battery", "value"),
    Input("wi-heatpump", "value"),
    Input("wi-rules", "value"),
    State("page-lang", "data"),
)
def _whatif(kwp: float, led: float, battery: float, heatpump: list[str], rules: int, lang: str | None):
    lang = pick_language(lang)
    ctx = current()
    now = time.time()
    year = local_date(now, ctx.tz).year
    choices = Choices(kwp or 0, (led or 0) / 100, bool(heatpump), battery or 0)
    # the building's own last 12 months, hour by hour (buurtwatt/whatif), costs under the chosen rules
    w = costs_adapter.whatif_year(ctx, choices, int(rules or year), now)
    has_gas = ctx.roles().gas is not None
    base, after = w.before_year, w.after_year

    def co2(x: Year) -> float:
        return balance_adapter.co2_of_energy(ctx, x.import_kwh, x.export_kwh, x.gas_m3, year).net_kg

    last = balance_adapter.last_12_months(ctx, now)
    co2_before = last.co2.net_kg
    co2_after = co2_before + co2(after) - co2(base)
    eur_before = w.cost_before.total_eur if w.cost_before else None
    eur_after = w.cost_after.total_eur if w.cost_after else None
    rows = [
        (t("series.import", lang), fmt.energy(base.import_kwh, lang), fmt.energy(after.import_kwh, lang)),
        (t("series.export", lang), fmt.energy(base.export_kwh, lang), fmt.energy(after.export_kwh, lang)),
        (
            t("series.gas", lang),
            fmt.gas(base.gas_m3 if has_gas else None, lang),
            fmt.gas(after.gas_m3 if has_gas else None, lang),
        ),
        (t("coach.wi_cost", lang), fmt.money(eur_before, lang, 0), fmt.money(eur_after, lang, 0)),
        (t("coach.wi_co2", lang), fmt.kg(co2_before, lang), fmt.kg(co2_after, lang)),
    ]
    diff = abs(eur_before - eur_after) if eur_before is not None and eur_after is not None else None
    cfg = ctx.config.whatif
    assumptions = t(
        "coach.wi_assumptions",
        lang,
        yield_=fmt.number(w.after.kwh_per_kwp, lang) if w.after.kwh_per_kwp else "–",
        cop=fmt.number(cfg.cop_at_7c, lang, 1),
        loss=fmt.percent(1 - cfg.battery_efficiency, lang),
    )
    result = html.Div(
        [
            dbc.Table(
                [
                    html.Thead(
                        html.Tr(
                            [html.Th(""), html.Th(t("coach.wi_now", lang)), html.Th(t("coach.wi_then", lang))]
                        )
                    ),
                    html.Tbody([html.Tr([html.Th(a), html.Td(b), html.Td(c)]) for a, b, c in rows]),
                ],
                bordered=True,
                className="wi-table",
                id="wi-table",
            ),
            html.P(
                t(
                    "coach.wi_sentence",
                    lang,
                    kg=fmt.kg(abs(co2_before - co2_after), lang),
                    eur=fmt.money(diff, lang, 0),
                ),
                className="plug-sentence",
            ),
            html.P(
                t("coach.wi_partial", lang, percent=fmt.percent(last.coverage.fraction, lang)),
                className="small stale-note",
                id="wi-partial",
            )
            if last.coverage.partial
            else None,
        ]
    )
    return result, assumptions
