"""The app factory: ``create_app(config, store=None)`` returns a Dash app (a WSGI callable).

One app per process: Dash Pages keeps its page registry per process.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

import dash
import flask
from dash import Dash, html

from buurtwatt.alerts.runner import AlertRunner
from buurtwatt.config import SiteConfig
from buurtwatt.store import open_store
from buurtwatt.store.base import Store
from buurtwatt.timeutil import local_date
from buurtwatt.whatif.simulate import Choices
from dashboard import (
    auth,
    balance_adapter,
    coach_auth,
    compression,
    costs_adapter,
    fmt,
    headers,
    live,
    participant,
    proxy,
    sessions,
    shares_adapter,
)
from dashboard.context import EXTENSION, DashContext
from dashboard.i18n import LANGUAGES
from dashboard.lang import html_lang, remember

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent

INDEX = """<!DOCTYPE html>
<html lang="nl">
<head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="theme-color" content="#1b1e24">
<meta name="referrer" content="no-referrer"></head>
<body>{%app_entry%}<footer>{%config%}{%scripts%}{%renderer%}</footer></body>
</html>"""


def site_store(config: SiteConfig, site_id: str) -> Store:
    """A read-only store scoped to another site in the same database (the /stad page)."""
    other = config.model_copy(update={"site": config.site.model_copy(update={"id": site_id})})
    return open_store(other, readonly=True)


def create_app(config: SiteConfig, store: Store | None = None, warm: bool = True) -> Dash:
    store = store or open_store(config, readonly=True)
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        suppress_callback_exceptions=True,  # page layouts are built per request, with data
        update_title=None,  # no "Updating..." flicker on the wall screen
        title="buurtwatt",
        serve_locally=True,  # the workshop may have no internet; nothing comes from a CDN
        health_endpoint="/health",
        compress=False,  # dashboard.compression does it, with a cache for the library files
    )
    app.index_string = INDEX
    server: flask.Flask = app.server
    sites = {sid: site_store(config, sid) for sid in config.dashboard.sites if sid != config.site.id}
    ctx = server.extensions[EXTENSION] = DashContext(config, store, site_stores=sites)
    if config.alerts.enabled:
        # here, not in the collector: a collector that died must still be noticed
        ctx.alerts = AlertRunner(config, store)
        ctx.alerts.start()
    secret = config.dashboard.secret_key.get() if config.dashboard.secret_key else None
    server.secret_key = auth.secret_key(secret)
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    server.after_request(remember)
    compression.enable(server)
    server.after_request(html_lang)  # registered after compression, so it runs before it
    lock_down(server, config)
    auth.register(server)
    coach_auth.register(server)
    live.register(app)
    # participant links never leave through a Referer header (see also the meta tag)
    participant.register(server)
    app.layout = html.Div([dash.page_container], id="app-root")
    log.info("dashboard for site %s with %d page(s)", config.site.id, len(dash.page_registry))
    if warm:
        warm_up(app)
    return app


def lock_down(server: flask.Flask, config: SiteConfig) -> None:
    """Issue 18: server-side sessions, client addresses only from trusted proxies, refused wrong
    participant links, security headers (after compression: see dashboard.headers)."""
    server.session_interface = sessions.ServerSessions(sessions.SessionBook(sessions.sessions_path(config)))
    server.wsgi_app = proxy.TrustedProxies(server.wsgi_app, config.dashboard.trusted_proxies)  # type: ignore[method-assign]
    server.before_request(shares_adapter.refuse_wrong_link)
    headers.install(server, config.dashboard.frame_ancestors)


def warm_up(app: Dash) -> None:
    """Do the slow first-time work before the first visitor: number formats, the CO2 overview,
    and compressing the JavaScript libraries (Plotly alone takes a few tenths of a second)."""
    started = time.perf_counter()
    ctx: DashContext = app.server.extensions[EXTENSION]
    try:
        for lang in LANGUAGES:
            fmt.energy(1.5, lang), fmt.money(1.5, lang), fmt.month_name(time.time(), ctx.tz, lang)
        now = time.time()
        balance_adapter.today(ctx, now)
        balance_adapter.co2_overview(ctx, now)
        shares_adapter.settle_today(ctx, now)
        # this year's costs (on `/`) and the coach's 12 months of hours read a year of data
        year = local_date(now, ctx.tz).year
        costs_adapter.year_costs(ctx, year, now)
        costs_adapter.whatif_year(ctx, Choices(), year, now)
        if compression.enabled(app.server):
            client = app.server.test_client()
            page = client.get("/", headers={"Accept-Encoding": "identity"}).get_data(as_text=True)
            for url in [*re.findall(r'src="(/_dash-component-suites/[^"]+)"', page), compression.PLOTLY]:
                client.get(url, headers={"Accept-Encoding": "gzip"})
    except Exception:  # a warm-up is an optimisation; the pages report real problems themselves
        log.exception("dashboard warm-up failed")
    log.info("dashboard warm-up took %.2f s", time.perf_counter() - started)
