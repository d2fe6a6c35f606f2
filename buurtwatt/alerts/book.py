"""Which alert messages to send: one when a problem starts, one when it is over, none repeated
within the quiet period (a flapping cable must not flood the volunteer's phone)."""

from __future__ import annotations

import json
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from buurtwatt.alerts.rules import Problem


@dataclass
class Alert:
    key: str
    kind: str
    values: dict[str, Any]
    started: float
    announced: bool = False  # its start message went out
    ended: float | None = None


@dataclass(frozen=True)
class Message:
    event: str  # "start" or "end"
    alert: Alert


@dataclass
class AlertBook:
    quiet_s: float
    history: int = 50
    active: dict[str, Alert] = field(default_factory=dict)
    last_start_sent: dict[str, float] = field(default_factory=dict)
    recent: deque[Alert] = field(default_factory=deque)

    def update(self, found: list[Problem], now: float) -> list[Message]:
        """Take the problems open at ``now``; return the messages to send."""
        out: list[Message] = []
        keys = {p.key for p in found}
        for p in found:
            alert = self.active.get(p.key)
            if alert is None:
                alert = self.active[p.key] = Alert(p.key, p.kind, dict(p.values), now)
            else:
                alert.kind, alert.values = p.kind, dict(p.values)
            last = self.last_start_sent.get(p.key)
            if not alert.announced and (last is None or now - last >= self.quiet_s):
                alert.announced = True
                self.last_start_sent[p.key] = now
                out.append(Message("start", alert))
        for key in [k for k in self.active if k not in keys]:
            alert = self.active.pop(key)
            alert.ended = now
            self._remember(alert)
            if alert.announced:  # over within the quiet period and never announced: say nothing
                out.append(Message("end", alert))
        return out

    def _remember(self, alert: Alert) -> None:
        self.recent.appendleft(alert)
        while len(self.recent) > self.history:
            self.recent.pop()

    # --- across restarts of the dashboard ------------------------------------------------------
    def save(self, path: Path) -> None:
        data = {
            "active": [asdict(a) for a in self.active.values()],
            "last_start_sent": self.last_start_sent,
            "recent": [asdict(a) for a in self.recent],
        }
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, quiet_s: float, history: int = 50) -> AlertBook:
        book = cls(quiet_s, history)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return book  # no file yet, or a damaged one: start empty rather than not alert
        book.active = {a["key"]: Alert(**a) for a in data.get("active", [])}
        book.last_start_sent = {k: float(v) for k, v in data.get("last_start_sent", {}).items()}
        book.recent = deque((Alert(**a) for a in data.get("recent", [])), maxlen=None)
        return book
