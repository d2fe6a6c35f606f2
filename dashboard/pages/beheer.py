"""``/beheer``: admin. Without a login only the login form; participant data needs the session."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
import flask
from dash import html

from buurtwatt.shares.pcr import PcrYear
from buurtwatt.shares.register import RegisterProblem
from buurtwatt.shares.register.problems import WARNING
from buurtwatt.shares.sce import SceYear
from buurtwatt.timeutil import local_date
from dashboard import alerts_view, fmt, health_view, shares_adapter
from dashboard.auth import is_admin
from dashboard.components import frame
from dashboard.context import DashContext, current
from dashboard.i18n import t, tn
from dashboard.lang import page_language, request_language

log = logging.getLogger(__name__)


def title(**_: str) -> str:
    return t("title.admin", request_language())


dash.register_page(__name__, path="/beheer", title=title, order=7, nav="nav.admin")


def _login(lang: str, error: str | None) -> list:
    message = t(f"admin.error_{error}", lang) if error in ("wrong", "blocked", "noadmin") else None
    return [
        html.H1(t("admin.heading", lang)),
        dbc.Alert(message, color="danger", id="login-error") if message else None,
        html.Form(
            [
                dash.dcc.Input(type="hidden", name="lang", value=lang, id="login-lang"),
                html.Label(t("admin.password", lang), htmlFor="password", className="form-label"),
                html.Div(
                    dash.dcc.Input(
                        id="password",
                        name="password",
                        type="password",
                        className="form-control",
                        autoComplete="current-password",
                    ),
                    className="mb-3",
                ),
                html.Button(
                    t("admin.login", lang), type="submit", className="btn btn-primary btn-lg", id="login-btn"
                ),
            ],
            method="POST",
            action="/beheer/login",
            className="login-form",
            id="login-form",
        ),
    ]


def _problem_table(problems: tuple[RegisterProblem, ...], lang: str, table_id: str) -> dbc.Table:
    """File, line, column and what to fix, per problem, in the page's language."""
    cols = ("file", "line", "column", "fix")
    rows = [
        html.Tr(
            [
                html.Td(Path(p.file).name),
                html.Td(str(p.line) if p.line else fmt.DASH),
                html.Td(f"{p.column} ({p.column_name})" if p.column else fmt.DASH),
                html.Td(p.message(lang)),
            ],
            className="table-warning" if p.severity == WARNING else "",
        )
        for p in problems
    ]
    return dbc.Table(
        [html.Thead(html.Tr([html.Th(t(f"admin.col_{c}", lang)) for c in cols])), html.Tbody(rows)],
        size="sm",
        id=table_id,
        responsive=True,
    )


def _register(ctx: DashContext, lang: str) -> list:
    state = shares_adapter.register_state(ctx)
    if state.register is None and state.problems:
        errors = sum(p.severity != WARNING for p in state.problems)
        return [
            dbc.Alert(
                [
                    html.Strong(tn("admin.register_refused", errors, lang)),
                    _problem_table(state.problems, lang, "register-problems"),
                ],
                color="danger",
                id="register-problem",
            )
        ]
    rows = shares_adapter.register_rows(ctx)
    if not rows:
        return [html.P(t("admin.no_register", lang))]
    cols = ("participant_id", "name", "postcode", "shares")
    out: list = []
    if state.problems:  # warnings of a register that did load
        out.append(
            dbc.Alert(
                [
                    html.Strong(t("admin.register_warnings", lang)),
                    _problem_table(state.problems, lang, "register-warnings"),
                ],
                color="warning",
            )
        )
    out.append(
        dbc.Table(
            [
                html.Thead(html.Tr([html.Th(t(f"admin.col_{c}", lang)) for c in cols])),
                html.Tbody([html.Tr([html.Td(r[c]) for c in cols]) for r in rows]),
            ],
            striped=True,
            size="sm",
            id="register-table",
            responsive=True,
        )
    )
    return out


def _allocation_table(alloc: shares_adapter.Allocation, names: dict[str, str], lang: str) -> dbc.Table:
    head = [t("admin.col_participant_id", lang), t("admin.col_name", lang), "kWh", "€"]
    rows = [
        html.Tr(
            [
                html.Td(r.participant_id),
                html.Td(names.get(r.participant_id, "")),
                html.Td(fmt.number(float(r.kwh), lang, 3)),
                html.Td(fmt.money(float(r.eur), lang)),
            ]
        )
        for r in alloc.settled.rows
    ]
    return dbc.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        striped=True,
        size="sm",
        responsive=True,
    )


def _allocation(alloc: shares_adapter.Allocation, year: int, names: dict[str, str], lang: str) -> list:
    s = alloc.settled
    heading = t(
        "admin.allocation_heading",
        lang,
        title=alloc.title,
        year=year,
        first=fmt.day_of(s.start, lang),
        last=fmt.day_of(s.end, lang),
    )
    totals = t(
        "admin.allocation_totals",
        lang,
        total=fmt.number(float(s.total_kwh), lang, 3),
        unallocated=fmt.number(float(s.unallocated_kwh), lang, 3),
        estimated=s.estimated_days,
    )
    unpriced = (
        [dbc.Alert(t("admin.unpriced", lang, years=", ".join(map(str, alloc.unpriced_years))), color="info")]
        if alloc.unpriced_years
        else []
    )
    return [
        html.H3(heading),
        html.P(totals),
        *unpriced,
        html.Details(
            [
                html.Summary(t("admin.allocation_rows", lang, n=len(s.rows))),
                _allocation_table(alloc, names, lang),
            ]
        ),
    ]


def _allocations(ctx: DashContext, lang: str, now: float) -> list:
    year = local_date(now, ctx.tz).year
    names = {r["participant_id"]: r["name"] for r in shares_adapter.register_rows(ctx)}
    out: list = []
    for y in (year - 1, year):
        for alloc in shares_adapter.allocations(ctx, y, now):
            out += _allocation(alloc, y, names, lang)
    return out or [html.P(t("admin.no_allocations", lang))]


def _sce_year_text(y: SceYear, lang: str) -> str:
    if y.correctiebedrag is None or y.subsidy is None:
        return t("admin.sce_year_missing", lang, year=y.year)
    key = "admin.sce_year_floored" if y.floored else "admin.sce_year"
    state = t("admin.sce_final" if y.final else "admin.sce_provisional", lang)
    return t(
        key,
        lang,
        year=y.year,
        correction=fmt.number(float(y.correctiebedrag), lang, 4),
        subsidy=fmt.number(float(y.subsidy), lang, 4),
        state=state,
        source=y.source or fmt.DASH,
    )


def _sce(ctx: DashContext, lang: str, now: float) -> list:
    """The SCE figures per year with their sources, so the board can check them."""
    out: list = []
    for inst, years in shares_adapter.sce_figures(ctx, now):
        sce = inst.sce
        assert sce is not None and sce.basisbedrag is not None
        out.append(html.H3(t("admin.sce_heading", lang, title=inst.title)))
        base = t(
            "admin.sce_base",
            lang,
            basisbedrag=fmt.number(float(sce.basisbedrag), lang, 4),
            floor=fmt.number(float(sce.basisenergieprijs or 0), lang, 4),
            source=sce.source or fmt.DASH,
        )
        out.append(html.P(base))
        out.append(html.Ul([html.Li(_sce_year_text(y, lang)) for y in years], id=f"sce-{inst.name}"))
    return out


def _pcr_year_text(y: PcrYear, lang: str) -> str:
    if y.reduction is None:
        return t("admin.pcr_year_missing", lang, year=y.year)
    return t(
        "admin.pcr_year" if y.verified else "admin.pcr_year_unverified",
        lang,
        year=y.year,
        reduction=fmt.number(float(y.reduction), lang, 5),
        btw=" / ".join(f"{fmt.number(float(p), lang)} %" for p in y.btw),
        source=y.source or fmt.DASH,
    )


def _pcr(ctx: DashContext, lang: str, now: float) -> list:
    """The energy-tax reduction per year with its source, so the board can check it."""
    out: list = []
    for inst, years in shares_adapter.pcr_figures(ctx, now):
        out.append(html.H3(t("admin.pcr_heading", lang, title=inst.title)))
        out.append(html.Ul([html.Li(_pcr_year_text(y, lang)) for y in years], id=f"pcr-{inst.name}"))
    return out


def _payments(ctx: DashContext, lang: str) -> list:
    rows = shares_adapter.payment_rows(ctx)
    if not rows:
        return [html.P(t("admin.no_payments", lang))]
    cols = ("date", "participant", "amount", "kind")
    return [
        dbc.Table(
            [
                html.Thead(html.Tr([html.Th(t(f"admin.pay_{c}", lang)) for c in cols])),
                html.Tbody([html.Tr([html.Td(r[c]) for c in cols]) for r in rows]),
            ],
            striped=True,
            size="sm",
            id="payments-table",
            responsive=True,
        )
    ]


def _part(build: Callable[[], list], lang: str) -> list:
    """One section of the page; when it fails, a message in its place instead of an HTTP 500."""
    try:
        return build()
    except Exception as exc:
        log.exception("admin page part failed")
        return [dbc.Alert(t("admin.part_failed", lang, error=type(exc).__name__), color="warning")]


def _admin(lang: str) -> list:
    ctx = current()
    now = time.time()
    status = ctx.store.status()
    newest = status.get("newest")
    csrf = flask.session.get("csrf", "")
    return [
        html.H1(t("admin.heading", lang)),
        html.Form(
            [
                dash.dcc.Input(type="hidden", name="csrf", value=csrf, id="logout-csrf"),
                html.Button(t("admin.logout", lang), type="submit", className="btn btn-outline-dark"),
            ],
            method="POST",
            action="/beheer/logout",
            className="mb-3",
        ),
        html.H2(t("admin.devices", lang)),
        health_view.devices_table(ctx.config, lang, ctx.tz),
        html.H2(t("admin.alerts", lang)),
        *_part(lambda: alerts_view.section(ctx, lang), lang),
        html.H2(t("admin.store", lang)),
        health_view.store_list(status, fmt.moment(newest, ctx.tz, lang) if newest else fmt.DASH, lang),
        html.H2(t("admin.register", lang)),
        *_part(lambda: _register(ctx, lang), lang),
        html.H2(t("admin.payments", lang)),
        *_part(lambda: _payments(ctx, lang), lang),
        html.H2(t("admin.allocations", lang)),
        *_part(lambda: _allocations(ctx, lang, now), lang),
        *_part(lambda: _sce(ctx, lang, now), lang),
        *_part(lambda: _pcr(ctx, lang, now), lang),
        html.H2(t("admin.downloads", lang)),
        html.Ul(
            [
                html.Li(html.A(name, href=f"/beheer/download/{name}"))
                for name in ("participants.csv", "holdings.csv", "store-status.json")
            ]
        ),
    ]


def layout(lang: str | None = None, error: str | None = None, **_: str) -> html.Div:
    lang = page_language(lang)
    return frame(lang, "/beheer", _admin(lang) if is_admin() else _login(lang, error))
