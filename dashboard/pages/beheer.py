"""``/beheer``: admin. Without a login only the login form; participant data needs the session."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import flask
import requests
from dash import html

from dashboard import fmt, shares_adapter
from dashboard.auth import is_admin
from dashboard.components import frame
from dashboard.context import current
from dashboard.i18n import t
from dashboard.lang import page_language, request_language


def title(**_: str) -> str:
    return t("title.admin", request_language())


dash.register_page(__name__, path="/beheer", title=title, order=7)


def _login(lang: str, error: str | None) -> list:
    message = t(f"admin.error_{error}", lang) if error in ("wrong", "blocked", "noadmin") else None
    return [
        html.H1(t("admin.heading", lang)),
        dbc.Alert(message, color="danger", id="login-error") if message else None,
        html.Form([
            dash.dcc.Input(type="hidden", name="lang", value=lang, id="login-lang"),
            html.Label(t("admin.password", lang), htmlFor="password", className="form-label"),
            html.Div(dash.dcc.Input(id="password", name="password", type="password", className="form-control",
                                    autoComplete="current-password"), className="mb-3"),
            html.Button(t("admin.login", lang), type="submit", className="btn btn-primary btn-lg",
                        id="login-btn"),
        ], method="POST", action="/beheer/login", className="login-form", id="login-form"),
    ]


def _health(url: str | None, lang: str) -> html.Div:
    if not url:
        return html.P(t("admin.no_health_url", lang))
    try:
        body = requests.get(url, timeout=1.5).json()
    except (requests.RequestException, ValueError) as exc:
        return dbc.Alert(t("admin.health_down", lang, error=type(exc).__name__), color="warning")
    devices = body.get("devices", body) if isinstance(body, dict) else {}
    rows = [html.Tr([html.Td(name), html.Td(str(d.get("state", "?") if isinstance(d, dict) else d)),
                     html.Td(str(d.get("message", "") if isinstance(d, dict) else ""))])
            for name, d in (devices.items() if isinstance(devices, dict) else [])]
    return dbc.Table([html.Thead(html.Tr([html.Th(t("admin.device", lang)), html.Th(t("admin.state", lang)),
                                          html.Th(t("admin.message", lang))])), html.Tbody(rows)],
                     striped=True, size="sm")


def _admin(lang: str) -> list:
    ctx = current()
    status = ctx.store.status()
    newest = status.get("newest")
    register = shares_adapter.register_rows(ctx)
    reg_table = dbc.Table([
        html.Thead(html.Tr([html.Th(t(f"admin.col_{c}", lang)) for c in ("participant_id", "name",
                                                                         "postcode")])),
        html.Tbody([html.Tr([html.Td(r["participant_id"]), html.Td(r["name"]), html.Td(r["postcode"])])
                    for r in register]),
    ], striped=True, size="sm", id="register-table") if register else html.P(t("admin.no_register", lang))
    csrf = flask.session.get("csrf", "")
    return [
        html.H1(t("admin.heading", lang)),
        html.Form([dash.dcc.Input(type="hidden", name="csrf", value=csrf, id="logout-csrf"),
                   html.Button(t("admin.logout", lang), type="submit", className="btn btn-outline-dark")],
                  method="POST", action="/beheer/logout", className="mb-3"),
        html.H2(t("admin.devices", lang)),
        _health(ctx.config.dashboard.collector_health_url, lang),
        html.H2(t("admin.store", lang)),
        html.Ul([html.Li(f"{k}: {v}") for k, v in status.items() if k != "newest"] +
                [html.Li(t("admin.newest", lang, time=fmt.moment(newest, ctx.tz,
                                                                 lang) if newest else fmt.DASH))],
                id="store-status"),
        html.H2(t("admin.register", lang)),
        reg_table,
        html.H2(t("admin.downloads", lang)),
        html.Ul([html.Li(html.A(name, href=f"/beheer/download/{name}"))
                 for name in ("participants.csv", "holdings.csv", "store-status.json")]),
    ]


def layout(lang: str | None = None, error: str | None = None, **_: str) -> html.Div:
    lang = page_language(lang)
    return frame(lang, "/beheer", _admin(lang) if is_admin() else _login(lang, error))
