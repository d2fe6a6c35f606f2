"""``/stad``: several buildings side by side (one dashboard, one database, one site tag each)."""

from __future__ import annotations

import time

import dash
import dash_bootstrap_components as dbc
from dash import html

from buurtwatt.timeutil import local_date, local_midnight
from dashboard import balance_adapter, fmt
from dashboard.components import frame, icon
from dashboard.context import DashContext, current
from dashboard.data import EnergyTotals
from dashboard.i18n import t
from dashboard.lang import page_language, request_language


def title(**_: str) -> str:
    return t("title.city", request_language())


dash.register_page(__name__, path="/stad", title=title, order=6)


def _site_totals(ctx: DashContext, site: str, now: float) -> EnergyTotals:
    store = ctx.store if site == ctx.config.site.id else ctx.site_stores[site]
    start = local_midnight(local_date(now, ctx.tz), ctx.tz)
    return ctx.cached(("stad", site, start), 10, lambda: balance_adapter.period_totals(
        ctx, store, ctx.roles(store), start, now + 1))


def _card(ctx: DashContext, name: str, totals: EnergyTotals, lang: str, year: int, site_id: str) -> dbc.Col:
    co2 = balance_adapter.co2_of(ctx, totals, year)
    face = "happy" if co2.net_kg <= 0 else "sad"
    return dbc.Col(html.Div([
        html.H2(name),
        html.Dl([
            html.Dt(t("now.today_solar", lang)), html.Dd(fmt.energy(totals.solar_kwh, lang)),
            html.Dt(t("now.today_use", lang)), html.Dd(fmt.energy(totals.use_kwh, lang)),
            html.Dt(t("now.today_import", lang)), html.Dd(fmt.energy(totals.import_kwh, lang)),
            html.Dt(t("now.today_export", lang)), html.Dd(fmt.energy(totals.export_kwh, lang)),
        ], className="city-dl"),
        html.P([icon(f"face-{face}", 40), " ",
                t("co2.today_saved" if co2.net_kg <= 0 else "co2.today_caused", lang,
                  kg=fmt.kg(abs(co2.net_kg), lang))]),
    ], className="city-card", id=f"city-{site_id}"), xs=12, md=6, xl=4)


def layout(lang: str | None = None, **_: str) -> html.Div:
    lang = page_language(lang)
    ctx = current()
    now = time.time()
    year = local_date(now, ctx.tz).year
    sites = [ctx.config.site.id, *ctx.site_stores]
    cards = []
    total: EnergyTotals | None = None
    for site in sites:
        totals = _site_totals(ctx, site, now)
        total = totals if total is None else total + totals
        name = ctx.config.site.name if site == ctx.config.site.id else site
        cards.append(_card(ctx, name, totals, lang, year, site))
    assert total is not None
    cards.append(_card(ctx, t("city.total", lang), total, lang, year, "total"))
    return frame(lang, "/stad", [
        html.H1(t("city.heading", lang)),
        html.P(t("city.explain", lang, n=len(sites)), className="explain"),
        dbc.Row(cards, className="g-3"),
    ], show_city=True)
