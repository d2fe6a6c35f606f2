"""Turning stored buckets into rows, shared by every store so they answer alike."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from buurtwatt.store.base import Row
from buurtwatt.timeutil import month_start
from buurtwatt.vocabulary import Quantity, Rollup

# stored bucket columns: ts, n, sum, vmin, vmax, first, last, inc
Bucket = tuple[float, int, float | None, float | None, float | None, float | None, float | None, float | None]


def bucket_row(q: Quantity, b: Bucket) -> Row:
    ts, n, total, vmin, vmax, _first, last, inc = b
    if q.is_counter:
        return Row(ts, inc or 0.0, None, None, n, last)
    if q.rollup is Rollup.LAST:
        return Row(ts, last, vmin, vmax, n, last)
    return Row(ts, (total or 0.0) / n if n else None, vmin, vmax, n, last)


def months_from_days(q: Quantity, days: Iterable[Bucket], tz: str) -> list[Row]:
    """Merge day buckets into local calendar months."""
    merged: dict[float, list] = {}
    for ts, n, total, vmin, vmax, first, last, inc in days:
        key = month_start(ts, tz)
        m = merged.get(key)
        if m is None:
            merged[key] = [key, n, total, vmin, vmax, first, last, inc]
            continue
        m[1] += n
        m[2] = None if total is None or m[2] is None else m[2] + total
        m[3] = vmin if m[3] is None else (m[3] if vmin is None else min(m[3], vmin))
        m[4] = vmax if m[4] is None else (m[4] if vmax is None else max(m[4], vmax))
        m[6] = last
        m[7] = None if inc is None and m[7] is None else (m[7] or 0.0) + (inc or 0.0)
    return [bucket_row(q, tuple(m)) for m in merged.values()]  # type: ignore[arg-type]


def mark_gaps(points: Sequence[tuple[float, float]], heartbeat: float) -> list[Row]:
    """Raw points with a ``None`` row where no point came within a heartbeat.

    A steady value is re-stored at least every heartbeat, so a longer silence is a gap,
    not a steady value; the marker makes charts break the line there.
    """
    rows: list[Row] = []
    limit = heartbeat * 1.5
    previous: float | None = None
    for ts, value in points:
        if previous is not None and ts - previous > limit:
            rows.append(Row(previous + heartbeat, None, count=0))
        rows.append(Row(ts, value, value, value, 1, value))
        previous = ts
    return rows
