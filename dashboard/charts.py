"""Plotly figure basics: the Okabe-Ito palette, large type, patterns beside colours."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

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


def layout(font_px: int = 16, height: int | None = None, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "font": {"size": font_px, "family": FONT, "color": "#1b1e24"},
        "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "legend": {"orientation": "h", "y": -0.2},
        "hovermode": "x unified",
        "xaxis": {"gridcolor": "#e3e3e3"},
        "yaxis": {"gridcolor": "#e3e3e3", "zerolinecolor": "#777"},
    }
    if height:
        base["height"] = height
    base.update(extra)
    return base


def bar(x: list[Any], y: list[float], name: str, key: str, **extra: Any) -> go.Bar:
    marker = {"color": PALETTE[key], "pattern": {"shape": PATTERN.get(key, "")}}
    return go.Bar(x=x, y=y, name=name, marker=marker, **extra)
