"""``/mijn/<token>``: one participant's share of the collective roof, phone first (390x844).

A wrong, revoked or rate-limited token gets exactly the 404 page. The page shows the
participant's own name and figures, and the whole roof's yield today; nobody else's.
"""

from __future__ import annotations

import time
from datetime import date

import dash
import dash_bootstrap_components as dbc
import flask
from dash import dcc, html

from buurtwatt.shares.summary import ParticipantSummary, verify_token
from dashboard import charts, fmt, shares_adapter
from dashboard.components import frame, not_found, stat
from dashboard.context import current
from dashboard.i18n import t
from dashboard.lang import page_language, request_language
from dashboard.participant import statement_url


def title(token: str = "", **_: str) -> str:
    # a wrong link gets the 404's title too (checked without counting it as an attempt)
    known = verify_token(current().config, token) is not None
    return t("title.mine" if known else "title.404", request_language())


dash.register_page(__name__, path_template="/mijn/<token>", title=title, order=9)


def _months_figure(found: ParticipantSummary, lang: str) -> dict:
    totals: dict[date, float] = {}
    for inst in found.installations:
        for m in inst.months:
            totals[m.month] = totals.get(m.month, 0.0) + float(m.kwh)
    months = sorted(totals)
    x = [fmt.short_month(m, lang) for m in months]
    y = [round(totals[m], 1) for m in months]
    return charts.figure(
        [
            charts.bar_trace(
                x,
                y,
                t("mine.kwh", lang),
                "solar",
                text=[fmt.number(v, lang) for v in y],
                textposition="outside",
                textangle=0,
                cliponaxis=False,
            )
        ],
        charts.layout(
            font_px=14,
            height=260,
            ytitle="kWh",
            showlegend=False,
            hovermode=False,
            margin={"l": 50, "r": 10, "t": 10, "b": 40},
        ),
    )


def _euro_note(found: ParticipantSummary, lang: str) -> str:
    schemes = {i.scheme for i in found.installations}
    return t("mine.eur_sce" if schemes == {"sce"} else "mine.eur_postcoderoos", lang)


def _repayment(found: ParticipantSummary, lang: str) -> list:
    r = found.repayment
    if r is None:
        return []
    done = min(100, round(100 * r.fraction_repaid))
    if r.done:
        text = t("mine.repay_done", lang, stake=fmt.money(float(r.stake_eur), lang))
    else:
        when = fmt.month_year(r.payoff_date, lang) if r.payoff_date else None
        text = t(
            "mine.repay_text",
            lang,
            repaid=fmt.money(float(r.repaid_eur), lang),
            stake=fmt.money(float(r.stake_eur), lang),
            left=fmt.money(float(r.left_eur), lang),
        )
        text += " " + (t("mine.repay_when", lang, when=when) if when else t("mine.repay_unknown", lang))
    return [
        html.H2(t("mine.repay", lang)),
        dbc.Progress(
            value=done, label=f"{done} %", style={"height": "32px"}, id="mine-repay-bar", color="success"
        ),
        html.P(text, className="mt-2", id="mine-repay"),
    ]


def _page(token: str, found: ParticipantSummary, lang: str) -> html.Div:
    ctx = current()
    roof = shares_adapter.roof_totals(ctx, time.time())
    installations = ", ".join(i.title for i in found.installations) or fmt.DASH
    euro_note = _euro_note(found, lang)
    body = [
        html.H1(t("mine.hello", lang, name=found.name), id="mine-name"),
        html.P(
            t("mine.shares", lang, shares=fmt.number(found.shares_held, lang), installations=installations),
            className="lead",
            id="mine-shares",
        ),
        dbc.Row(
            [
                dbc.Col(
                    html.Div(
                        stat(
                            t("mine.this_year", lang, year=found.today.year),
                            fmt.energy(float(found.this_year_kwh), lang),
                            f"{fmt.money(float(found.this_year_eur), lang)} {euro_note}",
                            tone="tone-solar",
                        ),
                        id="mine-this-year",
                    ),
                    xs=6,
                ),
                dbc.Col(
                    html.Div(
                        stat(
                            t("mine.last_year", lang, year=found.today.year - 1),
                            fmt.energy(float(found.last_year_kwh), lang),
                            f"{fmt.money(float(found.last_year_eur), lang)} {euro_note}",
                        ),
                        id="mine-last-year",
                    ),
                    xs=6,
                ),
            ],
            className="g-2",
        ),
        html.H2(t("mine.per_month", lang, year=found.today.year)),
        dcc.Graph(
            figure=_months_figure(found, lang),
            config=charts.STATIC,
            id="mine-months",
            className="mine-months",
        ),
        html.Div(
            stat(
                t("mine.roof_today", lang),
                fmt.energy(roof.today_kwh if roof else None, lang),
                t("mine.roof_today_sub", lang),
            ),
            id="mine-roof",
        ),
        *_repayment(found, lang),
    ]
    if found.estimated_days:
        body.append(
            html.P(
                t("mine.estimated", lang, days=fmt.number(found.estimated_days, lang)),
                className="small",
                id="mine-estimated",
            )
        )
    body += [
        html.H2(t("mine.statement_heading", lang)),
        html.Div(
            [
                html.A(
                    t("mine.statement", lang, year=year),
                    href=statement_url(token, year),
                    className="btn btn-primary btn-lg mb-2 me-2",
                    id=f"mine-statement-{year}",
                    download=f"jaaroverzicht-{year}.pdf",
                )
                for year in shares_adapter.statement_years(found)
            ],
            className="mine-statements",
        ),
        html.P(t("mine.explain", lang), className="explain"),
    ]
    return frame(lang, "/mijn", body)


def layout(token: str = "", lang: str | None = None, **_: str) -> html.Div:
    lang = page_language(lang)
    ctx = current()
    client = (flask.request.remote_addr if flask.has_request_context() else None) or "?"
    pid = shares_adapter.participant_id(ctx, token, client)
    found = shares_adapter.summary(ctx, pid, time.time()) if pid else None
    if found is None:
        return not_found(lang)  # the same page as any unknown address; it tells nothing
    return _page(token, found, lang)
