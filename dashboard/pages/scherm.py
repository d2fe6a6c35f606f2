"""``/scherm``: the wall screen. Fills any screen (1280x720 to 3840x2160, portrait too), no
scrolling, no mouse, rotating panels, with the building's verdict (CO2 and energy, this year
and since the start) always in view.

``?panel=co2`` pins one panel (for a coach or a screenshot); ``?rotate=10`` overrides the dwell
time. Sizes scale with the viewport in dashboard/assets/10-buurtwatt.css. The screen shows no
names of people and no addresses.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import dash
from dash import ALL, Input, Output, State, callback, clientside_callback, dcc, html

from buurtwatt.timeutil import zone
from dashboard import balance_adapter, charts, fmt
from dashboard.components import flow, icon, live_machinery, live_text, stale_banner
from dashboard.context import DashContext, current
from dashboard.i18n import locale, pick_language, t
from dashboard.lang import page_language, request_language
from dashboard.live import co2_advice

# the first panel has numbers; panels without data on this site (no plugs, no rooms) are left out
PANELS = ("flow", "today", "co2", "power", "plugs", "climate", "roof", "clock")
SLOW_MS = 30_000  # graph, plugs and rooms: every 30 s is plenty for a wall
ROOM_STALE_S = 15 * 60
TOP_PLUGS = 5


def title(**_: str) -> str:
    return t("title.screen", request_language())


dash.register_page(__name__, path="/scherm", title=title, order=5, nav="nav.screen")


def _panel(key: str, heading: str, body: list) -> html.Section:
    return html.Section(
        [html.H1(heading, className="k-heading"), *body],
        id={"type": "panel", "key": key},
        className="k-panel",
    )


def _figure(label: str, key: str, tone: str) -> html.Div:
    return html.Div(
        [html.Div(label, className="k-label"), html.Div(live_text(key, "k-value"), className="k-value-box")],
        className=f"k-fig {tone}",
    )


def _verdict_strip(lang: str) -> html.Section:
    """Always on screen: CO2-positive? energy-positive? This year and since the start."""

    def row(key: str) -> list[Any]:
        return [
            html.Div(live_text(f"verdict_{key}_label", "", ""), className="k-v-label"),
            html.Div(
                live_text(f"verdict_{key}_co2", "", ""), className="k-v-cell", id=f"k-verdict-{key}-co2"
            ),
            html.Div(
                live_text(f"verdict_{key}_energy", "", ""), className="k-v-cell", id=f"k-verdict-{key}-energy"
            ),
        ]

    return html.Section(
        [
            html.Div("", className="k-v-label k-v-corner"),
            html.Div(t("k.verdict_co2", lang), className="k-v-head"),
            html.Div(t("k.verdict_energy", lang), className="k-v-head"),
            *row("year"),
            *row("start"),
        ],
        className="k-verdict",
        id="k-verdict",
        **{"aria-label": t("k.verdict_aria", lang)},
    )


def _panels(lang: str, ctx: DashContext) -> list[html.Section]:
    roles = ctx.roles()
    panels = [
        _panel("flow", t("k.flow", lang), [flow(lang, big=True)]),
        _panel(
            "today",
            t("k.today", lang),
            [
                html.Div(
                    [
                        _figure(t("k.today_solar", lang), "today_solar", "tone-solar"),
                        _figure(t("k.today_use", lang), "today_use", "tone-use"),
                        _figure(t("k.today_import", lang), "today_import", "tone-import"),
                        _figure(t("k.today_export", lang), "today_export", "tone-export"),
                    ],
                    className="k-grid",
                ),
                html.P(live_text("today_net", "", ""), className="k-sentence"),
                html.P(live_text("today_selfsuff_sentence", "", ""), className="k-sentence"),
            ],
        ),
        _panel(
            "co2",
            t("k.co2", lang),
            [
                html.Div(
                    [
                        html.Img(
                            id={"type": "face", "key": "co2"},
                            src="/assets/icons/face-neutral.svg",
                            className="k-face",
                            alt="",
                        ),
                        html.Div(
                            [
                                html.P(live_text("face_text", "", ""), className="k-sentence k-strong"),
                                html.P(live_text("today_co2_sentence", "", ""), className="k-sentence"),
                                html.P(live_text("today_reason", "", ""), className="k-sentence k-reason"),
                                html.P(live_text("co2_compare", "", ""), className="k-sentence"),
                            ],
                            className="k-co2-text",
                        ),
                    ],
                    className="k-co2",
                )
            ],
        ),
        _panel(
            "power",
            t("k.power", lang),
            [
                html.Div(
                    # responsive: follows its box when the strip below grows, not only the window
                    dcc.Graph(
                        id="k-power",
                        config=charts.STATIC,
                        className="k-graph-inner",
                        responsive=True,
                        style={"height": "100%", "width": "100%"},
                    ),
                    className="k-graph",
                )
            ],
        ),
    ]
    if roles.plugs:
        panels.append(
            _panel(
                "plugs",
                t("k.plugs", lang),
                [html.Div(id={"type": "k-part", "key": "plugs"}, className="k-plugs")],
            )
        )
    if roles.rooms:
        panels.append(
            _panel(
                "climate",
                t("k.climate", lang),
                [html.Div(id={"type": "k-part", "key": "rooms"}, className="k-rooms")],
            )
        )
    panels += [
        _panel(
            "roof",
            t("k.roof", lang),
            [
                html.Div(
                    [
                        _figure(t("k.roof_today", lang), "roof_today", "tone-solar"),
                        _figure(t("k.roof_year", lang), "roof_year", "tone-solar"),
                    ],
                    className="k-grid k-grid-2",
                ),
                html.P(t("k.roof_note", lang), className="k-sentence"),
            ],
        ),
        _panel(
            "clock",
            t("k.clock", lang),
            [html.Div("", id="k-time", className="k-time"), html.Div("", id="k-date", className="k-date")],
        ),
    ]
    return panels


def layout(
    lang: str | None = None, panel: str | None = None, rotate: str | None = None, **_: str
) -> html.Div:
    lang = page_language(lang)
    ctx = current()
    seconds = ctx.config.dashboard.rotate_seconds
    if rotate and rotate.isdigit():
        seconds = max(2, int(rotate))
    panels = _panels(lang, ctx)
    keys = [p.id["key"] for p in panels]
    first = panel if panel in keys else keys[0]
    for p in panels:  # shown at once, before the browser's rotation takes over
        p.className = "k-panel active" if p.id["key"] == first else "k-panel"
    return html.Div(
        [
            dcc.Store(id="page-lang", data=lang),
            dcc.Store(
                id="kiosk-cfg",
                data={
                    "rotate": seconds,
                    "pin": panel if panel in keys else None,
                    "locale": locale(lang).replace("_", "-"),
                    "tz": ctx.tz,
                },
            ),
            dcc.Store(id="k-view"),
            dcc.Store(id={"type": "live-part", "key": "verdict"}),  # the live data include the strip
            dcc.Interval(id="k-slow", interval=SLOW_MS),
            *live_machinery(lang),
            stale_banner(),
            html.Main(panels, className="k-panels"),
            _verdict_strip(lang),
            html.Footer(
                [
                    html.Span([icon("sun", 48), " ", ctx.config.site.name], className="k-site"),
                    html.Span(
                        [html.Span(className="k-dot", id={"type": "dot", "key": k}) for k in keys],
                        className="k-dots",
                        **{"aria-hidden": "true"},
                    ),
                    live_text("updated", "k-updated", ""),
                ],
                className="k-footer",
            ),
        ],
        id="page-root",
        className="bw-page kiosk",
        lang=lang,
    )


def _power_figure(ctx: DashContext, lang: str, font_px: int, now: float) -> dict[str, Any]:
    """The last 24 hours per 15 minutes: sun, use and the grid (above zero: taken from it)."""
    points = balance_adapter.power_24h(ctx, now)
    tz = zone(ctx.tz)
    x = [datetime.fromtimestamp(p.ts or 0, tz).strftime("%Y-%m-%d %H:%M") for p in points]

    def kw(values: list[float | None]) -> list[float | None]:
        return [None if v is None else round(v / 1000, 3) for v in values]

    line = max(2, font_px // 6)
    data = [
        {
            "type": "scatter",
            "x": x,
            "y": kw([p.production_w for p in points]),
            "name": t("series.solar", lang),
            "fill": "tozeroy",
            "line": {"color": charts.PALETTE["solar"], "width": line},
        },
        {
            "type": "scatter",
            "x": x,
            "y": kw([p.consumption_w for p in points]),
            "name": t("series.use", lang),
            "line": {"color": charts.PALETTE["use"], "width": line},
        },
        {
            "type": "scatter",
            "x": x,
            "y": kw([p.net_grid_w for p in points]),
            "name": t("k.power_grid", lang),
            "line": {"color": charts.PALETTE["sky"], "width": line, "dash": "dash"},
        },
    ]
    fig_layout = charts.layout(font_px=font_px, ytitle="kW")
    fig_layout["font"]["color"] = "#ffffff"
    fig_layout["separators"] = ",." if lang == "nl" else ".,"
    fig_layout["margin"] = {"l": font_px * 4, "r": font_px, "t": font_px, "b": font_px * 2}
    # the legend's symbols keep a fixed width: room after each name keeps the entries apart
    fig_layout["legend"] = {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0}
    for trace in data:
        trace["name"] += "\u2003\u2003"
    fig_layout["xaxis"].update(gridcolor="#3a3f47", tickformat="%H:%M", type="date")
    fig_layout["yaxis"].update(gridcolor="#3a3f47", zerolinecolor="#bbbbbb")
    if not points:
        fig_layout["annotations"] = [
            {
                "text": t("k.no_data", lang),
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
            }
        ]
    return charts.figure(data, fig_layout)


def _plugs(ctx: DashContext, lang: str, now: float) -> list[Any]:
    used = [(p, kwh) for p, kwh in balance_adapter.plugs_today(ctx, now)][:TOP_PLUGS]
    if not used:
        return [html.P(t("k.no_data", lang), className="k-sentence")]
    top = max(kwh for _, kwh in used) or 1.0
    rows: list[Any] = []
    for plug, kwh in used:
        rows += [
            html.Div(fmt.device_label(plug), className="k-plug-name"),
            html.Div(
                html.Div(className="k-plug-bar", style={"width": f"{max(kwh / top, 0.01) * 100:.1f}%"}),
                className="k-plug-track",
            ),
            html.Div(fmt.energy(kwh, lang), className="k-plug-kwh"),
        ]
    return [html.Div(rows, className="k-plug-grid"), html.P(t("k.plugs_note", lang), className="k-sentence")]


def _rooms(ctx: DashContext, lang: str, now: float) -> list[Any]:
    cards: list[Any] = []
    for room in balance_adapter.rooms(ctx)[:3]:
        fresh = room.ts is not None and now - room.ts < ROOM_STALE_S
        ppm = room.co2_ppm if fresh else None
        advice = co2_advice(ppm)
        cards.append(
            html.Div(
                [
                    html.Div(fmt.device_label(room.room), className="k-label"),
                    html.Div(
                        fmt.ppm(ppm, lang) if fresh else fmt.DASH,
                        className=f"k-room-co2 co2-{advice or 'none'}",
                    ),
                    html.Div(
                        t(f"k.co2_{advice}", lang) if advice else t("k.room_stale", lang),
                        className="k-sentence k-strong",
                    ),
                    html.Div(
                        [
                            html.Span(fmt.celsius(room.temperature_c if fresh else None, lang)),
                            html.Span(fmt.humidity(room.humidity_pct if fresh else None, lang)),
                        ],
                        className="k-room-more",
                    ),
                ],
                className="k-room",
            )
        )
    return cards or [html.P(t("k.no_data", lang), className="k-sentence")]


@callback(
    Output("k-power", "figure"),
    Output({"type": "k-part", "key": ALL}, "children"),
    Input("k-slow", "n_intervals"),
    Input("k-view", "data"),
    State("page-lang", "data"),
)
def _slow(_n: int | None, view: dict | None, lang: str | None):
    ctx = current()
    lang = pick_language(lang, default=ctx.config.dashboard.language)
    now = time.time()
    w, h = (view or {}).get("w", 1920), (view or {}).get("h", 1080)
    # the stylesheet's --u (landscape and portrait), so the graph's text matches the page's
    u = min(h / 100, w * 0.5625 / 100) if w >= h else min(w * 0.92 / 100, h * 0.5 / 100)
    font_px = max(14, round(3.2 * u))  # about 35 px on a 1920x1080 screen
    parts = {"plugs": _plugs, "rooms": _rooms}  # only the panels this site has are on the page
    keys = [o["id"]["key"] for o in dash.callback_context.outputs_list[1]]
    return _power_figure(ctx, lang, font_px, now), [parts[k](ctx, lang, now) for k in keys]


clientside_callback(
    "function(cfg) { return {w: window.innerWidth, h: window.innerHeight}; }",
    Output("k-view", "data"),
    Input("kiosk-cfg", "data"),
)

# Rotation, clock and the nightly reload run in the browser: no server round trip.
# The rotation starts at the first panel when the page opens, so a new screen shows numbers first.
clientside_callback(
    """
    function(n, cfg) {
        const C = window.dash_clientside;
        const outs = C.callback_context.outputs_list;
        cfg = cfg || {rotate: 15};
        if (!window.__bwLoaded) { window.__bwLoaded = Date.now(); }
        const now = new Date();
        if (now.getHours() === 3 && Date.now() - window.__bwLoaded > 3600 * 1000) {
            window.location.reload();  // once a night: a fresh page, no slow memory growth
        }
        const keys = outs[0].map(o => o.id.key);
        let index = Math.floor((Date.now() - window.__bwLoaded) / 1000 / cfg.rotate) % keys.length;
        if (cfg.pin && keys.indexOf(cfg.pin) >= 0) { index = keys.indexOf(cfg.pin); }
        const shown = keys[index];
        const panels = keys.map(k => 'k-panel' + (k === shown ? ' active' : ''));
        const dots = outs[3].map(o => 'k-dot' + (o.id.key === shown ? ' on' : ''));
        const loc = cfg.locale || 'nl-NL';
        const time = new Intl.DateTimeFormat(loc, {hour: '2-digit', minute: '2-digit', timeZone: cfg.tz})
            .format(now);
        const date = new Intl.DateTimeFormat(loc, {weekday: 'long', day: 'numeric', month: 'long',
                                                   timeZone: cfg.tz}).format(now);
        return [panels, time, date, dots];
    }
    """,
    Output({"type": "panel", "key": ALL}, "className"),
    Output("k-time", "children"),
    Output("k-date", "children"),
    Output({"type": "dot", "key": ALL}, "className"),
    Input("clock-tick", "n_intervals"),
    State("kiosk-cfg", "data"),
)
