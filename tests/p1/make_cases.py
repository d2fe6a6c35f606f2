"""Write the simulated test cases: ``cases/<name>/telegrams.txt`` next to ``expected.jsonl``.

The expected readings come from the simulator's own state (what it printed), not from
the decoder, so the golden tests check the decoder against an independent source.
Run ``python -m tests.p1.make_cases`` after changing the simulator; review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

from sim.p1 import SimMeter, corrupt, truncate

CASES = Path(__file__).parent / "cases"


def expected(meter: SimMeter, with_time: bool = True) -> list[dict]:
    """The readings a telegram rendered now must give, from the simulator's state."""
    ts = meter.now if with_time else None
    r3 = lambda v: round(v, 3)  # noqa: E731 - registers print 3 decimals
    c = {
        "import_t1_kwh": r3(meter.import_t1),
        "import_t2_kwh": r3(meter.import_t2),
        "export_t1_kwh": r3(meter.export_t1),
        "export_t2_kwh": r3(meter.export_t2),
    }
    c["import_kwh"] = round(c["import_t1_kwh"] + c["import_t2_kwh"], 6)
    c["export_kwh"] = round(c["export_t1_kwh"] + c["export_t2_kwh"], 6)
    if meter.version in ("5", "4.2"):
        c["power_failures"] = float(meter.failures_short + meter.failures_long)
        c["voltage_sags"] = float(sum(meter.sags[: meter.phases]))
        c["voltage_swells"] = float(sum(meter.swells[: meter.phases]))
    imp, exp, pin, pout, volts, amps = meter._powers()
    digits = 2 if meter.version == "2.2" else 3
    # values as the telegram prints them, with the unit of their line: the gate converts
    g = {"import_w": (round(imp, digits), "kW"), "export_w": (round(exp, digits), "kW")}
    if meter.version != "2.2":
        for p in range(meter.phases):
            if meter.version != "4.2":
                g[f"voltage_l{p + 1}_v"] = (round(volts[p], 1), "V")
            g[f"current_l{p + 1}_a"] = (float(amps[p]), "A")
            g[f"import_l{p + 1}_w"] = (round(pin[p], 3), "kW")
            g[f"export_l{p + 1}_w"] = (round(pout[p], 3), "kW")
    if meter.version == "be":
        # the simulator prints the power now as the quarter-hour demand and as this month's peak
        g["demand_w"] = (round(imp, 3), "kW")
        g["peak_demand_w"] = (round(imp, 3), "kW")
        g["peak_demand_ts"] = (meter.now, "s")
    g["tariff"] = (float(meter.tariff(meter.now)), None)
    rows = []
    for k, v in c.items():
        row = {"time": ts, "series": f"meter:{k}", "value": v, "meter": meter.serial}
        if k.endswith("_kwh"):
            row["unit"] = "kWh"
        rows.append(row)
    for k, (v, unit) in g.items():
        row = {"time": ts, "series": f"meter:{k}", "value": round(v, 3)}
        if unit:
            row["unit"] = unit
        rows.append(row)
    return rows


def gas_expected(meter: SimMeter) -> dict | None:
    if not meter.gas_serial:
        return None
    cap = meter.gas_capture()
    return {
        "time": cap,
        "series": "gas:gas_m3",
        "value": round(meter.gas_at(cap), 3),
        "meter": meter.gas_serial,
        "unit": "m3",
    }


def build(
    name: str, meter: SimMeter, n: int, faults: dict[int, str] | None = None, line_end: bytes = b"\r\n"
) -> None:
    faults = faults or {}
    folder = CASES / name
    folder.mkdir(parents=True, exist_ok=True)
    blobs, rows, drops = [], [], {}
    last_gas = None
    for i in range(n):
        tel = meter.telegram()
        fault = faults.get(i)
        if fault == "bad_crc":
            blobs.append(corrupt(tel))
        elif fault == "truncated":
            blobs.append(truncate(tel))
        else:
            blobs.append(tel)
        if fault:
            drops[fault] = drops.get(fault, 0) + 1
            continue
        rows += expected(meter, with_time=meter.version != "2.2")
        gas = gas_expected(meter)
        if gas and gas != last_gas and (last_gas is None or gas["time"] > last_gas["time"]):
            rows.append(gas)
            last_gas = gas
    data = b"".join(blobs)
    if line_end != b"\r\n":
        data = data.replace(b"\r\n", line_end)
    (folder / "telegrams.txt").write_bytes(data)
    (folder / "expected.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "drops.json").write_text(json.dumps(drops, sort_keys=True) + "\n")


def main() -> None:
    start = 1_780_000_000.0  # 2026-05-28, summer time: S flags
    build("v5_three_phase_gas", SimMeter(version="5", start=start), 6)
    build("v5_gas_on_channel_2", SimMeter(version="5", gas_channel=2, start=1_780_000_490.0), 20)
    build("v5_single_phase_no_gas", SimMeter(version="5", phases=1, gas_serial=None), 3)
    build("v5_lf_line_ends", SimMeter(version="5", start=start), 3, line_end=b"\n")
    build("v5_bad_crc_and_truncated", SimMeter(version="5", start=start), 6, {1: "bad_crc", 3: "truncated"})
    build("v42_hourly_gas", SimMeter(version="4.2", start=1_780_005_540.0), 12)
    build("v22_no_crc_no_clock", SimMeter(version="2.2", start=start), 3)
    build("belgian", SimMeter(version="be", start=start), 3)


if __name__ == "__main__":
    main()
