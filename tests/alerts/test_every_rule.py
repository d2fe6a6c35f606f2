"""Every alert rule fires once and recovers once, delivered by a real SMTP server (STARTTLS and a
login) and a real HTTP server. The observations are scripted: what each rule reads from the
store and the collector is tested in test_book_and_rules.py and test_end_to_end.py; here the
path from a problem to the two channels is the real one."""

from __future__ import annotations

from pathlib import Path

import pytest

from buurtwatt.alerts.rules import Observation
from buurtwatt.alerts.runner import AlertRunner
from buurtwatt.config import parse_config
from tests.alerts.test_end_to_end import Inbox, PushServer
from tests.services import wait_until

pytest.importorskip("aiosmtpd.controller")

NOW = 1_790_000_000.0
HEALTHY = {
    "devices": [{"name": "meter", "state": "ok", "since": 0, "last_reading": NOW, "drops": {}}],
    "store": {},
}


def sick(rule: str, now: float) -> Observation:
    """An observation in which exactly ``rule`` is broken."""
    obs = Observation(now=now, health=HEALTHY, newest_data=now, disk_free_pct=50.0, refused_per_minute=0.0)
    if rule == "collector_down":
        obs.health, obs.collector_down_since = None, now - 600
    elif rule == "device_silent":
        obs.health = {"devices": [{**HEALTHY["devices"][0], "last_reading": now - 3600}], "store": {}}
    elif rule == "device_error":
        device = {**HEALTHY["devices"][0], "state": "error", "since": now - 3600, "message": "wrong port"}
        obs.health = {"devices": [device], "store": {}}
    elif rule == "stale":
        obs.newest_data = now - 3600
    elif rule == "disk_low":
        obs.disk_free_pct = 3.0
    elif rule == "outbox_backlog":
        obs.health = {**HEALTHY, "store": {"outbox": {"depth": 10**6}}}
    elif rule == "refused_rate":
        obs.refused_per_minute = 500.0
    elif rule == "co2_high":
        obs.co2_high = {"naaiatelier": 1450.0}
    return obs


RULES = [
    "collector_down",
    "device_silent",
    "device_error",
    "stale",
    "disk_low",
    "outbox_backlog",
    "refused_rate",
    "co2_high",
]


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_fires_once_and_recovers_once(rule: str, tmp_path: Path, monkeypatch) -> None:
    inbox, push = Inbox(tmp_path), PushServer()
    monkeypatch.setenv("BW_SMTP_PASSWORD", "geheim")
    config = parse_config(
        f"""
[site]
name = "T"
id = "t"
[store]
type = "sqlite"
path = "s.sqlite"
[alerts]
enabled = true
quiet_minutes = 60
[[alerts.email]]
host = "127.0.0.1"
port = {inbox.port}
sender = "buurtwatt@werkplaats.test"
to = ["vrijwilliger@werkplaats.test"]
username = "vrijwilliger"
password = {{ env = "BW_SMTP_PASSWORD" }}
ca_file = "{inbox.ca}"
[[alerts.push]]
url = "{push.url}"
""",
        tmp_path / "site.toml",
        tmp_path,
    )
    clock = {"now": NOW}
    script = {"rule": rule}
    runner = AlertRunner(config, store=None, clock=lambda: clock["now"])
    monkeypatch.setattr(runner, "observe", lambda: sick(script["rule"], clock["now"]))
    try:
        for step in range(3):  # broken for three checks: one message
            clock["now"] = NOW + 30 * step
            runner.check()
        script["rule"] = "none"
        for step in range(3, 6):  # fine again for three checks: one message
            clock["now"] = NOW + 30 * step
            runner.check()
        wait_until(
            lambda: len(push.pushes) >= 2 and len(inbox.messages) >= 2, timeout=20, what="both messages"
        )
    finally:
        inbox.stop()
        push.stop()
    titles = push.titles()
    assert len(titles) == 2 and titles[0].startswith("Probleem: ") and titles[1].startswith("Opgelost: "), (
        titles
    )
    assert sorted(inbox.subjects()) == sorted(titles)
    assert runner.failed_sends == 0
