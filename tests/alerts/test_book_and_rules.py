"""The alert book and the rules, by hand: one message when a problem starts, one when it is over."""

from __future__ import annotations

from pathlib import Path

from buurtwatt.alerts.book import AlertBook
from buurtwatt.alerts.config import AlertsConfig
from buurtwatt.alerts.rules import Observation, Problem, problems

CABLE = Problem("device:meter", "device_silent", {"device": "meter", "since_ts": 0})


def test_start_once_end_once() -> None:
    book = AlertBook(quiet_s=3600)
    assert [m.event for m in book.update([CABLE], now=0)] == ["start"]
    assert book.update([CABLE], now=30) == []  # still open: nothing new
    assert [m.event for m in book.update([], now=60)] == ["end"]
    assert book.update([], now=90) == []
    assert [a.key for a in book.recent] == ["device:meter"]


def test_no_repeat_within_the_quiet_period() -> None:
    book = AlertBook(quiet_s=600)
    book.update([CABLE], now=0)
    book.update([], now=60)  # over: "end" sent
    # back after 2 minutes: within the quiet period, so no new start...
    assert book.update([CABLE], now=180) == []
    # ...and when it is over again, no end either: nobody was told it had started
    assert book.update([], now=240) == []
    # a cable that stays out past the quiet period is announced again
    assert book.update([CABLE], now=300) == []
    assert [m.event for m in book.update([CABLE], now=601)] == ["start"]


def test_book_survives_a_restart(tmp_path: Path) -> None:
    book = AlertBook(quiet_s=600)
    book.update([CABLE], now=0)
    book.save(tmp_path / "alerts.json")
    again = AlertBook.load(tmp_path / "alerts.json", quiet_s=600)
    assert again.update([CABLE], now=30) == []  # already announced before the restart
    assert [m.event for m in again.update([], now=60)] == ["end"]


def device(name: str, state: str, since: float, last: float | None, **extra) -> dict:
    return {
        "name": name,
        "state": state,
        "since": since,
        "last_reading": last,
        "drops": {},
        "children": [],
        **extra,
    }


def test_rules_by_hand() -> None:
    cfg = AlertsConfig(device_silent_minutes=15, collector_down_minutes=3, stale_minutes=10)
    now = 100_000.0
    health = {
        "devices": [
            device("meter", "ok", since=0, last=now - 16 * 60),  # silent 16 min > 15
            device("pv", "asleep", since=0, last=now - 8 * 3600),  # night: never an alert
            device("plugs", "offline", since=now - 20 * 60, last=now - 20 * 60, message="broker gone"),
            device("sensor", "ok", since=0, last=now - 60),
        ],
        "store": {"outbox": {"depth": 200_000}},
    }
    health["devices"].append(device("gas", "ok", since=0, last=now - 70 * 60))  # hourly M-Bus: fine
    obs = Observation(
        now=now,
        health=health,
        slow_devices={"gas": 130.0},
        newest_data=now - 11 * 60,
        disk_free_pct=4.0,
        refused_per_minute=31,
        co2_high={"werkplaats": 1350.0},
    )
    found = {p.key: p for p in problems(obs, cfg)}
    assert set(found) == {
        "device:meter",
        "device:plugs",
        "stale",
        "disk",
        "outbox",
        "refused",
        "co2:werkplaats",
    }
    assert (
        found["device:meter"].kind == "device_silent"
        and found["device:meter"].values["since_ts"] == now - 16 * 60
    )
    assert found["device:plugs"].kind == "device_error" and found["device:plugs"].values["state"] == "offline"
    # the collector: down for 2 minutes is not yet 3
    down = Observation(now=now, health=None, collector_down_since=now - 120)
    assert problems(down, cfg) == []
    down.collector_down_since = now - 180
    assert [p.kind for p in problems(down, cfg)] == ["collector_down"]


def test_co2_above_1200_for_15_minutes_from_the_store(tmp_path: Path) -> None:
    """Minute data in a real SQLite store: 16 minutes above 1200 ppm in one room, a dip in the other."""
    from buurtwatt.alerts.runner import AlertRunner
    from buurtwatt.config import parse_config
    from buurtwatt.readings import Reading
    from buurtwatt.store.sqlite import SqliteStore

    config = parse_config(
        '[site]\nname = "T"\nid = "t"\n[store]\ntype = "sqlite"\npath = "s.sqlite"\n'
        '[alerts]\nenabled = true\ncollector_health_url = "http://127.0.0.1:9/health"\n',
        tmp_path / "site.toml",
        tmp_path,
    )
    now = 1_790_000_040.0  # on a minute boundary: the window is exactly 15 one-minute buckets
    store = SqliteStore(config.store.path, site="t")
    readings = []
    for minute in range(16):
        ts = now - 16 * 60 + minute * 60 + 30
        readings.append(Reading("werkplaats", "co2_ppm", ts, 1300 + minute))
        readings.append(Reading("naaiatelier", "co2_ppm", ts, 900 if minute == 8 else 1400))
    store.write(readings)
    runner = AlertRunner(config, store, senders=[], clock=lambda: now)
    assert runner._co2_high(now) == {"werkplaats": 1301.0}  # the lowest minute of the window
    store.close()
