"""Plotly figure basics: the Okabe-Ito palette, large type, patterns beside colours."""

from __future__ import annotations

from typing import Any

# Okabe-Ito: safe for colour-blind readers; every series also has a label or a pattern
PALETTE = {
    "solar": "#E69F00",  # orange
    "import": "#0072B2",  # blue
    "export": "#009E73",  # bluish green
    "use": "#CC79A7",  # reddish purple
    "gas": "#D55E00",  # vermillion
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "grey": "#999999",
}
PATTERN = {"export": "/", "import": "", "solar": "", "use": "x", "gas": "."}
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
CONFIG = {"displayModeBar": False, "responsive": True}
STATIC = {**CONFIG, "staticPlot": True}  # the wall screen: nothing to click by accident


def layout(
    font_px: int = 16,
    height: int | None = None,
    title: str | None = None,
    ytitle: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A figure layout; titles are given as text and sent as ``{"text": ...}`` (plotly.js 3)."""
    base: dict[str, Any] = {
        "font": {"size": font_px, "family": FONT, "color": "#1b1e24"},
        "margin": {"l": 70, "r": 30, "t": 40 if title else 20, "b": 50},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "legend": {"orientation": "h", "y": -0.2},
        "hovermode": "x unified",
        "xaxis": {"gridcolor": "#e3e3e3", "automargin": True},
        "yaxis": {
            "gridcolor": "#e3e3e3",
            "zerolinecolor": "#777",
            "automargin": True,
            **({"title": {"text": ytitle}} if ytitle else {}),
        },
    }
    if title:
        base["title"] = {"text": title}
    if height:
        base["height"] = height
    base.update(extra)
    return base


# Figures as plain dicts: dcc.Graph takes them as they are, and they skip plotly's
# validation (about 100 ms for the first figure of a process, a few ms after that).


def figure(data: list[dict[str, Any]], figure_layout: dict[str, Any]) -> dict[str, Any]:
    return {"data": data, "layout": figure_layout}


def bar_trace(x: list[Any], y: list[float | None], name: str, key: str, **extra: Any) -> dict[str, Any]:
    marker = {"color": PALETTE[key], "pattern": {"shape": PATTERN.get(key, "")}}
    return {"type": "bar", "x": x, "y": y, "name": name, "marker": marker, **extra}
