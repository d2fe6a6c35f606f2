"""Transports for real: a pty as serial cable, a loopback TCP gateway, HomeWizard HTTP and HTTPS, replay."""

from __future__ import annotations

import http.server
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from pydantic import ValidationError

from collector.health import DeviceHealth, State
from collector.p1.config import P1Config
from collector.p1.source import P1Source
from collector.source import SourceContext
from sim.p1 import PtySimulator, SimMeter, TcpSimulator, corrupt, write_file
from tests.certs import self_signed
from tests.p1.helpers import CASES, Collected
from tests.services import wait_until as wait_for


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI checks here read the English texts; tests/core/test_cli_language.py checks the Dutch."""
    monkeypatch.setenv("BUURTWATT_LANG", "en")


@contextmanager
def running(config: P1Config) -> Iterator[tuple[Collected, DeviceHealth, P1Source]]:
    got = Collected()
    health = DeviceHealth(name=config.name, type="p1")
    ctx = SourceContext(emit=got.emit, health=health)
    source = P1Source(config, None)
    thread = threading.Thread(target=source.run, args=(ctx,), daemon=True)
    thread.start()
    try:
        yield got, health, source
    finally:
        ctx.stopping.set()
        thread.join(5)
        assert not thread.is_alive(), "the source did not stop"


def _p1(**fields: object) -> P1Config:
    return P1Config.model_validate({"type": "p1", **fields})


def test_serial_over_pty_survives_unplug(tmp_path: Path) -> None:
    link = tmp_path / "usb-P1_cable-if00"
    cable = PtySimulator(link)
    meter = SimMeter(version="5", start=time.time())
    try:
        with running(_p1(port=str(link))) as (got, health, _):
            wait_for(lambda: health.state is State.OK or _send(cable, meter), 10, "first telegram")
            wait_for(lambda: len(got.series("meter:import_kwh")) >= 2 or _send(cable, meter), 10, "telegrams")
            cable.unplug()
            wait_for(lambda: health.state is State.OFFLINE, 10, "the source to notice the unplug")
            before = len(got.series("meter:import_kwh"))
            cable.plug()
            wait_for(
                lambda: len(got.series("meter:import_kwh")) > before + 1 or _send(cable, meter),
                15,
                "telegrams after plugging back in",
            )
            assert health.reconnects >= 1 and health.dropped == 0
    finally:
        cable.close()


def _send(cable: PtySimulator, meter: SimMeter) -> bool:
    with suppress(AssertionError, OSError):  # unplugged: a meter keeps sending into nothing
        cable.send(meter.telegram())
    time.sleep(0.1)
    return False


def test_tcp_partial_good_bad_silence_comeback() -> None:
    server = TcpSimulator()
    meter = SimMeter(version="5", start=time.time())
    try:
        with running(_p1(host=server.host, tcp_port=server.port, silence_s=1.0)) as (got, health, _):
            server.wait_client()
            server.send(meter.telegram()[300:])  # joined mid-telegram: dropped without complaint
            good = meter.telegrams(3)
            server.send(b"".join(good))
            server.send(corrupt(meter.telegram()))
            wait_for(
                lambda: len(got.series("meter:import_kwh")) == 3 and health.drops.get("bad_crc") == 1,
                10,
                "3 readings and 1 CRC error",
            )
            assert health.drops == {"bad_crc": 1}
            # silence: the source must give up on the link and come back
            server.wait_client(timeout=10, count=2)
            server.send(meter.telegram())
            wait_for(lambda: len(got.series("meter:import_kwh")) == 4, 10, "a reading after the comeback")
            assert health.reconnects >= 1 and health.state is State.OK
            assert len(got.series("gas:gas_m3")) == 1  # one capture time, one gas reading
    finally:
        server.close()


class _HomeWizard(http.server.BaseHTTPRequestHandler):
    meter: SimMeter
    token: str | None = None
    path_ok = "/api/v1/telegram"

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        if self.path != self.path_ok:
            self.send_error(404)
            return
        if self.token and self.headers.get("Authorization") != f"Bearer {self.token}":
            self.send_error(401)
            return
        # HomeWizard returns the raw telegram; LF line ends here test the normalisation
        body = self.meter.telegram().replace(b"\r\n", b"\n")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def homewizard(tls: tuple[Path, Path] | None = None, token: str | None = None) -> Iterator[str]:
    handler = type(
        "Handler",
        (_HomeWizard,),
        {
            "meter": SimMeter(version="5", start=time.time()),
            "token": token,
            "path_ok": "/api/telegram" if tls else "/api/v1/telegram",
        },
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_homewizard_v1_http_polling() -> None:
    with homewizard() as host, running(_p1(homewizard=host, poll_s=0.1)) as (got, health, _):
        wait_for(lambda: len(got.series("meter:import_w")) >= 3, 10, "polled telegrams")
        assert health.dropped == 0 and health.state is State.OK


@pytest.mark.parametrize("verify", ["ca_file", False])
def test_homewizard_v2_https_with_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, verify: object
) -> None:
    cert, key = self_signed(tmp_path)
    monkeypatch.setenv("BW_TEST_HW_TOKEN", "0123456789ABCDEF0123456789ABCDEF")
    check = str(cert) if verify == "ca_file" else False
    with homewizard((cert, key), token="0123456789ABCDEF0123456789ABCDEF") as host:
        config = _p1(homewizard=host, api="v2", token={"env": "BW_TEST_HW_TOKEN"}, verify=check, poll_s=0.1)
        with running(config) as (got, health, _):
            wait_for(lambda: len(got.series("meter:import_w")) >= 2, 10, "telegrams over HTTPS")
            assert health.state is State.OK


def test_homewizard_v2_wrong_token_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = self_signed(tmp_path)
    monkeypatch.setenv("BW_TEST_HW_TOKEN", "wrong")
    with homewizard((cert, key), token="right") as host:
        config = _p1(homewizard=host, api="v2", token={"env": "BW_TEST_HW_TOKEN"}, verify=str(cert))
        with running(config) as (got, health, _):
            wait_for(lambda: health.state is State.ERROR, 10, "an ERROR state")
            assert "token" in health.message and not got.readings


def test_replay_file(tmp_path: Path) -> None:
    file = write_file(tmp_path / "log.txt", SimMeter(version="4.2", start=time.time()).telegrams(5))
    with running(_p1(replay=file, spec="v4")) as (got, health, _):
        wait_for(lambda: "replayed" in health.message, 10, "the end of the replay")
        assert len(got.series("meter:import_kwh")) == 5 and health.dropped == 0


def test_config_needs_exactly_one_transport() -> None:
    with pytest.raises(ValidationError, match="exactly one of"):
        _p1(port="/dev/ttyUSB0", host="10.0.0.2")
    with pytest.raises(ValidationError, match="token"):
        _p1(homewizard="10.0.0.3", api="v2")
    with pytest.raises(ValidationError, match="needs tcp_port"):
        _p1(host="10.0.0.2")  # no standard port for P1 over TCP: never guessed
    config = _p1(host="10.0.0.2", tcp_port=23)
    assert config.name == "meter" and config.gas_name == "gas" and config.interval_s == 0


def test_cli_listen_over_tcp(capsys: pytest.CaptureFixture[str]) -> None:
    from buurtwatt_app import main as buurtwatt

    server = TcpSimulator()
    meter = SimMeter(version="5", start=time.time())

    def feed() -> None:
        server.wait_client()
        for i in range(8):
            server.send(corrupt(meter.telegram()) if i == 2 else meter.telegram())
            time.sleep(0.1)

    sender = threading.Thread(target=feed, daemon=True)
    sender.start()
    try:
        assert buurtwatt(["p1", "listen", "--tcp", f"{server.host}:{server.port}", "--seconds", "2"]) == 0
    finally:
        sender.join(5)
        server.close()
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 7 and "import" in lines[0] and "gas" in lines[0] and "kWh" in lines[0]
    assert "CRC errors 1" in lines[-1] and "7 telegrams, 1 CRC errors" in err


def test_serial_settings_follow_spec_and_overrides() -> None:
    from collector.p1.source import serial_settings

    assert [str(s) for s in serial_settings(_p1(port="/dev/x"))] == ["115200 8N1", "115200 7E1", "9600 7E1"]
    assert [str(s) for s in serial_settings(_p1(port="/dev/x", spec="v4"))] == ["115200 7E1"]
    assert [str(s) for s in serial_settings(_p1(port="/dev/x", spec="v2_2", baud=115200))] == ["115200 7E1"]


# -- real meters' telegrams over the real transports ------------------------------------------


def _case(name: str) -> list[bytes]:
    """The telegrams of a case folder, one by one (each ends with its CRC line)."""
    data = (CASES / name / "telegrams.txt").read_bytes()
    return [b"/" + part for part in data.split(b"/")[1:]]


def test_belgian_meter_over_pty_gives_demand_peak_gas_and_water(tmp_path: Path) -> None:
    link = tmp_path / "usb-P1_cable-if00"
    cable = PtySimulator(link)
    telegrams = _case("belgian_fluvius_water")
    try:
        with running(_p1(port=str(link), spec="belgian")) as (got, health, _):
            cable.send(telegrams[0])
            wait_for(lambda: got.series("water:water_m3") or cable.send(telegrams[0]), 10, "a water reading")
            cable.send(telegrams[1])
            wait_for(lambda: len(got.series("meter:demand_w")) == 2, 10, "the second telegram")
            demand = got.series("meter:demand_w")
            assert [(r.value, r.unit) for r in demand] == [(0.052, "kW"), (0.053, "kW")]
            peak = got.series("meter:peak_demand_w")[0]
            assert (peak.value, peak.unit) == (3.064, "kW")
            assert got.series("meter:peak_demand_ts")[0].value == 1698921900.0  # 2023-11-02 11:45 CET
            water = got.series("water:water_m3")
            assert [(r.value, r.unit, r.meter, r.ts) for r in water] == [
                (872.234, "m3", "8SAG3000000001", 1698923700.0)
            ]
            assert len(got.series("gas:gas_m3")) == 1
            # live: every reading timed by the meter clock carries the receive time for the gate
            assert all(r.received is not None for r in got.readings)
            assert health.dropped == 0
    finally:
        cable.close()


def test_tcp_wh_meter_and_a_crc_without_line_end_and_garbage() -> None:
    """Sagemcom T210-D-r in Wh/W; the last telegram stops right after its CRC (the gateway pauses);
    10 MB of junk between telegrams shows as a counter, and the next telegram still arrives."""
    server = TcpSimulator()
    first, second = _case("sagemcom_t210_d_r_wh")
    junk = bytes((i * 7919 + 13) % 256 for i in range(1 << 16)).replace(b"/", b"x") * 160  # 10 MiB
    try:
        with running(_p1(host=server.host, tcp_port=server.port, silence_s=30)) as (got, health, _):
            server.wait_client()
            server.send(first.rstrip(b"\r\n"))  # the CRC and then nothing: whole all the same
            wait_for(lambda: got.series("meter:import_w"), 10, "the telegram without line end")
            imp = got.series("meter:import_w")[0]
            assert (imp.value, imp.unit) == (286.0, "W")  # not 286,000 W: the gate converts W to W
            server.send(b"\r\n" + junk + second)
            wait_for(lambda: len(got.series("meter:import_w")) == 2, 30, "the telegram after the junk")
            garbage = health.snapshot()["events"].get("garbage_bytes", 0)
            assert garbage >= 10_000_000
            assert health.drops == {}  # junk is no telegram: counted as bytes, not as dropped telegrams
    finally:
        server.close()
