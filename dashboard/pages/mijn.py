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
from decimal import Decimal

import dash
import dash_bootstrap_components as dbc
from dash import html

from buurtwatt.shares.endview import EndOfProject
from buurtwatt.shares.summary import ParticipantSummary, Repayment
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
    if schemes == {"sce"}:
        return t("mine.eur_sce", lang)
    at_most = any(i.at_most for i in found.installations)
    return t("mine.eur_postcoderoos_max" if at_most else "mine.eur_postcoderoos", lang)


def _money(value: Decimal, lang: str) -> str:
    return fmt.money(float(value), lang)


def _repay_lines(r: Repayment, lang: str) -> list:
    """The year amounts and payments that make up "repaid": the shown parts add up to it."""
    items = [html.Li(t("mine.repay_year", lang, year=y, amount=_money(v, lang))) for y, v in r.from_yield]
    if r.paid_eur:
        items.append(html.Li(t("mine.repay_paid", lang, amount=_money(r.paid_eur, lang))))
    items.append(html.Li(html.Strong(t("mine.repay_total", lang, amount=_money(r.repaid_eur, lang)))))
    return [html.Ul(items, id="mine-repay-parts")]


def _beyond(r: Repayment, lang: str) -> list:
    if not r.beyond_end or r.scheme_end is None:
        return []
    end = fmt.day_of(r.scheme_end, lang)
    if r.payoff_date is None:
        text = t("mine.repay_beyond_unknown", lang, end=end)
    else:
        when = fmt.month_year(r.payoff_date, lang)
        text = t("mine.repay_beyond", lang, when=when, end=end, left=_money(r.left_eur, lang))
    return [dbc.Alert(text, color="warning", id="mine-repay-beyond")]


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
        *_repay_lines(r, lang),
        *_beyond(r, lang),
        *_end_view(r.end, lang),
    ]


def _end_view(end: EndOfProject | None, lang: str) -> list:
    """A repay-from-yield participant next to one who paid at once, at the scheme's end."""
    if end is None:
        return []
    rows = [
        ("mine.end_paid", end.repayer.paid_eur, end.payer.paid_eur),
        ("mine.end_received", end.repayer.received_eur, end.payer.received_eur),
        ("mine.end_owed", end.repayer.still_owed_eur, end.payer.still_owed_eur),
        ("mine.end_left", end.repayer.left_over_eur, end.payer.left_over_eur),
    ]
    head = html.Tr([html.Th(""), html.Th(t("mine.end_you", lang)), html.Th(t("mine.end_payer", lang))])
    body = [
        html.Tr([html.Td(t(k, lang)), html.Td(_money(a, lang)), html.Td(_money(b, lang))]) for k, a, b in rows
    ]
    notes = [t("mine.end_same", lang)] if end.same else []
    if end.repayer.still_owed_eur:
        notes.append(t("mine.end_owed_note", lang, owed=_money(end.repayer.still_owed_eur, lang)))
    return [
        html.H3(t("mine.end", lang, end=fmt.day_of(end.scheme_end, lang))),
        html.P(t("mine.end_intro", lang, total=_money(end.expected_yield_eur, lang))),
        dbc.Table([html.Thead(head), html.Tbody(body)], size="sm", id="mine-end"),
        *(html.P(n, id=f"mine-end-note-{i}") for i, n in enumerate(notes)),
    ]


def _payments(found: ParticipantSummary, lang: str) -> list:
    if not found.payments:
        return []
    rows = [
        html.Tr(
            [
                html.Td(fmt.day_of(p.day, lang)),
                html.Td(t(f"mine.payment_{p.kind}", lang)),
                html.Td(_money(p.amount_eur, lang)),
            ]
        )
        for p in found.payments
    ]
    return [html.H2(t("mine.payments", lang)), dbc.Table(html.Tbody(rows), size="sm", id="mine-payments")]


def _money_notes(found: ParticipantSummary, lang: str) -> list:
    """Where the euros shown are "at most", or not known yet."""
    out = []
    if any(i.at_most for i in found.installations):
        out.append(html.P(t("mine.at_most", lang), className="small", id="mine-at-most"))
    unpriced = sorted({y for i in found.installations for y in i.unpriced_years})
    if unpriced:
        years = ", ".join(str(y) for y in unpriced)
        out.append(dbc.Alert(t("mine.unpriced", lang, years=years), color="info", id="mine-unpriced"))
    return out


def _year_euros(found: ParticipantSummary, year: int, amount: Decimal, lang: str) -> str:
    """The year's euros with what they are; "not known yet" when that year has no published figures."""
    if any(year in i.unpriced_years for i in found.installations):
        return t("mine.eur_unknown", lang)
    return f"{_money(amount, lang)} {_euro_note(found, lang)}"


def _year_stats(found: ParticipantSummary, lang: str) -> dbc.Row:
    year = found.today.year
    this_year = stat(
        t("mine.this_year", lang, year=year),
        fmt.energy(float(found.this_year_kwh), lang),
        _year_euros(found, year, found.this_year_eur, lang),
        tone="tone-solar",
    )
    last_year = stat(
        t("mine.last_year", lang, year=year - 1),
        fmt.energy(float(found.last_year_kwh), lang),
        _year_euros(found, year - 1, found.last_year_eur, lang),
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
        *_money_notes(found, lang),
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
        *_payments(found, lang),
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
