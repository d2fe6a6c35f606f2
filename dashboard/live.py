"""Live values: one server round trip every 2 s fills every live number on a page.

The server returns formatted texts (per language); a clientside callback spreads them
over the page and decides, from the reading's own timestamp, whether the data is
stale, so the banner also appears when the server itself stops answering.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import dash
from dash import ALL, Dash, Input, Output, State

from dashboard import balance_adapter, fmt, shares_adapter
from dashboard.context import DashContext, current
from dashboard.i18n import pick_language, t

log = logging.getLogger(__name__)

TINY = 0.5  # kg CO2 or kWh: below this a difference is neither praised nor blamed
CO2_OK, CO2_HIGH = 800, 1200  # ppm in a room: the usual thresholds for "open a window" and "ventilate now"
MAX_ARROW_PX = 44
FULL_SCALE_W = 10_000  # arrow at full thickness; a sqrt scale keeps small flows visible


def arrow_px(watts: float | None) -> int:
    if not watts or watts < 5:
        return 0
    return int(4 + (MAX_ARROW_PX - 4) * min(1.0, math.sqrt(watts / FULL_SCALE_W)))


def _today(ctx: DashContext, lang: str, now: float) -> dict[str, str]:
    today = balance_adapter.today(ctx, now)
    e, co2 = today.energy, today.co2
    price = ctx.config.dashboard.price_eur_per_kwh
    net_kwh = e.grid_net_kwh
    out = {
        "today_import": fmt.energy(e.import_kwh, lang),
        "today_export": fmt.energy(e.export_kwh, lang),
        "today_solar": fmt.energy(e.production_kwh, lang),
        "today_use": fmt.energy(e.consumption_kwh, lang),
        "today_selfused": fmt.energy(e.self_consumed_kwh, lang),
        "today_selfused_eur": t("now.saved_eur", lang, eur=fmt.money(e.self_consumed_kwh * price, lang)),
        "today_selfsuff": fmt.percent(e.self_sufficiency, lang),
        "today_selfsuff_sentence": t("k.today_selfsuff", lang, percent=fmt.percent(e.self_sufficiency, lang)),
        "today_co2": fmt.kg(co2.net_kg, lang),
        "today_co2_sentence": _today_co2_sentence(co2.net_kg, lang),
        "today_net": t(
            "now.net_export" if net_kwh < 0 else "now.net_import", lang, kwh=fmt.energy(abs(net_kwh), lang)
        ),
        # missing readings make today's figures too low: say so, never pass them off as complete
        "today_note": t("now.partial", lang) if today.coverage.partial else "",
    }
    # the face compares today's CO2 with zero: above zero we avoided more than we caused;
    # a tiny amount (just after midnight, say) is neither praised nor blamed
    half = co2.avoided_kg >= co2.emitted_kg / 2
    if abs(co2.net_kg) < TINY:
        out["face"], out["face_text"] = "neutral", t("co2.face_tiny", lang)
    else:
        out["face"] = "happy" if co2.co2_positive else ("neutral" if half else "sad")
        out["face_text"] = t(f"co2.face_{out['face']}", lang)
    cmp = balance_adapter.comparisons(ctx, co2.net_kg) if abs(co2.net_kg) >= TINY else []
    out["co2_compare"] = ""  # a tiny amount gets no comparison either
    if cmp:
        key, amount = cmp[0]
        out["co2_compare"] = t(f"cmp.{key}", lang, amount=fmt.number(amount, lang, 0 if amount >= 10 else 1))
    return out


def co2_advice(ppm: float | None) -> str:
    """ "good" below 800 ppm, "open" up to 1200, "ventilate" above; "" without a value."""
    if ppm is None:
        return ""
    return "good" if ppm < CO2_OK else ("open" if ppm < CO2_HIGH else "ventilate")


def _today_co2_sentence(net_kg: float, lang: str) -> str:
    if abs(net_kg) < TINY:
        return t("co2.today_even", lang, kg=fmt.kg(abs(net_kg), lang))
    return t("co2.today_saved" if net_kg >= 0 else "co2.today_caused", lang, kg=fmt.kg(abs(net_kg), lang))


def _sign(value: float) -> int:
    """+1, -1, or 0 for a tiny amount."""
    return 0 if abs(value) < TINY else (1 if value > 0 else -1)


def verdict_texts(v: balance_adapter.Verdict, lang: str, tz: str) -> dict[str, str]:
    """The screen's verdict strip: CO2 and energy, this year and since the start, in words."""
    out: dict[str, str] = {}
    for key, p, label in (
        ("year", v.year, t("k.verdict_year", lang, year=v.year_first.year)),
        ("start", v.since_start, t("k.verdict_start", lang, day=fmt.day_of(v.started, lang))),
    ):
        kg, kwh = p.co2.net_kg, p.energy.surplus_kwh
        co2_word = {1: "co2_plus", 0: "co2_even", -1: "co2_minus"}[_sign(kg)]
        energy_word = {1: "energy_plus", 0: "energy_even", -1: "energy_minus"}[_sign(kwh)]
        out[f"verdict_{key}_label"] = label
        out[f"verdict_{key}_co2"] = t(f"k.verdict_{co2_word}", lang, kg=fmt.kg(abs(kg), lang))
        out[f"verdict_{key}_energy"] = t(f"k.verdict_{energy_word}", lang, kwh=fmt.energy(abs(kwh), lang))
        out[f"verdict_{key}_tone"] = str(_sign(kg))
    return out


def today_reason(
    today_kg: float, year_kg: float, gas_kg: float, electricity_net_kg: float, sun_w: float | None
) -> str:
    """Why today's CO2 differs from the year's: "gas", "dark", "little_sun", or "" when it does not."""
    if _sign(today_kg) >= 0 or _sign(year_kg) <= 0:
        return ""  # today is not worse than the year: nothing to explain
    if gas_kg > 0 and electricity_net_kg >= -TINY:
        return "gas"  # the electricity alone is fine; heating with gas makes the difference
    if not sun_w or sun_w < 5:
        return "dark"
    return "little_sun"


def _verdict(ctx: DashContext, lang: str, now: float) -> dict[str, str]:
    v = balance_adapter.verdict(ctx, now)
    out = verdict_texts(v, lang, ctx.tz)
    today = balance_adapter.today(ctx, now)
    c = today.co2
    live = balance_adapter.live(ctx)
    reason = today_reason(
        c.net_kg,
        v.year.co2.net_kg,
        c.emitted_gas_kg,
        c.avoided_kg - c.emitted_electricity_kg,
        live.production_w,
    )
    out["today_reason"] = t(f"k.reason_{reason}", lang) if reason else ""
    return out


def _roof(ctx: DashContext, lang: str, now: float) -> dict[str, str]:
    roof = shares_adapter.roof_totals(ctx, now)
    if roof is None:
        return {"roof_today": fmt.DASH, "roof_year": fmt.DASH}
    return {"roof_today": fmt.energy(roof.today_kwh, lang), "roof_year": fmt.energy(roof.year_kwh, lang)}


def snapshot(
    ctx: DashContext, lang: str, now: float | None = None, extras: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Every live text of a page. ``extras`` names optional parts a page asks for with a
    ``{"type": "live-part", "key": ...}`` store ("verdict": the wall screen's strip), so pages
    without them do not pay for them."""
    now = now or time.time()
    live = balance_adapter.live(ctx)
    stale_after = ctx.config.dashboard.stale_after_s
    age = live.age(now)
    stale = age is None or age > stale_after
    net = live.net_grid_w
    text: dict[str, str] = {}
    if stale:
        # never show a frozen number that looks alive
        text.update(
            solar_w=fmt.DASH, use_w=fmt.DASH, grid_w=fmt.DASH, grid_verb="", solar_verb="", use_verb=""
        )
        direction = "none"
    else:
        direction = "none" if not net or abs(net) < 5 else ("in" if net > 0 else "out")
        text.update(
            solar_w=fmt.power(live.production_w or 0, lang),
            use_w=fmt.power(live.consumption_w, lang),
            grid_w=fmt.power(abs(net or 0), lang),
            solar_verb=t("flow.sun_verb", lang)
            if (live.production_w or 0) >= 5
            else t("flow.sun_idle", lang),
            use_verb=t("flow.use_verb", lang),
            grid_verb=t(f"flow.grid_{direction}", lang),
        )
    parts = [_today, _roof] + ([_verdict] if "verdict" in extras else [])
    for part in parts:
        try:
            text.update(part(ctx, lang, now))
        except Exception:  # one broken part must not blank the whole screen
            log.exception("live part %s failed", part.__name__)
    # "Bijgewerkt om HH:MM" is a live text like any other, so the spread fills it in
    text["updated"] = t("live.updated", lang, time=fmt.clock(live.ts, ctx.tz, lang)) if live.ts else ""
    stale_text = t("stale.never", lang)
    if live.ts:
        stale_text = t(
            "stale.since", lang, time=fmt.clock(live.ts, ctx.tz, lang), day=fmt.day(live.ts, ctx.tz, lang)
        )
    return {
        "ts": live.ts,
        "stale_after": stale_after,
        "stale_text": stale_text,
        "text": text,
        "arrows": {
            "solar": {"px": 0 if stale else arrow_px(live.production_w), "dir": "right"},
            "grid": {
                "px": 0 if stale else arrow_px(abs(net or 0)),
                "dir": "left" if direction == "in" else "right",
            },
        },
        "face": text.get("face"),
    }


SPREAD_JS = """
function(data, tick, rootClass) {
    const C = window.dash_clientside;
    const ctx = C.callback_context;
    const outs = ctx.outputs_list;
    const d = data || {text: {}, arrows: {}};
    const texts = outs[0].map(o => (d.text && o.id.key in d.text) ? d.text[o.id.key] : C.no_update);
    const styles = outs[1].map(o => {
        const a = (d.arrows || {})[o.id.key] || {px: 0};
        return {'--bar': a.px + 'px'};
    });
    const classes = outs[2].map(o => {
        const a = (d.arrows || {})[o.id.key] || {px: 0, dir: 'right'};
        return 'flow-arrow dir-' + a.dir + (a.px ? '' : ' idle');
    });
    const faces = outs[3].map(o => d.face ? '/assets/icons/face-' + d.face + '.svg' : C.no_update);
    const now = Date.now() / 1000;
    const stale = !data || !d.ts || (now - d.ts) > d.stale_after;
    const banner = data ? d.stale_text : C.no_update;
    return [texts, styles, classes, faces, banner,
            'stale-banner' + (stale && data ? '' : ' hidden'),
            (rootClass || 'bw-page').replace(/ ?is-(stale|live)/g,
                                             '') + (stale && data ? ' is-stale' : ' is-live')];
}
"""


def register(app: Dash) -> None:
    @app.callback(
        Output("live-data", "data"),
        Input("live-tick", "n_intervals"),
        State("page-lang", "data"),
        State({"type": "live-part", "key": ALL}, "data"),
    )
    def _live(_n: int | None, lang: str | None, _parts: list) -> dict[str, Any]:
        ctx = current()
        lang = pick_language(lang, default=ctx.config.dashboard.language)
        states = dash.callback_context.states_list[1] if dash.callback_context.states_list else []
        extras = tuple(sorted(s["id"]["key"] for s in states))
        return ctx.cached(("snapshot", lang, extras), 1.0, lambda: snapshot(ctx, lang, extras=extras))

    app.clientside_callback(
        SPREAD_JS,
        Output({"type": "live", "key": ALL}, "children"),
        Output({"type": "arrow", "key": ALL}, "style"),
        Output({"type": "arrow", "key": ALL}, "className"),
        Output({"type": "face", "key": ALL}, "src"),
        Output("stale-banner", "children"),
        Output("stale-banner", "className"),
        Output("page-root", "className"),
        Input("live-data", "data"),
        Input("clock-tick", "n_intervals"),
        State("page-root", "className"),
    )
