"""Building blocks shared by pages: the page frame, big numbers, the power-flow picture."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.context import current
from dashboard.i18n import LANGUAGES, t

LIVE_MS = 2000  # live values refresh every 2 s


def live_id(key: str) -> dict[str, str]:
    return {"type": "live", "key": key}


def live_text(key: str, className: str = "", initial: str = "…") -> html.Span:
    return html.Span(initial, id=live_id(key), className=className)


def icon(name: str, size: int, alt: str = "") -> html.Img:
    return html.Img(src=f"/assets/icons/{name}.svg", width=size, height=size, alt=alt, className="bw-icon")


def language_switch(lang: str, path: str) -> html.Div:
    links = []
    for other in LANGUAGES:
        label = t(f"lang.{other}", other)
        if other == lang:
            links.append(html.Span(label, className="lang-current", **{"aria-current": "true"}))
        else:
            # a full page load, so the choice is remembered in a cookie
            links.append(
                html.A(
                    label, href=f"{path}?lang={other}", className="lang-link", lang=other, id=f"lang-{other}"
                )
            )
    return html.Div(links, className="lang-switch", **{"aria-label": t("lang.choose", lang)})


def nav_pages(other_sites: bool) -> list[tuple[str, str]]:
    """(path, label key) of the pages in the nav, from Dash's page registry in their ``order``.

    A page is in the nav when it registers ``nav="<label key>"``; pages without it (a
    participant's own page, the 404) are reachable but not listed. ``nav_needs_sites=True``
    lists a page only when the dashboard shows other sites too.
    """
    pages = [
        p
        for p in dash.page_registry.values()
        if p.get("nav") and (other_sites or not p.get("nav_needs_sites"))
    ]
    pages.sort(key=lambda p: (p.get("order") is None, p.get("order") or 0, p["path"]))
    return [(p["path"], p["nav"]) for p in pages]


def navbar(lang: str, path: str) -> dbc.Navbar:
    items = []
    for href, key in nav_pages(bool(current().site_stores)):
        active = href == path or (href != "/" and path.startswith(href))
        items.append(dbc.NavItem(dbc.NavLink(t(key, lang), href=href, active=active)))
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand([icon("sun", 28), " ", t("app.name", lang)], href="/"),
                dbc.Nav(items, className="bw-nav"),
                language_switch(lang, path),
            ],
            fluid=True,
            className="bw-navbar-inner",
        ),
        color="dark",
        dark=True,
        className="bw-navbar",
    )


def stale_banner() -> html.Div:
    # hidden until the clientside check finds the newest reading too old
    return html.Div("", id="stale-banner", className="stale-banner hidden", role="alert")


def live_machinery(lang: str) -> list[Any]:
    """The timers and stores a live page needs; one server round trip fills every live value."""
    return [
        dcc.Interval(id="live-tick", interval=LIVE_MS),
        dcc.Interval(id="clock-tick", interval=1000),
        dcc.Store(id="live-data"),
    ]


def frame(lang: str, path: str, children: list[Any], live: bool = False, wide: bool = False) -> html.Div:
    body: list[Any] = [dcc.Store(id="page-lang", data=lang), navbar(lang, path)]
    if live:
        body += [*live_machinery(lang), stale_banner()]
    body.append(dbc.Container(children, fluid=wide, className="bw-main", id="page-main"))
    return html.Div(body, id="page-root", lang=lang, className="bw-page")


def stat(label: str, value: Any, sub: str = "", key: str | None = None, tone: str = "") -> html.Div:
    """A big number with what it is above it and what it means below it."""
    number = live_text(key, "stat-value") if key else html.Span(value, className="stat-value")
    return html.Div(
        [
            html.Div(label, className="stat-label"),
            html.Div(number, className="stat-number"),
            html.Div(sub, className="stat-sub") if sub else None,
        ],
        className=f"stat {tone}",
    )


def explain(*sentences: str) -> html.P:
    return html.P(" ".join(sentences), className="explain")


def flow(lang: str, big: bool = False) -> html.Div:
    """Sun -> building <-> grid, with arrows as thick as the power and words beside them."""
    size = 150 if big else 72

    def node(key: str, icon_name: str, label_key: str) -> html.Div:
        return html.Div(
            [
                icon(icon_name, size, t(label_key, lang)),
                html.Div(t(label_key, lang), className="flow-label"),
                html.Div(live_text(f"{key}_w"), className="flow-value"),
                html.Div(live_text(f"{key}_verb", "flow-verb", ""), className="flow-verb-wrap"),
            ],
            className=f"flow-node flow-{key}",
        )

    def arrow(key: str) -> html.Div:
        return html.Div(
            [
                html.Div(
                    [html.Div(className="flow-bar"), html.Div(className="flow-head")],
                    id={"type": "arrow", "key": key},
                    className="flow-arrow dir-right",
                ),
            ],
            className="flow-link",
        )

    return html.Div(
        [
            node("solar", "sun", "flow.sun"),
            arrow("solar"),
            node("use", "building", "flow.building"),
            arrow("grid"),
            node("grid", "grid", "flow.grid"),
        ],
        className="flow" + (" flow-big" if big else ""),
        **{"aria-label": t("flow.aria", lang)},
    )


def not_found(lang: str) -> html.Div:
    """The friendly 404, also for participant links that lead nowhere (it reveals nothing)."""
    return frame(
        lang,
        "/404",
        [
            html.Div(
                [
                    html.H1(t("404.heading", lang)),
                    html.P(t("404.body", lang), className="lead"),
                    dcc.Link(t("404.home", lang), href="/", className="btn btn-primary btn-lg"),
                ],
                className="not-found",
                id="not-found",
            )
        ],
    )
