"""``/mijn/<token>``: one participant's share of the collective roof, phone first (390x844).

A wrong, revoked or rate-limited token gets exactly the 404 page. The page shows the
participant's own name and figures, and the whole roof's yield today; nobody else's. When the
figures cannot be worked out (a refused register, a broken factors file) a valid link gets a
short "not available now" page; the admin page says what to fix.
"""

from __future__ import annotations

import logging
import time
from datetime import date

import dash
import dash_bootstrap_components as dbc
from dash import html

from buurtwatt.shares.summary import ParticipantSummary
from dashboard import fmt, shares_adapter
from dashboard.barchart import bar_chart
from dashboard.components import frame, not_found, stat
from dashboard.context import current
from dashboard.i18n import t, tn
from dashboard.lang import page_language, request_language
from dashboard.participant import statement_url

log = logging.getLogger(__name__)


def title(token: str = "", **_: str) -> str:
    # a wrong link gets the 404's title too; the check is the page's own (once per request)
    known = shares_adapter.participant_id(current(), token) is not None
    return t("title.mine" if known else "title.404", request_language())


dash.register_page(__name__, path_template="/mijn/<token>", title=title, order=9)


def _months_chart(found: ParticipantSummary, lang: str) -> html.Figure:
    """kWh per month as plain HTML bars: this page stays light on a phone (no plotting library)."""
    totals: dict[date, float] = {}
    for inst in found.installations:
        for m in inst.months:
            totals[m.month] = totals.get(m.month, 0.0) + float(m.kwh)
    months = sorted(totals)
    y = [round(totals[m], 1) for m in months]
    return bar_chart(
        [fmt.short_month(m, lang) for m in months],
        y,
        [fmt.number(v, lang) for v in y],
        t("mine.per_month", lang, year=found.today.year) + " (kWh)",
        "mine-months",
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


def _year_stats(found: ParticipantSummary, lang: str) -> dbc.Row:
    euro_note = _euro_note(found, lang)
    this_year = stat(
        t("mine.this_year", lang, year=found.today.year),
        fmt.energy(float(found.this_year_kwh), lang),
        f"{fmt.money(float(found.this_year_eur), lang)} {euro_note}",
        tone="tone-solar",
    )
    last_year = stat(
        t("mine.last_year", lang, year=found.today.year - 1),
        fmt.energy(float(found.last_year_kwh), lang),
        f"{fmt.money(float(found.last_year_eur), lang)} {euro_note}",
    )
    return dbc.Row(
        [
            dbc.Col(html.Div(this_year, id="mine-this-year"), xs=6),
            dbc.Col(html.Div(last_year, id="mine-last-year"), xs=6),
        ],
        className="g-2",
    )


def _statements(token: str, found: ParticipantSummary, lang: str) -> list:
    links = [
        html.A(
            t("mine.statement", lang, year=year),
            href=statement_url(token, year),
            className="btn btn-primary btn-lg mb-2 me-2",
            id=f"mine-statement-{year}",
            download=f"jaaroverzicht-{year}.pdf",
        )
        for year in shares_adapter.statement_years(found)
    ]
    return [html.H2(t("mine.statement_heading", lang)), html.Div(links, className="mine-statements")]


def _page(token: str, found: ParticipantSummary, lang: str) -> html.Div:
    roof = shares_adapter.roof_totals(current(), time.time())
    installations = ", ".join(i.title for i in found.installations) or fmt.DASH
    body = [
        html.H1(t("mine.hello", lang, name=found.name), id="mine-name"),
        html.P(
            t("mine.shares", lang, shares=fmt.number(found.shares_held, lang), installations=installations),
            className="lead",
            id="mine-shares",
        ),
        _year_stats(found, lang),
        html.H2(t("mine.per_month", lang, year=found.today.year)),
        _months_chart(found, lang),
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
        estimated = tn("mine.estimated", found.estimated_days, lang, n=fmt.number(found.estimated_days, lang))
        body.append(html.P(estimated, className="small", id="mine-estimated"))
    body += [*_statements(token, found, lang), html.P(t("mine.explain", lang), className="explain")]
    return frame(lang, f"/mijn/{token}", body)  # the language link keeps the token


def _unavailable(token: str, lang: str) -> html.Div:
    """For a valid link whose figures cannot be worked out now."""
    return frame(
        lang,
        f"/mijn/{token}",
        [
            html.H1(t("mine.unavailable_heading", lang)),
            html.P(t("mine.unavailable", lang), className="lead", id="mine-unavailable"),
        ],
    )


def layout(token: str = "", lang: str | None = None, **_: str) -> html.Div:
    lang = page_language(lang)
    ctx = current()
    pid = shares_adapter.participant_id(ctx, token)
    if pid is None:
        return not_found(lang)  # the same page as any unknown address; it tells nothing
    if shares_adapter.register(ctx) is None:
        return _unavailable(token, lang)  # the register was refused: /beheer says why
    try:
        found = shares_adapter.summary(ctx, pid, time.time())
    except Exception:  # a broken factors file or store must not become an HTTP 500
        log.exception("cannot work out the figures of participant %s", pid)
        return _unavailable(token, lang)
    return not_found(lang) if found is None else _page(token, found, lang)
