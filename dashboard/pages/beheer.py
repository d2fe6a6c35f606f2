"""``/beheer``: admin. Without a login only the login form; participant data needs the session."""

from __future__ import annotations

import time

import dash
import dash_bootstrap_components as dbc
import flask
import requests
from dash import html

from buurtwatt.timeutil import local_date
from dashboard import fmt, shares_adapter
from dashboard.auth import is_admin
from dashboard.components import frame
from dashboard.context import current
from dashboard.i18n import t
from dashboard.lang import page_language, request_language


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


def _health(url: str | None, lang: str) -> html.Div:
    if not url:
        return html.P(t("admin.no_health_url", lang))
    try:
        body = requests.get(url, timeout=1.5).json()
    except (requests.RequestException, ValueError) as exc:
        return dbc.Alert(t("admin.health_down", lang, error=type(exc).__name__), color="warning")
    devices = body.get("devices", body) if isinstance(body, dict) else {}
    rows = [
        html.Tr(
            [
                html.Td(name),
                html.Td(str(d.get("state", "?") if isinstance(d, dict) else d)),
                html.Td(str(d.get("message", "") if isinstance(d, dict) else "")),
            ]
        )
        for name, d in (devices.items() if isinstance(devices, dict) else [])
    ]
    return dbc.Table(
        [
            html.Thead(
                html.Tr(
                    [
                        html.Th(t("admin.device", lang)),
                        html.Th(t("admin.state", lang)),
                        html.Th(t("admin.message", lang)),
                    ]
                )
            ),
            html.Tbody(rows),
        ],
        striped=True,
        size="sm",
    )


def _register(ctx, lang: str) -> list:
    problem = shares_adapter.register_problem(ctx)
    if problem:
        return [
            dbc.Alert(
                [html.Strong(t("admin.register_refused", lang)), html.Pre(problem)],
                color="danger",
                id="register-problem",
            )
        ]
    rows = shares_adapter.register_rows(ctx)
    if not rows:
        return [html.P(t("admin.no_register", lang))]
    cols = ("participant_id", "name", "postcode", "shares")
    return [
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
    ]


def _allocations(ctx, lang: str, now: float) -> list:
    year = local_date(now, ctx.tz).year
    out: list = []
    names = {r["participant_id"]: r["name"] for r in shares_adapter.register_rows(ctx)}
    for y in (year - 1, year):
        for alloc in shares_adapter.allocations(ctx, y, now):
            s = alloc.settled
            out += [
                html.H3(
                    t(
                        "admin.allocation_heading",
                        lang,
                        title=alloc.title,
                        year=y,
                        first=fmt.day_of(s.start, lang),
                        last=fmt.day_of(s.end, lang),
                    )
                ),
                html.P(
                    t(
                        "admin.allocation_totals",
                        lang,
                        total=fmt.number(float(s.total_kwh), lang, 3),
                        unallocated=fmt.number(float(s.unallocated_kwh), lang, 3),
                        estimated=s.estimated_days,
                    )
                ),
                html.Details(
                    [
                        html.Summary(t("admin.allocation_rows", lang, n=len(s.rows))),
                        dbc.Table(
                            [
                                html.Thead(
                                    html.Tr(
                                        [
                                            html.Th(t("admin.col_participant_id", lang)),
                                            html.Th(t("admin.col_name", lang)),
                                            html.Th("kWh"),
                                            html.Th("€"),
                                        ]
                                    )
                                ),
                                html.Tbody(
                                    [
                                        html.Tr(
                                            [
                                                html.Td(r.participant_id),
                                                html.Td(names.get(r.participant_id, "")),
                                                html.Td(fmt.number(float(r.kwh), lang, 3)),
                                                html.Td(fmt.money(float(r.eur), lang)),
                                            ]
                                        )
                                        for r in s.rows
                                    ]
                                ),
                            ],
                            striped=True,
                            size="sm",
                            responsive=True,
                        ),
                    ]
                ),
            ]
    return out or [html.P(t("admin.no_allocations", lang))]


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
        _health(ctx.config.dashboard.collector_health_url, lang),
        html.H2(t("admin.store", lang)),
        html.Ul(
            [html.Li(f"{k}: {v}") for k, v in status.items() if k != "newest"]
            + [
                html.Li(
                    t("admin.newest", lang, time=fmt.moment(newest, ctx.tz, lang) if newest else fmt.DASH)
                )
            ],
            id="store-status",
        ),
        html.H2(t("admin.register", lang)),
        *_register(ctx, lang),
        html.H2(t("admin.allocations", lang)),
        *_allocations(ctx, lang, now),
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
