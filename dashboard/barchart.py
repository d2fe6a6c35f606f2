"""A bar chart in plain HTML and CSS, for pages that must stay light (a participant's phone).

Plotly costs about 1.5 MB on the wire; a dozen month bars need none of it. Each bar is a list
item with its label and its value written out, so a screen reader reads the numbers, and the
bars scale by CSS height. The chart keeps ``data-values`` for tests.
"""

from __future__ import annotations

import json

from dash import html


def bar_chart(
    labels: list[str],
    values: list[float],
    texts: list[str],
    caption: str,
    chart_id: str,
    tone: str = "solar",
) -> html.Figure:
    """Bars from zero up to ``values``; ``texts`` are the formatted values shown above the bars."""
    top = max((v for v in values if v > 0), default=0.0)
    bars = [
        html.Li(
            [
                html.Span(text, className="bar-value"),
                html.Span(
                    className="bar",
                    style={"height": f"{(100 * value / top) if top else 0:.1f}%"},
                    **{"aria-hidden": "true"},
                ),
                html.Span(label, className="bar-label"),
            ],
            className="bar-item",
        )
        for label, value, text in zip(labels, values, texts, strict=True)
    ]
    return html.Figure(
        [
            html.Figcaption(caption, className="visually-hidden"),
            html.Ol(bars, className=f"bar-chart tone-{tone}"),
        ],
        id=chart_id,
        className="bar-figure",
        **{"data-values": json.dumps(values)},
    )
