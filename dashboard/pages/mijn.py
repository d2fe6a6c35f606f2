"""``/mijn/<token>``: one participant's share of the collective roof, phone first.

A wrong token gets exactly the 404 page; failed tokens are limited per address.
"""

from __future__ import annotations

import time

import dash
import dash_bootstrap_components as dbc
import flask
import plotly.graph_objects as go
from dash import dcc, html

from dashboard import charts, fmt, shares_adapter
from dashboard.components import frame, not_found, stat
from dashboard.context import current
from dashboard.i18n import t
from dashboard.lang import page_language, request_language
from dashboard.ratelimit import FailureLimit

TOKEN_LIMIT = FailureLimit(limit=20, window=600)


def title(**_: str) -> str:
    return t("title.mine", request_language())


dash.register_page(__name__, path_template="/mijn/<token>", title=title, order=9)


def layout(token: str = "", lang: str | None = None, **_: str) -> html.Div:
    lang = page_language(lang)
    ctx = current()
    client = flask.request.remote_addr or "?"
    now = time.time()
    view = None if TOKEN_LIMIT.blocked(client) else shares_adapter.participant_view(ctx, token, now)
    if view is None:
        TOKEN_LIMIT.fail(client)
        return not_found(lang)
    months = go.Figure([charts.bar([fmt.month_name(ts, ctx.tz, lang) for ts, _ in view.months],
                                   [kwh for _, kwh in view.months], t("mine.kwh", lang), "solar")],
                       charts.layout(font_px=14, height=280, yaxis={"title": "kWh"}, showlegend=False,
                                     margin={"l": 50, "r": 10, "t": 10, "b": 40}))
    roof = shares_adapter.roof_totals(ctx, now)
    body = [
        html.H1(t("mine.hello", lang, name=view.name)),
        html.P(t("mine.shares", lang, shares=fmt.number(view.shares, lang),
                 installations=", ".join(view.installations)), className="lead"),
        dbc.Row([
            dbc.Col(stat(t("mine.this_year", lang), fmt.energy(view.year_kwh, lang),
                         fmt.money(view.year_eur, lang)),
                    xs=6),
            dbc.Col(stat(t("mine.last_year", lang), fmt.energy(view.last_year_kwh, lang),
                         fmt.money(view.last_year_eur, lang)), xs=6),
        ], className="g-2"),
        html.H2(t("mine.per_month", lang)),
        dcc.Graph(figure=months, config=charts.STATIC),
        stat(t("mine.roof_today", lang), fmt.energy(roof.today_kwh if roof else None, lang),
             t("mine.roof_today_sub", lang)),
    ]
    if view.repayment:
        r = view.repayment
        done = 0 if r.stake_eur <= 0 else min(100, round(100 * r.repaid_eur / r.stake_eur))
        body += [html.H2(t("mine.repay", lang)),
                 dbc.Progress(value=done, label=f"{done} %", style={"height": "32px"}),
                 html.P(t("mine.repay_text", lang, repaid=fmt.money(r.repaid_eur, lang),
                          left=fmt.money(r.left_eur, lang),
                          when=fmt.day(time.mktime(r.payoff.timetuple()), ctx.tz,
                                       lang) if r.payoff else fmt.DASH))]
    if view.statement_url:
        body.append(html.A(t("mine.statement", lang), href=view.statement_url,
                           className="btn btn-primary btn-lg"))
    body.append(html.P(t("mine.explain", lang), className="explain"))
    return frame(lang, "/mijn", body)
