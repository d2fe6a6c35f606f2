"""``/stad``: several buildings side by side (one dashboard, one database, one site tag each)."""

from __future__ import annotations

import time

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard import balance_adapter, fmt
from dashboard.balance_adapter import SiteDay
from dashboard.components import frame, icon
from dashboard.context import DashContext, current
from dashboard.i18n import t, tn
from dashboard.lang import page_language, request_language


def title(**_: str) -> str:
    return t("title.city", request_language())


dash.register_page(__name__, path="/stad", title=title, order=4, nav="nav.city", nav_needs_sites=True)


def _site_day(ctx: DashContext, site: str, now: float) -> SiteDay:
    store = ctx.store if site == ctx.config.site.id else ctx.site_stores[site]
    return SiteDay.of(balance_adapter.today(ctx, now, store))


def _card(name: str, day: SiteDay, lang: str, site_id: str) -> dbc.Col:
    face = "happy" if day.net_kg >= 0 else "sad"
    unit = fmt.energy_unit([day.solar_kwh, day.use_kwh, day.import_kwh, day.export_kwh])  # one per card
    return dbc.Col(
        html.Div(
            [
                html.H2(name),
                html.Dl(
                    [
                        html.Dt(t("now.today_solar", lang)),
                        html.Dd(fmt.energy_in(day.solar_kwh, unit, lang)),
                        html.Dt(t("now.today_use", lang)),
                        html.Dd(fmt.energy_in(day.use_kwh, unit, lang)),
                        html.Dt(t("now.today_import", lang)),
                        html.Dd(fmt.energy_in(day.import_kwh, unit, lang)),
                        html.Dt(t("now.today_export", lang)),
                        html.Dd(fmt.energy_in(day.export_kwh, unit, lang)),
                    ],
                    className="city-dl",
                ),
                html.P(
                    [
                        icon(f"face-{face}", 40),
                        " ",
                        t(
                            "co2.today_saved" if day.net_kg >= 0 else "co2.today_caused",
                            lang,
                            kg=fmt.kg(abs(day.net_kg), lang),
                        ),
                    ]
                ),
            ],
            className="city-card",
            id=f"city-{site_id}",
        ),
        xs=12,
        md=6,
        xl=4,
    )


def layout(lang: str | None = None, **_: str) -> html.Div:
    lang = page_language(lang)
    ctx = current()
    now = time.time()
    sites = [ctx.config.site.id, *ctx.site_stores]
    cards = []
    total: SiteDay | None = None
    for site in sites:
        day = _site_day(ctx, site, now)
        total = day if total is None else total + day
        names = ctx.config.dashboard.site_names
        name = ctx.config.site.name if site == ctx.config.site.id else fmt.site_label(site, names)
        cards.append(_card(name, day, lang, site))
    assert total is not None
    cards.append(_card(t("city.total", lang), total, lang, "total"))
    return frame(
        lang,
        "/stad",
        [
            html.H1(t("city.heading", lang)),
            html.P(tn("city.explain", len(sites), lang), className="explain"),
            dbc.Row(cards, className="g-3"),
        ],
    )
