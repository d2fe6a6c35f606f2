"""Decoding: golden cases (telegram files next to their readings), both parsers, and edge cases."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from buurtwatt.series import known_series
from buurtwatt_app import main as buurtwatt
from collector.health import DeviceHealth
from collector.p1.decoder import BadTelegram, Decoder
from collector.p1.framing import TelegramFramer, crc16
from collector.p1.stream import TelegramStream
from collector.pipeline import Gate
from sim.p1 import SimMeter, corrupt
from tests.p1.helpers import CASES, EXAMPLE, as_rows, edit, load_expected

CASE_DIRS = sorted(p for p in CASES.iterdir() if (p / "expected.jsonl").exists())
RECEIVED = 1_780_000_000.0


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI checks here read the English texts; tests/core/test_cli_language.py checks the Dutch."""
    monkeypatch.setenv("BUURTWATT_LANG", "en")


def _decode(data: bytes, parser: str = "fast", spec: str = "auto", received: float = RECEIVED):
    stream = TelegramStream(spec=spec, parser=parser, report_leading=True)
    outcomes = stream.feed(data, received) + stream.finish(received)
    return stream, outcomes


@pytest.mark.parametrize("parser", ["fast", "library"])
@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_golden_case(case: Path, parser: str) -> None:
    stream, outcomes = _decode((case / "telegrams.txt").read_bytes(), parser)
    got = as_rows([r for o in outcomes for r in o.readings])
    want = load_expected(case)
    for row, g in zip(want, got, strict=False):
        if row["time"] is None:  # a meter without clock: the receive time stands in
            row["time"] = RECEIVED
            assert g["time"] == RECEIVED
    assert got == want
    drops: dict[str, int] = {}
    for o in outcomes:
        for reason in ([o.reason] if o.bad else []) + [r for r, _ in o.partial_drops]:
            drops[reason] = drops.get(reason, 0) + 1
    if stream.garbage_bytes:
        drops["garbage_bytes"] = stream.garbage_bytes
    assert drops == json.loads((case / "drops.json").read_text())
    for row in got:
        known_series(row["series"])  # every name is in the vocabulary


def test_example_is_the_public_dsmr_502_telegram() -> None:
    text = EXAMPLE.read_bytes()
    assert text.endswith(b"!E47C\r\n") and b"0-1:24.2.1(101209112500W)(12785.123*m3)" in text


def test_counters_carry_the_meter_serial() -> None:
    _, outcomes = _decode(EXAMPLE.read_bytes())
    for r in outcomes[0].readings:
        counter = r.series.spec.is_counter
        assert (r.meter is not None) == counter
    gas = [r for r in outcomes[0].readings if r.device == "gas"]
    assert gas[0].meter == "2222ABCD123456789"


def test_net_energy_matches_power_integral() -> None:
    meter = SimMeter(version="5", start=1_780_000_000.0)
    stream = TelegramStream()
    rows = [
        {r.quantity: r.value for r in stream.feed(meter.telegram(), meter.now)[0].readings}
        for _ in range(600)
    ]

    def net(row: dict) -> float:
        return row["import_kwh"] - row["export_kwh"]

    net_kwh = net(rows[-1]) - net(rows[0])
    integral_kwh = sum(r["import_w"] - r["export_w"] for r in rows[1:]) / 3600  # kW for 1 s each
    assert net_kwh == pytest.approx(integral_kwh, abs=0.003)


@pytest.mark.parametrize(
    ("stamp", "utc"),
    [
        ("251026023000S", "2025-10-26T00:30:00Z"),
        ("251026023000W", "2025-10-26T01:30:00Z"),
        ("260701120000S", "2026-07-01T10:00:00Z"),
    ],
)
def test_meter_time_to_utc_uses_the_dst_flag(stamp: str, utc: str) -> None:
    from collector.p1.cli import iso

    telegram = edit(EXAMPLE.read_bytes(), "0-0:1.0.0(101209113020W)", f"0-0:1.0.0({stamp})")
    _, outcomes = _decode(telegram)
    assert iso(outcomes[0].time) == utc


def test_live_readings_carry_the_receive_time_files_do_not() -> None:
    live = TelegramStream(live=True)
    out = live.feed(EXAMPLE.read_bytes(), RECEIVED)[0]  # the example is from 2010: the gate judges that
    assert out.time == 1291890620.0
    assert {r.received for r in out.readings if r.device == "meter"} == {RECEIVED}
    # an M-Bus capture lags the meter clock by design: its receive time is shifted by that lag,
    # so the gate judges the meter's clock, not the lag (up to an hour on DSMR 4)
    offset = RECEIVED - out.time
    assert all(r.received == r.ts + offset for r in out.readings if r.device == "gas")
    _, outcomes = _decode(EXAMPLE.read_bytes())
    assert {r.received for r in outcomes[0].readings} == {None}


def test_meter_without_clock_is_timed_by_receive_time_and_carries_no_received() -> None:
    stream = TelegramStream(live=True)
    out = stream.feed((CASES / "v22_no_crc_no_clock" / "telegrams.txt").read_bytes(), RECEIVED)[0]
    assert out.time == RECEIVED and {r.received for r in out.readings if r.device == "meter"} == {None}
    gas = [r for r in out.readings if r.device == "gas"]  # its capture time is the only clock
    assert len(gas) == 1 and gas[0].received is None  # no meter clock to judge its lag against
    assert stream.stats["time_from_receive_no_clock"] == 3  # all three telegrams of the file


def test_a_clock_jump_ahead_does_not_block_later_telegrams() -> None:
    """Issue 15: one telegram 2 hours ahead used to block every later one until real time passed it."""
    meter = SimMeter(version="5", start=1_780_000_000.0)
    stream = TelegramStream(live=True, interval_s=1)
    first = meter.telegram()
    ahead = edit(meter.telegram(), meter_time_line(meter.now), meter_time_line(meter.now + 7200))
    later = [meter.telegram() for _ in range(5)]
    outcomes = [o for t in [first, ahead, *later] for o in stream.feed(t, RECEIVED)]
    assert [o.reason for o in outcomes] == [None] * 7
    assert all(o.readings for o in outcomes)


def meter_time_line(ts: float) -> str:
    from sim.p1 import meter_time

    return f"0-0:1.0.0({meter_time(ts)})"


def test_lower_case_dst_flag_is_read() -> None:
    telegram = edit(
        EXAMPLE.read_bytes(), "0-1:24.2.1(101209112500W)(12785.123*m3)", "0-1:24.2.1(150701190000s)(1.5*m3)"
    )
    for parser in ("fast", "library"):
        _, outcomes = _decode(telegram, parser)
        gas = [r for r in outcomes[0].readings if r.device == "gas"]
        assert [(g.ts, g.value) for g in gas] == [(1435770000.0, 1.5)]


def test_unreadable_gas_time_is_counted_and_decode_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    telegram = edit(
        EXAMPLE.read_bytes(), "0-1:24.2.1(101209112500W)(12785.123*m3)", "0-1:24.2.1(15070119000)(1.5*m3)"
    )
    _, outcomes = _decode(telegram)
    assert outcomes[0].readings and not [r for r in outcomes[0].readings if r.device == "gas"]
    assert [r for r, _ in outcomes[0].partial_drops] == ["unreadable_value"]
    file = tmp_path / "gas.txt"
    file.write_bytes(telegram)
    assert buurtwatt(["p1", "decode", str(file)]) == 1
    err = capsys.readouterr().err
    assert "value cannot be read" in err and "M-Bus channel 1" in err


@pytest.mark.parametrize(
    "line", ["0-1:24.2.1(632525252525S)(00000.000)", "0-1:24.2.1(700101010000W)(00000000)", "0-1:24.2.1(0)"]
)
def test_broken_or_placeholder_gas_gives_no_gas(line: str) -> None:
    telegram = edit(EXAMPLE.read_bytes(), "0-1:24.2.1(101209112500W)(12785.123*m3)", line)
    for parser in ("fast", "library"):
        _, outcomes = _decode(telegram, parser)
        assert outcomes[0].readings and not [r for r in outcomes[0].readings if r.device == "gas"]


def test_heat_meter_is_not_gas() -> None:
    telegram = edit(EXAMPLE.read_bytes(), "0-1:24.1.0(003)", "0-1:24.1.0(004)")
    _, outcomes = _decode(telegram)
    assert not [r for r in outcomes[0].readings if r.device == "gas"]


def test_unknown_version_is_reported() -> None:
    telegram = edit(EXAMPLE.read_bytes(), "1-3:0.2.8(50)", "1-3:0.2.8(99)")
    _, outcomes = _decode(telegram)
    assert outcomes[0].reason == "unknown_spec" and not outcomes[0].readings


@pytest.mark.parametrize("parser", ["fast", "library"])
def test_bad_crc_never_gives_readings(parser: str) -> None:
    frame = TelegramFramer().feed(corrupt(EXAMPLE.read_bytes()))[0]
    with pytest.raises(BadTelegram) as info:
        Decoder(parser=parser).decode(frame)
    assert info.value.reason == "bad_crc"


def test_partial_telegram_at_connect_is_silent() -> None:
    data = EXAMPLE.read_bytes()
    stream = TelegramStream()
    outcomes = stream.feed(data[400:] + data, RECEIVED)
    assert [o.reason for o in outcomes] == [None]


def test_counter_backwards_without_crc_is_a_glitch_for_the_gate() -> None:
    """The stream passes every telegram on; the collector's gate alone judges counters."""
    meter = SimMeter(version="2.2")
    first, second = meter.telegram(), meter.telegram()
    lower = second.replace(b"1-0:1.8.1(12345", b"1-0:1.8.1(12245")
    stream = TelegramStream()
    results = stream.feed(first + lower + second, RECEIVED)
    assert [o.reason for o in results] == [None, None, None]
    # the readings of all three telegrams would carry one time without a meter clock: space them
    gate, health = Gate(), DeviceHealth(name="meter")
    passed = [
        r
        for i, o in enumerate(results)
        for r in gate.admit([replace(r, ts=r.ts + i) for r in o.readings], health)
        if r.quantity == "import_t1_kwh"
    ]
    # the tariff-1 register and the total it is part of
    assert len(passed) == 2 and health.drops == {"counter_glitch": 2}


def test_changed_serial_without_crc_needs_confirmation() -> None:
    meter = SimMeter(version="2.2")
    stream = TelegramStream()
    assert stream.feed(meter.telegram(), RECEIVED)[0].readings
    meter.replace_meter("BWSIM00000000002")
    reasons = [stream.feed(meter.telegram(), RECEIVED + i)[0].reason for i in range(1, 5)]
    assert reasons == ["serial_unconfirmed", "serial_unconfirmed", None, None]


def test_meter_replacement_with_crc_is_immediate() -> None:
    meter = SimMeter(version="5")
    stream = TelegramStream()
    stream.feed(meter.telegram(), RECEIVED)
    meter.replace_meter("BWSIM00000000002", "BWGAS00000000002")
    out = stream.feed(meter.telegram(), RECEIVED)[0]
    assert out.reason is None
    imp = [r for r in out.readings if r.quantity == "import_kwh"][0]
    assert imp.meter == "BWSIM00000000002" and imp.value < 1


def test_interval_thins_electricity_but_keeps_gas() -> None:
    meter = SimMeter(version="5", start=1_780_000_490.0)
    stream = TelegramStream(interval_s=10)
    outcomes = [o for _ in range(30) for o in stream.feed(meter.telegram(), RECEIVED)]
    power = [r for o in outcomes for r in o.readings if r.quantity == "import_w"]
    gas = [r for o in outcomes for r in o.readings if r.quantity == "gas_m3"]
    assert len(power) == 3 and len(gas) == 2


def test_cli_decode_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert buurtwatt(["p1", "decode", str(EXAMPLE), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    row = {"time": "2010-12-09T10:30:20Z", "series": "meter:import_kwh", "value": 246913.578, "unit": "kWh"}
    assert row in lines
    assert {"time": "2010-12-09T10:30:20Z", "series": "meter:import_w", "value": 1.193, "unit": "kW"} in lines
    assert {"time": "2010-12-09T10:25:00Z", "series": "gas:gas_m3", "value": 12785.123, "unit": "m3"} in lines


def test_cli_decode_reports_bad_telegrams_and_keeps_good_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = EXAMPLE.read_bytes()
    later = edit(good, "0-0:1.0.0(101209113020W)", "0-0:1.0.0(101209113030W)")
    unknown = edit(good, "1-3:0.2.8(50)", "1-3:0.2.8(99)")
    file = tmp_path / "mixed.txt"
    file.write_bytes(good + corrupt(later) + later[:300] + later + unknown)
    assert buurtwatt(["p1", "decode", str(file)]) == 1
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert len(err) == 4 and "3 problems in 5 telegrams" in err[3]
    assert f"telegram 2 at byte {len(good)}" in err[0] and "bad CRC: expected" in err[0] and "found" in err[0]
    assert "telegram 3" in err[1] and "truncated" in err[1]
    assert "unknown spec" in err[2] and "(99)" in err[2]
    assert captured.out.count("meter:import_kwh") == 2


def test_cli_decode_with_explicit_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        buurtwatt(["p1", "decode", str(CASES / "v22_no_crc_no_clock" / "telegrams.txt"), "--spec", "v2_2"])
        == 0
    )
    assert "meter:import_kwh" in capsys.readouterr().out


@pytest.mark.parametrize("crc_digits", [4, 3])
def test_file_that_ends_right_after_the_crc_is_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], crc_digits: int
) -> None:
    telegram = (CASES / "v5_three_phase_gas" / "telegrams.txt").read_bytes().split(b"/")[1]
    body = b"/" + telegram[: telegram.index(b"!") + 1]
    crc = crc16(body)
    if crc_digits == 3:  # unpadded CRCs exist (dsmr_parser accepts them): find a power with a short CRC
        for watts in range(1000):
            candidate = re.sub(rb"1-0:1\.7\.0\([0-9.]+", b"1-0:1.7.0(%06.3f" % (watts / 1000), body)
            if crc16(candidate) < 0x1000:
                body, crc = candidate, crc16(candidate)
                break
        assert crc < 0x1000
    file = tmp_path / "no_line_end.txt"
    file.write_bytes(body + (b"%04X" % crc if crc_digits == 4 else b"%X" % crc))
    assert buurtwatt(["p1", "decode", str(file)]) == 0, capsys.readouterr().err
    assert "meter:import_kwh" in capsys.readouterr().out


def test_spec_choices_come_from_one_registry() -> None:
    import argparse
    import typing

    from collector.p1 import cli
    from collector.p1.config import P1Config
    from collector.p1.specs import SPECS

    config_choices = typing.get_args(P1Config.model_fields["spec"].annotation)
    assert config_choices == ("auto", *SPECS)
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    decode = parser.parse_args(["p1", "decode", "x", "--spec", "q3d"])
    assert decode.spec == "q3d"
    for name, spec in SPECS.items():
        assert name in P1Config.model_fields["spec"].description and spec.meters
