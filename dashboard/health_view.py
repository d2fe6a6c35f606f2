"""The health parts of ``/beheer``: the collector's devices and the store, in words.

The collector's ``/health`` sends ``devices`` as a list of snapshots (collector/health.py);
the store's ``status()`` is a dict of facts. Both are turned into labelled rows in the page's
language; keys the page does not know are left out rather than shown raw.
"""

from __future__ import annotations

import math
from typing import Any

import dash_bootstrap_components as dbc
import requests
from dash import html

from buurtwatt.config import SiteConfig
from buurtwatt.health_report import flat_devices, health_url
from dashboard import fmt
from dashboard.i18n import t

STATES = ("starting", "ok", "asleep", "offline", "error", "degraded")
STORE_FACTS = (
    "kind",
    "size_bytes",
    "wal_bytes",
    "series",
    "raw_replaced",
    "counter_backwards",
    "write_faults",
)


def _devices(body: Any) -> list[dict[str, Any]]:
    """The device snapshots, also from an older collector that sent a name -> state dict."""
    devices = body.get("devices", []) if isinstance(body, dict) else body
    if isinstance(devices, dict):
        return [{"name": k, **(v if isinstance(v, dict) else {"state": v})} for k, v in devices.items()]
    return [d for d in devices if isinstance(d, dict)] if isinstance(devices, list) else []


def state_text(state: Any, lang: str) -> str:
    return t(f"health.state_{state}", lang) if state in STATES else t("health.state_unknown", lang)


def _what_to_do(device: dict[str, Any], lang: str) -> list[Any]:
    """Advice per state in the page's language. The collector's own message is free English text
    (often an exception), so it is not translated: it stays behind a "technical detail" fold,
    with the device's name in the config, for whoever reads the collector's log."""
    state = device.get("state")
    out: list[Any] = [t(f"health.advice_{state}" if state in STATES else "health.advice_unknown", lang)]
    message = str(device.get("message") or "")
    name = str(device.get("name") or "")
    if message or name:
        facts = [html.Li(t("health.config_name", lang, name=name))] if name else []
        if message:
            facts.append(html.Li([t("health.collector_says", lang), " ", html.Code(message)]))
        out.append(
            html.Details(
                [html.Summary(t("health.technical", lang)), html.Ul(facts, className="mb-0")],
                className="health-detail",
            )
        )
    return out


def devices_table(config: SiteConfig, lang: str, tz: str) -> html.Div:
    url = health_url(config)
    if not url:
        return html.P(t("admin.no_health_url", lang), id="health-none")
    try:
        body = requests.get(url, timeout=1.5).json()
    except (requests.RequestException, ValueError):
        return dbc.Alert(t("admin.health_down", lang), color="warning", id="health-down")
    rows = [
        html.Tr(
            [
                html.Td(fmt.device_label(str(d["name"])) if d.get("name") else fmt.DASH),
                html.Td(state_text(d.get("state"), lang), className=f"health-{d.get('state')}"),
                html.Td(
                    fmt.moment(d["last_reading"], tz, lang)
                    if isinstance(d.get("last_reading"), int | float)
                    else fmt.DASH
                ),
                html.Td(fmt.number(d["readings"], lang) if isinstance(d.get("readings"), int) else fmt.DASH),
                html.Td(_what_to_do(d, lang)),
            ]
        )
        for d in flat_devices(_devices(body))
    ]
    if not rows:
        return html.P(t("health.no_devices", lang), id="health-table")
    head = ("admin.device", "admin.state", "health.last_reading", "health.readings", "health.what_to_do")
    return html.Div(
        dbc.Table(
            [html.Thead(html.Tr([html.Th(t(k, lang)) for k in head])), html.Tbody(rows)],
            striped=True,
            size="sm",
            responsive=True,
            id="health-table",
        )
    )


def _fact(key: str, value: Any, lang: str) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    if key.endswith("_bytes") and isinstance(value, int | float) and math.isfinite(value):
        return fmt.number(value / 1e6, lang, 1) + "\u00a0MB"
    if isinstance(value, bool):
        return t("health.yes" if value else "health.no", lang)
    if isinstance(value, int | float):
        return fmt.number(value, lang)
    if key == "kind":
        return t(f"health.kind_{value}", lang) if value in ("sqlite", "influx") else str(value)
    return str(value)


def store_list(status: dict[str, Any], newest: str, lang: str) -> html.Ul:
    """The store's facts with labels; ``ok`` becomes one sentence at the top."""
    ok = status.get("ok", True)
    items = [html.Li(t("health.store_ok" if ok else "health.store_not_ok", lang), id="store-ok")]
    for key in STORE_FACTS:
        text = _fact(key, status.get(key), lang)
        if text is not None:
            items.append(html.Li(f"{t(f'health.store_{key}', lang)}: {text}"))
    items.append(html.Li(t("admin.newest", lang, time=newest)))
    return html.Ul(items, id="store-status")
