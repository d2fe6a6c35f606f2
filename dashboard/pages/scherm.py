"""``/scherm``: the wall screen. Full screen at 1920x1080, no scrolling, no mouse, rotating panels.

``?panel=co2`` pins one panel (for a coach or a screenshot); ``?rotate=10`` overrides the dwell time.
"""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, clientside_callback, dcc, html

from dashboard.components import flow, icon, live_machinery, live_text, stale_banner
from dashboard.context import current
from dashboard.i18n import locale, t
from dashboard.lang import page_language, request_language

PANELS = ("flow", "today", "co2", "roof", "clock")


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
        [html.Div(label, className="k-label"), live_text(key, "k-value")], className=f"k-fig {tone}"
    )


def layout(
    lang: str | None = None, panel: str | None = None, rotate: str | None = None, **_: str
) -> html.Div:
    lang = page_language(lang)
    ctx = current()
    seconds = ctx.config.dashboard.rotate_seconds
    if rotate and rotate.isdigit():
        seconds = max(2, int(rotate))
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
                                html.P(live_text("co2_compare", "", ""), className="k-sentence"),
                            ]
                        ),
                    ],
                    className="k-co2",
                )
            ],
        ),
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
    return html.Div(
        [
            dcc.Store(id="page-lang", data=lang),
            dcc.Store(
                id="kiosk-cfg",
                data={
                    "rotate": seconds,
                    "pin": panel if panel in PANELS else None,
                    "locale": locale(lang).replace("_", "-"),
                    "tz": ctx.tz,
                },
            ),
            *live_machinery(lang),
            stale_banner(),
            html.Main(panels, className="k-panels"),
            html.Footer(
                [
                    html.Span([icon("sun", 48), " ", ctx.config.site.name], className="k-site"),
                    html.Span(
                        [html.Span(className="k-dot", id={"type": "dot", "key": k}) for k in PANELS],
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


# Rotation, clock and the nightly reload run in the browser: no server round trip.
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
        let index = Math.floor(Date.now() / 1000 / cfg.rotate) % keys.length;
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
