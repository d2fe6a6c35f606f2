"""Any unknown address, and any unknown participant link: the same friendly page."""

from __future__ import annotations

import dash
from dash import html

from dashboard.components import not_found
from dashboard.i18n import t
from dashboard.lang import page_language, request_language


def title(**_: str) -> str:
    return t("title.404", request_language())


dash.register_page(__name__, path="/404", title=title)


def layout(lang: str | None = None, **_: str) -> html.Div:
    return not_found(page_language(lang))
