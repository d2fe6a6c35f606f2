"""Which language a request speaks: ``?lang=`` first, then the remembered cookie, then the config."""

from __future__ import annotations

import flask

from dashboard.i18n import pick_language

COOKIE = "bw_lang"
SHELL_START = '<!DOCTYPE html>\n<html lang="nl">'  # the start of app.INDEX


def request_language(query_lang: str | None = None) -> str:
    from dashboard.context import current

    cookie = flask.request.cookies.get(COOKIE) if flask.has_request_context() else None
    return pick_language(query_lang, cookie, default=current().config.dashboard.language)


def remember(response: flask.Response) -> flask.Response:
    """After a page load with ``?lang=xx``, keep the choice for a year."""
    lang = flask.request.args.get("lang")
    if lang and pick_language(lang, default="") and flask.request.method == "GET":
        response.set_cookie(COOKIE, pick_language(lang), max_age=365 * 86400, samesite="Lax")
    return response


def html_lang(response: flask.Response) -> flask.Response:
    """The page shell says ``<html lang="nl">``; make it the language this request is shown in,
    so screen readers and the browser's own words (hyphenation, date inputs) follow the page.
    In-app navigation keeps it right with a small script (assets/20-lang.js)."""
    if (
        flask.request.method == "GET"
        and response.mimetype == "text/html"
        and not response.direct_passthrough
        and "Content-Encoding" not in response.headers
        and response.status_code in (200, 404)
    ):
        body = response.get_data(as_text=True)
        if body.startswith(SHELL_START):
            lang = request_language(flask.request.args.get("lang"))
            response.set_data(f'<!DOCTYPE html>\n<html lang="{lang}">' + body[len(SHELL_START) :])
    return response


def page_language(query_lang: str | None) -> str:
    """The language for a page layout; a ``?lang=`` reached by in-app navigation is remembered too."""
    lang = request_language(query_lang)
    if query_lang and pick_language(query_lang, default=""):
        import contextlib

        import dash

        # outside a callback (first render) there is no response yet; the GET hook covers that
        with contextlib.suppress(Exception):
            dash.callback_context.response.set_cookie(COOKIE, lang, max_age=365 * 86400, samesite="Lax")
    return lang
