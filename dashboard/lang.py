"""Which language a request speaks: ``?lang=`` first, then the remembered cookie, then the config."""

from __future__ import annotations

import flask

from dashboard.i18n import pick_language

COOKIE = "bw_lang"


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
